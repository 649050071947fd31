"""Identity, Linear, Bilinear, LazyLinear."""

import math

import numpy as np
import pytest
from parity import check_grad, parity, raises_like, requires_torch, rng, to_numpy, torch

import numtorch
from numtorch import nn

from .module_parity import module_parity


@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4), (4,)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(shape, bias):
    x = rng().standard_normal(shape).astype(np.float32)
    module_parity(lambda lib: lib.nn.Linear(4, 3, bias=bias), x)


def test_linear_float64_and_empty_batch():
    x = rng().standard_normal((3, 4))
    module_parity(lambda lib: lib.nn.Linear(4, 2, dtype=lib.float64), x)
    module_parity(lambda lib: lib.nn.Linear(4, 2), np.zeros((0, 4), dtype=np.float32))


@requires_torch
def test_linear_shape_error_matches_torch():
    x = np.zeros((64, 100), dtype=np.float32)
    for lib in (numtorch, torch):
        lib.manual_seed(0)
    err = raises_like(lambda lib, x: lib.nn.Linear(50, 10)(x), x)
    assert "mat1 and mat2 shapes cannot be multiplied (64x100 and 50x10)" in str(err)
    x3 = np.zeros((2, 3, 7), dtype=np.float32)
    with pytest.raises(RuntimeError) as th_err:
        torch.nn.Linear(5, 2)(torch.tensor(x3))
    with pytest.raises(RuntimeError) as nt_err:
        nn.Linear(5, 2)(numtorch.tensor(x3))
    assert str(nt_err.value) == str(th_err.value)


@pytest.mark.parametrize("xs,bias", [((5, 4), True), ((2, 3, 4), True), ((4,), False)])
def test_linear_function_check_grad(xs, bias):
    """F.linear is one primitive (x @ w^T + b): float64 finite differences, second order too."""
    r = rng(3)
    arrays = [r.standard_normal(xs), r.standard_normal((3, 4))] + \
        ([r.standard_normal(3)] if bias else [])
    check_grad(lambda lib, x, w, *b: numtorch.nn.functional.linear(x, w, *b), *arrays,
               gradgrad=True)
    # The backward under create_graph (numtorch ops) gives the NumPy backward's gradients.
    ts = [numtorch.tensor(a, requires_grad=True) for a in arrays]
    g = numtorch.tensor(r.standard_normal(xs[:-1] + (3,)))
    plain = numtorch.autograd.grad(numtorch.nn.functional.linear(*ts), ts, g)
    graph = numtorch.autograd.grad(numtorch.nn.functional.linear(*ts), ts, g, create_graph=True)
    for a, b in zip(plain, graph):
        np.testing.assert_allclose(b.detach().numpy(), a.numpy(), rtol=1e-12)


@requires_torch
def test_linear_function_node_names_and_dtype_errors_match_torch():
    r = rng(4)
    x, w, b = (r.standard_normal(s).astype(np.float32) for s in ((5, 4), (3, 4), (3,)))
    for args in ((x, w, b), (x, w)):
        names = [lib.nn.functional.linear(*[lib.tensor(a, requires_grad=True) for a in args])
                 .grad_fn.name() for lib in (numtorch, torch)]
        assert names[0] == names[1]
    raises_like(lambda lib, x, w: lib.nn.functional.linear(x, w), x.astype(np.float64), w)
    # integer tensors take the general path, which computes them as PyTorch does
    parity(lambda lib, x, w: lib.nn.functional.linear(x, w), (x * 10).astype(np.int64),
           (w * 10).astype(np.int64), grad=False)


def test_linear_default_init_bounds():
    m = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w, b = to_numpy(m.weight), to_numpy(m.bias)
    assert w.shape == (300, 400) and b.shape == (300,)
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    # U(-a, a) has std a / sqrt(3) and mean 0
    assert abs(w.std() - bound / math.sqrt(3)) < 0.02 * bound
    assert abs(w.mean()) < 0.01 * bound
    assert np.abs(w).max() > 0.99 * bound
    assert m.weight.dtype == numtorch.float32 and m.weight.requires_grad


def test_linear_repr_and_reset():
    m = nn.Linear(3, 2, bias=False)
    assert repr(m) == "Linear(in_features=3, out_features=2, bias=False)"
    assert m.bias is None and "bias" in m._parameters
    numtorch.manual_seed(1)
    m.reset_parameters()
    first = to_numpy(m.weight).copy()
    numtorch.manual_seed(1)
    m.reset_parameters()
    np.testing.assert_array_equal(first, to_numpy(m.weight))
    with pytest.raises(RuntimeError):
        nn.Linear(2, 2, device="cuda")


@pytest.mark.parametrize("lead", [(4,), (2, 3), ()])
def test_bilinear_matches_torch(lead):
    r = rng(3)
    x1 = r.standard_normal(lead + (3,)).astype(np.float32)
    x2 = r.standard_normal(lead + (5,)).astype(np.float32)
    nt, th, _ = module_parity(lambda lib: lib.nn.Bilinear(3, 5, 2), x1, x2)
    assert repr(nt) == repr(th)
    module_parity(lambda lib: lib.nn.Bilinear(3, 5, 2, bias=False), x1, x2)


@requires_torch
def test_bilinear_errors_match_torch():
    a = np.zeros((4, 3), dtype=np.float32)
    b = np.zeros((5, 5), dtype=np.float32)
    raises_like(lambda lib, a, b: lib.nn.Bilinear(3, 5, 2)(a, b), a, b)
    raises_like(lambda lib, a, b: lib.nn.Bilinear(2, 5, 2)(a, b), a, np.zeros((4, 5), "f"))


def test_bilinear_init_bounds():
    m = nn.Bilinear(16, 4, 8)
    assert m.weight.shape == (8, 16, 4)
    assert np.abs(to_numpy(m.weight)).max() <= 0.25 and np.abs(to_numpy(m.bias)).max() <= 0.25


def test_identity():
    x = numtorch.ones(2)
    assert nn.Identity(54, unused="x")(x) is x
    assert repr(nn.Identity()) == "Identity()"


@requires_torch
def test_lazy_linear_infers_in_features():
    m = nn.LazyLinear(3)
    assert repr(m) == repr(torch.nn.LazyLinear(3))
    assert isinstance(m.weight, nn.parameter.UninitializedParameter)
    y = m(numtorch.ones(2, 7))
    assert y.shape == (2, 3) and type(m) is nn.Linear and m.in_features == 7
    assert m.weight.shape == (3, 7) and type(m.weight) is nn.Parameter
    assert np.abs(to_numpy(m.weight)).max() <= 1 / math.sqrt(7)
    assert repr(m) == "Linear(in_features=7, out_features=3, bias=True)"
    y.sum().backward()
    assert m.weight.grad.shape == (3, 7)


def test_lazy_linear_loads_state_dict():
    src = nn.Linear(5, 2)
    m = nn.LazyLinear(2)
    m.load_state_dict(src.state_dict())
    assert type(m) is nn.Linear and m.weight.shape == (2, 5)
    np.testing.assert_array_equal(to_numpy(m.weight), to_numpy(src.weight))
    x = numtorch.ones(1, 5)
    np.testing.assert_allclose(to_numpy(m(x)), to_numpy(src(x)))
