"""Shifted-GEMM convolution kernels: stride-1 convolutions over few channels without im2col.

The primitives of ``numtorch/ops/conv.py`` call these for the cases ``_use_shift`` accepts;
``docs/convolution.md`` explains the method, ``docs/performance.md`` what it measured.
Arrays here are channel-first columns: the padded planes of every image, (C, N*P), so that an
NCHW input is padded and an NCHW output written without transposing elements.
"""

import math

import numpy as np

# For a stride-1 convolution, the receptive fields need not be copied out at all: in the padded
# input viewed as columns (C, N*P) (P = padded positions per image), the input that kernel
# offset ``off`` reads for output column r is column r + shift(off), a fixed shift. So
#     y_full[:, r] = sum over offsets t of W_t @ X[:, r + shift_t]
# is k GEMMs with no im2col copy; y is y_full at the valid positions. The columns are taken in
# blocks of whole images (or of lines of one image) of a few thousand rows, so that each
# block's products are summed while they are still in cache, and only the block's valid rows
# are copied out: the sums then cost little next to the GEMMs, where summing k full-size
# products costs as much as the products themselves. Within a block the offsets along the
# kernel's last dim are stacked into the GEMMs' inner dim (``_shift_gemms``): 3 GEMMs with
# 3x the inner dim for a 3x3 kernel, and 2 sums instead of 8.
# The input gradient is the same sum over the gradient padded by the kernel's extent, with the
# kernel flipped (a "full" correlation); the weight gradient pairs the same padded gradient
# with the stacked, shifted input columns.
# Measured (forward + backward, one thread, batch 128): about 0.5x the im2col time for 16
# channels at 32x32 and 0.7x for 32 channels at 16x16 (a CIFAR ResNet's first two stages). The
# products also run at padding positions: on small maps (8x8 and less) that wasted work, and at
# 64 channels and more the thin GEMMs, make im2col faster, so only small kernels over few
# channels on maps of 16x16 or more take this path.
_SHIFT_MIN_CHANNELS = 5  # fewer (an image's 1 or 3) take conv.py's transposed im2col
_SHIFT_MAX_CHANNELS = 32  # up to this many input channels, stride-1 convolutions shift
_SHIFT_BLOCK = 1 << 20  # multiply-adds of one GEMM of a block (4096 columns at 16 -> 16 channels)


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


def _shifts(sp, g):
    """Row shift of each kernel offset in the (N*P, C) view of a padded (N, *Sp, C) buffer
    (offsets in the weight's order)."""
    row = _row_strides(sp)
    return [sum(j * d * r for j, d, r in zip(off, g.dilation, row)) for off in np.ndindex(*g.k)]


def _pad_rows(a, pad, tail):
    """(N, C, *S) -> zero-padded channels-last rows (N*P + tail, C) and the padded shape Sp;
    the ``tail`` zero rows let the last image's shifted reads stay inside the buffer. (The
    im2col path of ``conv.py`` pads this way.)"""
    n, c = a.shape[:2]
    sp = _padded_size(a.shape[2:], pad)
    rows = np.zeros((n * math.prod(sp) + tail, c), dtype=a.dtype)
    rows[:n * math.prod(sp)].reshape((n,) + sp + (c,))[(slice(None),) + _inner(a.shape[2:], pad)] \
        = np.moveaxis(a, 1, -1)
    return rows, sp


def _pad_cols(a, pad, tail):
    """(N, C, *S) -> zero-padded channel-first columns (C, N*P + tail) and the padded shape
    Sp: row c holds channel c of every padded image, one after the other (from an NCHW input
    a copy of whole image rows, no transposition); the ``tail`` zero columns let the last
    image's shifted reads stay inside the buffer."""
    n, c = a.shape[:2]
    sp = _padded_size(a.shape[2:], pad)
    p = n * math.prod(sp)
    cols = np.empty((c, p + tail), dtype=a.dtype)
    planes = cols[:, :p].reshape((c, n) + sp)  # (C, N, *Sp) view
    inner = (slice(None), slice(None)) + _inner(a.shape[2:], pad)
    if any(lo or hi for lo, hi in pad):
        planes.fill(0)
    cols[:, p:] = 0
    planes[inner] = np.moveaxis(a, 1, 0)  # (C, N, *S)
    return cols, sp


def _outer_shifts(sp, g):
    """Column shifts of the offsets of the kernel's dims but the last, in the padded layout
    ``sp`` (``[0]`` in 1-D): each is one product over the stacked buffer of ``_stack_block``."""
    row = _row_strides(sp)
    return [sum(j * d * r for j, d, r in zip(off, g.dilation, row))
            for off in np.ndindex(*g.k[:-1])]


def _stack_block(stack, src, r0, cols, reach, g):
    """Fill ``stack`` (k_last*C, >= cols + reach) with the columns r0 .. r0 + cols + reach of
    ``src`` (C, ...) shifted by each offset of the kernel's last dim, one above the other."""
    c = src.shape[0]
    for j in range(g.k[-1]):
        s0 = r0 + j * g.dilation[-1]
        stack[j * c:(j + 1) * c, :cols + reach] = src[:, s0:s0 + cols + reach]


def _shift_gemms(src, sp, w, g, out):
    """out[n, :, *o] = sum over kernel offsets t of w[:, :, t] @ src[:, col(n, o) + shift(t)],
    where col(n, o) is the column of position o of image n in the padded layout ``sp`` of
    ``src`` (columns (C, N*P + tail)) and ``w`` is (O, C, *k). ``out`` (N, O, *out), in any
    layout, is written whole, one block of images (or of one image's lines) at a time.

    The offsets along the kernel's last dim are stacked along the products' inner dim: a
    block's columns, shifted by each of those k_last offsets, are copied one above the other
    into a (k_last*C, columns + reach) buffer (``reach``: the largest shift of the other
    offsets), and each offset of the kernel's other dims is then one GEMM (O, k_last*C) @ a
    window of that buffer. For a 3x3 kernel that is 3 GEMMs and 2 sums per block where one
    GEMM per offset took 9 and 8: the sums cost as much as a copy of the block, and GEMMs with
    a 3x longer inner dim run faster. The block comes out channel-first and is copied to
    ``out`` without transposing elements when ``out`` is contiguous."""
    n, o, osp = out.shape[0], out.shape[1], out.shape[2:]
    c = src.shape[0]
    k_last = g.k[-1]
    outer = _outer_shifts(sp, g)
    reach = max(outer)
    # (O, C, *outer, k_last) -> (*outer, O, k_last, C): per outer offset an (O, k_last*C) matrix
    w_outer = np.moveaxis(np.moveaxis(w, 1, -1), 0, -3)
    w_outer = np.ascontiguousarray(w_outer).reshape(len(outer), o, k_last * c)
    p, line = math.prod(sp), math.prod(sp[1:])
    target = _block_rows(c, o)
    if p <= target:  # blocks of whole images
        per = max(1, round(target / p))
        blocks = [(i, min(i + per, n), None) for i in range(0, n, per)]
    else:  # blocks of lines (first spatial dim) within one image
        lines = max(1, target // line)
        blocks = [(i, i + 1, (h, min(h + lines, osp[0])))
                  for i in range(n) for h in range(0, osp[0], lines)]
    cols_max = max(p * (n1 - n0) if hs is None else line * (hs[1] - hs[0])
                   for n0, n1, hs in blocks)
    stack = np.empty((k_last * c, cols_max + reach), dtype=src.dtype)
    acc = np.empty(o * cols_max, dtype=out.dtype)
    tmp = np.empty(o * cols_max, dtype=out.dtype) if len(outer) > 1 else None
    inner = tuple(slice(0, d) for d in osp[1:])
    for n0, n1, hs in blocks:
        if hs is None:
            r0, r1 = n0 * p, n1 * p
        else:
            r0, r1 = n0 * p + hs[0] * line, n0 * p + hs[1] * line
        cols = r1 - r0
        _stack_block(stack, src, r0, cols, reach, g)
        a = acc[:o * cols].reshape(o, cols)
        for q, sh in enumerate(outer):
            if q == 0:
                np.matmul(w_outer[q], stack[:, sh:sh + cols], out=a)
            else:
                t_b = tmp[:o * cols].reshape(o, cols)
                np.matmul(w_outer[q], stack[:, sh:sh + cols], out=t_b)
                np.add(a, t_b, out=a)
        if hs is None:
            blk = a.reshape((o, n1 - n0) + sp)[(slice(None), slice(None), slice(0, osp[0]))
                                               + inner]  # (O, n, *out)
            out[n0:n1] = np.moveaxis(blk, 0, 1)
        else:
            blk = a.reshape((o, hs[1] - hs[0]) + sp[1:])[(slice(None), slice(None)) + inner]
            out[n0, :, hs[0]:hs[1]] = blk  # (O, lines, *out[1:])
    return out


def _block_rows(c, o):
    return max(64, _SHIFT_BLOCK // (c * o))


def _shift_forward(x, w, g, out):
    """y written into ``out`` (N, O, *out) (any layout), and the padded input columns kept for
    the weight gradient."""
    shifts = _shifts(_padded_size(x.shape[2:], g.pad), g)
    src, sp = _pad_cols(x, g.pad, max(shifts))
    return _shift_gemms(src, sp, w, g, out), (src, sp)


def _shift_grad_cols(gy, g):
    """gy padded by the kernel's extent less the convolution's padding: the source of the
    input gradient's "full" correlation, and (when that layout is the input's padded layout,
    as for 'same' padding) of the weight gradient."""
    pad = tuple((e - lo, e - hi) for (lo, hi), e in zip(g.pad, _extent(g)))
    return _pad_cols(gy, pad, max(_shifts(_padded_size(gy.shape[2:], pad), g)))


def _shift_input_grad(gy, w, g, out, gy_pad=None):
    """The input gradient written into ``out`` (N, C, *S) (any layout)."""
    src, sp = _shift_grad_cols(gy, g) if gy_pad is None else gy_pad
    # the "full" correlation's kernel: in and out channels swapped, every spatial dim reversed
    wf = w.swapaxes(0, 1)[(slice(None), slice(None)) + (slice(None, None, -1),) * (w.ndim - 2)]
    return _shift_gemms(src, sp, wf, g, out)


def _shift_weight_grad(xcols, gy, g, wshape, gy_pad=None):
    src, sp = xcols
    c, o = src.shape[0], wshape[0]
    shifts = _shifts(sp, g)
    n = gy.shape[0]
    m = n * math.prod(sp) - max(shifts)  # columns r whose reads r + shift stay in the images
    row = _row_strides(sp)
    if gy_pad is not None and gy_pad[1] == sp:
        # The gradient at output column r sits at column r + off of the padded gradient.
        g2, off = gy_pad[0], sum((e - lo) * r for (lo, _), e, r in
                                  zip(g.pad, _extent(g), row))
    else:  # gy at the output positions of the input's padded layout, zeros elsewhere
        g2 = _pad_cols(gy, tuple((0, s - d) for s, d in zip(sp, g.out)), 0)[0]
        off = 0
    # As in ``_shift_gemms``: a block's columns shifted by each offset of the kernel's last dim,
    # one above the other in a (k_last*C, columns + reach) buffer; each offset of the other
    # dims is one product (O, columns) @ (columns, k_last*C) with a window of it.
    k_last = g.k[-1]
    outer = _outer_shifts(sp, g)
    reach = max(outer)
    gw = np.zeros((len(outer), o, k_last * c), dtype=gy.dtype)  # (outer, O, k_last*C)
    tmp = np.empty((o, k_last * c), dtype=gy.dtype)
    b = _block_rows(c, o)
    stack = np.empty((k_last * c, min(b, m) + reach), dtype=src.dtype)
    for r0 in range(0, m, b):
        cols = min(r0 + b, m) - r0
        _stack_block(stack, src, r0, cols, reach, g)
        gb = g2[:, r0 + off:r0 + off + cols]  # (O, columns)
        for q, sh in enumerate(outer):
            np.matmul(gb, stack[:, sh:sh + cols].T, out=tmp)
            gw[q] += tmp
    nd = len(g.k)
    gw = gw.reshape(g.k[:-1] + (o, k_last, c))  # (*outer, O, k_last, C) -> (O, C, *k)
    return np.ascontiguousarray(gw.transpose((nd - 1, nd + 1, *range(nd - 1), nd)))
