"""Views that rearrange the whole tensor: reshape/view, flatten, squeeze, permute,
transpose, movedim, expand, broadcast_to (the ``Reshape``, ``Permute`` and ``Expand``
primitives), and contiguous with the one copy it needs (``Clone``); with the dim and size
helpers the rest of the shape family uses.
"""

import numbers
import operator

import numpy as np

from numtorch import _dtype, _layout
from numtorch._tensor import Tensor, _wrap
from numtorch.autograd.function import Primitive
from numtorch.ops._broadcast import check_broadcast


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


# ====================================================================== clone (contiguous's copy)
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
