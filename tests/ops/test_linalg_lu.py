"""Tests of numtorch/ops/linalg_lu.py: solve_triangular, the LU family (lu_factor(_ex), lu,
lu_unpack, lu_solve) and the *_ex forms of inv, solve and cholesky against PyTorch (values,
pivots, info, gradients, errors) and float64 finite differences."""

import numpy as np
import pytest
from parity import check_grad, parity, raises_like, rng

import numtorch


def _mat(*shape, seed=0, dtype=np.float64):
    n = shape[-1]
    a = rng(seed).standard_normal(shape)
    if shape[-2] == n:
        a = a + 2 * np.eye(n)  # well conditioned
    return a.astype(dtype)


# ====================================================================== solve_triangular
@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unit", [False, True])
def test_solve_triangular_matches_torch(upper, left, unit):
    a = _mat(2, 4, 4, seed=1)
    b = rng(2).standard_normal((4, 3) if left else (3, 4))  # broadcast over A's batch

    def f(t, x, y):
        return t.linalg.solve_triangular(x, y, upper=upper, left=left, unitriangular=unit)

    parity(f, a, b)
    parity(f, a.astype(np.float32), b.astype(np.float32), atol=1e-4)
    check_grad(f, a, b, gradgrad=True)


def test_solve_triangular_zero_diagonal_and_promotion_match_torch():
    a = np.array([[0.0, 1.0], [0.0, 1.0]], np.float32)
    parity(lambda t, x, y: t.linalg.solve_triangular(x, y, upper=True), a,
           np.ones((2, 1), np.float32), grad=False)  # inf/NaN, no error
    parity(lambda t, x, y: t.linalg.solve_triangular(x, y, upper=False), _mat(3, 3),
           np.ones((3, 2), np.float32))  # float64 with float32: float64
    parity(lambda t, x, y: t.linalg.solve_triangular(x, y, upper=True), np.zeros((0, 0)),
           np.zeros((0, 2)), grad=False)


@pytest.mark.parametrize("call", [
    lambda t, a, b: t.linalg.solve_triangular(a, b[:, 0], upper=True),
    lambda t, a, b: t.linalg.solve_triangular(a, b[:2], upper=True),
    lambda t, a, b: t.linalg.solve_triangular(a[:, :2], b, upper=True),
    lambda t, a, b: t.linalg.solve_triangular(a.long(), b.long(), upper=True),
    lambda t, a, b: t.linalg.solve_triangular(a, b, upper=True, left=False),
])
def test_solve_triangular_errors_like_torch(call):
    raises_like(call, _mat(3, 3), np.ones((3, 2)))


# ====================================================================== LU
@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 3), (3, 5), (5, 3), (0, 0), (2, 0, 3)],
                         ids=str)
def test_lu_factor_and_lu_match_torch(shape):
    a = _mat(*shape, seed=3)
    parity(lambda t, x: t.linalg.lu_factor_ex(x), a, grad=len(set(shape[-2:])) == 1)
    parity(lambda t, x: t.linalg.lu(x), a, grad=shape[-1] == shape[-2])
    parity(lambda t, x: t.lu_unpack(*t.linalg.lu_factor(x)), a.astype(np.float32),
           grad=False)


def test_lu_of_singular_matrices_matches_lapack():
    # the same factors, pivots (ties: the first largest) and info as LAPACK's getrf
    s = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
    parity(lambda t, x: t.linalg.lu_factor_ex(x), s, grad=False)
    parity(lambda t, x: t.linalg.lu_factor_ex(x), np.stack([s, np.zeros((3, 3)),
                                                           np.ones((3, 3))]), grad=False)
    parity(lambda t, x: t.linalg.lu(x), np.array([[0.0, 1.0], [0.0, 2.0]]), grad=False)
    raises_like(lambda t, x: t.linalg.lu_factor(x), s)
    raises_like(lambda t, x: t.linalg.lu_factor_ex(x, check_errors=True), s)


def test_lu_gradients():
    check_grad(lambda t, x: t.linalg.lu_factor(x).LU, _mat(3, 3, seed=4), gradgrad=True)
    check_grad(lambda t, x: t.linalg.lu(x).L + t.linalg.lu(x).U, _mat(2, 3, 3, seed=5))
    with pytest.raises(RuntimeError, match="square"):
        x = numtorch.tensor(_mat(3, 4), requires_grad=True)
        numtorch.linalg.lu_factor(x).LU.sum().backward()


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [False, True])
def test_lu_solve_matches_torch(left, adjoint):
    a = _mat(2, 3, 3, seed=6)
    b = rng(7).standard_normal((2, 3, 2) if left else (2, 2, 3))

    def f(t, x, y):
        lu, piv = t.linalg.lu_factor(x)
        return t.linalg.lu_solve(lu, piv, y, left=left, adjoint=adjoint)

    parity(f, a, b)  # gradients of A (through LU) and B
    check_grad(f, a, b)


def test_lu_family_top_level_and_methods_match_torch():
    a, b = _mat(3, 3, seed=8), rng(9).standard_normal((3, 2))
    parity(lambda t, x, y: t.lu_solve(y, *t.linalg.lu_factor(x)), a, b)
    parity(lambda t, x, y: y.lu_solve(*x.lu()), a, b)
    parity(lambda t, x: t.lu(x, get_infos=True), a, grad=False)
    parity(lambda t, x, y: t.triangular_solve(y, x, upper=False, transpose=True), a, b)
    parity(lambda t, x, y: y.triangular_solve(x, unitriangular=True), a, b)
    spd = a @ a.T + np.eye(3)
    low = np.linalg.cholesky(spd)
    parity(lambda t, x, y: t.cholesky_solve(y, x), low, b)
    parity(lambda t, x, y: y.cholesky_solve(x.mT, upper=True), low, b)
    # (PyTorch's gradient of the factor is that of L L^T with the whole L, nonzero above the
    # diagonal, which the solve does not read: finite differences check the lower triangle)
    check_grad(lambda t, x, y: t.cholesky_solve(y, x.tril()), low, b)


@pytest.mark.parametrize("call", [
    lambda t, a, b: t.linalg.lu_factor(a[0]),
    lambda t, a, b: t.linalg.lu_factor(a.long()),
    lambda t, a, b: t.linalg.lu_factor(a, pivot=False),
    lambda t, a, b: t.linalg.lu_solve(*t.linalg.lu_factor(a), b[:2]),
    lambda t, a, b: t.linalg.lu_solve(*t.linalg.lu_factor(a[:2]), b[:2]),
])
def test_lu_errors_like_torch(call):
    raises_like(call, _mat(3, 3), np.ones((3, 1)))


# ====================================================================== *_ex
def test_inv_ex_solve_ex_info_match_torch():
    a = np.stack([_mat(3, 3, seed=10), np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0],
                                                  [1.0, 0.0, 1.0]])])
    parity(lambda t, x: t.linalg.inv_ex(x).info, a, grad=False)
    parity(lambda t, x: t.linalg.inv_ex(x), a[:1])
    parity(lambda t, x, y: t.linalg.solve_ex(x, y).info, a, np.ones((2, 3)), grad=False)
    parity(lambda t, x, y: t.linalg.solve_ex(x, y), a[:1], np.ones((1, 3, 2)))
    parity(lambda t, x, y: t.linalg.solve_ex(x, y, left=False), a[:1], np.ones((1, 2, 3)))
    r = numtorch.linalg.inv_ex(numtorch.tensor(a))  # the singular one: inf/NaN, no error
    assert not np.isfinite(r.inverse.numpy()[1]).all()
    raises_like(lambda t, x: t.linalg.inv_ex(x, check_errors=True), a)
    raises_like(lambda t, x, y: t.linalg.solve_ex(x, y, check_errors=True), a, np.ones((2, 3)))


def test_cholesky_ex_matches_torch_with_partial_factors():
    good = np.array([[4.0, 2.0], [2.0, 3.0]])
    bad = np.array([[1.0, 2.0], [2.0, 1.0]])
    parity(lambda t, x: t.linalg.cholesky_ex(x), np.stack([good, bad, np.diag([0.0, 1.0])]),
           grad=False)
    # a failure in the trailing block: LAPACK's recursive factor leaves its partial result
    m = rng(11).standard_normal((5, 5))
    m = m @ m.T
    m[4, 4] = -1.0
    parity(lambda t, x: t.linalg.cholesky_ex(x, upper=True), m, grad=False)
    parity(lambda t, x: t.linalg.cholesky_ex(x), good[None].repeat(2, 0))  # gradient too
    raises_like(lambda t, x: t.linalg.cholesky_ex(x, check_errors=True), bad)


def test_out_tuples_are_filled_and_returned():
    a = numtorch.tensor(_mat(2, 3, 3, seed=12))
    lu_, piv = numtorch.empty(0, dtype=numtorch.float64), numtorch.empty(0, dtype=numtorch.int32)
    r = numtorch.linalg.lu_factor(a, out=(lu_, piv))
    assert r.LU is lu_ and r.pivots is piv and lu_.shape == (2, 3, 3)
    np.testing.assert_array_equal(lu_.numpy(), numtorch.linalg.lu_factor(a).LU.numpy())
    outs = tuple(numtorch.empty(0, dtype=numtorch.float64) for _ in range(3))
    p, low, up = numtorch.linalg.lu(a, out=outs)
    assert (p, low, up) == outs
    np.testing.assert_allclose((p @ low @ up).numpy(), a.numpy(), atol=1e-12)
    inv, info = numtorch.empty(0, dtype=numtorch.float64), numtorch.empty(0, dtype=numtorch.int32)
    assert numtorch.linalg.inv_ex(a, out=(inv, info)).inverse is inv and info.shape == (2,)
    x = numtorch.empty(0, dtype=numtorch.float64)
    assert numtorch.linalg.solve_triangular(a, a, upper=True, out=x) is x
    with pytest.raises(TypeError, match="tuple of 2"):
        numtorch.linalg.lu_factor(a, out=lu_)
