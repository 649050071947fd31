"""Printing: ``repr`` is PyTorch's, character for character, but for "numtorch." in dtype
names."""

import numpy as np
import pytest
from parity import requires_torch, torch

import numtorch

CASES = [
    [1, 2, 3], [-1, 20, 300], [1.5, 2.25], [1e-5, 1.0], [1e10, 1.0], [1.0, 2.0], [-1.0, 2.0],
    [0.0, 0.0], [0.0, -0.5], [1e-9, 0.0], [123456789.0, 1.0], [1e8, 1.0], [1e9, 2.0],
    [True, False], [], [[]], 3.0, 5, True, -0.25, 1e-7, [float("nan"), 1.0, float("inf")],
    [float("nan")], [float("-inf"), 2.5], [[1.0, 2.0], [3.0, 4.0]], [0.1234567, 100.0],
    [[[1, 2], [3, 4]], [[5, 6], [7, 8]]], [[1.5, -2.0]] * 3, [0.1] * 30, list(range(40)),
    [1e-3 * i for i in range(25)], [[1e4, -1e-2], [3.0, 2.0]],
]


def _nt(data, **kw):
    return numtorch.tensor(data, **kw)


def _same(a, b):
    assert repr(a) == repr(b).replace("torch.", "numtorch."), f"\n{a!r}\n{b!r}"
    assert str(a) == str(b).replace("torch.", "numtorch.")


@requires_torch
@pytest.mark.parametrize("data", CASES, ids=lambda d: repr(d)[:30])
def test_repr_matches_torch(data):
    _same(_nt(data), torch.tensor(data))


@requires_torch
@pytest.mark.parametrize("dt", ["float64", "float16", "int32", "int16", "int8", "uint8",
                                "bool", "int64", "float32"])
def test_dtype_suffix(dt):
    for data in ([1, 0, 2], [], [[3]], 1):
        _same(_nt(data, dtype=getattr(numtorch, dt)), torch.tensor(data, dtype=getattr(torch, dt)))


@requires_torch
def test_float_values_through_dtypes():
    r = np.random.default_rng(0)
    for arr in (r.standard_normal((3, 4)), r.standard_normal(7) * 1e4, r.uniform(0, 1e-5, 4),
                np.array([1.0, 2.5, -3.75]), r.standard_normal((2, 3, 4))):
        for dt in (np.float32, np.float64, np.float16):
            a = arr.astype(dt)
            _same(numtorch.tensor(a), torch.tensor(a))


@requires_torch
def test_summarized():
    for shape in [(2000,), (40, 50), (11, 10, 10), (1001,), (3, 400)]:
        n = int(np.prod(shape))
        _same(numtorch.arange(n).reshape(shape), torch.arange(n).reshape(shape))
        _same(numtorch.arange(float(n)).reshape(shape) / 7,
              torch.arange(float(n)).reshape(shape) / 7)
    _same(numtorch.zeros(5, 0, 2), torch.zeros(5, 0, 2))


@requires_torch
def test_autograd_suffixes():
    x = numtorch.tensor([1.0, 2.0], requires_grad=True)
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    _same(x, tx)
    _same(x * 2, tx * 2)
    _same(x + 1, tx + 1)
    _same(x.exp(), tx.exp())
    _same((x * 2).sum(), (tx * 2).sum())
    _same(x.double(), tx.double())
    long_x = numtorch.arange(20.0, requires_grad=True)
    long_t = torch.arange(20.0, requires_grad=True)
    _same(long_x, long_t)
    _same(long_x.double() * 3, long_t.double() * 3)


@requires_torch
def test_printoptions():
    try:
        numtorch.set_printoptions(precision=2)
        torch.set_printoptions(precision=2)
        _same(_nt([1.23456, 2.5]), torch.tensor([1.23456, 2.5]))
        numtorch.set_printoptions(sci_mode=True)
        torch.set_printoptions(sci_mode=True)
        _same(_nt([1.5, 2.0]), torch.tensor([1.5, 2.0]))
        numtorch.set_printoptions(profile="short")
        torch.set_printoptions(profile="short")
        _same(numtorch.arange(2000.0), torch.arange(2000.0))
        numtorch.set_printoptions(linewidth=40)
        torch.set_printoptions(linewidth=40)
        _same(numtorch.arange(30.0) / 3, torch.arange(30.0) / 3)
    finally:
        numtorch.set_printoptions(profile="default")
        torch.set_printoptions(profile="default")
    assert numtorch._tensor_str.get_printoptions()["precision"] == 4


def test_known_strings_without_torch():
    assert repr(_nt([1.0, 0.0, 2.0])) == "tensor([1., 0., 2.])"
    assert repr(_nt([1, 2], dtype=numtorch.int32)) == "tensor([1, 2], dtype=numtorch.int32)"
    assert repr(numtorch.ones(2, requires_grad=True)) == "tensor([1., 1.], requires_grad=True)"
    assert repr(numtorch.ones(1, requires_grad=True) * 2) == \
        "tensor([2.], grad_fn=<MulBackward0>)"
    assert repr(numtorch.zeros(0, 3)) == "tensor([], size=(0, 3))"
    assert repr(numtorch.zeros(0, dtype=numtorch.int64)) == "tensor([], dtype=numtorch.int64)"
    assert repr(_nt(1e-5)) == "tensor(1.0000e-05)"
    assert repr(numtorch.Size([2, 3])) == "numtorch.Size([2, 3])"
    assert f"{_nt(2.5):.2f}" == "2.50"
