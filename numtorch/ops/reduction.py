"""Reduction primitives and the composites built on them.

Sums (sum, mean, prod, cumsum, cumprod), selections (max/min with or without ``dim``,
amax/amin, median, mode, cummax/cummin), statistics (var, std), log-sum-exp and softmax, norms,
and the non-differentiable ones (argmax, all/any, count_nonzero).

``dim`` is an int or, where PyTorch accepts one, a tuple of ints; ``dim=None`` reduces over every
dimension. Integer and bool inputs sum to int64 as in PyTorch; ``mean``, ``var`` and ``norm``
accept floating tensors only. Every backward rule is written with numtorch ops, so gradients can
be differentiated again. A selection with ``dim`` sends the gradient to the index it chose; a
full ``max()``/``min()``/``median()``/``amax``/``amin`` splits it evenly among tied elements, as
PyTorch does.
"""

import builtins
import math
import warnings

import numpy as np

from numtorch import _dtype, return_types
from numtorch._tensor import Tensor, _wrap
from numtorch.autograd.function import Primitive, _grad_state
from numtorch.ops import _scalars
from numtorch.ops import elementwise as ew

__all__ = [
    "sum", "nansum", "mean", "nanmean", "prod", "cumsum", "cumprod", "max", "min", "amax",
    "amin", "aminmax", "argmax", "argmin", "median", "mode", "cummax", "cummin", "var", "std",
    "var_mean", "std_mean", "logsumexp", "softmax", "log_softmax", "norm", "all", "any",
    "count_nonzero",
]

_SCALAR_NAMES = {
    "float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
    "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
}


def _scalar_name(arr):
    """PyTorch's name of an array's dtype in messages: 'Long', 'Float'…"""
    return _SCALAR_NAMES[arr.dtype.name]


# ====================================================================== dims
def _wrap_dim(ndim, d):
    """One dim as a non-negative axis, with PyTorch's IndexError when out of range."""
    lo, hi = (-1, 0) if ndim == 0 else (-ndim, ndim - 1)
    if not lo <= d <= hi:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {d})")
    return d % ndim if ndim else 0


def _dims(ndim, dim, empty_all=True):
    """Normalize ``dim`` (None, int, or a tuple/list) to a sorted tuple of non-negative axes.

    ``None`` means every axis; an empty tuple means every axis too when ``empty_all`` (sum,
    mean, amax…) and no axis otherwise (all/any). A 0-d tensor accepts dim 0 or -1 and has no
    axis to reduce."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (int, np.integer)):
        dims = (int(dim),)
    else:
        dims = tuple(dim)
        if not dims:
            return tuple(range(ndim)) if empty_all else ()
    out = []
    for d in dims:
        a = _wrap_dim(ndim, int(d))
        if a in out:
            raise RuntimeError(f"dim {a} appears multiple times in the list of dims")
        out.append(a)
    return tuple(sorted(out)) if ndim else ()


def _int_dim(name, dim):
    """Ops that take one dim only raise PyTorch's TypeError for a tuple."""
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{name}(): argument 'dim' must be int, not {type(dim).__name__}")
    return int(dim)


def _keep_shape(shape, axes):
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _out_shape(shape, axes, keepdim):
    if keepdim:
        return _keep_shape(shape, axes)
    return tuple(s for i, s in enumerate(shape) if i not in axes)


def _count(shape, axes):
    return math.prod(shape[a] for a in axes)


def _unsqueeze(t, shape, axes, keepdim):
    """A reduced gradient/output reshaped with size-1 dims at ``axes``, ready to broadcast."""
    if keepdim or not axes:
        return t
    return t.reshape(_keep_shape(shape, axes))


def _expand_back(t, shape, axes, keepdim):
    """A reduction's gradient ``t`` broadcast back to the input's ``shape`` (a read-only view).
    When no graph is recorded (the usual backward) the view is made in NumPy directly; under
    ``create_graph`` it is made with differentiable ops."""
    if not _grad_state.enabled:
        g = t._data
        if not keepdim and axes:
            g = g.reshape(_keep_shape(shape, axes))
        return _wrap(np.broadcast_to(g, shape))
    return _unsqueeze(t, shape, axes, keepdim).expand(shape)


def _check_nonempty(name, shape, axes, dim_given):
    """Selections have no identity: PyTorch refuses to reduce an empty dimension."""
    if not dim_given and math.prod(shape) == 0:
        raise RuntimeError(
            f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify "
            "the reduction dim with the 'dim' argument.")
    for a in axes:
        if shape[a] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {a} to have non-zero size.")


def _require_float(name, x, message=None):
    if x._data.dtype.kind != "f":
        raise RuntimeError(message or f"{name}(): expected input to have floating point or "
                                      f"complex dtype but got {_scalar_name(x._data)}")


# ====================================================================== sums
class Sum(Primitive):
    """d sum(x) = ones_like(x) * grad: the gradient is expanded back over the summed axes."""

    @staticmethod
    def forward(ctx, x, axes, keepdim, np_dtype=None):
        ctx.shape = x.shape
        ctx.axes = axes
        ctx.keepdim = keepdim
        if x.dtype == np.float16 and np_dtype is None:
            # NOTE: half precision accumulates in float32, as PyTorch does on the CPU.
            return np.sum(x, axis=axes, keepdims=keepdim, dtype=np.float32).astype(np.float16)
        return np.asarray(np.sum(x, axis=axes, keepdims=keepdim, dtype=np_dtype))

    @staticmethod
    def backward(ctx, grad_output):
        return _expand_back(grad_output, ctx.shape, ctx.axes, ctx.keepdim), None, None, None


class Mean(Primitive):
    """d mean(x) = grad / N, expanded back over the N reduced elements."""

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape = x.shape
        ctx.axes = axes
        ctx.keepdim = keepdim
        ctx.n = _count(x.shape, axes)
        if ctx.n == 0:  # NOTE: the mean of nothing is NaN, silently, as in PyTorch
            return np.full(_out_shape(x.shape, axes, keepdim), np.nan, dtype=x.dtype)
        return np.asarray(np.mean(x, axis=axes, keepdims=keepdim))

    @staticmethod
    def backward(ctx, grad_output):
        return _expand_back(grad_output / (ctx.n or 1), ctx.shape, ctx.axes, ctx.keepdim), \
            None, None


def _sum_dtype(x, dtype):
    """The dtype a sum/prod/cumsum accumulates in: ``dtype`` if given, int64 for integer and
    bool inputs, the input's own otherwise."""
    if dtype is not None:
        return _dtype.to_dtype(dtype)
    if x._data.dtype.kind in "biu":
        return _dtype.int64
    return None


def sum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum over ``dim`` (every dim when None or ``()``). Integer and bool tensors sum to int64,
    as in PyTorch; ``dtype`` casts the input before summing."""
    x = input
    dt = _sum_dtype(x, dtype)
    if dt is not None and dt.is_floating_point and x._data.dtype.kind != "f":
        x = x.to(dt)  # an int tensor summed as float: cast first (it has no gradient anyway)
        dt = None
    elif dt is not None and dt.np_dtype == x._data.dtype and dt.is_floating_point:
        dt = None  # (NumPy sums small integers in int64: their dtype is passed on)
    axes = _dims(x._data.ndim, dim)
    return Sum.apply(x, axes, keepdim, None if dt is None else dt.np_dtype)


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """``sum`` treating NaN as zero; NaN elements get zero gradient."""
    x = input
    if x._data.dtype.kind == "f":
        x = ew.where(ew.isnan(x), 0.0, x)
    return sum(x, dim, keepdim, dtype=dtype)


def mean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean over ``dim``; floating dtypes only (PyTorch raises RuntimeError for integers unless
    ``dtype`` is a floating dtype). The mean over zero elements is NaN."""
    x = input if dtype is None else input.to(dtype)
    if x._data.dtype.kind != "f":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {_scalar_name(x._data)}")
    return Mean.apply(x, _dims(x._data.ndim, dim), keepdim)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean of the non-NaN elements over ``dim`` (NaN where all are NaN)."""
    x = input if dtype is None else input.to(dtype)
    _require_float("nanmean", x)
    axes = _dims(x._data.ndim, dim)
    count = np.sum(~np.isnan(x._data), axis=axes, keepdims=keepdim).astype(x._data.dtype)
    with np.errstate(invalid="ignore"):  # an all-NaN slice is 0 / 0: NaN, silently
        return nansum(x, axes, keepdim) / _wrap(count)


class Prod(Primitive):
    """d prod(x)_i = prod_{j != i} x_j.

    NOTE: computed as ``prod / x`` only when no reduced element is zero; otherwise from the
    product of the non-zero elements: an element that is the only zero of its slice gets that
    product, every other element of a slice with a zero gets 0. Exact with zeros, as in
    PyTorch."""

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.axes = axes
        ctx.keepdim = keepdim
        # (in the input's dtype: NumPy would widen small integers, uint8 to uint64)
        out = np.asarray(np.prod(x, axis=axes, keepdims=keepdim, dtype=x.dtype))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, out = ctx.saved_tensors
        shape, axes = x._data.shape, ctx.axes
        g = _unsqueeze(grad_output, shape, axes, ctx.keepdim)
        zero = x._data == 0
        if not zero.any():
            return g * _unsqueeze(out, shape, axes, ctx.keepdim) / x, None, None
        nzeros = np.sum(zero, axis=axes, keepdims=True)
        zero_t = _wrap(zero)
        x_safe = ew.where(zero_t, 1.0, x)
        prod_nonzero = Prod.apply(x_safe, axes, True)
        only_zero = _wrap(zero & (nzeros == 1))
        others = ew.where(only_zero, prod_nonzero, 0.0)
        grad = ew.where(_wrap(nzeros == 0), prod_nonzero / x_safe, others)
        return g * grad, None, None


def prod(input, dim=None, keepdim=False, *, dtype=None):
    """Product over one ``dim`` (an int, as in PyTorch) or over everything. Integer and bool
    tensors multiply in int64. The gradient is exact when the input has zeros."""
    x = input
    dt = _sum_dtype(x, dtype)
    if dt is not None and dt.np_dtype != x._data.dtype:
        x = x.to(dt)
    if dim is None:
        axes = tuple(range(x._data.ndim))
    else:
        axes = _dims(x._data.ndim, _int_dim("prod", dim))
    return Prod.apply(x, axes, keepdim)


class Cumsum(Primitive):
    """d cumsum(x) = reversed cumsum of grad (``reverse`` runs the sum from the end)."""

    @staticmethod
    def forward(ctx, x, axis, reverse):
        ctx.axis = axis
        ctx.reverse = reverse
        if x.ndim == 0:
            return x.copy()
        if reverse:
            out = np.flip(np.cumsum(np.flip(x, axis), axis=axis, dtype=x.dtype), axis)
        else:
            out = np.cumsum(x, axis=axis, dtype=x.dtype)  # (NumPy widens small integers)
        return np.asarray(out, order="C")  # PyTorch's cumulative ops return contiguous output

    @staticmethod
    def backward(ctx, grad_output):
        return Cumsum.apply(grad_output, ctx.axis, not ctx.reverse), None, None


def _cum_input(name, input, dim, dtype):
    x = input
    dt = _sum_dtype(x, dtype)
    if dt is not None and dt.np_dtype != x._data.dtype:
        x = x.to(dt)
    if x._data.dtype == np.bool_:
        raise NotImplementedError(f"\"{name}_out_cpu\" not implemented for 'Bool'")
    return x, _wrap_dim(x._data.ndim, _int_dim(name, dim))


def cumsum(input, dim, *, dtype=None):
    """Cumulative sum along ``dim``; integer and bool tensors accumulate in int64."""
    x, axis = _cum_input("cumsum", input, dim, dtype)
    return Cumsum.apply(x, axis, False)


class Cumprod(Primitive):
    """d cumprod(x)_i = sum_{k >= i} grad_k prod_{j <= k, j != i} x_j.

    Without zeros this is ``reverse_cumsum(grad * out) / x``. NOTE: with zeros, per slice
    (z = the first zero): elements before z use the same formula (they are non-zero and the
    terms for k >= z vanish); the element at z gets
    ``prod_{j<z} x_j * sum_{k>=z} grad_k prod_{z<j<=k} x_j``; elements after z get 0."""

    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        out = x.copy() if x.ndim == 0 else np.asarray(np.cumprod(x, axis=axis, dtype=x.dtype),
                                                      order="C")
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, out = ctx.saved_tensors
        axis = ctx.axis
        if x._data.ndim == 0:
            return grad_output, None
        zero = x._data == 0
        tail_sums = Cumsum.apply(grad_output * out, axis, True)
        if not zero.any():
            return tail_sums / x, None
        nz = np.cumsum(zero, axis=axis)
        before = _wrap(nz == 0)
        first = _wrap(zero & (nz == 1))
        grad_before = tail_sums / ew.where(before, x, 1.0)
        after_first = Cumprod.apply(ew.where(_wrap((nz == 0) | (zero & (nz == 1))), 1.0, x), axis)
        head = Prod.apply(ew.where(before, x, 1.0), (axis,), True)
        tail = Sum.apply(ew.where(before, 0.0, grad_output * after_first), (axis,), True)
        grad = ew.where(before, grad_before, ew.where(first, head * tail, 0.0))
        return grad, None


def cumprod(input, dim, *, dtype=None):
    """Cumulative product along ``dim``; integer and bool tensors accumulate in int64. The
    gradient is exact when the input has zeros."""
    x, axis = _cum_input("cumprod", input, dim, dtype)
    return Cumprod.apply(x, axis)


# ====================================================================== selections
class GatherDim(Primitive):
    """``take_along_axis(x, index, axis)``, reshaped to ``out_shape`` when given (a selection
    without keepdim): d = the gradient scattered (added) back to the positions it was taken
    from."""

    @staticmethod
    def forward(ctx, x, index, axis, out_shape=None):
        ctx.shape = x.shape
        ctx.index = index
        ctx.axis = axis
        out = np.take_along_axis(x, index, axis)
        return out if out_shape is None else out.reshape(out_shape)

    @staticmethod
    def backward(ctx, grad_output):
        g = grad_output.reshape(ctx.index.shape)
        return ScatterAddDim.apply(g, ctx.index, ctx.axis, ctx.shape), None, None, None


class ScatterAddDim(Primitive):
    """Zeros of ``shape`` with ``src`` added at ``index`` along ``axis`` (repeats add up):
    d = the gradient gathered from those positions."""

    @staticmethod
    def forward(ctx, src, index, axis, shape):
        ctx.index = index
        ctx.axis = axis
        out = np.zeros(shape, dtype=src.dtype)
        if index.shape[axis] == 1:  # one position per slice: nothing to add up
            np.put_along_axis(out, index, src, axis)
            return out
        where = []
        for d in range(index.ndim):
            if d == axis:
                where.append(index)
            else:
                where.append(np.arange(index.shape[d]).reshape(
                    [-1 if i == d else 1 for i in range(index.ndim)]))
        np.add.at(out, tuple(where), src)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        return GatherDim.apply(grad_output, ctx.index, ctx.axis), None, None, None


def _even_split(g, x, out_keep, axes):
    """The gradient of a selection that cannot tell tied elements apart: split evenly among
    every element equal to the result (NaN matching NaN), as PyTorch's full ``max()``."""
    xd = x._data
    od = out_keep._data if isinstance(out_keep, Tensor) else out_keep
    mask = xd == od
    if xd.dtype.kind == "f":
        mask |= np.isnan(xd) & np.isnan(od)
    count = np.sum(mask, axis=axes, keepdims=True)
    dt = xd.dtype if xd.dtype.kind == "f" else np.float64
    scale = np.divide(mask, count, out=np.zeros(xd.shape, dtype=dt), where=count > 0)
    return ew._mask_mul(g, _wrap(scale))  # (0 where not selected, even for an infinite g)


class Amax(Primitive):
    """``amax``/``amin`` over ``axes``. NOTE: the gradient is split evenly among the tied
    maxima, as PyTorch's ``amax`` and full ``max()``."""

    @staticmethod
    def forward(ctx, x, axes, keepdim, take_max):
        ctx.axes = axes
        ctx.keepdim = keepdim
        reduce = np.amax if take_max else np.amin
        out = np.asarray(reduce(x, axis=axes, keepdims=keepdim))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, out = ctx.saved_tensors
        shape = x._data.shape
        g = _unsqueeze(grad_output, shape, ctx.axes, ctx.keepdim)
        out_keep = out._data.reshape(_keep_shape(shape, ctx.axes))
        return _even_split(g, x, out_keep, ctx.axes), None, None, None


class MedianAll(Primitive):
    """The lower median of all elements. NOTE: the gradient is split evenly among the elements
    equal to it, as PyTorch's ``median()``."""

    @staticmethod
    def forward(ctx, x):
        flat = x.reshape(-1)
        out = flat[_median_index(flat, 0)].reshape(())
        ctx.save_for_backward(x)
        ctx.value = out
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        axes = tuple(range(x._data.ndim))
        return _even_split(grad_output, x, ctx.value, axes)


def _select(name, result, input, dim, keepdim, index_fn):
    """A (values, indices) selection along one dim; ``index_fn(array, axis)`` gives the chosen
    index of every slice (size 1 along ``axis``). The gradient goes to that index only."""
    x = input
    axis = _wrap_dim(x._data.ndim, _int_dim(name, dim))
    if x._data.ndim == 0:  # a 0-d tensor selects its only element
        x, keepdim = x.reshape(1), False
    _check_nonempty(name, x._data.shape, (axis,), True)
    index = index_fn(x._data, axis).astype(np.int64, copy=False)
    if keepdim:
        return result((GatherDim.apply(x, index, axis), _wrap(index)))
    squeezed = np.squeeze(index, axis)
    return result((GatherDim.apply(x, index, axis, squeezed.shape), _wrap(squeezed)))


def _argmax_index(xd, axis):
    return np.argmax(xd, axis=axis, keepdims=True)


def _argmin_index(xd, axis):
    return np.argmin(xd, axis=axis, keepdims=True)


def _minmax(name, take_max, input, dim, keepdim):
    if isinstance(dim, Tensor):  # max(a, b): the elementwise maximum
        if keepdim:
            raise TypeError(f"{name}(): argument 'dim' (position 1) must be int, not Tensor")
        return ew.maximum(input, dim) if take_max else ew.minimum(input, dim)
    if dim is None:
        shape = input._data.shape
        _check_nonempty(name, shape, (), False)
        return Amax.apply(input, tuple(range(len(shape))), False, take_max)
    result = return_types.max if take_max else return_types.min
    return _select(name, result, input, dim, keepdim,
                   _argmax_index if take_max else _argmin_index)


def max(input, dim=None, keepdim=False, *, other=None):
    """``max(x)``: the largest element (gradient split evenly among ties). ``max(x, dim,
    keepdim=False)``: ``return_types.max(values, indices)``, the first index of the largest
    element of each slice (gradient to that index). ``max(x, other)``: ``maximum``. NaN
    propagates."""
    return _minmax("max", True, input, dim if other is None else other, keepdim)


def min(input, dim=None, keepdim=False, *, other=None):
    """Like ``max``, for the smallest elements (``return_types.min``)."""
    return _minmax("min", False, input, dim if other is None else other, keepdim)


def _amaxmin(name, take_max, input, dim, keepdim):
    shape = input._data.shape
    dim_given = not (dim is None or (not isinstance(dim, (int, np.integer)) and len(dim) == 0))
    axes = _dims(len(shape), dim)
    _check_nonempty(name, shape, axes, dim_given)
    return Amax.apply(input, axes, keepdim, take_max)


def amax(input, dim=(), keepdim=False):
    """Largest elements over ``dim`` (an int or a tuple; ``()`` means every dim). The gradient
    is split evenly among ties."""
    return _amaxmin("amax", True, input, dim, keepdim)


def amin(input, dim=(), keepdim=False):
    """Smallest elements over ``dim``; the gradient is split evenly among ties."""
    return _amaxmin("amin", False, input, dim, keepdim)


def aminmax(input, *, dim=None, keepdim=False):
    """``return_types.aminmax(min, max)`` over ``dim`` (one int) or over everything."""
    shape = input._data.shape
    if dim is None:
        if math.prod(shape) == 0:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the "
                               "operation has no identity.")
        axes = tuple(range(len(shape)))
    else:
        axes = _dims(len(shape), _int_dim("aminmax", dim))
        for a in axes:
            if shape[a] == 0:
                raise IndexError(f"aminmax: Expected reduction dim {a} to have non-zero size.")
    return return_types.aminmax((Amax.apply(input, axes, keepdim, False),
                                 Amax.apply(input, axes, keepdim, True)))


def _arg(name, fn, input, dim, keepdim):
    xd = input._data
    if xd.dtype == np.bool_:
        raise RuntimeError(f"{name}(): does not support bool input")
    if dim is None:
        if xd.size == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for "
                             "input.numel() == 0.")
        index = np.asarray(fn(xd.reshape(-1)), dtype=np.int64)
        return _wrap(index.reshape((1,) * xd.ndim) if keepdim else index)
    axis = _wrap_dim(xd.ndim, _int_dim(name, dim))
    if xd.ndim == 0:
        return _wrap(np.zeros((), dtype=np.int64))
    _check_nonempty(name, xd.shape, (axis,), True)
    return _wrap(np.asarray(fn(xd, axis=axis, keepdims=keepdim), dtype=np.int64))


def argmax(input, dim=None, keepdim=False):
    """Index of the (first) largest element along ``dim``, or in the flattened tensor."""
    return _arg("argmax", np.argmax, input, dim, keepdim)


def argmin(input, dim=None, keepdim=False):
    """Index of the (first) smallest element along ``dim``, or in the flattened tensor."""
    return _arg("argmin", np.argmin, input, dim, keepdim)


def _median_index(xd, axis):
    """Index of the lower median of every slice along ``axis`` (size 1 there); a slice with NaN
    selects its first NaN, as PyTorch."""
    n = xd.shape[axis]
    order = np.argsort(xd, axis=axis, kind="stable")
    index = np.take(order, [(n - 1) // 2], axis=axis)
    if xd.dtype.kind == "f":
        nan = np.isnan(xd)
        has_nan = nan.any(axis=axis, keepdims=True)
        if has_nan.any():
            index = np.where(has_nan, np.argmax(nan, axis=axis, keepdims=True), index)
    return index


def median(input, dim=None, keepdim=False):
    """``median(x)``: the lower median of all elements (NaN if any is NaN or there are none;
    gradient split evenly among ties). ``median(x, dim)``: ``return_types.median(values,
    indices)`` (gradient to the index)."""
    if dim is None:
        xd = input._data
        if xd.size == 0:
            if xd.dtype.kind == "f":  # NaN, still in the graph as in PyTorch
                return Sum.apply(input, tuple(range(xd.ndim)), False) * math.nan
            return _wrap(np.asarray(np.iinfo(np.int64).min).astype(xd.dtype))
        return MedianAll.apply(input)
    return _select("median", return_types.median, input, dim, keepdim, _median_index)


def _mode_index(xd, axis):
    """Index of the most frequent value of every slice (the smallest such value, at its last
    occurrence, as PyTorch): sort, measure runs of equal values, take the first longest."""
    order = np.argsort(xd, axis=axis, kind="stable")
    s = np.take_along_axis(xd, order, axis)
    n = s.shape[axis]
    pos = np.arange(n).reshape([-1 if i == axis else 1 for i in range(xd.ndim)])
    first = np.ones(_keep_shape(s.shape, (axis,)), dtype=bool)
    differs = np.take(s, np.arange(1, n), axis=axis) != np.take(s, np.arange(n - 1), axis=axis)
    starts = np.concatenate([first, differs], axis=axis)
    run_start = np.maximum.accumulate(np.where(starts, pos, 0), axis=axis)
    run_len = pos - run_start
    best = np.argmax(run_len, axis=axis, keepdims=True)  # the end of the first longest run
    return np.take_along_axis(order, best, axis)


def mode(input, dim=-1, keepdim=False):
    """``return_types.mode(values, indices)``: the most frequent value along ``dim`` (the
    smallest one on ties) and the index of its last occurrence; gradient to that index."""
    return _select("mode", return_types.mode, input, dim, keepdim, _mode_index)


def _cum_select(name, result, take_max, input, dim):
    x = input
    axis = _wrap_dim(x._data.ndim, _int_dim(name, dim))
    if x._data.ndim == 0:
        return result((GatherDim.apply(x.reshape(1), np.zeros(1, np.int64), 0, ()),
                       _wrap(np.zeros((), np.int64))))
    xd = x._data
    running = (np.maximum if take_max else np.minimum).accumulate(xd, axis=axis)
    # The index of the running extreme is the last position where the element equals it (ties
    # move the index forward, as PyTorch's ``>=``); a NaN takes over and holds.
    hit = xd == running
    if xd.dtype.kind == "f":
        hit |= np.isnan(xd)
    pos = np.arange(xd.shape[axis]).reshape([-1 if i == axis else 1 for i in range(xd.ndim)])
    index = np.maximum.accumulate(np.where(hit, pos, 0), axis=axis)
    index = np.asarray(index, order="C")  # contiguous results, as PyTorch's
    return result((GatherDim.apply(x, index, axis), _wrap(index)))


def cummax(input, dim):
    """``return_types.cummax(values, indices)``: the running maximum along ``dim`` and where it
    was found (the latest position on ties); gradient to those positions."""
    return _cum_select("cummax", return_types.cummax, True, input, dim)


def cummin(input, dim):
    """``return_types.cummin(values, indices)``: the running minimum along ``dim``."""
    return _cum_select("cummin", return_types.cummin, False, input, dim)


# ====================================================================== statistics
class Var(Primitive):
    """var = sum((x - mean)^2) / max(0, N - correction); with ``take_sqrt``, std = sqrt(var).

    d var = 2 (x - mean) / (N - correction) dx (the unclamped degrees of freedom: inf at 0);
    d std = d var / (2 std), 0 where std is 0 (a constant slice). NOTE: PyTorch's rule for
    N - correction <= 0 in a reduction over the whole tensor (no ``dim``, or a 0-d input) is
    followed: the gradient is inf, NaN where x equals the mean (``whole``)."""

    @staticmethod
    def forward(ctx, x, axes, correction, keepdim, take_sqrt, whole=False):
        n = _count(x.shape, axes)
        dof = builtins.max(0, n - correction)
        ctx.axes = axes
        ctx.keepdim = keepdim
        ctx.dof = n - correction  # NOTE: the gradient divides by n - correction, unclamped
        ctx.take_sqrt = take_sqrt
        ctx.whole = whole
        xf = x.astype(np.float32) if x.dtype == np.float16 else x
        with np.errstate(divide="ignore", invalid="ignore"):
            if n:
                mean_ = np.mean(xf, axis=axes, keepdims=True)
            else:
                mean_ = np.full(_keep_shape(x.shape, axes), np.nan, dtype=xf.dtype)
            d = np.asarray(xf - mean_)
            out = np.sum(np.square(d, out=d), axis=axes, keepdims=keepdim)
            out = np.true_divide(out, dof, out=out if isinstance(out, np.ndarray) else None)
            if take_sqrt:
                out = np.sqrt(out)
        out = np.asarray(out).astype(x.dtype, copy=False)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, out = ctx.saved_tensors
        shape, axes = x._data.shape, ctx.axes
        g = _unsqueeze(grad_output, shape, axes, ctx.keepdim)
        if ctx.take_sqrt:
            std_ = _unsqueeze(out, shape, axes, ctx.keepdim)
            g = ew.where(_wrap(std_._data == 0), 0.0, g / (std_ * 2))
        mean_ = Mean.apply(x, axes, True)
        if ctx.whole and ctx.dof <= 0:
            spike = np.where(x._data == mean_._data, np.nan, np.inf).astype(x._data.dtype)
            return g * _wrap(spike), None, None, None, None, None
        scale = 2.0 / ctx.dof if ctx.dof else math.inf
        return g * (x - mean_) * scale, None, None, None, None, None


def _var_args(name, input, dim, unbiased, keepdim, correction):
    """PyTorch's overloads: ``var(x, unbiased)``, ``var(x, dim, unbiased, keepdim)`` and
    ``var(x, dim, *, correction, keepdim)``."""
    if isinstance(dim, bool):
        if unbiased is not None:
            raise TypeError(f"{name}() received an invalid combination of arguments")
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{name}() received an invalid combination of arguments - got both "
                        "'unbiased' and 'correction'")
    if correction is None:
        correction = 0 if unbiased is False else 1
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"std and var only support floating point and complex dtypes, got "
                           f"{_scalar_name(input._data)}")
    axes = _dims(input._data.ndim, dim)
    whole = dim is None or input._data.ndim == 0
    if _count(input._data.shape, axes) - correction <= 0:
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=3)
    return axes, correction, whole


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance over ``dim`` with Bessel's ``correction`` (default 1; ``unbiased=False`` means
    0). Zero or negative degrees of freedom give NaN/inf with a warning, as in PyTorch."""
    axes, correction, whole = _var_args("var", input, dim, unbiased, keepdim, correction)
    return Var.apply(input, axes, correction, keepdim, False, whole)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Standard deviation: ``sqrt(var)`` (same arguments); gradient 0 where it is 0."""
    axes, correction, whole = _var_args("std", input, dim, unbiased, keepdim, correction)
    return Var.apply(input, axes, correction, keepdim, True, whole)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(var, mean)`` over the same ``dim`` (a plain tuple, as in PyTorch)."""
    axes, correction, whole = _var_args("var_mean", input, dim, unbiased, keepdim, correction)
    return (Var.apply(input, axes, correction, keepdim, False, whole),
            Mean.apply(input, axes, keepdim))


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(std, mean)`` over the same ``dim`` (a plain tuple, as in PyTorch)."""
    axes, correction, whole = _var_args("std_mean", input, dim, unbiased, keepdim, correction)
    return (Var.apply(input, axes, correction, keepdim, True, whole),
            Mean.apply(input, axes, keepdim))


# ====================================================================== log-sum-exp, softmax
def _float_or_default(x):
    """Integer and bool inputs of exp-based ops compute in the default float dtype."""
    if x._data.dtype.kind != "f":
        return x.to(_dtype.get_default_dtype())
    return x


def _shifted(x, axis, finite_max=False):
    """``x - max(x)`` along ``axis`` (keepdims) and that max. NOTE: with ``finite_max`` an
    infinite max is replaced by 0, so that log-sum-exp of a slice of -inf is -inf and with a
    +inf is +inf (not NaN), as PyTorch; softmax keeps PyTorch's NaN for such slices."""
    m = np.amax(x, axis=axis, keepdims=True)
    if finite_max:
        m = np.where(np.isfinite(m), m, 0).astype(x.dtype, copy=False)
    with np.errstate(invalid="ignore"):  # inf - inf: NaN, as PyTorch's softmax gives
        return np.asarray(x - m), m


class LogSumExp(Primitive):
    """log(sum(exp(x))), computed as m + log(sum(exp(x - m))) with m the max (stable for
    |x| = 1e4). d = exp(x - out) dx, the softmax."""

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.axes = axes
        ctx.keepdim = keepdim
        if _count(x.shape, axes) == 0:
            out = np.full(_out_shape(x.shape, axes, keepdim), -np.inf, dtype=x.dtype)
        else:
            shifted, m = _shifted(x, axes, finite_max=True)
            with np.errstate(divide="ignore"):
                s = np.log(np.sum(np.exp(shifted, out=shifted), axis=axes, keepdims=True))
            out = s + m
            if not keepdim:
                out = out.reshape(_out_shape(x.shape, axes, False))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, out = ctx.saved_tensors
        shape = x._data.shape
        g = _unsqueeze(grad_output, shape, ctx.axes, ctx.keepdim)
        return g * ew.exp(x - _unsqueeze(out, shape, ctx.axes, ctx.keepdim)), None, None


def logsumexp(input, dim, keepdim=False):
    """``log(sum(exp(x)))`` over ``dim`` (an int or a tuple), computed stably; integer inputs
    give the default float dtype. An empty reduction gives -inf."""
    x = _float_or_default(input)
    out = LogSumExp.apply(x, _dims(x._data.ndim, dim), keepdim)
    return out.contiguous()  # PyTorch's logsumexp returns a contiguous tensor


class Softmax(Primitive):
    """y = exp(x - max) / sum(exp(x - max)); d = y * (grad - sum(grad * y)).

    A fused primitive rather than ``exp(x - logsumexp(x))``: one pass of ``exp`` over the input,
    a single saved tensor (the output), and a backward of three elementwise ops — it runs in
    every classifier's forward pass."""

    @staticmethod
    def forward(ctx, x, axis):
        ctx.axes = (axis,) if x.ndim else ()
        x = np.asarray(x, order="C")  # PyTorch's softmax kernels return contiguous output
        if x.size == 0:
            y = x.copy()
        else:
            y, _ = _shifted(x, axis if x.ndim else None)
            np.exp(y, out=y)
            y /= np.sum(y, axis=axis if x.ndim else None, keepdims=True)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_output):
        (y,) = ctx.saved_tensors
        return y * (grad_output - Sum.apply(grad_output * y, ctx.axes, True)), None


class LogSoftmax(Primitive):
    """y = x - logsumexp(x) = (x - max) - log(sum(exp(x - max))); d = grad - exp(y) sum(grad).

    Fused for the same reasons as ``Softmax``, and for stability: ``log(softmax(x))`` would
    round tiny probabilities to 0 and give -inf; this form stays finite for |x| = 1e4."""

    @staticmethod
    def forward(ctx, x, axis):
        ctx.axes = (axis,) if x.ndim else ()
        x = np.asarray(x, order="C")  # PyTorch's softmax kernels return contiguous output
        if x.size == 0:
            y = x.copy()
        else:
            ax = axis if x.ndim else None
            y, _ = _shifted(x, ax)
            with np.errstate(divide="ignore"):
                y -= np.log(np.sum(np.exp(y), axis=ax, keepdims=True))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_output):
        (y,) = ctx.saved_tensors
        return grad_output - ew.exp(y) * Sum.apply(grad_output, ctx.axes, True), None


def _softmax_input(name, input, dim, dtype):
    x = input if dtype is None else input.to(dtype)
    axis = _wrap_dim(x._data.ndim, _int_dim(name, dim))
    if x._data.dtype.kind != "f" and x._data.size:  # an empty tensor runs no kernel
        last = "lastdim_" if axis == x._data.ndim - 1 or x._data.ndim == 0 else ""
        raise NotImplementedError(f"\"{name}_{last}kernel_impl\" not implemented for "
                                  f"'{_scalar_name(x._data)}'")
    return x, axis


def softmax(input, dim, dtype=None):
    """``exp(x) / sum(exp(x))`` along ``dim``, stable (the max is subtracted first); ``dtype``
    casts the input first. Slices of all -inf give NaN, as in PyTorch."""
    x, axis = _softmax_input("softmax", input, dim, dtype)
    return Softmax.apply(x, axis)


def log_softmax(input, dim, dtype=None):
    """``x - logsumexp(x)`` along ``dim``, stable; ``dtype`` casts the input first."""
    x, axis = _softmax_input("log_softmax", input, dim, dtype)
    return LogSoftmax.apply(x, axis)


# ====================================================================== norms
class Norm(Primitive):
    """The vector p-norm over ``axes``: (sum |x|^p)^(1/p); max|x| for p = inf, min|x| for
    -inf, the count of non-zeros for p = 0.

    d = sign(x) |x|^(p-1) / norm^(p-1) dx (x / norm for p = 2, sign(x) for p = 1; for +-inf
    split evenly among the tied extremes, like amax). NOTE: the gradient is 0 where the norm is
    0, and at x = 0 when p < 1, as in PyTorch (not NaN)."""

    @staticmethod
    def forward(ctx, x, p, axes, keepdim):
        ctx.p = p
        ctx.axes = axes
        ctx.keepdim = keepdim
        a = np.asarray(np.abs(x))
        if p == 2:
            out = np.sqrt(np.sum(np.square(a, out=a), axis=axes, keepdims=keepdim))
        elif p == 1:
            out = np.sum(a, axis=axes, keepdims=keepdim)
        elif p == math.inf:
            out = np.amax(a, axis=axes, keepdims=keepdim)
        elif p == -math.inf:
            out = np.amin(a, axis=axes, keepdims=keepdim)
        elif p == 0:
            out = np.sum(a != 0, axis=axes, keepdims=keepdim)
        else:
            with np.errstate(divide="ignore"):
                out = np.sum(a ** p, axis=axes, keepdims=keepdim) ** (1.0 / p)
        out = np.asarray(out).astype(x.dtype, copy=False)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, out = ctx.saved_tensors
        p, shape, axes = ctx.p, x._data.shape, ctx.axes
        g = _unsqueeze(grad_output, shape, axes, ctx.keepdim)
        out_k = _unsqueeze(out, shape, axes, ctx.keepdim)
        if p == 0:
            return _wrap(np.zeros_like(x._data)), None, None, None
        if p == 1:
            return g * ew.sign(x), None, None, None
        if p in (math.inf, -math.inf):
            return _even_split(g * ew.sign(x), ew.abs(x), out_k._data, axes), None, None, None
        flat = _wrap(out_k._data == 0)
        safe = ew.where(flat, 1.0, out_k)
        if p == 2:
            return ew.where(flat, 0.0, g * x / safe), None, None, None
        if p < 1:
            at_zero = _wrap(x._data == 0)
            term = ew.where(at_zero, 0.0, ew.sign(x) * ew.where(at_zero, 1.0, ew.abs(x)) ** (p - 1))
        else:
            term = ew.sign(x) * ew.abs(x) ** (p - 1)
        return ew.where(flat, 0.0, g * term / safe ** (p - 1)), None, None, None


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """The vector p-norm over ``dim`` (every dim when None): p = 2 ('fro', the default), 1,
    inf, -inf, 0, or any other number. Floating inputs only, as PyTorch. numtorch has no
    nuclear norm ('nuc' raises RuntimeError)."""
    x = input if dtype is None else input.to(dtype)
    if x._data.dtype.kind != "f":
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {_scalar_name(x._data)}")
    if isinstance(p, str) and isinstance(dim, (tuple, list)) and len(dim) > 2:
        # ('fro' and 'nuc' are matrix norms: two dims, as in PyTorch)
        raise RuntimeError("linalg.matrix_norm: dim must be a 2-tuple. Got "
                           + " ".join(str(d) for d in dim))
    if p is None or p == "fro":
        p = 2.0
    elif p == "nuc":
        raise RuntimeError("norm(): the nuclear norm (p='nuc') is not supported by numtorch; "
                           "use p='fro' or a vector p-norm")
    elif isinstance(p, str):
        raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
    p = float(p)
    shape = x._data.shape
    axes = _dims(len(shape), dim)
    if p < 0 or p == math.inf:
        if dim is None and math.prod(shape) == 0:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {p:g} norm on an empty "
                               "tensor because the operation does not have an identity")
        for a in axes:
            if shape[a] == 0:
                raise RuntimeError(f"linalg.vector_norm cannot compute the {p:g} norm on the "
                                   f"dimension {a} because this dimension is empty and the "
                                   "operation does not have an identity")
    res = Norm.apply(x, p, axes, keepdim)
    if out is not None:
        return ew._out(res, out)
    return res


# ====================================================================== logical
def _logical(name, fn, input, dim, keepdim):
    xd = input._data
    axes = _dims(xd.ndim, dim, empty_all=False)
    res = np.asarray(fn(xd, axis=axes, keepdims=keepdim))
    if xd.dtype == np.uint8:  # NOTE: uint8 in, uint8 out: PyTorch's legacy behaviour
        res = res.astype(np.uint8)
    return _wrap(res)


def all(input, dim=None, keepdim=False):
    """True where every element along ``dim`` is non-zero (bool; uint8 for uint8 input)."""
    return _logical("all", np.all, input, dim, keepdim)


def any(input, dim=None, keepdim=False):
    """True where some element along ``dim`` is non-zero (bool; uint8 for uint8 input)."""
    return _logical("any", np.any, input, dim, keepdim)


def count_nonzero(input, dim=None):
    """The number of non-zero elements over ``dim`` (int64)."""
    xd = input._data
    axes = _dims(xd.ndim, dim)
    return _wrap(np.asarray(np.sum(xd != 0, axis=axes, dtype=np.int64)))


TENSOR_METHODS = {
    "sum": sum, "nansum": nansum, "mean": mean, "nanmean": nanmean, "prod": prod,
    "cumsum": cumsum, "cumprod": cumprod, "max": max, "min": min, "amax": amax, "amin": amin,
    "aminmax": aminmax, "argmax": argmax, "argmin": argmin, "median": median, "mode": mode,
    "cummax": cummax, "cummin": cummin, "var": var, "std": std, "logsumexp": logsumexp,
    "softmax": softmax, "log_softmax": log_softmax, "all": all, "any": any,
    "count_nonzero": count_nonzero,
    # Tensor.norm has no positional out= (torch.norm has)
    "norm": lambda self, p="fro", dim=None, keepdim=False, dtype=None: norm(
        self, p, dim, keepdim, dtype=dtype),
}

INPLACE_METHODS = {"cumsum_": cumsum, "cumprod_": cumprod}

# PyTorch's out= on the functions (the Tensor methods above have none)
from numtorch.ops._out import accepts_out as _accepts_out  # noqa: E402

(all, amax, amin, aminmax, any, cummax, cummin, cumprod, cumsum, logsumexp, max, mean,
 median, min, mode, nanmean, std, std_mean, var, var_mean) = map(_accepts_out, (
    all, amax, amin, aminmax, any, cummax, cummin, cumprod, cumsum, logsumexp, max, mean,
    median, min, mode, nanmean, std, std_mean, var, var_mean))

# PyTorch's TypeError for Python numbers in the arguments it requires to be tensors
_scalars.check_tensor_args(globals())
