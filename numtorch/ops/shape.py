"""Shape primitives: views and copies that move elements without changing them.

Every op here is linear in its input, so each backward rule is another op of this family (often
the primitive's adjoint: ``cat``/``split``, ``stack``/``unbind``, ``unfold``/its fold, the
constant pad with negated widths) and double backward comes free.

Views: when NumPy can give a view (reshape of a compatible layout, permute, expand, narrow,
split, unbind, diagonal, unfold) the result shares memory *and* the version counter ``_vc``
with its input, so an in-place change through either is seen by the other and detected by
backward's saved-tensor check. ``flip``, ``roll``, ``repeat``, ``cat``… return copies, as in
PyTorch.

An in-place op on a view in the graph also gives its base a new graph node (``CopySlices``,
see ``autograd/function.py``), so gradients through the base see the change, as in PyTorch.
"""

import numbers
import operator

import numpy as np
from numpy.lib.stride_tricks import as_strided

from numtorch import _dtype
from numtorch._tensor import Tensor, _wrap
from numtorch.autograd.function import Primitive
from numtorch.ops._broadcast import check_broadcast

__all__ = [
    "reshape", "flatten", "unflatten", "squeeze", "unsqueeze", "permute", "transpose",
    "swapaxes", "swapdims", "movedim", "moveaxis", "t", "broadcast_to", "broadcast_tensors",
    "tile", "repeat_interleave", "cat", "concat", "concatenate", "stack", "hstack", "vstack",
    "dstack", "column_stack", "split", "tensor_split", "chunk", "unbind", "flip", "fliplr",
    "flipud", "roll", "rot90", "narrow", "tril", "triu", "diagonal", "diag", "diag_embed",
    "trace", "clone", "ravel", "atleast_1d", "atleast_2d", "atleast_3d", "constant_pad_nd",
]


# ====================================================================== helpers
def _shape_str(shape):
    return f"[{', '.join(map(str, shape))}]"


def _wrap_dim(dim, ndim):
    """``dim`` as a non-negative axis of an ``ndim``-D tensor (a 0-D tensor accepts -1 and 0)."""
    dim = operator.index(dim)
    lo, hi = (-1, 0) if ndim == 0 else (-ndim, ndim - 1)
    if not lo <= dim <= hi:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {dim})")
    return dim % ndim if ndim else 0


def _wrap_dims(dims, ndim):
    """A tuple of distinct non-negative axes, in the order given."""
    if isinstance(dims, (numbers.Integral, Tensor)):
        dims = (dims,)
    out = []
    for d in dims:
        d = _wrap_dim(d, ndim)
        if d in out:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        out.append(d)
    return tuple(out)


def _size_args(sizes):
    """``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` and ``f(Size)`` all mean the sizes (2, 3)."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = sizes[0]
    return tuple(operator.index(s) for s in sizes)


def _share_vc(out, x):
    """Give a result that is a NumPy view of ``x`` the version counter of ``x``."""
    if np.may_share_memory(out._data, x._data):
        out._vc = x._ensure_vc()
    return out


def _view_of(cls, x, *attrs):
    """Apply a single-output view primitive and link the version counters."""
    return _share_vc(cls.apply(x, *attrs), x)


def _tensor_list(tensors, name):
    if isinstance(tensors, Tensor):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        "not Tensor")
    return list(tensors)


# ====================================================================== views
class Reshape(Primitive):
    """d reshape(x) = reshape(grad, x.shape). A view whenever NumPy can make one."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, grad_output):
        return reshape(grad_output, ctx.shape), None


class Permute(Primitive):
    """d permute(x, p) = permute(grad, inverse(p))."""

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return np.transpose(x, dims)

    @staticmethod
    def backward(ctx, grad_output):
        return permute(grad_output, tuple(np.argsort(ctx.dims).tolist())), None


class Expand(Primitive):
    """d expand(x) = grad summed over the expanded axes (the engine's ``sum_to_shape``).

    The result is a read-only broadcast view, like PyTorch's expanded tensors which cannot be
    written in place."""

    @staticmethod
    def forward(ctx, x, shape):
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output, None


def _infer_shape(numel, shape):
    """Resolve one ``-1`` in ``shape`` for ``numel`` elements, with PyTorch's errors."""
    shape = list(shape)
    infer = None
    known = 1
    for i, s in enumerate(shape):
        if s == -1:
            if infer is not None:
                raise RuntimeError("only one dimension can be inferred")
            infer = i
        elif s < 0:
            raise RuntimeError(f"invalid shape dimension {s}")
        else:
            known *= s
    if infer is not None:
        if known == 0:
            if numel == 0:
                raise RuntimeError(
                    f"cannot reshape tensor of 0 elements into shape {_shape_str(shape)} because "
                    "the unspecified dimension size -1 can be any value and is ambiguous")
            raise RuntimeError(f"shape '{_shape_str(shape)}' is invalid for input of size "
                               f"{numel}")
        if numel % known:
            raise RuntimeError(f"shape '{_shape_str(shape)}' is invalid for input of size "
                               f"{numel}")
        shape[infer] = numel // known
    elif known != numel:
        raise RuntimeError(f"shape '{_shape_str(shape)}' is invalid for input of size {numel}")
    return tuple(shape)


def reshape(input, *shape):
    """``input`` with ``shape`` (one entry may be -1): a view when the layout allows, else a
    copy, like PyTorch."""
    shape = _infer_shape(input._data.size, _size_args(shape))
    return _view_of(Reshape, input, shape)


def _view_dtype(input, dtype):
    """``view(dtype)``: the same bytes read as another dtype (not differentiable unless the
    dtype is unchanged)."""
    dt = _dtype.to_dtype(dtype)
    arr = input._data
    if dt.np_dtype == arr.dtype:
        return reshape(input, arr.shape)
    old, new = arr.itemsize, dt.np_dtype.itemsize
    if old != new:
        if arr.ndim == 0:
            raise RuntimeError(
                "self.dim() cannot be 0 to view " f"{input.dtype} as {dt} (different element "
                "sizes)")
        if arr.strides[-1] != old and arr.shape[-1] != 1:
            raise RuntimeError("self.stride(-1) must be 1 to view "
                               f"{input.dtype} as {dt} (different element sizes), but got "
                               f"{arr.strides[-1] // old}")
        if (arr.shape[-1] * old) % new:
            raise RuntimeError(
                f"self.size(-1) must be divisible by {new // old if new > old else 1} to view "
                f"{input.dtype} as {dt} (different element sizes), but got {arr.shape[-1]}")
    out = _wrap(arr.view(dt.np_dtype))
    out._vc = input._ensure_vc()
    return out


def view(input, *shape):
    """``input`` with ``shape``, sharing its memory; raises PyTorch's error when the memory
    layout allows no view (use ``reshape``). ``view(dtype)`` reinterprets the bytes."""
    if len(shape) == 1 and isinstance(shape[0], (_dtype.dtype, type, np.dtype, str)):
        return _view_dtype(input, shape[0])
    shape = _infer_shape(input._data.size, _size_args(shape))
    try:
        np.reshape(input._data, shape, copy=False)
    except ValueError:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one "
            "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
        ) from None
    return _view_of(Reshape, input, shape)


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims ``start_dim..end_dim`` into one; a 0-D tensor becomes 1-D."""
    n = input._data.ndim
    start, end = _wrap_dim(start_dim, n), _wrap_dim(end_dim, n)
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if n == 0:
        return reshape(input, (1,))
    shape = input._data.shape
    merged = 1
    for s in shape[start:end + 1]:
        merged *= s
    return reshape(input, shape[:start] + (merged,) + shape[end + 1:])


def unflatten(input, dim, sizes):
    """Split dim ``dim`` into ``sizes`` (one of which may be -1)."""
    n = input._data.ndim
    d = _wrap_dim(dim, n)
    sizes = _size_args((sizes,))
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    if n == 0:
        raise RuntimeError("unflatten got an unexpected error: a 0-dimensional tensor cannot be "
                           "unflattened")
    size = input._data.shape[d]
    if sizes.count(-1) > 1:
        raise RuntimeError("unflatten got an unexpected error: only one dimension can be "
                           "inferred")
    known = 1
    for s in sizes:
        if s != -1:
            known *= s
    if (-1 in sizes and (known == 0 or size % known)) or (-1 not in sizes and known != size):
        raise RuntimeError(f"unflatten: Provided sizes {_shape_str(sizes)} don't multiply up to "
                           f"the size of dim {dim} ({size}) in the input tensor")
    sizes = tuple(size // known if s == -1 else s for s in sizes)
    shape = input._data.shape
    return reshape(input, shape[:d] + sizes + shape[d + 1:])


def squeeze(input, dim=None):
    """Remove dims of size 1: all of them, or those in ``dim`` (an int or a tuple); a listed
    dim whose size is not 1 is left alone, as in PyTorch."""
    shape = input._data.shape
    if dim is None:
        dims = range(len(shape))
    else:
        dims = _wrap_dims(dim, len(shape))
    drop = {d for d in dims if len(shape) and shape[d] == 1}
    return reshape(input, tuple(s for i, s in enumerate(shape) if i not in drop))


def unsqueeze(input, dim):
    """Insert a dim of size 1 at ``dim`` (in ``[-ndim-1, ndim]``)."""
    shape = input._data.shape
    d = _wrap_dim(dim, len(shape) + 1)
    return reshape(input, shape[:d] + (1,) + shape[d:])


def permute(input, *dims):
    """Reorder the dims: a view."""
    dims = _size_args(dims)
    n = input._data.ndim
    if len(dims) != n:
        raise RuntimeError(
            "permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {n} is not equal "
            f"to len(dims) = {len(dims)}")
    dims = tuple(_wrap_dim(d, n) for d in dims)
    if len(set(dims)) != n:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return _view_of(Permute, input, dims)


def transpose(input, dim0, dim1):
    """Swap two dims: a view."""
    n = input._data.ndim
    d0, d1 = _wrap_dim(dim0, n), _wrap_dim(dim1, n)
    dims = list(range(n))
    if n:
        dims[d0], dims[d1] = dims[d1], dims[d0]
    return _view_of(Permute, input, tuple(dims))


swapaxes = transpose
swapdims = transpose


def movedim(input, source, destination):
    """Move dims ``source`` to positions ``destination`` (ints or sequences); the other dims
    keep their order."""
    n = input._data.ndim
    src = (source,) if isinstance(source, numbers.Integral) else tuple(source)
    dst = (destination,) if isinstance(destination, numbers.Integral) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({list(src)} dims) should "
            f"contain the same number of dims as destination ({list(dst)} dims)")
    src_w = [_wrap_dim(d, n) for d in src]
    dst_w = [_wrap_dim(d, n) for d in dst]
    if len(set(src_w)) != len(src_w):
        raise RuntimeError(f"movedim: repeated dim in `source` ({list(src)})")
    if len(set(dst_w)) != len(dst_w):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({list(dst)})")
    order = [None] * n
    for s, d in zip(src_w, dst_w):
        order[d] = s
    rest = iter(d for d in range(n) if d not in src_w)
    order = [next(rest) if o is None else o for o in order]
    return permute(input, tuple(order))


moveaxis = movedim


def t(input):
    """Transpose of a matrix; 0-D and 1-D tensors are returned as they are (as views)."""
    n = input._data.ndim
    if n > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {n}D")
    return transpose(input, 0, 1) if n == 2 else reshape(input, input._data.shape)


def expand(input, *sizes):
    """A read-only broadcast view with ``sizes`` (-1 keeps a dim; new dims go in front)."""
    sizes = _size_args(sizes)
    src = input._data.shape
    if len(sizes) < len(src):
        raise RuntimeError(
            f"expand({input.type()}{{{_shape_str(src)}}}, size={_shape_str(sizes)}): the number "
            f"of sizes provided ({len(sizes)}) must be greater or equal to the number of "
            f"dimensions in the tensor ({len(src)})")
    lead = len(sizes) - len(src)
    shape = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a "
                                   f"leading, non-existing dimension {i}")
            shape.append(s)
            continue
        cur = src[i - lead]
        if s == -1 or s == cur:
            shape.append(cur)
        elif cur == 1 and s >= 0:
            shape.append(s)
        else:
            raise RuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                f"non-singleton dimension {i}.  Target sizes: {_shape_str(sizes)}.  Tensor "
                f"sizes: {_shape_str(src)}")
    shape = tuple(shape)
    if shape == src:
        return reshape(input, shape)
    return _view_of(Expand, input, shape)


def expand_as(input, other):
    return expand(input, other._data.shape)


def broadcast_to(input, size):
    """``input`` expanded to ``size``."""
    return expand(input, size)


def broadcast_tensors(*tensors):
    """Expand all tensors to their common broadcast shape (views)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = ()
    for x in tensors:
        check_broadcast(shape, x._data.shape)
        shape = np.broadcast_shapes(shape, x._data.shape)
    return tuple(expand(x, shape) for x in tensors)


def contiguous(input, memory_format=None):
    """``input`` itself when C-contiguous, else a contiguous copy (differentiable)."""
    if input._data.flags.c_contiguous:
        return input
    return clone(input)


def ravel(input):
    """The elements as a 1-D tensor (a view when the layout allows)."""
    return reshape(input, (-1,))


def view_as(input, other):
    return view(input, other._data.shape)


def reshape_as(input, other):
    return reshape(input, other._data.shape)


# ====================================================================== copies
class Clone(Primitive):
    """d clone(x) = grad: a differentiable copy."""

    @staticmethod
    def forward(ctx, x):
        return np.array(x, copy=True, order="C")

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output


def clone(input, *, memory_format=None):
    """A copy of ``input`` with its own memory, in the graph (gradient flows through)."""
    return Clone.apply(input)


def repeat(input, *sizes):
    """PyTorch's ``Tensor.repeat``: tile ``input`` ``sizes[i]`` times along dim ``i``; extra
    leading sizes add dims. Built from reshape/expand, so its gradient sums the copies."""
    sizes = _size_args(sizes)
    shape = input._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    shape = (1,) * (len(sizes) - len(shape)) + shape
    out_shape = tuple(r * s for r, s in zip(sizes, shape))
    for r in sizes:
        if r < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension "
                               f"{min(out_shape)}: {_shape_str(out_shape)}")
    inter = []
    for r, s in zip(sizes, shape):
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


# ====================================================================== join and split
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
        from numtorch.ops.elementwise import _out

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


def tensor_split(input, indices_or_sections, dim=0):
    """Split into ``sections`` nearly equal pieces (the first ``n % sections`` one longer), or
    at the given indices (Python slice rules: negative indices count from the end)."""
    arg = indices_or_sections
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
        return tuple(x[head + (i,)] for i in range(x.shape[dim]))

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
        from numtorch.ops.elementwise import _out

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


def column_stack(tensors):
    """Columns side by side: 0-D and 1-D tensors become columns, then ``cat`` along dim 1."""
    cols = []
    for x in tensors:
        cols.append(reshape(x, (x._data.size, 1)) if x._data.ndim <= 1 else x)
    return cat(cols, 1)


# ====================================================================== slicing views
class ConstantPad(Primitive):
    """Pad each dim by ``(before, after)`` entries of ``value``; negative widths crop. A pure
    crop is a view unless ``copy``. d pad(x, w) = pad(grad, -w) with zeros: the gradient of the
    kept entries."""

    @staticmethod
    def forward(ctx, x, widths, value, copy):
        ctx.widths = widths
        src, dst, shape = [], [], []
        for n, (lo, hi) in zip(x.shape, widths):
            src.append(slice(max(-lo, 0), n - max(-hi, 0)))
            out_n = n + lo + hi
            dst.append(slice(max(lo, 0), out_n - max(hi, 0)))
            shape.append(out_n)
        if all(lo <= 0 and hi <= 0 for lo, hi in widths):
            return x[tuple(src)].copy() if copy else x[tuple(src)]
        out = np.full(shape, value, dtype=x.dtype)
        out[tuple(dst)] = x[tuple(src)]
        return out

    @staticmethod
    def backward(ctx, grad_output):
        neg = tuple((-lo, -hi) for lo, hi in ctx.widths)
        return ConstantPad.apply(grad_output, neg, 0, False), None, None, None


def narrow(input, dim, start, length):
    """``length`` entries of dim ``dim`` from ``start`` (negative counts from the end): a
    view."""
    n_dim = input._data.ndim
    d = _wrap_dim(dim, n_dim)
    start, length = operator.index(start), operator.index(length)
    n = input._data.shape[d]
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got "
                         f"{start})")
    if start < 0:
        start += n
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    widths = [(0, 0)] * n_dim
    widths[d] = (-start, -(n - start - length))
    return _view_of(ConstantPad, input, tuple(widths), 0, False)


def constant_pad_nd(input, pad, value=0):
    """Pad with ``value``: ``pad`` lists ``(before, after)`` widths from the last dim
    backwards, as ``nn.functional.pad``; negative widths crop."""
    pad = _size_args((pad,))
    n = input._data.ndim
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) > 2 * n:
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input dimension but "
            f"got padding length {len(pad)} and input of dimension {n}")
    widths = [(0, 0)] * n
    for i in range(len(pad) // 2):
        d = n - 1 - i
        lo, hi = pad[2 * i], pad[2 * i + 1]
        if input._data.shape[d] + lo + hi < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
        widths[d] = (lo, hi)
    if value is None:
        value = 0
    # A copy even when every width crops, as PyTorch's pad.
    return ConstantPad.apply(input, tuple(widths), value, True)


def _pad_dim(x, d, lo, hi, mode):
    """One dim of reflect/replicate/circular padding, built from narrow/flip/expand/cat."""
    n = x._data.shape[d]
    if mode == "circular":
        # Negative widths crop first, then the rest wraps around (PyTorch's order).
        x = narrow(x, d, max(-lo, 0), n - max(-lo, 0) - max(-hi, 0))
        n = x._data.shape[d]
        lo, hi = max(lo, 0), max(hi, 0)
        parts = [narrow(x, d, n - lo, lo), x, narrow(x, d, 0, hi)]
        return cat([p for p in parts if p._data.shape[d]], d) if lo or hi else x
    plo, phi = max(lo, 0), max(hi, 0)
    if mode == "reflect":
        left = flip(narrow(x, d, 1, plo), (d,))
        right = flip(narrow(x, d, n - 1 - phi, phi), (d,))
    else:
        shape = list(x._data.shape)
        shape[d] = plo
        left = expand(narrow(x, d, 0, 1), tuple(shape))
        shape[d] = phi
        right = expand(narrow(x, d, n - 1, 1), tuple(shape))
    out = cat([p for p in (left, x, right) if p._data.shape[d]], d) if plo or phi else x
    m = out._data.shape[d]
    # Negative widths crop the padded result (PyTorch's index arithmetic gives the same).
    return narrow(out, d, max(-lo, 0), m - max(-lo, 0) - max(-hi, 0))


def pad(input, pad, mode="constant", value=None):
    """``nn.functional.pad``: ``pad`` = (last-dim before, last-dim after, next-to-last before,
    ...). ``constant`` pads any number of dims with ``value`` (negative widths crop);
    ``reflect``, ``replicate`` and ``circular`` pad the last 1, 2 or 3 dims of a batched or
    unbatched input, with PyTorch's limits (reflect widths below the size; circular at most
    once around)."""
    if mode == "constant":
        return constant_pad_nd(input, pad, 0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    pad = _size_args((pad,))
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    k = len(pad) // 2
    n = input._data.ndim
    if k not in (1, 2, 3) or n not in (k + 1, k + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {n}D input tensor.")
    shape = input._data.shape
    if mode != "circular" and any(s == 0 for s in shape[1:]) or (
            mode != "circular" and n == k + 1 and shape[0] == 0):
        raise RuntimeError(
            f"Expected {k + 1}D or {k + 2}D (batch mode) tensor with possibly 0 batch size and "
            f"other non-zero dimensions for input, but got: {_shape_str(shape)}")
    x = input
    for i in range(k):
        d = n - 1 - i
        lo, hi = pad[2 * i], pad[2 * i + 1]
        size = shape[d]
        if mode == "reflect" and (lo >= size or hi >= size):
            raise RuntimeError(
                "Argument #4: Padding size should be less than the corresponding input "
                f"dimension, but got: padding ({lo}, {hi}) at dimension {d} of input "
                f"{_shape_str(shape)}")
        if mode == "circular":
            if lo > size or hi > size:
                raise RuntimeError("Padding value causes wrapping around more than once.")
            if size + lo + hi <= 0:
                raise RuntimeError("Negative padding value is resulting in an empty dimension.")
        x = _pad_dim(x, d, lo, hi, mode)
    # Zero widths leave a view of the input; PyTorch's pad always returns new memory.
    return clone(x) if np.may_share_memory(x._data, input._data) else x


class Diagonal(Primitive):
    """The diagonal of dims ``dim1``/``dim2`` at ``offset``, as the last dim of a (writable)
    view; its gradient is placed on that diagonal of zeros."""

    @staticmethod
    def forward(ctx, x, offset, dim1, dim2):
        ctx.shape, ctx.args = x.shape, (offset, dim1, dim2)
        return _diagonal_view(x, offset, dim1, dim2)

    @staticmethod
    def backward(ctx, grad_output):
        return DiagonalScatter.apply(grad_output, ctx.shape, *ctx.args), None, None, None


class DiagonalScatter(Primitive):
    """Zeros of ``shape`` with ``src`` on the diagonal of ``dim1``/``dim2`` at ``offset`` (the
    adjoint of ``Diagonal``)."""

    @staticmethod
    def forward(ctx, src, shape, offset, dim1, dim2):
        ctx.args = (offset, dim1, dim2)
        out = np.zeros(shape, dtype=src.dtype)
        _diagonal_view(out, offset, dim1, dim2)[...] = src
        return out

    @staticmethod
    def backward(ctx, grad_output):
        return Diagonal.apply(grad_output, *ctx.args), None, None, None, None


def _diagonal_view(x, offset, dim1, dim2):
    n1, n2 = x.shape[dim1], x.shape[dim2]
    r0, c0 = (0, offset) if offset >= 0 else (-offset, 0)
    length = max(0, min(n1 - r0, n2 - c0))
    base = x
    if length:
        idx = [slice(None)] * x.ndim
        idx[dim1], idx[dim2] = slice(r0, None), slice(c0, None)
        base = x[tuple(idx)]
    keep = [i for i in range(x.ndim) if i not in (dim1, dim2)]
    shape = tuple(x.shape[i] for i in keep) + (length,)
    strides = tuple(base.strides[i] for i in keep) + (base.strides[dim1] + base.strides[dim2],)
    return as_strided(base, shape, strides, writeable=base.flags.writeable)


def _diag_dims(ndim, dim1, dim2):
    d1, d2 = _wrap_dim(dim1, ndim), _wrap_dim(dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return d1, d2


def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal of dims ``dim1``/``dim2`` (above it for ``offset > 0``), appended as the
    last dim: a view."""
    d1, d2 = _diag_dims(input._data.ndim, dim1, dim2)
    return _view_of(Diagonal, input, operator.index(offset), d1, d2)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Matrices (in dims ``dim1``/``dim2`` of the result) whose ``offset`` diagonal is the last
    dim of ``input``; zeros elsewhere."""
    n = input._data.ndim + 1
    d1, d2 = _diag_dims(n, dim1, dim2)
    offset = operator.index(offset)
    m = input._data.shape[-1] + abs(offset) if input._data.ndim else 1
    batch = iter(input._data.shape[:-1])
    shape = tuple(m if i in (d1, d2) else next(batch) for i in range(n))
    return DiagonalScatter.apply(input, shape, offset, d1, d2)


def diag(input, diagonal=0):
    """1-D -> the square matrix with ``input`` on the ``diagonal``-th diagonal; 2-D -> a copy of
    that diagonal."""
    nd = input._data.ndim
    if nd == 1:
        return diag_embed(input, diagonal, 0, 1)
    if nd == 2:
        return clone(_view_of(Diagonal, input, operator.index(diagonal), 0, 1))
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {nd}D")


def trace(input):
    """Sum of the main diagonal of a matrix (integers sum to int64)."""
    if input._data.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim "
                           f"{input._data.ndim}")
    return diagonal(input).sum()


class Unfold(Primitive):
    """Windows of ``size`` entries every ``step`` along ``dim``, as a strided view (the window
    becomes the last dim). Backward: ``FoldWindows``, the sum of each window's gradient back
    in place."""

    @staticmethod
    def forward(ctx, x, dim, size, step):
        ctx.shape, ctx.args = x.shape, (dim, size, step)
        count = (x.shape[dim] - size) // step + 1
        shape = x.shape[:dim] + (count,) + x.shape[dim + 1:] + (size,)
        strides = list(x.strides)
        strides[dim] *= step
        strides = tuple(strides) + (x.strides[dim],)
        # Overlapping windows alias memory: read-only, as PyTorch forbids writing into them.
        return as_strided(x, shape, strides, writeable=x.flags.writeable and step >= size)

    @staticmethod
    def backward(ctx, grad_output):
        return FoldWindows.apply(grad_output, ctx.shape, *ctx.args), None, None, None


class FoldWindows(Primitive):
    """The adjoint of ``Unfold``: each window's entries added back where they came from, one
    vectorized add per offset inside the window."""

    @staticmethod
    def forward(ctx, g, shape, dim, size, step):
        ctx.args = (dim, size, step)
        out = np.zeros(shape, dtype=g.dtype)
        count = g.shape[dim]
        head = (slice(None),) * dim
        for k in range(size):
            out[head + (slice(k, k + step * (count - 1) + 1, step),)] += g[..., k]
        return out

    @staticmethod
    def backward(ctx, grad_output):
        return Unfold.apply(grad_output, *ctx.args), None, None, None, None


def unfold(input, dimension, size, step):
    """``Tensor.unfold``: all windows of ``size`` entries, every ``step``, along
    ``dimension``; a view with the window as a new last dim."""
    nd = input._data.ndim
    d = _wrap_dim(dimension, nd)
    size, step = operator.index(size), operator.index(step)
    n = input._data.shape[d] if nd else 1
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if nd == 0:
        return reshape(unfold(reshape(input, (1,)), 0, size, step), (size,))
    return _view_of(Unfold, input, d, size, step)


# ====================================================================== reordering copies
class Flip(Primitive):
    """Reverse the order along ``dims`` (a copy); d flip(x) = flip(grad)."""

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return np.flip(x, dims).copy() if dims else x.copy()

    @staticmethod
    def backward(ctx, grad_output):
        return Flip.apply(grad_output, ctx.dims), None


def flip(input, *dims):
    """Reverse the order of entries along ``dims`` (a copy, as in PyTorch)."""
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
        return np.triu(x, diagonal) if upper else np.tril(x, diagonal)

    @staticmethod
    def backward(ctx, grad_output):
        return Triangle.apply(grad_output, ctx.diagonal, ctx.upper), None, None


def tril(input, diagonal=0):
    """The lower triangle (on and below the ``diagonal``-th diagonal) of each matrix."""
    if input._data.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    return Triangle.apply(input, operator.index(diagonal), False)


def triu(input, diagonal=0):
    """The upper triangle (on and above the ``diagonal``-th diagonal) of each matrix."""
    if input._data.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    return Triangle.apply(input, operator.index(diagonal), True)


# ====================================================================== Tensor methods
def _size_method_arg(fn):
    """Methods that also take sizes as varargs (``x.repeat(2, 3)``, ``x.tile(2, 3)``)."""
    def method(self, *sizes):
        return fn(self, _size_args(sizes))

    method.__name__ = fn.__name__
    method.__doc__ = fn.__doc__
    return method


TENSOR_METHODS = {
    "reshape": reshape, "view": view, "view_as": view_as, "reshape_as": reshape_as,
    "flatten": flatten, "unflatten": unflatten, "squeeze": squeeze,
    "unsqueeze": unsqueeze, "permute": permute, "transpose": transpose, "swapaxes": swapaxes,
    "swapdims": swapdims, "movedim": movedim, "moveaxis": moveaxis, "t": t, "expand": expand,
    "expand_as": expand_as, "broadcast_to": broadcast_to, "repeat": repeat,
    "tile": _size_method_arg(tile), "repeat_interleave": repeat_interleave, "split": split,
    "tensor_split": tensor_split, "chunk": chunk, "unbind": unbind, "flip": flip,
    "fliplr": fliplr, "flipud": flipud, "roll": roll, "rot90": rot90, "narrow": narrow,
    "tril": tril, "triu": triu, "diagonal": diagonal, "diag": diag, "diag_embed": diag_embed,
    "trace": trace, "clone": clone, "contiguous": contiguous, "ravel": ravel, "unfold": unfold,
}

INPLACE_METHODS = {"tril_": tril, "triu_": triu}

