"""The linear-algebra family as PyTorch's top level sees it (``torch.matmul``, ``torch.det``,
``x.inverse()``...): the products of ``ops/matmul.py`` and ``ops/einsum.py``, ``cdist``, and the
top-level forms of ``torch.linalg``'s functions (``det``, ``inverse``, ``cholesky``, ``qr``,
``svd``...), which forward to ``ops/linalg_solve.py`` and ``ops/linalg_decomp.py``.

The files of the family, lowest first (each uses only those before it):
``matmul.py`` (products) -> ``einsum.py`` -> ``linalg_solve.py`` (inverse, det, solve, pinv,
rank; the shared checks and ``LinAlgError``) -> ``linalg_decomp.py`` (Cholesky, QR, eigh, SVD)
-> ``linalg_lu.py`` (triangular solves, LU, the ``*_ex`` forms) -> ``linalg_norms.py`` (norms,
cdist, pdist) -> ``linalg_functions.py`` (lstsq, matrix_exp, vander, tensorinv/tensorsolve,
householder_product) -> this file -> ``numtorch/linalg.py`` (the ``torch.linalg`` namespace).
"""

import numpy as np

from numtorch import return_types
from numtorch._tensor import _wrap
from numtorch.ops import _scalars
from numtorch.ops import linalg_decomp as _decomp
from numtorch.ops import linalg_functions as _functions
from numtorch.ops import linalg_lu as _lu
from numtorch.ops import linalg_solve as _solve
from numtorch.ops.einsum import einsum
from numtorch.ops.elementwise import where
from numtorch.ops.linalg_norms import cdist, pdist
from numtorch.ops.matmul import (  # noqa: F401
    _cname,
    _mm,
    _out,
    _sname,
    addbmm,
    addmm,
    addmv,
    addr,
    baddbmm,
    bmm,
    cross,
    dot,
    ger,
    inner,
    kron,
    linear_fast,
    matmul,
    mm,
    multi_dot,
    mv,
    outer,
    tensordot,
    vdot,
)

__all__ = [
    "matmul", "mm", "bmm", "mv", "dot", "vdot", "inner", "outer", "ger", "addmm", "addmv",
    "addbmm", "baddbmm", "addr", "matrix_power", "kron", "tensordot", "chain_matmul", "cross",
    "einsum", "cdist", "pdist", "det", "logdet", "slogdet", "inverse", "pinverse", "cholesky", "qr",
    "svd", "cholesky_inverse", "matrix_exp", "lu", "lu_unpack", "lu_solve", "triangular_solve",
    "cholesky_solve", "vander", "orgqr",
]


def matrix_power(input, n):
    """``input`` (square matrices, batched) to the integer power ``n`` by repeated squaring;
    ``n == 0`` gives identities, ``n < 0`` powers of the inverse."""
    shape = input._data.shape
    if len(shape) < 2:
        raise RuntimeError("linalg.matrix_power: The input tensor A must have at least 2 "
                           "dimensions.")
    if shape[-1] != shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but they "
                           f"are {shape[-2]} by {shape[-1]} matrices")
    n = int(n)
    if n == 0:
        eye = _wrap(np.broadcast_to(np.eye(shape[-1], dtype=input._data.dtype), shape).copy())
        if input._requires_grad:  # in the graph with a zero gradient, as PyTorch
            return eye + (input * 0).nan_to_num(0.0, 0.0, 0.0)
        return eye
    x = input
    if n < 0:
        x = _solve.inv(input)
        n = -n
    result = None
    while n:
        if n & 1:
            result = x if result is None else _mm(result, x)
        n >>= 1
        if n:
            x = _mm(x, x)
    return result




def chain_matmul(*matrices, out=None):
    """Product of 2-D matrices in the cheapest order (deprecated in PyTorch for
    ``linalg.multi_dot``)."""
    if len(matrices) == 1:
        return matrices[0]
    return multi_dot(list(matrices), out=out)


# ====================================================================== torch.* forwards
def det(input):
    """``torch.det``: ``linalg.det``."""
    return _solve.det(input)


def logdet(input):
    """log of the determinant: NaN for a negative determinant, -inf for a zero one."""
    sign, logabs = _solve.slogdet(input)
    nan = float("nan")
    return where(sign < 0, nan, logabs)


def slogdet(input):
    """``torch.slogdet``: ``linalg.slogdet``."""
    return return_types.slogdet(_solve.slogdet(input))


def inverse(input, *, out=None):
    """``torch.inverse``: ``linalg.inv``."""
    return _out(_solve.inv(input), out)


def pinverse(input, rcond=1e-15):
    """``torch.pinverse``: ``linalg.pinv`` with a relative cutoff ``rcond``."""
    return _solve.pinv(input, rtol=rcond)


def cholesky(input, upper=False, *, out=None):
    """``torch.cholesky`` (deprecated in PyTorch): ``linalg.cholesky``."""
    return _out(_decomp.cholesky(input, upper=upper), out)


def cholesky_inverse(input, upper=False):
    """Inverse of ``A`` from its Cholesky factor ``L`` (``A = L L^T``, or ``U^T U``)."""
    u = input if upper else input.mT
    return _solve.inv(_mm(u.mT, u))


def qr(input, some=True, *, out=None):
    """``torch.qr`` (deprecated in PyTorch): ``linalg.qr`` with ``mode='reduced'`` when
    ``some`` else ``'complete'``."""
    q, r = _decomp.qr(input, mode="reduced" if some else "complete")
    return return_types.qr((q, r))


def svd(input, some=True, compute_uv=True, *, out=None):
    """``torch.svd`` (deprecated in PyTorch): returns ``(U, S, V)`` with V, not V^T."""
    u, s, vh = _decomp.svd(input, full_matrices=not some)
    return return_types.svd((u, s, vh.mT))


def matrix_exp(A):
    """``torch.matrix_exp``: ``linalg.matrix_exp``."""
    return _functions.matrix_exp(A)


def lu(A, pivot=True, get_infos=False, out=None):
    """``torch.lu`` (deprecated in PyTorch): ``(LU, pivots)`` of ``linalg.lu_factor_ex``, and
    its ``info`` when ``get_infos``."""
    lu_, piv, info = _lu.lu_factor_ex(A, pivot=pivot)
    result = (lu_, piv, info) if get_infos else (lu_, piv)
    return result if out is None else _lu._tuple_out(result, out, "lu")


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True, *, out=None):
    """``(P, L, U)`` from packed LU factors (see ``linalg.lu_factor``)."""
    return _lu.lu_unpack(LU_data, LU_pivots, unpack_data, unpack_pivots, out=out)


def lu_solve(b, LU_data, LU_pivots, *, out=None):
    """``torch.lu_solve`` (deprecated in PyTorch): ``linalg.lu_solve(LU_data, LU_pivots,
    b)``."""
    return _lu.lu_solve(LU_data, LU_pivots, b, out=out)


def triangular_solve(b, A, upper=True, transpose=False, unitriangular=False, *, out=None):
    """``torch.triangular_solve`` (deprecated in PyTorch): ``(solution, cloned_coefficient)``
    of ``A X = b`` (``A^T X = b`` when ``transpose``) for triangular ``A``."""
    if b._data.ndim < 2 or A._data.ndim < 2:
        raise RuntimeError(f"torch.triangular_solve: Expected b to have at least 2 dimensions, "
                           f"but it has {b._data.ndim} dimensions instead" if b._data.ndim < 2
                           else f"torch.triangular_solve: Expected A to have at least 2 "
                           f"dimensions, but it has {A._data.ndim} dimensions instead")
    a = A.mT if transpose else A
    x = _lu.solve_triangular(a, b, upper=upper != transpose, unitriangular=unitriangular)
    result = return_types.triangular_solve((x, A.clone()))
    return _lu._tuple_out(result, out, "triangular_solve")


def cholesky_solve(B, L, upper=False, *, out=None):
    """The X with ``A X = B`` from ``A``'s Cholesky factor ``L`` (``A = L L^T``, or
    ``U^T U`` when ``upper``): two triangular solves (PyTorch's gradient, see
    ``ops/linalg_lu.py``)."""
    return _out(_lu.cholesky_solve(B, L, upper), out)


def vander(x, N=None, increasing=False):
    """``torch.vander``: decreasing powers x^(N-1) ... x^0 of a 1-D ``x`` (increasing ones
    when ``increasing``)."""
    return _functions.vander_top(x, N, increasing)


def orgqr(input, tau):
    """``torch.orgqr``: ``linalg.householder_product``."""
    return _functions.householder_product(input, tau)


# The Tensor methods of the LU family, with PyTorch's names after ``self``
def _lu_method(self, pivot=True, get_infos=False):
    return lu(self, pivot, get_infos)


def _lu_solve_method(self, LU_data, LU_pivots):
    return lu_solve(self, LU_data, LU_pivots)


def _triangular_solve_method(self, A, upper=True, transpose=False, unitriangular=False):
    return triangular_solve(self, A, upper, transpose, unitriangular)


def _cholesky_solve_method(self, input2, upper=False):
    return cholesky_solve(self, input2, upper)


def _orgqr_method(self, input2):
    return orgqr(self, input2)


TENSOR_METHODS = {
    "matmul": matmul, "mm": mm, "bmm": bmm, "mv": mv, "dot": dot, "vdot": vdot, "inner": inner,
    "outer": outer, "ger": ger, "addmm": addmm, "addmv": addmv, "addbmm": addbmm,
    "baddbmm": baddbmm, "addr": addr, "matrix_power": matrix_power, "kron": kron,
    "cross": cross, "det": det, "logdet": logdet, "slogdet": slogdet, "inverse": inverse,
    "pinverse": pinverse, "cholesky": cholesky, "qr": qr, "svd": svd,
    "cholesky_inverse": cholesky_inverse, "matrix_exp": matrix_exp, "lu": _lu_method,
    "lu_solve": _lu_solve_method, "triangular_solve": _triangular_solve_method,
    "cholesky_solve": _cholesky_solve_method, "orgqr": _orgqr_method,
}

INPLACE_METHODS = {"addmm_": addmm, "addmv_": addmv, "addbmm_": addbmm, "baddbmm_": baddbmm,
                   "addr_": addr}

# PyTorch's out= on the functions (the Tensor methods above have none)
from numtorch.ops._out import accepts_out as _accepts_out  # noqa: E402

cholesky_inverse, matrix_power = map(_accepts_out, (cholesky_inverse, matrix_power))
matrix_exp, orgqr = map(_accepts_out, (matrix_exp, orgqr))

# PyTorch's TypeError for Python numbers in the arguments it requires to be tensors
_scalars.check_tensor_args(globals())
