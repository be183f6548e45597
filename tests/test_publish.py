"""Where the book lives: set once in _config.yml, followed by every chapter's Colab install cell."""
import difflib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from mnist_lib.book import chapters
from mnist_lib.publish import install_cell, read_install_cell, repository, set_repository

ROOT = Path(__file__).resolve().parents[1]
FORK = "https://github.com/a-reader/mnist-fork"


def test_every_install_cell_installs_from_the_configured_repository():
    url, branch = repository(ROOT)
    assert url == yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    for notebook in chapters(ROOT):
        source = read_install_cell(notebook)[1].source
        assert f'%pip install -q "git+{url}@{branch}"' in source, notebook.name
        assert source == install_cell(url, branch), notebook.name


def book_copy(root):
    """The configuration, table of contents and chapters of the book, copied to root."""
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy(ROOT / name, root / name)
    (root / "book").mkdir()
    for notebook in chapters(ROOT):
        shutil.copy(notebook, root / "book" / notebook.name)


def book_command(root, *args):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "mnist_lib", "book", *args], cwd=root, capture_output=True,
                          text=True, env=env, timeout=300)


def test_the_command_rewrites_the_configuration_and_only_each_install_line(tmp_path):
    book_copy(tmp_path)
    out = book_command(tmp_path, "--repository", FORK, "--branch", "gh-pages")
    assert out.returncode == 0, out.stderr
    assert repository(tmp_path) == (FORK, "gh-pages")
    old_url, old_branch = repository(ROOT)
    for notebook in chapters(ROOT):
        before, after = notebook.read_text(), (tmp_path / "book" / notebook.name).read_text()
        changed = [line for line in difflib.ndiff(before.splitlines(), after.splitlines()) if line[:2] in "+ - "]
        assert changed == [f'-     "    %pip install -q \\"git+{old_url}@{old_branch}\\""',
                           f'+     "    %pip install -q \\"git+{FORK}@gh-pages\\""'], notebook.name
    config_diff = [line for line in difflib.ndiff((ROOT / "_config.yml").read_text().splitlines(),
                                                  (tmp_path / "_config.yml").read_text().splitlines())
                   if line[:2] in "+ - "]
    assert len(config_diff) == 4 and all("url:" in line or "branch:" in line for line in config_diff)


def test_the_branch_stays_when_only_the_url_is_given(tmp_path):
    book_copy(tmp_path)
    set_repository(FORK, root=tmp_path)
    assert repository(tmp_path) == (FORK, repository(ROOT)[1])


def test_a_url_colab_cannot_open_is_refused(tmp_path):
    book_copy(tmp_path)
    with pytest.raises(ValueError, match="https://github.com/OWNER/NAME"):
        set_repository("https://gitlab.com/a-reader/mnist-fork", root=tmp_path)
    assert repository(tmp_path) == repository(ROOT)


def test_a_chapter_without_the_install_cell_stops_the_command_before_any_write(tmp_path):
    book_copy(tmp_path)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import mnist_lib")]),
                   tmp_path / "book" / "17_smallest.ipynb")
    before = (tmp_path / "_config.yml").read_text()
    out = book_command(tmp_path, "--repository", FORK)
    assert out.returncode == 2 and "17_smallest.ipynb: the first code cell is not the Colab install cell" in out.stderr
    assert (tmp_path / "_config.yml").read_text() == before
    assert (tmp_path / "book" / "01_setup.ipynb").read_text() == (ROOT / "book" / "01_setup.ipynb").read_text()


def test_a_branch_without_a_repository_is_refused(tmp_path):
    out = book_command(tmp_path, "--branch", "gh-pages")
    assert out.returncode == 2 and "--branch needs --repository" in out.stderr


def test_binder_installs_the_pinned_requirements_then_the_package():
    binder = ROOT / "binder"
    assert (binder / "requirements.txt").read_text().splitlines()[-1] == "-r ../requirements.txt"
    assert (binder / "postBuild").stat().st_mode & 0o111, "Binder runs postBuild only when it is executable"
    assert (binder / "postBuild").read_text().splitlines()[-1] == "python -m pip install --no-deps -e ."
