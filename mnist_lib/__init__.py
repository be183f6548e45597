"""The MNIST drill-down: data, models, training, anatomy and plots behind the book's chapters."""
from .augment import Augment
from .config import RunConfig
from .data import BatchLoader, load_mnist
from .models import build_model, count_parameters, model_names
from .history import History
from .target import meets_target, summarise
from .train import fit

__all__ = ["RunConfig", "Augment", "BatchLoader", "load_mnist", "build_model", "count_parameters", "model_names",
           "History", "fit", "meets_target", "summarise"]
