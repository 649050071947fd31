"""The pieces of a convolution below the algorithm choice: the window geometry (``_Geom``:
kernel, stride, padding, dilation, groups, output size), the strided views of every receptive
field and im2col / col2im on them, channels-last padding, the output layout, and the grouped
GEMMs on the weight matrix. ``ops/conv.py`` (the kernels and primitives) and ``ops/fold.py``
are built on them.
"""

import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from numtorch import _layout
from numtorch.ops._conv_shift import (
    _inner,
    _pad_rows,
    _padded_size,
)


# ====================================================================== geometry helpers
def _tuple(v, n, name="value"):
    """An int or a length-n sequence -> a tuple of n ints (PyTorch's ``_ntuple``)."""
    if isinstance(v, (tuple, list)):
        if len(v) == 1 and n > 1:
            return tuple(int(v[0]) for _ in range(n))
        if len(v) != n:
            raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} "
                               f"values to match the convolution dimensions, but got "
                               f"{name}={list(v)}")
        return tuple(int(a) for a in v)
    return (int(v),) * n


class _Geom:
    """Everything about a convolution but its data: kernel ``k``, ``stride``, per-dim padding
    ``(lo, hi)``, ``dilation``, ``groups``, and the (unpadded) input spatial shape ``size``."""

    __slots__ = ("k", "stride", "pad", "dilation", "groups", "size", "out")

    def __init__(self, k, stride, pad, dilation, groups, size):
        self.k, self.stride, self.pad = tuple(k), tuple(stride), tuple(pad)
        self.dilation, self.groups, self.size = tuple(dilation), groups, tuple(size)
        self.out = tuple((s + lo + hi - d * (kk - 1) - 1) // st + 1 for s, (lo, hi), d, kk, st
                         in zip(size, pad, dilation, k, stride))

    def with_size(self, size):
        return _Geom(self.k, self.stride, self.pad, self.dilation, self.groups, size)


def _slab(off, g):
    """The strided slice of the padded spatial dims that kernel offset ``off`` reads: rows
    ``j*dilation + o*stride`` for every output position ``o``."""
    return tuple(slice(j * d, j * d + st * (o - 1) + 1, st)
                 for j, d, st, o in zip(off, g.dilation, g.stride, g.out))


def _pad_channels_last(x, pad):
    """(N, C, *S) -> zero-padded (N, *Sp, C) array (channels innermost, so every window row
    copied by im2col is one contiguous run of C values). No copy when there is no padding and
    ``x`` already is a channels-last view."""
    xl = np.moveaxis(x, 1, -1)  # (N, *S, C)
    if all(lo == 0 and hi == 0 for lo, hi in pad) and xl.flags.c_contiguous:
        return xl
    rows, sp = _pad_rows(x, pad, 0)  # (N*P, C)
    return rows.reshape(x.shape[:1] + sp + x.shape[1:2])  # (N, *Sp, C)


def _windows(xp, g):
    """Strided view (N, *out, *k, C) of every receptive field of the padded channels-last
    ``xp`` (N, *Sp, C): element [n, *o, *j, c] is xp[n, *(o*stride + j*dilation), c]. No copy."""
    st = xp.strides
    sp = st[1:-1]
    shape = (xp.shape[0],) + g.out + g.k + (xp.shape[-1],)
    strides = ((st[0],) + tuple(s * t for s, t in zip(sp, g.stride))
               + tuple(s * d for s, d in zip(sp, g.dilation)) + (st[-1],))
    return as_strided(xp, shape, strides, writeable=False)


def _im2col(x, g):
    """(N, C, *S) -> the im2col matrix (N*L, k*C), columns ordered (kernel offset, channel):
    one copy of the window view."""
    win = _windows(_pad_channels_last(x, g.pad), g)  # (N, *out, *k, C)
    n, c = x.shape[0], x.shape[1]
    return np.ascontiguousarray(win).reshape(n * math.prod(g.out), math.prod(g.k) * c)


def _col2im(cols, n, c, g, dtype):
    """Adjoint of ``_im2col``: (N*L, k*C) -> (N, C, *S), summing overlapping windows by one
    strided add per kernel offset."""
    nd = len(g.k)
    cols = cols.reshape((n,) + g.out + g.k + (c,))  # (N, *out, *k, C)
    sp = _padded_size(g.size, g.pad)
    if all(k == 1 for k in g.k) and all(s == 1 for s in g.stride) and sp == g.out:
        gxp = cols.reshape((n,) + g.out + (c,))  # (N, *S, C)
    else:
        gxp = np.zeros((n,) + sp + (c,), dtype=dtype)  # (N, *Sp, C)
        lead = (slice(None),) * (1 + nd)
        for off in np.ndindex(*g.k):
            gxp[(slice(None),) + _slab(off, g)] += cols[lead + off]  # (N, *out, C)
    inner = _inner(g.size, g.pad)
    gx = gxp[(slice(None),) + inner]  # (N, *S, C)
    return np.moveaxis(gx, -1, 1)  # (N, C, *S) view


def _rows(y):
    """(N, O, *out) -> (N*L, O); free when ``y`` is a channels-last view, else one copy."""
    return np.moveaxis(y, 1, -1).reshape(-1, y.shape[1])


def _out_format(x, w):
    """PyTorch's convolution output layout: channels-last when the input or the weight
    looks channels-last (``suggest_memory_format``), else contiguous."""
    if x.ndim in (4, 5) and (_layout.is_channels_last(x) or _layout.is_channels_last(w)):
        return _layout.suggest_memory_format(x if _layout.is_channels_last(x) else w)
    return _layout.contiguous_format


# ---------------------------------------------------------------------- the three GEMMs
# The weight (O, C/G, *k) is used as a (G, O/G, k*C/G) matrix whose columns follow the im2col
# order (kernel offset, channel); with groups the im2col columns are regrouped the same way.
def _w_mat(w, groups):
    o, cg = w.shape[:2]
    wk = np.moveaxis(w, 1, -1)  # (O, *k, Cg)
    return wk.reshape(groups, o // groups, -1)  # (G, Og, k*Cg)


def _w_unmat(wm, wshape):
    o, cg = wshape[:2]
    wk = wm.reshape((o,) + tuple(wshape[2:]) + (cg,))  # (O, *k, Cg)
    return np.ascontiguousarray(np.moveaxis(wk, -1, 1))  # (O, Cg, *k)


def _cols_groups(cols, groups, kk):
    """(N*L, k*C) -> (G, N*L, k*Cg)."""
    nl = cols.shape[0]
    c4 = cols.reshape(nl, kk, groups, -1)  # (N*L, k, G, Cg)
    return c4.transpose(2, 0, 1, 3).reshape(groups, nl, -1)  # (G, N*L, k*Cg)


def _gemm_forward(cols, w, groups):
    """cols (N*L, k*C) x w (O, C/G, *k) -> (N*L, O)."""
    wm = _w_mat(w, groups)  # (G, Og, k*Cg)
    if groups == 1:
        return cols @ wm[0].T
    c3 = _cols_groups(cols, groups, math.prod(w.shape[2:]))  # (G, N*L, k*Cg)
    y = np.matmul(c3, wm.transpose(0, 2, 1))  # (G, N*L, Og)
    return y.transpose(1, 0, 2).reshape(cols.shape[0], -1)  # (N*L, O)


def _gemm_input(gy2, w, groups):
    """gy2 (N*L, O) x w (O, C/G, *k) -> dcols (N*L, k*C)."""
    wm = _w_mat(w, groups)  # (G, Og, k*Cg)
    if groups == 1:
        return gy2 @ wm[0]
    nl = gy2.shape[0]
    g3 = gy2.reshape(nl, groups, -1).transpose(1, 0, 2)  # (G, N*L, Og)
    d = np.matmul(g3, wm)  # (G, N*L, k*Cg)
    kk = math.prod(w.shape[2:])
    d4 = d.reshape(groups, nl, kk, -1)  # (G, N*L, k, Cg)
    return d4.transpose(1, 2, 0, 3).reshape(nl, -1)  # (N*L, k*C)


def _gemm_weight(gy2, cols, wshape, groups):
    """gy2 (N*L, O) and cols (N*L, k*C) -> gw (O, C/G, *k)."""
    if groups == 1:
        return _w_unmat(gy2.T @ cols, wshape)  # (O, k*C)
    nl = gy2.shape[0]
    g3 = gy2.reshape(nl, groups, -1).transpose(1, 2, 0)  # (G, Og, N*L)
    kk = math.prod(wshape[2:])
    return _w_unmat(np.matmul(g3, _cols_groups(cols, groups, kk)), wshape)  # (G, Og, k*Cg)


def _unsqueeze0(t):
    return t.reshape((1,) + tuple(t.shape))  # (1, C, *S)
