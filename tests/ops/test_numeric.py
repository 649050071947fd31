"""renorm, the trapezoidal rule, histogram and unravel_index (numtorch/ops/numeric.py):
float64 gradient checks and parity with PyTorch."""

import numpy as np
import pytest
from parity import check_grad, parity, raises_like, rng

import numtorch

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("p,dim,maxnorm", [(2, 0, 1.0), (1, 1, 0.5), (3.0, -1, 2.0),
                                           (float("inf"), 0, 0.7), (2, 1, 100.0)])
def test_renorm(p, dim, maxnorm):
    a = rng().standard_normal((3, 4, 2))
    parity(lambda lib, x: lib.renorm(x, p, dim, maxnorm), a)
    parity(lambda lib, x: x.renorm(p, dim, maxnorm), a)
    parity(lambda lib, x: (x * 1).renorm_(p, dim, maxnorm), a)
    check_grad(lambda lib, x: lib.renorm(x, p, dim, maxnorm), a)


def test_renorm_zero_slice_and_out():
    a = np.array([[0.0, 0.0], [3.0, 4.0]])
    parity(lambda lib, x: lib.renorm(x, 2, 0, 1.0), a)
    out = numtorch.empty(0)
    assert numtorch.renorm(numtorch.tensor(a), 2, 0, 1.0, out=out) is out


def test_renorm_errors():
    raises_like(lambda lib: lib.renorm(lib.ones(2, 2), 0, 0, 1.0), match="non-positive")
    raises_like(lambda lib: lib.renorm(lib.ones(2, 2), 2, 0, -1.0), match="got -1")
    raises_like(lambda lib: lib.renorm(lib.ones(3), 2, 0, 1.0), match="got 1 dimensions")
    raises_like(lambda lib: lib.renorm(lib.ones(3, 2), 2, 2, 1.0), match="range")
    raises_like(lambda lib: lib.renorm(lib.ones(2, 2, dtype=lib.int64), 2, 0, 1.0),
                match="Long")


@pytest.mark.parametrize("name", ["trapezoid", "trapz", "cumulative_trapezoid"])
def test_trapezoid(name):
    y = rng().standard_normal((3, 5))
    x = np.sort(rng(1).standard_normal(5))
    parity(lambda lib, a: getattr(lib, name)(a), y)
    parity(lambda lib, a: getattr(lib, name)(a, dx=0.5, dim=0), y)
    parity(lambda lib, a, b: getattr(lib, name)(a, b), y, x)
    parity(lambda lib, a, b: getattr(lib, name)(a, b, dim=0), y, np.sort(rng(2).standard_normal(
        (3, 5)), axis=0))
    parity(lambda lib, a: getattr(lib, name)(a), np.arange(4))
    parity(lambda lib, a: getattr(lib, name)(a), np.zeros((2, 0)))
    check_grad(lambda lib, a, b: getattr(lib, name)(a, b), y, x)
    raises_like(lambda lib: getattr(lib, name)(lib.ones(3), lib.ones(2)),
                match="one `x` value")


def test_trapezoid_spacing_number_goes_in_dx():
    raises_like(lambda lib: lib.trapezoid(lib.ones(4), 0.5), match="dx")
    raises_like(lambda lib: lib.trapezoid(lib.ones(4), lib.ones(4), dx=0.5))


@pytest.mark.parametrize("call", [
    lambda lib, x: lib.histogram(x, 4),
    lambda lib, x: lib.histogram(x, 3, range=(-1.0, 1.0)),
    lambda lib, x: lib.histogram(x, 5, density=True),
    lambda lib, x: lib.histogram(x, lib.tensor([-2.0, -0.5, 0.0, 3.0], dtype=x.dtype)),
    lambda lib, x: lib.histogram(x, 4, weight=x.abs()),
    lambda lib, x: lib.histogram(x, lib.tensor([-1.0, 0.0, 2.0], dtype=x.dtype), weight=x * x,
                                 density=True),
    lambda lib, x: x.histogram(6),
])
def test_histogram(call):
    a = rng().standard_normal((4, 5))
    parity(call, a, grad=False)
    parity(call, a.astype(np.float32), grad=False)


def test_histogram_edge_cases():
    parity(lambda lib, x: lib.histogram(x, 3), np.array([1.0, 1.0, 1.0]), grad=False)
    parity(lambda lib, x: lib.histogram(x, 3), np.zeros(0), grad=False)
    parity(lambda lib, x: lib.histogram(x, 2), np.array([0.0, 1.0, 1.0]), grad=False)
    hist, edges = numtorch.histogram(numtorch.tensor([1.0, 2.0]), 2)
    assert hist.tolist() == [1.0, 1.0] and edges.tolist() == [1.0, 1.5, 2.0]
    raises_like(lambda lib: lib.histogram(lib.tensor([1, 2]), 3), match="Long")
    raises_like(lambda lib: lib.histogram(lib.tensor([1.0, 2.0]), 3, range=(2.0, 1.0)),
                match="min should not exceed max")


def test_unravel_index():
    for lib in (numtorch, torch):
        rows, cols = lib.unravel_index(lib.tensor([7, -1, 4, 0]), (2, 3))
        assert rows.tolist() == [0, 1, 1, 0] and cols.tolist() == [1, 2, 1, 0]
        (k,) = lib.unravel_index(lib.tensor(5), 6)
        assert k.tolist() == 5 and k.shape == ()
        a, b, c = lib.unravel_index(lib.tensor([[22, 41]]), lib.Size([4, 5, 6]))
        assert a.tolist() == [[0, 1]] and b.tolist() == [[3, 1]] and c.tolist() == [[4, 5]]
    raises_like(lambda lib: lib.unravel_index(lib.tensor([1.0]), (2, 3)), match="integer")
    raises_like(lambda lib: lib.unravel_index(lib.tensor([1]), (2, -3)))
