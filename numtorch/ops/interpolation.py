"""Resizing: ``interpolate`` / ``upsample*`` (nearest, linear, bilinear, bicubic, trilinear,
area) as products with small 1-D interpolation matrices along each spatial axis, and
``pixel_shuffle`` / ``pixel_unshuffle`` and ``channel_shuffle`` (a reshape and a permute).
"""

import math

import numpy as np

from numtorch import _dtype
from numtorch.ops.conv import _tuple
from numtorch.ops.pooling_avg import (
    _adaptive_avg,
    _AlongAxis,
    adaptive_avg_pool1d,
)
from numtorch.ops.shape import _format_like


# ====================================================================== interpolation
def _src_index(o, s, scale, align_corners, cubic=False):
    """Source coordinate of each output position (PyTorch's area_pixel_compute_source_index)."""
    dst = np.arange(o, dtype=np.float64)
    if align_corners:
        return dst * ((s - 1) / (o - 1) if o > 1 else 0.0)
    src = (dst + 0.5) * scale - 0.5
    return src if cubic else np.maximum(src, 0.0)


def _cubic_weights(t, a=-0.75):
    """Keys' cubic convolution weights for taps at -1, 0, 1, 2 around a fractional offset t."""
    def near(x):
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def _interp_matrix(s, o, mode, align_corners, scale):
    """(o, s) interpolation matrix along one axis; built by one vectorized assignment per tap."""
    m = np.zeros((o, s))
    rows = np.arange(o)
    if mode == "nearest":
        src = np.minimum(np.floor(np.arange(o) * scale).astype(np.int64), s - 1)
        m[rows, src] = 1.0
    elif mode == "nearest-exact":
        src = np.minimum(np.floor((np.arange(o) + 0.5) * scale).astype(np.int64), s - 1)
        m[rows, src] = 1.0
    elif mode == "linear":
        src = _src_index(o, s, scale, align_corners)
        i0 = np.minimum(np.floor(src).astype(np.int64), s - 1)
        i1 = np.minimum(i0 + 1, s - 1)
        lam = src - i0
        m[rows, i0] += 1.0 - lam
        m[rows, i1] += lam
    else:  # cubic
        src = _src_index(o, s, scale, align_corners, cubic=True)
        i = np.floor(src).astype(np.int64)
        for tap, w in zip(range(-1, 3), _cubic_weights(src - i)):
            m[rows, np.clip(i + tap, 0, s - 1)] += w
    return m


_MODES = {"nearest": ("nearest", None), "nearest-exact": ("nearest-exact", None),
          "linear": ("linear", 1), "bilinear": ("linear", 2), "trilinear": ("linear", 3),
          "bicubic": ("cubic", 2), "area": ("area", None)}


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize (N, C, *S) to ``size`` or ``S * scale_factor`` with 'nearest', 'nearest-exact',
    'linear', 'bilinear', 'bicubic', 'trilinear' or 'area'. Each axis is resized by a small
    interpolation matrix (so gradients come from ``matmul``). ``antialias`` is not supported
    (PyTorch uses it only for downsampling with bilinear/bicubic)."""
    if mode not in _MODES:
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got "
                                  f"{input.dim()}D) for the modes: nearest | linear | bilinear "
                                  f"| bicubic | trilinear | area | nearest-exact (got {mode})")
    kind, need_nd = _MODES[mode]
    nd = input.dim() - 2
    if nd < 1 or nd > 3:
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got "
                                  f"{input.dim()}D) for the modes: nearest | linear | bilinear "
                                  f"| bicubic | trilinear | area | nearest-exact (got {mode})")
    if need_nd is not None and need_nd != nd:
        raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs "
                                  f"{need_nd + 2}D input")
    if align_corners is not None and kind in ("nearest", "nearest-exact", "area"):
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    if antialias:
        raise ValueError("numtorch's interpolate does not support antialias=True")
    align_corners = bool(align_corners)
    in_size = tuple(input.shape[2:])
    if (size is None) == (scale_factor is None):
        raise ValueError("only one of size or scale_factor should be defined" if size is not None
                         else "either size or scale_factor should be defined")
    if size is not None:
        out = _tuple(size, nd, "size") if isinstance(size, (tuple, list)) else (int(size),) * nd
        scales = tuple(s / o for s, o in zip(in_size, out))
    else:
        sf = tuple(float(v) for v in scale_factor) if isinstance(scale_factor, (tuple, list)) \
            else (float(scale_factor),) * nd
        if len(sf) != nd:
            raise ValueError(f"Input and scale_factor must have the same number of spatial "
                             f"dimensions, but got input with spatial dimensions of "
                             f"{list(in_size)} and scale_factor of shape {list(sf)}.")
        out = tuple(int(math.floor(s * f)) for s, f in zip(in_size, sf))
        scales = tuple(s / o for s, o in zip(in_size, out)) if recompute_scale_factor \
            else tuple(1.0 / f for f in sf)
    if kind == "area":
        return adaptive_avg_pool1d(input, out) if nd == 1 else _adaptive_avg(input, out, nd)
    x = input
    if x._data.dtype.kind != "f":
        raise NotImplementedError(f"\"upsample_{mode}{nd}d_out_frame\" not implemented for "
                                  f"'{_dtype.scalar_type_name(x.dtype)}'")
    for i, (s, o, sc) in enumerate(zip(in_size, out, scales)):
        if s == o and kind in ("nearest", "nearest-exact") and sc == 1.0:
            continue
        x = _AlongAxis.apply(x, 2 + i, _interp_matrix(s, o, kind, align_corners, sc)
                             .astype(x._data.dtype))
    return _format_like(x, input) if x is not input else x * 1


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of ``interpolate``."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Bilinear with ``align_corners=True`` (the deprecated function's behaviour)."""
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ====================================================================== pixel shuffle
def pixel_shuffle(input, upscale_factor):
    """(*, C*r^2, H, W) -> (*, C, H*r, W*r)."""
    r = int(upscale_factor)
    if input.dim() < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got "
                           f"input with {input.dim()} dimension(s)")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)={c} "
                           f"is not divisible by {r * r}")
    b = math.prod(lead)
    x = input.reshape(b, c // (r * r), r, r, h, w)  # (B, C, r, r, H, W)
    x = x.permute(0, 1, 4, 2, 5, 3)  # (B, C, H, r, W, r)
    return _format_like(x.reshape(tuple(lead) + (c // (r * r), h * r, w * r)), input)


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H*r, W*r) -> (*, C*r^2, H, W)."""
    r = int(downscale_factor)
    if input.dim() < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but "
                           f"got input with {input.dim()} dimension(s)")
    *lead, c, h, w = input.shape
    if h % r:
        raise RuntimeError(f"pixel_unshuffle expects height to be divisible by "
                           f"downscale_factor, but input.size(-2)={h} is not divisible by {r}")
    if w % r:
        raise RuntimeError(f"pixel_unshuffle expects width to be divisible by "
                           f"downscale_factor, but input.size(-1)={w} is not divisible by {r}")
    b = math.prod(lead)
    x = input.reshape(b, c, h // r, r, w // r, r)  # (B, C, H, r, W, r)
    x = x.permute(0, 1, 3, 5, 2, 4)  # (B, C, r, r, H, W)
    return _format_like(x.reshape(tuple(lead) + (c * r * r, h // r, w // r)), input)


# ====================================================================== channel shuffle
def channel_shuffle(input, groups):
    """(N, g*k, *) -> (N, k*g, *): the channels, read as a (g, k) grid, transposed to (k, g)
    (ShuffleNet's mixing of grouped convolutions' outputs)."""
    g = int(groups)
    shape = tuple(input.shape)
    if input.dim() <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with "
                           f"sizes {list(shape)}")
    if g <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of "
                           f"groups:{g}")
    c = shape[1]
    if c % g:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels "
                           f"and {g} groups.")
    x = input.reshape((shape[0], g, c // g) + shape[2:])  # (N, g, k, *)
    x = x.transpose(1, 2)  # (N, k, g, *)
    return _format_like(x.reshape(shape), input)


def native_channel_shuffle(input, groups):
    """``channel_shuffle`` (PyTorch's name for its kernel, same result)."""
    return channel_shuffle(input, groups)
