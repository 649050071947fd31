"""Activation modules against torch: outputs, input and parameter gradients, reprs, inplace."""

import numpy as np
import pytest
from parity import requires_torch, rng, to_numpy, torch

import numtorch
from numtorch import nn

from .module_parity import module_parity

# Inputs include the kinks (0, +-1, +-3, 6, 20) where the gradient convention matters.
KINKS = np.array([-20.0, -6.0, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 6.0, 20.0, 25.0],
                 dtype=np.float32)


def _input():
    x = rng(7).standard_normal((3, 4, 12)).astype(np.float32) * 3
    x[0, 0] = KINKS
    return x


MODULES = [
    ("ReLU", (), {}), ("ReLU6", (), {}), ("LeakyReLU", (), {}), ("LeakyReLU", (0.2,), {}),
    ("ELU", (), {}), ("ELU", (2.0,), {}), ("SELU", (), {}), ("CELU", (), {}),
    ("CELU", (0.5,), {}), ("GELU", (), {}), ("GELU", (), {"approximate": "tanh"}),
    ("SiLU", (), {}), ("Mish", (), {}), ("Sigmoid", (), {}), ("Tanh", (), {}),
    ("Hardtanh", (), {}), ("Hardtanh", (-3.0, 3.0), {}), ("Hardsigmoid", (), {}),
    ("Hardswish", (), {}), ("Softplus", (), {}), ("Softplus", (2.0, 3.0), {}),
    ("Softsign", (), {}), ("LogSigmoid", (), {}), ("Tanhshrink", (), {}),
    ("Softshrink", (), {}), ("Softshrink", (1.0,), {}), ("Hardshrink", (), {}),
    ("Hardshrink", (3.0,), {}), ("Threshold", (0.5, -2.0), {}), ("Threshold", (3.0, 1.0), {}),
    ("Softmax", (), {"dim": 1}), ("Softmax", (), {"dim": -1}), ("LogSoftmax", (), {"dim": 1}),
    ("Softmin", (), {"dim": 2}), ("GLU", (), {}), ("GLU", (), {"dim": 1}), ("Softmax2d", (), {}),
    ("PReLU", (), {}), ("PReLU", (4,), {}), ("PReLU", (1,), {"init": 0.1}),
]


@pytest.mark.parametrize("name,args,kwargs", MODULES,
                         ids=[f"{n}{a}{k}" for n, a, k in MODULES])
def test_activation_module_matches_torch(name, args, kwargs):
    nt, th, _ = module_parity(lambda lib: getattr(lib.nn, name)(*args, **kwargs), _input(),
                              atol=1e-5, rtol=1e-4)
    assert repr(nt) == repr(th)


@pytest.mark.parametrize("name", ["ReLU", "ReLU6", "LeakyReLU", "ELU", "SELU", "CELU", "SiLU",
                                  "Mish", "Hardtanh", "Hardsigmoid", "Hardswish"])
def test_inplace_modules_match_torch(name):
    def make(lib):
        mod = getattr(lib.nn, name)(inplace=True)
        return lib.nn.Sequential(lib.nn.Linear(12, 12), mod)

    nt, th, _ = module_parity(make, _input())
    assert repr(nt) == repr(th)


@requires_torch
def test_inplace_writes_into_input():
    x = numtorch.tensor([-1.0, 2.0])
    y = nn.ReLU(inplace=True)(x)
    assert y is x and x.tolist() == [0.0, 2.0]
    leaf = numtorch.tensor([-1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        nn.ReLU(inplace=True)(leaf)


@requires_torch
def test_gelu_float64_and_large_inputs():
    x = np.array([-40.0, -10.0, -1e-3, 0.0, 1e-3, 10.0, 40.0])
    module_parity(lambda lib: lib.nn.GELU(), x, rtol=1e-10, atol=1e-12)
    module_parity(lambda lib: lib.nn.GELU("tanh"), x, rtol=1e-10, atol=1e-12)


@requires_torch
def test_softplus_and_logsigmoid_are_stable():
    x = np.array([-1e4, -100.0, -30.0, 0.0, 30.0, 100.0, 1e4], dtype=np.float32)
    module_parity(lambda lib: lib.nn.LogSigmoid(), x)
    moderate = x[np.abs(x) <= 30]
    module_parity(lambda lib: lib.nn.Softplus(threshold=1e6), moderate)
    module_parity(lambda lib: lib.nn.Softplus(beta=0.5, threshold=1e6), moderate)
    # NOTE: beyond exp's range PyTorch's softplus overflows to inf for a huge threshold;
    # numtorch's stable form gives the exact value x.
    out = nn.Softplus(threshold=1e6)(numtorch.tensor(x))
    np.testing.assert_allclose(to_numpy(out)[-2:], [100.0, 1e4])


@requires_torch
def test_prelu_on_2d_and_errors():
    x = rng(1).standard_normal((5, 3)).astype(np.float32)
    nt, _, _ = module_parity(lambda lib: lib.nn.PReLU(3), x)
    assert nt.weight.shape == (3,) and nt.weight.grad is not None
    with pytest.raises(RuntimeError):
        nn.PReLU(4)(numtorch.ones(2, 3))


@requires_torch
def test_rrelu_eval_matches_torch_and_training_is_random():
    x = _input()
    module_parity(lambda lib: lib.nn.RReLU(), x, train=False)
    m = nn.RReLU(0.1, 0.3)
    y = to_numpy(m(numtorch.tensor(x)))
    neg = x < 0
    ratio = y[neg] / x[neg]
    assert (ratio >= 0.1 - 1e-6).all() and (ratio <= 0.3 + 1e-6).all() and ratio.std() > 0
    np.testing.assert_array_equal(y[~neg], x[~neg])


@requires_torch
def test_softmax_without_dim_warns_like_torch():
    x = numtorch.ones(2, 3)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        y = nn.Softmax()(x)
    np.testing.assert_allclose(to_numpy(y), np.full((2, 3), 1 / 3), rtol=1e-6)
    assert repr(nn.Softmax()) == repr(torch.nn.Softmax())
    with pytest.raises(ValueError):
        nn.Softmax2d()(numtorch.ones(2, 2))


def test_hardtanh_validates_bounds():
    with pytest.raises(AssertionError):
        nn.Hardtanh(1.0, -1.0)
