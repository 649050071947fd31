"""nn.init: gains, fans, distributions, deterministic fills, generator, errors."""

import math

import numpy as np
import pytest
from parity import requires_torch, to_numpy, torch

import numtorch
from numtorch import nn
from numtorch.nn import init


@requires_torch
def test_calculate_gain_matches_torch():
    cases = [("linear", None), ("conv1d", None), ("conv2d", None), ("conv3d", None),
             ("conv_transpose1d", None), ("conv_transpose2d", None), ("conv_transpose3d", None),
             ("sigmoid", None), ("tanh", None), ("relu", None), ("leaky_relu", None),
             ("leaky_relu", 0.2), ("leaky_relu", 3), ("selu", None)]
    for name, param in cases:
        assert init.calculate_gain(name, param) == torch.nn.init.calculate_gain(name, param)
    for lib in (init, torch.nn.init):
        with pytest.raises(ValueError, match="Unsupported nonlinearity"):
            lib.calculate_gain("swish")
        with pytest.raises(ValueError, match="not a valid number"):
            lib.calculate_gain("leaky_relu", True)


@requires_torch
def test_fans_match_torch():
    for shape in [(3, 4), (8, 3, 5), (6, 2, 3, 3), (4, 2, 1, 2, 3)]:
        assert init._calculate_fan_in_and_fan_out(numtorch.empty(*shape)) == \
            torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(numtorch.empty(3))


def _stats(t):
    a = to_numpy(t).astype(np.float64)
    return a.mean(), a.std(), a.min(), a.max()


def test_uniform_and_normal():
    mean, std, lo, hi = _stats(init.uniform_(numtorch.empty(200, 200), -2.0, 3.0))
    assert lo >= -2 and hi <= 3 and abs(mean - 0.5) < 0.03 and abs(std - 5 / math.sqrt(12)) < 0.02
    mean, std, _, _ = _stats(init.normal_(numtorch.empty(200, 200), 1.0, 0.5))
    assert abs(mean - 1) < 0.01 and abs(std - 0.5) < 0.01


def test_trunc_normal():
    mean, std, lo, hi = _stats(init.trunc_normal_(numtorch.empty(300, 300), std=1.0, a=-1.0,
                                                  b=1.0))
    assert lo >= -1 and hi <= 1 and abs(mean) < 0.01
    # std of a standard normal truncated to [-1, 1]
    assert abs(std - 0.5379) < 0.01
    with pytest.warns(UserWarning, match="mean is more than 2 std"):
        init.trunc_normal_(numtorch.empty(3), mean=10.0)


def test_xavier_and_kaiming_statistics():
    t = numtorch.empty(300, 200)
    bound = math.sqrt(6 / 500)
    _, std, lo, hi = _stats(init.xavier_uniform_(t))
    assert -bound <= lo and hi <= bound and abs(std - bound / math.sqrt(3)) < 0.01 * bound * 3
    _, std, _, _ = _stats(init.xavier_normal_(t, gain=2.0))
    assert abs(std - 2 * math.sqrt(2 / 500)) < 0.002
    _, std, lo, hi = _stats(init.kaiming_uniform_(t, nonlinearity="relu"))
    b = math.sqrt(2) * math.sqrt(3 / 200)
    assert -b <= lo and hi <= b and abs(std - b / math.sqrt(3)) < 0.003
    _, std, _, _ = _stats(init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"))
    assert abs(std - math.sqrt(2 / 300)) < 0.001
    conv = numtorch.empty(16, 8, 3, 3)
    _, std, _, _ = _stats(init.kaiming_normal_(conv, a=0.1))
    assert abs(std - math.sqrt(2 / 1.01) / math.sqrt(72)) < 0.01
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(t, mode="fan_avg")
    with pytest.warns(UserWarning, match="no-op"):
        init.kaiming_uniform_(numtorch.empty(0, 3))


@requires_torch
def test_deterministic_fills_match_torch():
    for fn, shape, args in [(init.eye_, (3, 5), ()), (init.dirac_, (4, 2, 3), ()),
                            (init.dirac_, (6, 2, 3, 3), (2,)), (init.dirac_, (2, 2, 1, 3, 3), ()),
                            (init.constant_, (2, 3), (0.3,)), (init.ones_, (2,), ()),
                            (init.zeros_, (2, 2), ())]:
        th_fn = getattr(torch.nn.init, fn.__name__)
        a = fn(numtorch.empty(*shape), *args)
        b = th_fn(torch.empty(*shape), *args)
        np.testing.assert_array_equal(to_numpy(a), to_numpy(b))
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions"):
        init.eye_(numtorch.empty(2, 2, 2))
    with pytest.raises(ValueError, match="Only tensors with 3, 4, or 5 dimensions"):
        init.dirac_(numtorch.empty(2, 2))


def test_orthogonal_and_sparse():
    for shape in [(5, 5), (3, 7), (7, 3), (4, 2, 3)]:
        t = init.orthogonal_(numtorch.empty(*shape), gain=2.0)
        w = to_numpy(t).reshape(shape[0], -1).astype(np.float64)
        small = min(w.shape)
        gram = w @ w.T if w.shape[0] == small else w.T @ w
        np.testing.assert_allclose(gram, 4 * np.eye(small), atol=1e-5)
    s = to_numpy(init.sparse_(numtorch.empty(10, 6), 0.3, std=0.1))
    assert ((s == 0).sum(0) == 3).all()


def test_generator_and_no_graph():
    g = numtorch.Generator().manual_seed(7)
    a = to_numpy(init.normal_(numtorch.empty(5), generator=g)).copy()
    g.manual_seed(7)
    b = to_numpy(init.normal_(numtorch.empty(5), generator=g))
    np.testing.assert_array_equal(a, b)
    numtorch.manual_seed(4)
    c = to_numpy(init.kaiming_uniform_(numtorch.empty(3, 3))).copy()
    numtorch.manual_seed(4)
    np.testing.assert_array_equal(c, to_numpy(init.kaiming_uniform_(numtorch.empty(3, 3))))
    p = nn.Parameter(numtorch.empty(4, 4))
    out = init.xavier_uniform_(p)
    assert out is p and p.is_leaf and p.grad_fn is None and p.requires_grad


def test_deprecated_aliases_warn():
    with pytest.warns(FutureWarning):
        init.xavier_uniform(numtorch.empty(2, 2))
