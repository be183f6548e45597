import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_benchmark_runs_both_pipelines_and_prints_their_ratio():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "pipelines.py"), "--steps", "3", "--repeats", "2"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert any(line.startswith("classic DataLoader + PIL") and "images/s" in line for line in lines)
    assert any(line.startswith("in-memory BatchLoader") and "images/s" in line for line in lines)
    assert lines[-1].startswith("ratio (ours / classic):")


def test_benchmark_refuses_more_steps_than_one_epoch():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "pipelines.py"), "--steps", "100000"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode != 0 and "steps must be at most" in out.stderr


def test_benchmark_refuses_zero_repeats():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "pipelines.py"), "--steps", "3", "--repeats", "0"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode != 0 and "repeats must be at least 1" in out.stderr


def test_lever_benchmark_prints_each_chosen_lever_against_the_first():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "levers.py"), "--steps", "2", "--repeats", "1",
                          "--only", "channels-last alone"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    rows = out.stdout.splitlines()[1:]
    assert len(rows) == 2 and rows[0].startswith("fit's step before") and rows[0].endswith("1.00x  (turns 1.00-1.00)")
    assert rows[1].startswith("channels-last alone")


def test_lever_benchmark_refuses_an_unknown_lever():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "levers.py"), "--only", "warp drive"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode != 0 and "unknown levers" in out.stderr
