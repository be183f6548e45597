"""The package stays easy to read: one concern per module, none of them long."""
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mnist_lib"
LONGEST = 250  # lines: past this a module holds more than one concern; split it by concern


@pytest.mark.parametrize("module", sorted(PACKAGE.glob("*.py")), ids=lambda path: path.name)
def test_no_module_is_long(module):
    lines = len(module.read_text().splitlines())
    assert lines <= LONGEST, f"{module.name} has {lines} lines: split it by concern"
