"""``numtorch.linalg``: PyTorch's ``torch.linalg`` namespace on NumPy's LAPACK bindings.

Norms, inverse, determinant, solve, decompositions (Cholesky, QR, SVD, symmetric eigen), the
pseudo-inverse and rank. Each function works on a matrix or a batch of matrices ``(*, m, n)``.
Matrix functions are primitives here (forward in NumPy, backward with numtorch ops, so that the
differentiable ones can be differentiated again); products live in ``numtorch/ops/linalg.py``.

Gradients: ``vector_norm``, ``matrix_norm``, ``norm``, ``inv``, ``det``, ``slogdet``,
``solve``, ``cholesky``, ``qr`` (reduced, m >= n), ``eigh``/``eigvalsh``, ``svdvals``, ``pinv``
and the products. Differences from PyTorch:
- ``svd``: the gradient flows through ``S`` only; a backward that reaches ``U`` or ``Vh`` with a
  nonzero gradient raises RuntimeError (use ``svdvals`` or ``eigh`` where possible). The
  gradient of ``svdvals`` is first-order only.
- ``det``/``slogdet``: the gradient at an exactly singular matrix raises ``LinAlgError``
  (PyTorch returns the cofactor matrix).
- ``qr``: no gradient for ``mode='complete'`` with m > n, nor for m < n (RuntimeError).
"""

import numpy as np

from numtorch import return_types
from numtorch._tensor import Tensor, _wrap
from numtorch.autograd.function import Primitive, once_differentiable
from numtorch.ops import linalg as _ops
from numtorch.ops.elementwise import where
from numtorch.ops.linalg import _mm, _sname, matmul  # noqa: F401
from numtorch.ops.linalg import cross as _cross
from numtorch.ops.reduction import _dims

__all__ = [
    "LinAlgError", "vector_norm", "matrix_norm", "norm", "inv", "det", "slogdet", "solve",
    "cholesky", "qr", "svd", "svdvals", "eigh", "eigvalsh", "pinv", "matrix_rank", "multi_dot",
    "matrix_power", "cross", "matmul", "vecdot",
]


class LinAlgError(RuntimeError):
    """Raised when a matrix is singular or not positive-definite (``torch.linalg.LinAlgError``)."""


slogdet_result = return_types.linalg_slogdet
eigh_result = return_types.linalg_eigh
qr_result = return_types.linalg_qr


# ====================================================================== checks
def _check_float(x, name):
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. "
                           f"Got {_sname(x)}")


def _check_matrix(x, name, square=False):
    _check_float(x, name)
    shape = x._data.shape
    if len(shape) < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if square and shape[-1] != shape[-2]:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are "
                           f"{shape[-2]} by {shape[-1]} matrices")


def _batch_prefix(flags):
    """'(Batch element b): ' for the first flagged matrix of a batch, '' for a single one."""
    flags = np.asarray(flags)
    if flags.ndim == 0:
        return ""
    return f"(Batch element {int(np.argmax(flags.reshape(-1)))}): "


def _first_zero_pivot(a):
    """1-based index of the first zero pivot of LU with partial pivoting (per matrix): the first
    leading block of columns that is linearly dependent. Used on the error path only."""
    n = a.shape[-1]
    first = np.zeros(a.shape[:-2], dtype=np.int64)
    for j in range(1, n + 1):
        dep = np.linalg.matrix_rank(a[..., :, :j]) < j
        first = np.where((first == 0) & dep, j, first)
    return first


def _raise_singular_inv(a):
    k = _first_zero_pivot(a)
    prefix = _batch_prefix(k > 0)
    kk = int(k.reshape(-1)[np.argmax(k.reshape(-1) > 0)]) if k.ndim else int(k)
    raise LinAlgError(f"linalg.inv: {prefix}The diagonal element {kk} is zero, the inversion "
                      f"could not be completed because the input matrix is singular.")


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
        if p == 0:
            return None, None, None, None
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
    return _ops._out(VectorNorm.apply(x, float(ord), axes, keepdim), out)


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
    return _ops._out(res, out)


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
    return _ops._out((x * y).sum(dim), out)


# ====================================================================== inverse, det, solve
class Inv(Primitive):
    """d A^-1 = -A^-1 dA A^-1, so grad_A = -A^-T grad A^-T."""

    @staticmethod
    def forward(ctx, a):
        try:
            out = np.linalg.inv(a)
        except np.linalg.LinAlgError:
            _raise_singular_inv(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (y,) = ctx.saved_tensors
        yt = y.mT
        return -_mm(_mm(yt, grad_output), yt)


def inv(A, *, out=None):
    """Inverse of a square matrix (batched); ``LinAlgError`` when singular."""
    _check_matrix(A, "linalg.inv", square=True)
    return _ops._out(Inv.apply(A), out)


def _inv_t(A):
    """A^-T, differentiable; raises LinAlgError for a singular A."""
    return Inv.apply(A).mT


def _unsq2(t):
    return t.reshape(t._data.shape + (1, 1))  # (*, 1, 1)


class Det(Primitive):
    """d det(A) = det(A) tr(A^-1 dA), so grad_A = grad * det(A) * A^-T."""

    @staticmethod
    def forward(ctx, a):
        out = np.asarray(np.linalg.det(a))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        a, d = ctx.saved_tensors
        return _unsq2(grad_output * d) * _inv_t(a)


def det(A, *, out=None):
    """Determinant of square matrices (batched). The gradient at a singular matrix raises
    ``LinAlgError`` (PyTorch returns the cofactor matrix there)."""
    _check_matrix(A, "linalg.det", square=True)
    return _ops._out(Det.apply(A), out)


class Slogdet(Primitive):
    """(sign, log|det A|); d log|det A| = tr(A^-1 dA), so grad_A = grad * A^-T. The sign is
    piecewise constant: its gradient is zero."""

    @staticmethod
    def forward(ctx, a):
        sign, logabs = np.linalg.slogdet(a)
        sign, logabs = np.asarray(sign, dtype=a.dtype), np.asarray(logabs, dtype=a.dtype)
        ctx.save_for_backward(a)
        return sign, logabs

    @staticmethod
    def backward(ctx, grad_sign, grad_logabs):
        (a,) = ctx.saved_tensors
        return _unsq2(grad_logabs) * _inv_t(a)


def slogdet(A, *, out=None):
    """``(sign, logabsdet)`` of square matrices: ``det = sign * exp(logabsdet)``, stable where
    the determinant under- or overflows."""
    _check_matrix(A, "linalg.slogdet", square=True)
    return slogdet_result(Slogdet.apply(A))


class Solve(Primitive):
    """X = A^-1 B (B a batch of matrices; batch dims broadcast): grad_B = A^-T grad and
    grad_A = -grad_B X^T."""

    @staticmethod
    def forward(ctx, a, b):
        try:
            x = np.linalg.solve(a, b)
        except np.linalg.LinAlgError:
            singular = np.linalg.matrix_rank(a) < a.shape[-1]
            raise LinAlgError(f"torch.linalg.solve: {_batch_prefix(singular)}The solver failed "
                              "because the input matrix is singular.") from None
        ctx.save_for_backward(a, x)
        return x

    @staticmethod
    def backward(ctx, grad_output):
        a, x = ctx.saved_tensors
        gb = Solve.apply(a.mT, grad_output)
        ga = -_mm(gb, x.mT) if ctx.needs_input_grad[0] else None
        return ga, gb if ctx.needs_input_grad[1] else None


def solve(A, B, *, left=True, out=None):
    """The X with ``A X = B`` (``X A = B`` when ``left=False``). ``B`` is a (batch of)
    vector(s) when it is 1-D or has one dimension less than ``A`` matching its batch."""
    _check_matrix(A, "linalg.solve", square=True)
    if A._data.dtype != B._data.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A "
                           f"of type {_sname(A)} and B of type {_sname(B)} instead")
    sa, sb = A._data.shape, B._data.shape
    vector = len(sb) == 1 or (len(sb) == len(sa) - 1 and sb == sa[:-1])
    n = sa[-1]
    bk = sb + (1,) if vector else sb
    rows = bk[-2] if left else bk[-1]
    if rows != n:
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation {eq} "
                           f"({n}x{n} and {bk[-2]}x{bk[-1]})")
    b = B.reshape(bk) if vector else B  # (*, n, 1) for vectors
    if left:
        x = Solve.apply(A, b)
    else:
        x = Solve.apply(A.mT, b.mT).mT
    return _ops._out(x.reshape(x._data.shape[:-1]) if vector else x, out)


class Pinv(Primitive):
    """Moore-Penrose pseudo-inverse X = A^+ through the SVD (singular values at most
    ``max(atol, rtol * s_max)`` are treated as zero).

    Gradient (valid where the rank is locally constant):
    grad_A = -X^T G X^T + (I - A X) G^T X X^T + X^T X G^T (I - X A)."""

    @staticmethod
    def forward(ctx, a, atol, rtol):
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        smax = s[..., :1] if s.shape[-1] else np.zeros(s.shape[:-1] + (1,), s.dtype)
        cutoff = np.maximum(atol, rtol * smax)
        with np.errstate(divide="ignore"):
            sinv = np.where(s > cutoff, 1.0 / np.where(s > cutoff, s, 1.0), 0.0).astype(a.dtype)
        x = np.matmul(np.swapaxes(vh, -1, -2) * sinv[..., None, :], np.swapaxes(u, -1, -2))
        ctx.save_for_backward(a, x)
        return x

    @staticmethod
    def backward(ctx, grad_output):
        a, x = ctx.saved_tensors
        g = grad_output
        xt, gt = x.mT, g.mT
        ax = _mm(a, x)
        xa = _mm(x, a)
        ga = -_mm(_mm(xt, g), xt)
        ga = ga + _mm(_mm(gt, x), xt) - _mm(_mm(ax, gt), _mm(x, xt))
        ga = ga + _mm(_mm(xt, x), gt) - _mm(_mm(xt, x), _mm(gt, xa))
        return ga, None, None


def pinv(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """Pseudo-inverse of (batches of) matrices. With neither tolerance given, singular values
    below ``eps * max(m, n) * s_max`` count as zero (PyTorch's default). ``hermitian`` is
    accepted; the SVD is used either way."""
    if A._data.dtype.kind != "f" or A._data.ndim < 2:
        dims = ", ".join(map(str, A._data.shape))
        raise RuntimeError(f"linalg.pinv({_sname(A)}{{[{dims}]}}): expected a tensor with 2 or "
                           "more dimensions of float, double, cfloat or cdouble types")
    atol, rtol = _tolerances(A, atol, rtol)
    return _ops._out(Pinv.apply(A, atol, rtol), out)


def _tolerances(A, atol, rtol):
    if isinstance(atol, Tensor):
        atol = atol._data[..., None]
    if isinstance(rtol, Tensor):
        rtol = rtol._data[..., None]
    if rtol is None:
        m, n = A._data.shape[-2:]
        rtol = np.finfo(A._data.dtype).eps * max(m, n) if atol is None or np.all(atol == 0) \
            else 0.0
    return (0.0 if atol is None else atol), rtol


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False, tol=None, out=None):
    """Number of singular values above ``max(atol, rtol * s_max)`` (int64, no gradient)."""
    _check_matrix(A, "linalg.matrix_rank")
    if tol is not None:
        atol, rtol = tol, 0.0
    atol, rtol = _tolerances(A, atol, rtol)
    s = np.linalg.svd(A._data, compute_uv=False)
    smax = s[..., :1] if s.shape[-1] else np.zeros(s.shape[:-1] + (1,), s.dtype)
    rank = np.sum(s > np.maximum(atol, rtol * smax), axis=-1).astype(np.int64)
    return _ops._out(_wrap(np.asarray(rank)), out)


# ====================================================================== decompositions
def _tril_mask(n, dtype, k=0):
    return _wrap(np.tril(np.ones((n, n), dtype=dtype), k))


class Cholesky(Primitive):
    """A = L L^T (lower L). With phi = tril(L^T grad) and its diagonal halved,
    grad_A = L^-T sym(phi) L^-1, sym(phi) = (phi + phi^T) / 2 off the diagonal (PyTorch's
    rule; only the lower triangle of A is read)."""

    @staticmethod
    def forward(ctx, a):
        try:
            out = np.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            _raise_not_pd(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (low,) = ctx.saved_tensors
        n = low._data.shape[-1]
        dt = low._data.dtype
        phi = _mm(low.mT, grad_output) * _tril_mask(n, dt)
        sym = 0.5 * (phi + (phi * _tril_mask(n, dt, -1)).mT)
        linv = Inv.apply(low)
        return _mm(_mm(linv.mT, sym), linv)


def _raise_not_pd(a):
    n = a.shape[-1]
    order = np.zeros(a.shape[:-2], dtype=np.int64)
    for k in range(1, n + 1):
        lead = np.tril(a[..., :k, :k]) + np.swapaxes(np.tril(a[..., :k, :k], -1), -1, -2)
        bad = np.linalg.eigvalsh(lead).min(axis=-1) <= 0
        order = np.where((order == 0) & bad, k, order)
    flat = order.reshape(-1)
    k = int(flat[np.argmax(flat > 0)])
    raise LinAlgError(f"linalg.cholesky: {_batch_prefix(order > 0)}The factorization could not be "
                      f"completed because the input is not positive-definite (the leading minor "
                      f"of order {k} is not positive-definite).")


def cholesky(A, *, upper=False, out=None):
    """Cholesky factor of symmetric positive-definite matrices: lower ``L`` with ``A = L L^T``
    (``upper=True``: ``U = L^T``). Only the lower triangle of ``A`` is read."""
    _check_matrix(A, "linalg.cholesky", square=True)
    low = Cholesky.apply(A)
    return _ops._out(low.mT if upper else low, out)


class Qr(Primitive):
    """A = Q R. For the reduced factorization of a tall or square A (Q^T Q = I, R upper):
    M = R grad_R^T - grad_Q^T Q, grad_A = (grad_Q + Q copyltu(M)) R^-T, where copyltu(M) copies
    the lower triangle of M onto the upper one."""

    @staticmethod
    def forward(ctx, a, mode):
        q, r = np.linalg.qr(a, mode="reduced" if mode == "r" else mode)
        m, n = a.shape[-2:]
        ctx.differentiable = m >= n and (mode == "reduced" or m == n)
        ctx.r_only = mode == "r"
        ctx.save_for_backward(q, r)
        if mode == "r":
            return np.zeros((0,), dtype=a.dtype), r
        return q, r

    @staticmethod
    def backward(ctx, grad_q, grad_r):
        if not ctx.differentiable:
            raise RuntimeError("linalg.qr: numtorch implements the gradient of QR for m >= n "
                               "with mode='reduced' only")
        if ctx.r_only:
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed "
                               "when mode='r'. Please use linalg.qr(A, mode='reduced') if you "
                               "are going to differentiate through linalg.qr.")
        q, r = ctx.saved_tensors
        n = r._data.shape[-1]
        dt = r._data.dtype
        mm = _mm(r, grad_r.mT) - _mm(grad_q.mT, q)
        low = mm * _tril_mask(n, dt)
        copyltu = low + (mm * _tril_mask(n, dt, -1)).mT
        return _mm(grad_q + _mm(q, copyltu), Inv.apply(r).mT), None


def qr(A, mode="reduced", *, out=None):
    """``(Q, R)`` with ``A = Q R``: ``mode`` 'reduced' (Q is m x k, k = min(m, n)), 'complete'
    (Q is m x m) or 'r' (Q empty)."""
    _check_matrix(A, "linalg.qr")
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           "'reduced' (default), 'r', or 'complete'")
    q, r = Qr.apply(A, mode)
    return qr_result((q, r))


class Eigh(Primitive):
    """A = V diag(L) V^T for symmetric A. With E_ij = L_j - L_i,
    grad_A = V (diag(grad_L) + skew(V^T grad_V) / E) V^T, skew(X) = (X - X^T) / 2 (PyTorch's
    rule; the off-diagonal part is undefined for repeated eigenvalues)."""

    @staticmethod
    def forward(ctx, a, uplo):
        w, v = np.linalg.eigh(a, UPLO=uplo)
        ctx.save_for_backward(w, v)
        return w, v

    @staticmethod
    def backward(ctx, grad_w, grad_v):
        w, v = ctx.saved_tensors
        n = w._data.shape[-1]
        eye = _wrap(np.eye(n, dtype=w._data.dtype))
        vgv = _mm(v.mT, grad_v)
        skew = 0.5 * (vgv - vgv.mT)
        ws = w._data.shape
        e = w.reshape(ws[:-1] + (1, n)) - w.reshape(ws + (1,)) + eye  # E_ij = L_j - L_i
        f = skew / e * (1 - eye) + grad_w.reshape(ws[:-1] + (1, n)) * eye
        return _mm(_mm(v, f), v.mT), None


def eigh(A, UPLO="L", *, out=None):
    """Eigenvalues (ascending) and orthonormal eigenvectors of symmetric matrices; only the
    ``UPLO`` ('L' or 'U') triangle is read."""
    _check_matrix(A, "linalg.eigh", square=True)
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return eigh_result(Eigh.apply(A, UPLO))


def eigvalsh(A, UPLO="L", *, out=None):
    """Eigenvalues (ascending) of symmetric matrices."""
    return _ops._out(eigh(A, UPLO).eigenvalues, out)


class Svd(Primitive):
    """A = U diag(S) Vh. The gradient through S is U diag(grad_S) Vh; gradients reaching U or
    Vh are not supported (RuntimeError)."""

    @staticmethod
    def forward(ctx, a, full_matrices):
        u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
        k = s.shape[-1]
        ctx.save_for_backward(u[..., :k], vh[..., :k, :])
        return u, s, vh

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_u, grad_s, grad_vh):
        if np.any(grad_u._data) or np.any(grad_vh._data):
            raise RuntimeError("linalg.svd: the gradient with respect to U and Vh is not "
                               "supported by numtorch; only S (or linalg.svdvals) is "
                               "differentiable")
        u, vh = ctx.saved_tensors
        return _wrap(np.matmul(u._data * grad_s._data[..., None, :], vh._data)), None


def svd(A, full_matrices=True, *, driver=None, out=None):
    """``(U, S, Vh)`` with ``A = U diag(S) Vh``, singular values descending. See the module
    docstring for the gradient's limits."""
    _check_matrix(A, "linalg.svd")
    return return_types.linalg_svd(Svd.apply(A, full_matrices))


class SvdVals(Primitive):
    """Singular values; d S = diag(U^T dA V), so grad_A = U diag(grad) Vh (first order)."""

    @staticmethod
    def forward(ctx, a):
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        ctx.save_for_backward(u, vh)
        return s

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_output):
        u, vh = ctx.saved_tensors
        return _wrap(np.matmul(u._data * grad_output._data[..., None, :], vh._data))


def svdvals(A, *, driver=None, out=None):
    """Singular values (descending) of (batches of) matrices."""
    _check_matrix(A, "linalg.svdvals")
    return _ops._out(SvdVals.apply(A), out)


# ====================================================================== products
def _chain_order(dims):
    """Matrix-chain dynamic programme: split[i][j] is where the cheapest product of matrices
    i..j splits (dims[i] x dims[i+1] is matrix i)."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def multi_dot(tensors, *, out=None):
    """The product of a chain of matrices, multiplied in the cheapest order. The first may be
    1-D (a row vector) and the last 1-D (a column vector); the result drops those dims."""
    tensors = list(tensors)
    n = len(tensors)
    if n < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {n}")
    first, last = tensors[0], tensors[-1]
    if first._data.ndim not in (1, 2):
        raise RuntimeError(f"multi_dot(): the first tensor must be 1D or 2D but got "
                           f"{first._data.ndim}D")
    if last._data.ndim not in (1, 2):
        raise RuntimeError(f"multi_dot(): the last tensor must be 1D or 2D but got "
                           f"{last._data.ndim}D")
    for i, t in enumerate(tensors[1:-1], 1):
        if t._data.ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t._data.ndim}D")
    for i, t in enumerate(tensors[1:], 1):
        if t._data.dtype != first._data.dtype:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but tensor "
                               f"0 is {_ops._cname(first)} and tensor {i} {_ops._cname(t)}")
    mats = list(tensors)
    if first._data.ndim == 1:
        mats[0] = first.reshape(1, -1)  # (1, n)
    if last._data.ndim == 1:
        mats[-1] = last.reshape(-1, 1)  # (n, 1)
    for i in range(n - 1):
        if mats[i]._data.shape[1] != mats[i + 1]._data.shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes "
                               f"{list(tensors[i]._data.shape)} and "
                               f"{list(tensors[i + 1]._data.shape)} cannot be multiplied")
    split = _chain_order([m._data.shape[0] for m in mats] + [mats[-1]._data.shape[1]])

    def product(i, j):
        if i == j:
            return mats[i]
        k = split[i][j]
        return _mm(product(i, k), product(k + 1, j))

    res = product(0, n - 1)
    shape = [s for s, keep in zip(res._data.shape, (first._data.ndim == 2, last._data.ndim == 2))
             if keep]
    return _ops._out(res.reshape(shape), out)


def matrix_power(A, n, *, out=None):
    """``A`` to the integer power ``n`` (see ``numtorch.matrix_power``)."""
    return _ops._out(_ops.matrix_power(A, n), out)


def cross(input, other, *, dim=-1, out=None):
    """Cross product of 3-vectors along ``dim`` (default -1), batch dims broadcast."""
    return _cross(input, other, dim, out=out)
