"""Learning-rate schedulers: lr sequences equal PyTorch's; state dicts; the course's decays."""

import math
import warnings

import numpy as np
import pytest
from parity import requires_torch, torch

import numtorch


def _schedulers(m):
    return {
        "LambdaLR": lambda o: m.LambdaLR(o, lambda e: 1 / (1 + 0.1 * e)),
        "LambdaLR-groups": lambda o: m.LambdaLR(o, [lambda e: 0.9 ** e, lambda e: 1 / (e + 1)]),
        "MultiplicativeLR": lambda o: m.MultiplicativeLR(o, lambda e: 0.95),
        "StepLR": lambda o: m.StepLR(o, 7, 0.5),
        "MultiStepLR": lambda o: m.MultiStepLR(o, [3, 10, 10, 20], 0.5),
        "ConstantLR": lambda o: m.ConstantLR(o),
        "LinearLR": lambda o: m.LinearLR(o, 0.2, 1.0, 10),
        "ExponentialLR": lambda o: m.ExponentialLR(o, 0.9),
        "PolynomialLR": lambda o: m.PolynomialLR(o, 10, 2.0),
        "CosineAnnealingLR": lambda o: m.CosineAnnealingLR(o, 8, 0.001),
        "CosineAnnealingWarmRestarts": lambda o: m.CosineAnnealingWarmRestarts(o, 5, 2, 0.01),
        "CyclicLR": lambda o: m.CyclicLR(o, 0.01, 0.1, 4, mode="triangular2"),
        "CyclicLR-exp": lambda o: m.CyclicLR(o, 0.01, 0.1, 3, 5, mode="exp_range",
                                             gamma=0.95),
        "OneCycleLR": lambda o: m.OneCycleLR(o, 0.5, total_steps=30),
        "OneCycleLR-3phase": lambda o: m.OneCycleLR(o, [0.5, 0.2], epochs=3, steps_per_epoch=10,
                                                    three_phase=True, anneal_strategy="linear"),
        "SequentialLR": lambda o: m.SequentialLR(
            o, [m.LinearLR(o, 0.1, 1.0, 5), m.ExponentialLR(o, 0.9)], [5]),
        "ChainedScheduler": lambda o: m.ChainedScheduler(
            [m.ConstantLR(o, 0.5, 4), m.ExponentialLR(o, 0.9)]),
    }


def _sequence(lib, key, epochs=30, metric=None):
    p = lib.zeros(2, requires_grad=True)
    q = lib.zeros(2, requires_grad=True)
    opt = lib.optim.SGD([{"params": [p]}, {"params": [q], "lr": 0.05}], lr=0.1, momentum=0.9)
    sched = _schedulers(lib.optim.lr_scheduler)[key](opt)
    seq = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(epochs):
            opt.step()
            sched.step()
            seq.append([g["lr"] for g in opt.param_groups] +
                       [g.get("momentum", 0) for g in opt.param_groups])
    return np.array(seq), sched


@requires_torch
@pytest.mark.parametrize("key", list(_schedulers(numtorch.optim.lr_scheduler)))
def test_lr_sequence_matches_torch(key):
    ours, sched = _sequence(numtorch, key)
    theirs, tsched = _sequence(torch, key)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(sched.get_last_lr(), tsched.get_last_lr(), rtol=1e-12)


@requires_torch
def test_reduce_on_plateau_matches_torch():
    metrics = [1.0, 0.9, 0.95, 0.95, 0.95, 0.94, 0.96, 0.97, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6] * 2
    out = []
    for lib in (numtorch, torch):
        p = lib.zeros(1, requires_grad=True)
        opt = lib.optim.SGD([p], lr=1.0)
        s = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=2, cooldown=1,
                                                     min_lr=0.05)
        seq = []
        for m in metrics:
            opt.step()
            s.step(m)
            seq.append(opt.param_groups[0]["lr"])
        out.append(seq)
    assert out[0] == out[1]


def test_course_decays_closed_forms():
    lr0, r, gamma = 0.5, 0.1, 0.8
    for make, formula in [
        (lambda o, m: m.LambdaLR(o, lambda t: 1 / (1 + r * t)), lambda t: lr0 / (1 + r * t)),
        (lambda o, m: m.ExponentialLR(o, gamma), lambda t: lr0 * gamma ** t),
        (lambda o, m: m.StepLR(o, step_size=3, gamma=gamma), lambda t: lr0 * gamma ** (t // 3)),
    ]:
        p = numtorch.zeros(1, requires_grad=True)
        opt = numtorch.optim.SGD([p], lr=lr0)
        sched = make(opt, numtorch.optim.lr_scheduler)
        for t in range(1, 12):
            opt.step()
            sched.step()
            assert opt.param_groups[0]["lr"] == pytest.approx(formula(t), rel=1e-12)


def test_cosine_closed_form_and_state_dict_round_trip():
    p = numtorch.zeros(1, requires_grad=True)
    opt = numtorch.optim.SGD([p], lr=1.0)
    s = numtorch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10)
    for _ in range(4):
        opt.step()
        s.step()
    assert s.get_last_lr()[0] == pytest.approx((1 + math.cos(math.pi * 4 / 10)) / 2)
    state = s.state_dict()
    assert "optimizer" not in state
    opt2 = numtorch.optim.SGD([p], lr=1.0)
    s2 = numtorch.optim.lr_scheduler.CosineAnnealingLR(opt2, T_max=10)
    s2.load_state_dict(state)
    opt2.param_groups[0]["lr"] = opt.param_groups[0]["lr"]
    for _ in range(3):
        opt.step()
        s.step()
        opt2.step()
        s2.step()
    assert s.get_last_lr() == s2.get_last_lr()


def test_scheduler_step_before_optimizer_step_warns():
    p = numtorch.zeros(1, requires_grad=True)
    opt = numtorch.optim.SGD([p], lr=1.0)
    s = numtorch.optim.lr_scheduler.StepLR(opt, 2)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        s.step()


def test_correct_order_does_not_warn():
    p = numtorch.zeros(1, requires_grad=True)
    opt = numtorch.optim.SGD([p], lr=1.0)
    s = numtorch.optim.lr_scheduler.StepLR(opt, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
        s.step()


def test_one_cycle_rejects_too_many_steps():
    p = numtorch.zeros(1, requires_grad=True)
    opt = numtorch.optim.SGD([p], lr=1.0, momentum=0.9)
    s = numtorch.optim.lr_scheduler.OneCycleLR(opt, 1.0, total_steps=3)
    for _ in range(2):
        opt.step()
        s.step()
    opt.step()
    s.step()
    with pytest.raises(ValueError, match="Tried to step 4 times"):
        s.step()
