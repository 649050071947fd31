"""CTC loss (numtorch/ops/loss_ctc.py): values and gradients equal PyTorch's for every
reduction, both target layouts, unbatched inputs, repeated labels, labels equal to the blank,
zero_infinity and impossible alignments; float64 finite differences through log_softmax;
PyTorch's errors."""

import numpy as np
import pytest
from parity import check_grad, parity, raises_like, requires_torch, torch

import numtorch

T, N, C = 7, 3, 5
R = np.random.default_rng(0)
LOGITS = R.standard_normal((T, N, C))
# padded targets; sample 1 repeats a label (needs a blank between the copies)
PADDED = np.array([[1, 2, 3, 4], [2, 2, 1, 0], [4, 0, 0, 0]])


def _concat(target_lengths):
    return np.concatenate([PADDED[i, :n] for i, n in enumerate(target_lengths)])


CASES = [
    # input lengths, target lengths
    ([7, 7, 7], [4, 3, 1]),
    ([7, 5, 3], [3, 3, 1]),
    ([7, 4, 2], [4, 2, 0]),       # an empty target
    ([7, 3, 7], [4, 3, 1]),       # sample 1 cannot fit (2, 2, 1 needs 4 frames): infinite
    ([0, 6, 1], [0, 3, 1]),       # no frames with an empty target: loss 0
]


def _ctc(lib, logits, targets, il, tl, **kw):
    return lib.nn.functional.ctc_loss(logits.log_softmax(2), targets, il, tl, **kw)


@requires_torch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("layout", ["padded", "concatenated"])
@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("il,tl", CASES, ids=[str(i) for i in range(len(CASES))])
def test_ctc_matches_torch(il, tl, reduction, layout, zero_infinity):
    targets = PADDED if layout == "padded" else _concat(tl)
    kw = dict(reduction=reduction, zero_infinity=zero_infinity)
    if np.isinf(_ctc(torch, torch.tensor(LOGITS), torch.tensor(targets), il, tl,
                     reduction="none").numpy()).any() and not zero_infinity:
        # infinite losses: NaN gradients in both; compare values, and the NaN pattern
        for lib in (numtorch, torch):
            x = lib.tensor(LOGITS, requires_grad=True)
            lp = x.log_softmax(2)
            lp.retain_grad()
            loss = lib.nn.functional.ctc_loss(lp, lib.tensor(targets), il, tl, **kw)
            loss.sum().backward()
            if lib is numtorch:
                nt = (loss.detach().numpy(), lp.grad.numpy())
            else:
                th = (loss.detach().numpy(), lp.grad.numpy())
        np.testing.assert_allclose(nt[0], th[0], rtol=1e-6)
        np.testing.assert_array_equal(np.isnan(nt[1]), np.isnan(th[1]))
        np.testing.assert_allclose(nt[1][~np.isnan(nt[1])], th[1][~np.isnan(th[1])], atol=1e-6)
        return
    parity(lambda lib, x, t: _ctc(lib, x, t, il, tl, **kw), LOGITS, targets, atol=1e-6)
    # the primitive's own gradient (w.r.t. log_probs, before the log-softmax backward)
    parity(lambda lib, lp, t: lib.nn.functional.ctc_loss(lp, t, il, tl, **kw),
           np.log(np.exp(LOGITS) / np.exp(LOGITS).sum(2, keepdims=True)), targets, atol=1e-6)


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_ctc_float32_and_lengths_as_tensors(dtype):
    x = LOGITS.astype(dtype)
    il, tl = [7, 6, 5], [4, 3, 1]
    out = parity(lambda lib, a, t, i, n: lib.nn.functional.ctc_loss(a.log_softmax(2), t, i, n),
                 x, PADDED.astype(np.int32), np.array(il), np.array(tl), atol=1e-5)
    assert out[0].dtype == (numtorch.float32 if dtype == np.float32 else numtorch.float64)


@requires_torch
def test_ctc_unbatched_and_blank_index():
    x = LOGITS[:, 0]
    parity(lambda lib, a, t: lib.nn.functional.ctc_loss(a.log_softmax(1), t, [7], [3],
                                                        reduction="none", blank=4),
           x, np.array([1, 2, 1]))
    parity(lambda lib, a, t, i, n: lib.nn.functional.ctc_loss(a.log_softmax(1), t, i, n,
                                                              blank=2),
           x, np.array([1, 0, 1, 3]), np.array(7), np.array(4))
    # a target label equal to the blank (which PyTorch documents as not allowed) is accepted
    # as in PyTorch, with the same loss; the gradient is exact (PyTorch's last frame keeps only
    # one of the blank class's two terms there)
    blanks = np.array([[0, 1], [1, 0], [0, 0]])
    parity(lambda lib, a, t: _ctc(lib, a, t, [7, 7, 7], [2, 2, 1]), LOGITS, blanks, grad=False)
    check_grad(lambda lib, a, t: _ctc(lib, a, t, [7, 7, 7], [2, 2, 1]), LOGITS, blanks,
               grad_inputs=[0])


@requires_torch
def test_ctc_loss_module():
    for kw in (dict(), dict(blank=3, reduction="sum", zero_infinity=True)):
        a, b = numtorch.nn.CTCLoss(**kw), torch.nn.CTCLoss(**kw)
        assert repr(a) == repr(b)
        assert (a.blank, a.reduction, a.zero_infinity) == (b.blank, b.reduction,
                                                           b.zero_infinity)
        tg = np.array([[1, 2, 4, 1], [2, 2, 1, 0], [4, 0, 0, 0]])
        parity(lambda lib, x, t: (a if lib is numtorch else b)(
            x.log_softmax(2), t, [7, 7, 5], [4, 3, 1]), LOGITS, tg)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("il,tl", CASES[:3], ids=["full", "shorter", "empty"])
def test_ctc_gradcheck(il, tl, reduction):
    check_grad(lambda lib, x, t: _ctc(lib, x, t, il, tl, reduction=reduction), LOGITS,
               PADDED, grad_inputs=[0])


def test_ctc_gradcheck_zero_infinity_and_impossible_alignments():
    # sample 1 is impossible: its loss and gradient are zeros, the others' are exact
    il, tl = [7, 3, 7], [4, 3, 1]
    for reduction in ("mean", "sum", "none"):
        check_grad(lambda lib, x, t: _ctc(lib, x, t, il, tl, reduction=reduction,
                                          zero_infinity=True), LOGITS, PADDED, grad_inputs=[0])
    x = numtorch.tensor(LOGITS, requires_grad=True)
    loss = _ctc(numtorch, x, numtorch.tensor(PADDED), il, tl, reduction="none",
                zero_infinity=True)
    assert loss[1].item() == 0.0 and np.isfinite(loss.detach().numpy()).all()
    loss.sum().backward()
    assert not x.grad[:, 1].numpy().any()
    plain = _ctc(numtorch, numtorch.tensor(LOGITS), numtorch.tensor(PADDED), il, tl,
                 reduction="none")
    assert np.isinf(plain[1].item())


def test_ctc_probability_of_a_single_path():
    # one frame per label and no room for blanks: the only alignment is the target itself
    lp = np.log(np.full((3, 1, 4), 0.25))
    loss = numtorch.nn.functional.ctc_loss(numtorch.tensor(lp), numtorch.tensor([[1, 2, 3]]),
                                           [3], [3], reduction="sum")
    assert loss.item() == pytest.approx(-3 * np.log(0.25))
    # two frames, one label: "a-", "-a", "aa"
    lp = np.log(np.full((2, 1, 2), 0.5))
    loss = numtorch.nn.functional.ctc_loss(numtorch.tensor(lp), numtorch.tensor([[1]]), [2],
                                           [1], reduction="sum")
    assert loss.item() == pytest.approx(-np.log(3 * 0.25))


def test_ctc_backward_is_not_differentiable_again():
    x = numtorch.tensor(LOGITS, requires_grad=True)
    loss = _ctc(numtorch, x, numtorch.tensor(PADDED), [7, 7, 7], [4, 3, 1])
    (g,) = numtorch.autograd.grad(loss, x, create_graph=True)
    with pytest.raises(RuntimeError):
        g.sum().backward()


BAD = [
    dict(il=[8, 7, 7], tl=[4, 3, 1]),
    dict(il=[7, 7, 7], tl=[5, 3, 1]),
    dict(il=[7, 7, -1], tl=[4, 3, 1]),
    dict(il=[7, 7, 7], tl=[4, -3, 1]),
    dict(il=[7, 7], tl=[4, 3, 1]),
    dict(il=[7, 7, 7], tl=[4, 3]),
    dict(il=[7, 7, 7], tl=[4, 3, 1], blank=5),
    dict(il=[7, 7, 7], tl=[4, 3, 1], blank=-1),
    dict(il=[7, 7, 7], tl=[4, 3, 1], reduction="avg"),
    dict(il=[7, 7, 7], tl=[4, 3, 1], concat=7),
]


@pytest.mark.parametrize("case", BAD, ids=[str(i) for i in range(len(BAD))])
def test_ctc_errors_match_torch(case):
    case = dict(case)
    il, tl = case.pop("il"), case.pop("tl")
    n = case.pop("concat", None)
    targets = PADDED if n is None else PADDED.reshape(-1)[:n]
    raises_like(lambda lib, x, t: lib.nn.functional.ctc_loss(x, t, il, tl, **case),
                LOGITS, targets)


def test_ctc_input_checks():
    x = numtorch.tensor(LOGITS)
    t = numtorch.tensor(PADDED)
    with pytest.raises(RuntimeError, match="input_lengths must be integral"):
        numtorch.nn.functional.ctc_loss(x, t, numtorch.tensor([7.0, 7, 7]), [4, 3, 1])
    with pytest.raises(TypeError, match="input_lengths"):
        numtorch.nn.functional.ctc_loss(x, t, 7, [4, 3, 1])
    with pytest.raises(NotImplementedError, match="Long"):
        numtorch.nn.functional.ctc_loss(numtorch.tensor(PADDED).reshape(4, 3, 1), t,
                                        [4, 4, 4], [1, 1, 1])
    with pytest.raises(RuntimeError, match="out of range"):
        numtorch.nn.functional.ctc_loss(x, numtorch.tensor([[7, 1, 1, 1]] * 3), [7, 7, 7],
                                        [4, 3, 1])
