"""python -m mnist_lib: two commands through the real entry point, the others through cli.main in this process."""
import json
import os
import subprocess
import sys

from mnist_lib.cli import main
from mnist_lib.models import model_names
from test_models import HAND_COUNTS


def cli(*args, env=None, python=()):
    return subprocess.run([sys.executable, *python, "-m", "mnist_lib", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=300)


def test_models_lists_every_model_with_its_size(capsys):
    assert main(["models"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()[1:]]
    assert {row[0]: row[1] for row in rows} == {name: f"{HAND_COUNTS[name]:,}" for name in model_names()}


def test_train_writes_history_and_weights_without_importing_torchvision(tmp_path):
    # -X importtime lists every module the command imports; torchvision's import takes seconds in every process
    out = cli("train", "--model", "Model_4", "--smoke", "--no-progress", "--out", str(tmp_path),
              python=["-X", "importtime"])
    assert out.returncode == 0, out.stderr
    imported = [line.split("|")[-1].strip() for line in out.stderr.splitlines() if line.startswith("import time:")]
    assert "torch" in imported and not [name for name in imported if name.startswith("torchvision")]
    history = json.loads((tmp_path / "history.json").read_text())
    assert len(history["epochs"]) == 1 and history["meta"]["model"] == "Model_4"
    assert (tmp_path / "model.pt").is_file()


def one_line_error(returncode, stderr, words):
    lines = stderr.strip().splitlines()
    return returncode != 0 and len(lines) == 1 and words in lines[0] and "Traceback" not in stderr


def test_unknown_model_is_one_clear_line(tmp_path, capsys):
    returncode = main(["train", "--model", "Model_99", "--out", str(tmp_path)])
    assert one_line_error(returncode, capsys.readouterr().err, "known models: Model_1")


def test_zero_epochs_is_one_clear_line(tmp_path, capsys):
    returncode = main(["train", "--epochs", "0", "--out", str(tmp_path)])
    assert one_line_error(returncode, capsys.readouterr().err, "epochs must be at least 1")


def test_missing_data_is_one_clear_line(tmp_path):
    out = cli("train", "--smoke", "--out", str(tmp_path), env={"MNIST_DATA": str(tmp_path / "none")})
    assert one_line_error(out.returncode, out.stderr, "has no MNIST/raw folder")


def test_train_takes_the_speed_fields_as_flags(tmp_path):
    assert main(["train", "--model", "Model_4", "--smoke", "--no-progress", "--channels-last", "false",
                 "--eval-batch-size", "500", "--out", str(tmp_path)]) == 0
    config = json.loads((tmp_path / "history.json").read_text())["meta"]["config"]
    assert config["channels_last"] is False and config["eval_batch_size"] == 500
