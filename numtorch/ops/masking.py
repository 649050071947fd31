"""Ops that pick or write elements by a boolean mask or a flat index: ``masked_fill``,
``masked_select``, ``masked_scatter``, ``take``, ``put``, ``take_along_dim``, ``nonzero``,
``argwhere``, ``one_hot`` and ``fill_diagonal_``; no primitive of their own, they are built on
the getitem and gather primitives.
"""

import numbers

import numpy as np

from numtorch._tensor import Tensor, _wrap
from numtorch.ops.elementwise import where
from numtorch.ops.gather_scatter import (
    _check_index,
    gather,
)
from numtorch.ops.getitem import (
    Index,
    IndexPut,
    _arr,
    _Key,
    _tname,
    _wrap_dim,
)


# ====================================================================== masks, take, put
def _check_mask(mask, name, message=None):
    m = _arr(mask)
    if m.dtype != np.bool_:
        if message:
            raise RuntimeError(message)
        nm = {"int64": "long int", "int32": "int", "uint8": "unsigned char",
              "float32": "float", "float64": "double"}.get(m.dtype.name, m.dtype.name)
        raise RuntimeError(f"{name} only supports boolean masks, but got mask with dtype {nm}")
    return m


def masked_fill(input, mask, value):
    """``input`` with ``value`` where ``mask`` (bool, broadcast) is True; a 0-d tensor value
    receives the summed gradient. The result has ``input``'s dtype."""
    m = _check_mask(mask, "masked_fill_")
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but "
                               f"got tensor with {value._data.ndim} dimension(s).")
        if value._data.dtype != input._data.dtype:
            value = value.to(input.dtype)
    elif isinstance(value, (numbers.Number, np.generic)):
        value = _wrap(np.asarray(value).astype(input._data.dtype))
    else:
        raise TypeError(f"masked_fill() received an invalid combination of arguments - got "
                        f"(Tensor, Tensor, {type(value).__name__}): value must be a number or a "
                        "0-dim tensor")
    out = where(_wrap(m), value, input)
    if out._data.dtype != input._data.dtype:
        out = out.to(input.dtype)
    return out.contiguous()  # PyTorch's out-of-place masked_fill returns contiguous output


def _broadcast_pair(input, m):
    from numtorch.ops._broadcast import broadcast_shapes

    shape = broadcast_shapes(input._data.shape, m.shape)
    x = input if input._data.shape == shape else input.expand(shape)
    return x, np.broadcast_to(m, shape)


def masked_select(input, mask):
    """The elements of ``input`` where ``mask`` is True (both broadcast), as a 1-D tensor."""
    m = _check_mask(mask, "masked_select",
                    "masked_select: expected BoolTensor for mask")
    x, m = _broadcast_pair(input, m)
    if x._data.ndim == 0:
        return Index.apply(x.reshape(1), _Key((1,), (m.reshape(1),)))
    return Index.apply(x, _Key(x._data.shape, (m,)))


def masked_scatter(input, mask, source):
    """``input`` with the positions where ``mask`` is True filled, in row-major order, with
    consecutive elements of ``source``."""
    m = _check_mask(mask, "masked_scatter_",
                    "masked_scatter_ only supports boolean masks, but got mask with dtype "
                    f"{_arr(mask).dtype}")
    x, m = _broadcast_pair(input, m)
    n = int(m.sum())
    if source._data.size < n:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError("masked_scatter: expected self and source to have same dtypes but "
                           f"got {_tname(input._data)} and {_tname(source._data)}")
    flat = source.reshape(-1)
    vals = flat if flat._data.shape[0] == n else Index.apply(flat, _Key((flat.shape[0],),
                                                                       (slice(0, n),)))
    if x._data.ndim == 0:
        return IndexPut.apply(x.reshape(1), vals, _Key((1,), (m.reshape(1),)), False).reshape(())
    return IndexPut.apply(x, vals, _Key(x._data.shape, (m,)), False)


def _flat_index(input, index, name):
    idx = index._data
    if idx.dtype != np.int64:
        raise RuntimeError(f"{name}(): Expected a long tensor for index, but got "
                           f"{_tname(idx)}")
    n = input._data.size
    if idx.size and (idx.max() >= n or idx.min() < -n):
        bad = int(idx.max()) if idx.max() >= n else int(idx.min())
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} "
                         "elements.")
    return idx


def take(input, index):
    """``input`` viewed as 1-D, indexed by ``index`` (result shaped like ``index``)."""
    idx = _flat_index(input, index, "take")
    return Index.apply(input.reshape(-1), _Key((input._data.size,), (idx,)))


def put(input, index, source, accumulate=False):
    """``input`` (viewed as 1-D) with ``source`` written (or added) at ``index``."""
    idx = _flat_index(input, index, "put")
    flat = input.reshape(-1)
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"put_(): self ({_tname(input._data)}) and source "
                           f"({_tname(source._data)}) must have the same scalar type")
    key = _Key((input._data.size,), (idx,))
    return IndexPut.apply(flat, source.reshape(key.shape), key, bool(accumulate)).reshape(
        input.shape)


def take_along_dim(input, indices, dim=None):
    """Gather along ``dim`` after broadcasting ``input`` and ``indices`` in the other dims;
    with ``dim=None`` both are flattened first."""
    if dim is None:
        return take(input.reshape(-1), indices.reshape(-1))
    _check_index("take_along_dim", indices)
    x, idx = input._data, indices._data
    if x.ndim != idx.ndim:
        raise RuntimeError("torch.take_along_dim(): input and indices should have the same "
                           f"number of dimensions, but got {x.ndim} dimensions for input, and "
                           f"{idx.ndim} dimensions for indices")
    dim = _wrap_dim(dim, x.ndim)
    xs = list(x.shape)
    ids = list(idx.shape)
    xs[dim] = ids[dim] = 1
    from numtorch.ops._broadcast import broadcast_shapes

    b = list(broadcast_shapes(tuple(xs), tuple(ids)))
    bx, bi = list(b), list(b)
    bx[dim], bi[dim] = x.shape[dim], idx.shape[dim]
    if tuple(bx) != x.shape:
        input = input.expand(tuple(bx))
    if tuple(bi) != idx.shape:
        indices = _wrap(np.broadcast_to(idx, tuple(bi)))
    return gather(input, dim, indices)


def nonzero(input, *, as_tuple=False):
    """Indices of the nonzero elements: an (n, ndim) int64 tensor, or with ``as_tuple`` one
    1-D tensor per dim (a 0-d input counts as 1-D)."""
    if as_tuple:
        return where(input)
    return _wrap(np.argwhere(_arr(input)).astype(np.int64))


def argwhere(input):
    """``nonzero(input)``: an (n, ndim) int64 tensor."""
    return nonzero(input)


def one_hot(tensor, num_classes=-1):
    """``nn.functional.one_hot``: int64 tensor with a trailing dim of ``num_classes`` (the max
    class + 1 when -1), 1 at each value's class."""
    x = _arr(tensor)
    if x.dtype != np.int64:
        raise RuntimeError(f"one_hot is only applicable to index tensor of type LongTensor, got "
                           f"{x.dtype.name}.")
    if num_classes == -1:
        if x.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(x.max()) + 1
    if x.size:
        if x.min() < 0:
            raise RuntimeError(f"Class values must be non-negative, got {int(x.min())}.")
        if x.max() >= num_classes:
            raise RuntimeError(f"Class values must be smaller than num_classes, got "
                               f"{int(x.max())} for num_classes={num_classes}.")
    out = np.zeros(x.shape + (num_classes,), np.int64)
    np.put_along_axis(out, x[..., None], 1, axis=-1)
    return _wrap(out)


def _fill_diagonal(input, fill_value, wrap=False):
    """``input`` with its main diagonal (``input[i, i, ..., i]``) set to ``fill_value``; the
    out-of-place form of ``fill_diagonal_``. All dims must be equal, except that a 2-D tall
    matrix has its diagonal restarted every ``cols + 1`` rows when ``wrap`` is True."""
    shape = input._data.shape
    if len(shape) < 2:
        raise RuntimeError("dimensions must larger than 1")
    if len(shape) > 2 and len(set(shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    mask = np.zeros(shape, dtype=bool)
    if len(shape) == 2:
        rows, cols = shape
        flat = mask.reshape(-1)
        stop = rows * cols if wrap else min(rows, cols) * cols
        flat[0:stop:cols + 1] = True
    else:
        i = np.arange(shape[0])
        mask[(i,) * len(shape)] = True
    return masked_fill(input, _wrap(mask), fill_value)
