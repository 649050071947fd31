"""Tests of numtorch/ops/pooling.py: max/avg/adaptive/Lp pooling, max_unpool, interpolate and
pixel (un)shuffle against PyTorch (values, indices, input gradients), float64 finite
differences (and second derivatives), and PyTorch's errors."""

import numpy as np
import pytest
from parity import check_grad, parity, raises_like, requires_torch, rng

import numtorch
from numtorch.ops import pooling as pool_ops

R = rng(1)


def arr(*shape, dtype=np.float32):
    return R.standard_normal(shape).astype(dtype)


def F(lib):
    return pool_ops if lib is numtorch else lib.nn.functional


MAX2D = [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 2, "padding": 1},
    {"kernel_size": (3, 2), "stride": (2, 1), "dilation": (1, 2), "ceil_mode": True},
    {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
    {"kernel_size": 2, "stride": 1},  # overlapping windows
    {"kernel_size": (1, 3), "stride": (1, 3), "ceil_mode": True},
]


@requires_torch
@pytest.mark.parametrize("kw", MAX2D)
@pytest.mark.parametrize("shape", [(2, 3, 7, 8), (3, 6, 5)])
def test_max_pool2d_parity(kw, shape):
    parity(lambda lib, x: F(lib).max_pool2d(x, return_indices=True, **kw), arr(*shape))
    parity(lambda lib, x: F(lib).max_pool2d(x, **kw), arr(*shape))


@requires_torch
def test_max_pool1d_3d_parity():
    parity(lambda lib, x: F(lib).max_pool1d(x, 3, 2, 1, return_indices=True), arr(2, 3, 9))
    parity(lambda lib, x: F(lib).max_pool1d(x, 2, ceil_mode=True), arr(3, 9))
    parity(lambda lib, x: F(lib).max_pool3d(x, 2, return_indices=True), arr(2, 2, 4, 5, 4))
    parity(lambda lib, x: lib.max_pool2d(x, 2), arr(1, 2, 4, 4))


@requires_torch
def test_max_pool_ties_and_nan_like_torch():
    x = np.zeros((1, 1, 4, 4), np.float32)
    x[0, 0, 1, 1] = np.nan
    x[0, 0, 3, 2] = x[0, 0, 3, 3] = 5
    parity(lambda lib, x: F(lib).max_pool2d(x, 2, return_indices=True), x, grad=False)


@requires_torch
def test_max_pool_integer_input():
    x = R.integers(-5, 5, (1, 2, 4, 4))
    parity(lambda lib, x: F(lib).max_pool2d(x, 2, padding=1), x)


AVG2D = [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 2, "padding": 1},
    {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False},
    {"kernel_size": (3, 2), "stride": (2, 1), "ceil_mode": True},
    {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False},
    {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
    {"kernel_size": 3, "stride": 2, "padding": 1, "divisor_override": 5},
    {"kernel_size": 2, "stride": 1},
]


@requires_torch
@pytest.mark.parametrize("kw", AVG2D)
def test_avg_pool2d_parity(kw):
    parity(lambda lib, x: F(lib).avg_pool2d(x, **kw), arr(2, 3, 7, 8))


@requires_torch
def test_avg_pool1d_parity():
    parity(lambda lib, x: F(lib).avg_pool1d(x, 3, 2, 1, ceil_mode=True), arr(2, 3, 10))
    parity(lambda lib, x: F(lib).avg_pool1d(x, 3, 2, 1, count_include_pad=False), arr(3, 10))
    parity(lambda lib, x: lib.avg_pool1d(x, 2), arr(1, 2, 6))


@requires_torch
@pytest.mark.parametrize("out", [1, (3, 2), (2, 4), (5, 3), (None, 3), (7, 8)])
def test_adaptive_pool2d_parity(out):
    parity(lambda lib, x: F(lib).adaptive_avg_pool2d(x, out), arr(2, 3, 7, 8))
    parity(lambda lib, x: F(lib).adaptive_max_pool2d(x, out, return_indices=True),
           arr(2, 3, 7, 8))


@requires_torch
@pytest.mark.parametrize("out", [1, 3, 4, 7])
def test_adaptive_pool1d_parity(out):
    parity(lambda lib, x: F(lib).adaptive_avg_pool1d(x, out), arr(2, 3, 7))
    parity(lambda lib, x: F(lib).adaptive_max_pool1d(x, out, return_indices=True), arr(2, 3, 7))
    parity(lambda lib, x: F(lib).adaptive_max_pool1d(x, out), arr(3, 7))


@requires_torch
def test_max_unpool2d_parity():
    x = arr(2, 3, 6, 7)

    def fn(lib, x):
        y, idx = F(lib).max_pool2d(x, 2, return_indices=True)
        return F(lib).max_unpool2d(y * 2, idx, 2, output_size=(6, 7))

    parity(fn, x)
    parity(lambda lib, x: F(lib).max_unpool2d(*F(lib).max_pool2d(x, 2, return_indices=True), 2),
           arr(2, 3, 6, 8))


@requires_torch
def test_max_unpool1d_parity():
    def fn(lib, x):
        y, idx = F(lib).max_pool1d(x, 2, return_indices=True)
        return F(lib).max_unpool1d(y, idx, 2)

    parity(fn, arr(2, 3, 8))


@requires_torch
def test_lp_pool_parity():
    parity(lambda lib, x: F(lib).lp_pool2d(x.abs() + 0.1, 2, 2), arr(2, 2, 4, 6))
    parity(lambda lib, x: F(lib).lp_pool1d(x.abs() + 0.1, 3, 2, ceil_mode=True), arr(2, 2, 7))


INTERP = [("nearest", None), ("nearest-exact", None), ("bilinear", False), ("bilinear", True),
          ("bicubic", False), ("bicubic", True), ("area", None)]


@requires_torch
@pytest.mark.parametrize("mode,ac", INTERP)
@pytest.mark.parametrize("kw", [{"size": (5, 11)}, {"scale_factor": 2},
                                {"scale_factor": (0.5, 1.7)}, {"size": 1}])
def test_interpolate2d_parity(mode, ac, kw):
    parity(lambda lib, x: F(lib).interpolate(x, mode=mode, align_corners=ac, **kw),
           arr(2, 3, 7, 8))


@requires_torch
def test_interpolate1d_3d_parity():
    parity(lambda lib, x: F(lib).interpolate(x, scale_factor=2.5, mode="linear"), arr(2, 3, 7))
    parity(lambda lib, x: F(lib).interpolate(x, size=4, mode="linear", align_corners=True),
           arr(2, 3, 7))
    parity(lambda lib, x: F(lib).interpolate(x, scale_factor=2), arr(2, 3, 4))
    parity(lambda lib, x: F(lib).interpolate(x, size=(3, 5, 2), mode="trilinear"),
           arr(1, 2, 4, 3, 3))
    parity(lambda lib, x: F(lib).interpolate(x, scale_factor=1.5, recompute_scale_factor=True,
                                             mode="bilinear"), arr(1, 2, 5, 5))


@requires_torch
def test_pixel_shuffle_parity():
    parity(lambda lib, x: F(lib).pixel_shuffle(x, 2), arr(2, 8, 3, 4))
    parity(lambda lib, x: F(lib).pixel_unshuffle(x, 2), arr(2, 2, 4, 6))
    parity(lambda lib, x: lib.pixel_shuffle(x, 3), arr(9, 2, 2))  # unbatched


# ---------------------------------------------------------------------- finite differences
@pytest.mark.parametrize("kw", [{"kernel_size": 2}, {"kernel_size": 3, "stride": 2,
                                                      "padding": 1, "ceil_mode": True},
                                {"kernel_size": 2, "stride": 1, "dilation": 2}])
def test_max_pool2d_check_grad(kw):
    # distinct values a finite step cannot reorder
    x = R.permutation(2 * 2 * 5 * 5).reshape(2, 2, 5, 5).astype(np.float64) / 10
    check_grad(lambda lib, x: pool_ops.max_pool2d(x, **kw), x, gradgrad=True)


@pytest.mark.parametrize("kw", AVG2D)
def test_avg_pool2d_check_grad(kw):
    check_grad(lambda lib, x: pool_ops.avg_pool2d(x, **kw), arr(1, 2, 5, 6), gradgrad=True)


def test_pool1d_check_grad():
    x = R.permutation(2 * 9).reshape(1, 2, 9).astype(np.float64) / 10
    check_grad(lambda lib, x: pool_ops.max_pool1d(x, 3, 2, 1), x)
    check_grad(lambda lib, x: pool_ops.avg_pool1d(x, 3, 2, 1, ceil_mode=True), x)


@pytest.mark.parametrize("out", [(3, 2), 2, 1])
def test_adaptive_check_grad(out):
    x = R.permutation(2 * 7 * 6).reshape(1, 2, 7, 6).astype(np.float64) / 10
    check_grad(lambda lib, x: pool_ops.adaptive_max_pool2d(x, out), x, gradgrad=True)
    check_grad(lambda lib, x: pool_ops.adaptive_avg_pool2d(x, out), x, gradgrad=True)


def test_unpool_interpolate_shuffle_check_grad():
    x = R.permutation(2 * 16).reshape(1, 2, 4, 4).astype(np.float64)
    check_grad(lambda lib, y: pool_ops.max_unpool2d(
        y, pool_ops.max_pool2d(numtorch.tensor(x), 2, return_indices=True)[1], 2), arr(1, 2, 2, 2))
    check_grad(lambda lib, x: pool_ops.interpolate(x, scale_factor=2, mode="bilinear"),
               arr(1, 2, 3, 3))
    check_grad(lambda lib, x: pool_ops.interpolate(x, size=(4, 5), mode="bicubic",
                                                   align_corners=True), arr(1, 1, 3, 3))
    check_grad(lambda lib, x: pool_ops.pixel_shuffle(x, 2), arr(1, 4, 2, 3))


# ---------------------------------------------------------------------- errors
@requires_torch
@pytest.mark.parametrize("fn,shape", [
    (lambda lib, x: F(lib).max_pool2d(x, 2, padding=2), (1, 1, 6, 6)),  # pad > half kernel
    (lambda lib, x: F(lib).max_pool2d(x, 5), (1, 1, 3, 3)),  # output would be empty
    (lambda lib, x: F(lib).max_pool2d(x, 2), (4, 4)),  # 2-D input
    (lambda lib, x: F(lib).avg_pool2d(x, 3, padding=2), (1, 1, 6, 6)),
    (lambda lib, x: F(lib).avg_pool2d(x, 2, divisor_override=0), (1, 1, 4, 4)),
    (lambda lib, x: F(lib).adaptive_avg_pool2d(x, 2), (4,)),
    (lambda lib, x: F(lib).interpolate(x, mode="bilinear"), (1, 1, 4, 4)),  # no size
    (lambda lib, x: F(lib).interpolate(x, size=4, scale_factor=2), (1, 1, 4, 4)),
    (lambda lib, x: F(lib).interpolate(x, size=4, mode="nearest", align_corners=True),
     (1, 1, 4, 4)),
    (lambda lib, x: F(lib).pixel_shuffle(x, 2), (1, 3, 2, 2)),
    (lambda lib, x: F(lib).pixel_unshuffle(x, 2), (1, 3, 3, 2)),
])
def test_errors_like_torch(fn, shape):
    raises_like(fn, arr(*shape))


def test_pad_message():
    with pytest.raises(RuntimeError, match="pad should be at most half of effective kernel size"):
        pool_ops.max_pool2d(numtorch.zeros(1, 1, 6, 6), 2, padding=2)


@requires_torch
def test_unpool_bad_index():
    def fn(lib, x):
        idx = lib.full((1, 1, 2, 2), 16, dtype=lib.int64)
        return F(lib).max_unpool2d(x, idx, 2)

    raises_like(fn, arr(1, 1, 2, 2))


@requires_torch
def test_integer_avg_pool_truncates_like_torch():
    x = R.integers(-9, 9, (1, 2, 5, 5))
    parity(lambda lib, x: F(lib).avg_pool2d(x, 2, ceil_mode=True), x)
