"""Max pooling and unpooling: the running maximum over kernel offsets (``MaxPool``, the
2x2 / stride 2 fast path), the adjoint pair ``_MaxPoolScatter`` / ``_MaxPoolGather`` that
carries its gradients, and the pair ``_PlaneGather`` / ``_PlaneScatter`` (by flat index within
a channel plane) that max_unpool and adaptive max pooling use.
"""

import math

import numpy as np

from numtorch import _layout
from numtorch.autograd import grad_mode
from numtorch.autograd.function import Primitive
from numtorch.ops._pool_geometry import (
    _batch,
    _check_out,
    _pool_args,
    _PoolGeom,
    _shape_str,
    _unbatch,
    _zeros_like_layout,
)
from numtorch.ops.conv import _tuple
from numtorch.ops.shape import _format_like


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
