"""Normalization functions: values, running statistics and gradients (input, weight, bias)
against PyTorch, float64 finite-difference checks with double backward, and PyTorch's errors."""

import itertools

import numpy as np
import pytest
from parity import check_grad, parity, raises_like, requires_torch, rng, torch

import numtorch
from numtorch.ops import normalization as N


def F(lib):
    return N if lib is numtorch else torch.nn.functional


def _randn(*shape, seed=0, scale=1.0, shift=0.0):
    return np.asarray(rng(seed).standard_normal(shape) * scale + shift, dtype=np.float32)


def _pos(*shape, seed=1):
    return np.asarray(rng(seed).uniform(0.5, 2.0, shape), dtype=np.float32)


BN_SHAPES = [(4, 3), (4, 3, 5), (2, 3, 4, 5), (2, 3, 2, 2, 2)]


# ---------------------------------------------------------------------------- batch norm
@requires_torch
@pytest.mark.parametrize("shape", BN_SHAPES)
@pytest.mark.parametrize("affine,training", list(itertools.product(
    ["both", "weight", "bias", None], [True, False])))
def test_batch_norm(shape, affine, training):
    c = shape[1]
    x = _randn(*shape, scale=2.0, shift=0.5)
    w, b = _pos(c), _randn(c, seed=2)
    rm, rv = _randn(c, seed=3), _pos(c, seed=4)

    def fn(lib, x, w, b, rm, rv):
        rm, rv = rm.detach().clone(), rv.detach().clone()
        y = F(lib).batch_norm(x, rm, rv, w if affine in ("both", "weight") else None,
                              b if affine in ("both", "bias") else None, training, 0.3, 1e-3)
        return y, rm, rv  # the running statistics after the update

    parity(fn, x, w, b, rm, rv, grad_inputs=[0, 1, 2])


@requires_torch
def test_batch_norm_without_running_stats_and_top_level_argument_order():
    x = _randn(5, 3, 2)
    w, b = _pos(3), _randn(3, seed=2)
    parity(lambda lib, x: F(lib).batch_norm(x, None, None, training=True), x)
    rm, rv = _randn(3, seed=3), _pos(3, seed=4)

    def fn(lib, x, w, b, rm, rv):
        if lib is numtorch:
            return N.batch_norm(x, w, b, rm, rv, False, 0.1, 1e-5, False)
        return torch.batch_norm(x, w, b, rm, rv, False, 0.1, 1e-5, False)

    parity(fn, x, w, b, rm, rv, grad_inputs=[0, 1, 2])


def test_batch_norm_running_stats_bump_version_and_use_unbiased_variance():
    x = numtorch.tensor(_randn(6, 2, 3))
    rm, rv = numtorch.zeros(2), numtorch.ones(2)
    N.batch_norm(x, rm, rv, training=True, momentum=1.0)
    arr = x.numpy()
    np.testing.assert_allclose(rm.numpy(), arr.mean(axis=(0, 2)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(rv.numpy(), arr.var(axis=(0, 2), ddof=1), rtol=1e-5)
    assert rm._version == 1 and rv._version == 1


def test_check_grad_batch_norm_with_double_backward():
    for shape in [(3, 2), (2, 3, 2), (2, 2, 2, 2)]:
        c = shape[1]
        check_grad(lambda lib, x, w, b: N.batch_norm(x, None, None, w, b, True),
                   _randn(*shape), _pos(c), _randn(c, seed=2), gradgrad=True)
    check_grad(lambda lib, x: N.batch_norm(x, None, None, training=True), _randn(4, 2),
               gradgrad=True)
    check_grad(lambda lib, x, w, b, rm, rv: N.batch_norm(x, rm, rv, w, b, False),
               _randn(3, 2), _pos(2), _randn(2, seed=2), _randn(2, seed=3), _pos(2, seed=4),
               grad_inputs=[0, 1, 2], gradgrad=True)


@requires_torch
def test_batch_norm_errors_like_torch():
    raises_like(lambda lib, x: F(lib).batch_norm(x, None, None, training=True), _randn(1, 3),
                match=r"^Expected more than 1 value per channel when training, got input size "
                      r".*Size\(\[1, 3\]\)$")
    raises_like(lambda lib, x: F(lib).batch_norm(x, None, None, training=True), _randn(1, 3, 1),
                match="Expected more than 1 value per channel")
    raises_like(lambda lib, x: F(lib).batch_norm(x, None, None), _randn(4, 3),
                match="running_mean must be defined in evaluation mode")
    raises_like(lambda lib, x, rm, rv: F(lib).batch_norm(x, rm, rv, training=True), _randn(4, 3),
                np.zeros(4, np.float32), np.ones(3, np.float32),
                match="running_mean should contain 3 elements not 4")


# ------------------------------------------------------- batch norm: the (N, C, *) fast path
def _bn_reference(x, w, b, g, eps=1e-5):
    """Float64 batch norm over (N, C, *) and its gradients (x, weight, bias) for output grad g."""
    x, g = x.astype(np.float64), g.astype(np.float64)
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    n = x.size // x.shape[1]
    mean = x.mean(axes, keepdims=True)
    inv = 1.0 / np.sqrt(x.var(axes, keepdims=True) + eps)
    xh = (x - mean) * inv
    w64 = w.astype(np.float64).reshape(shape)
    gw, gb = (g * xh).sum(axes), g.sum(axes)
    gx = w64 * inv * (g - gb.reshape(shape) / n - xh * gw.reshape(shape) / n)
    return xh * w64 + b.reshape(shape), gx, gw, gb


def _bn_errors(x, w, b, g):
    """Largest errors of numtorch's batch norm (output, dx, dweight, dbias) against float64,
    each relative to the reference's largest magnitude."""
    xt, wt, bt = (numtorch.tensor(a, requires_grad=True) for a in (x, w, b))
    y = N.batch_norm(xt, None, None, wt, bt, training=True)
    y.backward(numtorch.tensor(g))
    ref = _bn_reference(x, w, b, g)
    got = (y, xt.grad, wt.grad, bt.grad)
    return [float(np.abs(a.detach().numpy() - r).max() / np.abs(r).max()) for a, r in zip(got, ref)]


@pytest.mark.parametrize("shape", [(8, 3, 4, 4), (4, 3, 12, 12), (6, 2, 5)])
@pytest.mark.parametrize("mean_over_std", [0.0, 0.9, 2.0, 4.0, 7.0, 30.0, 1e4])
def test_batch_norm_keeps_accuracy_for_any_mean(shape, mean_over_std):
    # One-pass statistics cancel when a channel's mean is large against its spread: such
    # channels get a centered variance (mean/std 2, 4, 7), such inputs are centered first
    # (30, 1e4). Float32 errors stay at the two-pass level (at most about 1e-6).
    c = shape[1]
    x = _randn(*shape, seed=5, scale=0.5, shift=0.5 * mean_over_std)
    x[:, 0] -= 0.5 * mean_over_std  # one channel near zero mean, the others shifted
    w, b, g = _pos(c), _randn(c, seed=2), _randn(*shape, seed=6)
    for err in _bn_errors(x, w, b, g):
        assert err < 5e-6


@requires_torch
def test_batch_norm_large_mean_matches_torch():
    x = _randn(4, 3, 6, 6, scale=1.0, shift=1000.0)
    w, b = _pos(3), _randn(3, seed=2)
    parity(lambda lib, x, w, b: F(lib).batch_norm(x, None, None, w, b, True), x, w, b,
           atol=1e-4, rtol=1e-4)


@requires_torch
@pytest.mark.parametrize("shape", [(5, 3, 4, 4), (3, 2, 12, 12), (4, 3, 7)])
@pytest.mark.parametrize("shift", [0.2, 50.0])
def test_batch_norm_blocked_path_matches_torch(monkeypatch, shape, shift):
    # Large inputs run their elementwise maps in blocks of samples: force blocks of 1-2 samples.
    monkeypatch.setattr(N, "_BLOCKED_FROM", 1)
    monkeypatch.setattr(N, "_BLOCK", 2 * int(np.prod(shape[1:])) - 1)
    c = shape[1]
    x = _randn(*shape, scale=2.0, shift=shift)
    w, b = _pos(c), _randn(c, seed=2)
    rm, rv = _randn(c, seed=3), _pos(c, seed=4)

    def fn(lib, x, w, b, rm, rv):
        rm, rv = rm.detach().clone(), rv.detach().clone()
        return F(lib).batch_norm(x, rm, rv, w, b, True, 0.3, 1e-3), rm, rv

    parity(fn, x, w, b, rm, rv, grad_inputs=[0, 1, 2], atol=1e-4)


@requires_torch
@pytest.mark.parametrize("layout", ["channels_last", "transposed", "float16"])
def test_batch_norm_other_layouts_and_dtypes_match_torch(layout):
    # The generic path: inputs that are not C-contiguous float32/float64.
    x = _randn(4, 3, 5, 6, scale=2.0, shift=0.5)
    w, b = _pos(3), _randn(3, seed=2)

    def fn(lib, x, w, b):
        if layout == "channels_last":
            x = x.contiguous(memory_format=lib.channels_last)
        elif layout == "transposed":
            x = x.transpose(2, 3)
        else:
            x, w, b = x.double(), w.double(), b.double()  # float16 is not on torch's CPU path
        return F(lib).batch_norm(x, None, None, w, b, True)

    parity(fn, x, w, b)


def test_check_grad_batch_norm_fast_path_both_branches():
    # Float64 inputs of the fast path: one-pass (mean small) and centered (mean large), small
    # planes (summed down rows) and large ones, with and without the affine parameters.
    for shape, shift in [((3, 2, 3, 3), 0.1), ((2, 2, 12, 11), 0.1), ((3, 2, 4), 40.0)]:
        c = shape[1]
        check_grad(lambda lib, x, w, b: N.batch_norm(x, None, None, w, b, True),
                   _randn(*shape, shift=shift), _pos(c), _randn(c, seed=2))
        check_grad(lambda lib, x: N.batch_norm(x, None, None, training=True),
                   _randn(*shape, shift=shift))


def test_batch_norm_saves_one_activation():
    # Only the input is kept for backward (not also the centered input).
    x = numtorch.tensor(_randn(4, 3, 5, 5), requires_grad=True)
    y = N.batch_norm(x, None, None, numtorch.ones(3, requires_grad=True), None, training=True)
    big = [t for t in y.grad_fn.saved_tensors if t is not None and t.numel() == x.numel()]
    assert len(big) == 1 and big[0] is x


@requires_torch
@pytest.mark.parametrize("shape", BN_SHAPES + [(70, 3, 100, 60)])
@pytest.mark.parametrize("affine", ["both", "weight", "bias", None])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_batch_norm_inference_matches_torch(shape, affine, dtype):
    # Eval mode with nothing to record runs as one per-channel affine map along whole rows
    # (in blocks of samples from 2^20 values on: the last shape).
    c = shape[1]
    x = _randn(*shape, scale=2.0, shift=0.5).astype(dtype)
    w, b = _pos(c).astype(dtype), _randn(c, seed=2).astype(dtype)
    rm, rv = _randn(c, seed=3).astype(dtype), _pos(c, seed=4).astype(dtype)

    def fn(lib, x, w, b, rm, rv):
        return F(lib).batch_norm(x, rm, rv, w if affine in ("both", "weight") else None,
                                 b if affine in ("both", "bias") else None, False, 0.1, 1e-3)

    parity(fn, x, w, b, rm, rv, grad=False)


def test_batch_norm_inference_keeps_channels_last_layout():
    x = numtorch.tensor(_randn(2, 3, 4, 5)).contiguous(memory_format=numtorch.channels_last)
    y = N.batch_norm(x, numtorch.zeros(3), numtorch.ones(3))
    assert y.is_contiguous(memory_format=numtorch.channels_last)
    np.testing.assert_allclose(y.numpy(), x.numpy() / np.sqrt(1 + 1e-5), rtol=1e-6)


# ---------------------------------------------------------------------------- instance norm
@requires_torch
@pytest.mark.parametrize("shape", [(2, 3, 5), (2, 3, 2, 3)])
@pytest.mark.parametrize("affine,stats,use_input", [(False, False, True), (True, False, True),
                                                    (True, True, True), (True, True, False)])
def test_instance_norm(shape, affine, stats, use_input):
    c = shape[1]
    x = _randn(*shape, scale=2.0)
    w, b = _pos(c), _randn(c, seed=2)
    rm, rv = _randn(c, seed=3), _pos(c, seed=4)

    def fn(lib, x, w, b, rm, rv):
        rm, rv = rm.detach().clone(), rv.detach().clone()
        y = F(lib).instance_norm(x, rm if stats else None, rv if stats else None,
                                 w if affine else None, b if affine else None,
                                 use_input_stats=use_input, momentum=0.2)
        return y, rm, rv

    parity(fn, x, w, b, rm, rv, grad_inputs=[0, 1, 2])


def test_check_grad_instance_norm():
    check_grad(lambda lib, x, w, b: N.instance_norm(x, weight=w, bias=b), _randn(2, 2, 3),
               _pos(2), _randn(2, seed=2), gradgrad=True)


@requires_torch
def test_instance_norm_needs_more_than_one_spatial_element():
    raises_like(lambda lib, x: F(lib).instance_norm(x), _randn(2, 3, 1),
                match="Expected more than 1 spatial element when training")


# ---------------------------------------------------------------------------- layer norm
LN_CASES = [((4, 5), (5,)), ((2, 3, 4), (4,)), ((2, 3, 4), (3, 4)), ((3,), (3,)),
            ((2, 1, 2, 3), (2, 3))]


@requires_torch
@pytest.mark.parametrize("shape,normalized", LN_CASES)
@pytest.mark.parametrize("affine", ["both", "weight", None])
def test_layer_norm(shape, normalized, affine):
    x = _randn(*shape, scale=3.0, shift=1.0)
    w, b = _pos(*normalized), _randn(*normalized, seed=2)

    def fn(lib, x, w, b):
        return F(lib).layer_norm(x, normalized, w if affine else None,
                                 b if affine == "both" else None, eps=1e-4)

    parity(fn, x, w, b)


def test_check_grad_layer_norm():
    check_grad(lambda lib, x, w, b: N.layer_norm(x, (3,), w, b), _randn(2, 3), _pos(3),
               _randn(3, seed=2), gradgrad=True)
    check_grad(lambda lib, x, w: N.layer_norm(x, (2, 2), w), _randn(2, 2, 2), _pos(2, 2),
               gradgrad=True)


@requires_torch
def test_layer_norm_errors_like_torch():
    raises_like(lambda lib, x: F(lib).layer_norm(x, (4,)), _randn(2, 5),
                match=r"Given normalized_shape=\[4\], expected input with shape \[\*, 4\], but "
                      r"got input of size\[2, 5\]")
    raises_like(lambda lib, x, w: F(lib).layer_norm(x, (5,), w), _randn(2, 5), _pos(4),
                match=r"Expected weight to be of same shape as normalized_shape, but got weight "
                      r"of shape \[4\] and normalized_shape = \[5\]")


# ---------------------------------------------------------------------------- group norm
@requires_torch
@pytest.mark.parametrize("shape,groups", [((2, 6, 3), 3), ((2, 4, 2, 2), 2), ((3, 4), 2),
                                          ((2, 4, 3), 1)])
@pytest.mark.parametrize("affine", [True, False])
def test_group_norm(shape, groups, affine):
    c = shape[1]
    x = _randn(*shape, scale=2.0)
    w, b = _pos(c), _randn(c, seed=2)
    parity(lambda lib, x, w, b: F(lib).group_norm(x, groups, w if affine else None,
                                                  b if affine else None), x, w, b)


def test_check_grad_group_norm():
    check_grad(lambda lib, x, w, b: N.group_norm(x, 2, w, b), _randn(2, 4, 2), _pos(4),
               _randn(4, seed=2), gradgrad=True)


@requires_torch
def test_group_norm_errors_like_torch():
    raises_like(lambda lib, x: F(lib).group_norm(x, 4), _randn(2, 6, 3),
                match=r"Expected number of channels in input to be divisible by num_groups, but "
                      r"got input of shape \[2, 6, 3\] and num_groups=4")
    raises_like(lambda lib, x, w: F(lib).group_norm(x, 2, w), _randn(2, 6, 3), _pos(4),
                match="Expected weight to be a vector of size equal to the number of channels")


# ---------------------------------------------------------------------------- RMS norm
@requires_torch
@pytest.mark.parametrize("shape,normalized", [((4, 5), (5,)), ((2, 3, 4), (3, 4))])
@pytest.mark.parametrize("use_w,eps", [(True, None), (False, None), (True, 1e-3)])
def test_rms_norm(shape, normalized, use_w, eps):
    x = _randn(*shape)
    w = _pos(*normalized)
    parity(lambda lib, x, w: F(lib).rms_norm(x, normalized, w if use_w else None, eps), x, w)


@requires_torch
def test_rms_norm_shape_error_like_torch():
    raises_like(lambda lib, x: F(lib).rms_norm(x, (4,)), _randn(2, 5),
                match=r"expected input with shape \[\*4\]")


# ---------------------------------------------------------------------------- local response
@requires_torch
@pytest.mark.parametrize("shape", [(2, 5, 3), (1, 4, 2, 2)])
@pytest.mark.parametrize("size", [1, 2, 3, 6])
def test_local_response_norm(shape, size):
    x = _randn(*shape, scale=3.0)
    parity(lambda lib, x: F(lib).local_response_norm(x, size, alpha=0.1, beta=0.6, k=1.5), x)


def test_check_grad_local_response_norm():
    check_grad(lambda lib, x: N.local_response_norm(x, 3, alpha=0.5), _randn(2, 4, 2))
