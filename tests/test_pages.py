"""The chapters read well as pages: code that fits the page's width."""
from pathlib import Path

import nbformat
import pytest

from mnist_lib.book import chapters

ROOT = Path(__file__).resolve().parents[1]
WIDTH = 88  # characters: what a code cell shows on the site's page without a scroll bar


@pytest.mark.parametrize("notebook", chapters(ROOT), ids=lambda path: path.stem)
def test_code_fits_the_page(notebook):
    cells = [cell for cell in nbformat.read(notebook, as_version=4).cells if cell.cell_type == "code"]
    long = [f"cell {cell.get('id')}, line {number}: {len(line)} characters"
            for cell in cells for number, line in enumerate(cell.source.splitlines(), 1) if len(line) > WIDTH]
    assert not long, f"{notebook.name}: code wider than {WIDTH} characters:\n" + "\n".join(long)
