"""Image operations behind ``numtorch.vision.transforms``, on PIL images, NumPy arrays and
tensors alike.

Every operation converts its input to one canonical array, ``(..., C, H, W)``, works on the
last two axes with vectorized NumPy, and converts the result back to the input's kind: a PIL
image comes back as a PIL image of the same mode, an (H, W[, C]) array as an array, a
(..., C, H, W) tensor as a tensor. uint8 images stay uint8 (results rounded and clipped to
0..255); float images are taken to lie in [0, 1]. The file (a little over 500 lines) is
torchvision's functional namespace, every operation built on the same conversion pair.
"""

import math

import numpy as np

from numtorch._tensor import Tensor, _wrap

__all__ = [
    "to_tensor", "pil_to_tensor", "to_pil_image", "normalize", "resize", "crop", "center_crop",
    "resized_crop", "pad", "hflip", "vflip", "rotate", "affine", "adjust_brightness",
    "adjust_contrast", "adjust_saturation", "adjust_hue", "rgb_to_grayscale", "erase",
    "gaussian_blur", "get_image_size", "get_image_num_channels", "InterpolationMode",
]


class InterpolationMode:
    """Resampling filters by name, as torchvision's enum values."""

    NEAREST = "nearest"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"


def _is_pil(img):
    try:
        from PIL import Image
    except ImportError:
        return False
    return isinstance(img, Image.Image)


def _to_chw(img):
    """(array (..., C, H, W), how to convert back)."""
    if isinstance(img, Tensor):
        a = img._data
        if a.ndim < 2:
            raise TypeError(f"Tensor is not a torch image: expected (..., H, W), got shape "
                            f"{tuple(a.shape)}")
        return (a[None] if a.ndim == 2 else a), ("tensor", a.ndim)
    if _is_pil(img):
        a = np.asarray(img)
        mode = img.mode
        return (a[None] if a.ndim == 2 else a.transpose(2, 0, 1)), ("pil", mode)
    if isinstance(img, np.ndarray):
        if img.ndim not in (2, 3):
            raise TypeError(f"expected an (H, W) or (H, W, C) array, got shape {img.shape}")
        return (img[None] if img.ndim == 2 else img.transpose(2, 0, 1)), ("ndarray", img.ndim)
    raise TypeError(f"img should be a PIL Image, a NumPy array or a Tensor. Got {type(img)}")


def _from_chw(a, how, dtype=None):
    kind, info = how
    if dtype is not None and a.dtype != dtype:
        a = _cast(a, dtype)
    if kind == "tensor":
        return _wrap(np.ascontiguousarray(a[0] if info == 2 else a))
    hwc = a[0] if a.shape[0] == 1 else a.transpose(1, 2, 0)
    hwc = np.ascontiguousarray(hwc)
    if kind == "ndarray":
        return hwc if info == 3 or a.shape[0] != 1 else hwc
    from PIL import Image

    if info in ("L", "RGB", "RGBA", "P", "1", "CMYK", "LA"):
        hwc = _cast(hwc, np.uint8)
    img = Image.fromarray(hwc)
    return img.convert(info) if info not in (img.mode, "P") else img


def _cast(a, dtype):
    dtype = np.dtype(dtype)
    if dtype.kind in "ui" and a.dtype.kind == "f":
        info = np.iinfo(dtype)
        return np.clip(np.round(a), info.min, info.max).astype(dtype)
    return a.astype(dtype, copy=False)


def _bound(a):
    return 255.0 if a.dtype == np.uint8 else 1.0


def get_image_size(img):
    """[width, height], as torchvision."""
    a, _ = _to_chw(img)
    return [a.shape[-1], a.shape[-2]]


def get_image_num_channels(img):
    a, _ = _to_chw(img)
    return a.shape[-3]


# ---------------------------------------------------------------- conversions
def to_tensor(pic):
    """PIL image or (H, W[, C]) array -> float32 tensor (C, H, W); uint8 values are divided by
    255, other dtypes kept as they are (torchvision's ToTensor)."""
    if isinstance(pic, Tensor):
        raise TypeError("pic should be PIL Image or ndarray. Got <class 'Tensor'>")
    if _is_pil(pic):
        a = np.asarray(pic)
        if pic.mode == "1":
            a = a.astype(np.uint8) * 255
    elif isinstance(pic, np.ndarray):
        a = pic
        if a.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {a.ndim} dimensions.")
    else:
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    if a.ndim == 2:
        a = a[:, :, None]
    a = np.ascontiguousarray(a.transpose(2, 0, 1))
    if a.dtype == np.uint8:
        return _wrap((a / np.float32(255)).astype(np.float32))
    if a.dtype == np.float64 and _is_pil(pic):
        a = a.astype(np.float32)
    return _wrap(a)


def pil_to_tensor(pic):
    """PIL image -> tensor (C, H, W) of the image's dtype (uint8 for L/RGB), no scaling."""
    if not _is_pil(pic):
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    a = np.asarray(pic)
    if a.ndim == 2:
        a = a[:, :, None]
    return _wrap(np.ascontiguousarray(a.transpose(2, 0, 1)))


def to_pil_image(pic, mode=None):
    """Tensor (C, H, W) or array (H, W[, C]) -> PIL image; float values in [0, 1] are scaled by
    255 and truncated, as torchvision does."""
    from PIL import Image

    if isinstance(pic, Tensor):
        a = pic._data
        if a.ndim == 2:
            a = a[None]
        if a.ndim != 3:
            raise ValueError(f"pic should be 2/3 dimensional. Got {a.ndim} dimensions.")
        a = a.transpose(1, 2, 0)
    elif isinstance(pic, np.ndarray):
        a = pic[:, :, None] if pic.ndim == 2 else pic
        if a.ndim != 3:
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
    else:
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
    if a.dtype.kind == "f" and mode != "F":
        a = (a * 255).astype(np.uint8)
    if a.shape[2] == 1:
        a = a[:, :, 0]
    img = Image.fromarray(np.ascontiguousarray(a))
    return img.convert(mode) if mode is not None and mode != img.mode else img


def normalize(tensor, mean, std, inplace=False):
    """``(x - mean) / std`` per channel of a float tensor (..., C, H, W)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
    a = tensor._data
    if a.dtype.kind != "f":
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if a.ndim < 3:
        raise ValueError(f"Expected tensor to be a tensor image of size (..., C, H, W). Got "
                         f"tensor.size() = {tuple(a.shape)}")
    m = np.asarray(mean, dtype=a.dtype).reshape(-1, 1, 1)
    s = np.asarray(std, dtype=a.dtype).reshape(-1, 1, 1)
    if np.any(s == 0):
        raise ValueError(f"std evaluated to zero after conversion to {a.dtype}, leading to "
                         "division by zero.")
    if inplace:
        a -= m
        a /= s
        tensor._bump()
        return tensor
    return _wrap((a - m) / s)


# ---------------------------------------------------------------- geometry
def _output_size(size, h, w, max_size=None):
    if isinstance(size, int) or (isinstance(size, (list, tuple)) and len(size) == 1):
        s = size if isinstance(size, int) else size[0]
        short, long = (w, h) if w <= h else (h, w)
        new_short, new_long = s, int(s * long / short)
        if max_size is not None and new_long > max_size:
            new_short, new_long = int(max_size * new_short / new_long), max_size
        return (new_long, new_short) if w <= h else (new_short, new_long)
    return int(size[0]), int(size[1])


def _sample_bilinear(a, ys, xs):
    """Sample the last two axes of ``a`` at fractional rows ``ys`` (H',) and cols ``xs`` (W',),
    clamping to the border."""
    h, w = a.shape[-2:]
    y0 = np.clip(np.floor(ys).astype(np.int64), 0, h - 1)
    x0 = np.clip(np.floor(xs).astype(np.int64), 0, w - 1)
    y1 = np.minimum(y0 + 1, h - 1)
    x1 = np.minimum(x0 + 1, w - 1)
    wy = np.clip(ys - y0, 0, 1).astype(np.float32)[:, None]
    wx = np.clip(xs - x0, 0, 1).astype(np.float32)[None, :]
    f = a.astype(np.float32, copy=False)
    top = f[..., y0, :][..., :, x0] * (1 - wx) + f[..., y0, :][..., :, x1] * wx
    bottom = f[..., y1, :][..., :, x0] * (1 - wx) + f[..., y1, :][..., :, x1] * wx
    return top * (1 - wy) + bottom * wy


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
    """Resize to ``size`` ((h, w), or an int for the shorter edge keeping the aspect ratio).

    PIL images use PIL's own filters (antialiased, as torchvision's PIL path). Arrays and
    tensors use bilinear (align_corners=False) or nearest sampling. NOTE: without antialiasing
    when shrinking, unlike torchvision's tensor default."""
    a, how = _to_chw(img)
    h, w = a.shape[-2:]
    oh, ow = _output_size(size, h, w, max_size)
    if (oh, ow) == (h, w):
        return img
    if how[0] == "pil":
        from PIL import Image

        resample = {"nearest": Image.NEAREST, "bilinear": Image.BILINEAR,
                    "bicubic": Image.BICUBIC}[str(interpolation).lower().split(".")[-1]]
        return img.resize((ow, oh), resample)
    ys = (np.arange(oh) + 0.5) * (h / oh) - 0.5
    xs = (np.arange(ow) + 0.5) * (w / ow) - 0.5
    if str(interpolation).lower().endswith("nearest"):
        yi = np.minimum(np.floor(np.arange(oh) * (h / oh)).astype(np.int64), h - 1)
        xi = np.minimum(np.floor(np.arange(ow) * (w / ow)).astype(np.int64), w - 1)
        return _from_chw(a[..., yi, :][..., xi], how)
    return _from_chw(_sample_bilinear(a, np.maximum(ys, 0), np.maximum(xs, 0)), how, a.dtype)


def crop(img, top, left, height, width):
    """The ``height x width`` box at (top, left); parts outside the image are zero."""
    a, how = _to_chw(img)
    h, w = a.shape[-2:]
    if top < 0 or left < 0 or top + height > h or left + width > w:
        pad_t, pad_l = max(0, -top), max(0, -left)
        pad_b, pad_r = max(0, top + height - h), max(0, left + width - w)
        widths = [(0, 0)] * (a.ndim - 2) + [(pad_t, pad_b), (pad_l, pad_r)]
        a = np.pad(a, widths)
        top, left = top + pad_t, left + pad_l
    return _from_chw(a[..., top:top + height, left:left + width], how)


def center_crop(img, output_size):
    if isinstance(output_size, int):
        output_size = (output_size, output_size)
    elif len(output_size) == 1:
        output_size = (output_size[0], output_size[0])
    w, h = get_image_size(img)
    th, tw = output_size
    top = int(round((h - th) / 2.0))
    left = int(round((w - tw) / 2.0))
    return crop(img, top, left, th, tw)


def resized_crop(img, top, left, height, width, size,
                 interpolation=InterpolationMode.BILINEAR):
    return resize(crop(img, top, left, height, width), size, interpolation)


def _padding(padding):
    if isinstance(padding, int):
        return padding, padding, padding, padding
    padding = list(padding)
    if len(padding) == 1:
        return padding * 4
    if len(padding) == 2:
        return padding[0], padding[1], padding[0], padding[1]
    if len(padding) == 4:
        return tuple(padding)
    raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a "
                     f"{len(padding)} element tuple")


def pad(img, padding, fill=0, padding_mode="constant"):
    """Pad (left, top, right, bottom) with ``fill`` or by 'edge', 'reflect', 'symmetric'."""
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    left, top, right, bottom = _padding(padding)
    a, how = _to_chw(img)
    widths = [(0, 0)] * (a.ndim - 2) + [(top, bottom), (left, right)]
    if padding_mode == "constant":
        if isinstance(fill, (tuple, list)) and a.ndim >= 3:
            out = np.stack([np.pad(a[..., c, :, :], widths[-2:] if a.ndim == 3 else
                                   [(0, 0)] * (a.ndim - 3) + widths[-2:],
                                   constant_values=fill[c % len(fill)])
                            for c in range(a.shape[-3])], axis=-3)
        else:
            out = np.pad(a, widths, constant_values=fill)
    else:
        out = np.pad(a, widths, mode=padding_mode)
    return _from_chw(out, how)


def hflip(img):
    a, how = _to_chw(img)
    return _from_chw(a[..., ::-1], how)


def vflip(img):
    a, how = _to_chw(img)
    return _from_chw(a[..., ::-1, :], how)


def _inverse_affine(center, angle, translate, scale, shear):
    """The matrix mapping output pixel coordinates to input ones: the inverse of
    T(center + translate) R(angle) Sh(shear) S(scale) T(-center). Angles in degrees,
    counter-clockwise for positive ``angle``, as torchvision."""
    rot = math.radians(angle)
    sx, sy = (math.radians(s) for s in shear)
    cx, cy = center
    tx, ty = translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    # Inverse of the rotation-shear-scale part (without the scale), then undo the scale.
    m = np.array([[d, -b], [-c, a]]) / scale
    offset = -m @ np.array([cx + tx, cy + ty]) + np.array([cx, cy])
    return m, offset


def affine(img, angle, translate, scale, shear, interpolation=InterpolationMode.NEAREST,
           fill=0, center=None):
    """Apply a rotation (degrees, counter-clockwise), translation (pixels), scale and shear
    (degrees) about ``center`` (default: the image centre); uncovered pixels get ``fill``."""
    a, how = _to_chw(img)
    h, w = a.shape[-2:]
    if isinstance(shear, (int, float)):
        shear = (shear, 0.0)
    shear = tuple(shear) + (0.0,) * (2 - len(shear))
    if center is None:
        center = ((w - 1) * 0.5, (h - 1) * 0.5)
    # NOTE: screen coordinates have y pointing down, so a counter-clockwise turn on screen is
    # a clockwise one in (x, y); hence -angle and -shear.
    m, offset = _inverse_affine(center, -angle, translate, scale, (-shear[0], -shear[1]))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    src_x = m[0, 0] * xx + m[0, 1] * yy + offset[0]
    src_y = m[1, 0] * xx + m[1, 1] * yy + offset[1]
    return _from_chw(_remap(a, src_y, src_x, interpolation, fill), how, a.dtype)


def _remap(a, src_y, src_x, interpolation, fill):
    h, w = a.shape[-2:]
    if str(interpolation).lower().endswith("nearest"):
        yi = np.round(src_y).astype(np.int64)
        xi = np.round(src_x).astype(np.int64)
        inside = (yi >= 0) & (yi < h) & (xi >= 0) & (xi < w)
        out = a[..., np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)].astype(np.float32)
    else:
        y0 = np.floor(src_y).astype(np.int64)
        x0 = np.floor(src_x).astype(np.int64)
        wy = (src_y - y0).astype(np.float32)
        wx = (src_x - x0).astype(np.float32)
        inside = (src_y >= -0.5) & (src_y <= h - 0.5) & (src_x >= -0.5) & (src_x <= w - 0.5)
        f = a.astype(np.float32)

        def at(y, x):
            return f[..., np.clip(y, 0, h - 1), np.clip(x, 0, w - 1)]

        out = (at(y0, x0) * (1 - wy) * (1 - wx) + at(y0, x0 + 1) * (1 - wy) * wx
               + at(y0 + 1, x0) * wy * (1 - wx) + at(y0 + 1, x0 + 1) * wy * wx)
    fill_arr = np.asarray(fill if fill is not None else 0, dtype=np.float32)
    if fill_arr.ndim == 1 and out.ndim >= 3:
        fill_arr = fill_arr.reshape(-1, 1, 1)
    return np.where(inside, out, fill_arr)


def rotate(img, angle, interpolation=InterpolationMode.NEAREST, expand=False, center=None,
           fill=0):
    """Rotate by ``angle`` degrees counter-clockwise; ``expand`` grows the canvas to hold the
    whole rotated image."""
    if not expand:
        return affine(img, angle, (0, 0), 1.0, (0.0, 0.0), interpolation, fill, center)
    w, h = get_image_size(img)
    rad = math.radians(angle)
    nw = int(math.ceil(abs(w * math.cos(rad)) + abs(h * math.sin(rad)) - 1e-9))
    nh = int(math.ceil(abs(w * math.sin(rad)) + abs(h * math.cos(rad)) - 1e-9))
    # Rotate on a canvas large enough for both the input and the output, then cut out the
    # output's box around the centre.
    cw, ch = max(w, nw), max(h, nh)
    left, top = (cw - w) // 2, (ch - h) // 2
    canvas = pad(img, (left, top, cw - w - left, ch - h - top), fill=fill if
                 isinstance(fill, (int, float)) else 0)
    turned = affine(canvas, angle, (0, 0), 1.0, (0.0, 0.0), interpolation, fill, None)
    return crop(turned, (ch - nh) // 2, (cw - nw) // 2, nh, nw)


# ---------------------------------------------------------------- colour
_GREY = np.array([0.2989, 0.587, 0.114], dtype=np.float32)


def _grey(a):
    """Luma of an RGB array (..., 3, H, W) -> (..., 1, H, W), float32."""
    if a.shape[-3] == 1:
        return a.astype(np.float32)
    return np.tensordot(_GREY, a.astype(np.float32), axes=([0], [a.ndim - 3]))[..., None, :, :] \
        if a.ndim == 3 else np.einsum("c,...chw->...hw", _GREY, a.astype(np.float32))[
            ..., None, :, :]


def rgb_to_grayscale(img, num_output_channels=1):
    a, how = _to_chw(img)
    if a.shape[-3] not in (1, 3):
        raise TypeError(f"Input image tensor permitted channel values are [1, 3], but found "
                        f"{a.shape[-3]}")
    g = _grey(a)
    if num_output_channels == 3:
        g = np.repeat(g, 3, axis=-3)
    if how[0] == "pil":
        how = ("pil", "L" if num_output_channels == 1 else "RGB")
    return _from_chw(g, how, a.dtype)


def _blend(a, b, ratio):
    """``ratio * a + (1 - ratio) * b`` clipped to the image range, in a's dtype."""
    out = ratio * a.astype(np.float32) + (1 - ratio) * b
    return np.clip(out, 0, _bound(a))


def adjust_brightness(img, brightness_factor):
    if brightness_factor < 0:
        raise ValueError(f"brightness_factor ({brightness_factor}) is not non-negative.")
    a, how = _to_chw(img)
    return _from_chw(_blend(a, 0.0, brightness_factor), how, a.dtype)


def adjust_contrast(img, contrast_factor):
    if contrast_factor < 0:
        raise ValueError(f"contrast_factor ({contrast_factor}) is not non-negative.")
    a, how = _to_chw(img)
    mean = _grey(a).mean(axis=(-3, -2, -1), keepdims=True)
    return _from_chw(_blend(a, mean, contrast_factor), how, a.dtype)


def adjust_saturation(img, saturation_factor):
    if saturation_factor < 0:
        raise ValueError(f"saturation_factor ({saturation_factor}) is not non-negative.")
    a, how = _to_chw(img)
    if a.shape[-3] == 1:
        return img
    return _from_chw(_blend(a, _grey(a), saturation_factor), how, a.dtype)


def _rgb_to_hsv(rgb):
    r, g, b = rgb[..., 0, :, :], rgb[..., 1, :, :], rgb[..., 2, :, :]
    maxc = rgb.max(axis=-3)
    minc = rgb.min(axis=-3)
    v = maxc
    delta = maxc - minc
    s = np.where(maxc > 0, delta / np.where(maxc > 0, maxc, 1), 0)
    safe = np.where(delta > 0, delta, 1)
    rc, gc, bc = (maxc - r) / safe, (maxc - g) / safe, (maxc - b) / safe
    h = np.where(maxc == r, bc - gc, np.where(maxc == g, 2.0 + rc - bc, 4.0 + gc - rc))
    h = np.where(delta > 0, (h / 6.0) % 1.0, 0.0)
    return np.stack([h, s, v], axis=-3)


def _hsv_to_rgb(hsv):
    h, s, v = hsv[..., 0, :, :], hsv[..., 1, :, :], hsv[..., 2, :, :]
    i = np.floor(h * 6.0)
    f = h * 6.0 - i
    i = i.astype(np.int64) % 6
    p, q, t = v * (1 - s), v * (1 - s * f), v * (1 - s * (1 - f))
    choices_r = [v, q, p, p, t, v]
    choices_g = [t, v, v, q, p, p]
    choices_b = [p, p, t, v, v, q]
    r = np.choose(i, choices_r)
    g = np.choose(i, choices_g)
    b = np.choose(i, choices_b)
    return np.stack([r, g, b], axis=-3)


def adjust_hue(img, hue_factor):
    """Shift the hue by ``hue_factor`` of a full turn (in [-0.5, 0.5])."""
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    a, how = _to_chw(img)
    if a.shape[-3] == 1:
        return img
    f = a.astype(np.float32) / _bound(a)
    hsv = _rgb_to_hsv(f)
    hsv[..., 0, :, :] = (hsv[..., 0, :, :] + hue_factor) % 1.0
    return _from_chw(_hsv_to_rgb(hsv) * _bound(a), how, a.dtype)


def gaussian_blur(img, kernel_size, sigma=None):
    """Separable Gaussian blur with reflect padding (odd ``kernel_size``; ``sigma`` default
    ``0.3 * ((k - 1) * 0.5 - 1) + 0.8`` as torchvision)."""
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    for k in kernel_size:
        if k <= 0 or k % 2 == 0:
            raise ValueError(f"kernel_size should have odd and positive integers. Got "
                             f"{kernel_size}")
    if sigma is None:
        sigma = [0.3 * ((k - 1) * 0.5 - 1) + 0.8 for k in kernel_size]
    if isinstance(sigma, (int, float)):
        sigma = (float(sigma), float(sigma))
    a, how = _to_chw(img)
    out = a.astype(np.float32)
    for axis, k, s in ((-1, kernel_size[0], sigma[0]), (-2, kernel_size[1], sigma[1])):
        x = np.arange(k, dtype=np.float32) - (k - 1) / 2
        kern = np.exp(-0.5 * (x / s) ** 2)
        kern /= kern.sum()
        half = k // 2
        widths = [(0, 0)] * out.ndim
        widths[axis] = (half, half)
        padded = np.pad(out, widths, mode="reflect")
        acc = np.zeros_like(out)
        n = out.shape[axis]
        for i in range(k):  # a loop over kernel taps, each a whole-image multiply-add
            sl = [slice(None)] * out.ndim
            sl[axis] = slice(i, i + n)
            acc += kern[i] * padded[tuple(sl)]
        out = acc
    return _from_chw(out, how, a.dtype)


def erase(img, i, j, h, w, v, inplace=False):
    """Set the box (i, j, h, w) of a tensor image (..., C, H, W) to ``v``."""
    if not isinstance(img, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(img)}")
    target = img if inplace else _wrap(img._data.copy())
    val = v._data if isinstance(v, Tensor) else v
    target._data[..., i:i + h, j:j + w] = val
    target._bump()
    return target
