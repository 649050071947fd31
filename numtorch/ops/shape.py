"""Shape primitives: views and copies that move elements without changing them.

Every op here is linear in its input, so each backward rule is another op of this family (often
the primitive's adjoint: ``unfold``/its fold, the constant pad with negated widths, a diagonal
and its scatter) and double backward comes free. Joining and splitting (``cat``, ``stack``,
``split``...) live in ``ops/join.py``, padding modes in ``ops/padding.py``.

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

from numtorch import _dtype, _layout
from numtorch._tensor import Tensor, _wrap
from numtorch.autograd.function import Primitive
from numtorch.ops import _scalars
from numtorch.ops._broadcast import check_broadcast

__all__ = [
    "reshape", "flatten", "unflatten", "squeeze", "unsqueeze", "permute", "transpose",
    "swapaxes", "swapdims", "movedim", "moveaxis", "t", "broadcast_to", "broadcast_tensors",
    "tile", "repeat_interleave", "flip", "fliplr", "flipud", "roll", "rot90", "narrow", "tril",
    "triu", "diagonal", "diag", "diag_embed", "trace", "clone", "ravel", "select",
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
                raise RuntimeError(f"only one dimension can be inferred, got shape {shape}")
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


def reshape(input, *args, shape=None):
    """``input`` with ``shape`` (one entry may be -1): a view when the layout allows, else a
    copy, like PyTorch. ``shape`` is given as varargs, a sequence, or by name."""
    shape = _infer_shape(input._data.size, _size_args(args if shape is None else (shape,)))
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
    layout allows no view (use ``reshape``), exactly where PyTorch's does: a view never copies.
    ``view(dtype)`` reinterprets the bytes."""
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


def permute(input, *args, dims=None):
    """Reorder the dims: a view. ``dims`` as varargs, a sequence, or by name."""
    dims = _size_args(args if dims is None else (dims,))
    n = input._data.ndim
    if len(dims) != n:
        raise RuntimeError(
            "permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {n} is not equal "
            f"to len(dims) = {len(dims)}")
    dims = tuple(_wrap_dim(d, n) for d in dims)
    if len(set(dims)) != n:
        raise RuntimeError(f"permute(): duplicate dims are not allowed (dims {list(dims)}).")
    return _view_of(Permute, input, dims)


def transpose(input, dim0, dim1):
    """Swap two dims: a view."""
    n = input._data.ndim
    d0, d1 = _wrap_dim(dim0, n), _wrap_dim(dim1, n)
    dims = list(range(n))
    if n:
        dims[d0], dims[d1] = dims[d1], dims[d0]
    return _view_of(Permute, input, tuple(dims))


swapdims = transpose


def swapaxes(input, axis0, axis1):
    """``transpose`` under NumPy's name (and argument names)."""
    return transpose(input, axis0, axis1)


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
    if not sizes:
        raise TypeError('expand() missing 1 required positional arguments: "size"')
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


def contiguous(input, memory_format=_layout.contiguous_format):
    """``input`` itself when it already is in ``memory_format``, else a copy in that format
    (differentiable)."""
    if memory_format is _layout.preserve_format:
        raise RuntimeError("preserve memory format is unsupported by the contiguous operator")
    if _layout.is_format(input._data, memory_format):
        return input
    return clone(input, memory_format=memory_format)


def _format_like(out, ref):
    """``out`` in the layout a layout-preserving op on ``ref`` returns in PyTorch:
    channels-last when ``ref`` looks channels-last, else contiguous (differentiable; a copy
    only when ``out`` is in the other layout)."""
    return contiguous(out, _layout.suggest_memory_format(ref._data))


def ravel(input):
    """The elements as a 1-D tensor: a view of a contiguous tensor, else a contiguous copy
    (PyTorch's ``contiguous().view(-1)``)."""
    return reshape(contiguous(input), (-1,))


def view_as(input, other):
    return view(input, other._data.shape)


def reshape_as(input, other):
    return reshape(input, other._data.shape)


# ====================================================================== copies
class Clone(Primitive):
    """d clone(x) = grad: a differentiable copy (in ``memory_format``; by default ``x``'s own
    layout, as PyTorch's ``preserve_format``)."""

    @staticmethod
    def forward(ctx, x, memory_format=_layout.preserve_format):
        return _layout.copy_preserving(x, memory_format)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output, None


def clone(input, *, memory_format=_layout.preserve_format):
    """A copy of ``input`` with its own memory, in the graph (gradient flows through)."""
    return Clone.apply(input, memory_format)


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
        # the input's layout (a channels-last input stays channels-last, as in PyTorch)
        out = _layout.empty(tuple(shape), x.dtype, _layout.suggest_memory_format(x))
        out.fill(value)
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


def select(input, dim, index):
    """The slice at ``index`` of dim ``dim``, without that dim: ``input[:, ..., index]`` (a
    view; its gradient goes back through indexing)."""
    n_dim = input._data.ndim
    if n_dim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, n_dim)
    index = operator.index(index)
    n = input._data.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{_shape_str(input._data.shape)} at dimension {d}")
    return input[(slice(None),) * d + (index,)]


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
    "tile": _size_method_arg(tile), "repeat_interleave": repeat_interleave, "flip": flip,
    "fliplr": fliplr, "flipud": flipud, "roll": roll, "rot90": rot90, "narrow": narrow,
    "tril": tril, "triu": triu, "diagonal": diagonal, "diag": diag, "diag_embed": diag_embed,
    "trace": trace, "clone": clone, "contiguous": contiguous, "ravel": ravel, "unfold": unfold,
    "select": select,
}

INPLACE_METHODS = {"tril_": tril, "triu_": triu}

# PyTorch's out= on the functions (the Tensor methods above have none)
from numtorch.ops._out import accepts_out as _accepts_out  # noqa: E402

diag, tril, triu = map(_accepts_out, (diag, tril, triu))

# PyTorch's TypeError for Python numbers in the arguments it requires to be tensors
_scalars.check_tensor_args(globals())
