"""The chapters read well as pages: code that fits the page's width, setup folded away, no column repeated."""
from pathlib import Path

import nbformat
import pytest

from mnist_lib.book import chapters
from mnist_lib.history import History
from mnist_lib.publish import read_install_cell
from mnist_lib.report import contiguous
from mnist_lib.steps import CHANGES

ROOT = Path(__file__).resolve().parents[1]
WIDTH = 88  # characters: what a code cell shows on the site's page without a scroll bar


@pytest.mark.parametrize("notebook", chapters(ROOT), ids=lambda path: path.stem)
def test_code_fits_the_page(notebook):
    cells = [cell for cell in nbformat.read(notebook, as_version=4).cells if cell.cell_type == "code"]
    long = [f"cell {cell.get('id')}, line {number}: {len(line)} characters"
            for cell in cells for number, line in enumerate(cell.source.splitlines(), 1) if len(line) > WIDTH]
    assert not long, f"{notebook.name}: code wider than {WIDTH} characters:\n" + "\n".join(long)


def test_the_colab_install_cell_is_folded_away_on_every_page():
    """It does nothing outside Colab: the page shows a toggle, not the code."""
    for notebook in chapters(ROOT):
        assert "hide-input" in read_install_cell(notebook)[1].metadata.get("tags", []), notebook.name


def test_the_steps_table_names_beneath_it_the_steps_computed_in_the_contiguous_layout():
    """Recomputed from the histories: the steps whose test seeds 1-5 all record the contiguous layout are named once,
    after the table, and no other step is."""
    notebook = nbformat.read(ROOT / "book" / "14_comparison.ipynb", as_version=4)
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    tables = [output.data["text/html"] for output in outputs
              if output.get("metadata", {}).get("scrapbook", {}).get("name") == "steps_table"]
    assert len(tables) == 1
    note = tables[0][tables[0].index("</table>"):]
    for step in CHANGES:
        runs = [History.load(ROOT / "book" / "histories" / step / "test" / f"seed_{seed}" / "history.json")
                for seed in range(1, 6)]
        named = f" {int(step[:2])} " in note.replace(";", " ").replace(":", " ")
        assert named == all(map(contiguous, runs)), step


@pytest.mark.parametrize("notebook", chapters(ROOT), ids=lambda path: path.stem)
def test_notebooks_call_the_package_and_define_nothing(notebook):
    """Logic lives in mnist_lib, where it is tested: a chapter defines no function or class of its own."""
    cells = [cell for cell in nbformat.read(notebook, as_version=4).cells if cell.cell_type == "code"]
    defined = [line.strip() for cell in cells for line in cell.source.splitlines()
               if line.lstrip().startswith(("def ", "class ", "async def "))]
    assert not defined, f"{notebook.name} defines {defined}"
