import gzip

import pytest
import torch
import torchvision
from torchvision import transforms
from torchvision.transforms import functional as TF

import mnist_lib.augment
from mnist_lib.augment import Augment, affine, random_affine, random_augment, random_crops, random_jitter
from mnist_lib.data import IDX_SHA256, BatchLoader, DataError, classic_loader, load_mnist, sha256

# From ../shared/data/README.md: the canonical set's first labels and per-class counts.
FIRST_TRAIN = [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
FIRST_TEST = [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_shapes_and_dtypes(data):
    assert data.train_images.shape == (60000, 1, 28, 28) and data.test_images.shape == (10000, 1, 28, 28)
    assert data.train_images.dtype == torch.float32 and data.train_labels.dtype == torch.int64
    assert 0 <= data.train_images.min() and data.train_images.max() <= 1


def test_labels_are_the_canonical_ones(data):
    assert data.train_labels[:10].tolist() == FIRST_TRAIN and data.test_labels[:10].tolist() == FIRST_TEST
    assert torch.bincount(data.train_labels).tolist() == TRAIN_COUNTS
    assert torch.bincount(data.test_labels).tolist() == TEST_COUNTS


def test_the_images_and_labels_are_those_torchvisions_dataset_reads(data):
    for train, images, labels in ((True, data.train_images, data.train_labels),
                                  (False, data.test_images, data.test_labels)):
        dataset = torchvision.datasets.MNIST(data.root, train=train)
        assert torch.equal(images, dataset.data.unsqueeze(1).float() / 255)
        assert torch.equal(labels, dataset.targets)


def test_normalisation_comes_from_the_training_set(data):
    # 0.1307 and 0.3081: the mean and std of MNIST's training pixels as published, e.g. in PyTorch's MNIST example
    assert data.mean == pytest.approx(0.1307, abs=1e-4) and data.std == pytest.approx(0.3081, abs=1e-4)
    loader = BatchLoader(data.train_images, data.train_labels, batch_size=60000, mean=data.mean, std=data.std)
    x, _ = next(iter(loader))
    assert x.mean().item() == pytest.approx(0, abs=1e-3) and x.std().item() == pytest.approx(1, abs=1e-3)


def test_offline_root_is_decompressed_into_the_cache_and_left_untouched(offline_copy):
    before = sorted(p.name for p in (offline_copy / "MNIST" / "raw").iterdir())
    data = load_mnist(offline_copy)
    assert sorted(p.name for p in (offline_copy / "MNIST" / "raw").iterdir()) == before
    assert offline_copy not in data.root.parents and data.train_labels[:10].tolist() == FIRST_TRAIN


def test_corrupted_file_is_named_and_refused(offline_copy):
    gz = offline_copy / "MNIST" / "raw" / "t10k-labels-idx1-ubyte.gz"
    labels = bytearray(gzip.decompress(gz.read_bytes()))
    labels[100] = (labels[100] + 1) % 10  # a valid gzip holding one wrong label
    gz.write_bytes(gzip.compress(bytes(labels)))
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte.gz is corrupted"):
        load_mnist(offline_copy)


def test_truncated_file_is_named_and_refused(offline_copy):
    gz = offline_copy / "MNIST" / "raw" / "train-images-idx3-ubyte.gz"
    gz.write_bytes(gz.read_bytes()[:100000])
    with pytest.raises(DataError, match="train-images-idx3-ubyte.gz cannot be decompressed"):
        load_mnist(offline_copy)
    cache = offline_copy.parent / "cache"
    stray = [str(p.relative_to(cache)) for p in cache.rglob("*")
             if p.is_file() and not (p.name in IDX_SHA256 and sha256(p) == IDX_SHA256[p.name])]
    assert not stray, f"the cache holds files other than complete canonical ones: {stray}"


def test_missing_file_is_named(offline_copy):
    (offline_copy / "MNIST" / "raw" / "train-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match="train-labels-idx1-ubyte.gz is missing"):
        load_mnist(offline_copy)


def test_missing_root_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="has no MNIST/raw folder: point --data or MNIST_DATA"):
        load_mnist(tmp_path / "nowhere")


def test_augmentation_at_zero_strength_is_the_identity(data):
    x = data.train_images[:64]
    torch.testing.assert_close(random_affine(x, Augment()), x, atol=1e-5, rtol=0)


def test_augmented_images_stay_finite_in_range_and_differ_per_sample(data):
    same = data.train_images[:1].repeat(32, 1, 1, 1)
    out = random_affine(same, Augment(rotation=15, translate=0.1, scale=0.1, shear=10), torch.Generator().manual_seed(0))
    assert torch.isfinite(out).all() and out.min() >= 0 and out.max() <= 1
    flat = out.flatten(1)
    assert all(not torch.allclose(flat[0], flat[i]) for i in range(1, 32))


def test_rotation_keeps_the_ink_mass(data):
    # an image rotated by up to 15 degrees keeps its ink mass roughly (bilinear resampling loses a little)
    x = data.train_images[:256]
    out = random_affine(x, Augment(rotation=15), torch.Generator().manual_seed(1))
    ratio = out.sum((1, 2, 3)) / x.sum((1, 2, 3))
    assert ((ratio > 0.9) & (ratio < 1.1)).all()


CENTRE = 13.5  # the middle of pixels 0 to 27, about which random_affine turns and zooms


def ink_moments(images):
    """Per image: its ink, the ink's centroid (row, column) and its principal axis in degrees from the rows."""
    ink = images[:, 0]
    rows, cols = torch.arange(28.0).view(1, 28, 1), torch.arange(28.0).view(1, 1, 28)
    mass = ink.sum((1, 2))
    row, col = (ink * rows).sum((1, 2)) / mass, (ink * cols).sum((1, 2)) / mass
    dr, dc = rows - row[:, None, None], cols - col[:, None, None]

    def moment(a, b):
        return (ink * a * b).sum((1, 2)) / mass

    axis = torch.rad2deg(0.5 * torch.atan2(2 * moment(dr, dc), moment(dc, dc) - moment(dr, dr)))
    return mass, row, col, axis


def test_rotation_turns_the_ink_about_the_centre():
    bars = torch.zeros(64, 1, 28, 28)
    bars[:, :, 13:15, 4:24] = 1  # 2 by 20 pixels through the centre: its principal axis lies along the rows
    assert (ink_moments(bars)[3] == 0).all()
    axes = {}
    for limit in (30, 60):
        _, row, col, axes[limit] = ink_moments(random_affine(bars, Augment(rotation=limit),
                                                             torch.Generator().manual_seed(0)))
        assert ((row - CENTRE).abs() < 0.01).all() and ((col - CENTRE).abs() < 0.01).all()
        assert axes[limit].abs().max() <= limit + 1 and axes[limit].abs().max() > limit / 2
    # the same generator draws the same fractions of the range: twice the range turns each bar twice as far
    torch.testing.assert_close(axes[60], 2 * axes[30], atol=1, rtol=0)


def test_translation_shifts_the_ink_within_its_range():
    blobs = torch.zeros(256, 1, 28, 28)
    blobs[:, :, 13:15, 13:15] = 1  # 2 by 2 pixels about the centre
    aug = Augment(translate=0.1)
    mass, row, col, _ = ink_moments(random_affine(blobs, aug, torch.Generator().manual_seed(0)))
    limit = aug.translate * 28  # a fraction of the image side: 2.8 pixels either way along each axis
    for shift in (row - CENTRE, col - CENTRE):
        assert shift.abs().max() <= limit + 1e-3 and shift.min() < -limit / 2 and shift.max() > limit / 2
    torch.testing.assert_close(mass, torch.full_like(mass, 4.0))  # shifted whole, none of the ink lost


def test_zoom_scales_the_ink_within_its_range():
    squares = torch.zeros(256, 1, 28, 28)
    squares[:, :, 9:19, 9:19] = 1  # 10 by 10 pixels about the centre
    aug = Augment(scale=0.2)
    mass, row, col, _ = ink_moments(random_affine(squares, aug, torch.Generator().manual_seed(0)))
    # a zoom z within 1 +- 0.2 scales the square's 100 pixels of ink by z squared: 0.64 to 1.44
    area = mass / 100
    assert area.min() >= (1 - aug.scale) ** 2 - 0.01 and area.max() <= (1 + aug.scale) ** 2 + 0.01
    assert area.min() < (1 - aug.scale / 2) ** 2 and area.max() > (1 + aug.scale / 2) ** 2  # both ways, by over half
    assert ((row - CENTRE).abs() < 0.01).all() and ((col - CENTRE).abs() < 0.01).all()


def test_affine_shifts_right_and_down_and_turns_a_positive_angle_anticlockwise():
    dot = torch.zeros(1, 1, 29, 29)
    dot[0, 0, 14, 24] = 1  # right of the centre

    def where(image):
        return divmod(image.flatten().argmax().item(), 29)

    assert where(affine(dot, 0, (2 / 29, 0))) == (14, 26) and where(affine(dot, 0, (0, 2 / 29))) == (16, 24)
    assert where(affine(dot, 90, (0, 0))) == (4, 14)  # up, as the y axis points down


def test_affine_moves_digits_as_torchvision_does(data):
    # torchvision's rotate turns a positive angle anticlockwise; its affine turns it clockwise
    x, bilinear = data.test_images[:256], TF.InterpolationMode.BILINEAR
    torch.testing.assert_close(affine(x, 10, (0, 0)), TF.rotate(x, 10, interpolation=bilinear), atol=1e-5, rtol=0)
    torch.testing.assert_close(affine(x, 0, (2 / 28, -1 / 28)), TF.affine(x, angle=0, translate=[2, -1], scale=1.0,
                                                                          shear=[0.0], interpolation=bilinear),
                               atol=1e-5, rtol=0)


def test_loader_keeps_labels_with_their_images_when_augmenting(data):
    images, labels = data.train_images[:500], data.train_labels[:500]
    loader = BatchLoader(images, labels, batch_size=100, mean=0.0, std=1.0, augment=Augment(rotation=10),
                         shuffle=False)
    assert torch.equal(torch.cat([y for _, y in loader]), labels)


def test_shuffled_epoch_serves_every_image_once(data):
    labels = torch.arange(1000)
    loader = BatchLoader(data.train_images[:1000], labels, batch_size=128, mean=0.0, std=1.0, seed=3)
    served = torch.cat([y for _, y in loader])
    assert len(loader) == 8 and sorted(served.tolist()) == list(range(1000)) and not torch.equal(served, labels)


def test_shuffled_batches_keep_each_image_with_its_label(data):
    # the labels are the images' indices, so each served label names the image that must come with it
    images, labels = data.train_images[:1000], torch.arange(1000)
    loader = BatchLoader(images, labels, batch_size=128, mean=data.mean, std=data.std, seed=3)
    batches = list(loader)
    x, y = torch.cat([x for x, _ in batches]), torch.cat([y for _, y in batches])
    assert not torch.equal(y, labels)
    torch.testing.assert_close(x, (images[y] - data.mean) / data.std)


def test_loader_refuses_mismatched_input(data):
    with pytest.raises(ValueError, match="1000 images but 999 labels"):
        BatchLoader(data.train_images[:1000], data.train_labels[:999], batch_size=10, mean=0.0, std=1.0)


def test_classic_pipeline_gives_the_same_tensors(data):
    x, y = next(iter(classic_loader(data, train=False, batch_size=16, shuffle=False)))
    ours = (data.test_images[:16] - data.mean) / data.std
    torch.testing.assert_close(x, ours)
    assert torch.equal(y, data.test_labels[:16])


def test_classic_pipeline_uses_the_same_augmentation_ranges():
    t = Augment(rotation=7, translate=0.1, scale=0.05, shear=3).torchvision_transform()
    assert isinstance(t, transforms.RandomAffine)
    assert (t.degrees, t.translate, t.scale, t.shear) == ([-7.0, 7.0], (0.1, 0.1), (0.95, 1.05), [-3.0, 3.0])


def test_without_crop_or_jitter_the_draws_are_those_of_before(data):
    # The committed runs drew five uniforms per image (angle, shear, zoom, two shifts) and nothing more; a crop or
    # jitter draws only when on, so their histories' augmentations are drawn as before.
    x, n = data.train_images[:64], 64
    generator, reference = torch.Generator().manual_seed(0), torch.Generator().manual_seed(0)
    out = random_augment(x, Augment(rotation=7, translate=0.1), generator)
    for _ in range(5):
        torch.rand(n, generator=reference)
    assert torch.equal(torch.rand(8, generator=generator), torch.rand(8, generator=reference))
    assert torch.equal(out, random_affine(x, Augment(rotation=7, translate=0.1), torch.Generator().manual_seed(0)))


def test_crop_resizes_the_box_as_torchvision_does(data, monkeypatch):
    # one box, 26 px wide and 24 high with its corner at row 2, column 1, against torchvision's resized_crop
    x = data.train_images[:4]
    i, j, h, w = 2, 1, 24, 26
    centre = torch.tensor([[(2 * j + w) / 28 - 1, (2 * i + h) / 28 - 1]] * 4)  # in grid units, the image spans -1 to 1
    box = (torch.full((4,), w / 28), torch.full((4,), h / 28), centre)
    monkeypatch.setattr(mnist_lib.augment, "random_crops", lambda *args, **kwargs: box)
    torch.testing.assert_close(random_affine(x, Augment(crop_scale=0.5)),
                               TF.resized_crop(x, i, j, h, w, [28, 28], antialias=False), atol=1e-5, rtol=0)


def test_crop_boxes_are_drawn_as_torchvision_draws_them():
    width, height, centre = random_crops(4000, 28, 0.85, torch.Generator().manual_seed(0))
    size = torch.stack([width, height], 1) * 28
    assert torch.equal(size, size.round()) and size.min() >= 23 and size.max() <= 28  # whole pixels, 0.85 of the area
    assert (centre.abs() + size / 28 <= 1 + 1e-6).all()  # inside the image
    torch.manual_seed(0)
    boxes = torch.tensor([transforms.RandomResizedCrop.get_params(torch.zeros(1, 28, 28), (0.85, 1.0), (3 / 4, 4 / 3))
                          for _ in range(4000)], dtype=torch.float)  # (top, left, height, width)
    assert abs(size[:, 0].mean() - boxes[:, 3].mean()) < 0.1 and abs(size[:, 1].mean() - boxes[:, 2].mean()) < 0.1


def test_crop_zooms_in_and_never_out(data):
    # a crop of 85-100 % of the area, resized to full size, spreads each digit's ink over 1 to 1/0.85 times the area
    x = data.train_images[:512]
    out = random_augment(x, Augment(crop_scale=0.85), torch.Generator().manual_seed(0))
    ratio = out.sum((1, 2, 3)) / x.sum((1, 2, 3))
    assert ratio.min() > 0.995 and ratio.max() < 1 / 0.8 and ratio.mean() > 1.05


def test_jitter_is_torchvisions_brightness_then_contrast(data):
    x, n, strength = data.train_images[:16], 16, 0.1
    out = random_jitter(x, Augment(jitter=strength), torch.Generator().manual_seed(0))
    reference = torch.Generator().manual_seed(0)
    brightness, contrast = (1 + (torch.rand(n, generator=reference) * 2 - 1) * strength for _ in range(2))
    expected = torch.stack([TF.adjust_contrast(TF.adjust_brightness(img, b.item()), c.item())
                            for img, b, c in zip(x, brightness, contrast)])
    torch.testing.assert_close(out, expected)


def test_jitter_scales_brightness_and_contrast_within_its_bounds():
    # on a picture half at 0.25, half at 0.75: brightness b makes them 0.25b and 0.75b, contrast c then sets them
    # 0.5bc apart about their mean 0.5b; so b and c can be read back from the output
    x = torch.full((256, 1, 28, 28), 0.25)
    x[..., 14:] = 0.75
    out = random_augment(x, Augment(jitter=0.1), torch.Generator().manual_seed(0))
    brightness = out.mean((1, 2, 3)) / 0.5
    contrast = (out[:, 0, 0, 14] - out[:, 0, 0, 0]) / (0.5 * brightness)
    for factor in (brightness, contrast):
        assert factor.min() >= 0.9 - 1e-5 and factor.max() <= 1.1 + 1e-5
        assert factor.min() < 0.95 and factor.max() > 1.05  # the whole range is used


def test_classic_pipeline_adds_the_crop_before_and_the_jitter_after_the_affine():
    t = Augment(rotation=7, crop_scale=0.85, jitter=0.1).torchvision_transform()
    crop, affine, jitter = t.transforms
    assert crop.scale == (0.85, 1.0) and affine.degrees == [-7.0, 7.0]
    assert jitter.brightness == (0.9, 1.1) and jitter.contrast == (0.9, 1.1) and jitter.saturation is None
