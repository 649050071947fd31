"""index_reduce (numtorch/ops/index_reduce.py): float64 gradient checks and parity with
PyTorch, every reduction with and without the input's own values."""

import warnings

import numpy as np
import pytest
from parity import check_grad, parity, raises_like, rng

import numtorch

torch = pytest.importorskip("torch")

REDUCES = ["prod", "mean", "amax", "amin"]


@pytest.fixture(autouse=True)
def _quiet():
    # (PyTorch warns that index_reduce is in beta)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _case(dim, seed=0):
    r = rng(seed)
    x = r.uniform(0.5, 2.0, (4, 3))
    n = 5
    shape = [4, 3]
    shape[dim] = n
    src = r.uniform(0.5, 2.0, shape)
    size = x.shape[dim]
    idx = np.array([0, 2, 0, size - 1, 2])  # repeats, and one slot left alone
    return x, idx, src


@pytest.mark.parametrize("reduce", REDUCES)
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_parity_and_gradcheck(reduce, include_self, dim):
    x, idx, src = _case(dim % 2)
    parity(lambda lib, a, i, s: lib.index_reduce(a, dim, i, s, reduce,
                                                  include_self=include_self), x, idx, src)
    parity(lambda lib, a, i, s: (a * 1).index_reduce_(dim, i, s, reduce,
                                                      include_self=include_self), x, idx, src)
    check_grad(lambda lib, a, i, s: a.index_reduce(dim, i, s, reduce,
                                                   include_self=include_self), x, idx, src)


@pytest.mark.parametrize("reduce", ["prod", "amax", "amin"])
def test_zeros_and_ties(reduce):
    x = np.array([[0.0, 1.0], [2.0, 3.0], [3.0, 3.0]])
    src = np.array([[0.0, 1.0], [2.0, 5.0], [0.0, 3.0], [3.0, 3.0]])
    idx = np.array([0, 1, 0, 2])
    for include_self in (True, False):
        parity(lambda lib, a, i, s: lib.index_reduce(a, 0, i, s, reduce,
                                                      include_self=include_self), x, idx, src)


def test_mean_and_amax_double_backward():
    x, idx, src = _case(0)
    for reduce in ("mean", "amax"):
        check_grad(lambda lib, a, i, s: a.index_reduce(0, i, s, reduce) ** 2, x, idx, src,
                   gradgrad=True)


def test_integer_mean_and_out():
    parity(lambda lib, a, i, s: lib.index_reduce(a, 0, i, s, "mean"), np.arange(4),
           np.array([0, 0]), np.array([3, 4]))
    parity(lambda lib, a, i, s: lib.index_reduce(a, 0, i, s, "mean", include_self=False),
           np.arange(4), np.array([0, 0]), np.array([3, 4]))
    parity(lambda lib, a, i, s: lib.index_reduce(a, 0, i, s, "amax", include_self=False),
           np.arange(4), np.array([1, 1]), np.array([-3, -4]))
    out = numtorch.empty(0)
    r = numtorch.index_reduce(numtorch.ones(3), 0, numtorch.tensor([1]),
                              numtorch.tensor([4.0]), "prod", out=out)
    assert r is out and out.tolist() == [1.0, 4.0, 1.0]


def test_errors():
    x = lambda lib: lib.ones(4, 2)  # noqa: E731
    raises_like(lambda lib: x(lib).index_reduce(0, lib.tensor([0, 1]), lib.ones(2, 2), "sum"),
                match="got sum")
    raises_like(lambda lib: x(lib).index_reduce(0, lib.tensor([0.0, 1]), lib.ones(2, 2),
                                                "prod"), match="Float")
    raises_like(lambda lib: x(lib).index_reduce(0, lib.tensor([[0, 1]]), lib.ones(2, 2),
                                                "prod"), match="vector")
    raises_like(lambda lib: x(lib).index_reduce(0, lib.tensor([0, 1]), lib.ones(3, 2), "prod"),
                match="Number of indices")
    raises_like(lambda lib: x(lib).index_reduce(0, lib.tensor([0, 5]), lib.ones(2, 2), "prod"),
                match="out of range")
    raises_like(lambda lib: x(lib).index_reduce(0, lib.tensor([0, 1]),
                                                lib.ones(2, 2, dtype=lib.float64), "prod"),
                match="same scalar type")
    raises_like(lambda lib: x(lib).index_reduce(0, lib.tensor([0, 1]), lib.ones(2, 3), "prod"),
                match="shape must match")
    raises_like(lambda lib: lib.ones(2, requires_grad=True).index_reduce_(
        0, lib.tensor([0]), lib.ones(1), "prod"), match="leaf Variable")
