"""numtorch/ops/scans.py's logcumsumexp: values, stability, gradients (every sign of incoming
gradient, to second order) and errors against PyTorch; float64 finite differences without it.
(cumsum, cumprod, cummax and cummin are tested with the reductions.)"""

import math

import numpy as np
import pytest
from parity import check_grad, parity, raises_like, rng

import numtorch


@pytest.mark.parametrize("shape,dim", [((5,), 0), ((3, 4), 1), ((3, 4), -2), ((2, 3, 4), 1),
                                       ((), 0), ((0, 3), 1), ((2, 0), 1), ((4, 1), 1)])
def test_logcumsumexp_matches_torch(shape, dim):
    x = (rng(3).standard_normal(shape) * 3).astype(np.float32)
    parity(lambda t, v: t.logcumsumexp(v, dim), x)
    parity(lambda t, v: v.logcumsumexp(dim), x)
    parity(lambda t, v: t.logcumsumexp(v, dim=dim, out=t.empty(0)), x, grad=False)


def test_logcumsumexp_is_stable():
    x = np.array([1000.0, 1000.0, -1000.0, 1001.0], np.float32)
    out = parity(lambda t, v: t.logcumsumexp(v, 0), x)[0].detach().numpy()
    np.testing.assert_allclose(out, [1000.0, 1000.0 + math.log(2), 1000.0 + math.log(2),
                                     1001.0 + math.log1p(2 * math.exp(-1))], rtol=1e-6)
    x = np.array([-1e4, 1.0, -math.inf, 2.0, math.inf, 0.5, math.nan, 1.0], np.float32)
    parity(lambda t, v: t.logcumsumexp(v, 0), x, grad=False)
    # gradients with a dominated element and with incoming gradients of both signs and zero
    g = numtorch.tensor([1.0, -2.0, 0.0, 3.0])
    x = numtorch.tensor([1.0, 2.0, -1e4, 3.0], requires_grad=True)
    numtorch.logcumsumexp(x, 0).backward(g)
    np.testing.assert_allclose(x.grad.numpy(), [0.7322, -0.7279, 0.0, 1.9957], atol=1e-4)


def test_logcumsumexp_dtypes_and_errors_match_torch():
    x = np.linspace(-2, 3, 6).reshape(2, 3)
    parity(lambda t, v: t.logcumsumexp(v, 1), x)
    parity(lambda t, v: t.logcumsumexp(v, 1), x.astype(np.float16), atol=2e-3, rtol=1e-3)
    for fn in (lambda t, v: t.logcumsumexp(v.long(), 0), lambda t, v: t.logcumsumexp(v > 0, 0),
               lambda t, v: t.logcumsumexp(v, 2), lambda t, v: t.logcumsumexp(v, None),
               lambda t, v: t.logcumsumexp(v, (0,)), lambda t, v: t.logcumsumexp(2.0, 0)):
        raises_like(fn, x)


def test_logcumsumexp_gradients_against_finite_differences():
    x = rng(4).standard_normal((3, 4)) * 2
    check_grad(lambda t, v: t.logcumsumexp(v, 1), x, gradgrad=True)
    check_grad(lambda t, v: t.logcumsumexp(v, 0) * t.tensor([[1.0], [-2.0], [0.5]],
                                                             dtype=t.float64), x, gradgrad=True)
