"""Optimizers: trajectories equal PyTorch's, exact state-dict round trips, PyTorch's errors."""

import copy
import math

import numpy as np
import pytest
from parity import requires_torch, torch

import numtorch

OPTIMIZERS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.1, momentum=0.5, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, maximize=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.01)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.01)),
    ("Adamax", dict(lr=0.01)),
    ("Adamax", dict(lr=0.01, weight_decay=0.01)),
    ("NAdam", dict(lr=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.01, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.01)),
    ("RAdam", dict(lr=0.01, weight_decay=0.01, decoupled_weight_decay=True)),
]


def _mlp_params(lib, seed=0):
    r = np.random.default_rng(seed)
    shapes = [(8, 4), (8,), (3, 8), (3,)]
    return [lib.tensor((r.standard_normal(s) * 0.5).astype(np.float32), requires_grad=True)
            for s in shapes]


def _data(seed=1):
    r = np.random.default_rng(seed)
    return r.standard_normal((16, 4)).astype(np.float32), r.integers(0, 3, 16)


def _mlp_loss(lib, params, x, y):
    w1, b1, w2, b2 = params
    h = lib.relu(x @ w1.T + b1)
    return lib.nn.functional.cross_entropy(h @ w2.T + b2, y)


def _quad_loss(lib, params, *_):
    # An elongated quadratic (condition number 100) plus a coupling term.
    w = params[0]
    return (w[0] ** 2 + 100 * w[1] ** 2 + w[0] * w[1] * 0.5).sum() if w.ndim == 1 else None


def _run(lib, name, kwargs, loss_fn, params, steps, x=None, y=None):
    opt = getattr(lib.optim, name)(params, **kwargs)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(lib, params, x, y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return opt, losses


@requires_torch
@pytest.mark.parametrize("name,kwargs", OPTIMIZERS,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(OPTIMIZERS)])
def test_mlp_trajectory_matches_torch(name, kwargs):
    x, y = _data()
    nt_p = _mlp_params(numtorch)
    th_p = _mlp_params(torch)
    _, nt_losses = _run(numtorch, name, kwargs, _mlp_loss, nt_p, 25, numtorch.tensor(x),
                        numtorch.tensor(y))
    _, th_losses = _run(torch, name, kwargs, _mlp_loss, th_p, 25, torch.tensor(x),
                        torch.tensor(y))
    np.testing.assert_allclose(nt_losses, th_losses, rtol=1e-4, atol=1e-5)
    for a, b in zip(nt_p, th_p):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-4, atol=1e-5)


@requires_torch
@pytest.mark.parametrize("name,kwargs", OPTIMIZERS,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(OPTIMIZERS)])
def test_quadratic_trajectory_matches_torch(name, kwargs):
    kwargs = dict(kwargs)
    if "lr" in kwargs:
        kwargs["lr"] = kwargs["lr"] / 20  # the quadratic's curvature is 200 along w[1]
    start = np.array([1.5, -0.7], dtype=np.float32)
    nt_p = [numtorch.tensor(start, requires_grad=True)]
    th_p = [torch.tensor(start, requires_grad=True)]
    _, nt_losses = _run(numtorch, name, kwargs, _quad_loss, nt_p, 25)
    _, th_losses = _run(torch, name, kwargs, _quad_loss, th_p, 25)
    np.testing.assert_allclose(nt_losses, th_losses, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(nt_p[0].detach().numpy(), th_p[0].detach().numpy(), rtol=1e-4,
                               atol=1e-6)


@pytest.mark.parametrize("name,kwargs", OPTIMIZERS,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(OPTIMIZERS)])
def test_state_dict_round_trip_is_exact(name, kwargs):
    x, y = _data()
    x, y = numtorch.tensor(x), numtorch.tensor(y)
    ref = _mlp_params(numtorch)
    _run(numtorch, name, kwargs, _mlp_loss, ref, 20, x, y)

    params = _mlp_params(numtorch)
    opt, _ = _run(numtorch, name, kwargs, _mlp_loss, params, 10, x, y)
    saved_state = copy.deepcopy(opt.state_dict())
    saved_params = [p.detach().clone() for p in params]

    fresh = [numtorch.tensor(p.numpy(), requires_grad=True) for p in saved_params]
    opt2 = getattr(numtorch.optim, name)(fresh, **kwargs)
    opt2.load_state_dict(saved_state)
    for _ in range(10):
        opt2.zero_grad()
        _mlp_loss(numtorch, fresh, x, y).backward()
        opt2.step()
    for a, b in zip(fresh, ref):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_sgd_momentum_follows_pytorch_formula():
    # v = mu v + (1 - dampening) g; p -= lr v, with v = g on the first step.
    p = numtorch.tensor([1.0], requires_grad=True)
    opt = numtorch.optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.5)
    expected_p, v = 1.0, None
    for _ in range(3):
        opt.zero_grad()
        (p * p).sum().backward()
        g = 2 * expected_p
        v = g if v is None else 0.9 * v + 0.5 * g
        expected_p -= 0.1 * v
        opt.step()
        assert p.item() == pytest.approx(expected_p, rel=1e-6)


def test_adam_first_step_is_lr_times_sign():
    p = numtorch.tensor([2.0, -3.0], requires_grad=True)
    opt = numtorch.optim.Adam([p], lr=0.01)
    (p * p).sum().backward()
    opt.step()
    np.testing.assert_allclose(p.detach().numpy(), [1.99, -2.99], rtol=1e-5)
    assert opt.state[p]["step"].item() == 1.0
    assert set(opt.state[p]) == {"step", "exp_avg", "exp_avg_sq"}


def test_param_groups_and_lr_change_between_steps():
    a = numtorch.tensor([1.0], requires_grad=True)
    b = numtorch.tensor([1.0], requires_grad=True)
    opt = numtorch.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    (a + b).sum().backward()
    opt.step()
    assert a.item() == pytest.approx(0.9) and b.item() == pytest.approx(0.5)
    opt.param_groups[0]["lr"] = 1.0
    opt.step()
    assert a.item() == pytest.approx(-0.1)
    c = numtorch.tensor([1.0], requires_grad=True)
    opt.add_param_group({"params": c, "momentum": 0.9})
    assert opt.param_groups[2]["lr"] == 0.1 and opt.param_groups[2]["momentum"] == 0.9


def test_zero_grad_set_to_none_and_in_place():
    p = numtorch.tensor([1.0, 2.0], requires_grad=True)
    opt = numtorch.optim.SGD([p], lr=0.1)
    (p * p).sum().backward()
    opt.zero_grad(set_to_none=False)
    assert p.grad is not None and p.grad.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert p.grad is None


def test_step_with_closure_returns_loss_and_skips_params_without_grad():
    p = numtorch.tensor([1.0], requires_grad=True)
    q = numtorch.tensor([5.0], requires_grad=True)
    opt = numtorch.optim.Adam([p, q], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.item() == 1.0
    assert q.item() == 5.0 and q not in opt.state


def test_updates_do_not_build_a_graph():
    p = numtorch.tensor([1.0], requires_grad=True)
    opt = numtorch.optim.SGD([p], lr=0.1, momentum=0.9)
    (p * 3).sum().backward()
    opt.step()
    assert p.is_leaf and p.grad_fn is None
    assert opt.state[p]["momentum_buffer"].grad_fn is None


@pytest.mark.parametrize("make,message", [
    (lambda p: numtorch.optim.SGD([p], lr=-0.1), "Invalid learning rate: -0.1"),
    (lambda p: numtorch.optim.SGD([p], lr=0.1, momentum=-1), "Invalid momentum value: -1"),
    (lambda p: numtorch.optim.SGD([p], lr=0.1, nesterov=True),
     "Nesterov momentum requires a momentum and zero dampening"),
    (lambda p: numtorch.optim.Adam([p], betas=(1.0, 0.999)),
     "Invalid beta parameter at index 0: 1.0"),
    (lambda p: numtorch.optim.Adam([p], betas=(0.9, -0.1)),
     "Invalid beta parameter at index 1: -0.1"),
    (lambda p: numtorch.optim.Adam([p], eps=-1e-8), "Invalid epsilon value: -1e-08"),
    (lambda p: numtorch.optim.AdamW([p], weight_decay=-1), "Invalid weight_decay value: -1"),
    (lambda p: numtorch.optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1),
     "some parameters appear in more than one parameter group"),
    (lambda p: numtorch.optim.SGD([], lr=0.1), "optimizer got an empty parameter list"),
])
def test_bad_arguments_raise_value_error(make, message):
    p = numtorch.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        make(p)


@requires_torch
def test_bad_arguments_raise_same_types_as_torch():
    for lib in (numtorch, torch):
        p = lib.tensor([1.0], requires_grad=True)
        with pytest.raises(TypeError):
            lib.optim.SGD(p, lr=0.1)
        with pytest.raises(ValueError):
            lib.optim.Adam([p], lr=-1)


def test_load_state_dict_checks_group_sizes():
    a = numtorch.tensor([1.0], requires_grad=True)
    b = numtorch.tensor([1.0], requires_grad=True)
    sd = numtorch.optim.SGD([a, b], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="doesn't match the size"):
        numtorch.optim.SGD([a], lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        numtorch.optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1).load_state_dict(sd)


def test_state_dict_layout_is_pytorchs():
    a = numtorch.tensor([1.0], requires_grad=True)
    opt = numtorch.optim.Adam([a], lr=0.1)
    (a * a).sum().backward()
    opt.step()
    sd = opt.state_dict()
    assert list(sd) == ["state", "param_groups"]
    assert sd["param_groups"][0]["params"] == [0]
    assert sorted(sd["state"][0]) == ["exp_avg", "exp_avg_sq", "step"]


@pytest.mark.parametrize("line_search", [None, "strong_wolfe"])
def test_lbfgs_minimizes_rosenbrock(line_search):
    p = numtorch.tensor([-1.5, 2.0], requires_grad=True)
    opt = numtorch.optim.LBFGS([p], lr=1 if line_search else 0.5, max_iter=50,
                               line_search_fn=line_search, history_size=10)

    def closure():
        opt.zero_grad()
        loss = (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2
        loss.backward()
        return loss

    for _ in range(20 if line_search else 60):
        opt.step(closure)
    final = closure().item()
    assert final < (1e-6 if line_search else 1e-2), final
    if line_search:
        np.testing.assert_allclose(p.detach().numpy(), [1.0, 1.0], atol=1e-3)


@requires_torch
@pytest.mark.parametrize("line_search", [None, "strong_wolfe"])
def test_lbfgs_matches_torch(line_search):
    start = np.array([[0.3, -0.2, 0.8], [1.2, 0.1, -0.5]], dtype=np.float32)
    results = []
    for lib in (numtorch, torch):
        p = lib.tensor(start, requires_grad=True)
        opt = lib.optim.LBFGS([p], lr=0.8, max_iter=10, history_size=4,
                              line_search_fn=line_search)

        def closure():
            opt.zero_grad()
            loss = (((p - 1) ** 2) * (p + 2) ** 2).sum() + (p * p).sum() * 0.1
            loss.backward()
            return loss

        for _ in range(3):
            opt.step(closure)
        results.append(p.detach().numpy().copy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-4, atol=1e-5)


def test_lbfgs_rejects_param_groups_and_needs_closure():
    a = numtorch.tensor([1.0], requires_grad=True)
    b = numtorch.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="per-parameter options"):
        numtorch.optim.LBFGS([{"params": [a]}, {"params": [b]}])
    with pytest.raises(RuntimeError, match="closure"):
        numtorch.optim.LBFGS([a]).step(None)


def test_optimizers_reduce_a_quadratic():
    # Every optimizer makes progress on a convex problem (no torch needed).
    for name, kwargs in OPTIMIZERS:
        if kwargs.get("maximize"):
            continue
        p = [numtorch.tensor([1.5, -0.7], requires_grad=True)]
        kw = dict(kwargs)
        if "lr" in kw:
            kw["lr"] = kw["lr"] / 20
        _, losses = _run(numtorch, name, kw, _quad_loss, p, 25)
        assert losses[-1] < losses[0], (name, kwargs, losses[0], losses[-1])
        assert all(math.isfinite(v) for v in losses)
