"""Reductions: values, dtypes, shapes and gradients against PyTorch over the shape matrix and
every ``dim``/``keepdim``; float64 finite-difference checks (and second derivatives) of every
differentiable rule; hypothesis-generated shapes and dims; PyTorch's errors and warnings."""

import math
import pickle
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from parity import check_grad, parity, raises_like, requires_torch, rng, torch

import numtorch

SHAPES = [(), (4,), (3, 4), (1, 4), (3, 1), (2, 1, 3), (0, 3)]


def _data(shape, dtype, seed=0):
    r = rng(seed)
    if dtype == "bool":
        return r.integers(0, 2, shape).astype(bool)
    if dtype.startswith("int"):
        return r.integers(-3, 4, shape).astype(dtype)
    return r.standard_normal(shape).astype(dtype)


def _dims(shape, tuples=True):
    """dim None, 0, -1 and, where there are two dims or more, a tuple."""
    dims = [None, 0, -1]
    if tuples and len(shape) >= 2:
        dims.append((0, -1))
    if tuples and len(shape) == 3:
        dims.append((0, 1))
    return dims


def _both(fn, *arrays, **kw):
    """Parity when PyTorch computes ``fn``; the same exception type when PyTorch raises."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn(torch, *[torch.tensor(a) for a in arrays])
    except Exception:  # noqa: BLE001 - whatever torch raises, numtorch must raise alike
        raises_like(fn, *arrays)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parity(fn, *arrays, **kw)


def _all_dims(d):
    return () if d is None else d


# Ops that take ``dim`` as an int or a tuple: fn(lib, x, dim, keepdim).
TUPLE_DIM = {
    "sum": lambda t, x, d, k: t.sum(x, d, k),
    "sum_method": lambda t, x, d, k: x.sum(dim=d, keepdim=k),
    "nansum": lambda t, x, d, k: t.nansum(x, d, k),
    "mean": lambda t, x, d, k: t.mean(x, d, k),
    "mean_method": lambda t, x, d, k: x.mean(d, keepdim=k),
    "nanmean": lambda t, x, d, k: t.nanmean(x, d, k),
    "amax": lambda t, x, d, k: t.amax(x, _all_dims(d), k),
    "amin": lambda t, x, d, k: x.amin(_all_dims(d), keepdim=k),
    "logsumexp": lambda t, x, d, k: t.logsumexp(x, tuple(range(x.dim())) if d is None else d, k),
    "var": lambda t, x, d, k: t.var(x, d, keepdim=k),
    "var_unbiased_false": lambda t, x, d, k: x.var(d, False, k),
    "var_correction": lambda t, x, d, k: t.var(x, d, correction=0.5, keepdim=k),
    "std": lambda t, x, d, k: x.std(d, keepdim=k),
    "std_correction0": lambda t, x, d, k: t.std(x, d, correction=0, keepdim=k),
    "var_mean": lambda t, x, d, k: t.var_mean(x, d, keepdim=k),
    "std_mean": lambda t, x, d, k: t.std_mean(x, d, keepdim=k),
    "norm": lambda t, x, d, k: t.norm(x, dim=d, keepdim=k),
    "norm_1": lambda t, x, d, k: x.norm(1, d, k),
    "norm_inf": lambda t, x, d, k: x.norm(float("inf"), d, k),
    "norm_ninf": lambda t, x, d, k: x.norm(-math.inf, d, k),
    "norm_3": lambda t, x, d, k: t.norm(x, 3, d, k),
    "norm_0": lambda t, x, d, k: t.norm(x, 0, d, k),
    "norm_fro": lambda t, x, d, k: t.norm(x, "fro", d, k),
    "count_nonzero": lambda t, x, d, k: t.count_nonzero(x, d),
    "all": lambda t, x, d, k: t.all(x, d, k) if d is not None else t.all(x),
    "any": lambda t, x, d, k: x.any(d, k) if d is not None else x.any(),
}

# Ops that take one int ``dim`` (``None``: their no-dim form): fn(lib, x, dim, keepdim).
INT_DIM = {
    "prod": lambda t, x, d, k: t.prod(x) if d is None else t.prod(x, d, k),
    "max": lambda t, x, d, k: t.max(x) if d is None else t.max(x, d, k),
    "max_kw": lambda t, x, d, k: x.max() if d is None else x.max(dim=d, keepdim=k),
    "min": lambda t, x, d, k: t.min(x) if d is None else t.min(x, d, keepdim=k),
    "median": lambda t, x, d, k: t.median(x) if d is None else t.median(x, d, k),
    "nanmedian": lambda t, x, d, k: x.nanmedian() if d is None else t.nanmedian(x, d, k),
    "mode": lambda t, x, d, k: t.mode(x) if d is None else t.mode(x, d, k),
    "argmax": lambda t, x, d, k: t.argmax(x, d, k),
    "argmin": lambda t, x, d, k: x.argmin(dim=d, keepdim=k),
    "aminmax": lambda t, x, d, k: t.aminmax(x, dim=d, keepdim=k),
    "cumsum": lambda t, x, d, k: t.cumsum(x, 0 if d is None else d),
    "cumprod": lambda t, x, d, k: x.cumprod(0 if d is None else d),
    "cummax": lambda t, x, d, k: t.cummax(x, 0 if d is None else d),
    "cummin": lambda t, x, d, k: x.cummin(0 if d is None else d),
    "softmax": lambda t, x, d, k: t.softmax(x, 0 if d is None else d),
    "log_softmax": lambda t, x, d, k: x.log_softmax(-1 if d is None else d),
}


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", sorted(TUPLE_DIM))
def test_tuple_dim_parity(name, shape, dtype):
    fn = TUPLE_DIM[name]
    x = _data(shape, dtype)
    for dim in _dims(shape):
        for keepdim in (False, True):
            _both(lambda t, a, d=dim, k=keepdim: fn(t, a, d, k), x)


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", sorted(INT_DIM))
def test_int_dim_parity(name, shape, dtype):
    fn = INT_DIM[name]
    x = _data(shape, dtype)
    for dim in _dims(shape, tuples=False):
        for keepdim in (False, True):
            _both(lambda t, a, d=dim, k=keepdim: fn(t, a, d, k), x)


@requires_torch
@pytest.mark.parametrize("dtype", ["int32", "int8", "uint8", "bool"])
@pytest.mark.parametrize("name", ["sum", "nansum", "amax", "count_nonzero", "all", "any",
                                  "prod", "max", "argmax", "cumsum", "cumprod", "cummax",
                                  "mean", "var", "norm", "softmax"])
def test_small_int_and_bool_dtypes(name, dtype):
    fn = TUPLE_DIM.get(name) or INT_DIM[name]
    x = _data((3, 4), dtype)
    if dtype == "uint8":
        x = np.abs(x.astype(np.int64)).astype(np.uint8)
    for dim in (None, 1):
        for keepdim in (False, True):
            _both(lambda t, a, d=dim, k=keepdim: fn(t, a, d, k), x)


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
def test_sum_and_cumsum_dtype_argument(dtype):
    x = _data((3, 4), dtype)
    for out_dtype in ("float64", "int64", "float32"):
        grad = out_dtype != "int64"  # an integer result cannot carry a gradient
        _both(lambda t, a, o=out_dtype: t.sum(a, dtype=getattr(t, o)), x, grad=grad)
        _both(lambda t, a, o=out_dtype: a.sum(1, True, dtype=getattr(t, o)), x, grad=grad)
        _both(lambda t, a, o=out_dtype: t.cumsum(a, 1, dtype=getattr(t, o)), x, grad=grad)
        _both(lambda t, a, o=out_dtype: t.cumprod(a, 0, dtype=getattr(t, o)), x, grad=grad)
        _both(lambda t, a, o=out_dtype: t.prod(a, 1, dtype=getattr(t, o)), x, grad=grad)


@requires_torch
def test_mean_softmax_norm_dtype_argument():
    x = _data((3, 4), "int64")
    parity(lambda t, a: t.mean(a, 1, dtype=t.float64), x)
    parity(lambda t, a: t.softmax(a, 1, dtype=t.float32), x)
    parity(lambda t, a: t.log_softmax(a, 0, dtype=t.float64), x)
    f = _data((3, 4), "float32")
    parity(lambda t, a: t.norm(a, dtype=t.float64), f)
    parity(lambda t, a: t.softmax(a, -1, dtype=t.float64), f)


@requires_torch
def test_nan_handling():
    x = _data((3, 4), "float32")
    x[0, 1] = np.nan
    x[2, :] = np.nan
    for fn in (lambda t, a: t.nansum(a, 1), lambda t, a: t.nanmean(a, 1),
               lambda t, a: t.nanmean(a), lambda t, a: t.sum(a, 0), lambda t, a: t.amax(a, 1),
               lambda t, a: t.max(a, 1), lambda t, a: t.min(a, 0), lambda t, a: t.argmax(a, 1),
               lambda t, a: t.median(a, 1), lambda t, a: t.median(a),
               lambda t, a: t.cummax(a, 1), lambda t, a: t.cummin(a, 1)):
        parity(fn, x, grad=False)
    parity(lambda t, a: t.nansum(a, 1), x)
    parity(lambda t, a: t.nanmean(a, 0), x)


# ---------------------------------------------------------------------------- ties
@requires_torch
def test_ties_indices_and_gradients():
    x = np.array([[1.0, 3.0, 3.0, 2.0], [2.0, 2.0, 2.0, 1.0], [5.0, 5.0, 1.0, 1.0]])
    # with dim: the gradient goes to the chosen index only
    parity(lambda t, a: t.max(a, 1), x)
    parity(lambda t, a: t.min(a, 0), x)
    parity(lambda t, a: t.median(a, 1), x)
    parity(lambda t, a: t.mode(a, 1), x)
    parity(lambda t, a: t.cummax(a, 1), x)
    parity(lambda t, a: t.cummin(a, 1), x)
    # without dim: split evenly among ties
    parity(lambda t, a: t.max(a), x)
    parity(lambda t, a: t.min(a), x)
    parity(lambda t, a: t.median(a), x)
    parity(lambda t, a: t.amax(a, 1), x)
    parity(lambda t, a: t.amin(a, (0, 1)), x)
    parity(lambda t, a: t.aminmax(a), x)
    parity(lambda t, a: t.norm(a, float("inf"), 1), x)
    parity(lambda t, a: t.norm(a, -math.inf), x)


def test_full_max_splits_gradient_evenly():
    x = numtorch.tensor([1.0, 3.0, 3.0, 2.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0, 0.5, 0.5, 0])
    y = numtorch.tensor([1.0, 3.0, 3.0, 2.0], requires_grad=True)
    y.max(0).values.backward()
    np.testing.assert_allclose(y.grad.numpy(), [0, 1, 0, 0])


@requires_torch
def test_max_with_tensor_other_is_maximum():
    a, b = _data((3, 4), "float32", 0), _data((4,), "float32", 1)
    parity(lambda t, x, y: t.max(x, y), a, b)
    parity(lambda t, x, y: x.min(y), a, b)


# ---------------------------------------------------------------------------- zeros in products
@requires_torch
@pytest.mark.parametrize("zeros", [[(0, 1)], [(0, 1), (1, 2)], [(0, 1), (0, 3)],
                                   [(1, 0), (1, 1), (2, 3)]])
def test_prod_and_cumprod_gradients_with_zeros(zeros):
    x = _data((3, 4), "float64", 3)
    for idx in zeros:
        x[idx] = 0.0
    parity(lambda t, a: t.prod(a, 1), x)
    parity(lambda t, a: t.prod(a, 0, True), x)
    parity(lambda t, a: t.prod(a), x)
    parity(lambda t, a: t.cumprod(a, 1), x)
    parity(lambda t, a: t.cumprod(a, 0), x)
    check_grad(lambda t, a: t.prod(a, 1), x)
    check_grad(lambda t, a: t.cumprod(a, 1), x)
    check_grad(lambda t, a: t.cumprod(a, 0), x)


def test_cumprod_gradient_worked_example():
    x = numtorch.tensor([2.0, 0.0, 3.0, 0.0, 5.0], requires_grad=True)
    x.cumprod(0).backward(numtorch.tensor([1.0, 2.0, 3.0, 4.0, 5.0]))
    np.testing.assert_allclose(x.grad.numpy(), [1, 22, 0, 0, 0])


# ---------------------------------------------------------------------------- finite differences
def _f64(shape, seed=0):
    return rng(seed).standard_normal(shape)


def _spread(shape, seed=0):
    """Distinct values at least 0.1 apart, so selections are stable under finite differences."""
    n = math.prod(shape)
    vals = rng(seed).permutation(n) * 0.25 - n * 0.1
    return vals.reshape(shape).astype(np.float64)


GRAD_CASES = [
    # name, fn, data, gradgrad
    ("sum", lambda t, x: t.sum(x, (0, 2)), _f64((2, 3, 4)), True),
    ("sum_keepdim", lambda t, x: x.sum(-1, keepdim=True), _f64((3, 1)), True),
    ("sum_all", lambda t, x: t.sum(x), _f64(()), True),
    ("nansum", lambda t, x: t.nansum(x, 1), _f64((3, 4)), False),
    ("mean", lambda t, x: t.mean(x, (0, -1), True), _f64((2, 1, 3)), True),
    ("mean_all", lambda t, x: x.mean(), _f64((3, 4)), True),
    ("nanmean", lambda t, x: t.nanmean(x, 0), _f64((3, 4)), False),
    ("prod", lambda t, x: t.prod(x, 1), _f64((3, 4)), True),
    ("prod_all", lambda t, x: t.prod(x), _f64((2, 3)), False),
    ("cumsum", lambda t, x: t.cumsum(x, 1), _f64((3, 4)), True),
    ("cumprod", lambda t, x: t.cumprod(x, -1), _f64((2, 4)), True),
    ("max_dim", lambda t, x: t.max(x, 1).values, _spread((3, 4)), True),
    ("max_dim_keepdim", lambda t, x: t.max(x, 0, True)[0], _spread((3, 4)), False),
    ("min_dim", lambda t, x: t.min(x, -1).values, _spread((2, 1, 3)), False),
    ("max_all", lambda t, x: t.max(x), _spread((3, 4)), True),
    ("min_all", lambda t, x: t.min(x), _spread((3, 4)), False),
    ("amax", lambda t, x: t.amax(x, (0, 1)), _spread((2, 3, 2)), False),
    ("amin", lambda t, x: t.amin(x, -1, True), _spread((3, 4)), False),
    ("aminmax", lambda t, x: t.aminmax(x, dim=0).max, _spread((3, 4)), False),
    ("median_all", lambda t, x: t.median(x), _spread((3, 4)), False),
    ("median_dim", lambda t, x: t.median(x, 1).values, _spread((3, 4)), False),
    ("nanmedian_all", lambda t, x: t.nanmedian(x), _spread((3, 4)), False),
    ("nanmedian_dim", lambda t, x: x.nanmedian(0, keepdim=True).values, _spread((3, 4)), False),
    ("mode", lambda t, x: t.mode(x, 0).values, _spread((3, 4)), False),
    ("cummax", lambda t, x: t.cummax(x, 1).values, _spread((3, 4)), True),
    ("cummin", lambda t, x: t.cummin(x, 0).values, _spread((3, 4)), False),
    ("var", lambda t, x: t.var(x, 1), _f64((3, 4)), True),
    ("var_all_biased", lambda t, x: x.var(unbiased=False), _f64((3, 4)), True),
    ("var_tuple", lambda t, x: t.var(x, (0, 2), keepdim=True), _f64((2, 3, 2)), True),
    ("std", lambda t, x: t.std(x, 0), _f64((3, 4)), True),
    ("std_correction", lambda t, x: t.std(x, correction=2), _f64((3, 4)), False),
    ("var_mean", lambda t, x: t.var_mean(x, 1)[0] + t.var_mean(x, 1)[1], _f64((3, 4)), False),
    ("std_mean", lambda t, x: sum(t.std_mean(x, 0)), _f64((3, 4)), False),
    ("logsumexp", lambda t, x: t.logsumexp(x, 1), _f64((3, 4)), True),
    ("logsumexp_tuple", lambda t, x: t.logsumexp(x, (0, 2), True), _f64((2, 3, 2)), True),
    ("softmax", lambda t, x: t.softmax(x, 1), _f64((3, 4)), True),
    ("softmax_dim0", lambda t, x: t.softmax(x, 0), _f64((3, 1)), True),
    ("log_softmax", lambda t, x: t.log_softmax(x, -1), _f64((3, 4)), True),
    ("log_softmax_0d", lambda t, x: t.log_softmax(x, 0), _f64(()), True),
    ("norm2", lambda t, x: t.norm(x), _f64((3, 4)), True),
    ("norm2_dim", lambda t, x: t.norm(x, 2, 1, True), _f64((3, 4)), True),
    ("norm1", lambda t, x: t.norm(x, 1, 0), _f64((3, 4)), False),
    ("norm3", lambda t, x: t.norm(x, 3, -1), _f64((3, 4)), True),
    ("norm_half", lambda t, x: t.norm(x, 0.5), _f64((2, 3)), False),
    ("norm_neg", lambda t, x: t.norm(x, -2, 1), _f64((2, 3)), False),
    ("norm_inf", lambda t, x: t.norm(x, float("inf"), 1), _spread((3, 4)), False),
    ("norm_ninf", lambda t, x: t.norm(x, -math.inf), _spread((3, 4)), False),
]


@pytest.mark.parametrize("name,fn,data,gradgrad", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradcheck(name, fn, data, gradgrad):
    check_grad(fn, data, gradgrad=gradgrad)


def test_gradients_at_zero_norm_and_constant_std_are_zero():
    x = numtorch.zeros(3, dtype=numtorch.float64, requires_grad=True)
    x.norm().backward()
    np.testing.assert_array_equal(x.grad.numpy(), 0)
    y = numtorch.tensor([[1.0, 1.0], [2.0, 3.0]], requires_grad=True)
    y.std(1).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), [[0, 0], [-0.70710677, 0.70710677]], rtol=1e-6)


# ---------------------------------------------------------------------------- stability
@requires_torch
def test_logsumexp_and_log_softmax_of_large_values():
    x = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e4, 1e4, 1e4 - 1]], dtype=np.float32)
    out = parity(lambda t, a: t.logsumexp(a, 1), x)[0]
    assert np.isfinite(out.detach().numpy()).all()
    for fn in (lambda t, a: t.log_softmax(a, 1), lambda t, a: t.log_softmax(a, 0),
               lambda t, a: t.softmax(a, 1)):
        res = parity(fn, x)[0]
        assert np.isfinite(res.detach().numpy()).all()


@requires_torch
def test_infinite_inputs():
    x = np.array([[-np.inf, -np.inf], [np.inf, 1.0], [-np.inf, 2.0]], dtype=np.float32)
    parity(lambda t, a: t.logsumexp(a, 1), x, grad=False)
    parity(lambda t, a: t.softmax(a, 1), x, grad=False)
    parity(lambda t, a: t.log_softmax(a, 1), x, grad=False)


# ---------------------------------------------------------------------------- hypothesis
@st.composite
def _shape_and_dims(draw):
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    dims = draw(st.lists(st.integers(-len(shape), len(shape) - 1), unique_by=lambda d: d %
                         len(shape), min_size=1, max_size=len(shape)))
    return shape, tuple(dims), draw(st.booleans())


@settings(max_examples=15, deadline=None)
@given(_shape_and_dims(), st.integers(0, 2 ** 16))
def test_property_sum_mean_logsumexp(case, seed):
    shape, dims, keepdim = case
    x = _f64(shape, seed)
    axes = tuple(d % len(shape) for d in dims)
    t = numtorch.tensor(x)
    np.testing.assert_allclose(t.sum(dims, keepdim).numpy(), x.sum(axes, keepdims=keepdim))
    np.testing.assert_allclose(t.mean(dims, keepdim).numpy(), x.mean(axes, keepdims=keepdim))
    m = x.max(axes, keepdims=True)
    lse = np.log(np.exp(x - m).sum(axes, keepdims=True)) + m
    np.testing.assert_allclose(t.logsumexp(dims, keepdim).numpy(),
                               lse if keepdim else lse.squeeze(axes))
    check_grad(lambda lib, a: lib.sum(a, dims, keepdim), x)
    check_grad(lambda lib, a: lib.mean(a, dims, keepdim), x)
    check_grad(lambda lib, a: lib.logsumexp(a, dims, keepdim), x)


@settings(max_examples=15, deadline=None)
@given(_shape_and_dims(), st.integers(0, 2 ** 16))
def test_property_max(case, seed):
    shape, dims, keepdim = case
    x = _spread(shape, seed)
    dim = dims[0]
    values, indices = numtorch.max(numtorch.tensor(x), dim, keepdim)
    np.testing.assert_array_equal(values.numpy(), x.max(dim, keepdims=keepdim))
    np.testing.assert_array_equal(indices.numpy(), x.argmax(dim, keepdims=keepdim))
    assert indices.dtype == numtorch.int64
    check_grad(lambda lib, a: lib.max(a, dim, keepdim).values, x)
    check_grad(lambda lib, a: lib.amax(a, dims, keepdim), x)


# ---------------------------------------------------------------------------- errors
@requires_torch
def test_dim_out_of_range():
    x = _data((2, 3), "float32")
    msg = r"Dimension out of range \(expected to be in range of \[-2, 1\], but got (2|-3)\)"
    for fn in (lambda t, a: t.sum(a, 2), lambda t, a: a.mean((0, 2)), lambda t, a: t.max(a, 2),
               lambda t, a: t.argmax(a, -3), lambda t, a: t.softmax(a, 2),
               lambda t, a: t.cumsum(a, 2), lambda t, a: t.var(a, 2), lambda t, a: t.prod(a, 2),
               lambda t, a: t.logsumexp(a, 2), lambda t, a: t.norm(a, dim=2),
               lambda t, a: t.all(a, 2), lambda t, a: t.cummax(a, 2), lambda t, a: t.amax(a, 2),
               lambda t, a: t.median(a, 2), lambda t, a: t.count_nonzero(a, 2)):
        raises_like(fn, x, match=msg)
    raises_like(lambda t, a: t.sum(a, 1), np.float32(1.0),
                match=r"expected to be in range of \[-1, 0\], but got 1")


@requires_torch
def test_dtype_errors():
    i = np.array([[1, 2], [3, 4]])
    raises_like(lambda t, a: t.mean(a), i, match="mean\\(\\): could not infer output dtype.*Long")
    raises_like(lambda t, a: a.mean(0), i.astype(bool), match="Got: Bool")
    raises_like(lambda t, a: t.nanmean(a), i, match="got Long")
    raises_like(lambda t, a: t.var(a), i, match="std and var only support floating point")
    raises_like(lambda t, a: t.std(a, 0), i)
    raises_like(lambda t, a: t.norm(a), i, match="Got Long")
    raises_like(lambda t, a: t.softmax(a, 1), i, match="not implemented for 'Long'")
    raises_like(lambda t, a: t.log_softmax(a, 0), i, match="not implemented for 'Long'")
    raises_like(lambda t, a: t.argmax(a), i.astype(bool))


@requires_torch
def test_argument_errors():
    x = _data((2, 3), "float32")
    raises_like(lambda t, a: t.sum(a, (0, 0)), x, match="dim 0 appears multiple times")
    raises_like(lambda t, a: t.prod(a, (0,)), x)
    raises_like(lambda t, a: t.max(a, (0,)), x)
    raises_like(lambda t, a: t.argmax(a, (0, 1)), x)
    raises_like(lambda t, a: t.logsumexp(a), x)
    raises_like(lambda t, a: t.softmax(a), x)
    raises_like(lambda t, a: t.cumsum(a), x)
    raises_like(lambda t, a: t.var(a, 0, True, correction=1), x)
    raises_like(lambda t, a: t.norm(a, "abc"), x, match="Order abc not supported")


@requires_torch
def test_empty_reduction_errors():
    e = np.zeros((0, 3), dtype=np.float32)
    raises_like(lambda t, a: t.max(a), e, match="Expected reduction dim to be specified")
    raises_like(lambda t, a: t.max(a, 0), e, match="reduction dim 0 to have non-zero size")
    raises_like(lambda t, a: t.amax(a), e)
    raises_like(lambda t, a: t.amin(a, 0), e)
    raises_like(lambda t, a: t.argmax(a), e)
    raises_like(lambda t, a: t.argmin(a, 0), e)
    raises_like(lambda t, a: t.median(a, 0), e)
    raises_like(lambda t, a: t.mode(a, 0), e)
    raises_like(lambda t, a: t.aminmax(a), e)
    raises_like(lambda t, a: t.aminmax(a, dim=0), e)
    raises_like(lambda t, a: t.norm(a, float("inf")), e)
    parity(lambda t, a: t.median(a), e, grad=False)
    parity(lambda t, a: t.logsumexp(a, 0), e, grad=False)
    parity(lambda t, a: t.prod(a, 0), e)


@requires_torch
@pytest.mark.parametrize("name", ["var", "std"])
def test_zero_degrees_of_freedom_warn_and_give_nan(name):
    for shape, dim, kw in (((0, 3), 0, {}), ((1, 3), 0, {}), ((2, 3), 0, {"correction": 3})):
        x = _data(shape, "float32")
        with pytest.warns(UserWarning, match=f"{name}\\(\\): degrees of freedom is <= 0"):
            out = getattr(numtorch, name)(numtorch.tensor(x), dim, **kw)
        assert not np.isfinite(out.numpy()).any()
        _both(lambda t, a: getattr(t, name)(a, dim, **kw), x)


# ---------------------------------------------------------------------------- result types
def test_return_types_behave_like_torch_structseqs():
    x = numtorch.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    r = numtorch.max(x, 1)
    assert isinstance(r, numtorch.return_types.max) and isinstance(r, tuple)
    values, indices = r
    assert r.values is values and r[1] is indices and len(r) == 2
    np.testing.assert_array_equal(indices.numpy(), [1, 0])
    assert repr(r).startswith("numtorch.return_types.max(\nvalues=tensor([5., 7.]),\nindices=")
    back = pickle.loads(pickle.dumps(r))
    assert type(back) is numtorch.return_types.max
    np.testing.assert_array_equal(back.values.numpy(), [5.0, 7.0])
    mm = numtorch.aminmax(x)
    assert (mm.min.item(), mm.max.item()) == (0.0, 7.0)
    assert numtorch.return_types.sort._fields == ("values", "indices")
    assert numtorch.return_types.topk.n_fields == 2
    with pytest.raises(TypeError):
        numtorch.return_types.median((1, 2, 3))


@requires_torch
def test_return_type_fields_match_torch():
    for name in numtorch.return_types.__all__:
        ours = getattr(numtorch.return_types, name)
        theirs = getattr(torch.return_types, name)
        values = tuple(range(theirs.n_fields))
        expected = theirs(values)
        got = ours(values)
        for field in ours._fields:
            assert getattr(got, field) == getattr(expected, field), (name, field)
        assert ours.n_fields == theirs.n_fields


def test_inplace_cumsum():
    x = numtorch.tensor([[1.0, 2.0], [3.0, 4.0]])
    x.cumsum_(0)
    np.testing.assert_array_equal(x.numpy(), [[1, 2], [4, 6]])
    y = numtorch.tensor([1, 2, 3], dtype=numtorch.int32)
    y.cumprod_(0)
    assert y.dtype == numtorch.int32
    np.testing.assert_array_equal(y.numpy(), [1, 2, 6])


# ---------------------------------------------------------------------- nanmedian
NAN_ROWS = np.array([[1.0, np.nan, 3.0, 2.0, 7.0], [np.nan, np.nan, 4.0, np.nan, 1.0],
                     [2.0, 2.0, np.nan, 1.0, 2.0], [5.0, 4.0, 3.0, 2.0, 1.0],
                     [np.nan, np.nan, np.nan, 0.5, np.nan]], np.float32)


@requires_torch
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_nanmedian_ignores_nan_like_torch(dim, keepdim):
    # lower median of the non-NaN values, its index, and the gradient to that index
    parity(lambda t, x: t.nanmedian(x, dim, keepdim), NAN_ROWS)
    parity(lambda t, x: x.nanmedian(dim=dim, keepdim=keepdim), NAN_ROWS.astype(np.float64))


@requires_torch
def test_nanmedian_whole_tensor_and_edge_cases_like_torch():
    parity(lambda t, x: x.nanmedian(), NAN_ROWS)  # ties: gradient split evenly
    parity(lambda t, x: t.nanmedian(x), np.array([2.0, np.nan, 2.0, 1.0, 2.0], np.float32))
    parity(lambda t, x: t.nanmedian(x), np.full((2, 3), np.nan, np.float32))
    parity(lambda t, x: t.nanmedian(x), np.zeros((0, 3), np.float32), grad=False)
    parity(lambda t, x: t.nanmedian(x, 1), np.zeros((0, 3), np.float32), grad=False)
    parity(lambda t, x: t.nanmedian(x, 0), np.float32(5.0))
    parity(lambda t, x: (t.nanmedian(x), t.nanmedian(x, 1)), np.array([[3, 1, 2, 4]]),
           grad=False)
    # a slice of NaN only: the index PyTorch's selection algorithm leaves at rank 0
    for n in (1, 3, 4, 7, 10, 33):
        parity(lambda t, x: t.nanmedian(x, 1), np.full((2, n), np.nan, np.float32))
    raises_like(lambda t, x: t.nanmedian(x, 0), np.zeros((0, 3), np.float32))
    raises_like(lambda t, x: t.nanmedian(x, 2), NAN_ROWS)


def test_nanmedian_gradcheck_and_out():
    x = rng(5).standard_normal((4, 5))
    x[1, 2] = x[3, 0] = np.nan
    mask = ~np.isnan(x)

    def f(t, a):
        full = t.tensor(x).masked_scatter(t.tensor(mask), a)
        return t.nanmedian(full, 1).values * 2 + t.nanmedian(full)

    check_grad(f, x[mask])
    values, indices = numtorch.empty(0), numtorch.empty(0, dtype=numtorch.int64)
    r = numtorch.nanmedian(numtorch.tensor(NAN_ROWS), 1, out=(values, indices))
    assert r.values is values and r.indices is indices
    assert values.tolist()[:4] == [2.0, 1.0, 2.0, 3.0] and indices.tolist()[:4] == [3, 4, 0, 2]
