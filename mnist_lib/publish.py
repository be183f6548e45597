"""Where the book lives: the repository URL and branch, set once in _config.yml, and every chapter's
first cell, which installs the package from there when the chapter runs in Colab."""
import re
from pathlib import Path

import nbformat
import yaml

from .book import chapters
from .files import atomic_path

INSTALL_CELL = ("# In Colab, install the book's package from its repository (elsewhere it is installed).\n"
                "import sys\n"
                "\n"
                'if "google.colab" in sys.modules:\n'
                '    %pip install -q "git+{url}@{branch}"')
# Colab and Binder build their links from a GitHub repository's owner and name.
GITHUB = re.compile(r"https://github\.com/[\w.-]+/[\w.-]+")
BRANCH = re.compile(r"[\w./-]+")


def repository(root="."):
    """The (url, branch) that _config.yml's repository section names."""
    config = yaml.safe_load((Path(root) / "_config.yml").read_text())
    return config["repository"]["url"], config["repository"]["branch"]


def install_cell(url, branch):
    """The source of a chapter's first cell for a repository at url, branch."""
    return INSTALL_CELL.format(url=url, branch=branch)


def read_install_cell(path):
    """(notebook, its first code cell) of the chapter at path; ValueError if that cell is not the install cell."""
    notebook = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    cell = next((cell for cell in notebook.cells if cell.cell_type == "code"), None)
    if cell is None or '"google.colab" in sys.modules' not in cell.source:
        raise ValueError(f"{path}: the first code cell is not the Colab install cell")
    return notebook, cell


def set_repository(url, branch=None, root="."):
    """Point _config.yml and every chapter's install cell at url (and branch; default: the current one).
    Only the cells' sources change; outputs and metadata stay as they are."""
    branch = branch or repository(root)[1]
    if not GITHUB.fullmatch(url):
        raise ValueError(f"the repository must be https://github.com/OWNER/NAME (Colab opens only "
                         f"GitHub notebooks), got {url!r}")
    if not BRANCH.fullmatch(branch):
        raise ValueError(f"a branch name holds letters, digits and . _ / -, got {branch!r}")
    path = Path(root) / "_config.yml"
    text = path.read_text()
    block = re.search(r"^repository:\n(?:[ \t]+.*\n)+", text, re.MULTILINE)
    if not block or not all(re.search(rf"^[ \t]+{key}:", block[0], re.M) for key in ("url", "branch")):
        raise ValueError(f"{path} has no repository section with url: and branch: lines")
    found = [(nb, *read_install_cell(nb)) for nb in chapters(root)]  # every chapter checked before any write
    new = re.sub(r"^([ \t]+url:).*$", rf"\1 {url}", block[0], flags=re.MULTILINE)
    new = re.sub(r"^([ \t]+branch:).*$", rf"\1 {branch}", new, flags=re.MULTILINE)
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text[:block.start()] + new + text[block.end():])
    assert repository(root) == (url, branch), f"{path} reads back as {repository(root)}"
    for chapter, notebook, cell in found:
        if cell.source != install_cell(url, branch):
            cell.source = install_cell(url, branch)
            with atomic_path(chapter) as tmp:
                nbformat.write(notebook, tmp)
