"""Resuming: for every optimizer (every option: momentum, nesterov, dampening, centered,
amsgrad, weight decay, maximize, foreach, several param groups) and every scheduler,
5 steps + ``state_dict()`` -> fresh objects -> ``load_state_dict`` -> 5 steps equals 10
uninterrupted steps bitwise, and the trajectory is PyTorch's within float32 tolerance."""

import copy
import io
import pickle

import numpy as np
import pytest
from parity import requires_torch, torch

import numtorch

OPTIONS = {
    "SGD": [dict(lr=0.1), dict(lr=0.1, momentum=0.9, dampening=0.2, weight_decay=0.01),
            dict(lr=0.1, momentum=0.9, nesterov=True, maximize=True, foreach=True)],
    "Adam": [dict(lr=0.01), dict(lr=0.01, amsgrad=True, weight_decay=0.1, foreach=False),
             dict(lr=0.01, betas=(0.8, 0.9), maximize=True, foreach=True)],
    "AdamW": [dict(lr=0.01), dict(lr=0.01, amsgrad=True, weight_decay=0.2, maximize=True)],
    "Adagrad": [dict(lr=0.1), dict(lr=0.1, lr_decay=0.01, weight_decay=0.01,
                                   initial_accumulator_value=0.1, maximize=True)],
    "RMSprop": [dict(lr=0.01), dict(lr=0.01, alpha=0.9, momentum=0.5, centered=True,
                                    weight_decay=0.01, maximize=True, foreach=True)],
    "Adadelta": [dict(), dict(lr=0.5, rho=0.8, weight_decay=0.01, maximize=True)],
    "Adamax": [dict(lr=0.01), dict(lr=0.01, weight_decay=0.01, maximize=True)],
    "NAdam": [dict(lr=0.01), dict(lr=0.01, weight_decay=0.01, momentum_decay=0.005,
                                  decoupled_weight_decay=True)],
    "RAdam": [dict(lr=0.01), dict(lr=0.01, weight_decay=0.01, decoupled_weight_decay=True)],
    "Rprop": [dict(lr=0.01), dict(lr=0.02, etas=(0.4, 1.3), maximize=True, foreach=True)],
    "ASGD": [dict(lr=0.05, t0=3), dict(lr=0.05, lambd=0.01, weight_decay=0.01, maximize=True)],
    "Adafactor": [dict(), dict(lr=0.05, weight_decay=0.1, d=2.0, maximize=True)],
}
OPT_CASES = [(name, kw) for name, kws in OPTIONS.items() for kw in kws]


def test_lbfgs_resume_is_bitwise():
    def run(params, opt, start, n):
        for k in range(start, start + n):
            def closure():
                opt.zero_grad()
                loss = _loss(numtorch, params, k)
                loss.backward()
                return loss
            opt.step(closure)

    for kw in (dict(lr=0.5), dict(lr=0.5, history_size=3, line_search_fn="strong_wolfe")):
        ref = _params(numtorch)
        run(ref, numtorch.optim.LBFGS(ref, **kw), 0, 10)
        first = _params(numtorch)
        opt = numtorch.optim.LBFGS(first, **kw)
        run(first, opt, 0, 5)
        state = _round_trip(opt.state_dict())
        resumed = [numtorch.tensor(p.detach().numpy().copy(), requires_grad=True) for p in first]
        opt2 = numtorch.optim.LBFGS(resumed, **kw)
        opt2.load_state_dict(state)
        run(resumed, opt2, 5, 5)
        for a, b in zip(resumed, ref):
            np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def _params(lib):
    r = np.random.default_rng(0)
    return [lib.tensor((r.standard_normal(s) * 0.5).astype(np.float32), requires_grad=True)
            for s in [(6, 4), (6,), (3, 6), (3,)]]


def _groups(params, kwargs, split):
    """One group, or two with different hyper-parameters (the second's lr halved)."""
    if not split:
        return params
    second = dict(kwargs)
    if "lr" in second:
        second["lr"] = second["lr"] / 2
    return [{"params": params[:2]}, {"params": params[2:], **{
        k: v for k, v in second.items() if k == "lr"}}]


def _loss(lib, params, step):
    r = np.random.default_rng(100 + step)  # a different batch every step
    x = lib.tensor(r.standard_normal((8, 4)).astype(np.float32))
    y = lib.tensor(r.integers(0, 3, 8))
    w1, b1, w2, b2 = params
    return lib.nn.functional.cross_entropy(lib.tanh(x @ w1.T + b1) @ w2.T + b2, y)


def _steps(lib, opt, params, start, n, sched=None):
    for k in range(start, start + n):
        opt.zero_grad()
        loss = _loss(lib, params, k)
        loss.backward()
        opt.step()
        if isinstance(sched, lib.optim.lr_scheduler.ReduceLROnPlateau):
            sched.step(round(loss.item(), 1))
        elif sched is not None:
            sched.step()


def _round_trip(state):
    """A state dict as it comes back from a file: deep-copied through pickle."""
    return pickle.loads(pickle.dumps(copy.deepcopy(state)))


@pytest.mark.parametrize("split", [False, True], ids=["one_group", "two_groups"])
@pytest.mark.parametrize("name,kwargs", OPT_CASES,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(OPT_CASES)])
def test_optimizer_resume_is_bitwise(name, kwargs, split):
    ref = _params(numtorch)
    _steps(numtorch, getattr(numtorch.optim, name)(_groups(ref, kwargs, split), **kwargs),
           ref, 0, 10)
    first = _params(numtorch)
    opt = getattr(numtorch.optim, name)(_groups(first, kwargs, split), **kwargs)
    _steps(numtorch, opt, first, 0, 5)
    state = _round_trip(opt.state_dict())
    resumed = [numtorch.tensor(p.detach().numpy().copy(), requires_grad=True) for p in first]
    opt2 = getattr(numtorch.optim, name)(_groups(resumed, kwargs, split), **kwargs)
    opt2.load_state_dict(state)
    _steps(numtorch, opt2, resumed, 5, 5)
    for a, b in zip(resumed, ref):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


@requires_torch
@pytest.mark.parametrize("name,kwargs", OPT_CASES,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(OPT_CASES)])
def test_optimizer_trajectory_matches_pytorch(name, kwargs):
    out = {}
    for lib in (numtorch, torch):
        params = _params(lib)
        opt = getattr(lib.optim, name)(_groups(params, kwargs, True), **kwargs)
        _steps(lib, opt, params, 0, 10)
        out[lib.__name__] = [p.detach().numpy() for p in params]
    for a, b in zip(out["numtorch"], out["torch"]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


SCHEDULERS = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[2, 6], gamma=0.3)),
    ("ConstantLR", dict(factor=0.5, total_iters=4)),
    ("LinearLR", dict(start_factor=0.2, total_iters=6)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("PolynomialLR", dict(total_iters=8, power=2.0)),
    ("CosineAnnealingLR", dict(T_max=6, eta_min=0.001)),
    ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2, eta_min=0.001)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=3, mode="triangular2")),
    ("OneCycleLR", dict(max_lr=0.1, total_steps=12)),
    ("LambdaLR", dict(lr_lambda=lambda e: 0.9 ** e)),
    ("MultiplicativeLR", dict(lr_lambda=lambda e: 0.95)),
]


SCHEDULERS += [("ReduceLROnPlateau", dict(factor=0.5, patience=1, threshold=0.5)),
               ("SequentialLR", dict(milestones=[4])), ("ChainedScheduler", dict()),
               ("OneCycleLR", dict(max_lr=0.1, total_steps=12, three_phase=True,
                                   anneal_strategy="linear"))]


def _make_scheduler(lib, name, kwargs, opt):
    s = lib.optim.lr_scheduler
    if name == "SequentialLR":
        return s.SequentialLR(opt, [s.LinearLR(opt, 0.3, total_iters=4),
                                    s.ExponentialLR(opt, 0.8)], **kwargs)
    if name == "ChainedScheduler":
        return s.ChainedScheduler([s.StepLR(opt, 2, 0.7), s.ExponentialLR(opt, 0.9)])
    return getattr(s, name)(opt, **kwargs)


def _sched_state(sched):
    # (plain functions are not saved, as in PyTorch: only callable objects' state)
    return pickle.loads(pickle.dumps(sched.state_dict()))


@pytest.mark.parametrize("name,kwargs", SCHEDULERS, ids=[n for n, _ in SCHEDULERS])
def test_scheduler_resume_is_bitwise(name, kwargs):
    def fresh(lib, params):
        opt = lib.optim.SGD(_groups(params, dict(lr=0.05), True), lr=0.05, momentum=0.9)
        return opt, _make_scheduler(lib, name, kwargs, opt)

    ref = _params(numtorch)
    opt, sched = fresh(numtorch, ref)
    _steps(numtorch, opt, ref, 0, 10, sched)
    ref_lrs = [g["lr"] for g in opt.param_groups]

    first = _params(numtorch)
    opt, sched = fresh(numtorch, first)
    _steps(numtorch, opt, first, 0, 5, sched)
    opt_state, sched_state = _round_trip(opt.state_dict()), _sched_state(sched)
    resumed = [numtorch.tensor(p.detach().numpy().copy(), requires_grad=True) for p in first]
    opt2, sched2 = fresh(numtorch, resumed)
    opt2.load_state_dict(opt_state)
    sched2.load_state_dict(sched_state)
    _steps(numtorch, opt2, resumed, 5, 5, sched2)
    assert [g["lr"] for g in opt2.param_groups] == ref_lrs
    for a, b in zip(resumed, ref):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


@requires_torch
@pytest.mark.parametrize("name,kwargs", SCHEDULERS, ids=[n for n, _ in SCHEDULERS])
def test_scheduler_lrs_match_pytorch(name, kwargs):
    lrs = {}
    for lib in (numtorch, torch):
        params = _params(lib)
        opt = lib.optim.SGD(_groups(params, dict(lr=0.05), True), lr=0.05, momentum=0.9)
        sched = _make_scheduler(lib, name, kwargs, opt)
        seq = []
        for k in range(10):
            _steps(lib, opt, params, k, 1, sched)
            seq.append([g["lr"] for g in opt.param_groups])
        lrs[lib.__name__] = seq
    np.testing.assert_allclose(lrs["numtorch"], lrs["torch"], rtol=1e-12, atol=0)


def test_state_dict_survives_a_file():
    params = _params(numtorch)
    opt = numtorch.optim.Adam(params, lr=0.01, amsgrad=True)
    _steps(numtorch, opt, params, 0, 3)
    buf = io.BytesIO()
    pickle.dump(opt.state_dict(), buf)
    buf.seek(0)
    again = numtorch.optim.Adam(params, lr=0.01, amsgrad=True)
    again.load_state_dict(pickle.load(buf))
    assert again.state_dict()["state"].keys() == opt.state_dict()["state"].keys()
