"""Activation primitives and composites: float64 gradient checks and parity with torch."""

import numpy as np
import pytest
from parity import check_grad, parity, rng

import numtorch
from numtorch.ops import activation as A

SHAPES = [(), (5,), (3, 4), (2, 1, 3), (0, 3)]


def _away_from_kinks(shape, kinks, seed=0, scale=2.0):
    """Random float64 values at least 1e-2 from every kink (finite differences straddling a
    kink would not measure the one-sided derivative)."""
    x = np.asarray(rng(seed).standard_normal(shape) * scale)
    for k in kinks:
        close = np.abs(x - k) < 1e-2
        x = np.where(close, x + 0.05, x)
    return x


CASES = [
    ("hardtanh", lambda x: A.hardtanh(x, -1.0, 1.0), [-1, 1]),
    ("relu6", lambda x: A.relu6(x * 3), [0, 2]),
    ("leaky_relu", lambda x: A.leaky_relu(x, 0.2), [0]),
    ("elu", lambda x: A.elu(x, 1.5), [0]),
    ("selu", A.selu, [0]),
    ("celu", lambda x: A.celu(x, 0.7), [0]),
    ("gelu", A.gelu, []),
    ("gelu_tanh", lambda x: A.gelu(x, "tanh"), []),
    ("softplus", lambda x: A.softplus(x, 2.0, 3.0), [1.5]),
    ("silu", A.silu, []),
    ("mish", A.mish, []),
    ("logsigmoid", A.logsigmoid, []),
    ("softsign", A.softsign, [0]),
    ("hardsigmoid", A.hardsigmoid, [-3, 3]),
    ("hardswish", lambda x: A.hardswish(x * 3), [-1, 1]),
    ("tanhshrink", A.tanhshrink, []),
    ("softshrink", lambda x: A.softshrink(x, 0.5), [-0.5, 0.5]),
    ("hardshrink", lambda x: A.hardshrink(x, 0.5), [-0.5, 0.5]),
    ("threshold", lambda x: A.threshold(x, 0.1, -3.0), [0.1]),
]


@pytest.mark.parametrize("name,fn,kinks", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_check_grad(name, fn, kinks, shape):
    x = _away_from_kinks(shape, kinks)
    check_grad(lambda lib, x: fn(x), x)


@pytest.mark.parametrize("name,fn,kinks", [c for c in CASES if c[0] in
                                           ("elu", "gelu", "gelu_tanh", "softplus",
                                            "leaky_relu", "hardtanh")],
                         ids=lambda c: c if isinstance(c, str) else "")
def test_double_backward(name, fn, kinks):
    x = _away_from_kinks((4,), kinks, seed=3)
    check_grad(lambda lib, x: fn(x), x, gradgrad=True)


def test_prelu_and_glu_check_grad():
    x = _away_from_kinks((2, 3, 4), [0])
    w = np.array([0.1, 0.2, -0.3])
    check_grad(lambda lib, x, w: A.prelu(x, w), x, w)
    check_grad(lambda lib, x, w: A.prelu(x, w), x, np.array([0.25]))
    check_grad(lambda lib, x: A.glu(x, 1), rng(1).standard_normal((2, 4, 3)))


TORCH_FNS = [
    ("hardtanh", lambda lib, x: lib.nn.functional.hardtanh(x, -2.0, 2.0)),
    ("relu6", lambda lib, x: lib.nn.functional.relu6(x)),
    ("leaky_relu", lambda lib, x: lib.nn.functional.leaky_relu(x, 0.3)),
    ("elu", lambda lib, x: lib.nn.functional.elu(x, 0.5)),
    ("selu", lambda lib, x: lib.nn.functional.selu(x)),
    ("celu", lambda lib, x: lib.nn.functional.celu(x, 2.0)),
    ("gelu", lambda lib, x: lib.nn.functional.gelu(x)),
    ("gelu_tanh", lambda lib, x: lib.nn.functional.gelu(x, approximate="tanh")),
    ("softplus", lambda lib, x: lib.nn.functional.softplus(x, 1.0, 2.0)),
    ("logsigmoid", lambda lib, x: lib.nn.functional.logsigmoid(x)),
    ("hardswish", lambda lib, x: lib.nn.functional.hardswish(x)),
    ("hardsigmoid", lambda lib, x: lib.nn.functional.hardsigmoid(x)),
    ("mish", lambda lib, x: lib.nn.functional.mish(x)),
    ("silu", lambda lib, x: lib.nn.functional.silu(x)),
    ("softshrink", lambda lib, x: lib.nn.functional.softshrink(x, 1.0)),
    ("hardshrink", lambda lib, x: lib.nn.functional.hardshrink(x, 1.0)),
    ("threshold", lambda lib, x: lib.nn.functional.threshold(x, 1.0, 0.5)),
    ("tanhshrink", lambda lib, x: lib.nn.functional.tanhshrink(x)),
    ("softsign", lambda lib, x: lib.nn.functional.softsign(x)),
]


@pytest.mark.parametrize("name,fn", TORCH_FNS, ids=[c[0] for c in TORCH_FNS])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_parity_at_kinks(name, fn, dtype):
    x = np.array([[-6.0, -3.0, -2.0, -1.0, -0.5, 0.0], [0.5, 1.0, 2.0, 3.0, 6.0, 7.5]],
                 dtype=dtype)
    parity(fn, x)


def test_integer_input_is_promoted_to_float():
    out = A.elu(numtorch.tensor([-1, 2]))
    assert out.dtype == numtorch.float32


def test_argument_errors():
    with pytest.raises(RuntimeError, match="approximate argument"):
        A.gelu(numtorch.ones(1), "fast")
    with pytest.raises(RuntimeError, match="Halving dimension must be even"):
        A.glu(numtorch.ones(3))
    with pytest.raises(ValueError):
        A.hardtanh(numtorch.ones(1), 2.0, 1.0)
    with pytest.raises(TypeError):
        A.elu([1.0])
