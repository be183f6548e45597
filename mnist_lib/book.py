"""Execute the book's chapters with papermill: full runs in place for publishing, smoke runs under _build/."""
import os
import time
from pathlib import Path

import nbformat
import papermill
import yaml

from .data import atomic_path

SMOKE_DIR = Path("_build") / "smoke"


def chapters(root="."):
    """The notebooks listed in _toc.yml, in reading order."""
    root = Path(root)
    toc_path = root / "_toc.yml"
    if not toc_path.is_file():
        raise FileNotFoundError(f"no _toc.yml in {root.resolve()}; run the book from the repository root")
    toc = yaml.safe_load(toc_path.read_text())
    files = [toc["root"]] + [entry["file"] for part in toc.get("parts", [toc]) for entry in part.get("chapters", [])]
    return [root / "book" / f"{name}.ipynb" for name in files if (root / "book" / f"{name}.ipynb").is_file()]


def execute(notebook, output, parameters):
    """Run one notebook into output (via a temporary file, so a failed run leaves the old one intact)."""
    try:
        with atomic_path(output) as tmp:
            executed = papermill.execute_notebook(str(notebook), tmp, parameters=parameters,
                                                  cwd=str(notebook.parent), progress_bar=False)
            executed.metadata.papermill.output_path = str(output)  # not the temporary name it was written under
            nbformat.write(executed, tmp)
    except papermill.PapermillExecutionError as err:
        raise RuntimeError(f"chapter {notebook.name} failed in cell {err.exec_count} ({err.ename}: {err.evalue}); "
                           f"{output} is left as it was") from None


def run_book(smoke=False, only=None, root="."):
    """Execute every chapter (or those named in `only`); print each one's wall time."""
    todo = chapters(root)
    if os.environ.get("MNIST_DATA"):  # chapters run in book/, where a relative root would point elsewhere
        os.environ["MNIST_DATA"] = str(Path(os.environ["MNIST_DATA"]).resolve())
    if only:
        unknown = set(only) - {nb.stem for nb in todo}
        if unknown:
            raise ValueError(f"unknown chapters {sorted(unknown)}; chapters: {[nb.stem for nb in todo]}")
        todo = [nb for nb in todo if nb.stem in only]
    total = 0.0
    for notebook in todo:
        output = Path(root) / SMOKE_DIR / notebook.name if smoke else notebook
        start = time.perf_counter()
        execute(notebook, output, {"SMOKE": True} if smoke else {})
        seconds = time.perf_counter() - start
        total += seconds
        print(f"{notebook.stem}: {seconds:.0f} s -> {output}", flush=True)
    print(f"{len(todo)} chapters in {total:.0f} s ({'smoke' if smoke else 'full'})")
