"""Loss functions: values and gradients against PyTorch over tables of options, float64
finite-difference checks of every primitive (and double backward of cross-entropy), stability at
logits of magnitude 1e4, and PyTorch's errors and warnings for bad targets."""

import itertools
import warnings

import numpy as np
import pytest
from parity import check_grad, parity, raises_like, requires_torch, rng, to_numpy, torch

import numtorch
from numtorch.ops import loss as L


def F(lib):
    """The loss functions of ``lib``: numtorch's ops module or ``torch.nn.functional``."""
    return L if lib is numtorch else torch.nn.functional


def _randn(*shape, seed=0, scale=1.0):
    return np.asarray(rng(seed).standard_normal(shape) * scale, dtype=np.float32)


def _rand(*shape, seed=0, lo=0.0, hi=1.0):
    return np.asarray(rng(seed).uniform(lo, hi, shape), dtype=np.float32)


def _classes(shape, c, seed=1):
    return rng(seed).integers(0, c, shape).astype(np.int64)


def _probs(shape, seed=2):
    p = rng(seed).random(shape) + 0.1
    return np.asarray(p / p.sum(axis=1, keepdims=True), dtype=np.float32)


# ---------------------------------------------------------------------------- cross entropy
# (input shape, target shape): batched, extra dims (N, C, d1, d2), 3-D, unbatched.
CE_SHAPES = [((5, 4), (5,)), ((2, 4, 3, 2), (2, 3, 2)), ((3, 4, 5), (3, 5)), ((4,), ())]
CE_OPTIONS = list(itertools.product(
    [False, True],            # weight
    [None, 2],                # ignore_index (None: default -100, nothing ignored)
    [0.0, 0.25],              # label_smoothing
    ["mean", "sum", "none"],  # reduction
))


@requires_torch
@pytest.mark.parametrize("shapes", CE_SHAPES)
@pytest.mark.parametrize("use_w,ignore,smooth,reduction", CE_OPTIONS)
def test_cross_entropy_class_indices(shapes, use_w, ignore, smooth, reduction):
    xs, ts = shapes
    c = xs[0] if len(xs) == 1 else xs[1]
    x = _randn(*xs)
    t = _classes(ts, c)
    if ignore is not None and t.ndim:
        t.flat[0] = ignore  # at least one ignored target
    w = _rand(c, lo=0.5, hi=2.0)
    kw = {"reduction": reduction, "label_smoothing": smooth}
    if ignore is not None:
        kw["ignore_index"] = ignore

    def fn(lib, x, t, w):
        return F(lib).cross_entropy(x, t, weight=w if use_w else None, **kw)

    parity(fn, x, t, w, grad_inputs=[0])


@requires_torch
@pytest.mark.parametrize("xs", [(5, 4), (2, 4, 3), (4,)])
@pytest.mark.parametrize("use_w,smooth,reduction", list(itertools.product(
    [False, True], [0.0, 0.3], ["mean", "sum", "none"])))
def test_cross_entropy_probabilities(xs, use_w, smooth, reduction):
    c = xs[0] if len(xs) == 1 else xs[1]
    x = _randn(*xs)
    q = _probs(xs) if len(xs) > 1 else _probs((1,) + xs)[0]
    w = _rand(c, lo=0.5, hi=2.0)

    def fn(lib, x, q, w):
        return F(lib).cross_entropy(x, q, weight=w if use_w else None, reduction=reduction,
                                    label_smoothing=smooth)

    # Gradients of the logits, the target probabilities and the class weights.
    parity(fn, x, q, w, grad_inputs=[0, 1, 2] if use_w else [0, 1])


@requires_torch
def test_cross_entropy_all_ignored_is_nan_like_torch():
    x = _randn(3, 4)
    t = np.full(3, -100, dtype=np.int64)
    for reduction in ("mean", "sum", "none"):
        parity(lambda lib, x, t: F(lib).cross_entropy(x, t, reduction=reduction), x, t,
               grad=False)


@requires_torch
def test_cross_entropy_uint8_targets_and_float64():
    x = _randn(4, 3).astype(np.float64)
    t = np.array([0, 2, 1, 1], dtype=np.uint8)
    parity(lambda lib, x, t: F(lib).cross_entropy(x, t), x, t)


@requires_torch
def test_cross_entropy_legacy_reduction_args_warn_and_map():
    x = _randn(4, 3)
    t = _classes((4,), 3)
    for size_average, reduce in [(False, None), (None, False), (True, True)]:
        with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
            parity(lambda lib, x, t: F(lib).cross_entropy(x, t, size_average=size_average,
                                                          reduce=reduce), x, t)


# ---------------------------------------------------------------------------- NLL
@requires_torch
@pytest.mark.parametrize("shapes", CE_SHAPES)
@pytest.mark.parametrize("use_w,ignore,reduction", list(itertools.product(
    [False, True], [None, 1], ["mean", "sum", "none"])))
def test_nll_loss(shapes, use_w, ignore, reduction):
    xs, ts = shapes
    c = xs[0] if len(xs) == 1 else xs[1]
    x = _randn(*xs)
    t = _classes(ts, c)
    if ignore is not None and t.ndim:
        t.flat[-1] = ignore
    w = _rand(c, lo=0.5, hi=2.0)
    kw = {"reduction": reduction}
    if ignore is not None:
        kw["ignore_index"] = ignore

    def fn(lib, x, t, w):
        return F(lib).nll_loss(x, t, weight=w if use_w else None, **kw)

    parity(fn, x, t, w, grad_inputs=[0])


# ---------------------------------------------------------------------------- double backward
def test_check_grad_cross_entropy_and_gradgrad():
    x = _randn(4, 3, seed=3)
    t = np.array([0, 2, -100, 1])
    w = _rand(3, lo=0.5, hi=2.0).astype(np.float64)
    for kw in [{}, {"reduction": "none"}, {"label_smoothing": 0.2, "reduction": "sum"}]:
        check_grad(lambda lib, x: L.cross_entropy(x, numtorch.tensor(t),
                                                  weight=numtorch.tensor(w), **kw),
                   x, gradgrad=True)
    x3 = _randn(2, 3, 2, seed=4)
    t3 = np.array([[0, 2], [1, 1]])
    check_grad(lambda lib, x: L.cross_entropy(x, numtorch.tensor(t3), label_smoothing=0.1), x3,
               gradgrad=True)


def test_check_grad_cross_entropy_probabilities():
    x = _randn(3, 4, seed=5)
    q = _probs((3, 4))
    w = _rand(4, lo=0.5, hi=2.0)
    check_grad(lambda lib, x, q, w: L.cross_entropy(x, q, weight=w, label_smoothing=0.1), x, q,
               w, gradgrad=True)
    check_grad(lambda lib, x, q: L.cross_entropy(x, q, reduction="none"), x, q, gradgrad=True)


def test_check_grad_nll_loss():
    x = _randn(4, 3, seed=6)
    t = numtorch.tensor([0, 2, 1, 1])
    check_grad(lambda lib, x: L.nll_loss(x, t, ignore_index=1), x, gradgrad=True)
    check_grad(lambda lib, x: L.nll_loss(x, t, reduction="none"), x, gradgrad=True)


@requires_torch
def test_hessian_vector_product_through_cross_entropy():
    """grad(loss, w, create_graph=True), then the gradient of <grad, v> (an HVP) vs torch."""
    x = _randn(6, 5, seed=7)
    w0 = _randn(5, 4, seed=8)
    v = _randn(5, 4, seed=9)
    t = np.array([0, 3, 1, -100, 2, 2])
    cw = _rand(4, lo=0.5, hi=2.0)
    res = []
    for lib in (numtorch, torch):
        w = lib.tensor(w0, requires_grad=True)
        xs = lib.tensor(x)
        for kw in [{}, {"label_smoothing": 0.1, "weight": lib.tensor(cw)}]:
            loss = F(lib).cross_entropy(xs @ w, lib.tensor(t), **kw)
            (g,) = lib.autograd.grad(loss, w, create_graph=True)
            (hvp,) = lib.autograd.grad((g * lib.tensor(v)).sum(), w)
            res.append((to_numpy(g), to_numpy(hvp)))
    n = len(res) // 2
    for (g1, h1), (g2, h2) in zip(res[:n], res[n:]):
        np.testing.assert_allclose(g1, g2, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(h1, h2, rtol=1e-4, atol=1e-6)


@requires_torch
def test_hessian_vector_product_probabilities_and_bce_with_logits():
    x = _randn(4, 3, seed=10)
    w0 = _randn(3, 3, seed=11)
    v = _randn(3, 3, seed=12)
    q = _probs((4, 3))
    z = (_rand(4, 3, seed=13) > 0.5).astype(np.float32)
    out = []
    for lib in (numtorch, torch):
        w = lib.tensor(w0, requires_grad=True)
        for name in ("cross_entropy", "binary_cross_entropy_with_logits"):
            loss = getattr(F(lib), name)(lib.tensor(x) @ w, lib.tensor(q if name[0] == "c" else z))
            (g,) = lib.autograd.grad(loss, w, create_graph=True)
            (h,) = lib.autograd.grad((g * lib.tensor(v)).sum(), w)
            out.append(to_numpy(h))
    for a, b in zip(out[:2], out[2:]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


# ---------------------------------------------------------------------------- stability
BIG = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0], [1e4, 1e4, -1e4]], dtype=np.float32)


@requires_torch
def test_cross_entropy_stable_at_1e4():
    t = np.array([1, 1, 2])
    for smooth in (0.0, 0.1):
        out = parity(lambda lib, x, t: F(lib).cross_entropy(x, t, label_smoothing=smooth),
                     BIG, t, rtol=1e-5)
        assert np.isfinite(to_numpy(out[0])).all()
    q = _probs((3, 3))
    parity(lambda lib, x, q: F(lib).cross_entropy(x, q), BIG, q)


@requires_torch
def test_nll_of_log_softmax_stable_at_1e4():
    t = np.array([0, 0, 2])
    out = parity(lambda lib, x, t: F(lib).nll_loss(lib.log_softmax(x, 1), t, reduction="none"),
                 BIG, t)
    assert np.isfinite(to_numpy(out[0])).all()


@requires_torch
def test_bce_with_logits_stable_at_1e4():
    z = np.array([[1.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.5, 1.0, 0.0]], dtype=np.float32)
    pw = np.array([2.0, 0.5, 1.0], dtype=np.float32)
    for kw in ({}, {"pos_weight": True}):
        out = parity(lambda lib, x, z, pw: F(lib).binary_cross_entropy_with_logits(
            x, z, pos_weight=pw if kw else None, reduction="none"), BIG, z, pw,
            grad_inputs=[0, 1])
        assert np.isfinite(to_numpy(out[0])).all()


@requires_torch
def test_bce_on_saturated_probabilities():
    x = np.array([0.0, 1.0, 0.0, 1.0, 1e-30, 1 - 1e-7, 0.5], dtype=np.float32)
    z = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.5], dtype=np.float32)
    out = parity(lambda lib, x, z: F(lib).binary_cross_entropy(x, z, reduction="none"), x, z,
                 grad_inputs=[0])
    assert np.isfinite(to_numpy(out[0])).all()
    parity(lambda lib, x, z: F(lib).binary_cross_entropy(x, z), x, z, grad_inputs=[0])


# ---------------------------------------------------------------------------- binary CE
@requires_torch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("use_w", [False, True])
def test_binary_cross_entropy(reduction, use_w):
    x = _rand(4, 3, lo=0.05, hi=0.95)
    z = _rand(4, 3, seed=3)
    w = _rand(3, seed=4, lo=0.5, hi=2.0)
    parity(lambda lib, x, z, w: F(lib).binary_cross_entropy(
        x, z, weight=w if use_w else None, reduction=reduction), x, z, w, grad_inputs=[0, 1])


@requires_torch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("use_w,use_pw", [(False, False), (True, False), (False, True),
                                          (True, True)])
def test_binary_cross_entropy_with_logits(reduction, use_w, use_pw):
    x = _randn(4, 3) * 3
    z = _rand(4, 3, seed=3)
    w = _rand(4, 3, seed=4, lo=0.5, hi=2.0)
    pw = _rand(3, seed=5, lo=0.5, hi=3.0)
    parity(lambda lib, x, z, w, pw: F(lib).binary_cross_entropy_with_logits(
        x, z, weight=w if use_w else None, pos_weight=pw if use_pw else None,
        reduction=reduction), x, z, w, pw, grad_inputs=[0, 1])


@requires_torch
def test_bce_with_logits_gradient_at_zero_is_sigmoid_minus_target():
    x = np.zeros((2, 2), dtype=np.float32)
    z = np.array([[0.0, 1.0], [0.3, 1.0]], dtype=np.float32)
    parity(lambda lib, x, z: F(lib).binary_cross_entropy_with_logits(x, z), x, z)


def test_check_grad_binary_cross_entropies():
    x = _rand(3, 4, lo=0.1, hi=0.9)
    z = _rand(3, 4, seed=1)
    w = _rand(3, 4, seed=2)
    check_grad(lambda lib, x, z: L.binary_cross_entropy(x, z, weight=lib.tensor(w)), x, z,
               gradgrad=True)
    xl = _randn(3, 4) * 2
    pw = _rand(4, seed=3, lo=0.5, hi=2.0).astype(np.float64)
    check_grad(lambda lib, x, z: L.binary_cross_entropy_with_logits(
        x, z, pos_weight=lib.tensor(pw), reduction="none"), xl, z, gradgrad=True)
    check_grad(lambda lib, x, z: L.binary_cross_entropy_with_logits(x, z, reduction="sum"),
               xl, z, gradgrad=True)


# ---------------------------------------------------------------------------- other losses
def _pm1(*shape, seed=3):
    return np.where(rng(seed).random(shape) > 0.5, 1.0, -1.0).astype(np.float32)


# name -> (call(lib, *tensors), arrays, indices of arrays that get gradients)
OTHER = {
    "mse": (lambda lib, x, y: F(lib).mse_loss(x, y, reduction=R), (_randn(3, 4), _randn(3, 4,
                                                                                 seed=1)), None),
    "mse_weight": (lambda lib, x, y, w: F(lib).mse_loss(x, y, reduction=R, weight=w),
                   (_randn(3, 4), _randn(3, 4, seed=1), _rand(3, 4, seed=2)), [0, 1]),
    "l1": (lambda lib, x, y: F(lib).l1_loss(x, y, reduction=R),
           (_randn(3, 4), _randn(3, 4, seed=1)), None),
    "l1_weight": (lambda lib, x, y, w: F(lib).l1_loss(x, y, reduction=R, weight=w),
                  (_randn(3, 4), _randn(3, 4, seed=1), _rand(3, 4, seed=2)), [0, 1]),
    "smooth_l1": (lambda lib, x, y: F(lib).smooth_l1_loss(x, y, reduction=R, beta=0.7),
                  (_randn(3, 4), _randn(3, 4, seed=1)), None),
    "smooth_l1_beta0": (lambda lib, x, y: F(lib).smooth_l1_loss(x, y, reduction=R, beta=0.0),
                        (_randn(3, 4), _randn(3, 4, seed=1)), None),
    "huber": (lambda lib, x, y: F(lib).huber_loss(x, y, reduction=R, delta=0.6),
              (_randn(3, 4), _randn(3, 4, seed=1)), None),
    "huber_weight": (lambda lib, x, y, w: F(lib).huber_loss(x, y, reduction=R, weight=w),
                     (_randn(3, 4), _randn(3, 4, seed=1), _rand(3, 4, seed=2)), [0, 1]),
    "kl_div": (lambda lib, x, y: F(lib).kl_div(x, y, reduction=R),
               (np.log(_probs((3, 4), seed=4)), np.concatenate(
                   [_probs((2, 4)), np.array([[0.5, 0.5, 0.0, 0.0]], np.float32)])), [0]),
    "kl_div_log_target": (lambda lib, x, y: F(lib).kl_div(x, y, reduction=R, log_target=True),
                          (np.log(_probs((3, 4), seed=4)), np.log(_probs((3, 4)))), None),
    "cosine_embedding": (lambda lib, a, b, y: F(lib).cosine_embedding_loss(
        a, b, y, margin=0.2, reduction=R), (_randn(4, 5), _randn(4, 5, seed=1), _pm1(4)),
        [0, 1]),
    "cosine_embedding_1d": (lambda lib, a, b, y: F(lib).cosine_embedding_loss(
        a, b, y, reduction=R), (_randn(5), _randn(5, seed=1), np.float32(-1.0)), [0, 1]),
    "margin_ranking": (lambda lib, a, b, y: F(lib).margin_ranking_loss(
        a, b, y, margin=0.3, reduction=R), (_randn(6), _randn(6, seed=1), _pm1(6)), [0, 1]),
    "hinge_embedding": (lambda lib, x, y: F(lib).hinge_embedding_loss(
        x, y, margin=0.8, reduction=R), (_randn(3, 4), _pm1(3, 4)), [0]),
    "multilabel_soft_margin": (lambda lib, x, y, w: F(lib).multilabel_soft_margin_loss(
        x, y, weight=w, reduction=R), (_randn(3, 4), (_rand(3, 4, seed=1) > 0.5).astype(
            np.float32), _rand(4, seed=2)), [0]),
    "triplet": (lambda lib, a, p, n: F(lib).triplet_margin_loss(a, p, n, reduction=R),
                (_randn(4, 5), _randn(4, 5, seed=1), _randn(4, 5, seed=2)), None),
    "triplet_p1_swap": (lambda lib, a, p, n: F(lib).triplet_margin_loss(
        a, p, n, margin=2.0, p=1, swap=True, reduction=R),
        (_randn(4, 5), _randn(4, 5, seed=1), _randn(4, 5, seed=2)), None),
    "triplet_p3": (lambda lib, a, p, n: F(lib).triplet_margin_loss(a, p, n, p=3, reduction=R),
                   (_randn(4, 5), _randn(4, 5, seed=1), _randn(4, 5, seed=2)), None),
    "soft_margin": (lambda lib, x, y: F(lib).soft_margin_loss(x, y, reduction=R),
                    (_randn(3, 4), _pm1(3, 4)), [0]),
    "poisson_log": (lambda lib, x, y: F(lib).poisson_nll_loss(x, y, reduction=R),
                    (_randn(3, 4), _rand(3, 4, seed=1, hi=4.0)), None),
    "poisson_full": (lambda lib, x, y: F(lib).poisson_nll_loss(
        x, y, log_input=False, full=True, reduction=R),
        (_rand(3, 4, lo=0.5, hi=3.0), _rand(3, 4, seed=1, hi=4.0)), None),
    "gaussian": (lambda lib, x, y, v: F(lib).gaussian_nll_loss(x, y, v, reduction=R),
                 (_randn(3, 4), _randn(3, 4, seed=1), _rand(3, 4, seed=2, lo=0.1)), None),
    "gaussian_full_hetero": (lambda lib, x, y, v: F(lib).gaussian_nll_loss(
        x, y, v, full=True, reduction=R),
        (_randn(3, 4), _randn(3, 4, seed=1), _rand(3, 1, seed=2, lo=0.1)), None),
    "multi_margin": (lambda lib, x, t, w: F(lib).multi_margin_loss(
        x, t, weight=w, margin=0.9, reduction=R), (_randn(4, 5), _classes((4,), 5),
                                                    _rand(5, seed=3)), [0]),
    "multi_margin_p2": (lambda lib, x, t: F(lib).multi_margin_loss(x, t, p=2, reduction=R),
                        (_randn(4, 5), _classes((4,), 5)), [0]),
}
R = "mean"


@requires_torch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", sorted(OTHER))
def test_other_losses(name, reduction):
    global R
    fn, arrays, grad_inputs = OTHER[name]
    R = reduction
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # kl_div's 'mean' warning
        parity(fn, *arrays, grad_inputs=grad_inputs)


def test_check_grad_composite_losses():
    x, y = _randn(2, 3), _randn(2, 3, seed=1)
    check_grad(lambda lib, x, y: L.smooth_l1_loss(x, y, beta=0.5), x, y)
    check_grad(lambda lib, x, y: L.huber_loss(x, y, delta=0.5, reduction="none"), x, y)
    check_grad(lambda lib, x: L.soft_margin_loss(x, lib.tensor(_pm1(2, 3))), x)
    check_grad(lambda lib, a, b, n: L.triplet_margin_loss(a, b, n, margin=3.0), x, y,
               _randn(2, 3, seed=2))
    check_grad(lambda lib, a, b: L.cosine_embedding_loss(a, b, lib.tensor([1.0, -1.0]),
                                                         margin=-0.5), x, y)


@requires_torch
def test_batchmean_and_mean_warning_of_kl_div():
    x = np.log(_probs((3, 4), seed=4))
    y = _probs((3, 4))
    parity(lambda lib, x, y: F(lib).kl_div(x, y, reduction="batchmean"), x, y)
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        L.kl_div(numtorch.tensor(x), numtorch.tensor(y))


def test_mse_broadcast_warns_like_torch():
    x = numtorch.tensor(_randn(3, 1))
    y = numtorch.tensor(_randn(3))
    with pytest.warns(UserWarning, match=r"Using a target size \(.*\[3\]\)\) that is different "
                                         r"to the input size \(.*\[3, 1\]\)\)"):
        out = L.mse_loss(x, y)
    assert out.shape == ()
    with pytest.warns(UserWarning, match="different to the input size"):
        L.l1_loss(x, y)


@requires_torch
def test_mse_broadcast_values_match_torch():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parity(lambda lib, x, y: F(lib).mse_loss(x, y, reduction="none"), _randn(3, 1),
               _randn(4, seed=1))


# ---------------------------------------------------------------------------- errors
@requires_torch
def test_class_target_errors_like_torch():
    x = _randn(4, 5)
    ce = lambda lib, x, t: F(lib).cross_entropy(x, t)  # noqa: E731
    nll = lambda lib, x, t: F(lib).nll_loss(x, t)  # noqa: E731
    for fn in (ce, nll):
        e = raises_like(fn, x, np.array([1.0, 2.0, 3.0, 4.0], dtype=np.float32),
                        match="expected target dtype to be Long or Byte, but got Float")
        assert isinstance(e, RuntimeError)
        raises_like(fn, x, np.array([1, 2, 3, 4], dtype=np.int32), match="but got Int")
        raises_like(fn, x, np.array([1, 2, 3, 12]), match=r"^Target 12 is out of bounds\.$")
        raises_like(fn, x, np.array([1, 2, 3, -5]), match=r"^Target -5 is out of bounds\.$")
        raises_like(fn, x, np.array([1, 2, 3]), match=r"Expected input batch_size \(4\) to "
                                                      r"match target batch_size \(3\)\.")
        raises_like(fn, x, np.zeros((4, 2), dtype=np.int64), match="multi-target")
        raises_like(fn, _randn(2, 5, 3), np.zeros((2, 4), dtype=np.int64),
                    match=r"Expected target size \[2, 3\], got \[2, 4\]")
        raises_like(fn, _randn(2, 5, 3, 2), np.zeros((2, 3), dtype=np.int64),
                    match="only batches of spatial targets supported")
    e = raises_like(ce, x, np.array([1, 2, 3, 12]))
    assert type(e) is IndexError
    raises_like(lambda lib, x, t, w: F(lib).cross_entropy(x, t, weight=w), x,
                np.array([1, 2, 3, 4]), np.ones(4, np.float32),
                match=r"weight tensor should be defined either for all 5 classes or no classes "
                      r"but got weight tensor of shape: \[4\]")
    raises_like(lambda lib, x, t: F(lib).cross_entropy(x, t, label_smoothing=1.5), x,
                np.array([1, 2, 3, 4]), match="label_smoothing must be between 0.0 and 1.0")
    raises_like(lambda lib, x, t: F(lib).cross_entropy(x, t, ignore_index=1), x,
                _probs((4, 5)), match="ignore_index is not supported for floating point target")
    raises_like(lambda lib, x, t: F(lib).cross_entropy(x, t, reduction="avg"), x,
                np.array([1, 2, 3, 4]), match="avg is not a valid value for reduction")


@requires_torch
def test_class_weight_requiring_grad_is_refused_like_torch():
    for lib in (numtorch, torch):
        w = lib.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="not differentiable with respect to argument "
                                               "'weight'"):
            F(lib).nll_loss(lib.zeros(2, 3), lib.tensor([0, 1]), weight=w)
        with lib.no_grad():
            F(lib).nll_loss(lib.zeros(2, 3), lib.tensor([0, 1]), weight=w)


@requires_torch
def test_binary_target_errors_like_torch():
    bce = lambda lib, x, z: F(lib).binary_cross_entropy(x, z)  # noqa: E731
    e = raises_like(bce, _rand(3, 1), _rand(3), match=r"Using a target size \(.*\[3\]\)\) that is "
                    r"different to the input size \(.*\[3, 1\]\)\) is deprecated")
    assert type(e) is ValueError
    raises_like(bce, _rand(3) * 2, _rand(3), match="all elements of input should be between 0 "
                                                  "and 1")
    raises_like(bce, _rand(3), _rand(3) + 1.5, match="all elements of target should be between "
                                                    "0 and 1")
    e = raises_like(lambda lib, x, z: F(lib).binary_cross_entropy_with_logits(x, z), _rand(3, 1),
                    _rand(3), match="must be the same as input size")
    assert type(e) is ValueError
    raises_like(lambda lib, x, y, w: F(lib).mse_loss(x, y, weight=w), _rand(3), _rand(3),
                _rand(2), match="Weights and input must have the same size.")
