"""Tests of numtorch/ops/indexing.py: getitem/setitem, gather/scatter, index_*, masked ops,
take/put, nonzero, one_hot."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from parity import check_grad, parity, raises_like, requires_torch, rng, torch

import numtorch
from numtorch.ops.indexing import one_hot

F32 = np.float32


def _x(*shape, seed=0):
    return rng(seed).standard_normal(shape).astype(F32)


# ====================================================================== getitem
GETITEM_CASES = [
    lambda L, x: x[1],
    lambda L, x: x[-1, -2, -3],
    lambda L, x: x[1:3, ::2],
    lambda L, x: x[..., None, 2],
    lambda L, x: x[None, ..., 0],
    lambda L, x: x[[0, 0, 1]],
    lambda L, x: x[:, [1, 1, 3], [0, 0, 2]],
    lambda L, x: x[[0, 1], :, [2, 2]],
    lambda L, x: x[1, :, [0, 0, 3]],          # the int is applied first (PyTorch, not NumPy)
    lambda L, x: x[L.tensor(1), :, [0, 3]],
    lambda L, x: x[x > 0],
    lambda L, x: x[:, x[0, :, 0] > 0],
    lambda L, x: x[x[:, :, 0] > 0, 1:],
    lambda L, x: x[True],
    lambda L, x: x[False],
    lambda L, x: x[L.tensor([[0, 1], [1, 1]])],
    lambda L, x: x[L.tensor(2)],
    lambda L, x: x[None, [0, 0], None, 1:3, [1, 2]],
    lambda L, x: x[np.array([3, -1, 0])],
    lambda L, x: x[[True, False, True, True]],
    lambda L, x: x[L.tensor([0, 2], dtype=L.int32), 1],
    lambda L, x: x[2:2],
    lambda L, x: x[[]],
]


@requires_torch
@pytest.mark.parametrize("case", range(len(GETITEM_CASES)))
def test_getitem_parity(case):
    parity(GETITEM_CASES[case], _x(4, 5, 6))


@pytest.mark.parametrize("case", [0, 2, 6, 8, 10, 15, 18])
def test_getitem_check_grad(case):
    check_grad(GETITEM_CASES[case], _x(4, 5, 6).astype(np.float64))


def test_getitem_gradgrad():
    x = _x(3, 4).astype(np.float64)
    check_grad(lambda L, x: x[[0, 0, 2], 1:] ** 2, x, gradgrad=True)
    check_grad(lambda L, x: x[1:, ::2] ** 2, x, gradgrad=True)


@requires_torch
def test_getitem_duplicate_embedding_like():
    w = _x(50, 8)
    idx = rng(1).integers(0, 50, (6, 7))
    parity(lambda L, w, i: w[i], w, idx)
    parity(lambda L, w, i: w[:, i[0, :3] % 8], w, idx)   # indexed dim not the first


def test_basic_getitem_is_a_view_sharing_the_version():
    x = numtorch.zeros(3, 4)
    v = x[1:, 2]
    v[0] = 5.0
    assert x[1, 2].item() == 5.0
    assert x._version == v._version == 1
    x.add_(1)
    assert v._version == x._version
    assert v[0].item() == 6.0
    a = x[[0, 1]]   # advanced: a copy
    a[0, 0] = -1.0
    assert x[0, 0].item() == 1.0


@requires_torch
@pytest.mark.parametrize("index", [
    5, (slice(None), 4), [0, 3], slice(None, None, -1), (0, 0, 0), [[0, 1], [0, 1, 2]],
    1.5, (slice(None), [0, 4]), [True, False], -4,
])
def test_getitem_errors(index):
    def fn(L, x):
        idx = index
        return x[idx]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raises_like(fn, _x(3, 4))


@requires_torch
def test_getitem_error_messages():
    exc = raises_like(lambda L, x: x[5], _x(3, 4))
    assert str(exc) == "index 5 is out of bounds for dimension 0 with size 3"
    exc = raises_like(lambda L, x: x[::-1], _x(3))
    assert str(exc) == "step must be greater than zero"
    exc = raises_like(lambda L, x: x[L.tensor([0.0])], _x(3))
    assert "long, int, byte or bool" in str(exc)
    raises_like(lambda L, x: x[L.tensor([0], dtype=L.int16)], _x(3))


# ====================================================================== setitem
@requires_torch
def test_setitem_in_graph():
    def fn(L, x, w, c):
        y = x * 2
        y[0] = w
        y[1:, [0, 0, 2]] = w[:3] * 3
        y[y > 5] = 0.5
        return (y * c).sum()
    parity(fn, _x(3, 4), _x(4, seed=1), _x(3, 4, seed=2))


@requires_torch
def test_setitem_augmented_and_into_constant():
    def fn(L, x, w):
        y = x * 2
        y[0] += w              # getitem (view), in-place add, setitem
        y[[1, 1]] += w         # duplicates: added once, as in PyTorch
        z = L.zeros(3, 4)
        z[1] = w               # a constant tensor enters the graph through setitem
        z[:, 0] *= 3
        return y, z
    parity(fn, _x(3, 4), _x(4, seed=1))


def test_setitem_check_grad():
    def fn(L, x, w):
        y = x * 1
        y[1:, 1] = w
        y[[0, 0], [2, 3]] = w[0]
        return y
    check_grad(fn, _x(3, 4).astype(np.float64), _x(2, seed=1).astype(np.float64))


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "int64"])
def test_setitem_no_graph_writes_in_place(dtype):
    def fn(L, x):
        x = x.to(getattr(L, dtype))
        y = x[1:]
        x[0, 1] = 7.5
        x[1:, :2] = 3
        x[:, [0, 0]] = L.ones(3, 1, dtype=x.dtype)
        x[x > 6] = L.tensor(-1, dtype=x.dtype)
        x[2] = L.tensor([[9.0, 8.0, 7.0, 6.0]])   # leading size-1 dims dropped; cast
        return x, y, L.tensor(x._version)
    parity(fn, _x(3, 4), grad=False)


def test_setitem_leaf_and_no_grad():
    w = numtorch.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="view of a leaf Variable"):
        w[0] = 1.0
    with numtorch.no_grad():
        w[0] = 1.0
    assert w.tolist() == [1.0, 0.0, 0.0] and w.grad_fn is None


@requires_torch
@pytest.mark.parametrize("fn", [
    lambda L, x: x.__setitem__(slice(0, 2), L.ones(3, 4)),
    lambda L, x: x.__setitem__([0, 1], L.ones(3, 4)),
    lambda L, x: x.__setitem__([0, 1], L.ones(4, dtype=L.float64)),
    lambda L, x: L.ones(3, requires_grad=True).__setitem__(0, 1.0),
])
def test_setitem_errors(fn):
    raises_like(fn, _x(3, 4))


@requires_torch
def test_index_put():
    parity(lambda L, x, v: x.index_put((L.tensor([0, 0, 2]), L.tensor([1, 1, 3])), v,
                                       accumulate=True), _x(3, 4), _x(3, seed=1))
    parity(lambda L, x, v: x.index_put((L.tensor([0, 2]),), v), _x(3, 4), _x(4, seed=1))


# ====================================================================== gather / scatter
@requires_torch
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_gather_parity(dim):
    x = _x(4, 5, 3)
    idx = rng(1).integers(0, x.shape[dim], (3, 2, 3))
    parity(lambda L, x, i: L.gather(x, dim, i), x, idx)
    parity(lambda L, x, i: x.gather(dim, i.int()), x, idx)


def test_gather_check_grad_and_gradgrad():
    x = _x(4, 3).astype(np.float64)
    idx = np.array([[0, 0, 3], [1, 1, 1]])
    check_grad(lambda L, x, i: L.gather(x, 0, i), x, idx, gradgrad=True)
    check_grad(lambda L, x, i: L.gather(x, 1, i[:, :2] % 3), x, idx)
    check_grad(lambda L, x, i: L.gather(x, 0, i[:, :0]), x, idx)


@requires_torch
def test_scatter_family_parity():
    x, s = _x(3, 5), _x(2, 5, seed=1)
    i = np.array([[0, 1, 2, 0, 1], [2, 2, 0, 1, 0]])
    parity(lambda L, x, i, s: L.scatter(x, 0, i, s), x, i[:1], s[:1])
    parity(lambda L, x, i: L.scatter(x, 1, i, 1.5), x, i % 5)
    parity(lambda L, x, i, s: L.scatter_add(x, 0, i, s), x, i, s)
    # src larger than index: torch's own backward fails there; check_grad covers ours
    parity(lambda L, x, i, s: L.scatter_add(x, 0, i[:, :3], s), x, i, s, grad=False)
    check_grad(lambda L, x, i, s: L.scatter_add(x, 0, i[:, :3], s), x.astype(np.float64), i,
               s.astype(np.float64))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parity(lambda L, x, i, s: x.scatter(0, i, s, reduce="add"), x, i, s, grad=False)
        parity(lambda L, x, i, s: x.scatter(0, i, s, reduce="multiply"), x, i, s, grad=False)


@requires_torch
@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_parity(reduce, include_self):
    x, s = _x(3, 5).astype(np.float64), _x(2, 5, seed=1).astype(np.float64)
    i = np.array([[0, 1, 0, 2, 2], [1, 1, 1, 0, 0]])
    parity(lambda L, x, i, s: L.scatter_reduce(x, 0, i, s, reduce, include_self=include_self),
           x, i, s)
    check_grad(lambda L, x, i, s: L.scatter_reduce(x, 0, i, s, reduce,
                                                   include_self=include_self), x, i, s)


@requires_torch
def test_scatter_reduce_prod_with_zeros():
    x, s = _x(3, 5).astype(np.float64), _x(2, 5, seed=1).astype(np.float64)
    x[1, 1] = s[0, 0] = s[1, 1] = 0.0
    i = np.array([[0, 1, 0, 2, 2], [1, 1, 1, 0, 0]])
    for include_self in (True, False):
        parity(lambda L, x, i, s: L.scatter_reduce(x, 0, i, s, "prod",
                                                   include_self=include_self), x, i, s)


def test_scatter_check_grad():
    x, s = _x(3, 4).astype(np.float64), _x(2, 4, seed=1).astype(np.float64)
    i = np.array([[0, 1, 2, 0], [1, 0, 0, 2]])
    check_grad(lambda L, x, i, s: L.scatter(x, 0, i, s), x, i, s)
    check_grad(lambda L, x, i, s: L.scatter_add(x, 0, i, s), x, i, s, gradgrad=True)


@requires_torch
@pytest.mark.parametrize("fn", [
    lambda L, x: L.gather(x, 0, L.tensor([[0.0]])),
    lambda L, x: L.gather(x, 0, L.tensor([[5]])),
    lambda L, x: L.gather(x, 0, L.tensor([[-1]])),
    lambda L, x: L.gather(x, 0, L.tensor([0])),
    lambda L, x: L.gather(x, 0, L.zeros(2, 5, dtype=L.long)),
    lambda L, x: x.scatter(0, L.tensor([[0]]), x.double()),
    lambda L, x: x.scatter(0, L.tensor([[5]]), x),
    lambda L, x: x.scatter(0, L.zeros(2, 5, dtype=L.long), x),
    lambda L, x: x.scatter_add(0, L.tensor([[0.0]]), x),
    lambda L, x: x.scatter_reduce(0, L.tensor([[0]]), x, "foo"),
])
def test_gather_scatter_errors(fn):
    raises_like(fn, _x(3, 4))


# ====================================================================== index_* along a dim
@requires_torch
def test_index_ops_parity():
    x = _x(4, 5)
    i = np.array([0, 3, 0])
    parity(lambda L, x, i: x.index_select(1, i), x, i)
    parity(lambda L, x, i: L.index_select(x, 0, i.int()), x, i)
    parity(lambda L, x, i, s: x.index_add(0, i, s, alpha=2.0), x, i, _x(3, 5, seed=1))
    parity(lambda L, x, i, s: x.index_copy(1, i[1:], s), x, i, _x(4, 2, seed=1))
    parity(lambda L, x, i: x.index_fill(1, i, -1.0), x, i)
    parity(lambda L, x, i, v: x.index_fill(1, i, v), x, i, np.array(3.0, F32))


def test_index_ops_check_grad():
    x = _x(4, 5).astype(np.float64)
    i = np.array([0, 3, 0])
    check_grad(lambda L, x, i: x.index_select(1, i), x, i, gradgrad=True)
    check_grad(lambda L, x, i, s: x.index_add(0, i, s), x, i, _x(3, 5).astype(np.float64))
    check_grad(lambda L, x, i, s: x.index_copy(1, i[1:], s), x, i, _x(4, 2).astype(np.float64))


@requires_torch
@pytest.mark.parametrize("fn", [
    lambda L, x: L.index_select(x, 0, L.tensor([0.0])),
    lambda L, x: L.index_select(x, 0, L.tensor([7])),
    lambda L, x: L.index_select(x, 0, L.tensor([-1])),
    lambda L, x: L.index_select(x, 0, L.tensor([[0]])),
    lambda L, x: x.index_add(0, L.tensor([0.0]), L.ones(1, 4)),
    lambda L, x: x.index_add(0, L.tensor([0]), L.ones(1, 4, dtype=L.float64)),
    lambda L, x: x.index_add(0, L.tensor([0]), L.ones(2, 4)),
    lambda L, x: x.index_add(0, L.tensor([9]), L.ones(1, 4)),
    lambda L, x: x.index_copy(0, L.tensor([9]), L.ones(1, 4)),
    lambda L, x: x.index_copy(0, L.tensor([1], dtype=L.int32), L.ones(1, 4)),
    lambda L, x: x.index_fill(0, L.tensor([9]), 1.0),
    lambda L, x: x.index_fill(0, L.tensor([1], dtype=L.int32), 1.0),
])
def test_index_ops_errors(fn):
    raises_like(fn, _x(3, 4))


# ====================================================================== masks, take, put
@requires_torch
def test_masked_ops_parity():
    x = _x(3, 4)
    parity(lambda L, x: x.masked_fill(x > 0, 2.0), x)
    parity(lambda L, x, v: x.masked_fill(x > 0, v), x, np.array(3.0, F32))
    parity(lambda L, x: x.masked_fill(L.tensor([True, False, True, False]), 1.0), x)
    parity(lambda L, x: L.ones(4).masked_fill(x[:2] > 0, 1.0) * x[:2], x)
    parity(lambda L, x: x.long().masked_fill(x > 0, 2.7), x)
    parity(lambda L, x: x.masked_select(x > 0), x)
    parity(lambda L, x: x[0].masked_select(x > 0), x)
    parity(lambda L, x, s: x.masked_scatter(x > 0, s), x, _x(20, seed=1))
    parity(lambda L, x, s: x.masked_scatter(L.tensor([True, False, True, False]), s), x,
           _x(3, 3, seed=1))


def test_masked_ops_check_grad():
    x = _x(3, 4).astype(np.float64)
    m = x > 0
    check_grad(lambda L, x, v: x.masked_fill(L.tensor(m), v), x, np.array(2.0))
    check_grad(lambda L, x: x.masked_select(L.tensor(m)), x)
    check_grad(lambda L, x, s: x.masked_scatter(L.tensor(m), s), x, _x(13).astype(np.float64))


@requires_torch
def test_take_put_parity():
    x = _x(3, 5)
    parity(lambda L, x, i: x.take(i), x, np.array([[0, 14], [-1, 3]]))
    parity(lambda L, x, i, s: x.put(i, s, accumulate=True), x, np.array([0, 14, 0]),
           np.array([1.0, 2, 3], F32))
    parity(lambda L, x, i, s: x.put(i, s), x, np.array([0, 14]), np.array([1.0, 2], F32))
    parity(lambda L, x, i: L.take_along_dim(x, i, 1), x, np.array([[0], [4], [2]]))
    parity(lambda L, x, i: L.take_along_dim(x, i, 1), x, np.array([[0, 1]]))
    parity(lambda L, x, i: L.take_along_dim(x, i), x, np.array([0, 1, 1]))


def test_take_check_grad():
    x = _x(3, 5).astype(np.float64)
    check_grad(lambda L, x, i: x.take(i), x, np.array([[0, 14], [-1, 0]]))
    check_grad(lambda L, x, i: L.take_along_dim(x, i, 1), x, np.array([[0, 1]]))


@requires_torch
@pytest.mark.parametrize("fn", [
    lambda L, x: x.masked_fill(L.ones(3, 4, dtype=L.long), 1.0),
    lambda L, x: x.masked_fill(x > 3, L.tensor([1.0])),
    lambda L, x: L.ones(4).masked_fill_(L.tensor([[True, False, True, False]] * 2), 1.0),
    lambda L, x: x.masked_scatter(x > -9, L.ones(2)),
    lambda L, x: x.masked_select(x.long()),
    lambda L, x: x.take(L.tensor([12])),
    lambda L, x: x.take(L.tensor([1]).int()),
    lambda L, x: x.put(L.tensor([12]), L.tensor([1.0])),
])
def test_mask_take_errors(fn):
    raises_like(fn, _x(3, 4))


# ====================================================================== in-place forms
@requires_torch
def test_inplace_forms():
    def fn(L, x, s):
        y = x * 1
        y.index_add_(0, L.tensor([0, 0]), s[:2])
        y.index_fill_(1, L.tensor([3]), 0.5)
        y.index_copy_(0, L.tensor([2]), s[2:])
        y.masked_fill_(y > 1, -1.0)
        y.masked_scatter_(y < -1, s.reshape(-1))
        y.scatter_(0, L.tensor([[1, 0, 1, 0]]), s[:1])
        y.scatter_add_(1, L.tensor([[0, 0], [1, 1], [2, 2]]), s[:, :2])
        y.put_(L.tensor([0, 5]), s[0, :2])
        y.index_put_((L.tensor([1, 1]),), s[1], accumulate=True)
        return y
    parity(fn, _x(3, 4), _x(3, 4, seed=1))


def test_inplace_on_leaf_raises():
    w = numtorch.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        w.index_fill_(0, numtorch.tensor([0]), 1.0)


# ====================================================================== nonzero
@requires_torch
def test_nonzero_parity():
    a = np.array([[1, 2, 2], [1, 2, 2], [0, 5, 5]])
    parity(lambda L, a: L.nonzero(a > 1), a)
    parity(lambda L, a: L.nonzero(a > 1, as_tuple=True), a)
    parity(lambda L, a: L.argwhere(a), a)
    parity(lambda L, a: L.where(a > 1), a)
    parity(lambda L, a: L.nonzero(a[0, 0]), a)


@requires_torch
def test_one_hot():
    a = np.array([[0, 3], [1, 1]])
    parity(lambda L, a: (one_hot if L is numtorch else torch.nn.functional.one_hot)(a), a)
    parity(lambda L, a: (one_hot if L is numtorch else torch.nn.functional.one_hot)(a, 5), a)
    for bad in (a.astype(np.int32), a - 1, a[:0]):
        raises_like(lambda L, a: (one_hot if L is numtorch else torch.nn.functional.one_hot)(a),
                    bad)
    raises_like(lambda L, a: (one_hot if L is numtorch else torch.nn.functional.one_hot)(a, 3),
                a)


# ====================================================================== generated indices
def _index_strategy(shape):
    def item(size):
        return st.one_of(
            st.integers(-size, size - 1),
            st.builds(slice, st.one_of(st.none(), st.integers(-size - 1, size + 1)),
                      st.one_of(st.none(), st.integers(-size - 1, size + 1)),
                      st.one_of(st.none(), st.integers(1, 3))),
            st.lists(st.integers(-size, size - 1), min_size=1, max_size=3),
            st.lists(st.booleans(), min_size=size, max_size=size),
        )
    return st.tuples(*(item(s) for s in shape)).flatmap(
        lambda t: st.tuples(st.integers(0, len(t)), st.just(t), st.booleans()))


@requires_torch
@settings(max_examples=40, deadline=None)
@given(_index_strategy((3, 4, 2)))
def test_generated_index_expressions(spec):
    cut, items, add_none = spec
    items = items[:cut] + ((None,) if add_none else ()) + items[cut:]
    # Several list indices must broadcast: keep at most one bool mask and equal-length lists.
    lists = [i for i in items if isinstance(i, list)]
    if len({len(i) for i in lists}) > 1 or any(isinstance(i[0], bool) for i in lists) and \
            len(lists) > 1:
        items = tuple(i if not isinstance(i, list) else slice(None) for i in items)
    x = np.arange(24, dtype=np.float64).reshape(3, 4, 2)
    index = tuple(np.array(i) if isinstance(i, list) else i for i in items)
    out = parity(lambda L, x: x[tuple(L.tensor(i) if isinstance(i, np.ndarray) else i
                                      for i in index)], x)[0]
    # basic-only expressions agree with NumPy too (there NumPy and PyTorch coincide)
    if all(not isinstance(i, np.ndarray) for i in index):
        np.testing.assert_array_equal(out.detach().numpy(), x[index])


# ---------------------------------------------------------------------- fill_diagonal_
@pytest.mark.parametrize("shape,wrap", [((3, 4), False), ((5, 2), False), ((5, 2), True),
                                        ((7, 3), True), ((2, 2, 2), False), ((4, 4), False)])
def test_fill_diagonal_matches_torch(shape, wrap):
    def f(t, x):
        y = x * 1  # in place on a non-leaf: the gradient flows except at the diagonal
        return y.fill_diagonal_(-2.5, wrap=wrap)

    parity(f, rng().standard_normal(shape).astype(np.float32))


def test_fill_diagonal_needs_equal_dims_like_torch():
    raises_like(lambda t, x: x.fill_diagonal_(0), np.ones((2, 3, 4), np.float32))
    raises_like(lambda t, x: x.fill_diagonal_(0), np.ones(3, np.float32))
