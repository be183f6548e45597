"""Random augmentation drawn a whole batch at a time: one affine resampling per batch, then intensity jitter."""
import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F


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
        from torchvision import transforms  # imported here: importing torchvision takes seconds, training needs none

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


def affine(images, angle, shift, zoom=1.0, shear=0.0, crop=None):
    """images (N, C, H, W) moved by one affine map each, in one grid_sample call (bilinear, zero padding).

    Each parameter is one value for every image or a tensor of one value per image. angle and shear are in degrees,
    a positive angle anticlockwise (as torchvision's rotate; its affine turns clockwise). shift is (x, y) in
    fractions of the image side, positive right and down, shape (N, 2) per image; it moves the digit before the
    rotation, shear and zoom about the centre. crop, (width, height, centre) per image in grid units as random_crops
    draws them, crops and resizes first. Images are on a zero background (unnormalised), so the zero padding that
    grid_sample adds is background.
    """
    n = images.shape[0]

    def per_image(value, *shape):
        return torch.as_tensor(value, dtype=torch.float32).expand(n, *shape)

    angle, shear = torch.deg2rad(per_image(angle)), torch.deg2rad(per_image(shear))
    zoom = per_image(zoom)
    shift = per_image(shift, 2) * -2  # the map reads the input where the output is, in grid units that span 2
    cos, sin, tan = torch.cos(angle), torch.sin(angle), torch.tan(shear)
    # Output-to-input map: rotation composed with an x-shear, divided by the zoom.
    theta = torch.stack([
        torch.stack([cos, cos * tan - sin, shift[:, 0]], 1),
        torch.stack([sin, sin * tan + cos, shift[:, 1]], 1),
    ], 1)
    theta[:, :, :2] /= zoom[:, None, None]
    if crop is not None:
        # The crop comes first in the pipeline, so last in the output-to-input map: a point of the cropped image at
        # grid position p lies at centre + size * p in the input.
        width, height, centre = crop
        theta = theta * torch.stack([width, height], 1)[:, :, None]
        theta[:, :, 2] += centre
    grid = F.affine_grid(theta.to(images), list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def random_affine(images, aug, generator=None):
    """Each image rotated, sheared, scaled and shifted by its own random draw within aug's ranges; with
    aug.crop_scale, first cropped and resized back to full size, in the same resampling."""
    n = images.shape[0]

    def uniform(limit):
        return (torch.rand(n, generator=generator) * 2 - 1) * limit

    # Drawn in this order, so a seed gives the augmentation it always gave.
    angle, shear, zoom = uniform(aug.rotation), uniform(aug.shear), 1 + uniform(aug.scale)
    shift = torch.stack([uniform(aug.translate), uniform(aug.translate)], 1)
    # Drawn after the others, so that without a crop the draws are those of before.
    crop = random_crops(n, images.shape[-1], aug.crop_scale, generator) if aug.crop_scale else None
    # Negated so that each seed moves its digits exactly as in the committed runs (the ranges are symmetric and
    # negation is exact).
    return affine(images, angle, -shift, zoom, shear, crop)


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
