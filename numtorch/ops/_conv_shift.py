"""Shifted-GEMM convolution kernels: stride-1 convolutions over few channels without im2col.

The primitives of ``numtorch/ops/conv.py`` call these for the cases ``_use_shift`` accepts;
``docs/convolution.md`` explains the method, ``docs/performance.md`` what it measured.
Arrays here are channels-last rows: a padded (N, *Sp, C) buffer viewed as (N*P, C).
"""

import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

# For a stride-1 convolution, the receptive fields need not be copied out at all: in the padded
# channels-last buffer viewed as rows (N*P, C) (P = padded positions per image), the input that
# kernel offset ``off`` reads for output row r is row r + shift(off), a fixed shift. So
#     y_full[r] = sum over offsets t of X[r + shift_t] @ W_t
# is k GEMMs with no im2col copy; y is y_full at the valid positions. The rows are taken in
# blocks of whole images (or of lines of one image) of a few thousand rows, so that each
# block's k products are summed while they are still in cache, and only the block's valid rows
# are copied out: the sums then cost little next to the GEMMs, where summing k full-size
# products costs as much as the products themselves.
# The input gradient is the same sum over the gradient padded by the kernel's extent, with the
# kernel flipped (a "full" correlation); the weight gradient pairs the same padded gradient
# with the padded input, offset by offset.
# Measured (forward + backward, one thread, batch 128): about 0.5x the im2col time for 16
# channels at 32x32 and 0.7x for 32 channels at 16x16 (a CIFAR ResNet's first two stages). The
# products also run at padding positions: on small maps (8x8 and less) that wasted work, and at
# 64 channels and more the thin GEMMs, make im2col faster, so only small kernels over few
# channels on maps of 16x16 or more take this path.
_SHIFT_MIN_CHANNELS = 5  # fewer (an image's 1 or 3) take conv.py's transposed im2col
_SHIFT_MAX_CHANNELS = 32  # up to this many input channels, stride-1 convolutions shift
_SHIFT_BLOCK = 1 << 19  # multiply-adds of one GEMM of a block (2048 rows at 16 -> 16 channels)


def _extent(g):
    """d * (k - 1) per spatial dim: how far a kernel reaches."""
    return tuple(d * (k - 1) for d, k in zip(g.dilation, g.k))


_SHIFT_MAX_WASTE = 1.35  # padded positions per output position (1.27 at 16x16, 1.56 at 8x8)


def _padded_size(size, pad):
    """Spatial size after padding each dim by ``(lo, hi)``."""
    return tuple(s + lo + hi for s, (lo, hi) in zip(size, pad))


def _inner(size, pad):
    """The slices of a padded buffer's spatial dims that hold the unpadded ``size``."""
    return tuple(slice(lo, lo + s) for s, (lo, _) in zip(size, pad))


def _use_shift(x_shape, g):
    padded = math.prod(_padded_size(g.size, g.pad))
    return (g.groups == 1 and all(s == 1 for s in g.stride)
            and _SHIFT_MIN_CHANNELS <= x_shape[1] <= _SHIFT_MAX_CHANNELS
            and 1 < math.prod(g.k) <= 9
            and all(lo <= e and hi <= e for (lo, hi), e in zip(g.pad, _extent(g)))
            and padded <= _SHIFT_MAX_WASTE * math.prod(g.out))


def _row_strides(sp):
    """Rows between neighbours along each spatial dim of the (N*P, C) rows of (N, *Sp, C)."""
    return [math.prod(sp[i + 1:]) for i in range(len(sp))]


def _shifts(sp, g, flip=False):
    """Row shift of each kernel offset in the (N*P, C) view of a padded (N, *Sp, C) buffer
    (offsets in the weight's order; ``flip``: for the kernel turned around)."""
    row = _row_strides(sp)
    offs = np.ndindex(*g.k)
    if flip:
        offs = (tuple(k - 1 - j for j, k in zip(off, g.k)) for off in offs)
    return [sum(j * d * r for j, d, r in zip(off, g.dilation, row)) for off in offs]


def _pad_rows(a, pad, tail):
    """(N, C, *S) -> zero-padded channels-last rows (N*P + tail, C) and the padded shape Sp;
    the ``tail`` zero rows let the last image's shifted reads stay inside the buffer."""
    n, c = a.shape[:2]
    sp = _padded_size(a.shape[2:], pad)
    rows = np.zeros((n * math.prod(sp) + tail, c), dtype=a.dtype)
    rows[:n * math.prod(sp)].reshape((n,) + sp + (c,))[(slice(None),) + _inner(a.shape[2:], pad)] \
        = np.moveaxis(a, 1, -1)
    return rows, sp


def _shift_gemms(src, sp, w_off, shifts, out):
    """out[n, *o] = sum over t of src[row(n, o) + shifts[t]] @ w_off[t], where row(n, o) is the
    row of position o of image n in the padded layout ``sp`` of ``src`` (rows (N*P + tail, C)).
    ``out`` (N, *out, O) is written whole, one block of images (or of one image's lines) at a
    time."""
    n, osp, o = out.shape[0], out.shape[1:-1], out.shape[-1]
    p, line = math.prod(sp), math.prod(sp[1:])
    target = _block_rows(src.shape[1], o)
    if p <= target:  # blocks of whole images
        g = max(1, round(target / p))
        blocks = [(i, min(i + g, n), None) for i in range(0, n, g)]
    else:  # blocks of lines (first spatial dim) within one image
        lines = max(1, target // line)
        blocks = [(i, i + 1, (h, min(h + lines, osp[0])))
                  for i in range(n) for h in range(0, osp[0], lines)]
    rows_max = max(p * (n1 - n0) if hs is None else line * (hs[1] - hs[0])
                   for n0, n1, hs in blocks)
    acc = np.empty((rows_max, o), dtype=out.dtype)
    tmp = np.empty((rows_max, o), dtype=out.dtype)
    inner = tuple(slice(0, d) for d in osp[1:])
    for n0, n1, hs in blocks:
        if hs is None:
            r0, r1 = n0 * p, n1 * p
        else:
            r0, r1 = n0 * p + hs[0] * line, n0 * p + hs[1] * line
        a, t_b = acc[:r1 - r0], tmp[:r1 - r0]
        for t, sh in enumerate(shifts):
            if t == 0:
                np.matmul(src[r0 + sh:r1 + sh], w_off[t], out=a)
            else:
                np.matmul(src[r0 + sh:r1 + sh], w_off[t], out=t_b)
                np.add(a, t_b, out=a)
        if hs is None:
            out[n0:n1] = a.reshape((n1 - n0,) + sp + (o,))[(slice(None), slice(0, osp[0]))
                                                            + inner]
        else:
            out[n0, hs[0]:hs[1]] = a.reshape((hs[1] - hs[0],) + sp[1:] + (o,))[
                (slice(None),) + inner]
    return out


def _block_rows(c, o):
    return max(64, _SHIFT_BLOCK // (c * o))


def _shift_forward(x, w, g, out):
    """y written into ``out`` (N, *out, O) (any layout: a view of an (N, O, *out) buffer takes
    each block transposed while it is in cache), and the padded input rows kept for the weight
    gradient."""
    o = w.shape[0]
    shifts = _shifts(_padded_size(x.shape[2:], g.pad), g)
    src, sp = _pad_rows(x, g.pad, max(shifts))
    w_off = np.moveaxis(w.reshape(o, x.shape[1], -1), -1, 0).transpose(0, 2, 1)  # (k, C, O)
    return _shift_gemms(src, sp, np.ascontiguousarray(w_off), shifts, out), (src, sp)


def _shift_grad_rows(gy, g):
    """gy padded by the kernel's extent less the convolution's padding: the source of the
    input gradient's "full" correlation, and (when that layout is the input's padded layout,
    as for 'same' padding) of the weight gradient."""
    pad = tuple((e - lo, e - hi) for (lo, hi), e in zip(g.pad, _extent(g)))
    return _pad_rows(gy, pad, max(_shifts(_padded_size(gy.shape[2:], pad), g)))


def _shift_input_grad(gy, w, g, c, out, gy_rows=None):
    """The input gradient written into ``out`` (N, *S, C) (any layout); returns (N, C, *S)."""
    o = gy.shape[1]
    src, sp = _shift_grad_rows(gy, g) if gy_rows is None else gy_rows
    w_off = np.ascontiguousarray(np.moveaxis(w.reshape(o, c, -1), -1, 0))  # (k, O, C)
    _shift_gemms(src, sp, w_off, _shifts(sp, g, flip=True), out)
    return np.moveaxis(out, -1, 1)  # (N, C, *S) view


def _shift_weight_grad(xrows, gy, g, wshape, gy_rows=None):
    src, sp = xrows
    c, o = src.shape[1], wshape[0]
    shifts = _shifts(sp, g)
    n = gy.shape[0]
    m = n * math.prod(sp) - max(shifts)  # rows r whose reads r + shift stay in the images
    row = _row_strides(sp)
    if gy_rows is not None and gy_rows[1] == sp:
        # The gradient at output row r sits at row r + off of the padded gradient.
        g2, off = gy_rows[0], sum((e - lo) * r for (lo, _), e, r in
                                  zip(g.pad, _extent(g), row))
    else:  # gy at the output positions of the input's padded layout, zeros elsewhere
        g2 = _pad_rows(gy, tuple((0, s - d) for s, d in zip(sp, g.out)), 0)[0]
        off = 0
    # The k shifted (rows, C) slabs of a block as one strided (*k, rows, C) view: one stacked
    # matmul per block computes all k products.
    grid = tuple(d * r * src.strides[0] for d, r in zip(g.dilation, row)) + src.strides
    gw = np.zeros(g.k + (o, c), dtype=gy.dtype)  # (*k, O, C)
    tmp = np.empty_like(gw)
    b = _block_rows(c, o)
    for r0 in range(0, m, b):
        r1 = min(r0 + b, m)
        slabs = as_strided(src[r0:], g.k + (r1 - r0, c), grid, writeable=False)
        np.matmul(g2[r0 + off:r1 + off].T, slabs, out=tmp)  # (O, rows) @ (*k, rows, C)
        gw += tmp
    return np.ascontiguousarray(np.moveaxis(gw.reshape((-1, o, c)), 0, -1)).reshape(wshape)
