"""numtorch/ops/math_binary.py (logaddexp, logaddexp2, ldexp, frexp, nextafter, gcd, lcm, fix)
and the inverse hyperbolic functions and ``arc*`` aliases of math_functions.py: values, dtypes,
gradients and errors against PyTorch, float64 finite differences without it."""

import math

import numpy as np
import pytest
from parity import check_grad, parity, raises_like, rng, torch

import numtorch

PAIRS = [((), ()), ((3,), (3,)), ((2, 3), (1, 3)), ((2, 1), (3,)), ((0, 3), (1, 3))]


def _normal(shape, seed=0, scale=3.0):
    return np.asarray(rng(seed).standard_normal(shape) * scale, dtype=np.float32)


# ---------------------------------------------------------------------------- inverse hyperbolic
@pytest.mark.parametrize("name,lo,hi", [
    ("asinh", -4, 4), ("acosh", 1.05, 5), ("atanh", -0.95, 0.95), ("arcsinh", -4, 4),
    ("arccosh", 1.05, 5), ("arctanh", -0.95, 0.95), ("arcsin", -0.9, 0.9),
    ("arccos", -0.9, 0.9), ("arctan", -4, 4)])
def test_inverse_functions_match_torch(name, lo, hi):
    x = rng(1).uniform(lo, hi, (2, 3)).astype(np.float32)
    parity(lambda t, v: getattr(t, name)(v), x)
    parity(lambda t, v: getattr(v, name)(), x)
    # NOTE: PyTorch has no derivative for the in-place inverse hyperbolics (its backward
    # raises); numtorch's in-place forms are differentiable: values compared there.
    grad = not name.endswith("h")
    parity(lambda t, v: getattr(v * 1, name + "_")(), x, grad=grad)
    parity(lambda t, v: getattr(t, name + "_")(v * 1), x, grad=grad)
    check_grad(lambda t, v: getattr(v * 1, name + "_")(), x.astype(np.float64))
    parity(lambda t, v: getattr(t, name)(v, out=t.empty(0)), x, grad=False)
    parity(lambda t, v: getattr(t, name)(v), np.array([1, 2, 0]) if name.endswith("cosh")
           else np.array([0, 1]))  # integers: the default float dtype
    check_grad(lambda t, v: getattr(t, name)(v), x.astype(np.float64), gradgrad=True)


def test_inverse_hyperbolics_outside_their_domains_match_torch():
    x = np.array([-2.0, -1.0, 0.0, 0.5, 1.0, 2.0, math.inf, -math.inf, math.nan], np.float32)
    for name in ("asinh", "acosh", "atanh"):
        parity(lambda t, v: getattr(t, name)(v), x, grad=False)
    # gradients at the domain's ends: inf, and NaN beyond
    parity(lambda t, v: t.acosh(v), np.array([-1.0, 0.0, 1.0, 2.0]))
    parity(lambda t, v: t.atanh(v), np.array([-1.0, 0.0, 2.0]))
    parity(lambda t, v: t.asinh(v), np.array([True, False]))
    raises_like(lambda t, v: v.acosh_(), np.array([1, 2]))


def test_arctan2_is_atan2():
    a, b = _normal((2, 3)), _normal((3,), 1)
    parity(lambda t, x, y: t.arctan2(x, y), a, b)
    parity(lambda t, x, y: x.arctan2(y), a, b)
    parity(lambda t, x, y: (x * 1).arctan2_(y), a, b)
    check_grad(lambda t, x, y: t.arctan2(x, y), a.astype(np.float64), b.astype(np.float64))
    raises_like(lambda t, x, y: t.arctan2(x, 2.0), a, b)


# ---------------------------------------------------------------------------- log-add-exp
@pytest.mark.parametrize("name", ["logaddexp", "logaddexp2"])
@pytest.mark.parametrize("shapes", PAIRS, ids=str)
def test_logaddexp_shape_matrix(name, shapes):
    a, b = _normal(shapes[0]), _normal(shapes[1], 1)
    parity(lambda t, x, y: getattr(t, name)(x, y), a, b)
    parity(lambda t, x, y: getattr(x, name)(y), a, b)


@pytest.mark.parametrize("name", ["logaddexp", "logaddexp2"])
def test_logaddexp_is_stable_and_matches_torch_at_the_edges(name):
    big = np.array([1000.0, -1000.0, 80.0, -80.0, 0.0, 3.0], np.float32)
    other = np.array([999.0, -1001.0, 80.0, 90.0, -0.0, -3.0], np.float32)
    out = parity(lambda t, x, y: getattr(t, name)(x, y), big, other)[0]
    assert np.all(np.isfinite(out.detach().numpy()))
    inf, nan = math.inf, math.nan
    x = np.array([inf, -inf, inf, 1.0, -inf, 2.0])
    y = np.array([inf, -inf, -inf, nan, 5.0, inf])
    parity(lambda t, a, b: getattr(t, name)(a, b), x, y, grad=False)
    # the gradient where one side dominates completely: (1, 0), not NaN
    parity(lambda t, a, b: getattr(t, name)(a, b), np.array([-inf, 1e4]), np.array([3.0, -1e4]))
    check_grad(lambda t, a, b: getattr(t, name)(a, b), _normal((2, 3)).astype(np.float64),
               _normal((3,), 2).astype(np.float64), gradgrad=True)


def test_logaddexp_dtypes_and_errors_match_torch():
    f, d = np.array([1.0, 2.0], np.float32), np.array([0.5, -1.0])
    parity(lambda t, x, y: t.logaddexp(x, y), f, d)
    parity(lambda t, x, y: t.logaddexp2(x, y), f.astype(np.float16), f, atol=1e-3)
    parity(lambda t, x, y: t.logaddexp(x, y), np.array([1, 2]), f)
    parity(lambda t, x, y: t.logaddexp(x, y, out=t.empty(2)), f, f, grad=False)
    for fn in (lambda t, x, y: t.logaddexp(x.long(), y.long()),
               lambda t, x, y: t.logaddexp2(x > 0, y > 0), lambda t, x, y: t.logaddexp(x, 2.0),
               lambda t, x, y: t.logaddexp(x, t.ones(3)), lambda t, x, y: x.logaddexp(1)):
        raises_like(fn, f, f)


# ---------------------------------------------------------------------------- ldexp and frexp
@pytest.mark.parametrize("dx,de", [("float32", "int64"), ("float16", "int64"), ("int64", "int32"),
                                   ("float32", "float64"), ("int64", "float16"),
                                   ("bool", "bool"), ("float64", "float32")])
def test_ldexp_dtypes_match_torch(dx, de):
    x = np.array([1.5, -2.0, 0.25]).astype(dx)
    e = np.array([2, -1, 3]).astype(de)
    # NOTE: PyTorch's gradient to ``input`` is 2^other in integer arithmetic for an integer
    # ``other``: 0 where it is negative. numtorch's is 2^other: gradients compared only for
    # the non-negative exponents.
    parity(lambda t, a, b: t.ldexp(a, b), x, e, grad=de.startswith("float"))
    parity(lambda t, a, b: a.ldexp(b), x[[0, 2]], e[[0, 2]])


def test_ldexp_gradients_inplace_and_errors():
    x, e = _normal((2, 3)), _normal((3,), 1, scale=2.0)
    parity(lambda t, a, b: t.ldexp(a, b), x, e)
    check_grad(lambda t, a, b: t.ldexp(a, b), x.astype(np.float64), e.astype(np.float64),
               gradgrad=True)
    parity(lambda t, a, b: (a * 1).ldexp_(b), x, np.array([1, 2, 3]))
    parity(lambda t, a, b: t.ldexp_(a * 1, b), x, np.array([1, 2, 3]))
    raises_like(lambda t, a, b: t.ldexp(a, 2), x, e)
    raises_like(lambda t, a, b: a.long().ldexp_(b), x, e)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_frexp_matches_torch(dtype):
    x = np.array([1.0, -3.5, 0.0, -0.0, 1e-3, 40.0, 0.75, math.inf, -math.inf, math.nan])
    x = x.astype(dtype)
    parity(lambda t, v: t.frexp(v), x, grad=False)
    parity(lambda t, v: v.frexp(), x, grad=False)
    m, e = numtorch.frexp(numtorch.tensor(x))
    assert e.dtype == numtorch.int32 and m.dtype == numtorch.tensor(x).dtype
    finite = np.isfinite(x)
    np.testing.assert_array_equal(np.ldexp(m.numpy(), e.numpy())[finite], x[finite])
    res = numtorch.frexp(numtorch.tensor(x))
    assert type(res).__name__ == "frexp" and res.mantissa is res[0] and res.exponent is res[1]


def test_frexp_gradient_and_out():
    x = np.array([3.0, -6.0, 0.3, 100.0])
    parity(lambda t, v: t.frexp(v * 2).mantissa, x)
    check_grad(lambda t, v: t.frexp(v).mantissa, x)
    parity(lambda t, v: t.frexp(v, out=(t.empty(0, dtype=t.float64), t.empty(0, dtype=t.int32))),
           x, grad=False)
    for fn in (lambda t, v: t.frexp(v.long()),
               lambda t, v: t.frexp(v, out=(t.empty(4, dtype=t.float64), t.empty(4))),
               lambda t, v: t.frexp(v, out=(t.empty(4), t.empty(4, dtype=t.int32))),
               lambda t, v: t.frexp(v.requires_grad_(), out=(t.empty(4, dtype=t.float64),
                                                             t.empty(4, dtype=t.int32)))):
        raises_like(fn, x)


# ---------------------------------------------------------------------------- steps and integers
def test_nextafter_matches_torch():
    x = np.array([1.0, 0.0, -0.0, 1.0, math.inf, math.nan, 3.0], np.float32)
    y = np.array([2.0, 1.0, -1.0, 1.0, 0.0, 1.0, -math.inf], np.float32)
    parity(lambda t, a, b: t.nextafter(a, b), x, y, grad=False)
    parity(lambda t, a, b: t.nextafter(a, b), x.astype(np.float64), y, grad=False)
    parity(lambda t, a, b: a.nextafter(b), x[:4].astype(np.float16), y[:4].astype(np.float16),
           grad=False)
    parity(lambda t, a, b: (a * 1).nextafter_(b), x, y, grad=False)
    # PyTorch's gradient: the incoming one to input, zero to other
    parity(lambda t, a, b: t.nextafter(a, b), x[:4], y[:4])
    out = numtorch.nextafter(numtorch.tensor([1.0]), numtorch.tensor([2.0]))
    assert out.item() == np.nextafter(np.float32(1), np.float32(2))
    for fn in (lambda t, a, b: t.nextafter(a.long(), b.long()),
               lambda t, a, b: t.nextafter(a, 2.0), lambda t, a, b: t.nextafter(a, b[:2])):
        raises_like(fn, x, y)


@pytest.mark.parametrize("name", ["gcd", "lcm"])
@pytest.mark.parametrize("da,db", [("int64", "int64"), ("int32", "int64"), ("int8", "uint8"),
                                   ("int16", "int16"), ("uint8", "uint8")])
def test_gcd_lcm_match_torch(name, da, db):
    a = np.array([[12, -18, 0, 7], [0, 5, -4, 9]])
    b = np.array([8, 24, 0, -21])
    if "uint8" in (da, db):
        a, b = np.abs(a), np.abs(b)
    parity(lambda t, x, y: getattr(t, name)(x, y), a.astype(da), b.astype(db))
    parity(lambda t, x, y: getattr(x, name)(y), a.astype(da), b.astype(db))
    parity(lambda t, x, y: getattr(x.clone(), name + "_")(y), a.astype(da), b.astype(da))
    parity(lambda t, x, y: getattr(t, name + "_")(x.clone(), y), a.astype(da), b.astype(da))
    parity(lambda t, x, y: getattr(t, name)(x, y, out=t.empty(0, dtype=t.int64)), a, b)


@pytest.mark.parametrize("name", ["gcd", "lcm"])
def test_gcd_lcm_errors_match_torch(name):
    i, f = np.array([4, 6]), np.array([4.0, 6.0], np.float32)
    raises_like(lambda t, x, y: getattr(t, name)(x, y), f, f)
    raises_like(lambda t, x, y: getattr(t, name)(x, y), i, f)
    raises_like(lambda t, x, y: getattr(t, name)(x > 4, y > 4), i, i)
    raises_like(lambda t, x, y: getattr(t, name)(x, 3), i, i)
    raises_like(lambda t, x, y: getattr(t, name)(x, t.tensor([1, 2, 3])), i, i)
    err = raises_like(lambda t, x, y: getattr(t, name)(x, y), f, f)
    assert "'Float'" in str(err)


def test_fix_is_trunc():
    x = np.array([-2.5, -0.5, 0.5, 1.7, 3.0], np.float32)
    parity(lambda t, v: t.fix(v), x)
    parity(lambda t, v: v.fix(), x)
    parity(lambda t, v: (v * 1).fix_(), x)
    parity(lambda t, v: t.fix_(v * 1), x)
    parity(lambda t, v: t.fix(v), np.array([3, -2]))
    raises_like(lambda t, v: t.fix(v), np.array([True]))


def test_heaviside_and_xlogy_inplace_forms():
    x = np.array([-1.0, 0.0, 2.0], np.float32)
    v = np.array([0.5, 0.5, 0.5], np.float32)
    parity(lambda t, a, b: a.clone().heaviside_(b), x, v, grad=False)
    parity(lambda t, a, b: t.xlogy_(a * 1, b + 1), x, v)
    if torch is not None:
        raises_like(lambda t, a, b: t.xlogy_(2.0, b), x, v)


def test_node_names_match_torch():
    if torch is None:
        pytest.skip("PyTorch is not installed")
    calls = [lambda t, x: t.digamma(x), lambda t, x: t.logaddexp(x, x),
             lambda t, x: t.logaddexp2(x, x), lambda t, x: t.logcumsumexp(x, 0),
             lambda t, x: t.ldexp(x, t.tensor([1, 2])), lambda t, x: t.lgamma(x),
             lambda t, x: t.polygamma(2, x), lambda t, x: t.i0(x), lambda t, x: t.sinc(x),
             lambda t, x: t.mvlgamma(x + 2, 2), lambda t, x: t.acosh(x + 1),
             lambda t, x: t.asinh(x), lambda t, x: t.atanh(x / 3),
             lambda t, x: t.frexp(x).mantissa, lambda t, x: t.nextafter(x, x)]
    for call in calls:
        a = call(numtorch, numtorch.tensor([1.0, 2.0], requires_grad=True)).grad_fn.name()
        b = type(call(torch, torch.tensor([1.0, 2.0], requires_grad=True)).grad_fn).__name__
        assert a == b
