"""What the differential fuzzer and the in-place matrix found, pinned as plain tests (one per
class of mismatch, each against PyTorch), so that a fix cannot regress unnoticed even when the
generated search does not happen to meet the case again."""

import numpy as np
import pytest
from parity import check_grad, parity, raises_like, requires_torch, torch

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


# --- binary ops on two bools: PyTorch has no bool kernel for some (pow, remainder, fmod, sub)
def _bool_cases():
    from fuzz.harness import Arg
    from fuzz.optable import OPS

    t, f = np.array([True, False]), np.array(True)
    forms = {"tensors": [Arg(t), Arg(t[::-1].copy())], "0-d": [Arg(t), Arg(f)],
             "number_right": [Arg(t), Arg(np.array(True), "scalar")],
             "number_left": [Arg(np.array(False), "scalar"), Arg(t)]}
    for op in OPS:
        if op.family not in ("binary", "operator") or op.name == "where":
            continue
        n = 3 if op.name in ("lerp", "addcmul", "addcdiv") else 2
        for form, args in forms.items():
            if n == 3 and form.startswith("number"):
                continue
            variants = [v for v in op.variants() if not v.startswith("out")]
            for variant in variants:
                if variant != "call" and form == "number_left":
                    continue
                if variant == "inplace" and form == "number_right" and op.name in (
                        "atan2", "hypot"):
                    continue  # (a number where a tensor is needed: a TypeError in PyTorch)
                yield pytest.param(op, (args + [Arg(t)])[:n], variant,
                                   id=f"{op.name}-{form}-{variant}")


@pytest.mark.parametrize("op,args,variant", list(_bool_cases()))
def test_binary_ops_on_bools_follow_pytorch(op, args, variant):
    # bool ** bool raised nowhere in numtorch (it computed in int8); PyTorch refuses it
    from fuzz.harness import Case, run_case

    run_case(Case(op, args, {}, variant, False))


def test_bool_pow_raises_not_implemented():
    t = np.array([True, False])
    for fn in (lambda lib, a: a ** a, lambda lib, a: True ** a, lambda lib, a: a.clone().pow_(a),
               lambda lib, a: lib.pow(a, lib.tensor(True))):
        raises_like(fn, t, match="\"pow\" not implemented for 'Bool'")
    parity(lambda lib, a: (a ** True, a ** 2, 2 ** a, a ** 2.0), t, grad=False)


# --- var/std with N - correction <= 0: PyTorch's backward rules (whole-tensor reductions: inf,
# NaN where x equals the mean; with dims: 2 (x - mean) / (N - correction), unclamped)
def _var_cases():
    for shape in [(), (1,), (2,), (3,), (0,), (1, 2), (2, 3), (3, 2, 1)]:
        for dim in [None] + list(range(-len(shape), len(shape))) + [tuple(range(len(shape)))]:
            for kw in [{}, {"correction": 0}, {"correction": 2}, {"correction": 4}]:
                yield shape, dim, kw


@pytest.mark.parametrize("fname", ["var", "std", "var_mean", "std_mean"])
def test_var_std_gradients_with_few_degrees_of_freedom(fname):
    r = np.random.default_rng(0)
    for shape, dim, kw in _var_cases():
        for constant in (False, True):
            a = r.uniform(-2, 2, size=shape)
            if constant:
                a[...] = 0.75  # every element equals the mean
            k = dict(kw) if dim is None else dict(kw, dim=dim, keepdim=len(shape) % 2 == 1)
            with np.errstate(all="ignore"):
                import warnings

                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    parity(lambda lib, x: getattr(lib, fname)(x, **k), a)


@pytest.mark.parametrize("fn", [
    lambda lib, x: lib.var(x, 1, correction=0),
    lambda lib, x: lib.var(x, (0, 2), correction=2, keepdim=True),
    lambda lib, x: x.std(correction=3),
    lambda lib, x: lib.std(x, -1, keepdim=True),
    lambda lib, x: sum(lib.var_mean(x, 0, correction=1)),
    lambda lib, x: sum(lib.std_mean(x, (1, 2), correction=0)),
])
def test_var_std_gradcheck(fn):
    check_grad(fn, np.random.default_rng(1).uniform(-2, 2, size=(3, 2, 4)), gradgrad=True)


def test_logsumexp_of_no_dims_reduces_all():
    # PyTorch raises for dim=() without keepdim (a bug: it reduces every dim with keepdim)
    x = np.random.default_rng(2).standard_normal((2, 3))
    parity(lambda lib, t: lib.logsumexp(t, (), keepdim=True), x)
    t = numtorch.tensor(x)
    np.testing.assert_allclose(numtorch.logsumexp(t, ()).numpy(),
                               numtorch.logsumexp(t, (0, 1)).numpy())


def test_kthvalue_orders_ties_by_position():
    # (PyTorch leaves it open: its selection algorithm picks one of the equal values)
    x = np.array([[1.0, 0.0, 1.0, 0.0], [2.0, 2.0, 2.0, 2.0]])
    parity(lambda lib, t: lib.kthvalue(t, 2, 1).values, x, grad=False)
    t = numtorch.tensor(x, requires_grad=True)
    v, i = numtorch.kthvalue(t, 2, 1)
    assert i.tolist() == [3, 1]
    v.sum().backward()
    assert t.grad.tolist() == [[0, 0, 0, 1], [0, 1, 0, 0]]


@pytest.mark.parametrize("name", ["tril_", "triu_"])
def test_triangular_in_place_on_expanded_tensor_raises(name):
    # PyTorch writes the shared elements in an unspecified order (and fails at backward)
    x = numtorch.ones(1, 1).expand(1, 3)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        getattr(x, name)()
    parity(lambda lib, t: getattr(t.clone().expand(3, 3).clone(), name)(), np.ones((1, 3)))


def test_remainder_of_a_number_by_a_tensor_has_a_gradient():
    # PyTorch has no derivative for remainder(number, tensor) and raises at backward; numtorch
    # gives the one PyTorch gives with a 0-d tensor in the number's place
    x = np.array([0.7, -1.3, 3.0, 0.45])
    parity(lambda lib, t: (2.5 if lib is numtorch else torch.tensor(2.5, dtype=t.dtype)) % t, x)
    parity(lambda lib, t: lib.remainder(-3 if lib is numtorch else torch.tensor(-3.0,
                                        dtype=t.dtype), t), x)
    check_grad(lambda lib, t: 2.5 % t, x)


# --- a tensor overwritten from a tensor in the graph: the old values get a zero gradient, and
# an infinite old value must not leak into the new ones (copy_ computed src + old * 0: NaN)
_OVERWRITES = {
    "copy_": lambda lib, y, z: y.copy_(z),
    "copy_vec": lambda lib, y, z: y.copy_(z.expand(3) * 1),
    "fill_": lambda lib, y, z: y.fill_(z),
    "setitem": lambda lib, y, z: y.__setitem__(slice(0, 2), z) or y,
    "setitem_index": lambda lib, y, z: y.__setitem__(lib.tensor([0, 2]), z) or y,
    "setitem_mask": lambda lib, y, z: y.__setitem__(y.detach() > 0, z) or y,
    "index_put_": lambda lib, y, z: y.index_put_((lib.tensor([0, 2]),), z.expand(2) * 1),
    "index_put_acc": lambda lib, y, z: y.index_put_((lib.tensor([0, 2]),), z.expand(2) * 1,
                                                    accumulate=True),
    "index_copy_": lambda lib, y, z: y.index_copy_(0, lib.tensor([0, 2]), z.expand(2) * 1),
    "index_fill_": lambda lib, y, z: y.index_fill_(0, lib.tensor([0, 2]), z),
    "masked_fill_": lambda lib, y, z: y.masked_fill_(lib.tensor([True, False, True]), z),
    "masked_scatter_": lambda lib, y, z: y.masked_scatter_(lib.tensor([True, False, True]),
                                                           z.expand(3) * 1),
    "scatter_": lambda lib, y, z: y.scatter_(0, lib.tensor([0, 2]), z.expand(2) * 1),
    "lerp_": lambda lib, y, z: y.lerp_(z.expand(3), 1.0),
    "where": lambda lib, y, z: lib.where(lib.tensor([True, False, True]), z, y),
    "index_copy": lambda lib, y, z: y.index_copy(0, lib.tensor([0, 2]), z.expand(2) * 1),
    "scatter": lambda lib, y, z: y.scatter(0, lib.tensor([0, 2]), z.expand(2) * 1),
}


@pytest.mark.parametrize("name", sorted(_OVERWRITES))
def test_overwriting_infinite_values_from_the_graph(name):
    f = _OVERWRITES[name]
    with np.errstate(all="ignore"):
        parity(lambda lib, x, z: f(lib, x * 1, z), np.array([np.inf, -np.inf, 2.0]),
               np.array(0.5))


def test_chain_of_overflowing_exps_then_copy_from_a_0d_tensor():
    # exp four times overflows to inf; copy_ from a 0-d tensor requiring grad gave NaN
    def chain(lib, x, z):
        ys = [x.t()]
        for _ in range(4):
            ys.append(ys[-1].exp())
        ys[-1].copy_(z)
        return ys

    with np.errstate(all="ignore"):
        parity(chain, np.array([[0.9, -0.5, 1.0], [0.99, 0.3, 0.2]], dtype=np.float32),
               np.array(0.5, dtype=np.float32), grad_inputs=(1,))


# --- zero gradients under infinite incoming gradients: masks are selections, not products
# (0 * inf is NaN); PyTorch's backward formulas select
_MASKED = {
    "relu": lambda lib, x, y: lib.relu(x),
    "relu_": lambda lib, x, y: (x * 1).relu_(),
    "relu6": lambda lib, x, y: lib.nn.functional.relu6(x),
    "hardtanh": lambda lib, x, y: lib.nn.functional.hardtanh(x, -0.5, 0.5),
    "hardshrink": lambda lib, x, y: lib.nn.functional.hardshrink(x, 0.6),
    "softshrink": lambda lib, x, y: lib.nn.functional.softshrink(x, 0.6),
    "clamp": lambda lib, x, y: lib.clamp(x, -0.5, 0.5),
    "clamp_min": lambda lib, x, y: lib.clamp(x, min=0.0),
    "clamp_tensors": lambda lib, x, y: lib.clamp(x, min=y, max=y + 1),
    "clamp_crossed": lambda lib, x, y: lib.clamp(x, min=y + 1, max=y),
    "maximum": lambda lib, x, y: lib.maximum(x, y),
    "minimum": lambda lib, x, y: lib.minimum(x, y),
    "fmax": lambda lib, x, y: lib.fmax(x, y),
    "fmin": lambda lib, x, y: lib.fmin(x, y),
    "pow0": lambda lib, x, y: lib.pow(x, 0),
    "pow_tensor0": lambda lib, x, y: lib.pow(x, y * 0),
    "copysign": lambda lib, x, y: lib.copysign(x, y),
    "setitem_view": lambda lib, x, y: (lambda t: (t[1:2].fill_(2.0), t)[1])(x * 1),
    "scatter_reduce_prod": lambda lib, x, y: (x * 1).scatter_reduce(
        0, lib.tensor([0, 0, 2]), y.expand(3) * 1, "prod", include_self=False),
}


@pytest.mark.parametrize("name", sorted(_MASKED))
def test_zero_gradients_stay_zero_under_infinite_incoming_gradients(name):
    f = _MASKED[name]
    x, y = np.array([0.75, -1.25, 0.0]), np.array(0.0)
    w = np.array([np.inf, -np.inf, np.inf])
    grads = {}
    for lib in (numtorch, torch):
        xs = lib.tensor(x, requires_grad=True), lib.tensor(y, requires_grad=True)
        out = f(lib, *xs)
        (out * lib.tensor(w)).sum().backward()
        grads[lib] = [None if t.grad is None else t.grad.detach().numpy() for t in xs]
    for a, b in zip(grads[numtorch], grads[torch]):
        if b is None:
            assert a is None or not np.any(a)
        else:
            np.testing.assert_array_equal(a, b)
    x = np.array([0.75, 1.25, 0.3]) if name.startswith("pow") else np.array([0.75, -1.25, 0.3])
    check_grad(lambda lib, a, b: f(lib, a, b), x, np.array(0.1))


def test_frobenius_norm_takes_at_most_two_dims():
    x = np.random.default_rng(3).standard_normal((2, 3, 2))
    for p in ("fro", "nuc"):
        raises_like(lambda lib, t: lib.norm(t, p, (0, 1, 2)), x,
                    match=r"dim must be a 2-tuple. Got 0 1 2")
    raises_like(lambda lib, t: t.norm(dim=[0, -1, 1]), x, match="Got 0 -1 1")
    parity(lambda lib, t: (lib.norm(t, None, (0, 1, 2)), lib.norm(t, 3, (0, 1, 2)),
                           lib.norm(t, dim=(0, 2))), x)


def test_nan_to_num_in_place_on_integers_writes_nothing():
    # (so an expanded integer tensor is accepted, as in PyTorch; a float one still raises)
    parity(lambda lib, x: x.expand(2, 3).nan_to_num_(), np.ones((1, 3), dtype=np.int32))
    parity(lambda lib, x: x.expand(2, 3).nan_to_num_(), np.ones((1, 3), dtype=bool))
    raises_like(lambda lib, x: x.clone().expand(2, 3).nan_to_num_(), np.ones((1, 3)))
    parity(lambda lib, x: (x * 1).nan_to_num_(nan=2.0, posinf=5.0),
           np.array([np.nan, np.inf, -1.0]))


def test_bool_to_a_negative_integer_power_raises_like_integers():
    for fn in (lambda lib, x: x.pow(-1), lambda lib, x: x ** -2, lambda lib, x: x.clone().pow_(-1)):
        raises_like(fn, np.array([True, False]), match="negative integer powers")
    parity(lambda lib, x: (x ** -1.5, x ** 0), np.array([True, False]), grad=False)


@pytest.mark.parametrize("dt", ["int32", "int16", "int8", "uint8", "bool", "int64", "float16"])
def test_accumulations_keep_the_requested_dtype(dt):
    # NumPy widens small integers (int32 sums to int64, uint8 products to uint64)
    x = np.arange(6).reshape(2, 3).astype(dt) % 3
    fns = [lambda lib, t, d: lib.sum(t, (0,), dtype=d), lambda lib, t, d: lib.sum(t, dtype=d),
           lambda lib, t, d: lib.sum(t[0, 0], (0,), True, dtype=d),
           lambda lib, t, d: lib.prod(t, 0, dtype=d), lambda lib, t, d: t.prod(dtype=d),
           lambda lib, t, d: lib.nansum(t, 1, dtype=d), lambda lib, t, d: t.sum(0, dtype=d)]
    cum = [lambda lib, t, d: lib.cumsum(t, 0, dtype=d), lambda lib, t, d: t.cumprod(1, dtype=d)]
    for fn in fns + cum:
        if dt == "bool" and fn in cum:
            raises_like(lambda lib, t: fn(lib, t, getattr(lib, dt)), x, match="not implemented")
        else:
            parity(lambda lib, t: fn(lib, t, getattr(lib, dt)), x, grad=False)


@pytest.mark.parametrize("name", ["max", "min", "median", "amax"])
def test_full_selections_send_zeros_elsewhere_under_infinite_gradients(name):
    x = np.array([1.0, 3.0, 2.0, 3.0, 1.0])
    g = {}
    for lib in (numtorch, torch):
        t = lib.tensor(x, requires_grad=True)
        (getattr(t, name)() * lib.tensor(np.inf)).backward()
        g[lib] = t.grad.detach().numpy()
    finite = np.isfinite(g[torch])  # (PyTorch's amax gives NaN there: numtorch gives 0)
    np.testing.assert_array_equal(g[numtorch][finite], g[torch][finite])
    assert not np.isnan(g[numtorch]).any()


_DIGITS = 2.39900933599779  # a Python float that float32 cannot hold


@pytest.mark.parametrize("name,fn", [
    ("tensor", lambda lib, v: lib.tensor(_DIGITS, dtype=lib.float64)),
    ("tensor_list", lambda lib, v: lib.tensor([[_DIGITS, 1.0]], dtype=lib.float64)),
    ("as_tensor", lambda lib, v: lib.as_tensor([_DIGITS], dtype=lib.float64)),
    ("new_tensor", lambda lib, v: v.new_tensor([_DIGITS])),
    ("full", lambda lib, v: lib.full((2,), _DIGITS, dtype=lib.float64)),
    ("fill_", lambda lib, v: v.clone().fill_(_DIGITS)),
    ("setitem", lambda lib, v: (lambda t: (t.__setitem__(0, _DIGITS), t)[1])(v.clone())),
    ("add", lambda lib, v: v + _DIGITS), ("rsub", lambda lib, v: _DIGITS - v),
    ("mul", lambda lib, v: lib.mul(v, _DIGITS)), ("rdiv", lambda lib, v: _DIGITS / v),
    ("pow", lambda lib, v: v ** _DIGITS), ("rpow", lambda lib, v: _DIGITS ** v),
    ("rpow_0d", lambda lib, v: _DIGITS ** v[0]), ("clamp", lambda lib, v: v.clamp(max=_DIGITS)),
    ("where", lambda lib, v: lib.where(v > 2, _DIGITS, v)),
    ("lerp", lambda lib, v: lib.lerp(v, v * 2, _DIGITS)),
    ("fmod", lambda lib, v: lib.fmod(v, _DIGITS)), ("remainder", lambda lib, v: v % _DIGITS),
    ("add_alpha", lambda lib, v: lib.add(v, v, alpha=_DIGITS)),
    ("masked_fill", lambda lib, v: v.masked_fill(v > 2, _DIGITS)),
])
def test_python_floats_keep_float64_digits(name, fn):
    # numtorch.tensor(x, dtype=float64) and a number with a float64 0-d tensor went through
    # float32 (the default dtype) first: 2.39900933599779 ** t was off in the 8th digit
    v = np.array([2.8326, 1.1])
    a, b = fn(numtorch, numtorch.tensor(v)), fn(torch, torch.tensor(v))
    assert str(a.dtype).split(".")[1] == str(b.dtype).split(".")[1]
    np.testing.assert_array_equal(a.numpy(), b.numpy())


# --- the rows a loss ignores, and adaptive average pooling's windows, under infinite gradients:
# PyTorch's kernels skip what does not contribute (0 * inf would be NaN)
_SKIPPED = {
    "cross_entropy-none": lambda lib, x, t: lib.nn.functional.cross_entropy(x, t,
                                                                            reduction="none"),
    "cross_entropy-mean": lambda lib, x, t: lib.nn.functional.cross_entropy(x, t),
    "cross_entropy-smooth": lambda lib, x, t: lib.nn.functional.cross_entropy(
        x, t, reduction="sum", label_smoothing=0.2),
    "nll_loss-none": lambda lib, x, t: lib.nn.functional.nll_loss(x, t, reduction="none"),
    "nll_loss-sum": lambda lib, x, t: lib.nn.functional.nll_loss(x, t, reduction="sum"),
    "adaptive_avg_pool1d": lambda lib, x, t: lib.nn.functional.adaptive_avg_pool1d(x, 3),
    "adaptive_avg_pool2d": lambda lib, x, t: lib.nn.functional.adaptive_avg_pool2d(
        x.reshape(1, 4, 5), (3, 2)),
}


@pytest.mark.parametrize("name", sorted(_SKIPPED))
def test_skipped_elements_stay_finite_under_infinite_gradients(name):
    f = _SKIPPED[name]
    x = np.random.default_rng(5).standard_normal((4, 5))
    target = np.array([0, -100, 3, -100])
    grads = {}
    for lib in (numtorch, torch):
        xt = lib.tensor(x, requires_grad=True)
        out = f(lib, xt, lib.tensor(target))
        w = np.ones(tuple(out.shape))
        w.reshape(-1)[0] = np.inf
        (out * lib.tensor(w)).sum().backward()
        grads[lib] = xt.grad.numpy()
    np.testing.assert_allclose(grads[numtorch], grads[torch], rtol=1e-6, equal_nan=True)
    if name.startswith("adaptive"):
        check_grad(lambda lib, a: f(lib, a, None), x)


# A gradient that is zero is a tensor of zeros, not None (``x.grad`` is visible: optimizers
# skip parameters whose grad is None and still decay those whose grad is zero). The fuzzer now
# tells the two apart; these are the cases it found.
@pytest.mark.parametrize("name", ["eq_", "ne_", "lt_", "le_", "gt_", "ge_", "greater_",
                                  "greater_equal_", "less_", "less_equal_", "not_equal_"])
@pytest.mark.parametrize("other_kind", ["tensor", "number"])
def test_inplace_comparisons_give_both_operands_zero_gradients(name, other_kind):
    got = {}
    for lib in (numtorch, torch):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        other = lib.tensor([1.0, 3.0, 0.5], requires_grad=True) if other_kind == "tensor" \
            else 2.0
        z = getattr(x.clone(), name)(other)
        (z * 2).sum().backward()
        got[lib] = (z.detach().numpy().tolist(), x.grad is None, z.grad_fn.name(),
                    None if other_kind == "number" else (other.grad is None,
                                                        other.grad.numpy().tolist()))
    assert got[numtorch] == got[torch]


@pytest.mark.parametrize("ord", [0, 0.0])
def test_zero_norm_gives_a_zero_gradient(ord):
    parity(lambda lib, x: lib.linalg.vector_norm(x, ord, dim=-1), np.array([[1.0, 0.0, 2.0]]))
    parity(lambda lib, x: lib.pdist(x, ord), np.array([[1.0, 2.0], [1.0, 3.0], [0.0, 2.0]]))
