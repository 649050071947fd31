"""``numtorch.linalg``: PyTorch's ``torch.linalg`` namespace on NumPy's LAPACK bindings.

Norms, inverse, determinant, solve, decompositions (Cholesky, QR, SVD, symmetric eigen), the
pseudo-inverse and rank. Each function works on a matrix or a batch of matrices ``(*, m, n)``.
Matrix functions are primitives here (forward in NumPy, backward with numtorch ops, so that the
differentiable ones can be differentiated again); products live in ``numtorch/ops/linalg.py``.

Gradients: ``vector_norm``, ``matrix_norm``, ``norm``, ``inv``, ``det``, ``slogdet``,
``solve``, ``cholesky``, ``qr`` (reduced, m >= n), ``eigh``/``eigvalsh``, ``svdvals``, ``pinv``,
``solve_triangular``, ``lu``/``lu_factor`` (square), ``lu_solve``, ``lstsq`` (the solution and
residuals), ``matrix_exp``, ``tensorinv``, ``tensorsolve``, ``householder_product``, ``vander``,
``cond`` and the products. The ``*_ex`` forms return LAPACK's ``info``. No
``eig``/``eigvals`` (numtorch has no complex dtype). Differences from PyTorch:
- ``svd``: the gradient flows through ``S`` only; a backward that reaches ``U`` or ``Vh`` with a
  nonzero gradient raises RuntimeError (use ``svdvals`` or ``eigh`` where possible). The
  gradient of ``svdvals`` is first-order only.
- ``det``/``slogdet``: the gradient at an exactly singular matrix raises ``LinAlgError``
  (PyTorch returns the cofactor matrix).
- ``qr``: no gradient for ``mode='complete'`` with m > n, nor for m < n (RuntimeError).
"""

from numtorch.ops.linalg import cross as _cross
from numtorch.ops.linalg import matmul
from numtorch.ops.linalg import matrix_power as _matrix_power
from numtorch.ops.linalg_decomp import (  # noqa: F401
    cholesky,
    eigh,
    eigh_result,
    eigvalsh,
    qr,
    qr_result,
    svd,
    svdvals,
)
from numtorch.ops.linalg_functions import (
    cond,
    diagonal,
    householder_product,
    lstsq,
    matrix_exp,
    tensorinv,
    tensorsolve,
    vander,
)
from numtorch.ops.linalg_lu import (
    cholesky_ex,
    inv_ex,
    lu,
    lu_factor,
    lu_factor_ex,
    lu_solve,
    solve_ex,
    solve_triangular,
)
from numtorch.ops.linalg_norms import matrix_norm, norm, vecdot, vector_norm
from numtorch.ops.linalg_solve import (  # noqa: F401
    LinAlgError,
    det,
    inv,
    matrix_rank,
    pinv,
    slogdet,
    slogdet_result,
    solve,
)
from numtorch.ops.matmul import _out, multi_dot

__all__ = [
    "LinAlgError", "vector_norm", "matrix_norm", "norm", "inv", "det", "slogdet", "solve",
    "cholesky", "qr", "svd", "svdvals", "eigh", "eigvalsh", "pinv", "matrix_rank", "multi_dot",
    "matrix_power", "cross", "matmul", "vecdot", "solve_triangular", "lu_factor",
    "lu_factor_ex", "lu", "lu_solve", "lstsq", "matrix_exp", "cholesky_ex", "inv_ex", "solve_ex",
    "vander", "diagonal", "tensorinv", "tensorsolve", "householder_product", "cond",
]



def matrix_power(A, n, *, out=None):
    """``A`` to the integer power ``n`` (see ``numtorch.matrix_power``)."""
    return _out(_matrix_power(A, n), out)


def cross(input, other, *, dim=-1, out=None):
    """Cross product of 3-vectors along ``dim`` (default -1), batch dims broadcast."""
    return _cross(input, other, dim, out=out)
