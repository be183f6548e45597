"""MNIST from verified files into memory, and batches of it with augmentation drawn a whole batch at a time."""
import gzip
import hashlib
import math
import os
import shutil
import struct
from dataclasses import dataclass
from pathlib import Path

import torch

from .augment import Augment, random_augment
from .files import atomic_path

# SHA-256 of the decompressed IDX files: the same bytes whatever gzip wrapping they arrived in.
IDX_SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
FIX = ("point --data or MNIST_DATA at a folder holding MNIST/raw/ with the four canonical files "
       "(gzipped or not), or unset MNIST_DATA to let torchvision download them")


class DataError(ValueError):
    """A data file is missing, truncated or not the canonical MNIST bytes."""


def cache_dir():
    """Where decompressed and downloaded files go: MNIST_CACHE, else ~/.cache/mnist_lib."""
    return Path(os.environ.get("MNIST_CACHE") or Path.home() / ".cache" / "mnist_lib")


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_digest(path, name, source):
    if sha256(path) != IDX_SHA256[name]:
        raise DataError(f"{source} is corrupted (its SHA-256 does not match canonical MNIST '{name}'); "
                        f"replace it with an intact copy: {FIX}")


def _decompress(gz_path, target):
    """Decompress and verify, written under a temporary name, so no half-written file remains."""
    try:
        with atomic_path(target) as tmp:
            with gzip.open(gz_path, "rb") as src, open(tmp, "wb") as dst:
                shutil.copyfileobj(src, dst)
            _check_digest(tmp, target.name, gz_path)
    except (OSError, EOFError, gzip.BadGzipFile) as err:
        raise DataError(f"{gz_path} cannot be decompressed ({err}); it is truncated or not gzip: {FIX}") from err


def prepare_root(root=None):
    """A torchvision root whose MNIST/raw holds the verified decompressed files.

    The root comes from the argument, else MNIST_DATA, else torchvision downloads into the cache.
    A given root is only read: gzipped files are decompressed into the cache, never beside themselves.
    """
    root = root or os.environ.get("MNIST_DATA")
    if not root:
        import torchvision  # imported only to download: its import takes seconds

        target = cache_dir() / "download"
        torchvision.datasets.MNIST(target, train=True, download=True)
        torchvision.datasets.MNIST(target, train=False, download=True)
        for name in IDX_SHA256:
            _check_digest(target / "MNIST" / "raw" / name, name, target / "MNIST" / "raw" / name)
        return target
    raw = Path(root) / "MNIST" / "raw"
    if not raw.is_dir():
        raise FileNotFoundError(f"MNIST data root {root} has no MNIST/raw folder: {FIX}")
    if all((raw / name).is_file() for name in IDX_SHA256):
        for name in IDX_SHA256:
            _check_digest(raw / name, name, raw / name)
        return Path(root)
    target = cache_dir() / "offline"
    for name in IDX_SHA256:
        if not (raw / f"{name}.gz").is_file():
            raise FileNotFoundError(f"MNIST file {raw / name}.gz is missing: {FIX}")
        _decompress(raw / f"{name}.gz", target / "MNIST" / "raw" / name)
    return target


@dataclass(frozen=True)
class MNIST:
    """The whole set in memory: images as float in [0, 1], shape (N, 1, 28, 28); labels as int64."""
    train_images: torch.Tensor
    train_labels: torch.Tensor
    test_images: torch.Tensor
    test_labels: torch.Tensor
    mean: float  # of the training pixels, to normalise every image the same way
    std: float
    root: Path  # the verified torchvision root, for the classic DataLoader path


def read_idx(path):
    """An IDX file's array as a uint8 tensor of the shape its header records.

    Read here rather than through torchvision's MNIST dataset, whose import takes seconds in every process that
    trains; prepare_root has already checked each file's SHA-256, so the header needs no other check."""
    raw = bytearray(Path(path).read_bytes())
    dims = raw[3]  # bytes 0-2: two zero bytes and the element type (unsigned byte), then the number of dimensions
    shape = struct.unpack(f">{dims}I", raw[4:4 + 4 * dims])
    return torch.frombuffer(raw, dtype=torch.uint8, offset=4 + 4 * dims).reshape(shape)


def load_mnist(root=None):
    """Verified MNIST as tensors, with normalisation constants computed from the training set."""
    tv_root = prepare_root(root)
    raw = tv_root / "MNIST" / "raw"
    images = {split: read_idx(raw / f"{split}-images-idx3-ubyte").unsqueeze(1).float().div_(255)
              for split in ("train", "t10k")}
    labels = {split: read_idx(raw / f"{split}-labels-idx1-ubyte").long() for split in ("train", "t10k")}
    return MNIST(images["train"], labels["train"], images["t10k"], labels["t10k"], images["train"].mean().item(),
                 images["train"].std().item(), tv_root)


def dataset_stats(data):
    """One row per split: size, image shape, pixel mean and std (in [0, 1]) and images per digit."""
    return [dict(split=name, images=len(labels), shape="x".join(map(str, images.shape[1:])),
                 mean=round(images.mean().item(), 4), std=round(images.std().item(), 4),
                 **{str(d): c for d, c in enumerate(torch.bincount(labels, minlength=10).tolist())})
            for name, images, labels in (("train", data.train_images, data.train_labels),
                                         ("test", data.test_images, data.test_labels))]


class BatchLoader:
    """Batches from tensors already in memory (on the training device), normalised, optionally augmented."""

    def __init__(self, images, labels, *, batch_size, mean, std, augment=Augment(), shuffle=True, seed=0):
        if images.shape[0] != labels.shape[0]:
            raise ValueError(f"{images.shape[0]} images but {labels.shape[0]} labels")
        if images.ndim != 4 or images.shape[1:] != (1, 28, 28):
            raise ValueError(f"images must have shape (N, 1, 28, 28), got {tuple(images.shape)}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.images, self.labels = images, labels
        self.batch_size, self.mean, self.std = batch_size, mean, std
        self.augment, self.shuffle = augment, shuffle
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self):
        return math.ceil(len(self.labels) / self.batch_size)

    def __iter__(self):
        n = len(self.labels)
        order = torch.randperm(n, generator=self.generator) if self.shuffle else torch.arange(n)
        order = order.to(self.images.device)
        for start in range(0, n, self.batch_size):
            index = order[start:start + self.batch_size]
            x = self.images[index]
            if self.augment.active:
                x = random_augment(x, self.augment, self.generator)
            yield (x - self.mean) / self.std, self.labels[index]


def classic_loader(data, *, train, batch_size, augment=Augment(), num_workers=0, shuffle=True):
    """The textbook pipeline: torchvision dataset, PIL transforms per image, DataLoader batching."""
    import torchvision
    from torchvision import transforms

    steps = ([augment.torchvision_transform()] if augment.active else []) + [
        transforms.ToTensor(), transforms.Normalize((data.mean,), (data.std,))]
    dataset = torchvision.datasets.MNIST(data.root, train=train, transform=transforms.Compose(steps))
    return torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, num_workers=num_workers)
