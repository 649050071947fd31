"""The reductions that select: ``max``/``min`` with or without ``dim``, ``amax``/``amin``/
``aminmax``, ``argmax``/``argmin``, ``median``, ``nanmedian`` and ``mode``. A selection with
``dim`` sends the gradient to the index it chose (``GatherDim``/``ScatterAddDim``); a full
``max()``/``min()``/``median()``/``nanmedian()``/``amax``/``amin`` splits it evenly among tied
elements, as PyTorch does."""

import functools
import math

import numpy as np

from numtorch import return_types
from numtorch._tensor import Tensor, _wrap
from numtorch.autograd.function import Primitive
from numtorch.ops import elementwise as ew
from numtorch.ops._reduce_dims import (
    _check_nonempty,
    _dims,
    _even_split,
    _int_dim,
    _keep_shape,
    _unsqueeze,
    _wrap_dim,
)
from numtorch.ops.sums import Sum

__all__ = [
    "max", "min", "amax", "amin", "aminmax", "argmax", "argmin", "median", "nanmedian",
    "mode",
]


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
    """The lower median of all elements (of the non-NaN ones when ``ignore_nan``). NOTE: the
    gradient is split evenly among the elements equal to it, as PyTorch's ``median()``."""

    @staticmethod
    def forward(ctx, x, ignore_nan=False):
        flat = x.reshape(-1)
        index_fn = _nanmedian_index if ignore_nan else _median_index
        out = flat[index_fn(flat, 0)].reshape(())
        ctx.save_for_backward(x)
        ctx.value = out
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        axes = tuple(range(x._data.ndim))
        return _even_split(grad_output, x, ctx.value, axes), None


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


def _nanmedian_index(xd, axis):
    """Index of the lower median of the non-NaN values of every slice along ``axis`` (size 1
    there): position ``(count - 1) // 2`` of the stable sort, NaN sorting last. A slice of NaN
    only gives the NaN PyTorch's selection reports (``_all_nan_choice``)."""
    n = xd.shape[axis]
    order = np.argsort(xd, axis=axis, kind="stable")
    if xd.dtype.kind != "f":
        return np.take(order, [(n - 1) // 2], axis=axis)
    count = n - np.isnan(xd).sum(axis=axis, keepdims=True)
    index = np.take_along_axis(order, np.maximum(count - 1, 0) // 2, axis)
    return np.where(count == 0, _all_nan_choice(n), index)


@functools.lru_cache(maxsize=64)
def _all_nan_choice(n):
    """The position PyTorch reports for the median of ``n`` NaN: its rank is 0 there, and
    ``std::nth_element`` (introselect: median-of-three pivot moved to the front, Hoare
    partition, insertion sort below 4 elements) rearranges elements that all compare equal
    into a fixed order; this replays that order and returns the element left at rank 0."""
    a = list(range(n))
    first, last = 0, n
    while last - first > 3:
        mid = first + (last - first) // 2
        a[first], a[mid] = a[mid], a[first]  # the pivot: no element is less than another
        lo, hi = first + 1, last
        while True:
            hi -= 1
            if lo >= hi:
                break
            a[lo], a[hi] = a[hi], a[lo]
            lo += 1
        if lo <= 0:  # the cut is past rank 0 unless it is at the front
            first = lo
        else:
            last = lo
    return a[0]


def _median(name, result, index_fn, input, dim, keepdim):
    if dim is None:
        xd = input._data
        if xd.size == 0:
            if xd.dtype.kind == "f":  # NaN, still in the graph as in PyTorch
                return Sum.apply(input, tuple(range(xd.ndim)), False) * math.nan
            return _wrap(np.asarray(np.iinfo(np.int64).min).astype(xd.dtype))
        return MedianAll.apply(input, index_fn is _nanmedian_index)
    return _select("median", result, input, dim, keepdim, index_fn)


def median(input, dim=None, keepdim=False):
    """``median(x)``: the lower median of all elements (NaN if any is NaN or there are none;
    gradient split evenly among ties). ``median(x, dim)``: ``return_types.median(values,
    indices)`` (gradient to the index)."""
    return _median("median", return_types.median, _median_index, input, dim, keepdim)


def nanmedian(input, dim=None, keepdim=False):
    """``median`` ignoring NaN: ``nanmedian(x)`` is the lower median of the non-NaN elements
    (NaN when there are none; gradient split evenly among ties); ``nanmedian(x, dim)`` gives
    ``return_types.nanmedian(values, indices)``, the lower median of each slice's non-NaN
    values and its index (stable order among equal values; gradient to that index)."""
    return _median("nanmedian", return_types.nanmedian, _nanmedian_index, input, dim, keepdim)


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
