"""Gather and scatter along one dim (``Gather`` / ``ScatterAdd`` are each the other's
gradient; ``Scatter`` and ``ScatterReduce`` with their own), and the ``index_*`` ops
(``index_select``, ``index_add``, ``index_copy``, ``index_fill``) built on ``x[key]``.
"""

import numpy as np

from numtorch._tensor import Tensor, _wrap
from numtorch.autograd.function import Primitive
from numtorch.ops.elementwise import where
from numtorch.ops.getitem import (
    Index,
    IndexGrad,
    IndexPut,
    _accumulate_rows,
    _Key,
    _shape_str,
    _tname,
    _wrap_dim,
)


# ====================================================================== gather / scatter
def _check_index(name, index, allow_int32=True):
    kind = index._data.dtype
    if kind != np.int64 and not (allow_int32 and kind == np.int32):
        raise RuntimeError((f"{name}(): Expected dtype int32/int64 for index" if allow_int32
                            else f"{name}(): Expected dtype int64 for index")
                           + f", got {kind.name}")


def _scatter_lin(shape, dim, index):
    """Linear positions in an array of ``shape`` of every element of ``index`` along ``dim``
    (the other coordinates are the element's own)."""
    strides = np.cumprod((shape[1:] + (1,))[::-1])[::-1] if shape else np.ones(0, np.int64)
    lin = index.astype(np.intp) * int(strides[dim]) if shape else index.astype(np.intp)
    for a, n in enumerate(index.shape):
        if a != dim:
            sh = [1] * index.ndim
            sh[a] = n
            lin = lin + (np.arange(n, dtype=np.intp) * int(strides[a])).reshape(sh)
    return np.broadcast_to(lin, index.shape).reshape(-1)


def _check_bounds(index, size, dim):
    if index.size:
        lo, hi = int(index.min()), int(index.max())
        if lo < 0 or hi >= size:
            bad = lo if lo < 0 else hi
            raise RuntimeError(f"index {bad} is out of bounds for dimension {dim} with size "
                               f"{size}")


def _src_view(src, index):
    """``src`` restricted to ``index``'s extent (index may be smaller in every dim)."""
    return src[tuple(slice(0, n) for n in index.shape)]


class Gather(Primitive):
    """y[i][j] = x[index[i][j]][j] (dim 0). dx = scatter_add of grad into zeros."""

    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.shape = x.shape
        ctx.dim = dim
        ctx.index = index
        return x.reshape(-1)[_scatter_lin(x.shape, dim, index)].reshape(index.shape)

    @staticmethod
    def backward(ctx, grad_output):
        return None if not ctx.needs_input_grad[0] else \
            GatherGrad.apply(grad_output, ctx.shape, ctx.dim, ctx.index), None, None


class GatherGrad(Primitive):
    """Zeros of ``shape`` with ``g`` added at ``index`` along ``dim``; its gradient is
    ``gather(gg, dim, index)``."""

    @staticmethod
    def forward(ctx, g, shape, dim, index):
        ctx.dim = dim
        ctx.index = index
        out = np.zeros(shape, dtype=g.dtype)
        _scatter_into(out, dim, index, g, accumulate=True)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        return Gather.apply(grad_output, ctx.dim, ctx.index), None, None, None


def _scatter_into(out, dim, index, src, accumulate):
    """``out[index along dim] = src`` (or ``+=``, duplicates summed), in place; out contiguous."""
    if out.ndim == 0:
        if index.size:
            src0 = np.asarray(src).reshape(-1)
            out[...] = out + src0[0] if accumulate else src0[-1]
        return
    flat = out.reshape(-1)
    lin = _scatter_lin(out.shape, dim, index)
    vals = np.broadcast_to(src, index.shape) if np.ndim(src) == 0 else _src_view(src, index)
    vals = np.asarray(vals).reshape(-1)
    if accumulate:
        _accumulate_rows(flat[:, None], lin, vals[:, None])
    else:
        flat[lin] = vals


class ScatterAdd(Primitive):
    """y = x + src scattered along ``dim`` at ``index``. dx = grad; dsrc = gather(grad)."""

    @staticmethod
    def forward(ctx, x, src, dim, index):
        ctx.dim = dim
        ctx.index = index
        ctx.src_shape = src.shape
        out = np.array(x, copy=True, order="C")
        _scatter_into(out, dim, index, src, accumulate=True)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        gsrc = None
        if ctx.needs_input_grad[1]:
            gsrc = Gather.apply(grad_output, ctx.dim, ctx.index)
            if gsrc.shape != ctx.src_shape:
                gsrc = _pad_to(gsrc, ctx.src_shape)
        return grad_output, gsrc, None, None


class Scatter(Primitive):
    """y = x with src written along ``dim`` at ``index``. dx = grad with zeros where written;
    dsrc = gather(grad)."""

    @staticmethod
    def forward(ctx, x, src, dim, index):
        ctx.dim = dim
        ctx.index = index
        ctx.src_shape = np.shape(src)
        out = np.array(x, copy=True, order="C")
        _scatter_into(out, dim, index, src, accumulate=False)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        gx = gsrc = None
        if ctx.needs_input_grad[0]:
            gx = Scatter.apply(grad_output, 0, ctx.dim, ctx.index)
        if ctx.needs_input_grad[1]:
            gsrc = Gather.apply(grad_output, ctx.dim, ctx.index)
            if gsrc.shape != ctx.src_shape:
                gsrc = _pad_to(gsrc, ctx.src_shape)
        return gx, gsrc, None, None


def _pad_to(g, shape):
    """``g`` placed at the start of zeros of ``shape`` (src larger than index: the rest of src
    is unused and gets zero gradient)."""
    key = _Key(shape, tuple(slice(0, n) for n in g.shape))
    return IndexGrad.apply(g, shape, key)


def _gather_checks(name, input, dim, index):
    _check_index(name, index)
    x, idx = input._data, index._data
    if idx.ndim != x.ndim and not (max(idx.ndim, x.ndim) <= 1):
        raise RuntimeError(f"Index tensor must have the same number of dimensions as input "
                           f"tensor (index {list(idx.shape)}, input {list(x.shape)})")
    dim = _wrap_dim(dim, x.ndim)
    return dim


def gather(input, dim, index, *, sparse_grad=False):
    """``out[i][j] = input[index[i][j]][j]`` for dim 0 (likewise for other dims); ``index``
    may be smaller than ``input`` in the other dims. Gradient: scatter-add into zeros."""
    dim = _gather_checks("gather", input, dim, index)
    x, idx = input._data, index._data
    if x.ndim <= 1 and idx.ndim <= 1 and (x.ndim, idx.ndim) != (1, 1):
        # 0-d and 1-d mix: computed on 1-d views, shaped like the index.
        flat = gather(input.reshape(-1), 0, _wrap(idx.reshape(-1)))
        return flat.reshape(idx.shape)
    for d in range(x.ndim):
        if d != dim and idx.shape[d] > x.shape[d]:
            raise RuntimeError(
                f"Size does not match at dimension {d} expected index {_shape_str(idx.shape)} "
                f"to be no larger than self {_shape_str(x.shape)} apart from dimension {dim}")
    _check_bounds(idx, x.shape[dim], dim)
    return Gather.apply(input, dim, idx)


def _scatter_checks(input, dim, index, src):
    _check_index("scatter", index)
    x, idx = input._data, index._data
    if isinstance(src, Tensor) and src._data.dtype != x.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    if idx.ndim != x.ndim and not (max(idx.ndim, x.ndim) <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as self "
                           "tensor")
    dim = _wrap_dim(dim, x.ndim)
    src_shape = src._data.shape if isinstance(src, Tensor) else None
    for d in range(idx.ndim):
        too_big = (d != dim and idx.shape[d] > x.shape[d]) or (
            src_shape is not None and idx.shape[d] > src_shape[d])
        if too_big:
            tail = "" if src_shape is None else \
                f" and to be no larger size than src {_shape_str(src_shape)}"
            raise RuntimeError(f"Expected index {_shape_str(idx.shape)} to be no larger than "
                               f"self {_shape_str(x.shape)} apart from dimension {dim}{tail}")
    _check_bounds(idx, x.shape[dim] if x.ndim else 1, dim)
    return dim


def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    """``input`` with ``src`` (a tensor, or a scalar ``value``) written at ``index`` along
    ``dim``; ``reduce`` 'add' or 'multiply' combines with the existing values instead. Where
    ``index`` repeats a position without ``reduce``, the last write wins (PyTorch leaves it
    unspecified)."""
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter() missing 1 required argument: 'src' or 'value'")
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise RuntimeError(f"reduce argument must be either add or multiply, got {reduce}")
        if not isinstance(src, Tensor):
            src = _wrap(np.full(index._data.shape, src, dtype=input._data.dtype))
        return scatter_reduce(input, dim, index, src, "sum" if reduce == "add" else "prod")
    dim = _scatter_checks(input, dim, index, src)
    if not isinstance(src, Tensor):
        src = np.asarray(src, dtype=input._data.dtype)
    return Scatter.apply(input, src, dim, index._data)


def scatter_add(input, dim, index, src):
    """``input`` plus ``src`` added at ``index`` along ``dim`` (repeated positions sum)."""
    dim = _scatter_checks(input, dim, index, src)
    return ScatterAdd.apply(input, src, dim, index._data)


_REDUCES = ("sum", "prod", "mean", "amax", "amin")


class ScatterReduce(Primitive):
    """y = x with ``src`` reduced into it at ``index`` along ``dim`` (sum, prod, mean, amax,
    amin; ``include_self``: whether x's values take part). Backward (as PyTorch): sum passes
    grad; mean divides by the count; amax/amin split grad evenly among the elements equal to
    the result; prod multiplies by the product of the other elements (zeros handled exactly)."""

    @staticmethod
    def forward(ctx, x, src, dim, index, reduce, include_self):
        ctx.dim, ctx.index, ctx.reduce, ctx.include_self = dim, index, reduce, include_self
        out = np.array(x, copy=True, order="C")
        if index.size == 0:
            ctx.save_for_backward(x, src, out)
            return out
        flat = out.reshape(-1)
        lin = _scatter_lin(out.shape, dim, index)
        vals = np.asarray(_src_view(src, index)).reshape(-1)
        order = np.argsort(lin, kind="stable")
        s = lin[order]
        first = np.r_[True, s[1:] != s[:-1]]
        starts = np.flatnonzero(first)
        pos = s[starts]
        v = vals[order]
        ufunc = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum,
                 "amin": np.minimum}[reduce]
        red = ufunc.reduceat(v, starts)
        if include_self:
            red = ufunc(flat[pos], red)
        if reduce == "mean":
            count = np.diff(np.r_[starts, len(s)]) + (1 if include_self else 0)
            red = red / count if out.dtype.kind == "f" else red // count
        flat[pos] = red
        ctx.save_for_backward(x, src, out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, src, out = ctx.saved_tensors
        dim, index, reduce = ctx.dim, _wrap(ctx.index), ctx.reduce
        g = grad_output
        src_shape = src.shape
        src = _src_view_t(src, ctx.index)
        hit = scatter(_wrap(np.zeros(x.shape, bool)), dim, index, True) if \
            not ctx.include_self or reduce in ("mean", "amax", "amin") else None
        keep = 1.0 if ctx.include_self else (~hit).to(g.dtype)
        if reduce == "sum":
            gx, gs = g * keep, gather(g, dim, index)
        elif reduce == "mean":
            ones = _wrap(np.ones(index.shape, x._data.dtype))
            n = scatter_add(_wrap(np.ones(x.shape, x._data.dtype)) if ctx.include_self else
                            _wrap(np.zeros(x.shape, x._data.dtype)), dim, index, ones)
            n = _wrap(np.where(n._data == 0, 1, n._data))
            gx, gs = g * keep / n, gather(g / n, dim, index)
        elif reduce in ("amax", "amin"):
            x_is = (x == out).to(g.dtype) * keep
            s_is = (src == gather(out, dim, index)).to(g.dtype)
            n = scatter_add(x_is, dim, index, s_is)
            share = g / _wrap(np.where(n._data == 0, 1, n._data))
            gx, gs = share * x_is, gather(share, dim, index) * s_is
        else:
            gx, gs = _prod_grads(x, src, out, g, dim, index, ctx.include_self)
        if gs.shape != src_shape:
            gs = _pad_to(gs, tuple(src_shape))
        return gx, gs, None, None, None, None


def _src_view_t(src, index):
    return Index.apply(src, _Key(src._data.shape, tuple(slice(0, n) for n in index.shape))) \
        if src._data.shape != index.shape else src


def _prod_grads(x, src, out, g, dim, index, include_self):
    """Gradients of a product reduction: each factor gets grad times the product of the
    others — ``out / factor`` where the factor is nonzero; where it is the only zero at its
    position, the product of the nonzero others; otherwise 0."""
    zx = x == 0
    zs = src == 0
    # (constants, not x * 0 + 1: an infinite x must not turn them into NaN)
    nonzero_x = where(zx, 1.0, x) if include_self else _wrap(np.ones_like(x._data))
    nonzero_prod = scatter_reduce(nonzero_x, dim, index, where(zs, 1.0, src), "prod")
    zeros = scatter_add(zx.to(x.dtype) if include_self else _wrap(np.zeros_like(x._data)), dim,
                        index, zs.to(x.dtype))
    gx = None
    if include_self:
        gx = where(zx, where(zeros == 1, g * nonzero_prod, g * 0), g * out / where(zx, 1.0, x))
    else:
        hit = scatter(_wrap(np.zeros(x.shape, bool)), dim, index, True)
        gx = where(hit, _wrap(np.zeros_like(g._data)), g)
    go = gather(g * out, dim, index)
    gnp = gather(g * nonzero_prod, dim, index)
    gzc = gather(zeros, dim, index)
    gs = where(zs, where(gzc == 1, gnp, gnp * 0), go / where(zs, 1.0, src))
    return gx, gs


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """Reduce ``src`` into ``input`` at ``index`` along ``dim`` with ``reduce`` in 'sum',
    'prod', 'mean', 'amax', 'amin'; ``include_self=False`` leaves ``input``'s values out at
    the positions that receive values. Differentiable w.r.t. ``input`` and ``src``."""
    if reduce not in _REDUCES:
        raise RuntimeError("reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")
    dim = _scatter_checks(input, dim, index, src)
    return ScatterReduce.apply(input, src, dim, index._data, reduce, bool(include_self))


# ====================================================================== index_* along a dim
def _dim_key(input, dim, index, name, allow_int32=True, vector_error=IndexError,
             bound_error=None):
    """The key ``(:, ..., :, index)`` for the ``index_*`` ops, with their checks."""
    if not isinstance(index, Tensor):
        index = _wrap(np.asarray(index))
    idx = index._data
    if idx.dtype != np.int64 and not (allow_int32 and idx.dtype == np.int32):
        if name == "index_select":
            raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
        if name == "index_add_":
            raise RuntimeError("index_add_(): Expected dtype int32/int64 for index but got: "
                               f"{_tname(idx)}")
        if name == "index_copy_":
            raise RuntimeError("index_copy_(): Expected a long tensor for index, but got "
                               f"{_tname(idx)}")
        raise IndexError(f"{name}(): Expected dtype int64 for index.")
    if idx.ndim > 1:
        raise vector_error(f"{name}(): Index is supposed to be a vector, got an index of shape "
                           f"{list(idx.shape)}")
    idx = idx.reshape(-1)
    x = input._data
    dim = _wrap_dim(dim, x.ndim)
    size = x.shape[dim] if x.ndim else 1
    if idx.size and (idx.min() < -size or idx.max() >= size or
                     (name == "index_select" and idx.min() < 0)):
        if name == "index_select":
            bad = int(idx.max()) if idx.max() >= size else int(idx.min())
            raise IndexError(f"index out of range in self (index {bad}, size {size} of dim "
                             f"{dim})")
        bad = int(idx.max()) if idx.max() >= size else int(idx.min())
        msg = f"index {bad} is out of bounds for dimension {dim} with size {size}"
        raise (bound_error or IndexError)(f"{name}(): {msg}" if name == "index_copy_" else msg)
    if x.ndim == 0:
        return dim, _Key((1,), (idx,)), True
    return dim, _Key(x.shape, (slice(None),) * dim + (idx,)), False


def index_select(input, dim, index):
    """The slices of ``input`` at ``index`` (1-D) along ``dim``. Gradient: accumulated back."""
    dim, key, scalar = _dim_key(input, dim, index, "index_select")
    if scalar:
        return Index.apply(input.reshape(1), key).reshape(key.shape)
    return Index.apply(input, key)


def _dim_put(input, dim, index, source, name, accumulate, bound_error=IndexError):
    dim, key, scalar = _dim_key(input, dim, index, name, allow_int32=accumulate,
                                bound_error=bound_error)
    x = input.reshape(1) if scalar else input
    if isinstance(source, Tensor):
        if source._data.dtype != input._data.dtype:
            raise RuntimeError(f"{name}(): self ({_tname(input._data)}) and source "
                               f"({_tname(source._data)}) must have the same scalar type")
        n = key.shape[dim] if key.shape else 1
        if source._data.ndim and source._data.shape[dim] != n and name != "index_fill_":
            raise RuntimeError(f"{name}(): Number of indices ({n}) should be equal to "
                               f"source.size(dim): ({source._data.shape[dim]}), for dim: {dim}")
        if name != "index_fill_" and source._data.shape != key.shape and \
                source._data.size == int(np.prod(key.shape)):
            source = source.reshape(key.shape)
    out = IndexPut.apply(x, source, key, accumulate)
    return out.reshape(()) if scalar else out


def index_add(input, dim, index, source, *, alpha=1):
    """``input`` with ``alpha * source`` added at ``index`` along ``dim`` (repeats sum)."""
    if alpha != 1:
        source = source * alpha
    return _dim_put(input, dim, index, source, "index_add_", True, bound_error=RuntimeError)


def index_copy(input, dim, index, source):
    """``input`` with the slices of ``source`` copied to ``index`` along ``dim``."""
    return _dim_put(input, dim, index, source, "index_copy_", False)


def index_fill(input, dim, index, value):
    """``input`` with the slices at ``index`` along ``dim`` set to ``value`` (a number or 0-d
    tensor, which then receives the summed gradient)."""
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise IndexError("index_fill_ only supports a 0-dimensional value tensor, but got "
                             f"tensor with {value._data.ndim} dimension(s).")
        if value._data.dtype != input._data.dtype:
            value = value.to(input.dtype)
    else:
        value = np.asarray(value).astype(input._data.dtype)
    if isinstance(index, Tensor) and index._data.dtype.kind in "iu" and index._data.ndim <= 1:
        # A position filled twice is filled once: its gradient reaches ``value`` once.
        size = input._data.shape[_wrap_dim(dim, input._data.ndim)] if input._data.ndim else 1
        idx = index._data
        index = _wrap(np.unique(np.where(idx < 0, idx + size, idx)).astype(idx.dtype))
    return _dim_put(input, dim, index, value, "index_fill_", False)
