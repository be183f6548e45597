"""Execute the book's chapters with papermill: full runs in place for publishing, smoke runs under _build/."""
import multiprocessing
import os
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path

import nbformat
import papermill
import yaml

from .files import atomic_path

SMOKE_DIR = Path("_build") / "smoke"


def chapter_parts(root="."):
    """The notebooks listed in _toc.yml, one list per part in reading order; the first list holds the root page."""
    root = Path(root)
    toc_path = root / "_toc.yml"
    if not toc_path.is_file():
        raise FileNotFoundError(f"no _toc.yml in {root.resolve()}; run the book from the repository root")
    toc = yaml.safe_load(toc_path.read_text())
    parts = [[toc["root"]]] + [[entry["file"] for entry in part.get("chapters", [])] for part in toc.get("parts", [toc])]
    return [[root / "book" / f"{name}.ipynb" for name in part if (root / "book" / f"{name}.ipynb").is_file()]
            for part in parts]


def chapters(root="."):
    """The notebooks listed in _toc.yml, in reading order."""
    return [nb for part in chapter_parts(root) for nb in part]


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


def execute_timed(notebook, output, parameters):
    """execute(), then print the chapter's wall time."""
    start = time.perf_counter()
    execute(notebook, output, parameters)
    seconds = time.perf_counter() - start
    print(f"{notebook.stem}: {seconds:.0f} s -> {output}", flush=True)


def one_thread_per_kernel():
    """Set in each worker, whose kernels inherit it: the book's runs were trained on one thread, and the same seed on
    another number of threads sums in another order and drifts to other digits."""
    os.environ["OMP_NUM_THREADS"] = "1"


def run_book(smoke=False, only=None, root=".", jobs=2):
    """Execute every chapter (or those named in `only`); print each one's wall time and the total.

    The step chapters (the first part of _toc.yml) each train their own run and read nothing from one another, so
    they run `jobs` at a time, one thread each; the later chapters read their runs and run one after another."""
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    parts = chapter_parts(root)
    if os.environ.get("MNIST_DATA"):  # chapters run in book/, where a relative root would point elsewhere
        os.environ["MNIST_DATA"] = str(Path(os.environ["MNIST_DATA"]).resolve())
    if only:
        known = [nb.stem for part in parts for nb in part]
        unknown = set(only) - set(known)
        if unknown:
            raise ValueError(f"unknown chapters {sorted(unknown)}; chapters: {known}")
        parts = [[nb for nb in part if nb.stem in only] for part in parts]
    steps, later = parts[1], [nb for part in parts[:1] + parts[2:] for nb in part]  # parts[0]: the root page
    params = {"SMOKE": True} if smoke else {}

    def output(notebook):
        return Path(root) / SMOKE_DIR / notebook.name if smoke else notebook

    start = time.perf_counter()
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"),
                             initializer=one_thread_per_kernel) as pool:
        # Submitted one by one as others finish, so that after a failure no further chapter starts (the pool would
        # already have handed a queued one to a worker); the with-block waits for the one still running.
        waiting, running = list(steps), set()
        while waiting or running:
            while waiting and len(running) < jobs:
                notebook = waiting.pop(0)
                running.add(pool.submit(execute_timed, notebook, output(notebook), params))
            done, running = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                future.result()
    for notebook in later:
        execute_timed(notebook, output(notebook), params)
    print(f"{len(steps) + len(later)} chapters in {time.perf_counter() - start:.0f} s wall "
          f"({'smoke' if smoke else 'full'}; steps {jobs} at a time)")
