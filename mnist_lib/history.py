"""A run's record: its History and weights on disk, where it ran, and the finished runs read instead of retrained."""
import importlib.metadata
import io
import json
import os
import platform
from dataclasses import dataclass, field
from pathlib import Path

import torch

from .config import RunConfig
from .files import atomic_path
from .models import build_model, count_parameters


def write_json_atomic(path, obj):
    with atomic_path(path) as tmp, open(tmp, "w") as f:
        json.dump(obj, f, indent=1)


def save_weights_atomic(model, path):
    # Saved through a buffer: torch names the archive inside after the file it writes, which here would be the
    # temporary name, so the same weights would give different bytes on every run.
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    with atomic_path(path) as tmp:
        Path(tmp).write_bytes(buffer.getvalue())


@dataclass
class History:
    """One run's record: what made it (meta) and one row per finished epoch."""
    meta: dict
    epochs: list = field(default_factory=list)

    def column(self, key):
        return [row[key] for row in self.epochs]

    @property
    def params(self):
        return self.meta["params"]

    def save(self, path):
        write_json_atomic(path, {"meta": self.meta, "epochs": self.epochs})

    @classmethod
    def load(cls, path):
        with open(path) as f:
            record = json.load(f)
        return cls(record["meta"], record["epochs"])


def device_name(device):
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    cpu = platform.processor() or platform.machine()
    if Path("/proc/cpuinfo").is_file():
        cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), cpu)
    return f"{cpu} ({os.cpu_count()} cores)"


def ran_on(name, threads):
    """Where a run ran, as every table and figure of the book labels it: the device and the CPU threads used."""
    return f"{name}, {threads} thread(s)"


def run_meta(cfg, model, device, eval_set):
    return dict(config=cfg.to_dict(), model=cfg.model, params=count_parameters(model), seed=cfg.seed,
                device=str(device), device_name=device_name(device), eval_set=eval_set,
                threads=torch.get_num_threads(),
                versions=dict(python=platform.python_version(), torch=torch.__version__,
                              torchvision=importlib.metadata.version("torchvision")))


def load_trained(out):
    """The network a run saved in out (history.json names it, model.pt holds its weights), ready to evaluate."""
    model = build_model(History.load(Path(out) / "history.json").meta["model"])
    model.load_state_dict(torch.load(Path(out) / "model.pt"))
    return model.eval()


def finished_history(cfg, out, exact=False):
    """The history saved at out if it is a complete run of cfg's recipe, else None: like the number of threads,
    how it was computed (config.EXECUTION) does not make it another run to train. With exact, it must also have
    been computed as cfg says, as a timing must."""
    path = Path(out) / "history.json"
    if not path.is_file():
        return None
    history = History.load(path)
    recorded = RunConfig.from_record(history.meta["config"])
    same = recorded == cfg if exact else recorded.recipe() == cfg.recipe()
    complete = len(history.epochs) == cfg.epochs and (Path(out) / "model.pt").is_file()
    return history if complete and same else None
