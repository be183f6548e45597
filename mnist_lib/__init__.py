"""The MNIST drill-down: data, models, training, anatomy and plots behind the book's chapters."""
import importlib

# What `from mnist_lib import ...` offers, and the module each name lives in. They are imported on first use, so
# that `mnist_lib.book` (which runs notebooks) and `mnist_lib.files` start without importing torch.
_HOMES = {"Augment": "augment", "RunConfig": "config", "BatchLoader": "data", "load_mnist": "data",
          "build_model": "models", "count_parameters": "models", "model_names": "models", "History": "history",
          "meets_target": "target", "summarise": "target", "fit": "train"}
__all__ = list(_HOMES)


def __getattr__(name):
    if name not in _HOMES:
        raise AttributeError(f"module 'mnist_lib' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
