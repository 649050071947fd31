"""Tensor creation: dtypes inferred as PyTorch does, shapes, memory sharing, errors."""

import numpy as np
import pytest
from parity import parity, raises_like, requires_torch, torch

import numtorch


def _same(a, b):
    assert tuple(a.shape) == tuple(b.shape)
    assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1], (a.dtype, b.dtype)
    np.testing.assert_allclose(a.detach().numpy().astype(np.float64),
                               b.detach().numpy().astype(np.float64), rtol=1e-6, atol=1e-6)
    assert a.requires_grad == b.requires_grad


DATA = [[1, 2], [1.0, 2], [True, False], [[1, 2], [3, 4]], 3, 2.5, True, [], [[]],
        np.array([1, 2], np.int32), np.array([1.0], np.float64), np.array(3, np.uint8),
        [np.float64(1.5)], (1, 2.0), [[True], [False]]]


@requires_torch
@pytest.mark.parametrize("data", DATA, ids=lambda d: repr(d)[:25])
def test_tensor_dtype_inference(data):
    _same(numtorch.tensor(data), torch.tensor(data))
    _same(numtorch.as_tensor(data), torch.as_tensor(data))


@requires_torch
def test_tensor_from_tensors_and_dtype_argument():
    _same(numtorch.tensor([1, 2], dtype=numtorch.float64),
          torch.tensor([1, 2], dtype=torch.float64))
    _same(numtorch.tensor(2.7, dtype=numtorch.int32), torch.tensor(2.7, dtype=torch.int32))
    _same(numtorch.tensor([numtorch.tensor(1.0), numtorch.tensor(2.0)]),
          torch.tensor([torch.tensor(1.0), torch.tensor(2.0)]))
    _same(numtorch.tensor([1.0], requires_grad=True), torch.tensor([1.0], requires_grad=True))
    with pytest.raises(RuntimeError, match="floating point"):
        numtorch.tensor([1], requires_grad=True)
    with pytest.raises(TypeError):
        numtorch.tensor("abc")


def test_tensor_copies_and_as_tensor_shares():
    a = np.array([1.0, 2.0])
    t = numtorch.tensor(a)
    a[0] = 9
    assert t.tolist() == [1.0, 2.0]
    s = numtorch.as_tensor(a)
    a[1] = 7
    assert s.tolist() == [9.0, 7.0]
    x = numtorch.ones(2)
    assert numtorch.as_tensor(x) is x
    assert numtorch.as_tensor(x, dtype=numtorch.float64).dtype is numtorch.float64
    c = numtorch.tensor(x)
    c += 1
    assert x.tolist() == [1.0, 1.0]


@requires_torch
def test_factories():
    cases = [
        lambda t: t.zeros(2, 3), lambda t: t.zeros((2, 3)), lambda t: t.zeros([4]),
        lambda t: t.ones(2, dtype=t.int64), lambda t: t.ones(()),
        lambda t: t.full((2, 2), 7), lambda t: t.full((2,), 1.5), lambda t: t.full((2,), True),
        lambda t: t.full((2,), 3, dtype=t.float64), lambda t: t.empty(3).zero_(),
        lambda t: t.arange(5), lambda t: t.arange(1, 4), lambda t: t.arange(0, 1, 0.25),
        lambda t: t.arange(5.0), lambda t: t.arange(10, 0, -3), lambda t: t.arange(0, 5, 2),
        lambda t: t.arange(3, dtype=t.float64), lambda t: t.arange(0.5, 2),
        lambda t: t.linspace(0, 1, 5), lambda t: t.linspace(-1, 1, 1),
        lambda t: t.linspace(0, 10, 4, dtype=t.int64), lambda t: t.logspace(0, 2, 3),
        lambda t: t.eye(3), lambda t: t.eye(2, 3), lambda t: t.eye(2, dtype=t.int32),
        lambda t: t.zeros(2, 0), lambda t: t.ones(3, requires_grad=True),
        lambda t: t.scalar_tensor(3), lambda t: t.range(1, 4),
        lambda t: t.tril_indices(3, 3), lambda t: t.triu_indices(3, 4, 1),
    ]
    for f in cases:
        _same(f(numtorch), f(torch))


@requires_torch
def test_like_factories():
    for dt in ("float32", "float64", "int64", "bool"):
        x = np.ones((2, 3), dtype=np.bool_ if dt == "bool" else dt)
        for f in [lambda t, a: t.zeros_like(a), lambda t, a: t.ones_like(a),
                  lambda t, a: t.full_like(a, 1), lambda t, a: t.empty_like(a).zero_(),
                  lambda t, a: t.zeros_like(a, dtype=t.float64),
                  lambda t, a: a.new_zeros(2), lambda t, a: a.new_ones((1, 2)),
                  lambda t, a: a.new_full((2,), 1), lambda t, a: a.new_tensor([1, 2])]:
            parity(f, x, grad=False)
    x = numtorch.ones(2, requires_grad=True)
    assert not numtorch.zeros_like(x).requires_grad
    assert numtorch.ones_like(x, requires_grad=True).requires_grad


@requires_torch
def test_creation_errors():
    raises_like(lambda t: t.zeros(-1))
    raises_like(lambda t: t.arange(0, 5, 0))
    raises_like(lambda t: t.arange(5, 0, 1))
    raises_like(lambda t: t.linspace(0, 1, -1))
    raises_like(lambda t: t.eye(-1))
    raises_like(lambda t: t.zeros(2.5))


def test_predicates_and_meshgrid():
    assert numtorch.is_tensor(numtorch.ones(1)) and not numtorch.is_tensor([1])
    assert numtorch.is_floating_point(numtorch.ones(1))
    a, b = numtorch.arange(2), numtorch.arange(3)
    gi, gj = numtorch.meshgrid(a, b, indexing="ij")
    assert gi.shape == (2, 3) and gj.tolist() == [[0, 1, 2], [0, 1, 2]]
    gx, gy = numtorch.meshgrid(a, b, indexing="xy")
    assert gx.shape == (3, 2) and gx.tolist() == [[0, 1], [0, 1], [0, 1]]


def test_default_dtype():
    assert numtorch.get_default_dtype() is numtorch.float32
    numtorch.set_default_dtype(numtorch.float64)
    try:
        assert numtorch.tensor([1.5]).dtype is numtorch.float64
        assert numtorch.zeros(1).dtype is numtorch.float64
        assert numtorch.arange(1.0).dtype is numtorch.float64
        assert numtorch.tensor([1]).dtype is numtorch.int64
        assert repr(numtorch.tensor([1.5])) == "tensor([1.5000])"
    finally:
        numtorch.set_default_dtype(numtorch.float32)
    with pytest.raises(TypeError):
        numtorch.set_default_dtype(numtorch.int64)
