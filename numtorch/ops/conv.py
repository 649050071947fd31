"""Convolution primitives: convNd and conv_transposeNd via im2col views + one GEMM, unfold/fold.

How a convolution is computed (``docs/convolution.md`` tells it at length):

- forward: pad the input, take a strided *view* of every receptive field
  (``as_strided``: no copy), copy it once into a ``(N*L, C*k)`` matrix (``L`` output positions,
  ``k`` kernel elements) and multiply by the ``(C*k, O)`` weight matrix: one BLAS GEMM.
- grad input: one GEMM ``(N*L, O) @ (O, C*k)`` gives the gradient of every window element; a
  loop over the ``k`` kernel offsets adds each offset's slab into the padded input gradient with
  one strided, vectorized add (col2im). This is also conv_transpose's forward.
- grad weight: one GEMM ``(O, N*L) @ (N*L, C*k)`` on the same im2col matrix.

Stride-1 convolutions over 5 to 32 channels on maps of 16x16 and up skip im2col: their three
products are sums of shifted GEMMs over the padded input (``numtorch/ops/_conv_shift.py``).
Stride-1 3x3 convolutions run as Winograd F(2x2, 3x3) (``numtorch/ops/_winograd.py``) where a
cost model fitted to measured times says it is faster (``_algorithm``): 32 channels and more.

Three primitives close under differentiation, so double backward works (``create_graph``):
``Conv`` (x, w -> y), ``ConvInputGrad`` (gy, w -> gx, the adjoint in x, i.e. conv_transpose) and
``ConvWeightGrad`` (x, gy -> gw, the adjoint in w). Each one's backward is written with the
other two: all three are the same bilinear form <gy, conv(x, w)> read three ways.

Layout: inside, the kernels work channels-last (the im2col rows and the shifted GEMMs read
``(N, *S, C)`` buffers). What they return has PyTorch's layout: contiguous ``(N, O, *out)``,
or channels-last when the input or the weight is (``x.to(memory_format=torch.channels_last)``).
The contiguous output comes straight from the GEMM's order where that costs nothing (one
``W (O, K) @ cols_n^T (K, L)`` product per image, or the shifted GEMMs writing each block
transposed while it is in cache); elsewhere it is one transposing copy of the output.

The family's files: ``_conv_geometry.py`` (the window geometry, im2col / col2im, the grouped
GEMMs) -> ``fold.py`` (unfold / fold) -> this file. This file stays over 500 lines on purpose:
it holds the algorithm choice with the three kernels it steers (forward, input and weight
gradients) and the three primitives that are the same bilinear form read three ways, so the
choice, its module-level switches (``_FORCE_ALGORITHM``, ``_COL2IM_BLOCK``, which tests set)
and the code they govern read together.
"""

import math

import numpy as np

from numtorch import _layout
from numtorch.autograd import grad_mode
from numtorch.autograd.function import Primitive
from numtorch.ops import _scalars, _winograd
from numtorch.ops._conv_geometry import (  # noqa: F401
    _col2im,
    _gemm_forward,
    _gemm_input,
    _gemm_weight,
    _Geom,
    _im2col,
    _out_format,
    _pad_channels_last,
    _rows,
    _slab,
    _tuple,
    _unsqueeze0,
    _w_mat,
    _w_unmat,
)
from numtorch.ops._conv_shift import (
    _inner,
    _pad_cols,
    _padded_size,
    _shift_forward,
    _shift_grad_cols,
    _shift_input_grad,
    _shift_weight_grad,
    _use_shift,
)
from numtorch.ops.fold import (  # noqa: F401
    fold,
    unfold,
)

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d"]

FUNCTIONAL = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
              "conv_transpose3d", "unfold", "fold"]


# ====================================================================== kernels
_COL2IM_BLOCK = 1 << 17  # elements of the input gradient's padded block (512 KiB of float32)
_BATCHED_MIN_POSITIONS = 128  # output positions per image from which y_n = W @ cols_n^T is used


_FEW_CHANNELS = 4  # up to this many input channels, im2col is built transposed (see below)

# Tests set this to "im2col", "shift" or "winograd" to run every convolution the named path can
# compute through it, whatever the cost model below would choose.
_FORCE_ALGORITHM = None


def _algorithm(c, o, g):
    """The kernel for a convolution of ``c`` input and ``o`` output channels with geometry
    ``g``: "few" (transposed im2col, for an image's 1 to 4 channels), "winograd", "shift" or
    "im2col". The same choice serves the forward pass and both gradients (the input gradient
    asks with the forward's ``c`` and ``o``)."""
    forced = _FORCE_ALGORITHM
    if forced is not None:
        if forced == "few" and c <= _FEW_CHANNELS and g.groups == 1:
            return "few"
        if forced == "winograd" and _winograd.usable(g):
            return "winograd"
        if forced == "shift" and _use_shift((0, c), g):
            return "shift"
        return "im2col"
    if c <= _FEW_CHANNELS and g.groups == 1:
        return "few"
    other = "shift" if _use_shift((0, c), g) else "im2col"
    if _winograd.usable(g) and _winograd.cost(c, o, g) < _cost(other, c, o, g):
        return "winograd"
    return other


# The cost model: one image's forward pass in GEMM multiply-adds, plus the values each kernel
# moves outside its GEMMs weighted by what a value costs in multiply-adds (fitted to the
# forward + backward times of the benchmark layers, one thread; docs/performance.md has the
# table). im2col copies k*C values per output once; the shifted GEMMs add k products of O
# values per padded position, in cache. It decides Winograd against the other two only:
# between those, ``_use_shift``'s measured rule stands.
_IM2COL_COPY_COST = 11.5
_SHIFT_ADD_COST = 3.0


def _cost(algo, c, o, g):
    k = math.prod(g.k)
    if algo == "shift":
        positions = math.prod(_padded_size(g.size, g.pad))
        return k * positions * (c * o + _SHIFT_ADD_COST * o)
    return k * math.prod(g.out) * (c * o + _IM2COL_COPY_COST * c)



def _im2col_t(x, g):
    """(N, C, *S) -> the transposed im2col matrix (k*C, N*L), rows ordered (kernel offset,
    channel): one strided copy per kernel offset. For inputs with few channels (an image's 1
    or 3) this copies long contiguous rows, where the (N*L, k*C) layout would copy runs of C
    values."""
    n, c = x.shape[:2]
    xp = _pad_channels_last(x, g.pad)  # (N, *Sp, C)
    cols = np.empty(g.k + (c, n) + g.out, dtype=x.dtype)  # (*k, C, N, *out)
    for off in np.ndindex(*g.k):
        slab = xp[(slice(None),) + _slab(off, g)]  # (N, *out, C)
        cols[off] = np.moveaxis(slab, -1, 0)  # (C, N, *out)
    return cols.reshape(math.prod(g.k) * c, n * math.prod(g.out))  # (k*C, N*L)


def _conv_forward(x, w, g, bias=None, fmt=_layout.contiguous_format):
    """y = conv(x, w) (+ bias) in layout ``fmt``, and the im2col matrix used (kept for the
    weight gradient)."""
    n, o = x.shape[0], w.shape[0]
    nl = n * math.prod(g.out)
    contiguous = fmt is _layout.contiguous_format
    algo = _algorithm(x.shape[1], o, g)
    if algo == "few":
        cols = _im2col_t(x, g)  # (k*C, N*L)
        wm = _w_mat(w, 1)[0]  # (O, k*C)
        if contiguous:
            # One (O, k*C) @ (k*C, L) product per image gives (N, O, L): NCHW directly.
            y = np.matmul(wm, cols.reshape(-1, n, nl // n).transpose(1, 0, 2))  # (N, O, L)
            if bias is not None:
                y += bias[:, None]
            return y.reshape((n, o) + g.out), ("t", cols)  # (N, O, *out)
        y2 = cols.T @ wm.T  # (N*L, O): rows = output positions, channels-last
        if bias is not None:
            y2 += bias
        y = y2.reshape((n,) + g.out + (o,))  # (N, *out, O)
        return np.moveaxis(y, -1, 1), ("t", cols)  # (N, O, *out) view
    if algo == "winograd":
        # Under no_grad nothing will need V (16, N*T, C) for a weight gradient: not kept.
        y, v = _winograd.forward(x, w, g, _layout.empty((n, o) + g.out, x.dtype, fmt),
                                 keep=grad_mode.is_grad_enabled())
        if bias is not None:
            y += bias.reshape((o,) + (1,) * len(g.out))
        return y, ("winograd", v)  # (N, O, *out)
    if algo == "shift":
        y, xcols = _shift_forward(x, w, g, _layout.empty((n, o) + g.out, x.dtype, fmt))
        if bias is not None:
            y += bias.reshape((o,) + (1,) * len(g.out))
        return y, ("shift", xcols)  # (N, O, *out)
    cols = _im2col(x, g)  # (N*L, k*C)
    if contiguous and g.groups == 1 and nl // n >= _BATCHED_MIN_POSITIONS:
        # (O, k*C) @ (k*C, L) per image, reading cols transposed: (N, O, L), NCHW directly.
        y = np.matmul(_w_mat(w, 1)[0], cols.reshape(n, nl // n, -1).transpose(0, 2, 1))
        if bias is not None:
            y += bias[:, None]
        return y.reshape((n, o) + g.out), ("rows", cols)  # (N, O, *out)
    y2 = _gemm_forward(cols, w, g.groups)  # (N*L, O)
    if bias is not None:
        y2 += bias
    y = np.moveaxis(y2.reshape((n,) + g.out + (o,)), -1, 1)  # (N, O, *out) view
    return _layout.as_format(y, fmt), ("rows", cols)  # one transposing copy if contiguous


def _conv_input_grad(gy, w, g, c, gy_pad=None, fmt=_layout.contiguous_format, gy2=None):
    """gx = conv_transpose(gy, w), (N, C, *S) in layout ``fmt``; ``gy2``: ``_rows(gy)`` when
    the caller has it already."""
    n = gy.shape[0]
    algo = _algorithm(c, gy.shape[1], g)
    if algo == "winograd":
        out = _layout.empty((n, c) + tuple(g.size), gy.dtype, fmt)  # (N, C, *S)
        return _winograd.input_grad(gy, w, g, out)
    if algo == "shift":
        out = _layout.empty((n, c) + tuple(g.size), gy.dtype, fmt)  # (N, C, *S)
        return _shift_input_grad(gy, w, g, out, gy_pad)
    if gy2 is None:
        gy2 = _rows(gy)  # (N*L, O)
    if g.groups > 1 or all(k == 1 for k in g.k):
        dcols = _gemm_input(gy2, w, g.groups)  # (N*L, k*C)
        return _layout.as_format(_col2im(dcols, n, c, g, gy.dtype), fmt)
    # One (N*L, O) @ (O, C) GEMM per kernel offset, added straight into the padded gradient:
    # the same sums as GEMM-then-col2im without the (N*L, k*C) buffer, and measured faster.
    # The (N*L, C) product stays in cache for the add that follows; a wider product per row of
    # offsets, (N*L, O) @ (O, kw*C), ran the GEMMs faster but lost it all in the adds.
    # The images are taken in blocks whose padded channels-last gradient fits in cache: each
    # block is accumulated there (channels innermost, so every strided add runs over whole
    # window rows of C values) and copied out to ``fmt`` while still in cache, instead of
    # accumulating the whole batch in memory and transposing it in a second pass.
    w_off = np.ascontiguousarray(np.moveaxis(w, (0, 1), (-2, -1)))  # (*k, O, C)
    sp = _padded_size(g.size, g.pad)
    npos = math.prod(g.out)
    b = max(1, min(n, _COL2IM_BLOCK // max(1, c * math.prod(sp))))  # images per block
    out = _layout.empty((n, c) + tuple(g.size), gy.dtype, fmt)  # (N, C, *S)
    buf = np.empty((b,) + sp + (c,), dtype=gy.dtype)  # (b, *Sp, C)
    tmp = np.empty((b * npos, c), dtype=gy.dtype)  # (b*L, C)
    inner = (slice(None),) + _inner(g.size, g.pad)
    for n0 in range(0, n, b):
        n1 = min(n, n0 + b)
        gxp, t = buf[:n1 - n0], tmp[:(n1 - n0) * npos]
        t_nd = t.reshape((n1 - n0,) + g.out + (c,))  # (b, *out, C)
        gxp.fill(0)
        for off in np.ndindex(*g.k):
            np.matmul(gy2[n0 * npos:n1 * npos], w_off[off], out=t)
            dst = gxp[(slice(None),) + _slab(off, g)]  # (b, *out, C)
            np.add(dst, t_nd, out=dst)  # not ``gxp[...] +=``: that writes the slab back again
        out[n0:n1] = np.moveaxis(gxp[inner], -1, 1)  # (b, C, *S)
    return out


def _conv_weight_grad(x, gy, g, wshape, cols=None, gy_pad=None, gy2=None):
    if cols is None:
        algo = _algorithm(x.shape[1], wshape[0], g)
        if algo == "winograd":
            cols = ("winograd", _winograd.input_transform(x, g))  # (16, N*T, C)
        elif algo == "shift":
            cols = ("shift", _pad_cols(x, g.pad, 0))
        else:
            cols = ("rows", _im2col(x, g))  # (N*L, k*C)
    kind, mat = cols
    if kind == "winograd":
        return _winograd.weight_grad(mat, gy)
    if kind == "shift":
        return _shift_weight_grad(mat, gy, g, wshape, gy_pad)
    if kind == "t":  # (k*C, N*L)
        n, o = gy.shape[:2]
        if gy.flags.c_contiguous:
            # gy (N, O, L) @ cols_n^T (L, k*C) per image, summed: no transposing copy of gy
            # (k*C is at most 4 * 25 here, so the (N, O, k*C) products are small).
            cols_n = mat.reshape(mat.shape[0], n, -1).transpose(1, 2, 0)  # (N, L, k*C)
            return _w_unmat(np.matmul(gy.reshape(n, o, -1), cols_n).sum(0), wshape)
        return _w_unmat((mat @ _rows(gy)).T, wshape)  # (k*C, O) -> (O, C, *k)
    return _gemm_weight(_rows(gy) if gy2 is None else gy2, mat, wshape, g.groups)


# ====================================================================== primitives
class Conv(Primitive):
    """y = conv(x, w) + b.

    dL/dx = conv_transpose(gy, w) (``ConvInputGrad``), dL/dw = corr(x, gy) (``ConvWeightGrad``),
    dL/db = sum of gy over batch and space. The im2col matrix of ``x`` is kept from the forward
    pass for the weight gradient (memory for one GEMM less of copying)."""

    @staticmethod
    def forward(ctx, x, w, b, geom):
        fmt = _out_format(x, w)
        y, cols = _conv_forward(x, w, geom, b, fmt)
        ctx.save_for_backward(x, w)
        ctx.geom = geom
        ctx.cols = cols
        ctx.fmt = fmt
        return y

    @staticmethod
    def backward(ctx, grad_output):
        x, w = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        g = ctx.geom
        gx = gw = gb = None
        # The shifted-GEMM path pads the gradient once for both of its products; the im2col
        # path takes the gradient's rows (N*L, O) once for both.
        gy_pad = gy2 = None
        if need_x and need_w and ctx.cols[0] == "shift":
            gy_pad = _shift_grad_cols(grad_output._data, g)
        elif need_x and need_w and ctx.cols[0] == "rows":
            gy2 = _rows(grad_output._data)
        if need_x:
            gx = ConvInputGrad.apply(grad_output, w, g, x.shape[1], gy_pad=gy_pad,
                                     fmt=ctx.fmt, gy2=gy2)
        if need_w:
            gw = ConvWeightGrad.apply(x, grad_output, g, tuple(w.shape), cols=ctx.cols,
                                      gy_pad=gy_pad, gy2=gy2)
        ctx.cols = None
        if need_b:
            gb = grad_output.sum((0,) + tuple(range(2, grad_output.ndim)))
        return gx, gw, gb, None


class ConvInputGrad(Primitive):
    """gx = conv_transpose(gy, w): the adjoint of conv in x (col2im of gy @ w).

    Linear in each argument: d gy = conv(ggx, w), d w = ConvWeightGrad(ggx, gy)."""

    @staticmethod
    def forward(ctx, gy, w, geom, c, gy_pad=None, fmt=None, gy2=None):
        ctx.save_for_backward(gy, w)
        ctx.geom = geom
        if fmt is None:  # conv_transpose: the layout its input and weight suggest
            fmt = _out_format(gy, w)
        return _conv_input_grad(gy, w, geom, c, gy_pad, fmt, gy2)

    @staticmethod
    def backward(ctx, ggx):
        gy, w = ctx.saved_tensors
        need_gy, need_w = ctx.needs_input_grad[:2]
        d_gy = Conv.apply(ggx, w, None, ctx.geom) if need_gy else None
        d_w = ConvWeightGrad.apply(ggx, gy, ctx.geom, tuple(w.shape)) if need_w else None
        return d_gy, d_w, None, None


class ConvWeightGrad(Primitive):
    """gw = sum over batch and positions of gy x im2col(x): the adjoint of conv in w.

    Linear in each argument: d x = ConvInputGrad(gy, ggw), d gy = conv(x, ggw)."""

    @staticmethod
    def forward(ctx, x, gy, geom, wshape, cols=None, gy_pad=None, gy2=None):
        ctx.save_for_backward(x, gy)
        ctx.geom = geom
        return _conv_weight_grad(x, gy, geom, wshape, cols, gy_pad, gy2)

    @staticmethod
    def backward(ctx, ggw):
        x, gy = ctx.saved_tensors
        need_x, need_gy = ctx.needs_input_grad[:2]
        d_x = ConvInputGrad.apply(gy, ggw, ctx.geom, x.shape[1]) if need_x else None
        d_gy = Conv.apply(x, ggw, None, ctx.geom) if need_gy else None
        return d_x, d_gy, None, None


# ====================================================================== argument checking
def _shape_str(shape):
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _batchify(input, nd, name):
    """Accept (C, *S) unbatched inputs as PyTorch does; return (x, was_unbatched)."""
    if input.dim() == nd + 1:
        return _unsqueeze0(input), True
    if input.dim() != nd + 2:
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                           f"{name}, but got input of size: {_shape_str(input.shape)}")
    return input, False


def _check_dtypes(input, weight, bias):
    if input._data.dtype != weight._data.dtype:
        raise RuntimeError(f"Input type ({_tname(input)}) and weight type ({_tname(weight)}) "
                           "should be the same")
    if bias is not None and bias._data.dtype != weight._data.dtype:
        raise RuntimeError(f"Input type ({_tname(input)}) and bias type ({_tname(bias)}) "
                           "should be the same")


def _tname(t):
    from numtorch.autograd.function import type_name

    return type_name(t._data.dtype)


def _conv_padding(padding, nd, k, dilation, stride):
    """int / tuple / 'same' / 'valid' -> ((lo, hi), ...)."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * nd
        if padding == "same":
            if any(s != 1 for s in stride):
                # the functional form raises RuntimeError (nn.Conv*d's constructor ValueError)
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            pads = []
            for kk, d in zip(k, dilation):
                total = d * (kk - 1)
                pads.append((total // 2, total - total // 2))
            return tuple(pads)
        raise RuntimeError(f"Invalid padding string: '{padding}'")
    p = _tuple(padding, nd, "padding")
    if any(v < 0 for v in p):
        raise RuntimeError("negative padding is not supported")
    return tuple((v, v) for v in p)


def _convnd(input, weight, bias, stride, padding, dilation, groups, nd):
    name = f"conv{nd}d"
    x, unbatched = _batchify(input, nd, name)
    if weight.dim() != nd + 2:
        raise RuntimeError("weight should have at least three dimensions" if nd == 1 else
                           f"Expected {nd + 2}-dimensional weight for {nd + 2}-dimensional "
                           f"input {_shape_str(x.shape)}, but got {weight.dim()}-dimensional "
                           f"weight of size {_shape_str(weight.shape)} instead")
    _check_dtypes(x, weight, bias)
    k = tuple(weight.shape[2:])
    stride = _tuple(stride, nd, "stride")
    dilation = _tuple(dilation, nd, "dilation")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    o, cg = weight.shape[0], weight.shape[1]
    c = x.shape[1]
    if c != cg * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {_shape_str(weight.shape)}, "
                           f"expected input{_shape_str(x.shape)} to have {cg * groups} "
                           f"channels, but got {c} channels instead")
    if o % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size "
                           f"{_shape_str(weight.shape)} instead")
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != o):
        raise RuntimeError(f"Given weight of size {_shape_str(weight.shape)}, expected bias to "
                           f"be 1-dimensional with {o} elements, but got bias of size "
                           f"{_shape_str(bias.shape)} instead")
    pad = _conv_padding(padding, nd, k, dilation, stride)
    padded = _padded_size(x.shape[2:], pad)
    eff = tuple(d * (kk - 1) + 1 for d, kk in zip(dilation, k))
    if any(p < e for p, e in zip(padded, eff)):
        raise RuntimeError(f"Calculated padded input size per channel: "
                           f"({' x '.join(map(str, padded))}). Kernel size: "
                           f"({' x '.join(map(str, eff))}). Kernel size can't be greater than "
                           "actual input size")
    geom = _Geom(k, stride, pad, dilation, groups, x.shape[2:])
    y = Conv.apply(x, weight, bias, geom)
    return y.reshape(tuple(y.shape[1:])) if unbatched else y


# ====================================================================== public functions
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution (cross-correlation) over (N, C, L) or unbatched (C, L) inputs;
    ``padding`` is an int, a tuple, 'valid' or 'same'."""
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 1)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution over (N, C, H, W) or (C, H, W); weight (O, C/groups, kh, kw)."""
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 2)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution over (N, C, D, H, W) or (C, D, H, W)."""
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 3)


def _conv_transposend(input, weight, bias, stride, padding, output_padding, groups, dilation,
                      nd):
    name = f"conv_transpose{nd}d"
    x, unbatched = _batchify(input, nd, name)
    _check_dtypes(x, weight, bias)
    if weight.dim() != nd + 2:
        raise RuntimeError(f"Expected {nd + 2}-dimensional weight for {name}, but got weight of "
                           f"size {_shape_str(weight.shape)}")
    k = tuple(weight.shape[2:])
    stride = _tuple(stride, nd, "stride")
    dilation = _tuple(dilation, nd, "dilation")
    padding = _tuple(padding, nd, "padding")
    output_padding = _tuple(output_padding, nd, "output_padding")
    c_in, og = weight.shape[0], weight.shape[1]
    if x.shape[1] != c_in:
        raise RuntimeError(f"Given transposed=1, weight of size {_shape_str(weight.shape)}, "
                           f"expected input{_shape_str(x.shape)} to have {c_in} channels, but "
                           f"got {x.shape[1]} channels instead")
    if c_in % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size "
                           f"{_shape_str(weight.shape)} instead")
    for op, s, d in zip(output_padding, stride, dilation):
        if op >= s and op >= d:
            raise RuntimeError(f"output padding must be smaller than either stride or dilation, "
                               f"but got output_padding={op}, stride={s}, dilation={d}")
    size = tuple((i - 1) * s - 2 * p + d * (kk - 1) + op + 1 for i, s, p, d, kk, op
                 in zip(x.shape[2:], stride, padding, dilation, k, output_padding))
    if any(s <= 0 for s in size):
        raise RuntimeError(f"Given input size per channel: ({' x '.join(map(str, x.shape[2:]))})."
                           f" Calculated output size per channel: "
                           f"({' x '.join(map(str, size))}). Output size is too small")
    geom = _Geom(k, stride, tuple((p, p) for p in padding), dilation, groups, size)
    y = ConvInputGrad.apply(x, weight, geom, og * groups)
    if bias is not None:
        y = y + bias.reshape((1, -1) + (1,) * nd)
    return y.reshape(tuple(y.shape[1:])) if unbatched else y


def _output_padding(input, output_size, stride, padding, kernel_size, dilation, nd):
    """The ``output_padding`` that makes a transposed convolution produce ``output_size`` (the
    ``output_size`` argument of ``ConvTranspose*.forward``)."""
    if output_size is None:
        return None
    has_batch = input.dim() == nd + 2
    size = [int(v) for v in output_size]
    if len(size) == nd + 1 + int(has_batch):
        size = size[-nd:]
    if len(size) != nd:
        raise ValueError(f"ConvTranspose{nd}D: for {input.dim()}D input, output_size must have "
                         f"{nd} or {nd + 1 + int(has_batch)} elements (got {len(size)})")
    spatial = tuple(input.shape[-nd:])
    lo = [(i - 1) * s - 2 * p + d * (k - 1) + 1 for i, s, p, d, k
          in zip(spatial, stride, padding, dilation, kernel_size)]
    hi = [m + s - 1 for m, s in zip(lo, stride)]
    for want, a, b in zip(size, lo, hi):
        if not a <= want <= b:
            raise ValueError(f"requested an output size of {size}, but valid sizes range from "
                             f"{lo} to {hi} (for an input of {list(spatial)})")
    return tuple(want - a for want, a in zip(size, lo))


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """1-D transposed convolution (the gradient of conv1d w.r.t. its input);
    weight (C_in, C_out/groups, k)."""
    return _conv_transposend(input, weight, bias, stride, padding, output_padding, groups,
                             dilation, 1)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """2-D transposed convolution; output size (H-1)*stride - 2*padding +
    dilation*(k-1) + output_padding + 1."""
    return _conv_transposend(input, weight, bias, stride, padding, output_padding, groups,
                             dilation, 2)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """3-D transposed convolution."""
    return _conv_transposend(input, weight, bias, stride, padding, output_padding, groups,
                             dilation, 3)


# PyTorch's TypeError for Python numbers in the arguments it requires to be tensors
_scalars.check_tensor_args(globals())
