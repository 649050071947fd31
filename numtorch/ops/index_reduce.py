"""``index_reduce``: slices of ``source`` reduced into ``input`` at ``index`` along ``dim``, with
``prod``, ``mean``, ``amax`` or ``amin`` (``include_self``: whether ``input``'s own slice takes
part). One primitive, the reduction a parameter; its backward is written with index ops.
"""

import numpy as np

from numtorch import _dtype
from numtorch._tensor import Tensor, _wrap
from numtorch.autograd.function import Primitive, _mask_mul, once_differentiable
from numtorch.ops._out import accepts_out
from numtorch.ops.views import _shape_str, _wrap_dim

__all__ = ["index_reduce"]

_REDUCES = ("prod", "mean", "amax", "amin")


def _front(a, d):
    return np.moveaxis(a, d, 0)


class IndexReduce(Primitive):
    """out = input; for each i: out[index[i]] = reduce(out[index[i]], source[i]) along ``dim``.

    Gradients (a slot is one position of ``out``, its members ``input``'s element when
    included and the ``source`` elements sent to it):
    mean: d/d member = grad / count; amax/amin: the gradient is shared evenly among the members
    equal to the result; prod: d/d member = grad * product of the slot's other members."""

    @staticmethod
    def forward(ctx, x, index, source, dim, reduce, include_self):
        xf = _front(x, dim)
        sf = _front(source, dim)
        out = xf.copy()
        # slots that receive something; unreached ones keep ``input`` untouched
        hit = np.zeros(xf.shape[0], dtype=bool)
        hit[index] = True
        if not include_self:
            start = {"prod": 1, "mean": 0, "amax": _lowest(out.dtype),
                     "amin": _highest(out.dtype)}[reduce]
            out[hit] = start
        if reduce == "prod":
            np.multiply.at(out, index, sf)
        elif reduce == "amax":
            np.maximum.at(out, index, sf)
        elif reduce == "amin":
            np.minimum.at(out, index, sf)
        else:
            counts = np.full(xf.shape[0], 1 if include_self else 0, dtype=np.int64)
            np.add.at(counts, index, 1)
            np.add.at(out, index, sf)
            shape = (-1,) + (1,) * (out.ndim - 1)
            c = np.maximum(counts, 1).reshape(shape)
            if out.dtype.kind == "f":
                out = out / c.astype(out.dtype)
            else:
                out = np.floor_divide(out, c).astype(out.dtype)
            ctx.counts = c
        ctx.dim, ctx.reduce, ctx.include_self = dim, reduce, include_self
        ctx.index, ctx.hit = index, hit
        result = np.ascontiguousarray(np.moveaxis(out, 0, dim))
        if reduce != "mean":
            ctx.save_for_backward(x, source, result)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        dim, index = ctx.dim, _wrap(ctx.index)
        if ctx.reduce == "mean":
            shape = [1] * grad_output.ndim
            shape[dim] = -1
            per_member = grad_output / _wrap(ctx.counts.reshape(shape).astype(
                grad_output._data.dtype))
            if ctx.include_self:
                grad_input = per_member
            else:  # the slots that received values dropped the input's own
                keep = (~ctx.hit).astype(grad_output._data.dtype)
                grad_input = _mask_mul(grad_output, keep.reshape(shape))
            grad_source = per_member.index_select(dim, index)
            return grad_input, None, grad_source, None, None, None
        x, source, result = ctx.saved_tensors
        if ctx.reduce == "prod":
            return _prod_backward(ctx, grad_output, x, source, result)
        # amax / amin: members equal to the result share the slot's gradient
        picked = result.index_select(dim, index)
        self_mask = (x._data == result._data)
        src_mask = (source._data == picked._data)
        # NOTE: as PyTorch, the input's element counts among the ties even when it was left
        # out (include_self=False), and then gets no share: the shares sum to less than 1.
        count = self_mask.astype(np.int64)
        count_t = _wrap(count).index_add(dim, index, _wrap(src_mask.astype(np.int64)))
        share = grad_output / count_t.to(grad_output.dtype).clamp_min(1)
        if not ctx.include_self:
            self_mask = self_mask & ~_hit_mask(ctx, x._data.shape, dim)
        # (zeros where a member is not the extremum, even under an infinite gradient)
        grad_input = _mask_mul(share, self_mask.astype(grad_output._data.dtype))
        grad_source = _mask_mul(share.index_select(dim, index),
                                src_mask.astype(grad_output._data.dtype))
        return grad_input, None, grad_source, None, None, None


def _hit_mask(ctx, shape, dim):
    view = [1] * len(shape)
    view[dim] = -1
    return np.broadcast_to(ctx.hit.reshape(view), shape)


@once_differentiable
def _prod_backward(ctx, grad_output, x, source, result):
    """d/d member = grad * product of the slot's other members, computed without dividing by
    a zero member: a slot's zeros are counted, and its product of nonzero members kept."""
    dim, idx = ctx.dim, ctx.index
    xf, sf = _front(x._data, dim), _front(source._data, dim)
    g = _front(grad_output._data, dim)
    include = np.ones(xf.shape[0], dtype=bool) if ctx.include_self else ~ctx.hit
    shape = (-1,) + (1,) * (xf.ndim - 1)
    inc = include.reshape(shape)
    zeros = np.where(inc, xf == 0, False).astype(np.int64)
    nonzero_prod = np.where(inc & (xf != 0), xf, 1).astype(xf.dtype)
    np.add.at(zeros, idx, (sf == 0).astype(np.int64))
    np.multiply.at(nonzero_prod, idx, np.where(sf != 0, sf, 1))

    def others(member, z, p):
        # the product of the slot's members but this one
        safe = np.where(member == 0, 1, member)
        return np.where(member == 0, np.where(z == 1, p, 0), np.where(z == 0, p / safe, 0))

    grad_x = np.where(inc, g * others(xf, zeros, nonzero_prod), 0)
    grad_s = g[idx] * others(sf, zeros[idx], nonzero_prod[idx])
    return (_wrap(np.ascontiguousarray(np.moveaxis(grad_x, 0, dim))), None,
            _wrap(np.ascontiguousarray(np.moveaxis(grad_s, 0, dim))), None, None, None)


def _lowest(dt):
    return -np.inf if dt.kind == "f" else (np.iinfo(dt).min if dt.kind in "iu" else False)


def _highest(dt):
    return np.inf if dt.kind == "f" else (np.iinfo(dt).max if dt.kind in "iu" else True)


def index_reduce(input, dim, index, source, reduce, *, include_self=True):
    """``input`` with the slices ``source.select(dim, i)`` reduced into the slices
    ``index[i]`` along ``dim`` by ``reduce`` (prod, mean, amax, amin); ``include_self=False``
    leaves ``input``'s values out of the slots that receive any."""
    for name, t in (("input", input), ("index", index), ("source", source)):
        if not isinstance(t, Tensor):
            raise TypeError(f"index_reduce(): argument '{name}' must be Tensor, not "
                            f"{type(t).__name__}")
    if reduce not in _REDUCES:
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or "
                           f"amin but got {reduce}.")
    if index._data.dtype not in (np.int32, np.int64):
        raise RuntimeError(f"index_reduce_(): Expected dtype int32/int64 for index but got: "
                           f"{_dtype.scalar_type_name(index.dtype)}")
    if index._data.ndim > 1:
        raise IndexError(f"index_reduce_(): Index is supposed to be a vector, but got dim: "
                         f"{index._data.ndim} with type: "
                         f"{_dtype.scalar_type_name(index.dtype)} and size: "
                         f"{_shape_str(index.shape)}")
    nd = input._data.ndim
    d = _wrap_dim(dim, nd)
    x_shape = input._data.shape if nd else (1,)
    s_shape = source._data.shape if source._data.ndim else (1,)
    idx = index._data.reshape(-1).astype(np.int64)
    n_source = s_shape[d] if len(s_shape) > d else 1
    if idx.size != n_source:
        raise RuntimeError(f"index_reduce_(): Number of indices ({idx.size}) should be equal to "
                           f"source.size(dim): ({n_source}), for dim: {dim}")
    if input._data.dtype != source._data.dtype:
        raise RuntimeError(f"index_reduce_(): self ({_dtype.scalar_type_name(input.dtype)}) and "
                           f"source ({_dtype.scalar_type_name(source.dtype)}) must have the same "
                           "scalar type")
    if len(s_shape) != len(x_shape) or any(a != b for i, (a, b) in
                                           enumerate(zip(x_shape, s_shape)) if i != d):
        raise RuntimeError(f"source tensor shape must match self tensor shape, excluding the "
                           f"specified dimension. Got self.shape = {_shape_str(input.shape)} "
                           f"source.shape = {_shape_str(source.shape)}")
    if idx.size and (idx.min() < 0 or idx.max() >= x_shape[d]):
        raise IndexError("index out of range in self")
    x, src = input, source
    if nd == 0:
        x, src = input.reshape(1), source.reshape(1)
    res = IndexReduce.apply(x, _wrap(idx), src, d, reduce, include_self)
    if nd == 0:
        res = res.reshape(())
    return res


TENSOR_METHODS = {"index_reduce": index_reduce}
INPLACE_METHODS = {"index_reduce_": index_reduce}

# PyTorch's out= on the function (the Tensor methods above have none)
index_reduce = accepts_out(index_reduce)
