"""Norms and distances: ``torch.linalg``'s ``vector_norm``, ``matrix_norm``, ``norm`` and
``vecdot``, and ``torch.cdist``.

NOTE: like PyTorch, the gradient of a norm is 0 where the norm is 0.
"""

import numpy as np

from numtorch._tensor import _wrap
from numtorch.autograd.function import Primitive
from numtorch.ops._broadcast import check_broadcast
from numtorch.ops._reduce_dims import _dims
from numtorch.ops.elementwise import where
from numtorch.ops.linalg_decomp import svdvals
from numtorch.ops.linalg_solve import _check_float
from numtorch.ops.matmul import _check_bmm_dtype, _mm, _out, _sname

__all__ = ["vector_norm", "matrix_norm", "norm", "vecdot", "cdist", "pdist"]

# ====================================================================== norms
class VectorNorm(Primitive):
    """``(sum |x|^p)^(1/p)`` over ``axes``; p = inf / -inf are max / min of ``|x|``, p = 0 counts
    nonzeros.

    d |x|_p = sign(x) |x|^(p-1) / |x|_p^(p-1) dx (p = 2: x / |x|_2; p = 1: sign(x)); for
    p = +-inf the gradient is shared evenly among the entries attaining the extremum.
    NOTE: like PyTorch, the gradient is 0 where the norm is 0 (and, for p < 1, where x = 0)."""

    @staticmethod
    def forward(ctx, x, ord, axes, keepdim):
        ax = np.abs(x)
        if ord == np.inf:
            out = np.max(ax, axis=axes, keepdims=keepdim)
        elif ord == -np.inf:
            out = np.min(ax, axis=axes, keepdims=keepdim)
        elif ord == 0:
            out = np.sum(x != 0, axis=axes, keepdims=keepdim).astype(x.dtype)
        elif ord == 1:
            out = np.sum(ax, axis=axes, keepdims=keepdim)
        elif ord == 2:
            out = np.sqrt(np.sum(x * x, axis=axes, keepdims=keepdim))
        else:
            out = np.sum(ax ** ord, axis=axes, keepdims=keepdim) ** (1.0 / ord)
        out = np.asarray(out, dtype=x.dtype)
        ctx.save_for_backward(x, out)
        ctx.ord, ctx.axes, ctx.keepdim = ord, axes, keepdim
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, out = ctx.saved_tensors
        p = ctx.ord
        if p == 0:  # a count of nonzeros: a zero gradient (as PyTorch's), not none
            return x.new_zeros(x.shape), None, None, None
        g = grad_output
        if not ctx.keepdim:
            kshape = tuple(1 if i in ctx.axes else s for i, s in enumerate(x._data.shape))
            g = g.reshape(kshape)
            out = out.reshape(kshape)
        if p == 1:
            return g * x.sign(), None, None, None
        if p in (np.inf, -np.inf):
            hit = (x.abs() == out).to(x.dtype)
            return g * x.sign() * hit / hit.sum(ctx.axes, keepdim=True), None, None, None
        zero = out == 0
        w = where(zero, 0.0, g / where(zero, 1.0, out) ** (p - 1))
        if p == 2:
            return w * x, None, None, None
        xz = x == 0
        return w * x.sign() * where(xz, 0.0, where(xz, 1.0, x.abs()) ** (p - 1)), None, None, \
            None


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    """The vector ``ord``-norm of ``x`` over ``dim`` (all dims when None), floating dtypes only;
    ``dtype`` casts the input first."""
    if isinstance(ord, str):
        raise TypeError("linalg_vector_norm(): argument 'ord' (position 2) must be Number, not str")
    if dtype is not None:
        x = x.to(dtype)
    _check_float(x, "linalg.vector_norm")
    if isinstance(dim, (tuple, list)) and len(dim) == 0:
        dim = None
    axes = _dims(x._data.ndim, dim)
    # (only a reduced dim without elements has no identity: the other dims may be empty)
    if (ord < 0 or ord == np.inf) and x._data.size == 0 and (
            dim is None or any(x._data.shape[a] == 0 for a in axes)):
        raise RuntimeError(f"linalg.vector_norm cannot compute the {ord} norm on an empty tensor "
                           "because the operation does not have an identity")
    return _out(VectorNorm.apply(x, float(ord), axes, keepdim), out)


def _restore_dims(t, dims, keepdim, ndim):
    """``t`` reduced over the two matrix ``dims`` (removed): put them back as size 1."""
    if not keepdim:
        return t
    shape = list(t._data.shape)
    for d in sorted(dims):
        shape.insert(d, 1)
    return t.reshape(shape)


def _to_last(A, dims):
    """Move the two ``dims`` of ``A`` to the end, in order (the matrix dims)."""
    d0, d1 = dims
    rest = [i for i in range(A._data.ndim) if i not in (d0, d1)]
    return A.permute(rest + [d0, d1])


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    """Matrix norms over the two ``dim``: 'fro', 'nuc', inf / -inf (max / min row sum of
    |a|), 1 / -1 (max / min column sum), 2 / -2 (largest / smallest singular value)."""
    if dtype is not None:
        A = A.to(dtype)
    _check_float(A, "linalg.matrix_norm")
    if A._data.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                           "dimensions.")
    dims = tuple(A._wrap_dim(d) for d in dim)
    if len(dims) != 2 or dims[0] == dims[1]:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, "
                           f"{dim[1]})" if len(dims) == 2 else
                           "linalg.matrix_norm: dim must be a 2-tuple. Got " +
                           ", ".join(map(str, dim)))
    if ord == "fro":
        res = vector_norm(A, 2, dims, keepdim)
    elif ord == "nuc" or ord in (2, -2):
        s = svdvals(_to_last(A, dims))
        if ord == "nuc":
            res = s.sum(-1)
        else:
            res = vector_norm(s, np.inf if ord == 2 else -np.inf, -1)
        res = _restore_dims(res, dims, keepdim, A._data.ndim)
    elif ord in (1, -1, np.inf, -np.inf):
        inner, outer_ = (dims[0], dims[1]) if ord in (1, -1) else (dims[1], dims[0])
        sums = vector_norm(A, 1, inner, keepdim=True)
        res = vector_norm(sums, np.inf if ord > 0 else -np.inf, outer_, keepdim=True)
        if not keepdim:
            res = res.reshape([s for i, s in enumerate(res._data.shape) if i not in dims])
    else:
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    return _out(res, out)


def norm(input, ord=None, dim=None, keepdim=False, *, out=None, dtype=None):
    """``vector_norm`` when ``dim`` is an int or the input is 1-D with ``ord`` given,
    ``matrix_norm`` for a 2-tuple ``dim`` or a 2-D input with ``ord`` given; with neither
    ``ord`` nor ``dim``, the 2-norm of all entries."""
    if isinstance(dim, int):
        dim = (dim,)
    if ord is None:
        if dim is not None and len(dim) == 2:
            return matrix_norm(input, "fro", dim, keepdim, dtype=dtype, out=out)
        return vector_norm(input, 2, dim, keepdim, dtype=dtype, out=out)
    if dim is None:
        if input._data.ndim not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must "
                               f"be 1D or 2D. Got {input._data.ndim}D.")
        dim = tuple(range(input._data.ndim))
    if len(dim) == 2:
        return matrix_norm(input, ord, dim, keepdim, dtype=dtype, out=out)
    return vector_norm(input, ord, dim, keepdim, dtype=dtype, out=out)


def vecdot(x, y, *, dim=-1, out=None):
    """Dot products of vectors along ``dim`` (batch dims broadcast)."""
    return _out((x * y).sum(dim), out)



# ====================================================================== cdist
class Cdist(Primitive):
    """Euclidean distances ``d_ij = |x1_i - x2_j|``.

    d d_ij = (x1_i - x2_j) / d_ij (d x1_i - d x2_j), so with ``w = grad / d`` (0 where d = 0):
    grad_x1 = x1 * sum_j w_ij - w @ x2 and grad_x2 = x2 * sum_i w_ij - w^T @ x1.

    NOTE: fused (not a composite of sqrt) because d sqrt at a zero distance is infinite; like
    PyTorch, the gradient there is 0."""

    @staticmethod
    def forward(ctx, x1, x2):
        # |a - b|^2 = |a|^2 + |b|^2 - 2 a.b: one GEMM; rounding may make it slightly negative.
        sq1 = np.einsum("...ik,...ik->...i", x1, x1)[..., :, None]
        sq2 = np.einsum("...jk,...jk->...j", x2, x2)[..., None, :]
        d2 = sq1 + sq2 - 2 * np.matmul(x1, np.swapaxes(x2, -1, -2))
        out = np.sqrt(np.maximum(d2, 0, out=d2), out=d2)
        ctx.save_for_backward(x1, x2, out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x1, x2, d = ctx.saved_tensors
        from numtorch.ops.elementwise import where

        w = where(d == 0, 0.0, grad_output / where(d == 0, 1.0, d))
        g1 = g2 = None
        if ctx.needs_input_grad[0]:
            s = w.sum(-1, keepdim=True)
            g1 = x1 * s - _mm(w, x2)
        if ctx.needs_input_grad[1]:
            s = w.sum(-2).reshape(w.shape[:-2] + (w.shape[-1], 1))
            g2 = x2 * s - _mm(w.mT, x1)
        return g1, g2


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """Pairwise p-norm distances between the rows of ``x1`` (..., P, M) and ``x2`` (..., R, M):
    (..., P, R). Batch dims broadcast. p = 2 is computed through a matrix product (as PyTorch
    does for large inputs), other p through the differences."""
    for name, t in (("X1", x1), ("X2", x2)):
        if t._data.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: "
                               f"{t._data.ndim}D")
        if t._data.dtype.kind != "f":
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: "
                               f"{_sname(t)}")
    if x1._data.shape[-1] != x2._data.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: "
                           f"{x1._data.shape[-1]} X2: {x2._data.shape[-1]}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    _check_bmm_dtype(x1, x2)
    check_broadcast(x1._data.shape[:-2], x2._data.shape[:-2])
    if p == 2:
        return Cdist.apply(x1, x2)
    s1, s2 = x1._data.shape, x2._data.shape
    diff = x1.reshape(s1[:-1] + (1, s1[-1])) - x2.reshape(s2[:-2] + (1,) + s2[-2:])  # (.., P, R, M)
    return vector_norm(diff, p, dim=-1)


def pdist(input, p=2):
    """The p-norm distances between every pair of rows ``i < j`` of an (N, M) ``input``, as a
    1-D tensor of N (N - 1) / 2 entries in row-major order of the pairs (the upper triangle of
    ``cdist(input, input)``). The gradient at a zero distance is zero."""
    if input._data.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input._data.ndim}D")
    if input._data.dtype.kind != "f":
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    i, j = np.triu_indices(input._data.shape[0], 1)
    diff = input[_wrap(i.astype(np.int64))] - input[_wrap(j.astype(np.int64))]  # (pairs, M)
    return vector_norm(diff, p, dim=-1)
