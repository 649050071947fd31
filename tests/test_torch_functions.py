"""torch's top-level in-place functions, nn.functional names under torch's argument order, and
the global switches (numtorch/_torch_functions.py), each against PyTorch."""

import numpy as np
import pytest
from parity import check_grad, parity, raises_like, rng

import numtorch
from numtorch._torch_functions import INPLACE_FUNCTIONS

torch = pytest.importorskip("torch")


def _idx(lib):
    return (lib.tensor([0, 1]), lib.tensor([0, 2]))


# name -> (positional arguments after the tensor, keyword arguments); the values of the tensor
# lie in (0.1, 0.9), inside every function's domain
ARGS = {
    "clamp_": ((0.2, 0.6), {}), "clip_": ((0.2, 0.6), {}), "clamp_min_": ((0.3,), {}),
    "clamp_max_": ((0.5,), {}), "round_": ((), {"decimals": 1}), "celu_": ((0.5,), {}),
    "threshold_": ((0.5, -1.0), {}), "logit_": ((0.05,), {}),
    "dropout_": ((1.0, True), {}), "alpha_dropout_": ((1.0, True), {}),
    "feature_dropout_": ((1.0, True), {}), "feature_alpha_dropout_": ((1.0, True), {}),
    "rrelu": ((0.1, 0.3, False), {}), "rrelu_": ((0.1, 0.3, False), {}),
    "fill_": ((2.5,), {}), "fill": ((2.5,), {}),
}
NOT_IN_PLACE = {"fill", "detach", "rrelu"}
NO_GRAD = {"detach", "detach_", "resize_as_"}


def _call(lib, name, x):
    args, kwargs = ARGS.get(name, ((), {}))
    fn = getattr(lib, name)
    if name == "index_put_":
        return fn(x, _idx(lib), lib.tensor([5.0, 6.0], dtype=x.dtype))
    if name == "resize_as_":
        return fn(x, lib.zeros(3, 2))
    return fn(x, *args, **kwargs)


def _values(shape=(2, 3)):
    return rng(1).uniform(0.1, 0.9, shape)


def test_table_covers_the_list():
    assert set(INPLACE_FUNCTIONS) >= {"abs_", "acos_", "nan_to_num_", "index_put_", "zero_",
                                      "fill", "detach_", "rrelu", "resize_as_", "logit_"}
    assert len(INPLACE_FUNCTIONS) == 56
    for name in INPLACE_FUNCTIONS:
        assert getattr(numtorch, name).__name__ == name


@pytest.mark.parametrize("name", sorted(INPLACE_FUNCTIONS))
def test_result_identity_and_gradient(name):
    a = _values()
    for lib in (numtorch, torch):
        leaf = lib.tensor(a, requires_grad=name not in NO_GRAD)
        x = leaf * 1 if name not in NO_GRAD else leaf.clone()
        res = _call(lib, name, x)
        assert (res is x) == (name not in NOT_IN_PLACE), name
        if lib is numtorch:
            nt_res, nt_leaf = res, leaf
        else:
            th_res, th_leaf = res, leaf
    assert tuple(nt_res.shape) == tuple(th_res.shape)
    assert str(nt_res.dtype).split(".")[-1] == str(th_res.dtype).split(".")[-1]
    if name != "resize_as_":  # (the values a resize adds are uninitialized in PyTorch)
        np.testing.assert_allclose(nt_res.detach().numpy(), th_res.detach().numpy(), rtol=1e-5,
                                   atol=1e-6)
    assert nt_res.requires_grad == th_res.requires_grad
    if th_res.requires_grad:
        w = rng(2).standard_normal(tuple(th_res.shape))
        (nt_res * numtorch.tensor(w, dtype=nt_res.dtype)).sum().backward()
        (th_res * torch.tensor(w, dtype=th_res.dtype)).sum().backward()
        if th_leaf.grad is None:
            assert nt_leaf.grad is None or not nt_leaf.grad.numpy().any()
        else:
            np.testing.assert_allclose(nt_leaf.grad.numpy(), th_leaf.grad.numpy(), rtol=1e-5,
                                       atol=1e-6)


@pytest.mark.parametrize("name", sorted(set(INPLACE_FUNCTIONS) - NOT_IN_PLACE - {"detach_"}))
def test_leaf_that_requires_grad_is_refused(name):
    a = _values()
    exc = raises_like(lambda lib: _call(lib, name, lib.tensor(a, requires_grad=True)))
    assert "leaf Variable" in str(exc) or "resize" in str(exc)


def test_version_counter_and_views():
    base = numtorch.zeros(4)
    view = base[1:3]
    numtorch.exp_(view)
    assert base.tolist() == [0.0, 1.0, 1.0, 0.0]
    assert base._version == view._version == 1
    x = numtorch.tensor([0.5, 2.0])
    saved = x.clone().requires_grad_()
    y = saved * 1
    z = y.exp()  # saves its output
    numtorch.sqrt_(z)
    w = z * 1
    numtorch.neg_(z)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        w.sum().backward()


@pytest.mark.parametrize("name", ["dropout_", "alpha_dropout_", "feature_dropout_",
                                  "feature_alpha_dropout_"])
def test_dropout_that_drops_nothing_returns_the_input(name):
    for lib in (numtorch, torch):
        x = lib.ones(2, 3, requires_grad=True)  # a leaf: nothing is written, nothing raised
        assert getattr(lib, name)(x, 0.0, True) is x
        assert getattr(lib, name)(x, 0.5, False) is x


def test_not_a_tensor():
    with pytest.raises(TypeError, match=r"abs_\(\): argument 'input' \(position 1\) must be "
                                        r"Tensor, not list"):
        numtorch.abs_([1.0])
    raises_like(lambda lib: lib.clamp_(3.0, 0, 1))


def test_detach_and_detach_():
    x = numtorch.ones(2, requires_grad=True)
    y = x * 2
    d = numtorch.detach(y)
    assert not d.requires_grad and d.data_ptr() == y.data_ptr()
    assert numtorch.detach_(y) is y and y.is_leaf and not y.requires_grad


def test_fill_out_of_place_sends_no_gradient():
    parity(lambda lib, x: lib.fill(x * 2, 3.0) + x, _values())


def test_rrelu_training_draws_from_the_generator():
    x = numtorch.full((1000,), -1.0)
    g = numtorch.Generator().manual_seed(3)
    a = numtorch.rrelu(x, 0.1, 0.3, True, g)
    b = numtorch.rrelu(x, 0.1, 0.3, True, numtorch.Generator().manual_seed(3))
    assert numtorch.equal(a, b)
    assert -0.3 <= a.min().item() and a.max().item() <= -0.1 and a.std().item() > 0.01


# ====================================================================== functional names
def _loss_inputs():
    r = rng(3)
    return r.standard_normal((4, 3)), r.uniform(0, 1, (4, 3))


@pytest.mark.parametrize("reduction", [0, 1, 2])
def test_losses_with_aten_reduction(reduction):
    a, b = _loss_inputs()
    sign = np.where(rng(4).uniform(size=4) > 0.5, 1.0, -1.0)
    parity(lambda lib, x, t: lib.binary_cross_entropy_with_logits(
        x, t, None, lib.ones(3) * 2, reduction), a, b, grad_inputs=(0,))
    parity(lambda lib, x, t: lib.kl_div(x, t, reduction, log_target=False), a, b)
    parity(lambda lib, x, t: lib.hinge_embedding_loss(x, t.sign(), 0.5, reduction), a, b - 0.5,
           grad_inputs=(0,))
    parity(lambda lib, x, y, t: lib.margin_ranking_loss(x, y, t, 0.1, reduction), a[:, 0],
           b[:, 0], sign, grad_inputs=(0, 1))
    parity(lambda lib, x, y, t: lib.cosine_embedding_loss(x, y, t, 0.2, reduction), a, b, sign,
           grad_inputs=(0, 1))
    parity(lambda lib, x, t: lib.poisson_nll_loss(x, t, True, False, 1e-8, reduction), a, b,
           grad_inputs=(0,))
    parity(lambda lib, x, y, z: lib.triplet_margin_loss(x, y, z, 1.0, 2.0, 1e-6, True,
                                                        reduction), a, b, a[::-1].copy())


def test_default_reduction_is_none_as_torch_calls_it():
    a, b = _loss_inputs()
    sign = np.where(rng(4).uniform(size=4) > 0.5, 1.0, -1.0)
    parity(lambda lib, x, t: lib.kl_div(x, t), a, b)
    parity(lambda lib, x, t: lib.binary_cross_entropy_with_logits(x, t), a, b)
    parity(lambda lib, x, t: lib.hinge_embedding_loss(x, t.sign()), a, b - 0.5,
           grad_inputs=(0,))
    parity(lambda lib, x, y, t: lib.margin_ranking_loss(x, y, t), a[:, 0], b[:, 0], sign,
           grad_inputs=(0, 1))
    parity(lambda lib, x, y, t: lib.cosine_embedding_loss(x, y, t), a, b, sign,
           grad_inputs=(0, 1))
    parity(lambda lib, x, y, z: lib.triplet_margin_loss(x, y, z), a, b, a[::-1].copy())


def test_kl_div_mean_without_warning():
    import warnings

    a, b = _loss_inputs()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parity(lambda lib, x, t: lib.kl_div(x, t, 1), a, b)
        parity(lambda lib, x, t: lib.kl_div(x, t, 1, log_target=True), a, b)


def test_distances_embedding_bilinear():
    a, b = _loss_inputs()
    parity(lambda lib, x, y: lib.pairwise_distance(x, y, 3.0), a, b)
    parity(lambda lib, x, y: lib.cosine_similarity(x, y, 0), a, b)
    parity(lambda lib, x: lib.pdist(x), a)
    parity(lambda lib, x: lib.pdist(x, 1.0), a)
    parity(lambda lib, x: lib.pdist(x, 0), np.array([[1.0, 2.0], [1.0, 3.0], [0.0, 2.0]]))
    parity(lambda lib, x: lib.nn.functional.pdist(x, float("inf")), a)
    check_grad(lambda lib, x: lib.pdist(x, 3.0), a)
    idx = np.array([[0, 2], [3, 3]])
    parity(lambda lib, w, i: lib.embedding(w, i), a, idx)
    parity(lambda lib, w, i: lib.embedding(w, i, 3), a, idx)
    w = rng(5).standard_normal((2, 3, 3))
    parity(lambda lib, x, y, w, bias: lib.bilinear(x, y, w, bias), a, b, w, np.ones(2))


def test_pdist_errors():
    raises_like(lambda lib: lib.pdist(lib.ones(3)), match="2D")
    raises_like(lambda lib: lib.pdist(lib.ones(3, 2), -1.0), match="non-negative")


def test_can_cast():
    dts = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
    for a in dts:
        for b in dts:
            assert numtorch.can_cast(getattr(numtorch, a), getattr(numtorch, b)) == \
                torch.can_cast(getattr(torch, a), getattr(torch, b)), (a, b)


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # (the NaN made on purpose)
def test_switches():
    assert numtorch.set_flush_denormal(True) is False
    assert not numtorch.is_warn_always_enabled()
    numtorch.set_warn_always(True)
    try:
        assert numtorch.is_warn_always_enabled()
    finally:
        numtorch.set_warn_always(False)
    assert not numtorch.is_anomaly_enabled()
    numtorch.set_anomaly_enabled(True)
    try:
        assert numtorch.is_anomaly_enabled() and numtorch.autograd.is_anomaly_enabled()
        x = numtorch.tensor([0.0], requires_grad=True)
        with pytest.raises(RuntimeError, match="nan"):
            (x.sqrt() * 0).sum().backward()
    finally:
        numtorch.set_anomaly_enabled(False)
    assert not numtorch.is_anomaly_enabled()
