"""Transforms on PIL images, NumPy arrays and tensors, checked against their formulas."""

import numpy as np
import pytest

import numtorch
from numtorch.vision import transforms as T
from numtorch.vision.transforms import functional as F

Image = pytest.importorskip("PIL.Image")


def rgb(h=6, w=8, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3)).astype(np.uint8)


def test_to_tensor_and_back():
    a = rgb()
    t = T.ToTensor()(Image.fromarray(a))
    assert t.shape == (3, 6, 8) and t.dtype == numtorch.float32
    np.testing.assert_allclose(t.numpy(), a.transpose(2, 0, 1) / 255.0, rtol=1e-6)
    grey = T.ToTensor()(np.zeros((4, 5), np.uint8))
    assert grey.shape == (1, 4, 5)
    floats = T.ToTensor()(np.full((2, 2, 1), 7.0, np.float32))
    assert floats.numpy().max() == 7.0  # non-uint8 arrays are not rescaled
    p = T.PILToTensor()(Image.fromarray(a))
    assert p.dtype == numtorch.uint8 and p.shape == (3, 6, 8)
    back = T.ToPILImage()(t)
    np.testing.assert_array_equal(np.asarray(back), (a / 255.0 * 255).astype(np.uint8))
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray"):
        T.ToTensor()(t)


def test_normalize_formula_and_errors():
    t = numtorch.rand(3, 4, 4)
    out = T.Normalize((0.5, 0.4, 0.3), (0.2, 0.2, 0.1))(t)
    expected = (t.numpy() - np.array([0.5, 0.4, 0.3])[:, None, None]) / \
        np.array([0.2, 0.2, 0.1])[:, None, None]
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5)
    with pytest.raises(ValueError, match="division by zero"):
        T.Normalize((0.5,), (0.0,))(t)
    with pytest.raises(TypeError, match="img should be Tensor Image"):
        T.Normalize((0.5,), (0.5,))(Image.fromarray(rgb()))


@pytest.mark.parametrize("kind", ["pil", "array", "tensor"])
def test_flips_crops_and_pad_keep_the_kind(kind):
    a = rgb()
    img = {"pil": Image.fromarray(a), "array": a,
           "tensor": numtorch.tensor(a.transpose(2, 0, 1))}[kind]

    def arr(x):
        if kind == "pil":
            return np.asarray(x)
        if kind == "array":
            return x
        return x.numpy().transpose(1, 2, 0)

    assert type(T.RandomHorizontalFlip(p=1.0)(img)) is type(img)
    np.testing.assert_array_equal(arr(T.RandomHorizontalFlip(p=1.0)(img)), a[:, ::-1])
    np.testing.assert_array_equal(arr(T.RandomVerticalFlip(p=1.0)(img)), a[::-1])
    np.testing.assert_array_equal(arr(T.RandomHorizontalFlip(p=0.0)(img)), a)
    np.testing.assert_array_equal(arr(T.CenterCrop((4, 4))(img)), a[1:5, 2:6])
    padded = arr(T.Pad((1, 2), fill=9)(img))
    assert padded.shape[:2] == (10, 10) and padded[0, 0, 0] == 9
    np.testing.assert_array_equal(padded[2:8, 1:9], a)
    refl = arr(T.Pad(2, padding_mode="reflect")(img))
    np.testing.assert_array_equal(refl, np.pad(a, ((2, 2), (2, 2), (0, 0)), mode="reflect"))
    numtorch.manual_seed(3)
    crop = arr(T.RandomCrop(4)(img))
    assert crop.shape[:2] == (4, 4)
    # the crop is a window of the image
    found = any(np.array_equal(crop, a[i:i + 4, j:j + 4]) for i in range(3) for j in range(5))
    assert found


def test_random_transforms_are_reproducible_with_manual_seed():
    img = Image.fromarray(rgb(16, 16))
    pipeline = T.Compose([T.RandomResizedCrop(8), T.RandomHorizontalFlip(),
                          T.ColorJitter(0.4, 0.4, 0.4, 0.1), T.RandomRotation(15),
                          T.ToTensor(), T.RandomErasing(p=1.0)])
    numtorch.manual_seed(11)
    a = pipeline(img)
    numtorch.manual_seed(11)
    b = pipeline(img)
    numtorch.manual_seed(12)
    c = pipeline(img)
    assert a.shape == (3, 8, 8)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not np.array_equal(a.numpy(), c.numpy())


def test_random_crop_padding_and_errors():
    t = numtorch.ones(1, 4, 4)
    out = T.RandomCrop(6, pad_if_needed=True)(t)
    assert out.shape == (1, 6, 6)
    out = T.RandomCrop(4, padding=2)(t)
    assert out.shape == (1, 4, 4)
    with pytest.raises(ValueError, match="Required crop size"):
        T.RandomCrop(5)(t)


def test_resize():
    a = rgb(10, 20)
    pil = T.Resize(5)(Image.fromarray(a))
    assert pil.size == (10, 5)  # shorter edge to 5, aspect ratio kept (PIL size is (w, h))
    t = T.Resize((5, 10))(numtorch.tensor(a.transpose(2, 0, 1)).float())
    assert t.shape == (3, 5, 10)
    # exact 2x downscale with bilinear sampling at pixel centres averages 2x2 blocks
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4)
    out = T.Resize((2, 2))(numtorch.tensor(x)).numpy()
    np.testing.assert_allclose(out[0], [[2.5, 4.5], [10.5, 12.5]])
    near = T.Resize((2, 2), interpolation=T.InterpolationMode.NEAREST)(numtorch.tensor(x))
    np.testing.assert_array_equal(near.numpy()[0], [[0, 2], [8, 10]])


def test_rotation_by_90_degrees_is_exact():
    x = np.arange(25, dtype=np.float32).reshape(1, 5, 5)
    out = F.rotate(numtorch.tensor(x), 90).numpy()
    np.testing.assert_array_equal(out[0], np.rot90(x[0]))  # counter-clockwise
    out = F.rotate(numtorch.tensor(x), -90).numpy()
    np.testing.assert_array_equal(out[0], np.rot90(x[0], -1))
    big = F.rotate(numtorch.ones(1, 4, 8), 90, expand=True)
    assert big.shape == (1, 8, 4)


def test_affine_translation_and_fill():
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4) + 1
    out = F.affine(numtorch.tensor(x), 0, (1, 0), 1.0, 0.0, fill=-1).numpy()[0]
    np.testing.assert_array_equal(out[:, 1:], x[0][:, :3])
    assert (out[:, 0] == -1).all()
    numtorch.manual_seed(0)
    r = T.RandomAffine(10, translate=(0.1, 0.1), scale=(0.9, 1.1), shear=5)
    assert r(numtorch.tensor(x)).shape == (1, 4, 4)


def test_colour_adjustments_follow_the_blend_formulas():
    a = rgb().astype(np.float32) / 255
    t = numtorch.tensor(a.transpose(2, 0, 1))
    grey = 0.2989 * a[..., 0] + 0.587 * a[..., 1] + 0.114 * a[..., 2]
    np.testing.assert_allclose(F.adjust_brightness(t, 0.5).numpy(), t.numpy() * 0.5,
                               rtol=1e-6)
    np.testing.assert_allclose(F.adjust_brightness(t, 3.0).numpy(),
                               np.clip(t.numpy() * 3, 0, 1), rtol=1e-6)
    contrast = np.clip(0.7 * a + 0.3 * grey.mean(), 0, 1).transpose(2, 0, 1)
    np.testing.assert_allclose(F.adjust_contrast(t, 0.7).numpy(), contrast, rtol=1e-5)
    sat = np.clip(1.5 * a + (1 - 1.5) * grey[..., None], 0, 1).transpose(2, 0, 1)
    np.testing.assert_allclose(F.adjust_saturation(t, 1.5).numpy(), sat, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(F.rgb_to_grayscale(t).numpy()[0], grey, rtol=1e-5)
    # a full turn of hue is the identity; hue 0 too
    np.testing.assert_allclose(F.adjust_hue(t, 0.0).numpy(), t.numpy(), atol=1e-6)
    red = numtorch.tensor(np.array([1.0, 0, 0], np.float32).reshape(3, 1, 1))
    green = F.adjust_hue(red, 1 / 3).numpy().ravel()
    np.testing.assert_allclose(green, [0, 1, 0], atol=1e-6)
    pil = F.adjust_brightness(Image.fromarray(rgb()), 0.5)
    np.testing.assert_allclose(np.asarray(pil), np.round(rgb() * 0.5), atol=1)
    assert T.Grayscale(3)(Image.fromarray(rgb())).mode == "RGB"
    assert T.Grayscale()(Image.fromarray(rgb())).mode == "L"


def test_gaussian_blur_preserves_constants_and_sums():
    t = numtorch.full((1, 7, 7), 0.25)
    np.testing.assert_allclose(F.gaussian_blur(t, 5, 1.0).numpy(), 0.25, rtol=1e-6)
    impulse = np.zeros((1, 9, 9), np.float32)
    impulse[0, 4, 4] = 1
    out = F.gaussian_blur(numtorch.tensor(impulse), 3, 1.0).numpy()
    k = np.exp(-0.5 * np.array([-1.0, 0, 1]) ** 2)
    k /= k.sum()
    np.testing.assert_allclose(out[0, 3:6, 3:6], np.outer(k, k), rtol=1e-5)
    with pytest.raises(ValueError, match="odd and positive"):
        T.GaussianBlur(4)


def test_random_erasing_and_lambda():
    numtorch.manual_seed(0)
    t = numtorch.ones(3, 10, 10)
    out = T.RandomErasing(p=1.0, value=0)(t)
    assert (out.numpy() == 0).any() and t.numpy().min() == 1  # not in place by default
    assert T.Lambda(lambda x: x * 2)(t).numpy().max() == 2
    with pytest.raises(TypeError, match="should be callable"):
        T.Lambda(3)


def test_compose_repr_lists_transforms():
    r = repr(T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.5,))]))
    assert r.startswith("Compose(") and "ToTensor()" in r and "Normalize(" in r


def test_make_grid_and_save_image(tmp_path):
    from numtorch.vision.utils import make_grid, save_image

    batch = numtorch.rand(5, 1, 4, 6)
    grid = make_grid(batch, nrow=2, padding=1, pad_value=0.5)
    # 3 rows x 2 columns of 4x6 images with 1-pixel padding; grey images become RGB
    assert grid.shape == (3, 3 * 5 + 1, 2 * 7 + 1)
    np.testing.assert_allclose(grid.numpy()[0, 1:5, 1:7], batch.numpy()[0, 0])
    assert grid.numpy()[0, 0, 0] == 0.5
    norm = make_grid(batch * 10, normalize=True)
    assert norm.numpy().max() <= 1.0 and norm.numpy().min() >= 0.0
    save_image(batch, tmp_path / "grid.png", nrow=5)
    img = Image.open(tmp_path / "grid.png")
    assert img.size == (5 * (6 + 2) + 2, 4 + 2 * 2)
