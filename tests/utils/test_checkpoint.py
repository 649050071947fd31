"""numtorch.utils.checkpoint: recomputed forward, the plain call's gradients."""

import numpy as np
import pytest
from parity import rng

import numtorch
from numtorch import nn
from numtorch.utils.checkpoint import checkpoint, checkpoint_sequential


def _model():
    numtorch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 8), nn.Dropout(0.5), nn.Tanh(), nn.Linear(8, 8),
                         nn.ReLU(), nn.Linear(8, 2))


def _grads(model, x):
    return [p.grad.clone() for p in model.parameters()] + [x.grad.clone()]


@pytest.mark.parametrize("use_reentrant", [True, False])
def test_checkpoint_gives_the_plain_gradients_with_the_same_dropout(use_reentrant):
    model = _model()
    x = numtorch.tensor(rng().standard_normal((5, 3)).astype(np.float32), requires_grad=True)
    numtorch.manual_seed(7)
    plain = model(x)
    plain.pow(2).sum().backward()
    want = _grads(model, x)
    model.zero_grad()
    x.grad = None
    numtorch.manual_seed(7)
    out = checkpoint(model, x, use_reentrant=use_reentrant)
    assert numtorch.equal(out, plain) and out.requires_grad
    numtorch.randn(10)  # the random state moves on before backward; the masks must not
    out.pow(2).sum().backward()
    for a, b in zip(_grads(model, x), want):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-7)


def test_non_reentrant_reaches_parameters_when_no_input_requires_grad():
    model = _model().eval()
    x = numtorch.ones(2, 3)
    checkpoint(model, x, use_reentrant=False).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    with pytest.warns(UserWarning, match="None of the inputs have requires_grad"):
        out = checkpoint(model, x, use_reentrant=True)
    assert not out.requires_grad


def test_keyword_arguments_and_tuple_outputs():
    w = numtorch.ones(3, requires_grad=True)

    def f(a, scale=1.0):
        return a * w * scale, (a * w).sum()

    x = numtorch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y, s = checkpoint(f, x, use_reentrant=False, scale=2.0)
    (y.sum() + s).backward()
    assert w.grad.tolist() == [3.0, 6.0, 9.0] and x.grad.tolist() == [3.0, 3.0, 3.0]
    with pytest.raises(ValueError, match="Unexpected keyword arguments: scale"):
        checkpoint(f, x, use_reentrant=True, scale=2.0)
    with pytest.warns(UserWarning, match="use_reentrant parameter should be passed"):
        checkpoint(f, x)


def test_checkpoint_sequential_matches_the_plain_model():
    model = _model().eval()
    x = numtorch.tensor(rng().standard_normal((4, 3)).astype(np.float32), requires_grad=True)
    model(x).sum().backward()
    want = _grads(model, x)
    model.zero_grad()
    x.grad = None
    out = checkpoint_sequential(model, 3, x, use_reentrant=False)
    out.sum().backward()
    for a, b in zip(_grads(model, x), want):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)
