"""Views of a part of a tensor and their adjoints: narrow/select (with the constant pad
that is their gradient), diagonals (``Diagonal`` / ``DiagonalScatter``), diag, diagflat,
trace, the copies with one such part replaced (``diagonal_scatter``, ``select_scatter``,
``slice_scatter``) and ``unfold`` (sliding windows) with ``FoldWindows`` (its gradient).
"""

import operator

import numpy as np
from numpy.lib.stride_tricks import as_strided

from numtorch import _layout
from numtorch.autograd import grad_mode
from numtorch.autograd.function import Primitive
from numtorch.ops._out import _kernel_name
from numtorch.ops.views import _shape_str, _view_of, _wrap_dim, clone, reshape


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


def diagflat(input, offset=0):
    """The square matrix with the flattened ``input`` on its ``offset``-th diagonal."""
    return diag_embed(reshape(input, (-1,)), operator.index(offset), 0, 1)


# ====================================================================== scatters into a copy
def _scatter_into(input, src, region):
    """A copy of ``input`` with ``region(copy)`` (a view of it) overwritten by ``src`` (cast
    to ``input``'s dtype). The write is an in-place copy into a view of a fresh tensor, so the
    gradient of ``input`` is zero on the region and ``src``'s is the region's gradient."""
    from numtorch._tensor import Tensor

    if not isinstance(src, Tensor):
        raise TypeError(f"argument 'src' (position 2) must be Tensor, not {type(src).__name__}")
    out = clone(input)
    view = region(out)
    if view._data.shape != src._data.shape:
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = "
                           f"{_shape_str(src._data.shape)}, slice size = "
                           f"{_shape_str(view._data.shape)}")
    if input._data.dtype.kind != "f" and src._requires_grad and grad_mode.is_grad_enabled():
        raise RuntimeError(f"Autograd not support dtype: {_kernel_name(input._data)}")
    view.copy_(src)
    return out


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """``input`` with its ``offset`` diagonal over ``dim1``/``dim2`` replaced by ``src`` (shaped
    like ``input.diagonal(offset, dim1, dim2)``); a new tensor."""
    return _scatter_into(input, src, lambda out: diagonal(out, offset, dim1, dim2))


def select_scatter(input, src, dim, index):
    """``input`` with ``input.select(dim, index)`` replaced by ``src``; a new tensor."""
    return _scatter_into(input, src, lambda out: select(out, dim, index))


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    """``input`` with the slice ``start:end:step`` of ``dim`` replaced by ``src``; a new
    tensor."""
    step = operator.index(step)
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    nd = input._data.ndim
    d = _wrap_dim(dim, max(nd, 1))
    key = (slice(None),) * d + (slice(start, end, step),)
    return _scatter_into(input, src, lambda out: out[key])


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
