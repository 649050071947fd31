"""numtorch.special against torch.special; the composites against finite differences."""

import numpy as np
import pytest
from parity import check_grad, parity, rng

X = np.array([-2.0, -0.5, 0.0, 0.3, 1.0, 2.5], np.float32)
P = np.array([0.05, 0.3, 0.5, 0.8, 0.95, 0.6], np.float32)


@pytest.mark.parametrize("name,data", [
    ("expit", X), ("logit", P), ("erf", X), ("erfc", X), ("erfinv", P * 1.8 - 0.9),
    ("exp2", X), ("expm1", X), ("log1p", P), ("entr", P), ("ndtr", X),
    ("sinc", X), ("round", X * 3.3),
])
def test_unary_special_functions_match_torch(name, data):
    parity(lambda t, x: getattr(t.special, name)(x), data)


def test_entr_at_zero_and_below_matches_torch():
    # NOTE: gradients differ there (PyTorch's are inf/NaN, numtorch's 0): values only.
    parity(lambda t, x: t.special.entr(x), np.append(X, 0.0), grad=False)


def test_reductions_and_binary_functions_match_torch():
    m = rng().standard_normal((3, 4)).astype(np.float32)
    parity(lambda t, x: t.special.logsumexp(x, 1), m)
    parity(lambda t, x: t.special.softmax(x, 0), m)
    parity(lambda t, x: t.special.log_softmax(x, 1, dtype=t.float64), m)
    # X holds a 0 (with y > 0 there): d/dx is log(y) there too, as in PyTorch.
    parity(lambda t, x, y: t.special.xlogy(x, y), X, P)
    parity(lambda t, x, y: t.special.xlog1py(x, y), X, P)
    # At x == 0 with y at the pole, values only (PyTorch's d/dy is NaN there, numtorch's 0).
    parity(lambda t, x, y: t.special.xlogy(x, y), np.append(X, 0.0), np.append(P, 0.0),
           grad=False)
    parity(lambda t, x, y: t.special.xlog1py(x, y), np.append(X, 0.0), np.append(P, -1.0),
           grad=False)


@pytest.mark.parametrize("name", ["entr", "ndtr", "sinc"])
def test_composites_gradcheck(name):
    check_grad(lambda t, x: getattr(t.special, name)(x), np.array([0.2, 0.7, 1.3, 2.1]))


def test_xlog1py_gradcheck():
    check_grad(lambda t, x, y: t.special.xlog1py(x, y), np.array([0.5, -1.2, 2.0]),
               np.array([0.3, 1.5, 0.1]))
