"""``torch.linalg``'s inverse family: ``inv``, ``det``, ``slogdet``, ``solve``, ``pinv`` and
``matrix_rank``, and the checks and the ``LinAlgError`` the linear-algebra files share.

Each primitive's forward is NumPy's LAPACK call; its backward is written with numtorch ops (so
it can be differentiated again). The gradient of ``det``/``slogdet`` at an exactly singular
matrix raises ``LinAlgError`` (PyTorch returns the cofactor matrix there).
"""

import numpy as np

from numtorch import return_types
from numtorch._tensor import Tensor, _wrap
from numtorch.autograd.function import Primitive
from numtorch.ops.matmul import _mm, _out, _sname

__all__ = ["LinAlgError", "inv", "det", "slogdet", "solve", "pinv", "matrix_rank"]


class LinAlgError(RuntimeError):
    """Raised when a matrix is singular or not positive-definite (``torch.linalg.LinAlgError``)."""


slogdet_result = return_types.linalg_slogdet


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
    return _out(Inv.apply(A), out)


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
    return _out(Det.apply(A), out)


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
    return _out(x.reshape(x._data.shape[:-1]) if vector else x, out)


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
    return _out(Pinv.apply(A, atol, rtol), out)


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
    return _out(_wrap(np.asarray(rank)), out)

