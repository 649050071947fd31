"""multilabel_margin_loss and triplet_margin_with_distance_loss (numtorch/ops/loss_margin.py)
and their modules: PyTorch's values, gradients, reprs and errors; float64 finite differences."""

import numpy as np
import pytest
from parity import check_grad, parity, raises_like, requires_torch, torch

import numtorch

R = np.random.default_rng(1)
X = R.standard_normal((4, 5))
# targets up to the first -1: several labels, a duplicate, none, all but one
Y = np.array([[3, 0, -1, 1, 2], [1, 1, 4, -1, 0], [-1, 2, 3, 0, 0], [0, 1, 2, 3, -1]])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_multilabel_margin_matches_torch(reduction):
    parity(lambda lib, x, y: lib.nn.functional.multilabel_margin_loss(x, y, reduction=reduction),
           X.astype(np.float32), Y)
    parity(lambda lib, x, y: lib.nn.functional.multilabel_margin_loss(x, y, reduction=reduction),
           X, Y)
    # unbatched (C,) and 0-d inputs
    parity(lambda lib, x, y: lib.nn.functional.multilabel_margin_loss(x, y, reduction=reduction),
           X[0], Y[0])
    parity(lambda lib, x, y: lib.nn.functional.multilabel_margin_loss(x, y, reduction=reduction),
           np.array(0.5), np.array(0))


@requires_torch
def test_multilabel_margin_module_and_legacy_arguments():
    for kw in (dict(), dict(reduction="sum")):
        a, b = numtorch.nn.MultiLabelMarginLoss(**kw), torch.nn.MultiLabelMarginLoss(**kw)
        assert repr(a) == repr(b) and a.reduction == b.reduction
        parity(lambda lib, x, y: (a if lib is numtorch else b)(x, y), X, Y)
    with pytest.warns(UserWarning, match="size_average and reduce"):
        m = numtorch.nn.MultiLabelMarginLoss(size_average=False)
    assert m.reduction == "sum"


def test_multilabel_margin_value_by_hand():
    x = numtorch.tensor([[0.1, 0.2, 0.4, 0.8]])
    y = numtorch.tensor([[3, 0, -1, 1]])
    # targets 3 and 0 against non-targets 1 and 2
    want = ((1 - (0.8 - 0.2)) + (1 - (0.8 - 0.4)) + (1 - (0.1 - 0.2)) + (1 - (0.1 - 0.4))) / 4
    assert numtorch.nn.functional.multilabel_margin_loss(x, y).item() == pytest.approx(want)


def test_multilabel_margin_gradcheck():
    x = R.permutation(20).reshape(4, 5) / 9.0  # (no ties at a margin of exactly 1)
    for reduction in ("mean", "sum", "none"):
        check_grad(lambda lib, a, t: lib.nn.functional.multilabel_margin_loss(
            a, t, reduction=reduction), x, Y, grad_inputs=[0])


@pytest.mark.parametrize("x,y", [
    (np.ones((2, 4), np.float32), np.array([[3, 0, -1], [1, 2, 3]])),
    (np.ones((2, 4), np.float32), np.array([[4, 0, -1, 1], [1, 2, 3, -1]])),
    (np.ones((2, 4), np.float32), np.array([[-2, 0, -1, 1], [1, 2, 3, -1]])),
    (np.ones((2, 4), np.float32), np.array([[0.0, 1, -1, 1], [1, 2, 3, -1]])),
    (np.ones((2, 4), np.int64), np.array([[0, 1, -1, 1], [1, 2, 3, -1]])),
    (np.ones((2, 3, 4), np.float32), np.zeros((2, 3, 4), np.int64)),
    (np.ones((2, 0), np.float32), np.zeros((2, 0), np.int64)),
])
def test_multilabel_margin_errors_match_torch(x, y):
    raises_like(lambda lib, a, t: lib.nn.functional.multilabel_margin_loss(a, t), x, y)


# ---------------------------------------------------------------------- triplet with distance
A, P, N = (R.standard_normal((5, 6)) for _ in range(3))


def _cosine_distance(lib):
    return lambda a, b: 1.0 - lib.nn.functional.cosine_similarity(a, b)


@pytest.mark.parametrize("kw", [dict(), dict(margin=0.5, swap=True), dict(reduction="sum"),
                                dict(reduction="none", margin=2.0)])
@pytest.mark.parametrize("distance", ["default", "cosine", "l1_module"])
def test_triplet_with_distance_matches_torch(kw, distance):
    def fn(lib, a, p, n):
        d = {"default": None, "cosine": _cosine_distance(lib),
             "l1_module": lib.nn.PairwiseDistance(p=1.0)}[distance]
        return lib.nn.functional.triplet_margin_with_distance_loss(a, p, n, distance_function=d,
                                                                   **kw)
    parity(fn, A, P, N)
    parity(fn, A.astype(np.float32), P.astype(np.float32), N.astype(np.float32))


@requires_torch
def test_triplet_with_distance_module():
    a, b = numtorch.nn.TripletMarginWithDistanceLoss(), torch.nn.TripletMarginWithDistanceLoss()
    assert repr(a) == repr(b)
    assert isinstance(a.distance_function, numtorch.nn.PairwiseDistance)
    assert list(a.state_dict()) == list(b.state_dict()) == []
    parity(lambda lib, *xs: (a if lib is numtorch else b)(*xs), A, P, N)
    kw = dict(margin=0.3, swap=True, reduction="none")
    a = numtorch.nn.TripletMarginWithDistanceLoss(distance_function=_cosine_distance(numtorch),
                                                  **kw)
    b = torch.nn.TripletMarginWithDistanceLoss(distance_function=_cosine_distance(torch), **kw)
    assert repr(a) == repr(b)
    parity(lambda lib, *xs: (a if lib is numtorch else b)(*xs), A, P, N)


def test_triplet_with_distance_gradcheck():
    for kw in (dict(), dict(swap=True, reduction="sum")):
        check_grad(lambda lib, a, p, n: lib.nn.functional.triplet_margin_with_distance_loss(
            a, p, n, **kw), A, P, N)
    check_grad(lambda lib, a, p, n: lib.nn.functional.triplet_margin_with_distance_loss(
        a, p, n, distance_function=_cosine_distance(lib), margin=1.5), A, P, N)


def test_triplet_with_distance_errors_match_torch():
    fn = "triplet_margin_with_distance_loss"
    raises_like(lambda lib, a, p, n: getattr(lib.nn.functional, fn)(a, p, n, margin=0), A, P, N)
    raises_like(lambda lib, a, p, n: getattr(lib.nn.functional, fn)(a, p, n[0]), A, P, N)
    raises_like(lambda lib, a, p, n: getattr(lib.nn.functional, fn)(a, p, n, reduction="avg"),
                A, P, N)
    with pytest.raises(ValueError, match="expected margin to be greater than 0, got -1"):
        numtorch.nn.TripletMarginWithDistanceLoss(margin=-1)


def test_multilabel_margin_blocks_of_slots_give_the_same_loss(monkeypatch):
    from numtorch.ops import loss_margin

    x = numtorch.tensor(X, requires_grad=True)
    whole = numtorch.nn.functional.multilabel_margin_loss(x, numtorch.tensor(Y), reduction="none")
    (g_whole,) = numtorch.autograd.grad(whole.sum(), x)
    monkeypatch.setattr(loss_margin, "_BLOCK", 1)  # one slot per block
    blocks = numtorch.nn.functional.multilabel_margin_loss(x, numtorch.tensor(Y),
                                                           reduction="none")
    (g_blocks,) = numtorch.autograd.grad(blocks.sum(), x)
    np.testing.assert_allclose(blocks.detach().numpy(), whole.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(g_blocks.numpy(), g_whole.numpy(), rtol=1e-12)
