"""``torch.linalg``'s decompositions: Cholesky, QR, the symmetric eigen-decomposition
(``eigh``/``eigvalsh``) and the SVD (``svd``/``svdvals``).

Forward is NumPy's LAPACK call, backward is written with numtorch ops. ``svd``: the gradient
flows through ``S`` only (a nonzero gradient reaching ``U`` or ``Vh`` raises RuntimeError); the
gradient of ``svdvals`` is first-order only. ``qr``: no gradient for ``mode='complete'`` with
m > n, nor for m < n.
"""

import numpy as np

from numtorch import return_types
from numtorch._tensor import _wrap
from numtorch.autograd.function import Primitive, once_differentiable
from numtorch.ops.linalg_solve import Inv, LinAlgError, _batch_prefix, _check_matrix
from numtorch.ops.matmul import _mm, _out

__all__ = ["cholesky", "qr", "eigh", "eigvalsh", "svd", "svdvals"]

eigh_result = return_types.linalg_eigh
qr_result = return_types.linalg_qr


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
    return _out(low.mT if upper else low, out)


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
    return _out(eigh(A, UPLO).eigenvalues, out)


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
    return _out(SvdVals.apply(A), out)

