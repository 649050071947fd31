"""Tests of numtorch/ops/sorting.py: sort, argsort, topk, kthvalue, unique, searchsorted,
quantile and nanquantile."""

import numpy as np
import pytest
from parity import check_grad, parity, raises_like, requires_torch, rng

import numtorch

F32 = np.float32


def _x(*shape, seed=0):
    return rng(seed).standard_normal(shape).astype(F32)


# ====================================================================== sorting and selection
@requires_torch
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_sort_family_parity(dim):
    x = _x(4, 6)
    parity(lambda L, x: L.sort(x, dim), x)
    parity(lambda L, x: x.sort(dim=dim, descending=True), x)
    parity(lambda L, x: L.argsort(x, dim, descending=True), x)
    parity(lambda L, x: L.topk(x, 3, dim), x)
    parity(lambda L, x: L.topk(x, 2, dim, largest=False), x)
    parity(lambda L, x: L.kthvalue(x, 2, dim), x)
    parity(lambda L, x: L.kthvalue(x, 3, dim, keepdim=True), x)
    parity(lambda L, x: L.msort(x), x)


@requires_torch
def test_sort_stable_ties_nan_and_scalars():
    a = np.array([2.0, 1.0, 2.0, np.nan, 1.0, 3.0], F32)
    parity(lambda L, a: L.sort(a, stable=True), a, grad=False)
    parity(lambda L, a: L.sort(a, descending=True, stable=True), a, grad=False)
    parity(lambda L, a: L.sort(a[0]), a)
    parity(lambda L, a: L.topk(a[0], 1), a)
    parity(lambda L, a: L.sort(a > 1.5, descending=True, stable=True), a, grad=False)


def test_sort_topk_check_grad():
    x = _x(3, 5).astype(np.float64)
    check_grad(lambda L, x: L.sort(x, 1, descending=True).values, x)
    check_grad(lambda L, x: L.topk(x, 2, 0).values, x)
    check_grad(lambda L, x: L.kthvalue(x, 2, 1).values, x)


@requires_torch
@pytest.mark.parametrize("fn", [lambda L, x: x.topk(5), lambda L, x: x.kthvalue(5),
                                lambda L, x: x.kthvalue(0)])
def test_selection_errors(fn):
    raises_like(fn, _x(3, 4))


def test_return_types():
    r = numtorch.sort(numtorch.tensor([3.0, 1.0]))
    assert type(r).__name__ == "sort" and r.indices.tolist() == [1, 0]
    assert type(numtorch.topk(numtorch.tensor([3.0, 1.0]), 1)).__name__ == "topk"


# ====================================================================== unique, search
@requires_torch
def test_unique_parity():
    a = np.array([[1, 2, 2], [1, 2, 2], [0, 5, 5]])
    parity(lambda L, a: L.unique(a), a)
    parity(lambda L, a: L.unique(a, return_inverse=True, return_counts=True), a)
    for d in (0, 1):
        parity(lambda L, a: L.unique(a, return_inverse=True, return_counts=True, dim=d), a)
        parity(lambda L, a: L.unique_consecutive(a, return_inverse=True, return_counts=True,
                                                 dim=d), a)
    parity(lambda L, a: L.unique_consecutive(a, return_inverse=True, return_counts=True), a)
    parity(lambda L, a: a.unique_consecutive(), a[:0])


@requires_torch
def test_searchsorted_bucketize_parity():
    a = np.array([[1, 2, 2], [1, 4, 5], [0, 5, 9]])
    b = np.array([1, 2, 4])
    parity(lambda L, a, b: L.bucketize(a, b), a, b)
    parity(lambda L, a, b: L.bucketize(a, b, right=True, out_int32=True), a, b)
    parity(lambda L, b: L.searchsorted(b, 3), b)
    seq = np.array([[1, 2, 2, 5], [0, 0, 3, 9]])
    vals = np.array([[2, 9, 0], [0, 3, 10]])
    for side in ("left", "right"):
        parity(lambda L, s, v: L.searchsorted(s, v, side=side), seq, vals)
        parity(lambda L, s, v: L.searchsorted(s, v, right=side == "right"), seq[0], vals)
    raises_like(lambda L, s, v: L.searchsorted(s, v), seq, vals[:1])


# ---------------------------------------------------------------------- quantile and counting
QX = np.array([[1.0, 5.0, 2.0, 8.0], [3.0, -1.0, 4.0, 0.5], [2.0, 2.0, 7.0, 1.0]], np.float32)


@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize("q,dim,keepdim", [(0.3, None, False), (0.5, 1, False),
                                           (0.75, 0, True), ([0.1, 0.5, 0.9], 1, False),
                                           ([0.25, 1.0], None, True), (0.0, -1, False)])
def test_quantile_matches_torch(interpolation, q, dim, keepdim):
    def f(t, x):
        qq = t.tensor(q, dtype=x.dtype) if isinstance(q, list) else q
        return t.quantile(x, qq, dim=dim, keepdim=keepdim, interpolation=interpolation)

    parity(f, QX)


def test_quantile_gradcheck_and_nan():
    # Distinct values: at ties the quantile is not differentiable.
    check_grad(lambda t, x: t.quantile(x, t.tensor([0.2, 0.7], dtype=x.dtype), dim=1),
               rng().standard_normal((3, 5)))
    parity(lambda t, x: x.quantile(0.4, dim=1), np.array([[1.0, np.nan, 2.0], [1.0, 2.0, 3.0]],
                                                          np.float32), grad=False)


@pytest.mark.parametrize("call", [
    lambda t, x: t.quantile(x, 1.5), lambda t, x: t.quantile(x.long(), 0.5),
    lambda t, x: t.quantile(x, 0.5, interpolation="cubic"),
    lambda t, x: t.quantile(x, t.tensor([0.5], dtype=t.float64)),
])
def test_quantile_bad_input_raises_like_torch(call):
    raises_like(call, QX)


NANX = np.array([[1.0, np.nan, 5.0, 2.0, 4.0], [np.nan] * 5, [2.0, 7.0, np.nan, np.nan, 1.0],
                 [3.0, 0.5, -1.0, 6.0, 2.5]], np.float32)


@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize("q,dim,keepdim", [(0.3, 1, False), ([0.1, 0.5, 1.0], 1, True),
                                           (0.75, 0, False), ([0.0, 0.6], None, False),
                                           (0.5, None, True)])
@pytest.mark.parametrize("name", ["quantile", "nanquantile"])
def test_nanquantile_and_quantile_with_nan_match_torch(name, interpolation, q, dim, keepdim):
    # Values and gradients: a NaN slice sends its gradient to a NaN element, as in PyTorch.
    def f(t, x):
        qq = t.tensor(q, dtype=x.dtype) if isinstance(q, list) else q
        return getattr(t, name)(x, qq, dim=dim, keepdim=keepdim, interpolation=interpolation)

    # (which of several NaN sorts last in a flattened tensor is PyTorch's sort's choice)
    parity(f, NANX, grad=not (name == "quantile" and dim is None))
    parity(lambda t, x: getattr(x, name)(0.4, 0), NANX[:, :3].astype(np.float64))


def test_nanquantile_gradcheck_skips_nan():
    x = rng(3).standard_normal((3, 6))
    x[0, 2] = x[2, 0] = x[2, 5] = np.nan
    mask = ~np.isnan(x)

    def f(t, a):  # differentiate through the non-NaN entries only
        full = t.tensor(x).masked_scatter(t.tensor(mask), a)
        return t.nanquantile(full, t.tensor([0.3, 0.8], dtype=a.dtype), dim=1)

    check_grad(f, x[mask])
    check_grad(lambda t, a: t.nanquantile(a, 0.35, interpolation="midpoint"),
               rng(4).standard_normal((2, 3)))


@pytest.mark.parametrize("call", [
    lambda t, x: t.nanquantile(x, 1.5), lambda t, x: t.nanquantile(x.long(), 0.5),
    lambda t, x: t.nanquantile(x, 0.5, interpolation="cubic"),
    lambda t, x: t.nanquantile(x, t.tensor([0.5], dtype=t.float64)),
    lambda t, x: t.nanquantile(x, t.tensor([[0.5]])), lambda t, x: t.nanquantile(x, [0.5]),
    lambda t, x: t.nanquantile(x[:0], 0.5), lambda t, x: t.nanquantile(x, 0.5, dim=2),
])
def test_nanquantile_bad_input_raises_like_torch(call):
    raises_like(call, QX)


def test_nanquantile_out():
    x = numtorch.tensor(NANX)
    out = numtorch.empty(0)
    r = numtorch.nanquantile(x, 0.5, dim=1, out=out)
    assert r is out and out.shape == (4,)
    np.testing.assert_allclose(out.numpy(), np.nanquantile(NANX, 0.5, axis=1), rtol=1e-6)


def test_bincount_histc_isin_match_torch():
    idx = np.array([1, 3, 3, 0, 7], np.int64)
    parity(lambda t, i: t.bincount(i), idx, grad=False)
    parity(lambda t, i: i.bincount(minlength=10), idx, grad=False)
    parity(lambda t, i, w: t.bincount(i, weights=w), idx, np.arange(5, dtype=np.float32),
           grad=False)
    parity(lambda t, i, w: t.bincount(i, w), idx, np.arange(5, dtype=np.float64), grad=False)
    parity(lambda t, i: t.bincount(i), np.zeros(0, np.int64), grad=False)
    x = np.array([1.0, 2.0, 1.0, 5.0, -3.0, 2.5], np.float32)
    parity(lambda t, a: t.histc(a, bins=4), x, grad=False)
    parity(lambda t, a: a.histc(bins=3, min=0, max=2), x, grad=False)
    parity(lambda t, a: t.histc(a, bins=3), np.ones(2, np.float32), grad=False)
    parity(lambda t, a, b: t.isin(a, b), idx, np.array([3, 7], np.int64), grad=False)
    parity(lambda t, a, b: t.isin(a, b, invert=True), idx, np.array([3], np.int64), grad=False)
    parity(lambda t, a: t.isin(a, 2.0), x, grad=False)


@pytest.mark.parametrize("call", [
    lambda t, i: t.bincount(i - 2), lambda t, i: t.bincount(i.view(1, -1)),
    lambda t, i: t.bincount(i.float()), lambda t, i: t.histc(i, bins=3),
])
def test_bincount_and_histc_bad_input_raise_like_torch(call):
    raises_like(call, np.array([1, 3, 3, 0], np.int64))
