"""``gradcheck``/``gradgradcheck``: they pass correct rules and catch wrong ones."""

import numpy as np
import pytest

import numtorch
from numtorch.autograd import Function, GradcheckError, gradcheck, gradgradcheck


def _x(shape=(3,), seed=0):
    r = np.random.default_rng(seed)
    return numtorch.tensor(r.uniform(0.5, 1.5, shape), dtype=numtorch.float64,
                           requires_grad=True)


class WrongExp(Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y * 1.01  # deliberately 1% off


class WrongSecondDerivative(Function):
    """x^2 whose backward is right in value but not differentiable correctly: it uses a
    detached x, so the second derivative is 0 instead of 2."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 2 * x.detach()


def test_gradcheck_passes_correct_rules():
    assert gradcheck(lambda a: (a.exp() * a).sin(), (_x(),))
    assert gradcheck(lambda a, b: a * b + a / b, (_x(), _x(seed=1)))
    # fast mode: random directions
    assert gradcheck(lambda a: a.tanh() * 2, (_x((30, 40)),), fast_mode=True)


def test_gradcheck_catches_wrong_backward():
    with pytest.raises(GradcheckError, match="Jacobian mismatch"):
        gradcheck(WrongExp.apply, (_x(),))
    assert gradcheck(WrongExp.apply, (_x(),), raise_exception=False) is False
    with pytest.raises(GradcheckError):
        gradcheck(WrongExp.apply, (_x((30, 40)),), fast_mode=True)


def test_gradcheck_multiple_outputs_names_output():
    def two(a):
        return a * 2, WrongExp.apply(a)

    with pytest.raises(GradcheckError, match="output 1 with respect to input 0"):
        gradcheck(two, (_x(),))


def test_gradgradcheck():
    assert gradgradcheck(lambda a: (a * a).exp().log1p(), (_x(),))
    assert gradcheck(WrongSecondDerivative.apply, (_x(),))
    with pytest.raises(GradcheckError):
        gradgradcheck(WrongSecondDerivative.apply, (_x(),))


def test_gradcheck_input_validation():
    with pytest.raises(ValueError, match="requires_grad=True"):
        gradcheck(lambda a: a * 2, (numtorch.ones(2, dtype=numtorch.float64),))
    with pytest.warns(UserWarning, match="double precision"):
        gradcheck(lambda a: a * 2, (numtorch.ones(2, requires_grad=True),),
                  raise_exception=False)


def test_gradcheck_leaves_inputs_unchanged():
    x = _x()
    before = x.detach().numpy().copy()
    gradcheck(lambda a: a.exp(), (x,))
    assert np.array_equal(x.detach().numpy(), before) and x.grad is None
