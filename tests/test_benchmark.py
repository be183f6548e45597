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


def test_rerun_cost_counts_each_folders_training_and_a_steps_extra_seeds_apart(tmp_path, capsys):
    from mnist_lib.history import History

    epochs = {"01_setup/test/seed_1": 3, "01_setup/validation/seed_5": 1, "01_setup/test/seed_6": 2,
              "17_smallest/Small_C/seed_1": 4}
    for folder, n in epochs.items():  # half an hour an epoch
        History({"device_name": "CPU", "threads": 1}, [dict(epoch=i + 1, seconds=1800.0) for i in range(n)]).save(
            tmp_path / folder / "history.json")
    assert run("rerun_cost", "--histories", str(tmp_path), "--workers", "2") == 0
    out = capsys.readouterr().out.splitlines()
    lines = {line[:34].strip(): line[34:].split()[:3] for line in out[1:]}
    assert lines["01_setup"] == ["2", "2.00", "1.00"]
    assert lines["01_setup, more seeds"] == ["1", "1.00", "0.50"]
    assert lines["17_smallest"] == ["1", "2.00", "1.00"] and lines["all"] == ["4", "5.00", "2.50"]
    assert out[1].endswith("CPU, 1 thread(s)")


def test_rerun_cost_refuses_a_folder_without_runs(tmp_path, capsys):
    assert run("rerun_cost", "--histories", str(tmp_path / "missing")) == 2
    assert "no folder" in capsys.readouterr().err
    assert run("rerun_cost", "--histories", str(tmp_path)) == 2
    assert "no history.json" in capsys.readouterr().err
