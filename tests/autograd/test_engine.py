"""The backward engine: accumulation, aliasing, hooks, retain_grad, in-place checks, freed
graphs, double backward, ``autograd.grad`` and anomaly detection, against PyTorch's behaviour."""

import numpy as np
import pytest
from parity import parity, requires_torch, torch

import numtorch
from numtorch import autograd


def leaf(values, dtype=None):
    return numtorch.tensor(values, dtype=dtype, requires_grad=True)


def test_course_example():
    x = numtorch.ones(1, requires_grad=True)
    y = x + 2
    z = y * y * 2
    z.backward()
    assert x.grad.tolist() == [12.0]
    assert repr(x.grad) == "tensor([12.])"


def test_leaf_grads_never_alias():
    x, y = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (x + y).sum().backward()
    assert not np.shares_memory(x.grad.numpy(), y.grad.numpy())
    x.grad += 1
    assert y.grad.tolist() == [1.0, 1.0]


def test_leaf_grad_does_not_alias_user_gradient():
    x = leaf([1.0, 2.0])
    g = numtorch.tensor([5.0, 6.0])
    (x + 0).backward(g)
    assert not np.shares_memory(x.grad.numpy(), g.numpy())
    g.zero_()
    assert x.grad.tolist() == [5.0, 6.0]
    # a leaf as its own root: its gradient is a copy of the given one
    w = leaf([1.0, 1.0])
    w.backward(g)
    assert not np.shares_memory(w.grad.numpy(), g.numpy())


def test_retained_grad_does_not_alias_leaf_grad():
    for order in (0, 1):
        x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
        y = x * 1
        y.retain_grad()
        z = y + w if order == 0 else w + y
        z.sum().backward()
        w.grad += 1
        assert y.grad.tolist() == [1.0, 1.0] and w.grad.tolist() == [2.0, 2.0]


def test_accumulation_across_backward_calls():
    x = leaf([1.0, 2.0])
    (x * 3).sum().backward()
    first = x.grad
    (x * x).sum().backward()
    assert x.grad.tolist() == [5.0, 7.0]
    assert x.grad is first  # accumulated in place, like PyTorch
    x.grad = None
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_input_used_twice_and_paths_meeting():
    x = leaf([2.0])
    y = x * x + x.exp() * x
    y.backward()
    e = np.exp(2.0)
    assert np.allclose(x.grad.numpy(), [4 + e + 2 * e])


def test_broadcast_gradient_reduced():
    x = leaf([[1.0, 2.0, 3.0]])
    b = leaf([[1.0], [2.0]])
    (x * b).sum().backward()
    assert x.grad.tolist() == [[3.0, 3.0, 3.0]]
    assert b.grad.tolist() == [[6.0], [6.0]]


def test_non_scalar_backward_needs_gradient():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * 2).backward(numtorch.ones(3))
    with pytest.raises(RuntimeError, match="does not require grad"):
        numtorch.ones(2).sum().backward()


def test_backward_through_freed_graph():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()
    z = (x.exp()).sum()
    z.backward(retain_graph=True)
    z.backward()
    assert np.allclose(x.grad.numpy(), 2 * np.array([1.0, 2.0]) + 2 * np.exp([1.0, 2.0]))


def test_inplace_on_leaf_requiring_grad():
    x = leaf([1.0])
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in "
                                           "an in-place operation"):
        x += 1
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x.mul_(2)
    with numtorch.no_grad():
        x += 1
        x.mul_(2)
    assert x.tolist() == [4.0] and x.grad_fn is None and x.requires_grad


def test_inplace_on_non_leaf_in_graph():
    x = leaf([1.0, 2.0])
    y = x * 2
    y += 1
    assert y.grad_fn.name() == "AddBackward0"
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    y = x * 3
    y.mul_(y)  # Mul saved y, which it then overwrote: PyTorch refuses too
    with pytest.raises(RuntimeError, match="which is output 0 of Mul, is at version 1"):
        y.sum().backward()


def test_inplace_change_of_saved_tensor_raises():
    x = leaf([1.0, 2.0])
    y = x.exp()
    z = y * 2  # Mul saves y
    y.exp_()
    with pytest.raises(RuntimeError, match="one of the variables needed for gradient "
                                           "computation has been modified by an inplace "
                                           "operation"):
        z.sum().backward()
    a = x * 1
    b = a.exp()  # Exp saves its output b
    b.add_(1)
    with pytest.raises(RuntimeError, match="is at version 1; expected version 0"):
        b.sum().backward()


@requires_torch
def test_inplace_saved_error_message_matches_torch():
    msgs = []
    for lib in (numtorch, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x.exp()
        z = y * 2
        y.exp_()
        with pytest.raises(RuntimeError) as e:
            z.sum().backward()
        msgs.append(str(e.value).split(". Hint")[0].replace("numtorch", "torch"))
    assert msgs[0] == msgs[1]
    for lib in (numtorch, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([1.0, 2.0])
        z = x * w
        w.add_(1)
        with pytest.raises(RuntimeError) as e:
            z.sum().backward()
        msgs.append(str(e.value).split(". Hint")[0].replace("numtorch", "torch"))
    assert msgs[2] == msgs[3]


def test_views_share_version_counter():
    x = leaf([1.0, 2.0])
    y = x * 1
    d = y.detach()
    z = y.exp()  # saves its output
    w = (y * y).sum()  # saves y
    d.add_(1)  # y's values changed through the detached alias
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        w.backward()
    del z


def test_hooks_modify_gradients():
    x = leaf([1.0, 2.0])
    seen = []
    h = x.register_hook(lambda g: seen.append(g.tolist()) or g * 10)
    y = x * 2
    y.register_hook(lambda g: g + 1)
    y.sum().backward()
    assert seen == [[4.0, 4.0]]
    assert x.grad.tolist() == [40.0, 40.0]
    h.remove()
    x.grad = None
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        numtorch.ones(1).register_hook(lambda g: g)


def test_post_accumulate_grad_hook_and_node_hooks():
    x = leaf([1.0])
    calls = []
    x.register_post_accumulate_grad_hook(lambda t: calls.append(t.grad.item()))
    y = x * 3
    y.grad_fn.register_prehook(lambda gs: (gs[0] * 2,))
    y.grad_fn.register_hook(lambda gin, gout: (gin[0] + 1, gin[1]))
    y.backward()
    assert calls == [7.0] and x.grad.tolist() == [7.0]


def test_retain_grad_on_non_leaves():
    x = leaf([1.0, 2.0])
    y = x * 2
    y.retain_grad()
    z = y * y
    assert y.retains_grad and not z.retains_grad
    z.sum().backward()
    assert y.grad.tolist() == [4.0, 8.0]
    assert z.grad is None
    assert x.grad.tolist() == [8.0, 16.0]
    x.retain_grad()  # no-op on a leaf
    with pytest.raises(RuntimeError, match="can't retain_grad"):
        numtorch.ones(1).retain_grad()


def test_backward_inputs():
    x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (x * w).sum().backward(inputs=[w])
    assert x.grad is None and w.grad.tolist() == [1.0, 2.0]
    (x * w).sum().backward(inputs=x)
    assert x.grad.tolist() == [3.0, 4.0]


def test_autograd_grad():
    x, w = leaf([1.0, 2.0]), leaf([3.0])
    y = (x * x * w).sum()
    gx, gw = autograd.grad(y, (x, w), retain_graph=True)
    assert gx.tolist() == [6.0, 12.0] and gw.tolist() == [5.0]
    assert x.grad is None and w.grad is None and not gx.requires_grad
    (gx2,) = autograd.grad([y], [x], grad_outputs=[numtorch.tensor(2.0)], retain_graph=True)
    assert gx2.tolist() == [12.0, 24.0]
    u = leaf([1.0])
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        autograd.grad(y, [x, u], retain_graph=True)
    gx3, gu = autograd.grad(y, [x, u], allow_unused=True, retain_graph=True)
    assert gu is None
    gx4, gu = autograd.grad(y, [x, u], materialize_grads=True)
    assert gu.tolist() == [0.0]
    with pytest.raises(RuntimeError, match="does not require grad"):
        autograd.grad((x * 2).sum(), [numtorch.ones(1)])


def test_autograd_grad_of_intermediate():
    x = leaf([1.0, 2.0])
    y = x * 3
    z = (y * y).sum()
    (gy,) = autograd.grad(z, y)
    assert gy.tolist() == [6.0, 12.0]


def test_autograd_backward_function():
    x = leaf([1.0, 2.0])
    a, b = x * 2, x * 3
    autograd.backward([a, b], [numtorch.ones(2), numtorch.ones(2)])
    assert x.grad.tolist() == [5.0, 5.0]


def test_double_backward_scalar():
    x = leaf([2.0], dtype=numtorch.float64)
    y = x ** 3
    (g,) = autograd.grad(y.sum(), x, create_graph=True)
    assert g.requires_grad and g.grad_fn is not None
    (h,) = autograd.grad(g.sum(), x)
    assert h.tolist() == [12.0]
    g2 = autograd.grad((x.tanh()).sum(), x, create_graph=True)[0]
    g2.sum().backward()
    t = np.tanh(2.0)
    assert np.allclose(x.grad.numpy(), [-2 * t * (1 - t * t)])


def test_backward_create_graph_accumulates_graph():
    x = leaf([1.5], dtype=numtorch.float64)
    (x ** 3).sum().backward(create_graph=True)
    assert x.grad.requires_grad
    gx = x.grad
    x.grad = None
    gx.sum().backward()
    assert np.allclose(x.grad.numpy(), [9.0])


@requires_torch
def test_hessian_vector_products_match_torch():
    r = np.random.default_rng(0)
    w0 = r.standard_normal((4, 3))
    x0 = r.standard_normal((2, 4))
    v0 = r.standard_normal((4, 3))

    def hvp(t, w, x, v):
        def sm(z):
            e = z.exp()
            return e / e.sum(-1, keepdim=True)
        loss = (sm((x @ w).tanh()) ** 2).sum()
        (g,) = t.autograd.grad(loss, w, create_graph=True)
        (hv,) = t.autograd.grad((g * v).sum(), w, create_graph=True)
        return hv
    parity(hvp, w0, x0, v0, grad_inputs=(0,), atol=1e-6)


@requires_torch
def test_hessian_vector_product_through_library_softmax():
    r = np.random.default_rng(2)

    def hvp(t, w, x, v):
        w.requires_grad_()
        loss = (t.softmax(x @ w, dim=-1) * t.tanh(x @ w)).sum()
        (g,) = t.autograd.grad(loss, w, create_graph=True)
        (hv,) = t.autograd.grad((g * v).sum(), w)
        return hv
    parity(hvp, r.standard_normal((3, 4)), r.standard_normal((5, 3)),
           r.standard_normal((3, 4)), grad=False, atol=1e-6)


@requires_torch
def test_gradient_penalty_matches_torch():
    r = np.random.default_rng(1)

    def penalty(t, w, x):
        y = (x @ w).sigmoid().sum()
        (gx,) = t.autograd.grad(y, x, create_graph=True)
        return (gx * gx).sum() + y
    parity(penalty, r.standard_normal((3, 2)), r.standard_normal((4, 3)), atol=1e-6)


def test_integer_outputs_do_not_require_grad():
    x = leaf([1.5, -2.5])
    assert not (x > 0).requires_grad
    assert not x.long().floor_divide(1).requires_grad
    assert x.long().requires_grad is False


def test_piecewise_constant_ops_are_recorded_as_pytorch_records_them():
    # floor_divide and heaviside: in the graph, but backward raises (no derivative); div with
    # a rounding mode: zero gradient
    x = leaf([1.5, -2.5])
    y = x.floor_divide(1)
    assert y.requires_grad
    with pytest.raises(RuntimeError, match="derivative for aten::floor_divide"):
        y.sum().backward()
    numtorch.div(x, 0.7, rounding_mode="trunc").sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]


def test_dtype_cast_backward():
    x = leaf([1.0, 2.0])
    y = x.double() * 2
    y.sum().backward()
    assert x.grad.dtype is numtorch.float32 and x.grad.tolist() == [2.0, 2.0]


def test_detach_and_detach_():
    x = leaf([1.0, 2.0])
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None
    assert np.shares_memory(d.numpy(), y.detach().numpy())
    y.detach_()
    assert y.is_leaf and not y.requires_grad
    z = x * 3
    z.requires_grad_(True)  # no-op on non-leaf requiring grad
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf"):
        z.requires_grad_(False)


def test_detect_anomaly_names_the_op():
    x = leaf([0.0, 1.0])
    with autograd.detect_anomaly():
        y = x.sqrt() * 0  # d sqrt at 0 is inf; inf * 0 -> nan in SqrtBackward0's input grad
        with pytest.raises(RuntimeError, match="Function 'SqrtBackward0' returned nan values"):
            y.sum().backward()
    assert not autograd.is_anomaly_enabled()
    x.grad = None
    (x.sqrt() * 0).sum().backward()  # outside: no check, NaN gradient as in PyTorch
    assert np.isnan(x.grad.numpy()[0])
    autograd.set_detect_anomaly(True)
    try:
        assert autograd.is_anomaly_enabled()
    finally:
        autograd.set_detect_anomaly(False)
    assert not autograd.is_anomaly_enabled()


def test_requires_grad_rules():
    with pytest.raises(RuntimeError, match="floating point"):
        numtorch.tensor([1, 2]).requires_grad_()
    x = numtorch.zeros(2)
    x.requires_grad = True
    assert x.requires_grad and x.is_leaf
    y = x * 2
    assert not y.is_leaf and y.requires_grad
    assert numtorch.ones(2).is_leaf
