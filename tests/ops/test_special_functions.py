"""The gamma family, i0 and sinc (numtorch/ops/special_functions.py): accuracy against
``math.lgamma`` and, when installed, mpmath on dense grids over the whole real line; PyTorch's
values at the poles and infinities; float64 finite-difference gradients (to third order for
the chain lgamma -> digamma -> polygamma); parity with PyTorch in values, gradients, dtypes and
errors."""

import math

import numpy as np
import pytest
from parity import check_grad, parity, raises_like, rng, torch

import numtorch
from numtorch.ops import special_functions as sf

EPS = np.finfo(np.float64).eps
INF, NAN = math.inf, math.nan


def _grid():
    """Dense float64 points over the real line: near 0, around the roots of lgamma (1, 2) and
    digamma (1.4616...), negative non-integers, and large magnitudes."""
    r = rng(1)
    return np.concatenate([
        np.linspace(1e-6, 12, 4001), r.uniform(0.5, 2.5, 2000), 1 + r.uniform(-1e-3, 1e-3, 200),
        2 + r.uniform(-1e-3, 1e-3, 200), 10.0 ** r.uniform(-300, 300, 1000),
        -(10.0 ** r.uniform(-300, 15, 1000)), r.uniform(-40, 0, 3000),
    ])


def _rel_error(got, want):
    return np.abs(got - want) / np.maximum(np.abs(want), np.finfo(np.float64).tiny)


def test_lgamma_matches_math_lgamma_to_round_off():
    x = _grid()
    x = x[(x != np.round(x)) | (x > 0)]
    want = []
    for v in x:
        try:
            want.append(math.lgamma(v))
        except (OverflowError, ValueError):
            want.append(INF)
    want = np.array(want)
    got = sf._lgamma(x)
    finite = np.isfinite(want)
    err = _rel_error(got[finite], want[finite])
    abs_err = np.abs(got[finite] - want[finite])
    # Positive x: agreement to math.lgamma's own accuracy, a few units in the last place or
    # about 1e-15 absolute where log Gamma is below 1 (numtorch's own accuracy there is
    # checked against mpmath and the Taylor series below).
    positive = x[finite] > 0
    assert np.all((err[positive] < 16 * EPS) | (abs_err[positive] < 4e-15))
    # Negative x: both use the reflection formula, whose subtraction loses digits only where
    # log|Gamma| crosses zero (between -2 and -3, -3 and -4...): absolute error there.
    assert np.all((err < 32 * EPS) | (abs_err < 64 * EPS * np.maximum(1, np.abs(x[finite]))))
    assert np.array_equal(got[~finite], want[~finite])


def test_lgamma_near_its_roots_keeps_relative_accuracy():
    # log Gamma(1 + z) = -gamma z + zeta(2) z^2 / 2 - zeta(3) z^3 / 3 + O(z^4), and
    # log Gamma(2 + z) = log Gamma(1 + z) + log(1 + z): relative accuracy kept next to 1 and 2
    gamma, zeta2, zeta3 = 0.5772156649015329, math.pi ** 2 / 6, 1.2020569031595942
    for z in (1e-12, -1e-9, 3e-7, -2e-6):
        one = (1.0 + z) - 1.0  # (the z that 1 + z holds exactly)
        near1 = -gamma * one + zeta2 * one ** 2 / 2 - zeta3 * one ** 3 / 3
        assert _rel_error(sf._lgamma(np.array([1.0 + z])), near1)[0] < 8 * EPS
        two = (2.0 + z) - 2.0
        near2 = -gamma * two + zeta2 * two ** 2 / 2 - zeta3 * two ** 3 / 3 + math.log1p(two)
        assert _rel_error(sf._lgamma(np.array([2.0 + z])), near2)[0] < 8 * EPS


def test_against_mpmath_on_dense_grids():
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 30
    r = rng(2)
    x = np.concatenate([r.uniform(1e-3, 12, 300), 10.0 ** r.uniform(-8, 8, 100),
                        r.uniform(-12, 0, 300), [1.0, 2.0, 0.5, 1.4616321449683622]])
    x = x[(x > 0) | (x != np.round(x))]
    refs = {
        "lgamma": (sf._lgamma(x), lambda v: mpmath.loggamma(v).real),
        "digamma": (sf._digamma(x), lambda v: mpmath.digamma(v)),
        "trigamma": (sf._polygamma(x, 1), lambda v: mpmath.polygamma(1, v)),
        "polygamma2": (sf._polygamma(x, 2), lambda v: mpmath.polygamma(2, v)),
        "polygamma4": (sf._polygamma(x, 4), lambda v: mpmath.polygamma(4, v)),
    }
    for name, (got, ref) in refs.items():
        want = np.array([float(ref(mpmath.mpf(float(v)))) for v in x])
        err = _rel_error(got, want)
        positive = x > 0
        assert np.max(err[positive]) < 16 * EPS, (name, x[positive][np.argmax(err[positive])])
        # x < 0: the reflection formula; digits are lost only next to the function's zeros,
        # where the error is absolute
        near_zero = np.abs(want) < 0.05
        assert np.all((err < 64 * EPS) | near_zero), (name, x[np.argmax(err * ~near_zero)])
        assert np.max(np.abs(got - want)[near_zero], initial=0) < 1e-13, name
    xi = np.concatenate([r.uniform(-40, 40, 300), [0.0, 1e-20, 29.999, 30.0, 700.0, -705.0]])
    for order, fn in ((0, sf._i0), (1, sf._i1)):
        want = np.array([float(mpmath.besseli(order, mpmath.mpf(float(v)))) for v in xi])
        err = _rel_error(fn(xi), want)
        assert np.max(err) < 16 * EPS, (order, xi[np.argmax(err)])


def test_known_values():
    assert sf._lgamma(np.array([0.5]))[0] == pytest.approx(0.5 * math.log(math.pi), rel=4 * EPS)
    assert sf._digamma(np.array([1.0]))[0] == pytest.approx(-0.5772156649015329, rel=4 * EPS)
    assert abs(sf._digamma(np.array([1.4616321449683622]))[0]) < 1e-16
    assert sf._polygamma(np.array([1.0]), 1)[0] == pytest.approx(math.pi ** 2 / 6, rel=4 * EPS)
    # psi''(1) = -2 zeta(3); psi'(1/2) = pi^2 / 2
    assert sf._polygamma(np.array([1.0]), 2)[0] == pytest.approx(-2 * 1.2020569031595942,
                                                                rel=4 * EPS)
    assert sf._polygamma(np.array([0.5]), 1)[0] == pytest.approx(math.pi ** 2 / 2, rel=4 * EPS)
    assert sf._i0(np.array([1.0]))[0] == pytest.approx(1.2660658777520082, rel=4 * EPS)


def test_values_at_poles_and_infinities():
    x = np.array([0.0, -0.0, -1.0, -3.0, -1e20, INF, -INF, NAN])
    np.testing.assert_array_equal(sf._lgamma(x), [INF, INF, INF, INF, INF, INF, INF, NAN])
    np.testing.assert_array_equal(sf._digamma(x), [-INF, INF, NAN, NAN, NAN, INF, NAN, NAN])
    np.testing.assert_array_equal(sf._polygamma(x, 1), [INF] * 5 + [0.0, NAN, NAN])
    np.testing.assert_array_equal(sf._polygamma(x, 2), [-INF] * 5 + [NAN, -INF, NAN])
    np.testing.assert_array_equal(sf._polygamma(x, 3), [INF] * 5 + [NAN, INF, NAN])
    # overflow, not NaN, for huge and tiny arguments
    assert sf._lgamma(np.array([1e308]))[0] == INF
    assert sf._digamma(np.array([1e-310]))[0] < -1e300
    assert sf._i0(np.array([1e308]))[0] == INF


@pytest.mark.parametrize("x", [
    np.array([-0.5, -2.5, 0.3, 0.0, -0.0, -1.0, -4.0, 1.0, 2.0, 1e-30, 50.0, 1e12]),
    np.array([INF, -INF, NAN, 7.5, -7.5]),
])
def test_values_match_torch_float64(x):
    x = x.astype(np.float64)
    # PyTorch's trigamma at the negative integers is sin(pi x)'s rounding, not the pole:
    # compared apart (test_values_at_poles_and_infinities).
    nonint = ~((x < 0) & (x == np.round(x)))
    for fn in (lambda t, v: t.lgamma(v), lambda t, v: t.digamma(v),
               lambda t, v: t.polygamma(2, v), lambda t, v: t.polygamma(3, v),
               lambda t, v: t.i0(v), lambda t, v: t.special.i1(v)):
        parity(fn, x, grad=False, rtol=1e-12, atol=0)
    parity(lambda t, v: t.polygamma(1, v), x[nonint], grad=False, rtol=1e-8, atol=0)


@pytest.mark.parametrize("name", ["lgamma", "digamma", "i0", "sinc"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64", "int32", "uint8",
                                   "bool"])
def test_dtypes_and_values_match_torch(name, dtype):
    x = np.array([-2.5, -0.5, 0.25, 1.0, 1.5, 3.0, 7.0])
    if dtype == "bool":
        x = x > 1
    elif dtype in ("int64", "int32", "uint8"):
        x = np.abs(x)
    x = x.astype(dtype)
    tol = 2e-3 if dtype == "float16" else 1e-5
    parity(lambda t, v: getattr(t, name)(v), x, rtol=tol, atol=tol)
    parity(lambda t, v: getattr(v, name)(), x, rtol=tol, atol=tol)


def test_polygamma_and_mvlgamma_match_torch():
    x = np.array([0.3, 1.0, 2.5, 7.0, -0.5, -2.25], np.float32)
    for n in (0, 1, 2, 3, 5):
        parity(lambda t, v: t.polygamma(n, v), x, rtol=1e-4)
        parity(lambda t, v: v.polygamma(n), x, rtol=1e-4)
        parity(lambda t, v: t.special.polygamma(n, v), x.astype(np.float64), rtol=1e-8)
    parity(lambda t, v: t.polygamma(2, v), np.array([1, 2, 5]))
    y = np.array([[2.0, 3.5], [5.0, 1.75]])
    for p in (1, 2, 3):
        parity(lambda t, v: t.mvlgamma(v, p), y)
        parity(lambda t, v: v.mvlgamma(p), y.astype(np.float32))
        parity(lambda t, v: t.special.multigammaln(v, p), y)
    parity(lambda t, v: t.mvlgamma(v, 2), np.array([3, 4]))
    # below (p - 1) / 2 PyTorch no longer checks the domain: log|Gamma| of negative arguments
    parity(lambda t, v: t.mvlgamma(v, 3), np.array([0.2, 0.9]), grad=False)


def test_special_names_match_torch():
    x = np.array([0.3, 1.5, 4.0, -0.5])
    parity(lambda t, v: t.special.gammaln(v), x)
    parity(lambda t, v: t.special.digamma(v), x)
    parity(lambda t, v: t.special.psi(v), x)
    parity(lambda t, v: t.special.i0(v), x)
    parity(lambda t, v: t.special.i1(v), np.array([-40.0, -3.0, 0.0, 0.5, 31.0]))


def test_gradients_against_finite_differences():
    x = np.array([0.3, 1.2, 2.7, 9.5, 35.0, -0.4, -2.6])
    check_grad(lambda t, v: t.lgamma(v), x, gradgrad=True)
    check_grad(lambda t, v: t.digamma(v), x, gradgrad=True)
    for n in (1, 2, 4):
        check_grad(lambda t, v: t.polygamma(n, v), x, rtol=1e-4)
    check_grad(lambda t, v: t.mvlgamma(v, 3), np.array([1.3, 2.0, 6.5]), gradgrad=True)
    xi = np.array([-31.0, -2.0, -0.3, 0.0, 0.7, 5.0, 29.5, 30.5])
    check_grad(lambda t, v: t.i0(v), xi, gradgrad=True)
    check_grad(lambda t, v: t.special.i1(v), xi, gradgrad=True)
    # (sinc's gradient is 0 at 0, a removable singularity of its formula: first order there)
    check_grad(lambda t, v: t.sinc(v), np.array([-1.5, -0.2, 0.0, 0.4, 2.25]))
    check_grad(lambda t, v: t.sinc(v), np.array([-1.5, -0.2, 0.4, 2.25]), gradgrad=True)


def test_third_derivative_chain():
    # lgamma''' = polygamma(2): three backward passes through the recorded chain
    x = numtorch.tensor([0.7, 3.0, -1.5], dtype=numtorch.float64, requires_grad=True)
    (g1,) = numtorch.autograd.grad(numtorch.lgamma(x).sum(), x, create_graph=True)
    (g2,) = numtorch.autograd.grad(g1.sum(), x, create_graph=True)
    (g3,) = numtorch.autograd.grad(g2.sum(), x)
    np.testing.assert_allclose(g1.detach().numpy(), numtorch.digamma(x).detach().numpy(),
                               rtol=1e-15)
    np.testing.assert_allclose(g3.numpy(), numtorch.polygamma(2, x).detach().numpy(),
                               rtol=1e-15)


def test_gradients_match_torch_at_poles():
    x = np.array([0.0, -0.0, 1.5, -2.5])
    parity(lambda t, v: t.lgamma(v), x)
    parity(lambda t, v: t.digamma(v), x[2:])
    parity(lambda t, v: t.polygamma(2, v), x)


def test_inplace_out_and_top_level_inplace():
    if torch is None:
        pytest.skip("PyTorch is not installed")
    x = np.array([0.5, 1.5, 3.0], np.float32)
    for name, args in (("lgamma_", ()), ("digamma_", ()), ("polygamma_", (2,)),
                       ("mvlgamma_", (2,)), ("i0_", ()), ("sinc_", ())):
        parity(lambda t, v: getattr(v * 3, name)(*args), x)
    parity(lambda t, v: t.i0_(v * 1), x)
    parity(lambda t, v: t.sinc_(v * 1), x)
    parity(lambda t, v: t.lgamma(v, out=t.empty(0)), x, grad=False)
    parity(lambda t, v: t.polygamma(1, v, out=t.empty(3, dtype=t.float64)), x, grad=False)
    raises_like(lambda t, v: v.lgamma_(), np.array([1, 2]))
    raises_like(lambda t, v: t.lgamma(v, out=t.empty(2, dtype=t.int64)), np.array([1.0, 2.0]))


def test_bad_arguments_match_torch():
    x = np.array([1.5, 2.5])
    for fn in (lambda t, v: t.polygamma(-1, v), lambda t, v: t.polygamma(1.0, v),
               lambda t, v: t.polygamma(1, 2.0), lambda t, v: t.mvlgamma(v, 0),
               lambda t, v: t.mvlgamma(v, 1.5), lambda t, v: t.lgamma(2.0),
               lambda t, v: t.i0([1.0]), lambda t, v: t.sinc(1)):
        raises_like(fn, x)
    err = raises_like(lambda t, v: t.polygamma(-2, v), x)
    assert "negative n" in str(err)
