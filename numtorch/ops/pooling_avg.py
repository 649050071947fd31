"""Average pooling (the running sum over kernel offsets, ``_AvgPool`` / ``_AvgPoolT`` each
the other's gradient), power-average (lp) pooling built on it, and adaptive pooling (average
by small 1-D averaging matrices, max by plane index).
"""

import math

import numpy as np

from numtorch import _layout
from numtorch._tensor import _wrap
from numtorch.autograd.function import Primitive
from numtorch.ops._pool_geometry import (
    _batch,
    _channels_last,
    _check_out,
    _pool_args,
    _PoolGeom,
    _shape_str,
    _unbatch,
    _zeros_like_layout,
)
from numtorch.ops.conv import _tuple
from numtorch.ops.pooling_max import (
    MaxPool,
    _PlaneGather,
)
from numtorch.ops.shape import _format_like


# ====================================================================== average pooling
def _avg_divisor(g, ceil_mode, count_include_pad, divisor_override):
    """Per-window divisor (*out) following PyTorch: windows clipped to input + padding, then
    (unless ``count_include_pad``) to the input."""
    if divisor_override:
        return np.float64(divisor_override)
    div = np.ones(g.out)
    for i, (s, kk, st, (p, _), o) in enumerate(zip(g.size, g.k, g.stride, g.pad, g.out)):
        start = np.arange(o) * st - p
        end = np.minimum(start + kk, s + p)
        size = end - start
        if not count_include_pad:
            size = np.minimum(end, s) - np.maximum(start, 0)
        shape = [1] * len(g.out)
        shape[i] = o
        div = div * size.reshape(shape)
    return div


class _AvgPool(Primitive):
    """y = (sum over each window) / divisor: one strided add per kernel offset."""

    @staticmethod
    def forward(ctx, x, geom, div):
        ctx.geom, ctx.div = geom, div
        ctx.channels_last = _channels_last(x)
        xp = geom.padded(x, 0)
        offs = geom.offsets()
        acc = xp[(Ellipsis,) + geom.slab(offs[0])].copy(order="K")  # (N, C, *out)
        for off in offs[1:]:
            acc += xp[(Ellipsis,) + geom.slab(off)]
        if acc.dtype.kind != "f":  # integer pooling divides and truncates, as in C++
            return np.trunc(acc / div).astype(x.dtype)
        acc /= np.asarray(div, dtype=x.dtype)
        return _layout.restrided(acc, _layout.suggest_memory_format(x))

    @staticmethod
    def backward(ctx, g):
        return _AvgPoolT.apply(g, ctx.geom, ctx.div, ctx.channels_last), None, None


class _AvgPoolT(Primitive):
    """The adjoint of ``_AvgPool``: each window spreads gradient/divisor over its elements."""

    @staticmethod
    def forward(ctx, g, geom, div, channels_last=None):
        ctx.geom, ctx.div = geom, div
        n, c = g.shape[:2]
        gd = g / np.asarray(div, dtype=g.dtype)
        sp = tuple(s + lo + hi for s, (lo, hi) in zip(geom.size, geom.pad))
        # Windows that tile the padded input exactly (kernel == stride) write every element
        # once: plain copies into uninitialized memory instead of adds into zeros.
        tiled = all(kk == st and o * st == size for kk, st, o, size
                    in zip(geom.k, geom.stride, geom.out, sp))
        # In the layout of the pooled input (``channels_last``), which the next backward step
        # combines this gradient with.
        gxp = _zeros_like_layout(g, (n, c) + sp, empty=tiled,
                                 channels_last=channels_last)  # (N, C, *Sp)
        for off in geom.offsets():
            dst = gxp[(Ellipsis,) + geom.slab(off)]  # (N, C, *out)
            if tiled:
                np.copyto(dst, gd)
            else:
                np.add(dst, gd, out=dst)
        return gxp[(Ellipsis,) + geom.inner()]

    @staticmethod
    def backward(ctx, gg):
        return _AvgPool.apply(gg, ctx.geom, ctx.div), None, None, None


def _avg_pool(input, nd, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override):
    name = f"avg_pool{nd}d"
    k, st, p, d = _pool_args(input, nd, kernel_size, stride, padding, 1, name)
    x, unbatched = _batch(input, nd)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    geom = _PoolGeom(k, st, p, d, x.shape[2:], ceil_mode)
    _check_out(geom, x, name)
    div = _avg_divisor(geom, ceil_mode, count_include_pad, divisor_override)
    y = _AvgPool.apply(x, geom, div)
    if nd == 3:  # PyTorch's avg_pool3d returns contiguous output for any input layout
        y = y.contiguous()
    return _unbatch(y, unbatched)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """Mean over sliding windows of (N, C, L) or (C, L)."""
    return _avg_pool(input, 1, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """Mean over sliding windows of (N, C, H, W) or (C, H, W); zero padding is counted in the
    divisor when ``count_include_pad``; ``divisor_override`` replaces the divisor."""
    return _avg_pool(input, 2, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    return _avg_pool(input, 3, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum over each window of x^p)^(1/p)."""
    k = _tuple(kernel_size, 1)
    out = avg_pool1d(input.pow(norm_type), k, stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu()).mul(k[0]).pow(1.0 / norm_type)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum over each window of x^p)^(1/p)."""
    k = _tuple(kernel_size, 2)
    out = avg_pool2d(input.pow(norm_type), k, stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu()).mul(k[0] * k[1]).pow(1.0 / norm_type)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum over each window of x^p)^(1/p) over (N, C, D, H, W) or (C, D, H, W)."""
    k = _tuple(kernel_size, 3)
    out = avg_pool3d(input.pow(norm_type), k, stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu()).mul(k[0] * k[1] * k[2]).pow(1.0 / norm_type)


# ====================================================================== adaptive pooling
def _adaptive_sizes(output_size, size, nd, name):
    out = output_size
    if not isinstance(out, (tuple, list)):
        out = (out,) * nd
    if len(out) != nd:
        raise ValueError(f"{name}: output_size must be {nd}")
    return tuple(s if o is None else int(o) for o, s in zip(out, size))


def _adaptive_bounds(s, o):
    """Window i covers [floor(i*s/o), ceil((i+1)*s/o))."""
    i = np.arange(o)
    return (i * s) // o, -((-(i + 1) * s) // o)


def _avg_matrix(s, o, dtype):
    """(o, s) matrix whose row i averages window i."""
    start, end = _adaptive_bounds(s, o)
    j = np.arange(s)
    m = ((j >= start[:, None]) & (j < end[:, None])).astype(dtype)
    return m / (end - start)[:, None].astype(dtype)


class _AlongAxis(Primitive):
    """The matrix ``m`` (o, s) applied along ``axis`` of x, as one matrix product: adaptive
    average pooling (row i averages window i) and interpolation (row i weighs the inputs of
    output i). The gradient is the product with ``m`` itself (the same primitive with
    ``m.T``); where the incoming gradient is not finite it is spread window by window instead,
    so that an infinite gradient reaches its own window only (the product's 0 * inf would put
    NaN everywhere else, where PyTorch's kernel adds nothing)."""

    @staticmethod
    def forward(ctx, x, axis, m):
        ctx.axis, ctx.m = axis, m
        return np.moveaxis(np.moveaxis(x, axis, -1) @ m.T, -1, axis)

    @staticmethod
    def backward(ctx, g):
        axis, m = ctx.axis, ctx.m
        if np.isfinite(g._data).all():
            return _AlongAxis.apply(g, axis, np.ascontiguousarray(m.T)), None, None
        gm = np.moveaxis(g._data, axis, -1)
        gx = np.zeros(gm.shape[:-1] + (m.shape[1],), dtype=gm.dtype)
        for i, row in enumerate(m):
            window = np.flatnonzero(row)
            gx[..., window] += gm[..., i:i + 1] * row[window]
        return _wrap(np.moveaxis(gx, -1, axis)), None, None


def _check_output_size_len(input, output_size, nd):
    """PyTorch's Python wrapper of the 2-d/3-d adaptive pools checks a sequence
    ``output_size`` against the input's dims first (ValueError)."""
    if nd >= 2 and not isinstance(output_size, (int, np.integer)) and \
            input.dim() <= len(output_size):
        raise ValueError(f"Input dimension should be at least {len(output_size) + 1}, but got "
                         f"input of size {_shape_str(input.shape)}")


def _adaptive_avg(input, output_size, nd):
    name = f"adaptive_avg_pool{nd}d"
    _check_output_size_len(input, output_size, nd)
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got "
                           f"{_shape_str(input.shape)}")
    x, unbatched = _batch(input, nd)
    size = tuple(x.shape[2:])
    out = _adaptive_sizes(output_size, size, nd, name)
    for i, s in enumerate(size):
        if s == 0:
            raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes {_shape_str(x.shape)} with "
                               f"dimension {i + 2} being empty")
    if all(o == 1 for o in out):
        y = x.mean(tuple(range(2, nd + 2)), keepdim=True)
        # (N, C, 1, 1) of a channels-last input: PyTorch's strides on the dims of size 1
        y._data = _layout.restrided(y._data, _layout.suggest_memory_format(x._data))
    elif all(s % o == 0 for s, o in zip(size, out)):
        k = tuple(s // o for s, o in zip(size, out))
        geom = _PoolGeom(k, k, (0,) * nd, (1,) * nd, size, False)
        y = _AvgPool.apply(x, geom, float(math.prod(k)))
    else:
        y = x
        for i, (s, o) in enumerate(zip(size, out)):
            if s != o:
                y = _AlongAxis.apply(y, 2 + i, _avg_matrix(s, o, x._data.dtype))
        # PyTorch keeps channels-last in 2-D only (its 3-D kernel returns contiguous)
        y = _format_like(y, x) if nd == 2 else y.contiguous()
    return _unbatch(y, unbatched)


def adaptive_avg_pool1d(input, output_size):
    """Mean over ``output_size`` near-equal windows [floor(i*L/o), ceil((i+1)*L/o))."""
    return _adaptive_avg(input, output_size, 1)


def adaptive_avg_pool2d(input, output_size):
    """Mean over near-equal windows; ``output_size`` is an int, a pair, or None entries to keep
    a dimension."""
    return _adaptive_avg(input, output_size, 2)


def adaptive_avg_pool3d(input, output_size):
    return _adaptive_avg(input, output_size, 3)


def _adaptive_max(input, output_size, nd, return_indices):
    name = f"adaptive_max_pool{nd}d"
    _check_output_size_len(input, output_size, nd)
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got: "
                           f"{_shape_str(input.shape)}")
    x, unbatched = _batch(input, nd)
    size = tuple(x.shape[2:])
    out = _adaptive_sizes(output_size, size, nd, name)
    if all(s % o == 0 for s, o in zip(size, out)):
        k = tuple(s // o for s, o in zip(size, out))
        geom = _PoolGeom(k, k, (0,) * nd, (1,) * nd, size, False)
        y, idx = MaxPool.apply(x, geom, True)
    else:
        # Index every window's elements, padding short windows by repeating their last
        # element (a repeat never changes the maximum nor the first-max position).
        xd = x._data
        n, c = xd.shape[:2]
        idx_axes = []
        for i, (s, o) in enumerate(zip(size, out)):
            start, end = _adaptive_bounds(s, o)
            kmax = int((end - start).max())
            rows = np.minimum(start[:, None] + np.arange(kmax), (end - 1)[:, None])  # (o, kmax)
            shape = [1] * (2 * nd)
            shape[2 * i], shape[2 * i + 1] = o, kmax
            idx_axes.append(rows.reshape(shape))
        win = xd[(slice(None), slice(None)) + tuple(idx_axes)]  # (N, C, o1, k1, o2, k2, ...)
        perm = (0, 1) + tuple(range(2, 2 + 2 * nd, 2)) + tuple(range(3, 3 + 2 * nd, 2))
        win = win.transpose(perm).reshape((n, c) + out + (-1,))  # (N, C, *out, kmax...)
        local = np.argmax(win, axis=-1)
        if np.isnan(win).any():
            local = np.where(np.isnan(win).any(-1), np.argmax(np.isnan(win), -1), local)
        flat = np.zeros(local.shape, dtype=np.int64)
        kshape = tuple(a.shape[2 * i + 1] for i, a in enumerate(idx_axes))
        offs = np.unravel_index(local, kshape)
        for i in range(nd):
            rows = idx_axes[i].reshape(out[i], kshape[i])
            oi = np.arange(out[i]).reshape([out[i] if j == i else 1 for j in range(nd)])
            flat = flat * size[i] + rows[oi, offs[i]]
        y = _format_like(_PlaneGather.apply(x, flat), x)
        idx = _wrap(_layout.like(flat, xd))
    if nd == 3:  # PyTorch's 3-D kernel returns contiguous outputs whatever the input's layout
        y = y.contiguous()
        idx = _wrap(np.ascontiguousarray(idx._data))
    if return_indices:
        return _unbatch(y, unbatched), _unbatch(idx, unbatched)
    return _unbatch(y, unbatched)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max over ``output_size`` near-equal windows; ``return_indices`` gives flat indices."""
    return _adaptive_max(input, output_size, 1, return_indices)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max over near-equal windows of (N, C, H, W) or (C, H, W)."""
    return _adaptive_max(input, output_size, 2, return_indices)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Max over near-equal windows of (N, C, D, H, W) or (C, D, H, W)."""
    return _adaptive_max(input, output_size, 3, return_indices)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=True):
    return _adaptive_max(input, output_size, 1, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    return _adaptive_max(input, output_size, 2, True)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=True):
    return _adaptive_max(input, output_size, 3, True)
