"""Tests of numtorch/ops/statistics.py: cov, corrcoef, trapezoid, trapz, cumulative_trapezoid
and dist against PyTorch (values, dtypes, gradients, errors) and float64 finite differences."""

import warnings

import numpy as np
import pytest
from parity import check_grad, parity, raises_like, rng

import numtorch

X = rng(1).standard_normal((3, 5)).astype(np.float32)
FW = np.array([1, 2, 0, 3, 1], np.int64)
AW = np.array([0.5, 1.0, 2.0, 0.25, 1.5], np.float32)


# ====================================================================== cov and corrcoef
@pytest.mark.parametrize("kw", [{}, {"correction": 0}, {"correction": 2}, {"fw": True},
                                {"aw": True}, {"fw": True, "aw": True},
                                {"fw": True, "aw": True, "correction": 0}])
@pytest.mark.parametrize("shape", [(3, 5), (1, 5), (5,)], ids=str)
def test_cov_matches_torch(kw, shape):
    def f(t, x, fw, aw):
        return t.cov(x, correction=kw.get("correction", 1), fweights=fw if "fw" in kw else None,
                     aweights=aw if "aw" in kw else None)

    x = X.reshape(-1)[:5] if shape == (5,) else X[:shape[0]]
    parity(f, x, FW, AW, grad_inputs=(0,))
    parity(lambda t, x: x.cov(), x.astype(np.float64))


def test_cov_dtypes_and_degenerate_cases_match_torch():
    ints = np.array([[0, 1, 2], [2, 1, 0]], np.int64)
    parity(lambda t, x: t.cov(x), ints)  # integers give the default float dtype
    parity(lambda t, x, w: t.cov(x, aweights=w), X, AW.astype(np.float64), grad_inputs=(0,))
    parity(lambda t, x: t.cov(x), np.float32(3.0))  # one observation: NaN
    parity(lambda t, x: t.cov(x), np.zeros((0, 3), np.float32), grad=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # degrees of freedom <= 0 (both warn)
        parity(lambda t, x: t.cov(x, correction=5), X, grad=False)
        parity(lambda t, x: t.cov(x), np.ones((2, 0), np.float32), grad=False)
    with pytest.warns(UserWarning, match="degrees of freedom"):
        numtorch.cov(numtorch.tensor(X), correction=5)


def test_cov_and_corrcoef_gradcheck():
    x = rng(2).standard_normal((3, 6))
    aw = rng(3).uniform(0.5, 2.0, 6)
    fw = numtorch.tensor(np.array([1, 2, 1, 3, 1, 2]))
    check_grad(lambda t, a, w: t.cov(a, fweights=fw, aweights=w), x, aw)
    check_grad(lambda t, a: t.cov(a, correction=0), x)
    check_grad(lambda t, a: t.corrcoef(a), x, gradgrad=True)


def test_corrcoef_matches_torch():
    parity(lambda t, x: t.corrcoef(x), X)
    parity(lambda t, x: x.corrcoef(), X[0].astype(np.float64))  # one variable: 1
    parity(lambda t, x: t.corrcoef(x), np.array([[1, 2, 4], [3, 2, 1]], np.int64))
    # a constant variable: NaN in its row and column
    parity(lambda t, x: t.corrcoef(x), np.array([[1.0, 1.0, 1.0], [1.0, 2.0, 3.0]], np.float32),
           grad=False)


@pytest.mark.parametrize("call", [
    lambda t, x, f, a: t.cov(x.reshape(1, 3, 5)),
    lambda t, x, f, a: t.cov(x > 0),
    lambda t, x, f, a: t.cov(x, fweights=a),
    lambda t, x, f, a: t.cov(x, aweights=f),
    lambda t, x, f, a: t.cov(x, fweights=f[:3]),
    lambda t, x, f, a: t.cov(x, fweights=f.reshape(1, 5)),
    lambda t, x, f, a: t.cov(x, fweights=-f),
    lambda t, x, f, a: t.cov(x, aweights=-a),
    lambda t, x, f, a: t.cov(x, correction=0.5),
    lambda t, x, f, a: t.corrcoef(x.reshape(1, 3, 5)),
])
def test_cov_bad_input_raises_like_torch(call):
    raises_like(call, X, FW, AW)


# ====================================================================== integrals
Y = rng(4).standard_normal((3, 4)).astype(np.float32)
XS = np.array([0.0, 0.5, 1.5, 3.0], np.float32)


@pytest.mark.parametrize("name", ["trapezoid", "cumulative_trapezoid", "trapz"])
def test_trapezoid_family_matches_torch(name):
    def fn(t):
        return getattr(t, name)

    parity(lambda t, y: fn(t)(y), Y)
    parity(lambda t, y: fn(t)(y, dx=0.5), Y)
    parity(lambda t, y: fn(t)(y, dx=2, dim=0), Y.astype(np.float64))
    parity(lambda t, y, x: fn(t)(y, x), Y, XS)  # gradients of y and of x
    parity(lambda t, y, x: fn(t)(y, x, dim=0), Y, XS[:3])
    parity(lambda t, y, x: fn(t)(y, x), Y, np.stack([XS, XS * 2, XS + 1]))  # same shape
    parity(lambda t, y, x: fn(t)(y, x, dim=0), Y, XS[None, :].repeat(3, 0))
    parity(lambda t, y: fn(t)(y), np.array([1, 2, 4], np.int64))  # ints: float32
    parity(lambda t, y, x: fn(t)(y, x), np.array([1, 2, 4]), np.array([1, 2, 5]))
    parity(lambda t, y: fn(t)(y), np.ones((2, 0), np.float32), grad=False)


def test_trapezoid_gradcheck():
    y, x = rng(5).standard_normal((2, 5)), np.sort(rng(6).standard_normal(5))
    check_grad(lambda t, a, b: t.trapezoid(a, b), y, x, gradgrad=True)
    check_grad(lambda t, a, b: t.cumulative_trapezoid(a, b), y, x)
    check_grad(lambda t, a: t.cumulative_trapezoid(a, dx=0.3, dim=0), y)


@pytest.mark.parametrize("call", [
    lambda t, y, x: t.trapezoid(y, x[:3]),
    lambda t, y, x: t.cumulative_trapezoid(y, x[:3]),
    lambda t, y, x: t.trapezoid(y > 0),
    lambda t, y, x: t.trapezoid(y, dx=True),
    lambda t, y, x: t.cumulative_trapezoid(y, dx=True),
    lambda t, y, x: t.trapezoid(y, 2.0),
    lambda t, y, x: t.trapezoid(y[0, 0]),
    lambda t, y, x: t.cumulative_trapezoid(y[0, 0]),
    lambda t, y, x: t.trapezoid(y, dim=2),
])
def test_trapezoid_bad_input_raises_like_torch(call):
    raises_like(call, Y, XS)


# ====================================================================== dist
@pytest.mark.parametrize("p", [2, 1, 0, 3.5, float("inf"), float("-inf")])
def test_dist_matches_torch(p):
    a, b = Y, rng(7).standard_normal((4,)).astype(np.float32)  # broadcast
    # (PyTorch's backward of dist with p=0 fails: "Expected a proper Tensor but got None")
    parity(lambda t, x, y: t.dist(x, y, p), a, b, grad=p != 0)
    parity(lambda t, x, y: x.dist(y, p=p), a.astype(np.float64), a.astype(np.float64) * 0.5,
           grad=p != 0)


def test_dist_p0_gradient_is_zero():
    x = numtorch.tensor(Y, requires_grad=True)
    numtorch.dist(x, numtorch.zeros(4), 0).backward()
    assert not x.grad.numpy().any()


def test_dist_gradcheck_and_errors():
    check_grad(lambda t, x, y: t.dist(x, y, 3), rng(8).standard_normal((2, 3)),
               rng(9).standard_normal((3,)))
    raises_like(lambda t, x, y: t.dist(x, y), np.array([1, 2]), np.array([3, 4]))
    raises_like(lambda t, x, y: t.dist(x, y), Y, XS[:3])
    raises_like(lambda t, x, y: t.dist(x, 2.0), Y, Y)
