"""Shape ops that return copies, as PyTorch's do: repeat, tile, repeat_interleave (with
``SegmentSum``, its gradient), flip, roll, rot90, the triangles tril/triu, and combinations.
"""

import numbers
import operator

import numpy as np

from numtorch import _layout
from numtorch._tensor import Tensor, _wrap
from numtorch.autograd.function import Primitive
from numtorch.ops.views import (
    _shape_str,
    _size_args,
    _wrap_dim,
    _wrap_dims,
    clone,
    expand,
    flatten,
    reshape,
    transpose,
)


# ====================================================================== copies
def repeat(input, *sizes):
    """PyTorch's ``Tensor.repeat``: tile ``input`` ``sizes[i]`` times along dim ``i``; extra
    leading sizes add dims. Built from reshape/expand, so its gradient sums the copies."""
    if not sizes:
        raise TypeError('repeat() missing 1 required positional arguments: "repeats"')
    sizes = _size_args(sizes)
    shape = input._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError(f"Number of dimensions of repeat dims can not be smaller than number "
                           f"of dimensions of tensor (repeats {list(sizes)}, tensor of shape "
                           f"{list(shape)})")
    shape = (1,) * (len(sizes) - len(shape)) + shape
    out_shape = tuple(r * s for r, s in zip(sizes, shape))
    for r in sizes:
        if r < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension "
                               f"{min(out_shape)}: {_shape_str(out_shape)}")
    inter = []
    for s in shape:
        inter += [1, s]
    x = reshape(input, tuple(inter))                                   # (1, s0, 1, s1, ...)
    x = expand(x, tuple(v for r, s in zip(sizes, shape) for v in (r, s)))  # (r0, s0, r1, s1, ...)
    out = reshape(x, out_shape)                                        # (r0*s0, r1*s1, ...)
    # With every repeat 1 the reshapes above are views; PyTorch's repeat always copies.
    return clone(out) if np.may_share_memory(out._data, input._data) else out


def tile(input, dims):
    """``numpy.tile``: like ``repeat``, with ``dims`` padded by leading 1s when shorter."""
    dims = _size_args((dims,)) if not isinstance(dims, numbers.Integral) else (int(dims),)
    pad = input._data.ndim - len(dims)
    return repeat(input, (1,) * max(pad, 0) + dims)


class RepeatInterleave(Primitive):
    """Element ``i`` along ``dim`` repeated ``repeats[i]`` times; the gradient sums each run."""

    @staticmethod
    def forward(ctx, x, repeats, dim):
        ctx.repeats, ctx.dim = repeats, dim
        return np.repeat(x, repeats, axis=dim)

    @staticmethod
    def backward(ctx, grad_output):
        return SegmentSum.apply(grad_output, ctx.repeats, ctx.dim), None, None


class SegmentSum(Primitive):
    """Sums of consecutive runs of ``repeats[i]`` entries along ``dim`` (the adjoint of
    ``RepeatInterleave``)."""

    @staticmethod
    def forward(ctx, g, repeats, dim):
        ctx.repeats, ctx.dim = repeats, dim
        shape = list(g.shape)
        shape[dim] = len(repeats)
        out = np.zeros(shape, dtype=g.dtype)
        nonzero = repeats > 0
        if g.shape[dim] and nonzero.any():
            starts = (np.cumsum(repeats) - repeats)[nonzero]
            # Runs of length >= 1 have strictly increasing starts: reduceat sums each run.
            idx = [slice(None)] * g.ndim
            idx[dim] = nonzero
            out[tuple(idx)] = np.add.reduceat(g, starts, axis=dim)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        return RepeatInterleave.apply(grad_output, ctx.repeats, ctx.dim), None, None


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Repeat each element ``repeats`` times (an int, or a tensor with one count per element
    along ``dim``); ``dim=None`` works on the flattened input. ``repeat_interleave(counts)``
    alone gives ``arange(len(counts))`` repeated by ``counts``."""
    if repeats is None:
        counts = input._data
        if counts.ndim > 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        if (counts < 0).any():
            raise RuntimeError("repeats can not be negative")
        return _wrap(np.repeat(np.arange(counts.shape[0], dtype=np.int64), counts))
    if dim is None:
        input = flatten(input)
        dim = 0
    d = _wrap_dim(dim, input._data.ndim)
    if input._data.ndim == 0:
        # PyTorch rejects an explicit dim on a 0-D input (only dim=None flattens it).
        if isinstance(repeats, Tensor):
            raise IndexError("Dimension specified as 0 but tensor has no dimensions")
        raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but got 1)")
    n = input._data.shape[d]
    if isinstance(repeats, Tensor):
        reps = repeats._data
        if reps.ndim > 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        if reps.size == 1:
            reps = np.full(n, int(reps.reshape(())), dtype=np.int64)
        elif reps.shape[0] != n:
            raise RuntimeError(
                "repeats must have the same size as input along dim, but got repeats.size(0) = "
                f"{reps.shape[0]} and input.size({dim}) = {n}")
        if (reps < 0).any():
            raise RuntimeError("repeats can not be negative")
        reps = reps.astype(np.int64)
    else:
        r = operator.index(repeats)
        if r < 0:
            raise RuntimeError("Repeats must be non-negative")
        reps = np.full(n, r, dtype=np.int64)
    return RepeatInterleave.apply(input, reps, d)


# ====================================================================== reordering copies
class Flip(Primitive):
    """Reverse the order along ``dims`` (a copy); d flip(x) = flip(grad)."""

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        out = _layout.empty_preserving(x)  # x's layout, as PyTorch's flip
        np.copyto(out, np.flip(x, dims) if dims else x)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        return Flip.apply(grad_output, ctx.dims), None


def flip(input, *args, dims=None):
    """Reverse the order of entries along ``dims`` (a copy, as in PyTorch)."""
    dims = args if dims is None else (dims,)
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = dims[0]
    dims = _wrap_dims(dims, input._data.ndim)
    if input._data.ndim == 0:
        dims = ()
    return Flip.apply(input, dims)


def fliplr(input):
    """Flip dim 1 (left/right); needs at least 2 dims."""
    if input._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, (1,))


def flipud(input):
    """Flip dim 0 (up/down); needs at least 1 dim."""
    if input._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, (0,))


class Roll(Primitive):
    """Shift entries cyclically (``dims=None``: over the flattened tensor); d roll = roll
    back."""

    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return np.roll(x, shifts, dims)

    @staticmethod
    def backward(ctx, grad_output):
        back = -ctx.shifts if ctx.dims is None else tuple(-s for s in ctx.shifts)
        return Roll.apply(grad_output, back, ctx.dims), None, None


def roll(input, shifts, dims=None):
    """Roll entries by ``shifts`` along ``dims`` (ints or matching tuples); with no ``dims``
    the flattened tensor is rolled and the shape restored."""
    shifts = (shifts,) if isinstance(shifts, numbers.Integral) else tuple(shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                               "dims:0")
        return Roll.apply(input, operator.index(shifts[0]), None)
    dims = (dims,) if isinstance(dims, numbers.Integral) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                           f"dims:{len(dims)}")
    nd = input._data.ndim
    dims = tuple(_wrap_dim(d, nd) for d in dims)
    return Roll.apply(input, tuple(operator.index(s) for s in shifts), dims)


def rot90(input, k=1, dims=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane of ``dims`` (from the first towards the
    second axis); a copy."""
    dims = tuple(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    nd = input._data.ndim
    if nd < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {nd}")
    d0, d1 = _wrap_dim(dims[0], nd), _wrap_dim(dims[1], nd)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and "
                           f"dim1 = {d1}")
    k = operator.index(k) % 4
    if k == 1:
        return transpose(flip(input, (d1,)), d0, d1)
    if k == 2:
        return flip(input, (d0, d1))
    if k == 3:
        return transpose(flip(input, (d0,)), d0, d1)
    return clone(input)


class Triangle(Primitive):
    """Keep the lower (``tril``) or upper (``triu``) triangle of the last two dims from the
    ``diagonal``-th diagonal, zeros elsewhere; the gradient is masked the same way."""

    @staticmethod
    def forward(ctx, x, diagonal, upper):
        ctx.diagonal, ctx.upper = diagonal, upper
        out = np.triu(x, diagonal) if upper else np.tril(x, diagonal)
        return np.asarray(out, order="C")  # PyTorch's tril/triu return contiguous tensors

    @staticmethod
    def backward(ctx, grad_output):
        return Triangle.apply(grad_output, ctx.diagonal, ctx.upper), None, None


def tril(input, diagonal=0):
    """The lower triangle (on and below the ``diagonal``-th diagonal) of each matrix."""
    if input._data.ndim < 2:
        raise RuntimeError(f"tril: input tensor must have at least 2 dimensions, got "
                           f"{input._data.ndim}-D")
    return Triangle.apply(input, operator.index(diagonal), False)


def triu(input, diagonal=0):
    """The upper triangle (on and above the ``diagonal``-th diagonal) of each matrix."""
    if input._data.ndim < 2:
        raise RuntimeError(f"triu: input tensor must have at least 2 dimensions, got "
                           f"{input._data.ndim}-D")
    return Triangle.apply(input, operator.index(diagonal), True)


# ====================================================================== combinations
def _combination_indices(n, r, with_replacement):
    """The ``(count, r)`` int64 index rows of the ``r``-combinations of ``range(n)`` in
    lexicographic order, built a column at a time: each row is followed by every larger
    index (every index not smaller, with replacement)."""
    rows = np.arange(n, dtype=np.int64).reshape(-1, 1)
    for _ in range(r - 1):
        first = rows[:, -1] + (0 if with_replacement else 1)  # the smallest next index
        counts = np.maximum(n - first, 0)
        parent = np.repeat(np.arange(len(rows)), counts)
        starts = np.cumsum(counts) - counts  # where each row's run begins
        nxt = first[parent] + np.arange(parent.size) - starts[parent]
        rows = np.concatenate([rows[parent], nxt.reshape(-1, 1)], axis=1)
    return rows


def combinations(input, r=2, with_replacement=False):
    """The ``r``-length combinations of the elements of a 1-D tensor, as rows of a
    ``(count, r)`` tensor in lexicographic order of position (``itertools.combinations``, or
    ``combinations_with_replacement``). ``r = 0`` gives an empty 1-D tensor. Differentiable:
    each element's gradient is the sum over the places it was copied to."""
    if input._data.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {_shape_str(input._data.shape)}")
    r = operator.index(r)
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:  # (a new empty tensor, outside the graph, as in PyTorch)
        return _wrap(np.zeros((0,), dtype=input._data.dtype))
    idx = _combination_indices(input._data.shape[0], r, with_replacement)
    return input[_wrap(idx)]  # (count, r)
