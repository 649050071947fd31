"""``torch.linalg``'s matrix functions and solvers built on the decompositions: ``lstsq``,
``matrix_exp``, ``vander``, ``diagonal``, ``tensorinv``, ``tensorsolve``, ``cond`` and
``householder_product`` (``orgqr``), and the top level's ``vander``.

``matrix_exp`` is a primitive (scaling and squaring with the degree-13 Pade approximant,
Higham 2005); its backward is the Frechet derivative, read off the exponential of a block
matrix, so it can be differentiated again. The others are composites of the inverse, the
pseudo-inverse, solves and products, and take their gradients from them.
"""

import math
import numbers
import operator

import numpy as np

from numtorch import return_types
from numtorch._tensor import _wrap
from numtorch.autograd.function import Primitive
from numtorch.ops._out import _kernel_name
from numtorch.ops.linalg_decomp import svdvals
from numtorch.ops.linalg_lu import inv_ex
from numtorch.ops.linalg_norms import matrix_norm
from numtorch.ops.linalg_solve import Pinv, _check_float, _check_matrix, inv, solve
from numtorch.ops.matmul import _mm, _out, _sname

__all__ = ["lstsq", "matrix_exp", "vander", "diagonal", "tensorinv", "tensorsolve",
           "householder_product", "cond"]


# ====================================================================== least squares
_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def lstsq(A, B, rcond=None, *, driver=None):
    """``(solution, residuals, rank, singular_values)`` of ``min ||A X - B||`` for (batches
    of) ``A`` (*, m, n) and ``B`` (*, m, k) or (*, m): the minimum-norm solution, through the
    pseudo-inverse with singular values at most ``rcond * s_max`` (default ``eps * max(m,
    n)``) taken as zero. As on PyTorch's CPU: ``rank`` is computed for every driver but
    'gels', ``singular_values`` for 'gelsd' and 'gelss', ``residuals`` (the squared residual
    of each column) for those two and 'gels' when m > n and every A has full rank; the rest
    are empty. NOTE: 'gelsy' (the default) decides the rank from a pivoted QR, numtorch from
    the singular values: they differ only for nearly rank-deficient A. Differentiable in
    ``A`` (where its rank is locally constant) and ``B``."""
    name = "torch.linalg.lstsq"
    driver = "gelsy" if driver is None else driver
    if driver not in _DRIVERS:
        raise RuntimeError(f"{name}: parameter `driver` should be one of "
                           f"({', '.join(_DRIVERS)})")
    _check_float(A, "linalg.lstsq")
    if A._data.ndim < 2:
        raise RuntimeError(f"{name}: input must have at least 2 dimensions.")
    if A._data.dtype != B._data.dtype:
        raise RuntimeError(f"{name}: Expected input and other to have the same dtype, but got "
                           f"input's dtype {_kernel_name(A._data)} and other's dtype "
                           f"{_kernel_name(B._data)}")
    sa, sb = A._data.shape, B._data.shape
    vector = len(sb) == 1 or (len(sb) == len(sa) - 1 and sb == sa[:-1])
    b = B.reshape(sb + (1,)) if vector else B  # (*, m, k)
    if b._data.ndim < 2 or b._data.shape[-2] != sa[-2]:
        raise RuntimeError(f"{name}: input.size(-2) should match other.size(-2)")
    m, n = sa[-2:]
    dt = A._data.dtype
    rtol = np.finfo(dt).eps * max(m, n) if rcond is None or rcond < 0 else float(rcond)
    x = _mm(Pinv.apply(A, 0.0, rtol), b)  # (*, n, k)
    empty = A.reshape(-1)[:0]  # (an empty result in the graph of A, as PyTorch's)
    s = np.linalg.svd(A._data, compute_uv=False)
    smax = s[..., :1] if s.shape[-1] else np.zeros(s.shape[:-1] + (1,), s.dtype)
    rank_arr = np.sum(s > rtol * smax, axis=-1).astype(np.int64)
    rank = _wrap(np.zeros((0,), np.int64)) if driver == "gels" else _wrap(np.asarray(rank_arr))
    values = _wrap(s.astype(dt) if driver in ("gelsd", "gelss") else np.zeros((0,), dt))
    residuals = empty
    if driver != "gelsy" and m > n and np.all(rank_arr == n):
        residuals = ((_mm(A, x) - b) ** 2).sum(-2)  # (*, k); (*, 1) for a vector B
    solution = x.reshape(x._data.shape[:-1]) if vector else x
    return return_types.linalg_lstsq((solution, residuals, rank, values))


# ====================================================================== matrix exponential
_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
           129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
           40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_THETA13 = 5.371920351148152


def _expm(a):
    """exp(a) for a batch of square matrices, in float64: each matrix is scaled by 2^-s so
    that its 1-norm is at most theta_13, the [13/13] Pade approximant r(x) = q(x)^-1 p(x) is
    evaluated with six products and one solve, and the result squared s times."""
    x = a.astype(np.float64)
    n = x.shape[-1]
    norm = np.abs(x).sum(axis=-2).max(axis=-1) if n else np.zeros(x.shape[:-2])
    with np.errstate(divide="ignore"):
        s = np.where(norm > _THETA13, np.ceil(np.log2(np.maximum(norm, 1e-300) / _THETA13)), 0)
    s = np.where(np.isfinite(s), s, 0).astype(np.int64)
    x = x / (2.0 ** s)[..., None, None]
    b = _PADE13
    eye = np.eye(n)
    x2 = x @ x
    x4 = x2 @ x2
    x6 = x4 @ x2
    u = x @ (x6 @ (b[13] * x6 + b[11] * x4 + b[9] * x2) + b[7] * x6 + b[5] * x4 + b[3] * x2
             + b[1] * eye)
    v = x6 @ (b[12] * x6 + b[10] * x4 + b[8] * x2) + b[6] * x6 + b[4] * x4 + b[2] * x2 \
        + b[0] * eye
    r = np.linalg.solve(v - u, v + u) if n else v
    for k in range(int(s.max()) if s.size else 0):
        r = np.where((k < s)[..., None, None], r @ r, r)
    return r.astype(a.dtype)


class MatrixExp(Primitive):
    """exp(A) = sum A^k / k!. Its gradient is the Frechet derivative L(A^T, grad), which is
    the upper-right block of exp([[A^T, grad], [0, A^T]]) (Mathias 1996; PyTorch's rule)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _expm(a)

    @staticmethod
    def backward(ctx, grad_output):
        from numtorch.ops.join import cat

        (a,) = ctx.saved_tensors
        n = a._data.shape[-1]
        at = a.mT
        zeros = _wrap(np.zeros_like(a._data))
        block = cat([cat([at, grad_output], -1), cat([zeros, at], -1)], -2)  # (*, 2n, 2n)
        return MatrixExp.apply(block)[..., :n, n:]


def matrix_exp(A):
    """The exponential of (batches of) square matrices (float64 internally)."""
    _check_float(A, "linalg.matrix_exp")
    _check_matrix(A, "linalg.matrix_exp", square=True)
    return MatrixExp.apply(A)


# ====================================================================== Vandermonde
def _powers(x, n):
    """(*, k, n): the columns x^0, ..., x^(n-1) (a cumulative product: exact for integers)."""
    from numtorch.ops.join import cat

    ones = _wrap(np.ones(x._data.shape + (1,), dtype=x._data.dtype))
    if n <= 1:
        return ones[..., :n]
    rest = x.unsqueeze(-1).expand(x._data.shape + (n - 1,)).cumprod(-1)
    return cat([ones, rest], -1)


def vander(x, *, N=None):
    """``torch.linalg.vander``: the Vandermonde matrix of the last dim of ``x`` (batched),
    columns of increasing powers x^0 ... x^(N-1) (``N`` defaults to ``x.shape[-1]``, and must
    be greater than 1)."""
    n = x._data.shape[-1] if N is None and x._data.ndim else N
    if n is None or n <= 1:
        raise RuntimeError("N must be greater than 1.")
    return _powers(x, operator.index(n))


def vander_top(x, N=None, increasing=False):
    """``torch.vander``: the Vandermonde matrix of a 1-D ``x``, with decreasing powers
    x^(N-1) ... x^0 unless ``increasing`` (``N`` defaults to ``len(x)``)."""
    if x._data.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x._data.shape[0] if N is None else operator.index(N)
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    out = _powers(x if x._data.dtype.kind in "fiu" else x.long(), n)
    return out if increasing else out.flip(-1)


# ====================================================================== diagonal, tensors
def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """``torch.diagonal`` with the defaults of the last two dims (a view)."""
    from numtorch.ops.slicing import diagonal as _diagonal

    return _diagonal(A, offset, dim1, dim2)


def tensorinv(A, ind=2, *, out=None):
    """The tensor ``X`` with ``tensordot(X, A, ind)`` the identity: ``A`` read as a square
    matrix (its first ``ind`` dims the rows), inverted, shaped ``A.shape[ind:] +
    A.shape[:ind]``."""
    if not isinstance(ind, numbers.Integral) or ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    shape = A._data.shape
    rows, cols = math.prod(shape[:ind]), math.prod(shape[ind:])
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {cols} != {rows}")
    return _out(inv(A.reshape(rows, cols)).reshape(shape[ind:] + shape[:ind]), out)


def tensorsolve(A, B, dims=None, *, out=None):
    """The ``X`` with ``tensordot(A, X, X.ndim) = B``: the dims ``dims`` of ``A`` (if given)
    are moved to the end, the leading ``B.ndim`` dims of ``A`` are the equations."""
    if dims is not None:
        nd = A._data.ndim
        dims = [d % nd for d in dims]
        rest = [d for d in range(nd) if d not in dims]
        A = A.permute(rest + dims)
    shape = A._data.shape
    k = B._data.ndim
    result_shape = shape[k:]
    result_product = math.prod(result_shape)
    if result_product != B._data.size:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[other.ndim"
                           f":]) == other.numel(), but got {result_product} != {B._data.size}")
    x = solve(A.reshape(B._data.size, result_product), B.reshape(-1))
    return _out(x.reshape(result_shape), out)


def householder_product(A, tau, *, out=None):
    """The first n columns of H_1 ... H_k for the Householder reflectors H_i = I - tau_i v_i
    v_i^T, v_i the i-th column of ``A`` (m x n, m >= n) below the diagonal with a 1 on it
    (``geqrf``'s output form). Applied to the identity's columns from the last reflector to
    the first; differentiable in ``A`` and ``tau``."""
    name = "torch.linalg.householder_product"
    if A._data.ndim < 2:
        raise RuntimeError(f"{name}: input must have at least 2 dimensions.")
    if tau._data.ndim < 1:
        raise RuntimeError(f"{name}: tau must have at least 1 dimension.")
    m, n = A._data.shape[-2:]
    k = tau._data.shape[-1]
    if m < n:
        raise RuntimeError(f"{name}: input.shape[-2] must be greater than or equal to "
                           "input.shape[-1]")
    if n < k:
        raise RuntimeError(f"{name}: input.shape[-1] must be greater than or equal to "
                           "tau.shape[-1]")
    if A._data.ndim - tau._data.ndim != 1 or A._data.shape[:-2] != tau._data.shape[:-1]:
        raise RuntimeError(f"{name}: Expected batch dimensions of tau to be equal to "
                           f"input.shape[:-2], but got {list(tau._data.shape[:-1])}")
    if A._data.dtype != tau._data.dtype:
        raise RuntimeError(f"{name}: tau dtype {_sname(tau)} does not match input dtype "
                           f"{_sname(A)}")
    dt = A._data.dtype
    q = _wrap(np.broadcast_to(np.eye(m, n, dtype=dt), A._data.shape).copy())  # (*, m, n)
    rows = np.arange(m)
    for i in range(k - 1, -1, -1):
        below = _wrap((rows > i).astype(dt))
        unit = _wrap((rows == i).astype(dt))
        v = (A[..., :, i] * below + unit).unsqueeze(-1)  # (*, m, 1)
        q = q - tau[..., i, None, None] * _mm(v, _mm(v.mT, q))
    return _out(q, out)


# ====================================================================== condition number
def cond(A, p=None, *, out=None):
    """The condition number of (batches of) matrices in the norm ``p``: ``s_max / s_min`` of
    the singular values for ``p`` None or 2 (``s_min / s_max`` for -2), otherwise ``||A||_p
    ||A^-1||_p`` ('fro', 'nuc', inf, -inf, 1, -1; square A only; inf for a singular A)."""
    if A._data.ndim < 2:
        raise RuntimeError("linalg.cond: The input tensor must have at least 2 dimensions.")
    _check_float(A, "linalg.cond")
    if p not in (None, 2, -2, "fro", "nuc", math.inf, -math.inf, 1, -1):
        raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    if p in (None, 2, -2):
        s = svdvals(A)
        big, small = s[..., 0], s[..., -1]
        return _out(small / big if p == -2 else big / small, out)
    m, n = A._data.shape[-2:]
    if m != n:
        raise RuntimeError(f"linalg.cond(ord={p}): A must be batches of square matrices, but "
                           f"they are {m} by {n} matrices")
    inverse, info = inv_ex(A)

    def norm(x):
        return svdvals(x).sum(-1) if p == "nuc" else matrix_norm(x, p)

    from numtorch.ops.elementwise import where

    value = where(_wrap(info._data > 0), math.inf, norm(A) * norm(inverse))
    return _out(value, out)
