"""Joining and splitting: cat, stack, split, chunk, unbind and their variants (hsplit, vsplit,
dsplit, block_diag).

Each primitive's backward is its adjoint in this family — ``cat``/``split``,
``stack``/``unbind`` — so double backward comes free. ``split``, ``chunk`` and ``unbind`` are
single multi-output primitives whose outputs are views sharing the input's memory and version
counter; the gradient of the unused outputs is zero.
"""

import numbers
import operator

import numpy as np

from numtorch import _dtype
from numtorch._tensor import Tensor, _wrap
from numtorch.autograd.function import Primitive
from numtorch.ops import _scalars
from numtorch.ops.shape import (
    ConstantPad,
    _shape_str,
    _share_vc,
    _tensor_list,
    _wrap_dim,
    reshape,
)

__all__ = [
    "cat", "concat", "concatenate", "stack", "hstack", "vstack", "dstack", "column_stack",
    "split", "tensor_split", "chunk", "unbind", "atleast_1d", "atleast_2d", "atleast_3d",
    "diff", "hsplit", "vsplit", "dsplit", "block_diag",
]


class Cat(Primitive):
    """d cat(xs) = split(grad) back into the pieces' sizes."""

    @staticmethod
    def forward(ctx, *xs, dim, skip):
        ctx.dim, ctx.skip = dim, skip
        ctx.sizes = [x.shape[dim] for x, s in zip(xs, skip) if not s]
        kept = [x for x, s in zip(xs, skip) if not s]
        return np.concatenate(kept, axis=dim)

    @staticmethod
    def backward(ctx, grad_output):
        pieces = iter(split(grad_output, ctx.sizes, ctx.dim))
        empty = np.zeros(0, dtype=grad_output._data.dtype)
        return tuple(_wrap(empty) if s else next(pieces) for s in ctx.skip)


def _promote_all(tensors):
    dt = _dtype.result_type(*[_wrap(np.empty((1,), t._data.dtype)) for t in tensors])
    return [t if t._data.dtype == dt.np_dtype else t.to(dt) for t in tensors]


def cat(tensors, dim=0, *, out=None):
    """Concatenate along ``dim`` with PyTorch's dtype promotion; 1-D empty tensors are skipped
    (PyTorch's legacy rule), every other size must match except along ``dim``."""
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, x in enumerate(tensors):
        if x._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be "
                               "concatenated")
    skip = tuple(x._data.shape == (0,) for x in tensors)
    kept = [x for x, s in zip(tensors, skip) if not s]
    ref = kept[0] if kept else tensors[0]
    d = _wrap_dim(dim, ref._data.ndim)
    for i, x in enumerate(tensors):
        if skip[i]:
            continue
        if x._data.ndim != ref._data.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got "
                               f"{ref._data.ndim} and {x._data.ndim}")
        for k, (a, b) in enumerate(zip(ref._data.shape, x._data.shape)):
            if k != d and a != b:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size {a} "
                    f"but got size {b} for tensor number {i} in the list.")
    tensors = _promote_all(tensors)
    if not kept:
        skip = (False,) + skip[1:]
    result = Cat.apply(*tensors, dim=d, skip=skip)
    if out is not None:
        from numtorch.ops._out import _out

        return _out(result, out)
    return result


concat = cat


def concatenate(tensors, axis=0, out=None):
    return cat(tensors, axis, out=out)


class Split(Primitive):
    """Views ``x[start:stop]`` along ``dim`` for each ``(start, stop)``; the gradient puts each
    piece's gradient back in place (a ``cat`` when the pieces tile ``x``)."""

    @staticmethod
    def forward(ctx, x, bounds, dim):
        ctx.bounds, ctx.dim, ctx.n = bounds, dim, x.shape[dim]
        head = (slice(None),) * dim
        return tuple(x[head + (slice(a, b),)] for a, b in bounds)

    @staticmethod
    def backward(ctx, *grads):
        bounds, dim, n = ctx.bounds, ctx.dim, ctx.n
        tiles = bounds and bounds[0][0] == 0 and bounds[-1][1] == n and all(
            bounds[i][1] == bounds[i + 1][0] for i in range(len(bounds) - 1))
        if tiles:
            return cat(list(grads), dim), None, None
        total = None
        for (a, b), g in zip(bounds, grads):
            widths = [(0, 0)] * g._data.ndim
            widths[dim] = (a, n - b)
            piece = ConstantPad.apply(g, tuple(widths), 0, False)
            total = piece if total is None else total + piece
        return total, None, None


def _split_bounds(x, bounds, dim):
    outs = Split.apply(x, tuple(bounds), dim)
    for o in outs:
        _share_vc(o, x)
    return outs


def split(tensor, split_size_or_sections, dim=0):
    """Pieces of size ``split_size`` (the last may be smaller) or of the listed sizes (which
    must sum to the size of ``dim``); views of ``tensor``."""
    d = _wrap_dim(dim, tensor._data.ndim)
    n = tensor._data.shape[d]
    if isinstance(split_size_or_sections, (numbers.Integral, Tensor)) and not (
            isinstance(split_size_or_sections, Tensor) and split_size_or_sections.ndim):
        size = operator.index(split_size_or_sections)
        if size < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got "
                               f"split_size={size}")
        if size == 0:
            if n:
                raise RuntimeError("split_size can only be 0 if dimension size is 0, but got "
                                   f"dimension size of {n}")
            return _split_bounds(tensor, [(0, 0)], d)
        starts = range(0, max(n, 1), size)
        return _split_bounds(tensor, [(a, min(a + size, n)) for a in starts], d)
    sizes = [operator.index(s) for s in split_size_or_sections]
    if sum(sizes) != n or any(s < 0 for s in sizes):
        raise RuntimeError(
            f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
            f"dimension {d}), but got split_sizes={_shape_str(sizes)}")
    bounds, a = [], 0
    for s in sizes:
        bounds.append((a, a + s))
        a += s
    return _split_bounds(tensor, bounds, d)


def tensor_split(input, indices_or_sections=None, dim=0, *, sections=None, indices=None,
                 tensor_indices_or_sections=None):
    """Split into ``sections`` nearly equal pieces (the first ``n % sections`` one longer), or
    at the given indices (Python slice rules: negative indices count from the end). The split
    is given positionally or by one of PyTorch's names for it."""
    named = [v for v in (sections, indices, tensor_indices_or_sections) if v is not None]
    if len(named) + (indices_or_sections is not None) != 1:
        raise TypeError("tensor_split() expects exactly one of indices_or_sections, sections, "
                        "indices, tensor_indices_or_sections")
    arg = indices_or_sections if indices_or_sections is not None else named[0]
    if isinstance(arg, Tensor):
        if arg._data.ndim > 1:
            raise RuntimeError(
                "tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                f"one-dimensional tensor, but got a tensor with {arg._data.ndim} dims")
        arg = int(arg._data) if arg._data.ndim == 0 else arg._data.tolist()
    d = _wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    if isinstance(arg, numbers.Integral):
        k = int(arg)
        if k <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {k}")
        q, r = divmod(n, k)
        bounds, a = [], 0
        for i in range(k):
            s = q + (1 if i < r else 0)
            bounds.append((a, a + s))
            a += s
        return _split_bounds(input, bounds, d)
    cuts = [0] + [operator.index(i) for i in arg] + [n]
    bounds = []
    for a, b in zip(cuts[:-1], cuts[1:]):
        start, stop, _ = slice(a, b).indices(n)
        bounds.append((start, max(start, stop)))
    return _split_bounds(input, bounds, d)


def _split_along(name, input, indices_or_sections, dim, min_dims):
    nd = input._data.ndim
    if nd < min_dims:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dims} dimension, "
                           f"but got a tensor with {nd} dimensions!")
    if isinstance(indices_or_sections, numbers.Integral):
        k = int(indices_or_sections)
        n = input._data.shape[dim]
        if k == 0 or n % k != 0:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the "
                               f"size of the dimension {n} is not divisible by the split_size "
                               f"{k}!")
    elif not isinstance(indices_or_sections, (list, tuple)) or not all(
            isinstance(i, numbers.Integral) for i in indices_or_sections):
        raise TypeError(f"{name}() received an invalid combination of arguments - got (Tensor, "
                        f"{type(indices_or_sections).__name__}): expected an int of sections "
                        "or a sequence of int indices")
    return tensor_split(input, indices_or_sections, dim)


def hsplit(input, indices_or_sections):
    """``tensor_split`` along dim 1 (dim 0 of a 1-D tensor); a number of sections must
    divide that dim."""
    dim = 0 if input._data.ndim == 1 else 1
    return _split_along("hsplit", input, indices_or_sections, dim, 1)


def vsplit(input, indices_or_sections):
    """``tensor_split`` along dim 0 of a tensor of at least 2 dims (sections must divide it)."""
    return _split_along("vsplit", input, indices_or_sections, 0, 2)


def dsplit(input, indices_or_sections):
    """``tensor_split`` along dim 2 of a tensor of at least 3 dims (sections must divide it)."""
    return _split_along("dsplit", input, indices_or_sections, 2, 3)


def chunk(input, chunks, dim=0):
    """At most ``chunks`` pieces of size ``ceil(n / chunks)`` (fewer when they run out)."""
    chunks = operator.index(chunks)
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = _wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    if n == 0:
        return _split_bounds(input, [(0, 0)] * chunks, d)
    return split(input, -(-n // chunks), d)


class Stack(Primitive):
    """d stack(xs) = unbind(grad)."""

    @staticmethod
    def forward(ctx, *xs, dim):
        ctx.dim = dim
        return np.stack(xs, axis=dim)

    @staticmethod
    def backward(ctx, grad_output):
        return unbind(grad_output, ctx.dim)


class Unbind(Primitive):
    """The slices along ``dim`` as views; d unbind(x) = stack(grads)."""

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        head = (slice(None),) * dim
        return tuple(x[head + (i, Ellipsis)] for i in range(x.shape[dim]))  # views, 0-d too

    @staticmethod
    def backward(ctx, *grads):
        return stack(list(grads), ctx.dim), None


def unbind(input, dim=0):
    """The tensors along ``dim`` with that dim removed (views)."""
    d = _wrap_dim(dim, input._data.ndim)
    if input._data.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    outs = Unbind.apply(input, d)
    for o in outs:
        _share_vc(o, input)
    return outs


def stack(tensors, dim=0, *, out=None):
    """Join equal-shaped tensors along a new dim ``dim``, with dtype promotion."""
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    first = tensors[0]._data.shape
    for i, x in enumerate(tensors):
        if x._data.shape != first:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {_shape_str(first)} at "
                f"entry 0 and {_shape_str(x._data.shape)} at entry {i}")
    d = _wrap_dim(dim, len(first) + 1)
    result = Stack.apply(*_promote_all(tensors), dim=d)
    if out is not None:
        from numtorch.ops._out import _out

        return _out(result, out)
    return result


def _atleast(n, tensors):
    single = len(tensors) == 1 and isinstance(tensors[0], Tensor)
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    outs = []
    for x in tensors:
        shape = x._data.shape
        if len(shape) >= n:
            outs.append(x)
        elif n == 3 and len(shape) == 2:
            outs.append(reshape(x, shape + (1,)))
        elif n == 3 and len(shape) == 1:
            outs.append(reshape(x, (1,) + shape + (1,)))
        else:
            outs.append(reshape(x, (1,) * (n - len(shape)) + shape))
    return outs[0] if single else tuple(outs)


def atleast_1d(*tensors):
    """Tensors with at least 1 dim (0-D becomes shape (1,))."""
    return _atleast(1, tensors)


def atleast_2d(*tensors):
    """Tensors with at least 2 dims (new dims in front)."""
    return _atleast(2, tensors)


def atleast_3d(*tensors):
    """Tensors with at least 3 dims: (n,) -> (1, n, 1), (m, n) -> (m, n, 1)."""
    return _atleast(3, tensors)


def hstack(tensors):
    """``cat`` along dim 1, or dim 0 for 1-D tensors."""
    tensors = atleast_1d(list(tensors))
    return cat(tensors, 0 if tensors[0]._data.ndim == 1 else 1)


def vstack(tensors):
    """``cat`` of ``atleast_2d`` tensors along dim 0."""
    return cat(atleast_2d(list(tensors)), 0)


def dstack(tensors):
    """``cat`` of ``atleast_3d`` tensors along dim 2."""
    return cat(atleast_3d(list(tensors)), 2)


def block_diag(*tensors):
    """The block-diagonal matrix of the given 0-, 1- or 2-D tensors (a 0-D one is a 1 x 1
    block, a 1-D one a row), zeros elsewhere, in their promoted dtype. Each block is padded
    with zeros to the full width and the rows are concatenated, so gradients are the
    blocks' parts of the result's."""
    for i, x in enumerate(tensors):
        if not isinstance(x, Tensor):
            raise TypeError(f"block_diag(): argument 'tensors' (position {i + 1}) must be "
                            f"Tensor, not {type(x).__name__}")
        if x._data.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer "
                               f"dimensions. Input {i} has {x._data.ndim} dimensions")
    if not tensors:
        return _wrap(np.zeros((1, 0), dtype=_dtype.get_default_dtype().np_dtype))
    dt = _dtype.result_type(*tensors)  # (PyTorch's rule: a 0-d block does not promote)
    blocks = [reshape(x, (1, -1) if x._data.ndim == 1 else (1, 1)) if x._data.ndim < 2
              else x for x in tensors]
    blocks = [b if b.dtype is dt else b.to(dt) for b in blocks]
    width = sum(b._data.shape[1] for b in blocks)
    rows, col = [], 0
    for b in blocks:
        w = b._data.shape[1]
        rows.append(ConstantPad.apply(b, ((0, 0), (col, width - col - w)), 0, False))
        col += w
    return cat(rows, 0)


def column_stack(tensors):
    """Columns side by side: 0-D and 1-D tensors become columns, then ``cat`` along dim 1."""
    cols = []
    for x in tensors:
        cols.append(reshape(x, (x._data.size, 1)) if x._data.ndim <= 1 else x)
    return cat(cols, 1)


def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The ``n``-th forward difference along ``dim``: ``x[1:] - x[:-1]`` applied ``n`` times,
    after ``prepend`` / ``append`` are joined on (bool tensors give ``x[1:] != x[:-1]``).
    Composite of narrow and subtraction, so it is differentiable."""
    from numtorch.ops.shape import narrow

    if input._data.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    dim = _wrap_dim(dim, input._data.ndim)  # PyTorch's IndexError, not a tuple's
    x = input
    if prepend is not None or append is not None:
        parts = [t if isinstance(t, Tensor) else _wrap(np.asarray(t, dtype=x._data.dtype))
                 for t in (prepend, x, append) if t is not None]
        x = cat(parts, dim)
    for _ in range(n):
        length = x._data.shape[dim]
        if length == 0:
            break
        hi = narrow(x, dim, 1, length - 1)
        lo = narrow(x, dim, 0, length - 1)
        x = hi != lo if x._data.dtype == np.bool_ else hi - lo
    return x


def _split_method(self, split_size, dim=0):
    """``Tensor.split``: PyTorch names the size ``split_size`` here."""
    return split(self, split_size, dim)


TENSOR_METHODS = {"split": _split_method, "tensor_split": tensor_split, "chunk": chunk,
                  "unbind": unbind, "diff": diff, "hsplit": hsplit, "vsplit": vsplit,
                  "dsplit": dsplit}

# PyTorch's out= on the functions (the Tensor methods above have none)
from numtorch.ops._out import accepts_out as _accepts_out  # noqa: E402

column_stack, dstack, hstack, vstack = map(_accepts_out, (column_stack, dstack, hstack, vstack))

# PyTorch's TypeError for Python numbers in the arguments it requires to be tensors
_scalars.check_tensor_args(globals())
