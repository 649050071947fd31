"""What the differential fuzzer and the in-place matrix found, pinned as plain tests (one per
class of mismatch, each against PyTorch), so that a fix cannot regress unnoticed even when the
generated search does not happen to meet the case again."""

import numpy as np
import pytest
from parity import parity, raises_like, requires_torch, torch

import numtorch

pytestmark = requires_torch


def _grads(lib, fn):
    x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
    fn(lib, x).sum().backward()
    return x.grad.detach().numpy() if lib is torch else x.grad.numpy()


@pytest.mark.parametrize("name,fn", [
    # fill_ of a non-leaf: the filled values are constants, no gradient to the old ones
    ("fill_", lambda lib, x: (lambda y: (y.fill_(1.5), y * x)[1])(x * 2)),
    ("fill_view", lambda lib, x: (lambda y: (y[1:].fill_(1.5), y * x)[1])(x * 2)),
    ("copy_const", lambda lib, x: (lambda y: (y.copy_(lib.zeros(3)), y * x)[1])(x * 2)),
    ("zero_view", lambda lib, x: (lambda y: (y[:2].zero_(), y * x)[1])(x * 2)),
    # an in-place comparison overwrites with 0/1
    ("le_", lambda lib, x: (lambda y: (y.le_(x.detach()), y * x)[1])(x * 2)),
    # an in-place op on the base of an existing view: the view follows the new history
    ("base_of_view", lambda lib, x: (lambda y: (lambda v: (y.mul_(3), v)[1])(y[1:]))(x * 2)),
    ("sibling_view", lambda lib, x: (lambda y: (lambda a, b: (a.fill_(0), b)[1])(
        y[:2], y[1:]))(x * 2)),
])
def test_inplace_gradients_follow_pytorch(name, fn):
    np.testing.assert_allclose(_grads(numtorch, fn), _grads(torch, fn))


def test_out_refuses_autograd_and_bad_casts():
    x = np.array([1.0, 2.0], dtype=np.float32)
    raises_like(lambda lib, a: lib.exp(a.requires_grad_(), out=lib.empty(2)), x,
                match="out=... arguments don't support automatic differentiation")
    raises_like(lambda lib, a: lib.exp(a, out=lib.empty(2).requires_grad_()), x)
    raises_like(lambda lib, a: lib.add(a, a, out=lib.empty(2, dtype=lib.int64)), x,
                match="can't be cast to the desired output type Long")


@pytest.mark.parametrize("name", ["fmax", "fmin", "hypot", "copysign", "xlogy", "bitwise_and",
                                  "logit", "erfc", "rad2deg", "float_power", "signbit",
                                  "nan_to_num", "frac", "addcdiv"])
def test_out_is_accepted_everywhere(name):
    a = np.array([0.5, 0.25], dtype=np.float32)
    args = {"bitwise_and": (np.array([3, 5]), np.array([1, 4]))}.get(name)
    if args is None:
        n = {"logit": 1, "erfc": 1, "rad2deg": 1, "signbit": 1, "nan_to_num": 1, "frac": 1,
             "addcdiv": 3}.get(name, 2)
        args = (a,) * n
    parity(lambda lib, *xs: (lambda o: (getattr(lib, name)(*xs, out=o), o)[1])(
        getattr(lib, name)(*xs).new_empty(0)), *args, grad=False)


def test_fmod_gradient_and_piecewise_constant_nodes():
    a, b = np.array([1.5, -2.5, 0.3]), np.array([0.7, 0.7, 2.0])
    parity(lambda lib, x, y: lib.fmod(x, y), a, b)
    parity(lambda lib, x, y: lib.div(x, y, rounding_mode="floor"), a, b)
    raises_like(lambda lib, x, y: lib.floor_divide(x.requires_grad_(), y).sum().backward(), a, b)
    raises_like(lambda lib, x, y: lib.heaviside(x.requires_grad_(), y).sum().backward(), a, b)


def test_copysign_with_numbers_and_bools():
    parity(lambda lib, x: lib.copysign(x, -1.5), np.array([1.0, -2.0, 0.0]))
    parity(lambda lib, x: lib.copysign(x, 2), np.array([True, False]), grad=False)
    parity(lambda lib, x, y: lib.copysign(x, y), np.array([1.0, -2.0]), np.array([-0.0, 3.0]))


def test_inplace_on_expanded_tensor_raises():
    raises_like(lambda lib, x: (x * 1).expand(3, 2).add_(1), np.ones((1, 2)),
                match="more than one element of the written-to tensor")
    # ... except when it has no elements
    parity(lambda lib, x: x.clone().expand(0, 2).add_(1), np.ones((1, 2)))


def test_version_counter_error_on_saved_output_changed_in_place():
    raises_like(lambda lib, x: (lambda y: (y.tanh_(), y.sum().backward()))(
        (x.requires_grad_() * 1).tanh_()), np.ones(3), match="modified by an inplace operation")
    # relu saves a mask and checks its output's version: relu_ moves that check to the tensor
    # it wrote, so a later in-place change of it is caught
    raises_like(lambda lib, x: (lambda y: (y.mul_(1.0), y.sum().backward()))(
        (x.requires_grad_() * 2).relu_()), np.ones(()), match="modified by an inplace operation")
    # pow with a number exponent saves its input only, as PyTorch: no error
    parity(lambda lib, x: (lambda y: (y.relu_(), y)[1])((x * 1).pow_(2)), np.ones(3))


def test_multi_output_views_refuse_in_place():
    raises_like(lambda lib, x: (x.requires_grad_() * 1).split(2)[0].mul_(2), np.ones(4),
                match="returns multiple views")
    raises_like(lambda lib, x: (x.requires_grad_() * 1).unbind(0)[1].zero_(), np.ones((2, 2)))


def test_pytorch_keyword_names():
    x = np.arange(6.0).reshape(2, 3)
    parity(lambda lib, t: lib.reshape(t, shape=(3, 2)), x)
    parity(lambda lib, t: t.permute(dims=(1, 0)), x)
    parity(lambda lib, t: lib.flip(t, dims=(0,)), x)
    parity(lambda lib, t: lib.tensor_split(t, sections=2, dim=1), x)
    parity(lambda lib, t: lib.tensor_split(t, indices=[1], dim=1), x)
    parity(lambda lib, t: lib.positive(t), x)
    raises_like(lambda lib, t: t.repeat(), x)
    raises_like(lambda lib, t: t.expand(), x)


def test_empty_products_backward():
    parity(lambda lib, a, b: lib.tensordot(a, b, dims=1), np.ones((0, 2)), np.ones((2, 3)))
    parity(lambda lib, a, b: lib.mv(a, b), np.ones((0, 2)), np.ones(2))
    parity(lambda lib, a, b: lib.matmul(a, b), np.ones((2, 0, 3)), np.ones(3))


def test_zero_dim_dims_and_threshold_nan():
    raises_like(lambda lib, t: lib.argsort(t, dim=1, stable=True), np.array(1.0))
    raises_like(lambda lib, t: lib.sort(t, dim=-2), np.array(1.0))
    parity(lambda lib, t: lib.nn.functional.threshold(t, 0.5, -1.0),
           np.array([np.nan, 0.2, 2.0]), grad=False)


@pytest.mark.parametrize("fn", [
    lambda lib, a, b: a // b, lambda lib, a, b: lib.remainder(a, b),
    lambda lib, a, b: lib.fmod(a, b), lambda lib, a, b: lib.div(a, b, rounding_mode="trunc"),
    lambda lib, a, b: lib.div(a, b, rounding_mode="floor"),
])
def test_integer_division_by_zero_raises(fn):
    raises_like(fn, np.array([3, 4]), np.array([0, 2]), match="ZeroDivisionError")


def test_float_alpha_with_integer_tensors_raises():
    raises_like(lambda lib, a, b: lib.add(a, b, alpha=0.5), np.array([3, 4]), np.array([1, 2]),
                match="alpha must not be a floating point number")
    parity(lambda lib, a, b: lib.sub(a, b, alpha=2), np.array([3, 4]), np.array([1, 2]))


def test_unbind_of_a_vector_gives_views():
    parity(lambda lib, x: (lambda y: (y.unbind(0)[1].mul_(3), y)[1])(x.detach().clone()),
           np.ones(3), grad=False)
    raises_like(lambda lib, x: (x.requires_grad_() * 1).unbind(0)[0].add_(1), np.ones(1))


def test_out_takes_a_tuple_for_several_results():
    x = np.array([[3.0, 1.0], [2.0, 5.0]])
    parity(lambda lib, t: (lambda v, i: (lib.max(t, 1, out=(v, i)), v, i)[1:])(
        lib.empty(0, dtype=t.dtype), lib.empty(0, dtype=lib.int64)), x, grad=False)
    parity(lambda lib, t: (lambda o: (lib.cumsum(t, 0, out=o), o)[1])(
        lib.empty(2, 2, dtype=t.dtype)), x, grad=False)


def test_promotion_of_xlogy_and_alpha():
    parity(lambda lib, a, b: lib.xlogy(a, b), np.array([1.0], dtype=np.float32),
           np.array(2.0))
    parity(lambda lib, a, b: lib.add(a, b, alpha=0.5), np.array(1.0, dtype=np.float16),
           np.array([[1]], dtype=np.int32))
    parity(lambda lib, a, b: lib.add(a, b, alpha=-1), np.array(True), np.array(True))
    raises_like(lambda lib, a, b: lib.fmod(a, b), np.array([True]), np.array([True]))
    raises_like(lambda lib, a, b: lib.remainder(a, b), np.array([True]), np.array([True]))


def test_sign_and_alpha_keep_the_operands_dtypes():
    parity(lambda lib, a, b: lib.copysign(a, b), np.array([2, 1, 0], dtype=np.uint8),
           np.array(-1))
    parity(lambda lib, a, b: lib.add(a, b, alpha=2), np.array(1, dtype=np.int32),
           np.ones((2, 4), dtype=bool))
    parity(lambda lib, a, b: lib.add(a, b, alpha=2), np.ones(2, dtype=np.uint8),
           np.ones(2, dtype=bool))


def test_views_made_by_as_strided_are_views():
    # diagonal() is an as_strided view: an in-place change of a view of it reaches the base
    parity(lambda lib, x: (lambda y: (lambda d: (d.t().mul_(3), y, d))(y.diagonal(0, 0, -1)))(
        1 + x), np.array([[1.0], [2.0]]))


def test_views_of_multi_output_views_refuse_in_place():
    raises_like(lambda lib, x: (x.requires_grad_() * 2).split(1)[0][0].zero_(), np.ones(1),
                match="returns multiple views")


def test_zero_gradients_stay_zero_under_infinite_gradients():
    # zero_/fill_ and where send zeros back, not 0 * (incoming gradient), which is NaN at inf
    parity(lambda lib, x: (lambda y: (y.zero_(), y.abs_().sqrt_())[1])(x.clone()),
           np.array([0.5, 2.0]))
    parity(lambda lib, x: lib.where(x > 1, x, lib.zeros(2, dtype=x.dtype)).sqrt(),
           np.array([0.0, 4.0]))


def test_sign_of_nan_and_logit_of_bools():
    parity(lambda lib, x: lib.sign(x), np.array([np.nan, -2.0, 0.0]), grad=False)
    parity(lambda lib, x: lib.logit(x), np.array([True, False]), grad=False)


def test_empty_dims_outside_the_reduction_or_product():
    parity(lambda lib, x: lib.linalg.vector_norm(x, ord=float("inf"), dim=1, keepdim=True),
           np.ones((1, 1, 0)))
    parity(lambda lib, a, b: a @ b, np.ones((3, 1, 0)), np.ones((0, 1)))
