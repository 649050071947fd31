"""numtorch.testing.assert_close: PyTorch's tolerances, results and messages."""

import math

import numpy as np
import pytest
from parity import torch

import numtorch

CASES = [
    (lambda t: (t.tensor([1.0, 2.0, 3.0]), t.tensor([1.0, 2.5, 3.0])), {}),
    (lambda t: (t.tensor([1.0, 2.0, 3.0]), t.tensor([1, 2, 3])), {}),
    (lambda t: (t.tensor([1.0, 2.0, 3.0]), t.tensor([1.0, 2.0])), {}),
    (lambda t: (1.0, 1.1), {}),
    (lambda t: ([t.ones(2)], [t.zeros(2)]), {}),
    (lambda t: ({"a": t.ones(2)}, {"a": t.ones(2) * 2}), {}),
    (lambda t: (t.tensor([1, 2]), t.tensor([1, 3])), {}),
    (lambda t: (t.tensor([math.nan]), t.tensor([math.nan])), {}),
    (lambda t: (t.ones(2, 2), t.ones(2, 2) * 1.1), {"rtol": 0, "atol": 0.05, "msg": "custom"}),
    (lambda t: (t.ones(3), t.ones(3) + 1e-6), {}),
    (lambda t: (t.tensor([math.nan]), t.tensor([math.nan])), {"equal_nan": True}),
    (lambda t: (t.ones(2), t.ones(2, dtype=t.float64)), {"check_dtype": False}),
    (lambda t: (t.ones(2, dtype=t.float16), t.ones(2, dtype=t.float16) * 1.0005), {}),
    (lambda t: (t.tensor([1.0, 2.0]), t.tensor([1.0, 2.01])), {"rtol": 1e-2, "atol": 0.0}),
]


def _outcome(lib, make, kwargs):
    try:
        lib.testing.assert_close(*make(lib), **kwargs)
    except AssertionError as exc:
        return str(exc).replace("numtorch.", "torch.")
    return None


@pytest.mark.parametrize("make,kwargs", CASES)
def test_assert_close_agrees_with_torch(make, kwargs):
    got = _outcome(numtorch, make, kwargs)
    if torch is None:
        pytest.skip("PyTorch is not installed")
    want = _outcome(torch, make, kwargs)
    assert (got is None) == (want is None), (got, want)
    if want is not None:
        assert got == want


def test_rtol_without_atol_raises_value_error():
    with pytest.raises(ValueError, match="no atol"):
        numtorch.testing.assert_close(numtorch.ones(2), numtorch.ones(2), rtol=0.1)


def test_callable_message_gets_the_default():
    with pytest.raises(AssertionError, match="^Tensor-likes are not close!!!"):
        numtorch.testing.assert_close(numtorch.zeros(1), numtorch.ones(1),
                                      msg=lambda default: default.splitlines()[0] + "!!")
    assert np.isclose(1.0, 1.0)
