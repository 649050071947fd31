"""foreach / fused optimizer steps: the whole group on flat arrays, bitwise equal to the
per-parameter loop, with the same state dict."""

import numpy as np
import pytest

import numtorch
from numtorch import optim

# Eight small tensors (the flat path's minimum) and one large one, which the loop updates.
SHAPES = [(5, 3), (3,), (2, 3, 4), (), (200, 200), (7,), (1,), (4, 4), (2, 5), (9,)]


def _params(seed=0):
    rng = np.random.default_rng(seed)
    return [numtorch.tensor(rng.standard_normal(s).astype(np.float32), requires_grad=True)
            for s in SHAPES]


def _set_grads(params, step, skip=None):
    rng = np.random.default_rng(100 + step)
    for i, p in enumerate(params):
        g = rng.standard_normal(p.shape).astype(np.float32)
        p.grad = None if i == skip else numtorch.tensor(g)


def _run(make, flag, steps=6, skip_first=None):
    params = _params()
    opt = make(params, **flag)
    for step in range(steps):
        _set_grads(params, step, skip=skip_first if step < 2 else None)
        opt.step()
    return params, opt


CASES = [
    (optim.SGD, dict(lr=0.1)),
    (optim.SGD, dict(lr=0.1, momentum=0.9)),
    (optim.SGD, dict(lr=0.1, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    (optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.05, maximize=True)),
    (optim.Adam, dict(lr=0.01)),
    (optim.Adam, dict(lr=0.01, weight_decay=0.1, amsgrad=True, maximize=True)),
    (optim.Adam, dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    (optim.AdamW, dict(lr=0.01)),
    (optim.AdamW, dict(lr=0.01, amsgrad=True)),
]


@pytest.mark.parametrize("flag", [{"foreach": True}, {"fused": True}])
@pytest.mark.parametrize("cls,kw", CASES)
@pytest.mark.parametrize("skip_first", [None, 1])
def test_flat_step_is_bitwise_the_loop(cls, kw, flag, skip_first):
    loop_params, loop_opt = _run(lambda p, **f: cls(p, **kw, **f), {"foreach": False},
                                 skip_first=skip_first)
    assert not loop_opt.__dict__.get("_flat_cache")
    flat_params, flat_opt = _run(lambda p, **f: cls(p, **kw, **f), flag, skip_first=skip_first)
    assert flat_opt.__dict__.get("_flat_cache"), "the flat path did not run"
    for a, b in zip(loop_params, flat_params):
        assert a.shape == b.shape
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    ls, fs = loop_opt.state_dict(), flat_opt.state_dict()
    assert ls["state"].keys() == fs["state"].keys()
    for k in ls["state"]:
        assert ls["state"][k].keys() == fs["state"][k].keys()
        for name, v in ls["state"][k].items():
            w = fs["state"][k][name]
            assert w.shape == v.shape and w.dtype == v.dtype
            np.testing.assert_array_equal(v.numpy(), w.numpy())


def test_flat_state_survives_load_state_dict_and_save(tmp_path):
    params, opt = _run(lambda p, **f: optim.Adam(p, lr=0.01, **f), {"foreach": True}, steps=3)
    path = tmp_path / "opt.pt"
    numtorch.save(opt.state_dict(), path)
    ref_params, ref_opt = _run(lambda p, **f: optim.Adam(p, lr=0.01, **f), {"foreach": False},
                               steps=3)
    # A fresh optimizer resumes from the saved state: its state tensors are replaced, so the
    # flat arrays are rebuilt from them, and the next steps match the loop's.
    resumed = optim.Adam(params, lr=0.01, foreach=True)
    resumed.load_state_dict(numtorch.load(path))
    for step in range(3, 6):
        _set_grads(params, step)
        resumed.step()
        _set_grads(ref_params, step)
        ref_opt.step()
    for a, b in zip(ref_params, params):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    for name in ("exp_avg", "exp_avg_sq", "step"):
        np.testing.assert_array_equal(ref_opt.state_dict()["state"][0][name].numpy(),
                                      resumed.state_dict()["state"][0][name].numpy())


def test_replaced_state_tensor_is_picked_up():
    params, opt = _run(lambda p, **f: optim.SGD(p, lr=0.1, momentum=0.9, **f),
                       {"foreach": True}, steps=2)
    opt.state[params[0]]["momentum_buffer"] = numtorch.zeros(*SHAPES[0])
    before = params[0].detach().numpy().copy()
    _set_grads(params, 5)
    g = params[0].grad.numpy().copy()
    opt.step()
    np.testing.assert_array_equal(params[0].detach().numpy(), before - np.float32(0.1) * g)


def test_default_is_the_loop():
    params, opt = _run(lambda p, **f: optim.Adam(p, lr=0.01, **f), {}, steps=2)
    assert not opt.__dict__.get("_flat_cache")


def test_few_small_tensors_take_the_loop():
    params = _params()[:4]
    opt = optim.SGD(params, lr=0.1, momentum=0.9, foreach=True)
    for step in range(2):
        _set_grads(params, step)
        opt.step()
    assert not opt.__dict__.get("_flat_cache")


def test_mixed_dtypes_fall_back_to_the_loop():
    params = [numtorch.ones(3, requires_grad=True) for _ in range(8)]
    params.append(numtorch.ones(2, dtype=numtorch.float64, requires_grad=True))
    opt = optim.SGD(params, lr=0.5, momentum=0.9, foreach=True)
    for _ in range(2):
        for p in params:
            p.grad = numtorch.ones(*p.shape, dtype=p.dtype)
        opt.step()
    assert not opt.__dict__.get("_flat_cache")
    for p in params:
        np.testing.assert_allclose(p.detach().numpy(), 1 - 0.5 * (1 + 1.9), rtol=1e-6)
    assert params[-1].dtype == numtorch.float64


def test_deep_copied_optimizer_and_two_groups_match_the_loop():
    import copy

    def make(flag):
        params = _params(0) + _params(1)  # two groups of nine small tensors and a large one
        opt = optim.Adam([{"params": params[:10]}, {"params": params[10:], "lr": 0.05}],
                         lr=0.01, foreach=flag)
        return params, opt

    ref_params, ref_opt = make(False)
    params, opt = make(True)
    for step in range(3):
        for ps, o in ((ref_params, ref_opt), (params, opt)):
            _set_grads(ps, step)
            o.step()
    assert len(opt._flat_cache) == 2
    copied = copy.deepcopy({"params": params, "opt": opt})
    params, opt = copied["params"], copied["opt"]
    for step in range(3, 6):
        for ps, o in ((ref_params, ref_opt), (params, opt)):
            _set_grads(ps, step)
            o.step()
    for a, b in zip(ref_params, params):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    for k, v in ref_opt.state_dict()["state"].items():
        for name, t in v.items():
            np.testing.assert_array_equal(t.numpy(), opt.state_dict()["state"][k][name].numpy())
