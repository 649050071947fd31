"""Sorting, selection and counting: sort, argsort, topk, kthvalue, quantile, nanquantile,
unique, searchsorted, bincount, histc, isin.

Values come out through ``gather`` (``ops/indexing.py``), so their gradients flow back to the
selected positions; indices, unique values and search results are not differentiable.
"""

import numpy as np

from numtorch import _dtype, _layout, return_types
from numtorch._tensor import Tensor, _wrap
from numtorch.ops import _scalars
from numtorch.ops.indexing import Gather, _arr, _shape_str, _wrap_dim

__all__ = [
    "topk", "sort", "argsort", "msort", "kthvalue", "unique", "unique_consecutive", "bucketize",
    "searchsorted", "quantile", "nanquantile", "bincount", "histc", "isin",
]


def _argsort(x, axis, descending):
    """Stable argsort; NaN sorts as the largest value, as PyTorch. Descending keeps equal
    elements in their original order (a stable sort of the reversed array, reversed)."""
    if not descending:
        return np.argsort(x, axis=axis, kind="stable")
    n = x.shape[axis]
    rev = np.flip(x, axis)
    if x.dtype == np.bool_:
        rev = rev.astype(np.uint8)
    idx = np.argsort(rev, axis=axis, kind="stable")
    return (n - 1 - np.flip(idx, axis)).astype(np.int64)


def sort(input, dim=-1, descending=False, stable=False):
    """``(values, indices)`` sorted along ``dim``. NOTE: always stable (equal elements keep
    their order), which PyTorch guarantees only with ``stable=True``."""
    x = input._data
    if x.ndim == 0:
        _wrap_dim(dim, 0)  # 0-d: dims -1 and 0 only, as PyTorch
        values, indices = sort(input.reshape(1), 0, descending)
        return return_types.sort((values.reshape(()), indices.reshape(())))
    dim = _wrap_dim(dim, x.ndim)
    # values and indices in the input's layout, as PyTorch's (preserve_format) results
    idx = _layout.preserve_like(_argsort(x, dim, descending).astype(np.int64), x)
    values = Gather.apply(input, dim, idx)
    values._data = _layout.preserve_like(values._data, x)
    return return_types.sort((values, _wrap(idx)))


def argsort(input, dim=-1, descending=False, stable=False):
    """The indices that sort ``input`` along ``dim`` (stable)."""
    x = input._data
    if x.ndim == 0:
        _wrap_dim(dim, 0)  # 0-d: dims -1 and 0 only, as PyTorch
        return _wrap(np.zeros((), np.int64))
    idx = _argsort(x, _wrap_dim(dim, x.ndim), descending).astype(np.int64)
    return _wrap(_layout.preserve_like(idx, x))


def msort(input):
    """``sort(input, dim=0).values``."""
    return sort(input, dim=0).values


def topk(input, k, dim=-1, largest=True, sorted=True):
    """The ``k`` largest (``largest=False``: smallest) elements along ``dim`` with their
    indices, in sorted order. NOTE: ties are ordered by position (PyTorch leaves it open)."""
    x = input._data
    dim = _wrap_dim(dim, x.ndim)
    n = x.shape[dim] if x.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError(f"selected index k out of range (k={k}, size {n} of dim {dim})")
    if x.ndim == 0:
        values, indices = topk(input.reshape(1), k, 0, largest)
        return return_types.topk((values.reshape(()), indices.reshape(())))
    idx = _argsort(x, dim, largest)
    idx = np.take(idx, np.arange(k), axis=dim).astype(np.int64)
    return return_types.topk((Gather.apply(input, dim, idx), _wrap(idx)))


def kthvalue(input, k, dim=-1, keepdim=False):
    """The ``k``-th smallest element along ``dim`` (1-based) and its index."""
    x = input._data
    dim = _wrap_dim(dim, x.ndim)
    n = x.shape[dim] if x.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {dim} "
                           f"(k={k}, size {n})")
    if x.ndim == 0:
        values, indices = kthvalue(input.reshape(1), k, 0)
        return return_types.kthvalue((values.reshape(()), indices.reshape(())))
    idx = np.take(_argsort(x, dim, False), [k - 1], axis=dim).astype(np.int64)
    values = Gather.apply(input, dim, idx)
    if not keepdim:
        values = values.reshape(tuple(s for i, s in enumerate(idx.shape) if i != dim))
        idx = np.squeeze(idx, dim)
    return return_types.kthvalue((values, _wrap(idx)))


def _results(out, inverse, counts, return_inverse, return_counts):
    res = [out]
    if return_inverse:
        res.append(inverse)
    if return_counts:
        res.append(counts)
    return res[0] if len(res) == 1 else tuple(res)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values (``dim=None``, flattened) or distinct slices along ``dim``, sorted;
    optionally the inverse indices and the counts. Not differentiable. NOTE: the values are
    sorted even with ``sorted=False`` (allowed by PyTorch)."""
    x = _arr(input)
    if dim is None:
        vals, inv, cnt = np.unique(x.reshape(-1), return_inverse=True, return_counts=True)
        inv = inv.reshape(x.shape)
    else:
        dim = _wrap_dim(dim, x.ndim)
        vals, inv, cnt = np.unique(x, return_inverse=True, return_counts=True, axis=dim)
        inv = inv.reshape(-1)
    return _results(_wrap(vals), _wrap(inv.astype(np.int64)), _wrap(cnt.astype(np.int64)),
                    return_inverse, return_counts)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Collapse runs of equal consecutive values (``dim=None``: of the flattened tensor) or of
    equal consecutive slices along ``dim``."""
    x = _arr(input)
    if dim is None:
        flat = x.reshape(-1)
        change = flat[1:] != flat[:-1]
        along = flat
        axis = 0
    else:
        axis = _wrap_dim(dim, x.ndim)
        along = x
        a = np.moveaxis(x, axis, 0).reshape(x.shape[axis], -1)
        change = np.any(a[1:] != a[:-1], axis=1)
    n = along.shape[axis]
    first = np.r_[[True] if n else [], change].astype(bool)
    starts = np.flatnonzero(first)
    vals = np.take(along, starts, axis=axis)
    inv = (np.cumsum(first) - 1).astype(np.int64)
    if dim is None:
        inv = inv.reshape(x.shape)
    cnt = np.diff(np.r_[starts, n]).astype(np.int64)
    return _results(_wrap(vals), _wrap(inv), _wrap(cnt), return_inverse, return_counts)


def _batched_searchsorted(seq, vals, right):
    """Row-wise searchsorted of ``vals`` (..., k) in the sorted rows of ``seq`` (..., m): a
    binary search run on all rows at once (log2(m) vectorized steps)."""
    m = seq.shape[-1]
    lo = np.zeros(vals.shape, np.int64)
    hi = np.full(vals.shape, m, np.int64)
    for _ in range(int(m).bit_length()):
        active = lo < hi
        mid = (lo + hi) // 2
        a = np.take_along_axis(seq, np.minimum(mid, m - 1), axis=-1) if m else lo
        go_right = (a <= vals) if right else (a < vals)
        lo = np.where(active & go_right, mid + 1, lo)
        hi = np.where(active & ~go_right, mid, hi)
    return lo


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,
                 sorter=None):
    """For each value, the index where it would be inserted into ``sorted_sequence`` (1-D, or
    N-D searched row by row with matching leading dims): the first such index, or the last
    with ``right=True``/``side='right'``."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but "
                               f"got {side}")
        right = side == "right"
    seq = _arr(sorted_sequence)
    scalar = not isinstance(input, Tensor) and np.ndim(input) == 0
    vals = _arr(input)
    if sorter is not None:
        seq = np.take_along_axis(seq, _arr(sorter), axis=-1)
    side_s = "right" if right else "left"
    if seq.ndim <= 1:
        res = np.searchsorted(seq.reshape(-1), vals, side=side_s)
    else:
        if vals.ndim != seq.ndim or vals.shape[:-1] != seq.shape[:-1]:
            raise RuntimeError(
                "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                "dimensions of boundaries tensor and input value tensor must match, but we got "
                f"boundaries tensor {_shape_str(seq.shape)} and input value tensor "
                f"{_shape_str(vals.shape)}")
        res = _batched_searchsorted(seq, vals, right)
    res = np.asarray(res, dtype=np.int32 if out_int32 else np.int64)
    return _wrap(res.reshape(()) if scalar else res)


def bucketize(input, boundaries, *, out_int32=False, right=False):
    """The bucket of each value among 1-D ``boundaries``: ``i`` with
    ``boundaries[i-1] < x <= boundaries[i]`` (``right=True``: ``boundaries[i-1] <= x <
    boundaries[i]``)."""
    b = _arr(boundaries)
    if b.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({b.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The ``q``-quantiles of ``input`` (flattened, or along ``dim``): the sorted values at
    position ``q * (n - 1)``, between neighbours as ``interpolation`` says ("linear": ``lo +
    (hi - lo) * frac``; "lower", "higher", "nearest" (ties to even), "midpoint"). A tensor
    ``q`` (1-D, of ``input``'s dtype) puts its dim first in the result. A slice holding NaN
    gives NaN (its gradient goes to the NaN that sorts last, as in PyTorch).
    Differentiable through the selected values (``gather``)."""
    return _quantile("quantile", input, q, dim, keepdim, interpolation, ignore_nan=False)


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """``quantile`` ignoring NaN: each slice's quantiles are those of its non-NaN values
    (position ``q * (count - 1)``); a slice of NaN only gives NaN."""
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, ignore_nan=True)


def _quantile_q(input, q):
    """``q`` as a float64 array (0-d or 1-D) after PyTorch's checks."""
    if isinstance(q, Tensor):
        if q._data.dtype != input._data.dtype:
            raise RuntimeError("quantile() q tensor must be same dtype as the input tensor")
        q_arr = q._data.astype(np.float64)
    elif isinstance(q, (float, int, np.floating, np.integer)):
        q_arr = np.asarray(q, dtype=np.float64)
    else:
        raise TypeError(f"quantile() received an invalid combination of arguments - got "
                        f"(Tensor, {type(q).__name__}): q must be a Tensor or a float")
    if q_arr.ndim > 1:
        raise RuntimeError("quantile() q must be a scalar or 1D tensor")
    bad = (q_arr < 0) | (q_arr > 1) | np.isnan(q_arr)
    if bad.any():
        raise RuntimeError(f"quantile() q must be in the range [0, 1] but got "
                           f"{q_arr.reshape(-1)[bad.reshape(-1)][0]}")
    return q_arr


def _quantile(name, input, q, dim, keepdim, interpolation, ignore_nan):
    x = input._data
    if x.dtype.kind != "f":
        raise RuntimeError("quantile() input tensor must be either float or double dtype")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError("quantile() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest, but got {interpolation}")
    q_arr = _quantile_q(input, q)
    if x.size == 0:
        raise RuntimeError("quantile() input tensor must be non-empty")
    flat = dim is None
    if flat:
        source = input.reshape(-1)
        dim = 0
    else:
        dim = _wrap_dim(dim, x.ndim)
        source = input if x.ndim else input.reshape(1)
    s = source._data
    n = s.shape[dim]
    order = _argsort(s, dim, False)  # NaN sorts last
    nans = np.isnan(s).sum(axis=dim, keepdims=True)  # (..., 1, ...) at dim
    # the last non-NaN position of each slice; a slice of NaN only takes position 0 (a NaN,
    # which receives the gradient, as in PyTorch)
    last = np.maximum(n - 1 - nans, 0) if ignore_nan else np.full(nans.shape, n - 1)
    outs = []
    for qk in q_arr.reshape(-1):
        pos = qk * last
        if not ignore_nan:
            pos = np.where(nans > 0, n - 1, pos)  # NaN: the last sorted value, a NaN
        lo_i = np.floor(pos).astype(np.int64)
        hi_i = np.ceil(pos).astype(np.int64)
        if interpolation == "nearest":
            lo_i = hi_i = np.round(pos).astype(np.int64)  # (half to even, as PyTorch)
        elif interpolation == "lower":
            hi_i = lo_i
        elif interpolation == "higher":
            lo_i = hi_i
        lo = Gather.apply(source, dim, np.take_along_axis(order, lo_i, dim))
        if interpolation in ("linear", "midpoint") and np.any(hi_i != lo_i):
            hi = Gather.apply(source, dim, np.take_along_axis(order, hi_i, dim))
            frac = 0.5 if interpolation == "midpoint" else _wrap((pos - lo_i).astype(s.dtype))
            v = lo + (hi - lo) * frac
        else:
            v = lo
        if flat and keepdim:
            v = v.reshape((1,) * x.ndim)  # flattened input, keepdim: all dims of size 1
        elif not keepdim or x.ndim == 0:
            v = v.squeeze(dim) if x.ndim else v.reshape(())
        outs.append(v)
    if q_arr.ndim == 0:
        return outs[0]
    from numtorch.ops.join import stack

    return stack(outs, 0)


def bincount(input, weights=None, minlength=0):
    """Counts of each value in a 1-D non-negative integer tensor (length ``max + 1``, at least
    ``minlength``); with ``weights`` the sums of the weights instead. Not differentiable."""
    if weights is not None and not isinstance(weights, Tensor):
        raise TypeError(f"bincount(): argument 'weights' (position 2) must be Tensor, not "
                        f"{type(weights).__name__}")
    x = input._data
    if x.dtype.kind not in "iu":
        raise NotImplementedError(f'"bincount_cpu" not implemented for '
                                  f"'{_dtype.scalar_type_name(input.dtype)}'")
    if x.ndim != 1 or (x.size and x.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is None:
        return _wrap(np.bincount(x, minlength=minlength).astype(np.int64))
    w = _arr(weights)
    if w.shape != x.shape:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    out_dtype = w.dtype if w.dtype.kind == "f" else np.float64
    return _wrap(np.bincount(x, weights=w, minlength=minlength).astype(out_dtype))


def histc(input, bins=100, min=0, max=0):
    """A histogram of ``bins`` equal-width bins over ``[min, max]`` (the data's range when
    ``min == max``); values outside are ignored. Same dtype as ``input``; not differentiable."""
    x = input._data
    if x.dtype.kind != "f":
        raise NotImplementedError(f'"histogram_cpu" not implemented for '
                                  f"'{_dtype.scalar_type_name(input.dtype)}'")
    if bins <= 0:
        raise RuntimeError(f"torch.histc: bins must be > 0, got {bins}")
    lo, hi = float(min), float(max)
    if lo == hi and x.size:
        lo, hi = float(x.min()), float(x.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    counts, _ = np.histogram(x, bins=bins, range=(lo, hi))
    return _wrap(counts.astype(x.dtype))


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """A bool tensor shaped like ``elements``: whether each is in ``test_elements`` (a tensor
    or a number); ``invert`` negates it."""
    e = _arr(elements) if isinstance(elements, Tensor) else np.asarray(elements)
    t = _arr(test_elements) if isinstance(test_elements, Tensor) else np.asarray(test_elements)
    return _wrap(np.isin(e, t, assume_unique=assume_unique, invert=invert))


TENSOR_METHODS = {
    "topk": topk, "sort": sort, "argsort": argsort, "msort": msort, "kthvalue": kthvalue,
    "unique": unique, "unique_consecutive": unique_consecutive, "quantile": quantile,
    "nanquantile": nanquantile,
    "bincount": bincount, "histc": histc,
}

# PyTorch's out= on the functions (the Tensor methods above have none)
from numtorch.ops._out import accepts_out as _accepts_out  # noqa: E402

(bucketize, histc, kthvalue, msort, searchsorted, sort, topk) = map(_accepts_out, (
    bucketize, histc, kthvalue, msort, searchsorted, sort, topk))
# (PyTorch composes the quantiles from other ops: their out= is a differentiable copy)
quantile = _accepts_out(quantile, composite=True)
nanquantile = _accepts_out(nanquantile, composite=True)

# PyTorch's TypeError for Python numbers in the arguments it requires to be tensors
_scalars.check_tensor_args(globals())
