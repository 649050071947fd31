"""Rprop, ASGD and Adafactor: trajectories equal PyTorch's for every option, state dicts of
PyTorch's layout both ways (round trip, and a state dict written by PyTorch), PyTorch's
argument errors."""

import copy
import io

import numpy as np
import pytest
from parity import requires_torch, torch

import numtorch

CASES = [
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2))),
    ("Rprop", dict(lr=0.02, maximize=True, foreach=True)),
    ("Rprop", dict(lr=0.02, foreach=False, capturable=False, differentiable=False)),
    ("ASGD", dict()),
    ("ASGD", dict(lr=0.05, lambd=1e-2, alpha=0.5, t0=3, weight_decay=0.01)),
    ("ASGD", dict(lr=0.05, t0=0, maximize=True, foreach=True)),
    ("ASGD", dict(lr=0.05, t0=2.5, weight_decay=0.1, foreach=False)),
    ("Adafactor", dict()),
    ("Adafactor", dict(lr=0.05, beta2_decay=-0.5, eps=(1e-20, 1e-2), d=2.0)),
    ("Adafactor", dict(lr=0.02, weight_decay=0.1, maximize=True, foreach=True)),
    ("Adafactor", dict(lr=0.3, eps=(1e-3, 0.0), d=1.0, foreach=False)),
]
IDS = [f"{n}-{i}" for i, (n, _) in enumerate(CASES)]

# A matrix, a vector, a 3-d tensor (Adafactor factors its last two dimensions) and a scalar.
SHAPES = [(6, 4), (6,), (2, 3, 6), ()]


def _params(lib, seed=0):
    r = np.random.default_rng(seed)
    return [lib.tensor((r.standard_normal(s) * 0.5).astype(np.float32), requires_grad=True)
            for s in SHAPES]


def _loss(lib, params, step):
    r = np.random.default_rng(100 + step)  # a different batch every step
    x = lib.tensor(r.standard_normal((5, 4)).astype(np.float32))
    w, b, v, s = params
    h = lib.tanh(x @ w.T + b)  # (5, 6)
    return (h.unsqueeze(0).unsqueeze(0) * v.unsqueeze(2)).pow(2).mean() + s * s * 0.3 + h.sum()


def _steps(lib, opt, params, start, n):
    for k in range(start, start + n):
        opt.zero_grad()
        _loss(lib, params, k).backward()
        opt.step()


def _groups(params, kwargs, split):
    if not split:
        return params
    lr = kwargs.get("lr", 0.01) / 2
    return [{"params": params[:2]}, {"params": params[2:], "lr": lr}]


@requires_torch
@pytest.mark.parametrize("split", [False, True], ids=["one_group", "two_groups"])
@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_trajectory_matches_torch(name, kwargs, split):
    out = {}
    for lib in (numtorch, torch):
        params = _params(lib)
        opt = getattr(lib.optim, name)(_groups(params, kwargs, split), **kwargs)
        _steps(lib, opt, params, 0, 12)
        out[lib.__name__] = ([p.detach().numpy() for p in params], opt.state_dict())
    for a, b in zip(out["numtorch"][0], out["torch"][0]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    nt_sd, th_sd = out["numtorch"][1], out["torch"][1]
    assert nt_sd["param_groups"] == [dict(g, **{"params": g["params"]})
                                     for g in th_sd["param_groups"]]
    assert sorted(nt_sd["state"]) == sorted(th_sd["state"])
    for k, th_state in th_sd["state"].items():
        nt_state = nt_sd["state"][k]
        assert sorted(nt_state) == sorted(th_state)
        for key, value in th_state.items():
            assert nt_state[key].dtype == getattr(numtorch, str(value.dtype).split(".")[1])
            assert tuple(nt_state[key].shape) == tuple(value.shape)
            np.testing.assert_allclose(nt_state[key].numpy(), value.numpy(), rtol=1e-4,
                                       atol=1e-5, err_msg=f"state[{k}][{key!r}]")


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_state_dict_round_trip_is_bitwise(name, kwargs):
    ref = _params(numtorch)
    _steps(numtorch, getattr(numtorch.optim, name)(ref, **kwargs), ref, 0, 10)
    first = _params(numtorch)
    opt = getattr(numtorch.optim, name)(first, **kwargs)
    _steps(numtorch, opt, first, 0, 5)
    buf = io.BytesIO()
    numtorch.save(opt.state_dict(), buf)
    buf.seek(0)
    resumed = [numtorch.tensor(p.detach().numpy().copy(), requires_grad=True) for p in first]
    opt2 = getattr(numtorch.optim, name)(resumed, **kwargs)
    opt2.load_state_dict(numtorch.load(buf))
    _steps(numtorch, opt2, resumed, 5, 5)
    for a, b in zip(resumed, ref):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


@requires_torch
@pytest.mark.parametrize("name,kwargs", CASES[::2], ids=IDS[::2])
def test_loads_a_state_dict_written_by_torch(name, kwargs):
    th_params = _params(torch)
    th_opt = getattr(torch.optim, name)(th_params, **kwargs)
    _steps(torch, th_opt, th_params, 0, 5)
    buf = io.BytesIO()
    torch.save(th_opt.state_dict(), buf)
    buf.seek(0)
    nt_params = [numtorch.tensor(p.detach().numpy().copy(), requires_grad=True)
                 for p in th_params]
    nt_opt = getattr(numtorch.optim, name)(nt_params, **kwargs)
    nt_opt.load_state_dict(numtorch.load(buf))
    _steps(numtorch, nt_opt, nt_params, 5, 5)
    _steps(torch, th_opt, th_params, 5, 5)
    for a, b in zip(nt_params, th_params):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-4,
                                   atol=1e-5)


def test_rprop_follows_the_sign_rule():
    p = numtorch.tensor([1.0, 1.0, 1.0], requires_grad=True)
    opt = numtorch.optim.Rprop([p], lr=0.1, etas=(0.5, 2.0), step_sizes=(0.01, 0.3))
    for grad in ([1.0, 1.0, 1.0], [1.0, -1.0, 0.0], [1.0, 1.0, 1.0]):
        p.grad = numtorch.tensor(grad)
        opt.step()
    # first coordinate: steps 0.1, 0.2, 0.3 (capped); second: 0.1, then a sign change (step
    # size halved, no move, prev zeroed), then 0.05 with no growth; third: 0.1, 0, 0.1.
    np.testing.assert_allclose(p.detach().numpy(), [0.4, 0.85, 0.8], rtol=1e-6)
    np.testing.assert_allclose(opt.state[p]["step_size"].numpy(), [0.3, 0.05, 0.1], rtol=1e-6)


def test_asgd_averages_after_t0():
    p = numtorch.tensor([0.0], requires_grad=True)
    opt = numtorch.optim.ASGD([p], lr=1.0, lambd=0.0, t0=2)
    seen = []
    for _ in range(5):
        p.grad = numtorch.tensor([-1.0])  # p moves 1, 2, 3, 4, 5
        opt.step()
        seen.append(p.item())
    assert seen == [1.0, 2.0, 3.0, 4.0, 5.0]
    # mu (set after step t) = 1 / max(1, t - t0): ax copies the iterates up to step 4, then
    # averages from there on: (4 + 5) / 2
    assert opt.state[p]["ax"].item() == pytest.approx(4.5)


def test_adafactor_state_is_factored():
    w = numtorch.zeros(2, 5, 3, requires_grad=True)
    b = numtorch.zeros(3, requires_grad=True)
    opt = numtorch.optim.Adafactor([w, b])
    (w.sum() + b.sum()).backward()
    opt.step()
    assert sorted(opt.state[w]) == ["col_var", "row_var", "step"]
    assert opt.state[w]["row_var"].shape == (2, 5, 1)
    assert opt.state[w]["col_var"].shape == (2, 1, 3)
    assert sorted(opt.state[b]) == ["step", "variance"]


BAD = [
    (lambda p: numtorch.optim.Rprop(p, lr=-1), ValueError, "Invalid learning rate: -1"),
    (lambda p: numtorch.optim.Rprop(p, etas=(1.5, 2.0)), ValueError, "Invalid eta values"),
    (lambda p: numtorch.optim.ASGD(p, lr=-0.1), ValueError, "Invalid learning rate"),
    (lambda p: numtorch.optim.ASGD(p, weight_decay=-1), ValueError, "Invalid weight_decay"),
    (lambda p: numtorch.optim.Adafactor(p, lr=-1), ValueError, "Learning rate should be >= 0"),
    (lambda p: numtorch.optim.Adafactor(p, beta2_decay=0.5), ValueError, "beta2_decay"),
    (lambda p: numtorch.optim.Adafactor(p, eps=(-1.0, 1e-3)), ValueError, "epsilon1"),
    (lambda p: numtorch.optim.Adafactor(p, eps=(None, -1.0)), ValueError, "epsilon2"),
    (lambda p: numtorch.optim.Adafactor(p, d=0.5), ValueError, "Clipping threshold d"),
    (lambda p: numtorch.optim.Adafactor(p, weight_decay=-1), ValueError, "weight_decay"),
]


@pytest.mark.parametrize("make,exc,message", BAD)
def test_bad_arguments(make, exc, message):
    with pytest.raises(exc, match=message):
        make([numtorch.zeros(2, requires_grad=True)])


def test_defaults_and_repr_keys_match_pytorch_names():
    p = [numtorch.zeros(2, requires_grad=True)]
    assert copy.copy(numtorch.optim.Rprop(p).defaults) == dict(
        lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), foreach=None, maximize=False,
        differentiable=False, capturable=False)
    assert numtorch.optim.ASGD(p).defaults == dict(
        lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, foreach=None, maximize=False,
        differentiable=False, capturable=False)
    assert numtorch.optim.Adafactor(p).defaults == dict(
        lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0, foreach=None,
        maximize=False)
