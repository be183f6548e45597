"""MNIST from verified files into memory, and batches with augmentation drawn a whole batch at a time."""
import gzip
import hashlib
import math
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
import torchvision
from torchvision import transforms

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


@contextmanager
def atomic_path(path):
    """A temporary name beside path to write to; renamed to path on success, removed on failure,
    so a reader never sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # The temporary name keeps the suffix: papermill, for one, checks that a notebook ends in .ipynb.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=path.suffix)
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


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


def load_mnist(root=None):
    """Verified MNIST as tensors, with normalisation constants computed from the training set."""
    tv_root = prepare_root(root)
    train = torchvision.datasets.MNIST(tv_root, train=True, download=False)
    test = torchvision.datasets.MNIST(tv_root, train=False, download=False)
    train_images = train.data.unsqueeze(1).float().div_(255)
    return MNIST(train_images, train.targets.clone(), test.data.unsqueeze(1).float().div_(255),
                 test.targets.clone(), train_images.mean().item(), train_images.std().item(), tv_root)


def dataset_stats(data):
    """One row per split: size, image shape, pixel mean and std (in [0, 1]) and images per digit."""
    return [dict(split=name, images=len(labels), shape="x".join(map(str, images.shape[1:])),
                 mean=round(images.mean().item(), 4), std=round(images.std().item(), 4),
                 **{str(d): c for d, c in enumerate(torch.bincount(labels, minlength=10).tolist())})
            for name, images, labels in (("train", data.train_images, data.train_labels),
                                         ("test", data.test_images, data.test_labels))]


@dataclass(frozen=True)
class Augment:
    """Per-sample random ranges; each 0 is off."""
    rotation: float = 0.0  # +- degrees
    translate: float = 0.0  # +- fraction of the image side
    scale: float = 0.0  # zoom within 1 +- scale
    shear: float = 0.0  # +- degrees
    crop_scale: float = 0.0  # zoom into a crop of at least this share of the area, as RandomResizedCrop
    jitter: float = 0.0  # brightness, then contrast, scaled within 1 +- jitter, as ColorJitter

    @classmethod
    def from_config(cls, cfg):
        return cls(rotation=cfg.rotation, translate=cfg.translate, scale=cfg.scale, shear=cfg.shear,
                   crop_scale=cfg.crop_scale, jitter=cfg.jitter)

    @property
    def active(self):
        return any((self.rotation, self.translate, self.scale, self.shear, self.crop_scale, self.jitter))

    def torchvision_transform(self):
        """The same ranges as torchvision's RandomAffine, for the classic PIL pipeline; with a crop or jitter, their
        torchvision transforms before and after it, in the order random_augment applies them."""
        affine = transforms.RandomAffine(
            degrees=self.rotation, translate=(self.translate,) * 2 if self.translate else None,
            scale=(1 - self.scale, 1 + self.scale) if self.scale else None, shear=self.shear or None)
        if not (self.crop_scale or self.jitter):
            return affine
        crop = [transforms.RandomResizedCrop(28, scale=(self.crop_scale, 1.0))] if self.crop_scale else []
        jitter = [transforms.ColorJitter(brightness=self.jitter, contrast=self.jitter)] if self.jitter else []
        return transforms.Compose(crop + [affine] + jitter)


def random_crops(n, side, min_area, generator=None, tries=10):
    """(width, height, centre) of n crops drawn as torchvision's RandomResizedCrop draws them from a side x side
    image: width and height as fractions of the side, the centre in grid units (the image spans -1 to 1).

    Each try takes a share of the area in [min_area, 1] and a width / height ratio log-uniform in [3/4, 4/3], both
    rounded to whole pixels; the first of the tries that fits inside the image is kept, else the whole image (the
    fallback for a square image). The crop's corner then lies on a uniformly drawn whole pixel inside the image."""
    area = side * side * (min_area + torch.rand(n, tries, generator=generator) * (1 - min_area))
    ratio = torch.exp((torch.rand(n, tries, generator=generator) * 2 - 1) * math.log(4 / 3))
    width, height = torch.round((area * ratio).sqrt()), torch.round((area / ratio).sqrt())
    fits = (width > 0) & (width <= side) & (height > 0) & (height <= side)
    first = fits.int().argmax(1, keepdim=True)  # the first try that fits; 0 when none does
    none_fits = ~fits.any(1)
    width = torch.where(none_fits, side, width.gather(1, first).squeeze(1))
    height = torch.where(none_fits, side, height.gather(1, first).squeeze(1))
    size = torch.stack([width, height], 1)
    corner = torch.floor(torch.rand(n, 2, generator=generator) * (side - size + 1))  # whole pixels 0 .. side - size
    return width / side, height / side, (2 * corner + size) / side - 1


def random_affine(images, aug, generator=None):
    """Each image rotated, sheared, scaled and shifted by its own random draw, in one grid_sample call; with
    aug.crop_scale, first cropped and resized back to full size, in the same call.

    Images are on a zero background (unnormalised), so the zero padding that grid_sample adds is background.
    """
    n = images.shape[0]

    def uniform(limit):
        return (torch.rand(n, generator=generator) * 2 - 1) * limit

    angle = torch.deg2rad(uniform(aug.rotation))
    shear = torch.deg2rad(uniform(aug.shear))
    zoom = 1 + uniform(aug.scale)
    shift = torch.stack([uniform(aug.translate), uniform(aug.translate)], 1) * 2  # grid units span 2
    cos, sin, tan = torch.cos(angle), torch.sin(angle), torch.tan(shear)
    # Output-to-input map: rotation composed with an x-shear, divided by the zoom.
    theta = torch.stack([
        torch.stack([cos, cos * tan - sin, shift[:, 0]], 1),
        torch.stack([sin, sin * tan + cos, shift[:, 1]], 1),
    ], 1)
    theta[:, :, :2] /= zoom[:, None, None]
    if aug.crop_scale:  # drawn after the others, so that without a crop the draws are those of before
        # The crop comes first in the pipeline, so last in the output-to-input map: a point of the cropped image at
        # grid position p lies at centre + size * p in the input.
        width, height, centre = random_crops(n, images.shape[-1], aug.crop_scale, generator)
        theta = theta * torch.stack([width, height], 1)[:, :, None]
        theta[:, :, 2] += centre
    grid = F.affine_grid(theta.to(images), list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def random_jitter(images, aug, generator=None):
    """Each image's brightness, then its contrast, scaled by its own factors within 1 +- aug.jitter, clamped to
    [0, 1] after each: what torchvision's ColorJitter(brightness, contrast) does to a grey image (saturation and
    hue leave one channel unchanged). Contrast moves every pixel towards or away from the image's mean."""
    n = images.shape[0]

    def factor():
        return (1 + (torch.rand(n, generator=generator) * 2 - 1) * aug.jitter).to(images)[:, None, None, None]

    brightness, contrast = factor(), factor()
    x = (images * brightness).clamp(0, 1)
    mean = x.mean((1, 2, 3), keepdim=True)
    return (contrast * x + (1 - contrast) * mean).clamp(0, 1)


def random_augment(images, aug, generator=None):
    """random_affine, then random_jitter when aug.jitter is on: the geometry first, the intensities of the result
    after, as the torchvision pipelines order them."""
    images = random_affine(images, aug, generator)
    return random_jitter(images, aug, generator) if aug.jitter else images


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
    steps = ([augment.torchvision_transform()] if augment.active else []) + [
        transforms.ToTensor(), transforms.Normalize((data.mean,), (data.std,))]
    dataset = torchvision.datasets.MNIST(data.root, train=train, transform=transforms.Compose(steps))
    return torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, num_workers=num_workers)
