"""Colab, simulated: a fresh environment holding only what Colab already has runs a chapter's own install
cell, pointed at a clone of this repository at the tested commit (HEAD: uncommitted changes are not in it), then
the chapter in smoke form. Slow (minutes: torch is installed into the environment), so the default pytest run
leaves it out; `python -m pytest -m colab tests/test_colab.py` runs it."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest

from mnist_lib.publish import read_install_cell, repository

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "book" / "02_skeleton.ipynb"
# What a Colab runtime already has, at the versions requirements.txt pins where it pins them; papermill is not
# among them but executes the chapter here, as Colab's own kernel would.
COLAB = ["torch", "torchvision", "matplotlib", "tqdm", "ipykernel"]
ENVIRONMENT_BYTES = 8e9  # room for the environment: about 5.5 GB, with a margin
# Stands in for the module that Colab's kernel has imported before a notebook's first cell runs.
FAKE_COLAB = 'import sys, types\nsys.modules["google.colab"] = types.ModuleType("google.colab")\n'

pytestmark = pytest.mark.colab


def pinned(names):
    """names, each with requirements.txt's pin where it has one."""
    pins = dict(re.findall(r"^([\w-]+)(==\S+)$", (ROOT / "requirements.txt").read_text(), re.MULTILINE))
    return [name + pins.get(name, "") for name in names]


def run(*args, **kwargs):
    return subprocess.run([str(arg) for arg in args], capture_output=True, text=True, **kwargs)


@pytest.fixture
def colab_python(tmp_path):
    """The Python of a fresh virtual environment with Colab's packages and papermill, removed afterwards; skips
    when they cannot be installed.

    Torch with its CUDA libraries takes about 5.5 GB. Where /dev/shm has room the environment goes there: on this
    project's 2-core machine (one try each, other runs sharing it), installing without compiling bytecode took 82 s
    there against 95 s on disk (162 s compiling it), and removing it 1 s against 121 s (the disk discards deleted
    blocks as it goes). Bytecode is compiled on first import instead.
    """
    if shutil.which("git") is None:
        pytest.skip("needs git, to clone the repository the install cell installs from")
    if not os.environ.get("MNIST_DATA"):
        pytest.skip("needs MNIST_DATA, the offline data root (Colab downloads MNIST; this test must not)")
    memory = Path("/dev/shm")
    in_memory = memory.is_dir() and shutil.disk_usage(memory).free > ENVIRONMENT_BYTES
    folder = Path(tempfile.mkdtemp(prefix="colab-", dir=memory)) if in_memory else tmp_path / "colab"
    run(sys.executable, "-m", "venv", folder, check=True)
    out = run(folder / "bin" / "python", "-m", "pip", "install", "-q", "--no-compile", *pinned(COLAB), "papermill",
              timeout=1200)
    if out.returncode != 0:
        shutil.rmtree(folder)
        pytest.skip(f"Colab's packages cannot be installed here: {out.stderr.strip().splitlines()[-1]}")
    yield folder / "bin" / "python"
    shutil.rmtree(folder)


def freeze(python):
    return run(python, "-m", "pip", "freeze", check=True).stdout.splitlines()


def dist_info(python, name):
    """The installed dist-info folder of a package and the time its RECORD was written (changes on a reinstall)."""
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))").stdout.strip())
    record = next(site.glob(f"{name}-*.dist-info/RECORD"))
    return record.parent.name, record.stat().st_mtime_ns


def clone_at_head(folder, branch):
    """A bare clone holding the tested commit as `branch`, as the install cell's repository would."""
    run("git", "init", "-q", "--bare", folder, check=True)
    run("git", "-C", folder, "fetch", "-q", ROOT, f"HEAD:refs/heads/{branch}", check=True)
    return run("git", "-C", ROOT, "rev-parse", "HEAD", check=True).stdout.strip()


def test_a_chapter_installs_the_package_and_runs_in_a_fresh_colab_like_environment(colab_python, tmp_path):
    python = colab_python
    url, branch = repository(ROOT)
    commit = clone_at_head(tmp_path / "repo.git", branch)

    # The chapter's own install cell, with the repository's URL swapped for the local clone.
    notebook, cell = read_install_cell(CHAPTER)
    assert f"git+{url}@{branch}" in cell.source
    cell.source = cell.source.replace(f"git+{url}@", f"git+file://{tmp_path / 'repo.git'}@")
    (tmp_path / "book").mkdir()
    nbformat.write(notebook, tmp_path / "book" / CHAPTER.name)
    startup = tmp_path / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-colab.py").write_text(FAKE_COLAB)

    before = freeze(python), dist_info(python, "torch"), dist_info(python, "torchvision")
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}  # only the installed package
    env.update(IPYTHONDIR=str(tmp_path / "ipython"), MNIST_CACHE=str(tmp_path / "cache"),
               PATH=f"{python.parent}{os.pathsep}{env['PATH']}")
    out = run(python, "-m", "papermill", tmp_path / "book" / CHAPTER.name, tmp_path / "executed.ipynb",
              "-p", "SMOKE", "True", "--cwd", tmp_path / "book", env=env, timeout=1200)
    assert out.returncode == 0, out.stderr[-3000:]

    after = freeze(python), dist_info(python, "torch"), dist_info(python, "torchvision")
    installed = [line for line in after[0] if line.lower().startswith("mnist")]
    assert installed == [f"mnist_lib @ git+file://{tmp_path / 'repo.git'}@{commit}"]
    torch_lines = [[line for line in lines if line.startswith(("torch==", "torchvision=="))] for lines in
                   (before[0], after[0])]
    assert torch_lines[0] == torch_lines[1] and len(torch_lines[0]) == 2, "installing the package changed torch"
    assert before[1:] == after[1:], "installing the package reinstalled torch or torchvision"
    executed = nbformat.read(tmp_path / "executed.ipynb", as_version=4)
    assert any("Model_2" in str(c.outputs) for c in executed.cells if c.cell_type == "code")
