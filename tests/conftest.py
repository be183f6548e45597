import os
from pathlib import Path

import pytest

from mnist_lib.data import load_mnist

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def data():
    if not os.environ.get("MNIST_DATA"):
        pytest.fail("set MNIST_DATA to a folder holding MNIST/raw (here: MNIST_DATA=../shared/data)")
    return load_mnist()


@pytest.fixture
def offline_copy(tmp_path, monkeypatch):
    """A private copy of the offline root's gzipped files, and a private cache."""
    raw = tmp_path / "root" / "MNIST" / "raw"
    raw.mkdir(parents=True)
    source = Path(os.environ["MNIST_DATA"]) / "MNIST" / "raw"
    for gz in source.glob("*.gz"):
        (raw / gz.name).write_bytes(gz.read_bytes())
    monkeypatch.setenv("MNIST_CACHE", str(tmp_path / "cache"))
    return tmp_path / "root"
