"""Elementwise ops: values, dtypes and gradients against PyTorch over the shape matrix, float64
finite-difference checks of every differentiable rule, and hypothesis-generated broadcasting."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from parity import check_grad, parity, raises_like, requires_torch, rng, torch

import numtorch

# The shape matrix: (), (n,), (m,n), (1,n), (m,1), (k,1,n) and a zero-size dimension, paired
# so that every pair broadcasts.
SHAPE_PAIRS = [
    ((), ()), ((3,), (3,)), ((2, 3), (2, 3)), ((1, 3), (2, 1)), ((2, 1), (3,)),
    ((4, 1, 3), (2, 3)), ((2, 3), ()), ((), (2, 3)), ((0, 3), (1, 3)), ((2, 0), (2, 1)),
]
SHAPES = [(), (3,), (2, 3), (1, 3), (2, 1), (4, 1, 3), (0, 3)]


def _pos(shape, seed=0, lo=0.5, hi=2.0):
    return np.asarray(rng(seed).uniform(lo, hi, shape), dtype=np.float32)


def _any(shape, seed=0):
    return np.asarray(rng(seed).standard_normal(shape), dtype=np.float32)


def _away_from_zero(shape, seed=0):
    r = rng(seed)
    return np.asarray(r.uniform(0.5, 2.0, shape) * r.choice([-1.0, 1.0], shape), dtype=np.float32)


def _scaled(k):
    return lambda shape: np.asarray(_any(shape) * k, dtype=np.float32)


# ---------------------------------------------------------------------------- binary ops
BINARY = {
    "add": (lambda t, a, b: t.add(a, b), _any, _any),
    "add_alpha": (lambda t, a, b: t.add(a, b, alpha=2), _any, _any),
    "sub": (lambda t, a, b: t.sub(a, b), _any, _any),
    "sub_alpha": (lambda t, a, b: t.sub(a, b, alpha=0.5), _any, _any),
    "mul": (lambda t, a, b: t.mul(a, b), _any, _any),
    "div": (lambda t, a, b: t.div(a, b), _any, _away_from_zero),
    "pow": (lambda t, a, b: t.pow(a, b), _pos, _any),
    "maximum": (lambda t, a, b: t.maximum(a, b), _any, lambda s: _any(s, 1)),
    "minimum": (lambda t, a, b: t.minimum(a, b), _any, lambda s: _any(s, 1)),
    "atan2": (lambda t, a, b: t.atan2(a, b), _any, _away_from_zero),
    "remainder": (lambda t, a, b: t.remainder(a, b), _any, _away_from_zero),
    "lerp": (lambda t, a, b: t.lerp(a, b, 0.3), _any, _any),
    "lerp_tensor_weight": (lambda t, a, b: t.lerp(a, b, t.full_like(a, 0.25)), _any, _any),
    "where": (lambda t, a, b: t.where(a > 0, a, b), _any, _any),
    "xlogy": (lambda t, a, b: t.xlogy(a, b), _any, _pos),
    "hypot": (lambda t, a, b: t.hypot(a, b), _away_from_zero, _away_from_zero),
    "clamp_tensor_bounds": (lambda t, a, b: t.clamp(a, min=b, max=b + 1), _any,
                            lambda s: _any(s, 1)),
}


@requires_torch
@pytest.mark.parametrize("name,shapes", [
    (name, shapes) for name in BINARY for shapes in SHAPE_PAIRS
    # the weight is made like the first input, so it must broadcast to the second
    if name != "lerp_tensor_weight" or shapes[0] == shapes[1]], ids=str)
def test_binary_parity_shape_matrix(name, shapes):
    fn, gen_a, gen_b = BINARY[name]
    parity(fn, gen_a(shapes[0]), gen_b(shapes[1]))


BINARY_NOGRAD = {
    "floor_divide": lambda t, a, b: t.floor_divide(a, b),
    "div_floor": lambda t, a, b: t.div(a, b, rounding_mode="floor"),
    "div_trunc": lambda t, a, b: t.div(a, b, rounding_mode="trunc"),
    "fmod": lambda t, a, b: t.fmod(a, b),
    "eq": lambda t, a, b: t.eq(a, b), "ne": lambda t, a, b: a != b,
    "lt": lambda t, a, b: a < b, "le": lambda t, a, b: a <= b,
    "gt": lambda t, a, b: a > b, "ge": lambda t, a, b: t.ge(a, b),
    "logical_and": lambda t, a, b: t.logical_and(a > 0, b),
    "logical_or": lambda t, a, b: t.logical_or(a, b > 0),
    "logical_xor": lambda t, a, b: t.logical_xor(a > 0, b > 0),
}


@requires_torch
@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
@pytest.mark.parametrize("name", list(BINARY_NOGRAD))
def test_nondifferentiable_binary_parity(name, shapes):
    sa, sb = shapes
    a = np.round(_any(sa) * 4)
    b = np.round(_away_from_zero(sb, 1) * 3)  # |b| >= 2
    parity(BINARY_NOGRAD[name], a, b, grad=False)


DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]


def _arr(dtype, shape, seed=0):
    vals = rng(seed).integers(1, 4, shape)
    if dtype == "bool":
        return vals > 1
    return vals.astype(dtype)


@requires_torch
@pytest.mark.parametrize("da,db", list(itertools.product(DTYPES, DTYPES)))
def test_binary_dtype_pairs(da, db):
    """Result dtypes follow PyTorch's promotion for every pair, with dimensioned and zero-dim
    operands."""
    ops = [lambda t, a, b: a + b, lambda t, a, b: a * b, lambda t, a, b: a / b,
           lambda t, a, b: t.maximum(a, b), lambda t, a, b: a == b,
           lambda t, a, b: t.where(a > 1, a, b), lambda t, a, b: t.atan2(a, b)]
    if "bool" not in (da, db):
        ops += [lambda t, a, b: a - b, lambda t, a, b: a // b, lambda t, a, b: a % b,
                lambda t, a, b: a ** b]
    for sa, sb in [((3,), (3,)), ((), (3,)), ((3,), ()), ((), ())]:
        for op in ops:
            parity(op, _arr(da, sa), _arr(db, sb, 1), grad=False)


@requires_torch
@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("scalar", [2, 2.5, True])
def test_tensor_with_python_scalar(dt, scalar):
    """A Python number only changes the dtype when it brings a higher category, and then
    contributes the default dtype of that category (int tensor * 2.5 -> float32)."""
    x = _arr(dt, (3,))
    ops = [lambda t, a: a + scalar, lambda t, a: scalar + a, lambda t, a: a * scalar,
           lambda t, a: scalar * a, lambda t, a: a / scalar, lambda t, a: scalar / a,
           lambda t, a: a == scalar, lambda t, a: a < scalar]
    if dt != "bool" and not isinstance(scalar, bool):
        ops += [lambda t, a: a - scalar, lambda t, a: scalar - a, lambda t, a: a ** scalar,
                lambda t, a: scalar ** a, lambda t, a: a // scalar, lambda t, a: a % scalar,
                lambda t, a: t.clamp(a, min=scalar)]
    for op in ops:
        # float16 arithmetic rounds differently by one unit in the last place
        parity(op, x, grad=False, rtol=1e-3 if dt == "float16" else 1e-4)


@requires_torch
def test_zero_dim_does_not_promote_dimensioned():
    parity(lambda t, a, b: a + b, np.ones(3, np.float32), np.array(2.0))
    parity(lambda t, a, b: a * b, np.ones(3, np.int32), np.array(2, np.int64), grad=False)
    parity(lambda t, a, b: a * b, np.ones(3, np.int32), np.array(2.5), grad=False)
    parity(lambda t, a, b: a * b, np.ones(3, np.float16), np.array(2.5), grad=False)


@requires_torch
def test_int_division_gives_float32():
    out = parity(lambda t, a, b: a / b, np.arange(1, 4), np.array([2, 2, 2]), grad=False)
    assert out[0].dtype is numtorch.float32


@requires_torch
def test_bool_subtraction_raises():
    b = np.array([True, False])
    raises_like(lambda t, x: x - x, b, match="two bool tensors")
    raises_like(lambda t, x: x - 1, b, match="bool tensor")
    raises_like(lambda t, x: 1 - x, b, match="bool tensor")
    raises_like(lambda t, x: t.ones(2) - True, b)


@requires_torch
def test_broadcast_error_message():
    e = raises_like(lambda t, a, b: a + b, np.ones((2, 3)), np.ones((4,)))
    assert "The size of tensor a (3) must match the size of tensor b (4) at non-singleton " \
           "dimension 1" in str(e)


@requires_torch
def test_maximum_requires_tensors():
    raises_like(lambda t, a: t.maximum(a, 1), np.ones(2, np.float32))


# ---------------------------------------------------------------------------- unary ops
UNARY = {
    "neg": (lambda t, x: -x, _any), "abs": (lambda t, x: t.abs(x), _away_from_zero),
    "exp": (lambda t, x: t.exp(x), _any), "exp2": (lambda t, x: t.exp2(x), _any),
    "log": (lambda t, x: t.log(x), _pos), "log2": (lambda t, x: t.log2(x), _pos),
    "log10": (lambda t, x: t.log10(x), _pos), "log1p": (lambda t, x: t.log1p(x), _pos),
    "expm1": (lambda t, x: t.expm1(x), _any), "sqrt": (lambda t, x: t.sqrt(x), _pos),
    "rsqrt": (lambda t, x: t.rsqrt(x), _pos), "square": (lambda t, x: t.square(x), _any),
    "reciprocal": (lambda t, x: t.reciprocal(x), _away_from_zero),
    "sin": (lambda t, x: t.sin(x), _any), "cos": (lambda t, x: t.cos(x), _any),
    "tan": (lambda t, x: t.tan(x), _scaled(0.5)),
    "asin": (lambda t, x: t.asin(x), _scaled(0.3)),
    "acos": (lambda t, x: t.acos(x), _scaled(0.3)),
    "atan": (lambda t, x: t.atan(x), _any), "sinh": (lambda t, x: t.sinh(x), _any),
    "cosh": (lambda t, x: t.cosh(x), _any), "tanh": (lambda t, x: t.tanh(x), _any),
    "sigmoid": (lambda t, x: t.sigmoid(x), _any), "erf": (lambda t, x: t.erf(x), _any),
    "erfc": (lambda t, x: t.erfc(x), _any),
    "erfinv": (lambda t, x: t.erfinv(x), _scaled(0.3)),
    "relu": (lambda t, x: t.relu(x), _away_from_zero),
    "clamp": (lambda t, x: t.clamp(x, -0.5, 0.5), _away_from_zero),
    "clamp_min": (lambda t, x: t.clamp(x, min=0.3), _any),
    "clamp_max": (lambda t, x: t.clamp(x, max=0.3), _any),
    "clip": (lambda t, x: t.clip(x, -1, 1), _any),
    "floor": (lambda t, x: t.floor(x), _any), "ceil": (lambda t, x: t.ceil(x), _any),
    "round": (lambda t, x: t.round(x), _any), "trunc": (lambda t, x: t.trunc(x), _any),
    "frac": (lambda t, x: t.frac(x), _any), "sign": (lambda t, x: t.sign(x), _any),
    "logit": (lambda t, x: t.logit(x), lambda s: _pos(s, 0, 0.1, 0.9)),
    "deg2rad": (lambda t, x: t.deg2rad(x), _any), "rad2deg": (lambda t, x: t.rad2deg(x), _any),
    "pow_scalar": (lambda t, x: x ** 3, _any), "pow_float": (lambda t, x: x ** 0.5, _pos),
    "pow_neg": (lambda t, x: x ** -2, _away_from_zero),
    "scalar_base": (lambda t, x: 2 ** x, _any), "rsub": (lambda t, x: 2 - x, _any),
    "rdiv": (lambda t, x: 2 / x, _away_from_zero), "radd": (lambda t, x: 1.5 + x, _any),
    "rmul": (lambda t, x: 3 * x, _any),
    "nan_to_num": (lambda t, x: t.nan_to_num(x), _any),
    "addcmul": (lambda t, x: t.addcmul(x, x, x, value=0.5), _any),
    "addcdiv": (lambda t, x: t.addcdiv(x, x, x + 3, value=0.5), _pos),
    "float_power": (lambda t, x: t.float_power(x, 2), _pos),
}


@requires_torch
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", list(UNARY))
def test_unary_parity(name, shape):
    fn, gen = UNARY[name]
    parity(fn, gen(shape))


@requires_torch
@pytest.mark.parametrize("name", ["neg", "abs", "exp", "log", "sqrt", "sin", "tanh", "sigmoid",
                                  "floor", "round", "sign", "square", "reciprocal", "relu",
                                  "erf", "exp2", "log1p", "expm1", "rsqrt"])
@pytest.mark.parametrize("dt", ["int64", "int32", "uint8", "bool", "float64", "float16"])
def test_unary_dtypes(name, dt):
    """Integer inputs: math functions compute in float32; sign/abs/neg/floor keep the dtype."""
    fn, _ = UNARY[name]
    x = _arr(dt, (4,))
    if dt == "float16":
        x = x.astype(np.float16)
    try:
        fn(torch, torch.tensor(x))
    except RuntimeError:  # PyTorch has no kernel for it (abs of bool...): the same error
        raises_like(fn, x)
        return
    parity(fn, x, grad=False, atol=1e-2, rtol=1e-2)


@requires_torch
def test_comparisons_and_predicates():
    x = np.array([1.0, np.nan, np.inf, -np.inf, 0.0, -2.0], np.float32)
    for fn in [lambda t, a: t.isnan(a), lambda t, a: t.isinf(a), lambda t, a: t.isfinite(a),
               lambda t, a: t.isposinf(a), lambda t, a: t.isneginf(a),
               lambda t, a: t.signbit(a), lambda t, a: t.logical_not(a), lambda t, a: a == 1,
               lambda t, a: t.nan_to_num(a, nan=1.0, posinf=2.0, neginf=-3.0),
               lambda t, a: t.isclose(a, a, equal_nan=True)]:
        parity(fn, x, grad=False)
    i = np.array([1, 2, 3])
    for fn in [lambda t, a: a & 2, lambda t, a: a | 4, lambda t, a: a ^ 1, lambda t, a: ~a,
               lambda t, a: ~(a > 1), lambda t, a: (a > 1) & (a < 3)]:
        parity(fn, i, grad=False)


def test_equal_and_allclose():
    a = numtorch.tensor([1.0, 2.0])
    assert numtorch.equal(a, a.clone()) and not numtorch.equal(a, numtorch.tensor([1.0]))
    assert numtorch.allclose(a, a + 1e-9) and not numtorch.allclose(a, a + 1)


@requires_torch
def test_clamp_variants():
    x = np.linspace(-2, 2, 9).astype(np.float32)
    parity(lambda t, a: t.clamp(a, min=1.0, max=-1.0), x)  # min > max: everything is max
    parity(lambda t, a: t.clamp(t.tensor([1, 5, 9]), min=2, max=6), x, grad=False)
    parity(lambda t, a: t.clamp(t.tensor([1, 5, 9]), min=2.5), x, grad=False)
    raises_like(lambda t, a: t.clamp(a), x)
    # gradients flow at the bounds exactly, as PyTorch
    parity(lambda t, a: t.clamp(a, -1.0, 1.0), np.array([-1.0, 1.0, 0.0], np.float32))


@requires_torch
def test_div_rounding_modes():
    a = np.array([-7, -6, 5, 7])
    b = np.array([2, -4, 3, -2])
    for mode in ("floor", "trunc", None):
        parity(lambda t, x, y: t.div(x, y, rounding_mode=mode), a, b, grad=False)
        parity(lambda t, x, y: t.div(x, y, rounding_mode=mode), a.astype(np.float32),
               b.astype(np.float32), grad=False)
    raises_like(lambda t, x: t.div(x, x, rounding_mode="bad"), a)


@requires_torch
def test_ties_and_kinks_follow_pytorch():
    z = np.array([0.0, 1.0, -1.0, 2.0], np.float32)
    parity(lambda t, a: t.relu(a), z)
    parity(lambda t, a: t.abs(a), z)
    parity(lambda t, a, b: t.maximum(a, b), z, z.copy())
    parity(lambda t, a, b: t.minimum(a, b), z, np.array([0.0, 2.0, -1.0, 1.0], np.float32))
    parity(lambda t, a: a ** 0, z)
    parity(lambda t, a, b: a ** b, np.array([0.0, 0.0, 2.0], np.float32),
           np.array([2.0, 0.0, 3.0], np.float32))


def test_sigmoid_is_stable():
    x = numtorch.tensor([-1e4, 0.0, 1e4], requires_grad=True)
    y = numtorch.sigmoid(x)
    assert y.tolist() == [0.0, 0.5, 1.0]
    y.sum().backward()
    assert np.all(np.isfinite(x.grad.numpy()))


def test_out_argument():
    out = numtorch.empty(3)
    res = numtorch.add(numtorch.ones(3), 1, out=out)
    assert res is out and out.tolist() == [2.0, 2.0, 2.0]


# ---------------------------------------------------------------------------- in place
@requires_torch
def test_inplace_methods_and_operators():
    def f(t, a, b):
        y = a * 1
        y += b
        y -= 0.5
        y *= b
        y /= 2
        y.add_(b, alpha=2).mul_(0.5).clamp_(-1, 1)
        y.sub_(b).div_(3)
        return y
    parity(f, _any((2, 3)), _any((3,), 1))

    def g(t, a):
        y = a.clone()
        y.zero_()
        y.fill_(2.0)
        y.add_(a)
        y.mul_(3)
        return y.sigmoid_() + a
    parity(g, _any((2, 3)))


def test_inplace_keeps_identity_and_memory():
    x = numtorch.tensor([1.0, 2.0])
    view_data = x.numpy()
    y = x
    x += 1
    x.mul_(2)
    assert y is x and view_data.tolist() == [4.0, 6.0]


@requires_torch
def test_inplace_dtype_rules():
    raises_like(lambda t, a: a.add_(1.5), np.array([1, 2]))
    raises_like(lambda t, a: a.__iadd__(t.ones(3)), np.ones((2,), np.float32))
    parity(lambda t, a: a.clone().add_(t.tensor([1, 2])), np.ones(2, np.float32), grad=False)


# ---------------------------------------------------------------------------- gradients
GRAD_UNARY = [n for n in UNARY if n not in ("floor", "ceil", "round", "trunc", "sign")]


@pytest.mark.parametrize("shape", [(), (3,), (2, 3)], ids=str)
@pytest.mark.parametrize("name", GRAD_UNARY)
def test_unary_gradcheck(name, shape):
    fn, gen = UNARY[name]
    check_grad(fn, gen(shape))


@pytest.mark.parametrize("shapes", [((2, 3), (2, 3)), ((1, 3), (2, 1)), ((4, 1, 3), (3,)),
                                    ((), (2,))], ids=str)
@pytest.mark.parametrize("name", [n for n in BINARY if n != "lerp_tensor_weight"])
def test_binary_gradcheck(name, shapes):
    fn, gen_a, gen_b = BINARY[name]
    check_grad(fn, gen_a(shapes[0]), gen_b(shapes[1]))


def test_step_functions_have_zero_grad():
    for fn in (numtorch.floor, numtorch.ceil, numtorch.round, numtorch.trunc, numtorch.sign):
        x = numtorch.tensor([0.3, -1.7], requires_grad=True)
        fn(x).sum().backward()
        assert x.grad.tolist() == [0.0, 0.0]


@pytest.mark.parametrize("name", ["exp", "log", "tanh", "sigmoid", "mul", "div", "pow",
                                  "pow_scalar", "sqrt", "sin"])
def test_gradgradcheck(name):
    if name in BINARY:
        fn, gen_a, gen_b = BINARY[name]
        check_grad(fn, gen_a((2, 3)), gen_b((3,)), gradgrad=True)
    else:
        fn, gen = UNARY[name]
        check_grad(fn, gen((2, 3)), gradgrad=True)


@requires_torch
def test_double_backward_matches_torch():
    x0 = _pos((3,))

    def hvp(t, x):
        y = (t.exp(x) * t.log(x) / (x + 1) + t.tanh(x) ** 2).sum()
        (g,) = t.autograd.grad(y, x, create_graph=True)
        return g
    parity(hvp, x0)


# ---------------------------------------------------------------------------- hypothesis
@st.composite
def broadcastable_pair(draw):
    """Two shapes that broadcast: a common shape, with dims of either side set to 1 or
    dropped from the front."""
    ndim = draw(st.integers(0, 3))
    base = draw(st.lists(st.integers(1, 3), min_size=ndim, max_size=ndim))
    out = []
    for _ in range(2):
        s = [1 if draw(st.booleans()) else d for d in base]
        out.append(tuple(s[draw(st.integers(0, ndim)):]))
    return out


HYP_OPS = {
    "add": lambda t, a, b: a + b, "sub": lambda t, a, b: a - b, "mul": lambda t, a, b: a * b,
    "div": lambda t, a, b: a / (b * b + 1), "maximum": lambda t, a, b: t.maximum(a, b),
    "pow": lambda t, a, b: (a * a + 0.5) ** b,
}


@settings(max_examples=8, deadline=None)
@given(shapes=broadcastable_pair(), name=st.sampled_from(sorted(HYP_OPS)),
       seed=st.integers(0, 2 ** 16))
def test_hypothesis_broadcast_binary(shapes, name, seed):
    fn = HYP_OPS[name]
    a, b = _any(shapes[0], seed), _any(shapes[1], seed + 1)
    out = fn(numtorch, numtorch.tensor(a), numtorch.tensor(b))
    expected = fn(np, a.astype(np.float64), b.astype(np.float64)) if name != "maximum" else \
        np.maximum(a, b)
    assert tuple(out.shape) == np.broadcast_shapes(a.shape, b.shape)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-4, atol=1e-5)
    if torch is not None:
        parity(fn, a, b)
    check_grad(fn, a, b)


def test_no_numpy_floating_point_warnings():
    """PyTorch returns inf/nan silently; so does numtorch. (Run in a fresh interpreter: the
    test runner's own warning filters replace those installed while it imported numtorch.)"""
    import subprocess
    import sys

    code = ("import numtorch as t; t.log(t.zeros(2)); t.tensor([1.0]) / 0; "
            "t.sqrt(t.tensor([-1.0])); t.exp(t.tensor([1000.0]))")
    res = subprocess.run([sys.executable, "-W", "error::RuntimeWarning", "-c", code],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr


def test_relu_layouts_and_special_values():
    """ReLU compares dense inputs (C-contiguous or permuted, as a convolution's channels-last
    output) against a shared block of zeros in their own memory order: the values, NaN, the
    output's layout and the zeros themselves stay right for every layout and size."""
    r = rng(5)
    base = r.standard_normal((3, 5, 4, 6)).astype(np.float32)
    base.flat[:4] = [np.nan, -np.inf, np.inf, -0.0]
    views = [base, np.moveaxis(base, -1, 1), base.transpose(2, 0, 3, 1), base[:, ::2],
             base[..., ::-1], base[:, 1:], base.astype(np.float64), base[:1, :1, :1, :1]]
    for _ in range(2):  # the second round reuses the grown block of zeros
        for v in views + [r.standard_normal(5000).astype(np.float32)]:
            y = numtorch.relu(numtorch.from_numpy(v)).numpy()
            np.testing.assert_array_equal(y, np.maximum(v, 0))
            assert y.strides == np.maximum(v, 0).strides or 1 in v.shape  # same layout
    from numtorch.ops.elementwise import _ZEROS
    assert all(not z.any() and not z.flags.writeable for z in _ZEROS.values())


def test_relu_saves_a_boolean_mask_not_its_output():
    x = numtorch.randn(4, 6, requires_grad=True)
    y = (x * 1).relu()
    (mask,) = y.grad_fn.saved_tensors
    assert mask.dtype == numtorch.bool and mask.shape == y.shape
    np.testing.assert_array_equal(mask.numpy(), y.detach().numpy() > 0)
    with numtorch.no_grad():
        z = x.relu()
    assert z.grad_fn is None


def test_relu_gradient_channels_last_and_gradcheck():
    x = numtorch.randn(2, 3, 4, 5, dtype=numtorch.float64).permute(0, 3, 1, 2).detach()
    x.requires_grad_(True)
    g = numtorch.randn(2, 5, 3, 4, dtype=numtorch.float64)
    x.relu().backward(g)
    np.testing.assert_array_equal(x.grad.numpy(), g.numpy() * (x.detach().numpy() > 0))
    assert numtorch.autograd.gradcheck(numtorch.relu, (x + 0.1 * numtorch.sign(x).detach(),))


@requires_torch
def test_relu_output_changed_in_place_raises_like_torch():
    msgs = []
    for lib in (numtorch, torch):
        x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        y = (x * 1).relu()
        y.add_(1)
        with pytest.raises(RuntimeError) as e:
            y.sum().backward()
        msgs.append(str(e.value).split(". Hint")[0])
    assert msgs[0] == msgs[1]
