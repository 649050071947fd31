"""In-place changes through views of tensors in the graph reach the base's gradient, as in
PyTorch (the base gets a CopySlices node)."""

import numpy as np
import pytest
from parity import requires_torch, torch

import numtorch


def _grads(lib, program):
    x = lib.tensor(np.arange(6, dtype=np.float32).reshape(3, 2) / 4, requires_grad=True)
    out = program(lib, x)
    out.backward(lib.ones_like(out))
    return x.grad.numpy().copy(), out.detach().numpy().copy()


PROGRAMS = {
    "row mul_": lambda lib, x: _row_mul(lib, x),
    "transpose view add_": lambda lib, x: _transposed(lib, x),
    "view of view": lambda lib, x: _nested(lib, x),
    "reshape view": lambda lib, x: _reshaped(lib, x),
    "setitem through view": lambda lib, x: _setitem(lib, x),
    "base without grad": lambda lib, x: _constant_base(lib, x),
}


def _row_mul(lib, x):
    y = x * 2
    y[0].mul_(3)
    return y * y


def _transposed(lib, x):
    y = x * 3
    y.t()[1].add_(x[:, 0] * 5)
    return y.sum(0)


def _nested(lib, x):
    y = x + 1
    y[1:][0].mul_(x[0])
    return y


def _reshaped(lib, x):
    y = x * 1.5
    y.view(6)[2:4].sub_(x[1] ** 2)
    return y.sin()


def _setitem(lib, x):
    y = x * 3
    y[2][1] = x[0, 0] * 7
    return y


def _constant_base(lib, x):
    a = lib.zeros(3, 2)
    a[1].add_(x[2] * 3)
    return a * x


@requires_torch
@pytest.mark.parametrize("name", list(PROGRAMS))
def test_in_place_through_views_matches_torch(name):
    g_nt, out_nt = _grads(numtorch, PROGRAMS[name])
    g_th, out_th = _grads(torch, PROGRAMS[name])
    np.testing.assert_allclose(out_nt, out_th, rtol=1e-6)
    np.testing.assert_allclose(g_nt, g_th, rtol=1e-5, atol=1e-6)


def test_row_mul_gradient_by_hand():
    # y = 2x, then row 0 tripled: out = sum(y^2) -> d/dx = 2 * y * dy/dx
    x = numtorch.ones(2, 2, requires_grad=True)
    y = x * 2
    y[0].mul_(3)
    (y * y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[72.0, 72.0], [8.0, 8.0]])
    assert y.grad_fn.name() == "CopySlices"


def test_in_place_on_view_of_leaf_raises():
    w = numtorch.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        w[0].add_(1)
    with numtorch.no_grad():
        w[0].add_(1)  # allowed without recording, as in PyTorch
    assert w.tolist() == [2.0, 1.0, 1.0]


@requires_torch
def test_in_place_through_a_view_of_a_saved_output_raises_like_torch():
    for lib in (numtorch, torch):
        x = lib.ones(3, 2, requires_grad=True)
        y = x.exp()  # exp saves its output for backward
        y.t()[1].add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()
