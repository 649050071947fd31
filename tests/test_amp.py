"""numtorch.amp: autocast is disabled with PyTorch's warnings; GradScaler scales, unscales,
skips overflowing steps and adapts its scale as PyTorch's (compared with torch's CPU scaler)."""

import math

import numpy as np
import pytest
from parity import torch

import numtorch
from numtorch import nn


def test_autocast_warns_and_stays_disabled():
    with pytest.warns(UserWarning, match="Disabling autocast"):
        ctx = numtorch.autocast("cuda")
    with ctx:
        assert not numtorch.is_autocast_enabled()
        y = nn.Linear(2, 2)(numtorch.ones(1, 2))
    assert y.dtype == numtorch.float32
    with pytest.warns(UserWarning, match="Disabling autocast"):
        numtorch.amp.autocast("cpu", dtype=numtorch.float16)
    with numtorch.autocast("cpu", enabled=False):
        assert not numtorch.is_autocast_enabled()
    assert numtorch.amp.autocast is numtorch.autocast
    with pytest.raises(RuntimeError, match="unsupported autocast device_type"):
        numtorch.autocast("tpu")


def test_autocast_as_decorator_runs_the_function():
    @numtorch.autocast("cpu", enabled=False)
    def f(x):
        return x * 2

    assert f(numtorch.ones(2)).tolist() == [2.0, 2.0]


def test_cuda_grad_scaler_disables_itself_like_a_cpu_only_pytorch():
    with pytest.warns(UserWarning, match="CUDA is not available"):
        scaler = numtorch.amp.GradScaler()
    assert not scaler.is_enabled() and scaler.get_scale() == 1.0
    model = nn.Linear(2, 1)
    opt = numtorch.optim.SGD(model.parameters(), lr=0.1)
    loss = model(numtorch.ones(1, 2)).sum()
    assert scaler.scale(loss) is loss
    loss.backward()
    before = model.weight.detach().clone()
    scaler.step(opt)
    scaler.update()
    assert not numtorch.equal(before, model.weight) and scaler.state_dict() == {}


def _run(lib, losses_scale):
    """Four steps of a CPU GradScaler with growth_interval=2; step 3 overflows."""
    lib.manual_seed(0)
    model = lib.nn.Linear(3, 1)
    with lib.no_grad():
        model.weight.copy_(lib.tensor([[0.5, -1.0, 2.0]]))
        model.bias.fill_(0.25)
    opt = lib.optim.SGD(model.parameters(), lr=0.1)
    scaler = lib.amp.GradScaler("cpu", init_scale=8.0, growth_interval=2)
    x = lib.tensor([[1.0, 2.0, 3.0]])
    record = []
    for step, factor in enumerate(losses_scale):
        opt.zero_grad()
        loss = model(x).sum() * factor
        scaler.scale(loss).backward()
        if step == 1:
            scaler.unscale_(opt)
            record.append(model.weight.grad.clone().tolist())
        result = scaler.step(opt)
        scaler.update()
        record.append((scaler.get_scale(), result is None, model.weight.detach().tolist()))
    record.append(scaler.state_dict())
    return record


def test_grad_scaler_matches_torch():
    steps = [1.0, 1.0, math.inf, 1.0]
    nt = _run(numtorch, steps)
    assert nt[-1] == {"scale": 8.0, "growth_factor": 2.0, "backoff_factor": 0.5,
                      "growth_interval": 2, "_growth_tracker": 1}
    assert nt[3][1] is True  # the overflowing step was skipped
    if torch is None:
        pytest.skip("PyTorch is not installed")
    th = _run(torch, steps)
    assert len(nt) == len(th)
    for a, b in zip(nt, th):
        if isinstance(a, tuple):
            assert a[:2] == b[:2]
            np.testing.assert_allclose(a[2], b[2], rtol=1e-6)
        elif isinstance(a, dict):
            assert a == b
        else:
            np.testing.assert_allclose(a, b, rtol=1e-6)


def test_grad_scaler_errors_and_state():
    scaler = numtorch.amp.GradScaler("cpu")
    opt = numtorch.optim.SGD(nn.Linear(1, 1).parameters(), lr=0.1)
    scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="already been called"):
        scaler.unscale_(opt)
    scaler.update()
    other = numtorch.amp.GradScaler("cpu", init_scale=1.0)
    other.load_state_dict(scaler.state_dict())
    assert other.get_scale() == scaler.get_scale() == 2.0 ** 16
    with pytest.raises(RuntimeError, match="state dict is empty"):
        other.load_state_dict({})
    with pytest.raises(AssertionError, match="growth factor"):
        numtorch.amp.GradScaler("cpu", growth_factor=0.5)
