"""Pooling, unpooling, interpolation and pixel shuffle.

Max and average pooling loop over the *kernel offsets* (kh*kw iterations), each one a
vectorized operation on a strided slab of the padded input that holds that offset's element of
every window: max pooling keeps a running maximum and the offset it came from, average pooling
a running sum. Their backward passes loop over the same offsets, adding each window's gradient
into the slab it was read from, so overlapping windows need no scatter-add over elements. The
common 2x2 / stride 2 max pooling takes a shorter road: two halving ``np.maximum`` stages
(columns then rows; rows first when no indices are needed). Outputs have PyTorch's layout
(contiguous, or channels-last for a channels-last input), and gradients are laid out in memory
like the pooled input, so the elementwise backward steps around them run in memory order.

Primitives come in adjoint pairs whose backward is the other member of the pair, so gradients
of gradients work: ``_MaxPoolScatter``/``_MaxPoolGather`` (by window offset),
``_AvgPool``/``_AvgPoolT``, ``_PlaneGather``/``_PlaneScatter`` (by flat index within each
channel plane: adaptive max pooling and max_unpool). Interpolation multiplies by small 1-D
interpolation matrices along each spatial axis (a composite of ``matmul``).
"""

import math

import numpy as np

from numtorch import _dtype, _layout
from numtorch._tensor import _wrap
from numtorch.autograd import grad_mode
from numtorch.autograd.function import Primitive
from numtorch.ops import _scalars
from numtorch.ops.conv import _tuple
from numtorch.ops.shape import _format_like

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices", "avg_pool1d",
           "adaptive_avg_pool1d",
           "adaptive_max_pool1d", "pixel_shuffle", "pixel_unshuffle"]

FUNCTIONAL = ["max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices",
              "max_pool2d_with_indices", "max_pool3d_with_indices", "max_unpool1d",
              "max_unpool2d", "max_unpool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
              "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
              "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool1d_with_indices",
              "adaptive_max_pool2d_with_indices", "lp_pool1d", "lp_pool2d", "interpolate",
              "upsample", "upsample_nearest", "upsample_bilinear", "pixel_shuffle",
              "pixel_unshuffle"]


# ====================================================================== geometry
class _PoolGeom:
    """Kernel ``k``, ``stride``, ``pad`` (lo, hi) per dim (hi includes ceil_mode's extra),
    ``dilation``, input spatial ``size`` and output ``out``."""

    __slots__ = ("k", "stride", "pad", "dilation", "size", "out")

    def __init__(self, k, stride, padding, dilation, size, ceil_mode):
        self.k, self.stride, self.dilation, self.size = k, stride, dilation, tuple(size)
        out, pad = [], []
        for s, kk, st, p, d in zip(size, k, stride, padding, dilation):
            span = s + 2 * p - d * (kk - 1) - 1
            o = (-(-span // st) if ceil_mode else span // st) + 1
            if ceil_mode and (o - 1) * st >= s + p:
                o -= 1  # the last window must start inside the input or its left padding
            out.append(o)
            pad.append((p, max(0, (o - 1) * st + d * (kk - 1) + 1 - s - p)))
        self.out, self.pad = tuple(out), tuple(pad)

    def slab(self, off):
        """Slices of the padded spatial dims holding kernel offset ``off`` of every window."""
        return tuple(slice(j * d, j * d + st * (o - 1) + 1, st)
                     for j, d, st, o in zip(off, self.dilation, self.stride, self.out))

    def padded(self, x, value):
        """(N, C, *S) -> (N, C, *Sp) filled with ``value`` outside (no copy without padding)."""
        if all(lo == 0 and hi == 0 for lo, hi in self.pad):
            return x
        sp = tuple(s + lo + hi for s, (lo, hi) in zip(self.size, self.pad))
        xp = _layout.empty(x.shape[:2] + sp, x.dtype, _layout.suggest_memory_format(x))
        xp.fill(value)  # in x's layout, so that the pooled output keeps it
        xp[(Ellipsis,) + self.inner()] = x
        return xp

    def inner(self):
        return tuple(slice(lo, lo + s) for s, (lo, _) in zip(self.size, self.pad))

    def offsets(self):
        return list(np.ndindex(*self.k))


def _channels_last(a):
    """True when the channel axis of ``a`` (N, C, *S) is innermost in memory (channels-last
    tensors and their gradients)."""
    return a.ndim > 2 and a.shape[1] > 1 and a.strides[1] == a.itemsize


def _zeros_like_layout(ref, shape, empty=False, dtype=None, channels_last=None):
    """Zeros (or, with ``empty``, uninitialized memory) of ``shape`` (N, C, *S), channels-last
    in memory when ``ref`` is (or when ``channels_last`` says so), so that elementwise work
    between the two runs over memory in the same order."""
    make = np.empty if empty else np.zeros
    dtype = ref.dtype if dtype is None else dtype
    if channels_last is None:
        channels_last = _channels_last(ref)
    if channels_last and len(shape) > 2:
        return np.moveaxis(make((shape[0],) + shape[2:] + (shape[1],), dtype=dtype), -1, 1)
    return make(shape, dtype=dtype)


def _shape_str(shape):
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _pool_args(input, nd, kernel_size, stride, padding, dilation, name):
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}: Expected {nd + 1}D or {nd + 2}D (batch mode) tensor for "
                           f"input with possibly 0 batch size and non-zero dimensions for input, "
                           f"but got: {_shape_str(input.shape)}" if nd > 1 else
                           f"{name}() Expected 2D or 3D input tensor, but got "
                           f"{_shape_str(input.shape)}")
    k = _tuple(kernel_size, nd, "kernel_size")
    st = k if stride is None or (isinstance(stride, (tuple, list)) and not stride) \
        else _tuple(stride, nd, "stride")
    p = _tuple(padding, nd, "padding")
    d = _tuple(dilation, nd, "dilation")
    if any(v <= 0 for v in k):
        raise RuntimeError(f"{name}: kernel_size must be greater than zero, but got "
                           f"{' '.join(f'k{a}: {b}' for a, b in zip('dhw'[-nd:], k))}")
    if any(v <= 0 for v in st):
        raise RuntimeError(f"{name}: stride must be greater than zero")
    for pp, kk, dd in zip(p, k, d):
        if pp > (dd * (kk - 1) + 1) // 2:
            raise RuntimeError(f"{name}: pad should be at most half of effective kernel size, "
                               f"but got pad={pp}, kernel_size={kk} and dilation={dd}")
    return k, st, p, d


def _batch(input, nd):
    if input.dim() == nd + 1:
        return input.reshape((1,) + tuple(input.shape)), True  # (1, C, *S)
    return input, False


def _unbatch(t, unbatched):
    return t.reshape(tuple(t.shape[1:])) if unbatched else t


def _check_out(g, x, name):
    if any(o <= 0 for o in g.out):
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, x.shape[1:]))}). Calculated "
                           f"output size: ({'x'.join(map(str, (x.shape[1],) + g.out))}). Output "
                           "size is too small")


# ====================================================================== max pooling
def _plane_index(arg, g):
    """Local window offset ``arg`` (N, C, *out) -> flat index into the unpadded input plane,
    PyTorch's ``return_indices`` convention (``h * W + w`` for 2-D)."""
    nd = len(g.k)
    offs = np.unravel_index(arg, g.k)
    idx = np.zeros(arg.shape, dtype=np.int64)
    for i in range(nd):
        shape = [1] * (2 + nd)
        shape[2 + i] = g.out[i]
        start = (np.arange(g.out[i]) * g.stride[i] - g.pad[i][0]).reshape(shape)
        idx = idx * g.size[i] + start + offs[i].astype(np.int64) * g.dilation[i]
    return _layout.like(idx, arg)  # the pooled output's layout


class MaxPool(Primitive):
    """y = max over each window; also returns the flat plane index of the maximum.

    The maximum is a running ``np.maximum`` over the kernel offsets' slabs, and the offset it
    came from moves only on a strictly larger value, so the first maximum in row-major window
    order wins ties (PyTorch's choice). ``want_arg=False`` (no gradient, no indices) skips the
    offset bookkeeping. NaN propagates: a
    window holding NaN gives NaN and the index of its first NaN, as in PyTorch."""

    @staticmethod
    def forward(ctx, x, geom, want_index, want_arg=True):
        best_arg = _max_pool_2x2(x, geom, want_arg)
        if best_arg is not None:
            best, arg = best_arg
        else:
            best, arg = _max_pool_offsets(x, geom, want_arg)
        ctx.arg = arg
        ctx.geom = geom
        idx = _plane_index(arg, geom) if want_index else None
        fmt = _layout.suggest_memory_format(x)
        best = _layout.restrided(_layout.as_format(best, fmt), fmt)  # PyTorch's layout
        if idx is not None:
            idx = _layout.restrided(_layout.as_format(idx, fmt), fmt)
            ctx.mark_non_differentiable(idx)
        return best, idx

    @staticmethod
    def backward(ctx, grad_output, _grad_index=None):
        return _MaxPoolScatter.apply(grad_output, ctx.arg, ctx.geom), None, None, None


def _max_pool_2x2(x, geom, want_arg):
    """The common 2x2, stride 2 window (no padding or dilation) in two halving stages, columns
    then rows, each a pairwise ``np.maximum`` of two strided views: (max, arg) or None when the
    geometry is another one or the result holds NaN (left to the general loop's NaN rule).

    Columns first keeps PyTorch's tie rule: the first maximum of each row, then the first row
    holding the window's maximum, is the first maximum in row-major window order."""
    if (x.ndim != 4 or geom.k != (2, 2) or geom.stride != (2, 2) or geom.dilation != (1, 1)
            or any(p != (0, 0) for p in geom.pad) or x.dtype.kind != "f"):
        return None
    n, c = x.shape[:2]
    ho, wo = geom.out
    if not want_arg:
        # Rows first: the two rows of each window are whole contiguous image rows in an NCHW
        # input (vectorized), and only the half-size result is read with stride 2.
        x5 = x[:, :, :2 * ho, :2 * wo].reshape(n, c, ho, 2, 2 * wo)  # (N, C, Ho, 2, 2*Wo)
        rows = np.maximum(x5[:, :, :, 0], x5[:, :, :, 1])  # (N, C, Ho, 2*Wo)
        best = np.maximum(rows[..., 0::2], rows[..., 1::2])  # (N, C, Ho, Wo)
        if np.isnan(best).any():
            return None
        return best, np.zeros_like(best, dtype=np.int8)
    x6 = x[:, :, :2 * ho, :2 * wo].reshape(n, c, ho, 2, wo, 2)  # (N, C, Ho, 2, Wo, 2) view
    left, right = x6[..., 0], x6[..., 1]  # (N, C, Ho, 2, Wo)
    cols = np.maximum(left, right)
    top, bottom = cols[:, :, :, 0], cols[:, :, :, 1]  # (N, C, Ho, Wo)
    best = np.maximum(top, bottom)
    if np.isnan(best).any():
        return None
    col = np.greater(right, left)  # per row: the right column holds the (first) maximum
    row = np.greater(bottom, top)  # the bottom row does
    # arg = 2 * row + (col of the bottom row if row else col of the top row); the choice by
    # bit operations (a third of np.where's time): c0 ^ (row & (c0 ^ c1)).
    c0, c1 = col[:, :, :, 0], col[:, :, :, 1]
    pick = np.bitwise_xor(c0, c1)
    np.bitwise_and(pick, row, out=pick)
    np.bitwise_xor(pick, c0, out=pick)
    arg = row.view(np.int8) * np.int8(2)
    np.add(arg, pick.view(np.int8), out=arg)
    return best, arg


def _max_pool_offsets(x, geom, want_arg):
    """Any geometry: a running maximum over the kernel offsets' slabs, and the offset it came
    from (moved only on a strictly larger value). Returns (max, arg)."""
    low = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    xp = geom.padded(x, low)
    offs = geom.offsets()
    slabs = [xp[(Ellipsis,) + geom.slab(off)] for off in offs]  # each (N, C, *out)
    best = slabs[0].copy(order="K")
    arg = np.zeros_like(best, dtype=np.int32 if len(offs) > 127 else np.int8)
    if want_arg and len(offs) > 1:
        gt = np.empty_like(best, dtype=bool)
        step = np.empty_like(arg)
        for t, s in enumerate(slabs[1:], 1):
            np.greater(s, best, out=gt)
            # arg <- t where slab t is larger. Every earlier offset is below t, so this is
            # max(arg, t * gt): two passes over small integers, far faster than where=.
            np.multiply(gt, arg.dtype.type(t), out=step)
            np.maximum(arg, step, out=arg)
            np.maximum(best, s, out=best)
    else:
        for s in slabs[1:]:
            np.maximum(best, s, out=best)
    if want_arg and best.dtype.kind == "f" and np.isnan(best).any():
        for t in range(len(offs) - 1, -1, -1):
            arg = np.where(np.isnan(slabs[t]), arg.dtype.type(t), arg)
    return best, arg


class _MaxPoolScatter(Primitive):
    """Send each window's gradient to the input element at its offset ``arg``: one masked,
    strided write (or add, when windows overlap) per kernel offset.

    NOTE: the mask is applied by multiplying, so an infinite or NaN gradient also lands as NaN
    on the window's other elements (PyTorch leaves them 0)."""

    @staticmethod
    def forward(ctx, g, arg, geom):
        ctx.arg, ctx.geom = arg, geom
        n, c = g.shape[:2]
        sp = tuple(s + lo + hi for s, (lo, hi) in zip(geom.size, geom.pad))
        nonoverlap = all(s >= (kk - 1) * d + 1 for s, kk, d in
                         zip(geom.stride, geom.k, geom.dilation))
        # windows that tile the input exactly write every element: no zero fill needed
        tiled = nonoverlap and all(kk == st and d == 1 and o * st == size for kk, st, d, o, size
                                   in zip(geom.k, geom.stride, geom.dilation, geom.out, sp))
        # the input's layout (``arg`` has it): the next backward step multiplies the two
        gxp = _zeros_like_layout(arg, (n, c) + sp, empty=tiled, dtype=g.dtype)  # (N, C, *Sp)
        mask = np.empty(arg.shape, dtype=g.dtype)
        for t, off in enumerate(geom.offsets()):
            dst = gxp[(Ellipsis,) + geom.slab(off)]
            # The mask as floats: NumPy's float-times-bool loop is twice as slow.
            np.equal(arg, t, out=mask, casting="unsafe")
            if nonoverlap:
                np.multiply(g, mask, out=dst)  # each input element is in one window
            else:
                dst += g * mask
        return gxp[(Ellipsis,) + geom.inner()]

    @staticmethod
    def backward(ctx, gg):
        return _MaxPoolGather.apply(gg, ctx.arg, ctx.geom), None, None


class _MaxPoolGather(Primitive):
    """Read each window's element at offset ``arg`` (the adjoint of ``_MaxPoolScatter``)."""

    @staticmethod
    def forward(ctx, x, arg, geom):
        ctx.arg, ctx.geom = arg, geom
        xp = geom.padded(x, 0)
        out = np.zeros_like(arg, dtype=x.dtype)
        for t, off in enumerate(geom.offsets()):
            out += xp[(Ellipsis,) + geom.slab(off)] * (arg == t)
        return out

    @staticmethod
    def backward(ctx, g):
        return _MaxPoolScatter.apply(g, ctx.arg, ctx.geom), None, None


def _max_pool(input, nd, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    name = f"max_pool{nd}d"
    k, st, p, d = _pool_args(input, nd, kernel_size, stride, padding, dilation, name)
    x, unbatched = _batch(input, nd)
    geom = _PoolGeom(k, st, p, d, x.shape[2:], ceil_mode)
    _check_out(geom, x, name)
    want_arg = bool(return_indices) or (grad_mode.is_grad_enabled() and x.requires_grad)
    out, idx = MaxPool.apply(x, geom, bool(return_indices), want_arg)
    if return_indices:
        return _unbatch(out, unbatched), _unbatch(idx, unbatched)
    return _unbatch(out, unbatched)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over sliding windows of (N, C, L) or (C, L); ``stride`` defaults to the kernel."""
    return _max_pool(input, 1, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over sliding windows of (N, C, H, W) or (C, H, W). Padding counts as -inf;
    ``return_indices`` gives flat ``h * W + w`` indices per channel plane."""
    return _max_pool(input, 2, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over sliding windows of (N, C, D, H, W) or (C, D, H, W)."""
    return _max_pool(input, 3, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    return _max_pool(input, 1, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    return _max_pool(input, 2, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    return _max_pool(input, 3, kernel_size, stride, padding, dilation, ceil_mode, True)


# ====================================================== gather / scatter by plane index
def _global_index(idx, plane):
    """Flat plane indices (N, C, *) -> indices into the flattened (N*C*plane) array."""
    nc = idx.shape[0] * idx.shape[1]
    base = (np.arange(nc, dtype=np.int64) * plane).reshape(idx.shape[:2] + (1,) * (idx.ndim - 2))
    return (idx + base).ravel()


class _PlaneGather(Primitive):
    """y[n, c, q] = x[n, c, idx[n, c, q]] with x's spatial dims flattened."""

    @staticmethod
    def forward(ctx, x, idx):
        ctx.idx, ctx.shape = idx, x.shape
        plane = math.prod(x.shape[2:])
        return np.ascontiguousarray(x).ravel()[_global_index(idx, plane)].reshape(idx.shape)

    @staticmethod
    def backward(ctx, g):
        return _PlaneScatter.apply(g, ctx.idx, ctx.shape, False), None


class _PlaneScatter(Primitive):
    """gx[n, c, idx[n, c, q]] (+)= g[n, c, q]: with ``assign`` the last write wins (unpooling);
    otherwise repeated indices accumulate (a weighted ``bincount``, vectorized)."""

    @staticmethod
    def forward(ctx, g, idx, shape, assign):
        ctx.idx = idx
        plane = math.prod(shape[2:])
        gi = _global_index(idx, plane)
        total = math.prod(shape)
        if assign:
            out = np.zeros(total, dtype=g.dtype)
            out[gi] = np.ascontiguousarray(g).ravel()
        else:
            out = np.bincount(gi, weights=np.ascontiguousarray(g).ravel(),
                              minlength=total).astype(g.dtype)
        return out.reshape(shape)

    @staticmethod
    def backward(ctx, gg):
        return _PlaneGather.apply(gg, ctx.idx), None, None, None


def _max_unpool(input, indices, nd, kernel_size, stride, padding, output_size):
    name = f"max_unpool{nd}d"
    k = _tuple(kernel_size, nd, "kernel_size")
    st = k if stride is None else _tuple(stride, nd, "stride")
    p = _tuple(padding, nd, "padding")
    x, unbatched = _batch(input, nd)
    idx, _ = _batch(indices, nd)
    default = tuple((i - 1) * s - 2 * pp + kk for i, s, pp, kk in zip(x.shape[2:], st, p, k))
    if output_size is None:
        size = default
    else:
        size = tuple(int(v) for v in output_size)
        if len(size) == nd + 2 or len(size) == nd + 1:
            size = size[-nd:]
        if len(size) != nd:
            raise ValueError(f"output_size should be a sequence containing {nd} or {nd + 2} "
                             f"elements, but it has a length of '{len(size)}'")
        for v, dv, s in zip(size, default, st):
            if not dv - s < v < dv + s:
                raise ValueError(f"invalid output_size \"{list(size)}\" (dim {nd} must be between "
                                 f"{[a - b for a, b in zip(default, st)]} and "
                                 f"{[a + b for a, b in zip(default, st)]})")
    if idx._data.dtype != np.int64:
        raise RuntimeError(f"{name}(): Expected indices to have dtype int64, but got "
                           f"{idx.dtype}")
    if tuple(idx.shape) != tuple(x.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                           f"({_shape_str(x.shape)}) but got indices tensor with shape: "
                           f"{_shape_str(idx.shape)}")
    plane = math.prod(size)
    bad = (idx._data < 0) | (idx._data >= plane)
    if bad.any():
        raise RuntimeError(f"Found an invalid max index: {int(idx._data[bad].ravel()[0])} "
                           f"(output volumes are of size {'x'.join(map(str, size))}")
    out = _PlaneScatter.apply(x, idx._data, tuple(x.shape[:2]) + size, True)
    # PyTorch keeps channels-last in 2-D only (its 3-D kernel returns contiguous)
    return _unbatch(_format_like(out, x) if nd == 2 else out, unbatched)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Place each value at its ``indices`` position in a zero (N, C, L_out) output."""
    return _max_unpool(input, indices, 1, kernel_size, stride, padding, output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Inverse of ``max_pool2d`` (with ``return_indices``): zeros except at the maxima."""
    return _max_unpool(input, indices, 2, kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool(input, indices, 3, kernel_size, stride, padding, output_size)


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


def _along(x, axis, m):
    """Apply matrix m (o, s) along ``axis`` of x: a matmul with the axis moved last."""
    from numtorch.ops.linalg import matmul

    nd = x.dim()
    if axis == nd - 1:
        return matmul(x, _wrap(np.ascontiguousarray(m.T)))
    xt = x.transpose(axis, nd - 1)
    return matmul(xt, _wrap(np.ascontiguousarray(m.T))).transpose(axis, nd - 1)


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
                y = _along(y, 2 + i, _avg_matrix(s, o, x._data.dtype))
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
    if return_indices:
        return _unbatch(y, unbatched), _unbatch(idx, unbatched)
    return _unbatch(y, unbatched)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max over ``output_size`` near-equal windows; ``return_indices`` gives flat indices."""
    return _adaptive_max(input, output_size, 1, return_indices)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max over near-equal windows of (N, C, H, W) or (C, H, W)."""
    return _adaptive_max(input, output_size, 2, return_indices)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=True):
    return _adaptive_max(input, output_size, 1, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    return _adaptive_max(input, output_size, 2, True)


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
        x = _along(x, 2 + i, _interp_matrix(s, o, kind, align_corners, sc)
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



# PyTorch's TypeError for Python numbers in the arguments it requires to be tensors
_scalars.check_tensor_args(globals())
