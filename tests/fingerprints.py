"""After a deliberate change to a model, rewrite model_fingerprints.json: PYTHONPATH=. python tests/fingerprints.py"""
import hashlib
import json
import os
import tempfile
from pathlib import Path

import torch

from mnist_lib.models import build_model, model_names

PATH = Path(__file__).with_name("model_fingerprints.json")


# The structure as printed (layers, activations, kernel sizes, dropout rates) and the initial weights with seed 0
# (each state_dict key, shape, dtype and float32 bytes, in order): a change that adds no parameter, such as another
# activation or dropout rate, changes the fingerprint too. The printed tree and the seeded initialisation are torch's:
# the fingerprints hold for the torch that requirements.txt pins.
def fingerprint(name):
    model = build_model(name, seed=0)
    digest = hashlib.sha256(repr(model).encode())
    for key, tensor in model.state_dict().items():
        digest.update(f"{key} {tuple(tensor.shape)} {tensor.dtype}\n".encode())
        digest.update(tensor.detach().to("cpu", torch.float32).contiguous().numpy().tobytes())
    return digest.hexdigest()


def committed():
    return json.loads(PATH.read_text())


def write():
    text = json.dumps({name: fingerprint(name) for name in model_names()}, indent=1) + "\n"
    fd, tmp = tempfile.mkstemp(dir=PATH.parent, prefix=PATH.name + ".")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, PATH)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


if __name__ == "__main__":
    write()
    print(f"wrote {len(model_names())} fingerprints to {PATH}")
