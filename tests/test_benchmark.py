"""The benchmark scripts, each called through its main() with the arguments a command line would give."""
import runpy
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def run(script, *args):
    """main() of benchmarks/<script>.py with args as its command line; its exit status (0 when it returns)."""
    main = runpy.run_path(str(BENCHMARKS / f"{script}.py"))["main"]
    try:
        main(list(args))
    except SystemExit as exit:
        return exit.code
    return 0


def test_benchmark_runs_both_pipelines_and_prints_their_ratio(capsys):
    assert run("pipelines", "--steps", "3", "--repeats", "2") == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("classic DataLoader + PIL") and "images/s" in line for line in lines)
    assert any(line.startswith("in-memory BatchLoader") and "images/s" in line for line in lines)
    assert lines[-1].startswith("ratio (ours / classic):")


@pytest.mark.parametrize("args, words", [(("--steps", "100000"), "steps must be at most"),
                                         (("--steps", "3", "--repeats", "0"), "repeats must be at least 1")])
def test_benchmark_refuses_what_it_cannot_time(capsys, args, words):
    assert run("pipelines", *args) == 2 and words in capsys.readouterr().err


def test_lever_benchmark_prints_each_chosen_lever_against_the_first(capsys):
    assert run("levers", "--steps", "2", "--repeats", "1", "--only", "channels-last alone") == 0
    rows = capsys.readouterr().out.splitlines()[1:]
    assert len(rows) == 2 and rows[0].startswith("fit's step before") and rows[0].endswith("1.00x  (turns 1.00-1.00)")
    assert rows[1].startswith("channels-last alone")


def test_lever_benchmark_refuses_an_unknown_lever(capsys):
    assert run("levers", "--only", "warp drive") == 2 and "unknown levers" in capsys.readouterr().err
