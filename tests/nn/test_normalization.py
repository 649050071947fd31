"""BatchNorm1d/2d/3d, InstanceNorm1d/2d/3d, LayerNorm, GroupNorm, RMSNorm, LocalResponseNorm:
outputs and gradients against torch in train and eval mode, running statistics over several
steps (momentum 0.1 and None), buffers and state_dict keys, reprs and errors."""

import numpy as np
import pytest
from parity import raises_like, requires_torch, rng, to_numpy, torch

import numtorch
from numtorch import nn

from .module_parity import module_parity


def _randn(*shape, seed=0, scale=1.0, shift=0.0):
    return np.asarray(rng(seed).standard_normal(shape) * scale + shift, dtype=np.float32)


BN = [("BatchNorm1d", (4, 3)), ("BatchNorm1d", (4, 3, 5)), ("BatchNorm2d", (2, 3, 4, 4)),
      ("BatchNorm3d", (2, 3, 2, 3, 2))]


def _set_affine(m, lib, c):
    if m.weight is not None:
        with lib.no_grad():
            m.weight.copy_(lib.tensor(np.linspace(0.5, 1.5, c, dtype=np.float32)))
            m.bias.copy_(lib.tensor(np.linspace(-0.3, 0.4, c, dtype=np.float32)))
    return m


@pytest.mark.parametrize("name,shape", BN)
@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("affine,track", [(True, True), (False, True), (True, False)])
def test_batch_norm_modules_match_torch(name, shape, train, affine, track):
    x = _randn(*shape, scale=2.0, shift=0.7)

    def make(lib):
        m = getattr(lib.nn, name)(3, affine=affine, track_running_stats=track)
        if track:
            m.running_mean.fill_(0.2)
            m.running_var.fill_(1.5)
        return _set_affine(m, lib, 3)

    nt, th, _ = module_parity(make, x, train=train)
    if track:
        np.testing.assert_allclose(to_numpy(nt.running_mean), to_numpy(th.running_mean),
                                   rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(to_numpy(nt.running_var), to_numpy(th.running_var),
                                   rtol=1e-5, atol=1e-6)
        assert int(nt.num_batches_tracked) == int(th.num_batches_tracked)
    else:
        assert nt.running_mean is None and nt.running_var is None
        assert nt.num_batches_tracked is None


@requires_torch
@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("name,shape", [("BatchNorm1d", (5, 3)), ("BatchNorm2d", (2, 3, 3, 3))])
def test_running_statistics_after_several_steps(momentum, name, shape):
    mods = {lib: getattr(lib.nn, name)(3, momentum=momentum) for lib in (numtorch, torch)}
    for step in range(4):
        x = _randn(*shape, seed=step, scale=1.0 + step, shift=step - 1.0)
        for lib, m in mods.items():
            m(lib.tensor(x))
    nt, th = mods[numtorch], mods[torch]
    for key in ("running_mean", "running_var"):
        np.testing.assert_allclose(to_numpy(getattr(nt, key)), to_numpy(getattr(th, key)),
                                   rtol=1e-5, atol=1e-6)
    assert nt.num_batches_tracked.dtype == numtorch.int64
    assert nt.num_batches_tracked.item() == th.num_batches_tracked.item() == 4
    x = _randn(*shape, seed=9)
    nt.eval()
    th.eval()
    np.testing.assert_allclose(to_numpy(nt(numtorch.tensor(x))), to_numpy(th(torch.tensor(x))),
                               rtol=1e-5, atol=1e-5)
    # Eval mode leaves the statistics alone.
    assert nt.num_batches_tracked.item() == 4


@requires_torch
def test_batch_norm_state_dict_keys_and_buffers_like_torch():
    for kw in ({}, {"affine": False}, {"track_running_stats": False}, {"bias": False}):
        nt, th = nn.BatchNorm2d(4, **kw), torch.nn.BatchNorm2d(4, **kw)
        assert list(nt.state_dict()) == list(th.state_dict())
        assert [n for n, _ in nt.named_buffers()] == [n for n, _ in th.named_buffers()]
        assert [n for n, _ in nt.named_parameters()] == [n for n, _ in th.named_parameters()]
    sd = nn.BatchNorm1d(3).state_dict()
    assert sd["num_batches_tracked"].dtype == numtorch.int64
    assert sd["num_batches_tracked"].shape == ()
    np.testing.assert_array_equal(sd["running_var"].numpy(), np.ones(3, np.float32))


def test_batch_norm_loads_checkpoint_without_num_batches_tracked():
    m = nn.BatchNorm1d(2)
    sd = {k: v for k, v in nn.BatchNorm1d(2).state_dict().items() if k != "num_batches_tracked"}
    sd = type(m.state_dict())(sd)
    sd._metadata = {"": {"version": 1}}
    m.load_state_dict(sd)
    assert m.num_batches_tracked.item() == 0


@requires_torch
def test_batch_norm_errors_like_torch():
    err = raises_like(lambda lib, x: lib.nn.BatchNorm1d(3)(x), _randn(1, 3))
    assert isinstance(err, ValueError)
    assert str(err).startswith("Expected more than 1 value per channel when training, got "
                               "input size ")
    assert str(err).endswith("Size([1, 3])")
    for name, bad, msg in [("BatchNorm1d", (2, 3, 2, 2), "expected 2D or 3D input (got 4D input)"),
                           ("BatchNorm2d", (2, 3, 2), "expected 4D input (got 3D input)"),
                           ("BatchNorm3d", (2, 3, 2), "expected 5D input (got 3D input)")]:
        err = raises_like(lambda lib, x: getattr(lib.nn, name)(3)(x), _randn(*bad))
        assert str(err) == msg
    # One value per channel is fine in eval mode.
    m = nn.BatchNorm1d(3).eval()
    assert m(numtorch.ones(1, 3)).shape == (1, 3)


@requires_torch
def test_reprs_match_torch():
    cases = [
        ("BatchNorm1d", (3,), {}), ("BatchNorm2d", (3,), {"momentum": None, "affine": False}),
        ("BatchNorm3d", (2,), {"eps": 1e-3, "track_running_stats": False}),
        ("InstanceNorm1d", (3,), {}), ("InstanceNorm2d", (3,), {"affine": True}),
        ("LayerNorm", (4,), {}), ("LayerNorm", ((4, 5),), {"elementwise_affine": False}),
        ("LayerNorm", (4,), {"bias": False}), ("GroupNorm", (2, 4), {}),
        ("RMSNorm", (4,), {}), ("RMSNorm", ([4, 3],), {"eps": 1e-5}),
        ("LocalResponseNorm", (2,), {}),
    ]
    for name, args, kw in cases:
        assert repr(getattr(nn, name)(*args, **kw)) == repr(getattr(torch.nn, name)(*args, **kw))


# ---------------------------------------------------------------------------- instance norm
@pytest.mark.parametrize("name,shape", [("InstanceNorm1d", (2, 3, 5)), ("InstanceNorm1d", (3, 5)),
                                        ("InstanceNorm2d", (2, 3, 3, 2)),
                                        ("InstanceNorm3d", (2, 3, 2, 2, 2))])
@pytest.mark.parametrize("affine,track,train", [(False, False, True), (True, False, True),
                                                (True, True, True), (True, True, False)])
def test_instance_norm_modules_match_torch(name, shape, affine, track, train):
    x = _randn(*shape, scale=2.0)

    def make(lib):
        m = getattr(lib.nn, name)(3, affine=affine, track_running_stats=track)
        return _set_affine(m, lib, 3)

    nt, th, _ = module_parity(make, x, train=train)
    if track:
        np.testing.assert_allclose(to_numpy(nt.running_mean), to_numpy(th.running_mean),
                                   rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(to_numpy(nt.running_var), to_numpy(th.running_var),
                                   rtol=1e-5, atol=1e-6)


@requires_torch
def test_instance_norm_feature_mismatch_like_torch():
    with pytest.warns(UserWarning, match="does not match num_features"):
        nn.InstanceNorm1d(3)(numtorch.tensor(_randn(2, 4, 5)))
    err = raises_like(lambda lib, x: lib.nn.InstanceNorm1d(3, affine=True)(x), _randn(2, 4, 5))
    assert str(err) == "expected input's size at dim=1 to match num_features (3), but got: 4."
    raises_like(lambda lib, x: lib.nn.InstanceNorm2d(3)(x), _randn(2, 3, 1, 1))


# ---------------------------------------------------------------------------- layer/group/RMS
@pytest.mark.parametrize("normalized,shape", [(4, (3, 4)), ((3, 4), (2, 3, 4)), ([4], (4,))])
@pytest.mark.parametrize("kw", [{}, {"elementwise_affine": False}, {"bias": False},
                                {"eps": 1e-3}])
def test_layer_norm_module_matches_torch(normalized, shape, kw):
    def make(lib):
        m = lib.nn.LayerNorm(normalized, **kw)
        if m.weight is not None:
            with lib.no_grad():
                m.weight.mul_(1.5)
        return m

    module_parity(make, _randn(*shape, scale=2.0, shift=1.0))


@pytest.mark.parametrize("groups,shape", [(2, (2, 4, 3)), (1, (2, 4, 2, 2)), (4, (3, 4, 2))])
@pytest.mark.parametrize("affine", [True, False])
def test_group_norm_module_matches_torch(groups, shape, affine):
    module_parity(lambda lib: _set_affine(lib.nn.GroupNorm(groups, 4, affine=affine), lib, 4),
                  _randn(*shape, scale=2.0))


@requires_torch
def test_group_norm_divisibility_error_like_torch():
    for lib in (numtorch, torch):
        with pytest.raises(ValueError, match=r"^num_channels \(4\) must be divisible by "
                                             r"num_groups \(3\)$"):
            lib.nn.GroupNorm(3, 4)
    raises_like(lambda lib, x: lib.nn.GroupNorm(2, 4)(x), _randn(2, 6, 3))


@pytest.mark.parametrize("normalized,shape,eps", [(4, (3, 4), None), ((2, 4), (3, 2, 4), 1e-5)])
def test_rms_norm_module_matches_torch(normalized, shape, eps):
    module_parity(lambda lib: lib.nn.RMSNorm(normalized, eps=eps), _randn(*shape))


def test_local_response_norm_module_matches_torch():
    module_parity(lambda lib: lib.nn.LocalResponseNorm(3, alpha=0.2, beta=0.5, k=2.0),
                  _randn(2, 5, 3, 2, scale=2.0))


def test_norm_layers_train_a_step():
    """A conv-free model with BatchNorm and LayerNorm reduces its loss under SGD."""
    numtorch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.LayerNorm(8),
                          nn.Linear(8, 3))
    x = numtorch.tensor(_randn(16, 4))
    t = numtorch.tensor(rng(1).integers(0, 3, 16))
    losses = []
    for _ in range(5):
        loss = nn.CrossEntropyLoss()(model(x), t)
        model.zero_grad()
        loss.backward()
        with numtorch.no_grad():
            for p in model.parameters():
                p -= 0.2 * p.grad
        losses.append(loss.item())
    assert losses[-1] < losses[0]
