"""Tests of numtorch/ops/linalg_functions.py: lstsq, matrix_exp, vander, linalg.diagonal,
tensorinv, tensorsolve and householder_product (orgqr) against PyTorch and float64 finite
differences."""

import numpy as np
import pytest
from parity import check_grad, parity, raises_like, rng

import numtorch


def _r(*shape, seed=0, dtype=np.float64):
    return rng(seed).standard_normal(shape).astype(dtype)


# ====================================================================== lstsq
@pytest.mark.parametrize("driver", [None, "gelsy", "gelsd", "gelss", "gels"])
@pytest.mark.parametrize("shapes", [((5, 3), (5, 2)), ((2, 5, 3), (2, 5, 2)), ((3, 5), (3, 2)),
                                    ((5, 3), (5,)), ((2, 4, 3), (2, 4))], ids=str)
def test_lstsq_matches_torch(driver, shapes):
    sa, sb = shapes
    if driver == "gels" and sa[-2] < sa[-1]:
        pytest.skip("PyTorch's gels needs full-rank A: m < n is its own case")

    def f(t, a, b):
        return t.linalg.lstsq(a, b, driver=driver)

    parity(f, _r(*sa, seed=1), _r(*sb, seed=2))  # all four fields, solution's gradients
    parity(f, _r(*sa, seed=1, dtype=np.float32), _r(*sb, seed=2, dtype=np.float32), atol=1e-4)


def test_lstsq_rank_deficient_and_gradcheck():
    a = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])  # rank 1: the minimum-norm solution
    parity(lambda t, x, y: t.linalg.lstsq(x, y), a, np.array([[1.0], [2.0], [2.5]]),
           grad=False)
    check_grad(lambda t, x, y: t.linalg.lstsq(x, y).solution, _r(4, 3, seed=3), _r(4, 2),
               gradgrad=True)
    check_grad(lambda t, x, y: t.linalg.lstsq(x, y, driver="gelsd").residuals, _r(5, 2, seed=4),
               _r(5, 2, seed=5))


@pytest.mark.parametrize("call", [
    lambda t, a, b: t.linalg.lstsq(a, b[:3]),
    lambda t, a, b: t.linalg.lstsq(a, b.float()),
    lambda t, a, b: t.linalg.lstsq(a, b, driver="foo"),
    lambda t, a, b: t.linalg.lstsq(a.long(), b.long()),
    lambda t, a, b: t.linalg.lstsq(a.reshape(3, 4, 2)[:, :4], b),
])
def test_lstsq_errors_like_torch(call):
    raises_like(call, _r(4, 2), _r(4, 1))


# ====================================================================== matrix_exp
@pytest.mark.parametrize("scale", [0.01, 1.0, 8.0])
def test_matrix_exp_matches_torch(scale):
    a = _r(2, 4, 4, seed=6) * scale
    parity(lambda t, x: t.linalg.matrix_exp(x), a, rtol=1e-7, atol=1e-9)
    parity(lambda t, x: t.matrix_exp(x), a.astype(np.float32), rtol=2e-4, atol=1e-4)
    parity(lambda t, x: x.matrix_exp(), a[0])


def test_matrix_exp_properties_and_gradcheck():
    # exp of a diagonal is the exp of its entries; exp(A) exp(-A) = I; exp(0) = I
    d = np.diag([0.5, -1.0, 2.0])
    np.testing.assert_allclose(numtorch.linalg.matrix_exp(numtorch.tensor(d)).numpy(),
                               np.diag(np.exp([0.5, -1.0, 2.0])), rtol=1e-14)
    a = numtorch.tensor(_r(3, 3, seed=7) * 3)
    eye = (numtorch.linalg.matrix_exp(a) @ numtorch.linalg.matrix_exp(-a)).numpy()
    np.testing.assert_allclose(eye, np.eye(3), atol=1e-10)
    assert numtorch.linalg.matrix_exp(numtorch.zeros(0, 0)).shape == (0, 0)
    check_grad(lambda t, x: t.linalg.matrix_exp(x), _r(3, 3, seed=8), gradgrad=True)
    check_grad(lambda t, x: t.linalg.matrix_exp(x), _r(2, 2, 2, seed=9) * 4)
    raises_like(lambda t, x: t.linalg.matrix_exp(x), _r(2, 3))
    raises_like(lambda t, x: t.linalg.matrix_exp(x.long()), _r(2, 2))


# ====================================================================== vander, diagonal
def test_vander_matches_torch():
    x = np.array([1.5, -2.0, 0.0, 3.0])
    parity(lambda t, a: t.linalg.vander(a), x)
    parity(lambda t, a: t.linalg.vander(a, N=6), _r(2, 3, seed=10))
    # (PyTorch's backward of torch.vander fails: "modified by an inplace operation")
    parity(lambda t, a: t.vander(a), x, grad=False)
    parity(lambda t, a: t.vander(a, N=3, increasing=True), x.astype(np.float32), grad=False)
    check_grad(lambda t, a: t.vander(a, 3), x)
    parity(lambda t, a: t.vander(a, 5), np.array([1, 2, 3]))  # integers stay integers
    parity(lambda t, a: t.vander(a, N=0), np.array([1, 2, 3]))
    check_grad(lambda t, a: t.linalg.vander(a, N=4), x)
    for call in (lambda t, a: t.linalg.vander(a, N=1), lambda t, a: t.linalg.vander(a[0]),
                 lambda t, a: t.vander(a.reshape(2, 2))):
        raises_like(call, x)


def test_linalg_diagonal_matches_torch():
    a = _r(2, 3, 4, seed=11)
    parity(lambda t, x: t.linalg.diagonal(x), a)
    parity(lambda t, x: t.linalg.diagonal(x, offset=1, dim1=0, dim2=2), a)


# ====================================================================== tensorinv, tensorsolve
def test_tensorinv_tensorsolve_match_torch():
    a = _r(4, 6, 8, 3, seed=12) + np.eye(24).reshape(4, 6, 8, 3) * 4
    parity(lambda t, x: t.linalg.tensorinv(x, ind=2), a)
    parity(lambda t, x: t.linalg.tensorinv(x, 1), _r(6, 2, 3, seed=13) + np.eye(6).reshape(
        6, 2, 3) * 3)
    b = _r(4, 6, seed=14)
    parity(lambda t, x, y: t.linalg.tensorsolve(x, y), a, b)
    # dims=(0,) moves the first dim of a (3, 4, 6, 8) A to the end: (4, 6, 8, 3)
    parity(lambda t, x, y: t.linalg.tensorsolve(x, y, dims=(0,)), np.moveaxis(a, 3, 0).copy(),
           b)
    check_grad(lambda t, x: t.linalg.tensorinv(x, 1), _r(4, 2, 2, seed=15) + np.eye(4).reshape(
        4, 2, 2) * 3)
    check_grad(lambda t, x, y: t.linalg.tensorsolve(x, y), _r(2, 3, 6, seed=16) + np.eye(
        6).reshape(2, 3, 6) * 3, _r(2, 3))
    raises_like(lambda t, x: t.linalg.tensorinv(x, ind=0), a)
    raises_like(lambda t, x: t.linalg.tensorinv(x, ind=1), a)
    raises_like(lambda t, x, y: t.linalg.tensorsolve(x, y), a, b[:2])


# ====================================================================== householder_product
def test_householder_product_matches_torch_and_rebuilds_q():
    a = _r(5, 3, seed=17)
    geqrf_torch = pytest.importorskip("torch").geqrf(__import__("torch").tensor(a))
    h, tau = geqrf_torch.a.numpy(), geqrf_torch.tau.numpy()
    q = numtorch.linalg.householder_product(numtorch.tensor(h), numtorch.tensor(tau)).numpy()
    np.testing.assert_allclose(q, np.linalg.qr(a)[0] * np.sign(np.diag(np.linalg.qr(a)[1])) *
                               np.sign(np.diag(h)), atol=1e-12)
    parity(lambda t, x, y: t.linalg.householder_product(x, y), h, tau)
    parity(lambda t, x, y: t.orgqr(x, y[:2]), _r(2, 4, 3, seed=18), _r(2, 3, seed=19))
    parity(lambda t, x, y: x.orgqr(y), h.astype(np.float32), tau.astype(np.float32))
    check_grad(lambda t, x, y: t.linalg.householder_product(x, y), _r(4, 3, seed=20),
               _r(2, seed=21))
    for call in (lambda t, x, y: t.linalg.householder_product(x.mT, y),
                 lambda t, x, y: t.linalg.householder_product(x[:, :1], y)):
        raises_like(call, h, tau)


# ====================================================================== cond
@pytest.mark.parametrize("p", [None, 2, -2, "fro", "nuc", float("inf"), float("-inf"), 1, -1])
def test_cond_matches_torch(p):
    a = _r(2, 3, 3, seed=22) + 2 * np.eye(3)
    # (PyTorch's backward of cond in the 'fro', inf and 1 norms fails: "modified by an inplace
    # operation" on its inv_ex output; finite differences check numtorch's below)
    grad = p in (None, 2, -2, "nuc")
    parity(lambda t, x: t.linalg.cond(x, p), a, rtol=1e-6, grad=grad)
    parity(lambda t, x: t.linalg.cond(x, p), a.astype(np.float32), rtol=1e-4, atol=1e-4,
           grad=grad)
    if p in (None, 2, -2):
        parity(lambda t, x: t.linalg.cond(x, p), _r(2, 3, seed=23))  # rectangular
    check_grad(lambda t, x: t.linalg.cond(x, p), a[0])


def test_cond_of_singular_matrices_and_errors():
    s = np.array([[[1.0, 2.0], [2.0, 4.0]], [[2.0, 0.0], [0.0, 1.0]]])
    parity(lambda t, x: t.linalg.cond(x, 1), s, grad=False)  # inf for the singular one
    for call in (lambda t, x: t.linalg.cond(x[0, 0], 1), lambda t, x: t.linalg.cond(x, 3),
                 lambda t, x: t.linalg.cond(x[..., :1], 1), lambda t, x: t.linalg.cond(x.long())):
        raises_like(call, s)
