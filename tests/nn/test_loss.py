"""Loss modules: each against torch (values and gradients of every floating input) with its
options, their buffers (class weights) and reprs, and the deprecated reduction flags."""

import numpy as np
import pytest
from parity import requires_torch, rng, torch

import numtorch
from numtorch import nn

from .module_parity import module_parity


def _randn(*shape, seed=0):
    return np.asarray(rng(seed).standard_normal(shape), dtype=np.float32)


def _rand(*shape, seed=0, lo=0.0, hi=1.0):
    return np.asarray(rng(seed).uniform(lo, hi, shape), dtype=np.float32)


def _pm1(*shape, seed=3):
    return np.where(rng(seed).random(shape) > 0.5, 1.0, -1.0).astype(np.float32)


CW = np.array([0.5, 2.0, 1.0, 1.5], dtype=np.float32)
T = np.array([0, 3, 1, 2, 3])
T_IGNORED = np.array([0, 3, -100, 2, 3])

# (make(lib), inputs): every module, with the options that change its computation.
CASES = {
    "ce": (lambda lib: lib.nn.CrossEntropyLoss(), (_randn(5, 4), T)),
    "ce_weight_ignore_smooth": (lambda lib: lib.nn.CrossEntropyLoss(
        weight=lib.tensor(CW), ignore_index=1, label_smoothing=0.1), (_randn(5, 4), T)),
    "ce_ignore_default": (lambda lib: lib.nn.CrossEntropyLoss(reduction="sum"),
                          (_randn(5, 4), T_IGNORED)),
    "ce_spatial_none": (lambda lib: lib.nn.CrossEntropyLoss(reduction="none"),
                        (_randn(2, 4, 3, 2), rng(1).integers(0, 4, (2, 3, 2)))),
    "ce_probabilities": (lambda lib: lib.nn.CrossEntropyLoss(label_smoothing=0.2),
                         (_randn(5, 4), _rand(5, 4, seed=1))),
    "nll": (lambda lib: lib.nn.NLLLoss(weight=lib.tensor(CW)), (_randn(5, 4), T_IGNORED)),
    "bce": (lambda lib: lib.nn.BCELoss(), (_rand(3, 4, lo=0.05, hi=0.95), _rand(3, 4, seed=1))),
    "bce_weight": (lambda lib: lib.nn.BCELoss(weight=lib.tensor(CW), reduction="sum"),
                   (_rand(3, 4, lo=0.05, hi=0.95), _rand(3, 4, seed=1))),
    "bce_logits": (lambda lib: lib.nn.BCEWithLogitsLoss(), (_randn(3, 4), _rand(3, 4, seed=1))),
    "bce_logits_pos_weight": (lambda lib: lib.nn.BCEWithLogitsLoss(
        weight=lib.tensor(CW), pos_weight=lib.tensor(CW[::-1].copy()), reduction="none"),
        (_randn(3, 4), _rand(3, 4, seed=1))),
    "mse": (lambda lib: lib.nn.MSELoss(), (_randn(3, 4), _randn(3, 4, seed=1))),
    "l1": (lambda lib: lib.nn.L1Loss(reduction="sum"), (_randn(3, 4), _randn(3, 4, seed=1))),
    "smooth_l1": (lambda lib: lib.nn.SmoothL1Loss(beta=0.5), (_randn(3, 4),
                                                              _randn(3, 4, seed=1))),
    "huber": (lambda lib: lib.nn.HuberLoss(delta=0.4), (_randn(3, 4), _randn(3, 4, seed=1))),
    "kl_div": (lambda lib: lib.nn.KLDivLoss(reduction="batchmean"),
               (np.log(_rand(3, 4, lo=0.1)), _rand(3, 4, seed=1))),
    "kl_div_log_target": (lambda lib: lib.nn.KLDivLoss(reduction="sum", log_target=True),
                          (np.log(_rand(3, 4, lo=0.1)), np.log(_rand(3, 4, seed=1, lo=0.1)))),
    "cosine_embedding": (lambda lib: lib.nn.CosineEmbeddingLoss(margin=0.1),
                         (_randn(4, 5), _randn(4, 5, seed=1), _pm1(4))),
    "margin_ranking": (lambda lib: lib.nn.MarginRankingLoss(margin=0.2),
                       (_randn(5), _randn(5, seed=1), _pm1(5))),
    "hinge_embedding": (lambda lib: lib.nn.HingeEmbeddingLoss(margin=0.7),
                        (_randn(3, 4), _pm1(3, 4))),
    "multilabel_soft_margin": (lambda lib: lib.nn.MultiLabelSoftMarginLoss(
        weight=lib.tensor(CW)), (_randn(3, 4), (_rand(3, 4, seed=1) > 0.5).astype(np.float32))),
    "triplet": (lambda lib: lib.nn.TripletMarginLoss(margin=0.5, swap=True),
                (_randn(4, 5), _randn(4, 5, seed=1), _randn(4, 5, seed=2))),
    "soft_margin": (lambda lib: lib.nn.SoftMarginLoss(), (_randn(3, 4), _pm1(3, 4))),
    "poisson": (lambda lib: lib.nn.PoissonNLLLoss(), (_randn(3, 4), _rand(3, 4, hi=3.0))),
    "poisson_full": (lambda lib: lib.nn.PoissonNLLLoss(log_input=False, full=True),
                     (_rand(3, 4, lo=0.5, hi=2.0), _rand(3, 4, seed=1, hi=3.0))),
    "gaussian": (lambda lib: lib.nn.GaussianNLLLoss(full=True),
                 (_randn(3, 4), _randn(3, 4, seed=1), _rand(3, 4, seed=2, lo=0.2))),
    "multi_margin": (lambda lib: lib.nn.MultiMarginLoss(p=2, margin=0.8, weight=lib.tensor(CW)),
                     (_randn(5, 4), T)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_loss_module_matches_torch(name):
    make, arrays = CASES[name]
    # PyTorch refuses a soft-margin target that requires grad (its gradients are in
    # tests/ops/test_loss.py).
    module_parity(make, *arrays, grad=name != "soft_margin")


@requires_torch
def test_loss_reprs_and_attributes_like_torch():
    for name in ("CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "MSELoss",
                 "L1Loss", "SmoothL1Loss", "HuberLoss", "KLDivLoss", "CosineEmbeddingLoss",
                 "MarginRankingLoss", "HingeEmbeddingLoss", "MultiLabelSoftMarginLoss",
                 "TripletMarginLoss", "SoftMarginLoss", "PoissonNLLLoss", "GaussianNLLLoss",
                 "MultiMarginLoss"):
        nt, th = getattr(nn, name)(), getattr(torch.nn, name)()
        assert repr(nt) == repr(th)
        assert nt.reduction == th.reduction == "mean"
    ce = nn.CrossEntropyLoss(ignore_index=3, label_smoothing=0.1)
    assert (ce.ignore_index, ce.label_smoothing) == (3, 0.1)


def test_class_weights_are_buffers():
    w = numtorch.tensor(CW)
    ce = nn.CrossEntropyLoss(weight=w)
    assert list(ce.state_dict()) == ["weight"]
    assert ce.weight is w
    assert list(nn.CrossEntropyLoss().state_dict()) == []
    bce = nn.BCEWithLogitsLoss(pos_weight=w)
    assert list(bce.state_dict()) == ["pos_weight"]
    assert ce.to(numtorch.float64).weight.dtype == numtorch.float64


@requires_torch
def test_deprecated_reduction_flags_warn_and_map():
    for size_average, reduce, want in [(False, None, "sum"), (None, False, "none"),
                                       (True, None, "mean")]:
        with pytest.warns(UserWarning, match=f"please use reduction='{want}' instead"):
            m = nn.MSELoss(size_average=size_average, reduce=reduce)
        assert m.reduction == want
    with pytest.warns(UserWarning):
        module_parity(lambda lib: lib.nn.NLLLoss(size_average=False), _randn(5, 4), T)


@requires_torch
def test_constructor_errors_like_torch():
    for lib in (numtorch, torch):
        with pytest.raises(ValueError, match="expected margin to be greater than 0, got 0"):
            lib.nn.TripletMarginLoss(margin=0)
        with pytest.raises(ValueError, match="only p == 1 and p == 2 supported"):
            lib.nn.MultiMarginLoss(p=3)


def test_cross_entropy_trains_a_linear_classifier():
    numtorch.manual_seed(0)
    model = nn.Linear(4, 3)
    x = numtorch.tensor(_randn(32, 4))
    t = numtorch.tensor(rng(5).integers(0, 3, 32))
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.05)
    first = None
    for _ in range(20):
        loss = loss_fn(model(x), t)
        first = loss.item() if first is None else first
        model.zero_grad()
        loss.backward()
        with numtorch.no_grad():
            for p in model.parameters():
                p -= 0.5 * p.grad
    assert loss.item() < first
