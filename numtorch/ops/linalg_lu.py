"""Triangular systems and the LU decomposition: ``solve_triangular``, ``lu_factor`` /
``lu_factor_ex``, ``lu``, ``lu_unpack``, ``lu_solve``, and the ``*_ex`` forms of ``inv``,
``solve`` and ``cholesky`` (their ``info`` output is LAPACK's).

NumPy has no LU and no triangular solve, so both are written here: LU with partial pivoting
is LAPACK's ``getrf`` (the largest entry of each column, the first on ties; a zero pivot is
recorded in ``info`` and the elimination goes on), one vectorized rank-1 update per column
over the whole batch. (A recursive, BLAS-3 form was measured slower up to 512 columns: the
row gathers between its blocks cost more than the products save.) A triangular system is
solved by LAPACK's general solver on the triangle turned upper (reversing rows and columns
of a lower one), where partial pivoting never swaps: the elimination is exactly back
substitution. Gradients: ``solve_triangular``
is a primitive (its backward is two more triangular solves); ``lu`` / ``lu_factor`` have
PyTorch's gradient for square matrices; ``lu_solve`` is composed of the two, so its gradient
reaches ``B`` and ``LU``.
"""

import numpy as np

from numtorch import _dtype, return_types
from numtorch._tensor import _wrap
from numtorch.autograd.function import Primitive
from numtorch.ops._out import _kernel_name
from numtorch.ops.linalg_decomp import cholesky
from numtorch.ops.linalg_solve import (
    LinAlgError,
    _batch_prefix,
    _check_matrix,
    _raise_singular_inv,
    inv,
    solve,
)
from numtorch.ops.matmul import _mm, _out, _sname

__all__ = ["solve_triangular", "cholesky_solve", "lu_factor", "lu_factor_ex", "lu",
           "lu_unpack", "lu_solve", "inv_ex", "solve_ex", "cholesky_ex"]


def _tuple_out(result, out, name):
    """PyTorch's ``out=`` for a named tuple of results: each copied into its ``out`` tensor."""
    if out is None:
        return result
    from numtorch.ops._out import _out as copy_out

    if not isinstance(out, (tuple, list)) or len(out) != len(result):
        raise TypeError(f"{name}(): argument 'out' must be tuple of {len(result)} Tensors, not "
                        f"{type(out).__name__}")
    return type(result)([copy_out(r, o, name) for r, o in zip(result, out)])


# ====================================================================== triangular solves
def _triangle(a, upper, unit):
    """The triangle of ``a`` that a triangular solve reads (unit diagonal when ``unit``)."""
    t = np.triu(a) if upper else np.tril(a)
    if unit:
        n = a.shape[-1]
        t = t.copy()
        t[..., np.arange(n), np.arange(n)] = 1
    return t


def _substitute(t, b, upper):
    """Back (``upper``) or forward substitution, one row at a time, with IEEE division: the
    path for a zero on the diagonal, where LAPACK's ``trsm`` gives inf/NaN."""
    n = t.shape[-1]
    x = np.zeros(np.broadcast_shapes(t.shape[:-2], b.shape[:-2]) + b.shape[-2:],
                 dtype=np.result_type(t, b))
    rows = range(n - 1, -1, -1) if upper else range(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in rows:
            rest = slice(i + 1, n) if upper else slice(0, i)
            acc = b[..., i, :] - np.einsum("...j,...jk->...k", t[..., i, rest], x[..., rest, :])
            x[..., i, :] = acc / t[..., i, i:i + 1]
    return x


def _solve_tri(a, b, upper, unit):
    """X with T X = B for the ``upper``/lower triangle T of ``a`` (batch dims broadcast)."""
    t = _triangle(a, upper, unit)
    batch = np.broadcast_shapes(t.shape[:-2], b.shape[:-2])
    t = np.broadcast_to(t, batch + t.shape[-2:])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    if t.shape[-1] == 0 or b.shape[-1] == 0:
        return np.zeros(b.shape, dtype=np.result_type(t, b))
    if not upper:  # J T J is upper triangular: (J T J)(J X) = J B
        t, b = t[..., ::-1, ::-1], b[..., ::-1, :]
    # (an infinite or NaN right side: the general solver's unit-lower step multiplies it by
    # the zeros of L = I, so substitution, as LAPACK's trsm, keeps it where it belongs)
    if not np.isfinite(b).all():
        x = _substitute(t, b, True)
    else:
        try:
            x = np.linalg.solve(t, b)
        except np.linalg.LinAlgError:
            x = _substitute(t, b, True)
    return x if upper else x[..., ::-1, :]


class SolveTriangular(Primitive):
    """X = T^-1 B for the triangle T of A (unit diagonal when ``unit``): grad_B = T^-T grad
    (another triangular solve) and grad_A = -grad_B X^T restricted to the triangle read (the
    diagonal left out when it is taken as ones)."""

    @staticmethod
    def forward(ctx, a, b, upper, unit):
        x = _solve_tri(a, b, upper, unit)
        ctx.upper, ctx.unit = upper, unit
        ctx.save_for_backward(a, x)
        return x

    @staticmethod
    def backward(ctx, grad_output):
        a, x = ctx.saved_tensors
        gb = SolveTriangular.apply(a.mT, grad_output, not ctx.upper, ctx.unit)
        ga = None
        if ctx.needs_input_grad[0]:
            k = 1 if ctx.unit else 0
            full = -_mm(gb, x.mT)
            ga = full.triu(k) if ctx.upper else full.tril(-k)
        return ga, gb if ctx.needs_input_grad[1] else None, None, None


def _promoted(A, B, name):
    for t in (A, B):
        if t._data.dtype.kind != "f":
            raise NotImplementedError(f'"{name}_cpu" not implemented for '
                                      f"'{_kernel_name(t._data)}'")
    dt = _dtype.from_numpy_dtype(np.result_type(A._data.dtype, B._data.dtype))
    return A.to(dt), B.to(dt)


def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    """The X with ``A X = B`` (``X A = B`` when ``left=False``) for triangular ``A``: only its
    ``upper`` or lower triangle is read, with ones on the diagonal when ``unitriangular``.
    Batch dims broadcast; a zero on the diagonal gives inf/NaN, not an error."""
    name = "linalg.solve_triangular"
    sa = A._data.shape
    if len(sa) < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if sa[-1] != sa[-2]:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are "
                           f"{sa[-2]} by {sa[-1]} matrices")
    if B._data.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor B must have at least 2 dimensions.")
    n = A._data.shape[-1]
    rows = B._data.shape[-2] if left else B._data.shape[-1]
    if rows != n:
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"{name}: Incompatible shapes of A and B for the equation {eq} "
                           f"({n}x{n} and {B._data.shape[-2]}x{B._data.shape[-1]})")
    A, B = _promoted(A, B, "triangular_solve")
    if left:
        x = SolveTriangular.apply(A, B, bool(upper), bool(unitriangular))
    else:  # X A = B  <=>  A^T X^T = B^T
        x = SolveTriangular.apply(A.mT, B.mT, not upper, bool(unitriangular)).mT
    return _out(x, out)


class CholeskySolve(Primitive):
    """X = A^-1 B for A = L L^T (``upper``: U^T U) from the factor: two triangular solves.
    PyTorch's gradient: grad_B = cholesky_solve(grad, L) and, with S = grad_B X^T + X grad_B^T,
    grad_L = -S L (-U S when ``upper``). NOTE: that is the gradient of L L^T with the whole L,
    nonzero above the diagonal too, which the forward does not read (PyTorch's rule)."""

    @staticmethod
    def forward(ctx, b, factor, upper):
        low = np.swapaxes(factor, -1, -2) if upper else factor
        x = _solve_tri(np.swapaxes(low, -1, -2), _solve_tri(low, b, False, False), True, False)
        ctx.upper = upper
        ctx.save_for_backward(factor, x)
        return x

    @staticmethod
    def backward(ctx, grad_output):
        factor, x = ctx.saved_tensors
        gb = CholeskySolve.apply(grad_output, factor, ctx.upper)
        gl = None
        if ctx.needs_input_grad[1]:
            s = _mm(gb, x.mT)
            s = s + s.mT
            gl = -_mm(factor, s) if ctx.upper else -_mm(s, factor)
        return gb if ctx.needs_input_grad[0] else None, gl, None


def cholesky_solve(B, L, upper=False):
    """The X with ``A X = B`` from ``A``'s Cholesky factor (``A = L L^T``; ``U^T U`` when
    ``upper``; only that triangle is read), batch dims broadcast."""
    for name, t in (("b", B), ("u", L)):
        if t._data.ndim < 2:
            raise RuntimeError(f"{name} should have at least 2 dimensions, but has "
                               f"{t._data.ndim} dimensions instead")
    if B._data.dtype != L._data.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type "
                           f"{_sname(B)} and A of type {_sname(L)} instead.")
    n = L._data.shape[-1]
    if L._data.shape[-2] != n:
        raise RuntimeError(f"A must be batches of square matrices, but they are "
                           f"{L._data.shape[-2]} by {n} matrices")
    if B._data.shape[-2] != n:
        raise RuntimeError(f"Incompatible matrix sizes for cholesky_solve: each A matrix is "
                           f"{n} by {n} but each b matrix is {B._data.shape[-2]} by "
                           f"{B._data.shape[-1]}")
    return CholeskySolve.apply(B, L, bool(upper))  # (the forward reads the triangle only)


# ====================================================================== LU
def _getrf(a):
    """LAPACK's ``getrf`` on a batch ``(*, m, n)``: the packed factors (L below the diagonal,
    unit diagonal implied; U on and above it), 1-based int32 pivots (row i was swapped with
    row ``pivots[i]``) and int32 ``info`` (the 1-based index of the first zero pivot, or 0)."""
    lu = np.array(a, dtype=a.dtype, copy=True)
    m, n = lu.shape[-2:]
    batch = lu.shape[:-2]
    lu = lu.reshape((int(np.prod(batch)), m, n))
    piv, info = _getf2(lu)
    return (lu.reshape(batch + (m, n)), (piv + 1).astype(np.int32).reshape(batch + (-1,)),
            info.astype(np.int32).reshape(batch))


def _getf2(lu):
    """Unblocked LU with partial pivoting in place (``getf2``): per column, the first largest
    entry is the pivot; a zero pivot is recorded and its column left as it is."""
    m, n = lu.shape[1:]
    k = min(m, n)
    b = np.arange(lu.shape[0])
    piv = np.zeros((lu.shape[0], k), dtype=np.int64)
    info = np.zeros(lu.shape[0], dtype=np.int64)
    for j in range(k):
        p = j + np.argmax(np.abs(lu[:, j:, j]), axis=1)  # (the first largest entry)
        piv[:, j] = p
        rows = lu[b, p].copy()
        lu[b, p] = lu[:, j]
        lu[:, j] = rows
        pivot = lu[:, j, j]
        zero = pivot == 0
        info = np.where(zero & (info == 0), j + 1, info)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(zero, 0, 1 / np.where(zero, 1, pivot)).astype(lu.dtype)
        if not zero.any():
            lu[:, j + 1:, j] *= scale[:, None]
        else:  # (a zero pivot: its column below is zero too, and is left as it is)
            lu[:, j + 1:, j] = np.where(zero[:, None], lu[:, j + 1:, j],
                                        lu[:, j + 1:, j] * scale[:, None])
        lu[:, j + 1:, j + 1:] -= lu[:, j + 1:, j:j + 1] * lu[:, j:j + 1, j + 1:]
    return piv, info


def _permutation(piv, m):
    """The row order ``perm`` of ``P^T A`` (``(P^T A)[i] = A[perm[i]]``) from 1-based pivots."""
    batch = piv.shape[:-1]
    flat = piv.reshape((int(np.prod(batch)), piv.shape[-1])) - 1
    perm = np.broadcast_to(np.arange(m), (flat.shape[0], m)).copy()
    rows = np.arange(flat.shape[0])
    for i in range(flat.shape[1]):
        j = flat[:, i]
        a, b = perm[rows, i].copy(), perm[rows, j].copy()
        perm[rows, i], perm[rows, j] = b, a
    return perm.reshape(batch + (m,))


class LuFactor(Primitive):
    """The packed LU factors of ``A = P L U`` (``getrf``), with the pivots and ``info`` as
    outputs without gradient. For square A, with gL and gU the strictly lower and upper parts
    of the packed gradient: grad_A = P L^-T (tril(L^T gL, -1) + triu(gU U^T)) U^-T."""

    @staticmethod
    def forward(ctx, a):
        lu, piv, info = _getrf(a)
        ctx.square = a.shape[-1] == a.shape[-2]
        ctx.perm = _permutation(piv, a.shape[-2]) if ctx.square else None
        ctx.save_for_backward(lu)
        return lu, piv, info

    @staticmethod
    def backward(ctx, grad_lu, grad_piv, grad_info):
        if not ctx.square:
            raise RuntimeError("linalg.lu_factor: numtorch implements the gradient of the LU "
                               "decomposition for square matrices only")
        (lu,) = ctx.saved_tensors
        n = lu._data.shape[-1]
        low = lu.tril(-1) + _wrap(np.eye(n, dtype=lu._data.dtype))
        up = lu.triu()
        inner = _mm(low.mT, grad_lu.tril(-1)).tril(-1) + _mm(grad_lu.triu(), up.mT).triu()
        # L^-T inner U^-T, then the rows back in A's order (P^T A = L U)
        g = solve_triangular(low.mT, inner, upper=True, unitriangular=True)
        g = solve_triangular(up.mT, g, upper=False, left=False)
        return _mm(_wrap(_perm_matrix(ctx.perm, lu._data.dtype)), g)  # P g


def _lu_input(A, name):
    shape = A._data.shape
    if len(shape) < 2:
        raise RuntimeError(f"torch.{name}: Expected tensor with 2 or more dimensions. Got size: "
                           f"[{', '.join(map(str, shape))}] instead")
    if A._data.dtype.kind != "f":
        raise NotImplementedError(f"\"lu_cpu\" not implemented for '{_kernel_name(A._data)}'")


def lu_factor_ex(A, *, pivot=True, check_errors=False, out=None):
    """``(LU, pivots, info)``: the packed LU factorization with partial pivoting of (batches
    of) matrices, LAPACK's 1-based int32 pivots, and ``info`` (0, or the 1-based index of the
    first zero on U's diagonal). ``check_errors`` raises for a nonzero ``info``."""
    _lu_input(A, "lu_factor")
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")
    lu, piv, info = LuFactor.apply(A)
    if check_errors and np.any(info._data):
        _raise_zero_pivot("linalg.lu_factor_ex", info._data)
    return _tuple_out(return_types.linalg_lu_factor_ex((lu, piv, info)), out, "lu_factor_ex")


def _raise_zero_pivot(name, info):
    flat = info.reshape(-1)
    k = int(flat[np.argmax(flat > 0)])
    raise LinAlgError(f"{name}: {_batch_prefix(info > 0)}The factorization could not be "
                      f"completed because the input is not invertible: U[{k - 1},{k - 1}] is "
                      "zero.")


def lu_factor(A, *, pivot=True, out=None):
    """``(LU, pivots)`` of ``lu_factor_ex``; a zero on U's diagonal raises (a later
    ``lu_solve`` would divide by it)."""
    lu, piv, info = lu_factor_ex(A, pivot=pivot)
    if np.any(info._data):
        flat = info._data.reshape(-1)
        k = int(flat[np.argmax(flat > 0)]) - 1
        raise RuntimeError(f"torch.linalg.lu_factor: {_batch_prefix(info._data > 0)}U[{k},{k}] "
                           "is zero and using it on lu_solve would result in a division by "
                           "zero. If you still want to perform the factorization, consider "
                           "calling linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)")
    return _tuple_out(return_types.linalg_lu_factor((lu, piv)), out, "lu_factor")


def _perm_matrix(perm, dtype):
    """P with ``P^T A = A[perm]``: ``P[perm[i], i] = 1``."""
    m = perm.shape[-1]
    pt = np.zeros(perm.shape + (m,), dtype=dtype)
    np.put_along_axis(pt, perm[..., None], 1, -1)  # row i of P^T picks A[perm[i]]
    return np.swapaxes(pt, -1, -2).copy()


def _unpack(lu, piv, unpack_data=True, unpack_pivots=True):
    m, n = lu._data.shape[-2:]
    k = min(m, n)
    dt = lu._data.dtype
    empty = _wrap(np.zeros((0,), dtype=dt))
    p = empty
    if unpack_pivots:
        p = _wrap(_perm_matrix(_permutation(piv._data.astype(np.int64), m), dt))
    if not unpack_data:
        return p, empty, empty
    low = lu[..., :, :k].tril(-1) + _wrap(np.eye(m, k, dtype=dt))
    up = lu[..., :k, :].triu()
    return p, low, up


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True, *, out=None):
    """``(P, L, U)`` from packed LU factors and pivots: ``A = P L U`` with L (*, m, k)
    unit-lower and U (*, k, n) upper, k = min(m, n). Differentiable in ``LU_data``."""
    result = return_types.lu_unpack(_unpack(LU_data, LU_pivots, unpack_data, unpack_pivots))
    return _tuple_out(result, out, "lu_unpack")


def lu(A, *, pivot=True, out=None):
    """``(P, L, U)`` with ``A = P L U`` (partial pivoting). Differentiable for square A."""
    lu_, piv, _ = lu_factor_ex(A, pivot=pivot)
    return _tuple_out(return_types.linalg_lu(_unpack(lu_, piv)), out, "lu")


def lu_solve(LU, pivots, B, *, left=True, adjoint=False, out=None):
    """The X with ``A X = B`` from ``A``'s ``lu_factor`` (``A^T X = B`` when ``adjoint``,
    ``X A = B`` when ``left=False``): a permutation and two triangular solves, so the
    gradient reaches ``B`` and ``LU``."""
    name = "linalg.lu_solve"
    if LU._data.ndim < 2:
        raise RuntimeError(f"torch.{name}: The input tensor A must have at least 2 dimensions.")
    m, n = LU._data.shape[-2:]
    if m != n:
        raise RuntimeError(f"torch.{name}: A must be batches of square matrices, but they are "
                           f"{m} by {n} matrices")
    rows = B._data.shape[-2] if left else B._data.shape[-1]
    if B._data.ndim < 2 or rows != n:
        eq = "AX = B" if left else "XA = B"
        bs = B._data.shape + (1,) * (2 - B._data.ndim)
        raise RuntimeError(f"{name}: Incompatible shapes of A and B for the equation {eq} "
                           f"({n}x{n} and {bs[-2]}x{bs[-1]})")
    if not left:  # X A = B  <=>  A^T X^T = B^T
        return _out(lu_solve(LU, pivots, B.mT, adjoint=not adjoint).mT, out)
    p, low, up = _unpack(LU, pivots)
    if not adjoint:  # A = P L U:  X = U^-1 L^-1 P^T B
        y = solve_triangular(low, _mm(p.mT, B), upper=False, unitriangular=True)
        return _out(solve_triangular(up, y, upper=True), out)
    # A^T = U^T L^T P^T:  X = P L^-T U^-T B
    y = solve_triangular(up.mT, B, upper=False)
    y = solve_triangular(low.mT, y, upper=True, unitriangular=True)
    return _out(_mm(p, y), out)


# ====================================================================== *_ex forms
def _lu_solve_array(a, b):
    """A^-1 B through ``getrf`` with IEEE division (inf/NaN for a singular A)."""
    lu_, piv, _ = _getrf(a)
    perm = _permutation(piv, a.shape[-1])
    pb = np.take_along_axis(np.broadcast_to(b, a.shape[:-2] + b.shape[-2:]), perm[..., None],
                            -2)
    n = a.shape[-1]
    y = _substitute(np.tril(lu_, -1) + np.eye(n, dtype=a.dtype), pb, False)
    return _substitute(np.triu(lu_), y, True)


def inv_ex(A, *, check_errors=False, out=None):
    """``(inverse, info)``: ``info`` is LU's (the first zero pivot, 1-based, or 0; int32).
    A singular matrix's inverse holds inf/NaN (LAPACK's exact garbage is not reproduced)."""
    _check_matrix(A, "linalg.inv_ex", square=True)
    _, _, info = _getrf(A._data)
    if not np.any(info):
        return _tuple_out(return_types.linalg_inv_ex((inv(A), _wrap(info))), out, "inv_ex")
    if check_errors:
        _raise_singular_inv(A._data)
    n = A._data.shape[-1]
    x = _lu_solve_array(A._data, np.eye(n, dtype=A._data.dtype))
    return _tuple_out(return_types.linalg_inv_ex((_wrap(x), _wrap(info))), out, "inv_ex")


def solve_ex(A, B, *, left=True, check_errors=False, out=None):
    """``(result, info)`` of ``solve``, ``info`` as ``inv_ex``'s; a singular system gives
    inf/NaN instead of an error (unless ``check_errors``)."""
    _check_matrix(A, "linalg.solve_ex", square=True)
    _, _, info = _getrf(A._data)
    if not np.any(info) or check_errors:
        result = return_types.linalg_solve_ex((solve(A, B, left=left), _wrap(info)))
        return _tuple_out(result, out, "solve_ex")
    sa, sb = A._data.shape, B._data.shape
    vector = len(sb) == 1 or (len(sb) == len(sa) - 1 and sb == sa[:-1])
    b = B._data[..., None] if vector else B._data
    if left:
        x = _lu_solve_array(A._data, b)
    else:
        x = np.swapaxes(_lu_solve_array(np.swapaxes(A._data, -1, -2), np.swapaxes(b, -1, -2)),
                        -1, -2)
    result = return_types.linalg_solve_ex((_wrap(x[..., 0] if vector else x), _wrap(info)))
    return _tuple_out(result, out, "solve_ex")


def _potrf2(a):
    """LAPACK's recursive Cholesky (``potrf2``) of one lower matrix, in place: ``info`` and the
    partial factor it leaves when a leading minor is not positive-definite."""
    n = a.shape[0]
    if n == 1:
        if not a[0, 0] > 0:
            return 1
        a[0, 0] = np.sqrt(a[0, 0])
        return 0
    n1 = n // 2
    info = _potrf2(a[:n1, :n1])
    if info:
        return info
    low = np.tril(a[:n1, :n1])
    a[n1:, :n1] = np.linalg.solve(low, a[n1:, :n1].T).T  # A21 L11^-T
    a[n1:, n1:] -= np.tril(a[n1:, :n1] @ a[n1:, :n1].T)
    info = _potrf2(a[n1:, n1:])
    return info + n1 if info else 0


def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    """``(L, info)``: ``info`` is 0, or the order of the first leading minor that is not
    positive-definite (int32); that matrix's L is the partial factor LAPACK's recursive
    Cholesky leaves (lower triangle)."""
    _check_matrix(A, "linalg.cholesky_ex", square=True)
    a = A._data
    try:
        np.linalg.cholesky(a)
        ok = True
    except np.linalg.LinAlgError:
        ok = False
    if ok or check_errors:
        info = np.zeros(a.shape[:-2], dtype=np.int32)
        result = return_types.linalg_cholesky_ex((cholesky(A, upper=upper), _wrap(info)))
        return _tuple_out(result, out, "cholesky_ex")
    flat = np.tril(a).reshape((-1,) + a.shape[-2:]).copy()
    flat = flat + np.swapaxes(np.tril(flat, -1), -1, -2)  # (the lower triangle is what is read)
    info = np.zeros(flat.shape[0], dtype=np.int32)
    for i in range(flat.shape[0]):
        info[i] = _potrf2(flat[i])
    low = np.tril(flat).reshape(a.shape)
    info = info.reshape(a.shape[:-2])
    factor = _wrap(np.swapaxes(low, -1, -2).copy() if upper else low)
    return _tuple_out(return_types.linalg_cholesky_ex((factor, _wrap(info))), out, "cholesky_ex")

