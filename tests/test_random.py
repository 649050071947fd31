"""Random numbers: reproducible streams (same seed, same numbers), ``generator=`` everywhere,
PyTorch's shapes, dtypes and errors. The streams themselves are not PyTorch's."""

import numpy as np
import pytest
from parity import raises_like, requires_torch

import numtorch

DRAWS = {
    "rand": lambda g: numtorch.rand(2, 3, generator=g),
    "randn": lambda g: numtorch.randn((4,), generator=g),
    "randint": lambda g: numtorch.randint(0, 10, (5,), generator=g),
    "randint_high": lambda g: numtorch.randint(5, (3,), generator=g),
    "randperm": lambda g: numtorch.randperm(6, generator=g),
    "normal": lambda g: numtorch.normal(2.0, 3.0, size=(3,), generator=g),
    "normal_tensor": lambda g: numtorch.normal(numtorch.zeros(3), numtorch.ones(3), generator=g),
    "bernoulli": lambda g: numtorch.bernoulli(numtorch.full((6,), 0.5), generator=g),
    "multinomial": lambda g: numtorch.multinomial(numtorch.tensor([0.2, 0.3, 0.5]), 5,
                                                  replacement=True, generator=g),
    "rand_like": lambda g: numtorch.rand_like(numtorch.ones(2), generator=g),
    "uniform_": lambda g: numtorch.empty(3).uniform_(-1, 1, generator=g),
    "normal_": lambda g: numtorch.empty(3).normal_(0, 2, generator=g),
}


@pytest.mark.parametrize("name", list(DRAWS))
def test_same_seed_same_numbers(name):
    draw = DRAWS[name]
    numtorch.manual_seed(123)
    a = draw(None)
    numtorch.manual_seed(123)
    b = draw(None)
    c = draw(None)
    assert a.tolist() == b.tolist()
    g1 = numtorch.Generator().manual_seed(7)
    g2 = numtorch.Generator().manual_seed(7)
    assert draw(g1).tolist() == draw(g2).tolist()
    if name not in ("bernoulli",):
        assert a.tolist() != c.tolist() or a.numel() <= 1


def test_generator_is_independent_of_default():
    g = numtorch.Generator().manual_seed(0)
    numtorch.manual_seed(0)
    first = numtorch.rand(3, generator=g).tolist()
    numtorch.rand(100)  # advances only the default stream
    g2 = numtorch.Generator().manual_seed(0)
    assert numtorch.rand(3, generator=g2).tolist() == first


def test_state_round_trip_and_seeds():
    numtorch.manual_seed(5)
    assert numtorch.initial_seed() == 5
    state = numtorch.get_rng_state()
    assert state.dtype is numtorch.uint8
    a = numtorch.randn(4)
    numtorch.set_rng_state(state)
    assert numtorch.randn(4).tolist() == a.tolist()
    g = numtorch.Generator()
    st = g.get_state()
    x = numtorch.rand(2, generator=g)
    g.set_state(st)
    assert numtorch.rand(2, generator=g).tolist() == x.tolist()
    assert isinstance(numtorch.manual_seed(1), numtorch.Generator)
    assert numtorch.Generator().device == numtorch.device("cpu")


def test_shapes_dtypes_and_ranges():
    numtorch.manual_seed(0)
    r = numtorch.rand(1000)
    assert r.dtype is numtorch.float32 and 0 <= r.min().item() and r.max().item() < 1
    assert numtorch.rand(2, dtype=numtorch.float64).dtype is numtorch.float64
    n = numtorch.randn(2000, dtype=numtorch.float64)
    assert abs(n.mean().item()) < 0.1 and abs(n.numpy().std() - 1) < 0.1
    i = numtorch.randint(3, 6, (500,))
    assert i.dtype is numtorch.int64 and set(i.tolist()) == {3, 4, 5}
    assert numtorch.randint(0, 2, (3,), dtype=numtorch.float32).dtype is numtorch.float32
    p = numtorch.randperm(10)
    assert sorted(p.tolist()) == list(range(10)) and p.dtype is numtorch.int64
    assert numtorch.randn(2, 3, requires_grad=True).requires_grad
    assert numtorch.randn(()).shape == ()
    b = numtorch.bernoulli(numtorch.tensor([0.0, 1.0, 0.0]))
    assert b.tolist() == [0.0, 1.0, 0.0] and b.dtype is numtorch.float32
    m = numtorch.multinomial(numtorch.tensor([[0.0, 1.0], [1.0, 0.0]]), 1)
    assert m.tolist() == [[1], [0]]
    w = numtorch.multinomial(numtorch.ones(5), 5)
    assert sorted(w.tolist()) == [0, 1, 2, 3, 4]
    nm = numtorch.normal(numtorch.tensor([0.0, 100.0]), 0.0)
    assert nm.tolist() == [0.0, 100.0]


@requires_torch
def test_errors_match_torch():
    raises_like(lambda t: t.randint(5, 2, (3,)))
    raises_like(lambda t: t.multinomial(t.tensor([0.5, 0.5]), 3))
    raises_like(lambda t: t.multinomial(t.tensor([-1.0, 2.0]), 1))
    raises_like(lambda t: t.bernoulli(t.tensor([1.5])))
    raises_like(lambda t: t.normal(t.zeros(2), t.tensor([-1.0, 1.0])))
    raises_like(lambda t: t.rand(2, dtype=t.int64))


def test_device_argument():
    assert numtorch.rand(2, device="cpu").shape == (2,)
    with pytest.raises(RuntimeError, match="CPU only"):
        numtorch.randn(2, device="cuda")


def test_in_place_random_fills_respect_leaf_rule():
    w = numtorch.empty(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        w.uniform_()
    with numtorch.no_grad():
        w.uniform_(-0.1, 0.1)
    assert np.all(np.abs(w.detach().numpy()) <= 0.1)
