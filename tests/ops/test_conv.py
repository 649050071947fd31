"""Tests of numtorch/ops/conv.py and its shifted-GEMM kernels (numtorch/ops/_conv_shift.py):
convNd, conv_transposeNd, unfold and fold against PyTorch (outputs and the gradients of input,
weight and bias), float64 finite differences (and second derivatives of conv2d), and PyTorch's
errors."""

import inspect
import math

import numpy as np
import pytest
from parity import check_grad, parity, raises_like, requires_torch, rng

import numtorch
from numtorch.ops import _conv_shift as conv_shift
from numtorch.ops import _winograd as winograd_ops
from numtorch.ops import conv as conv_ops

R = rng(0)


def arr(*shape, dtype=np.float32):
    return R.standard_normal(shape).astype(dtype)


def F(lib):
    return conv_ops if lib is numtorch else lib.nn.functional


# (x shape, weight shape, bias?, kwargs)
CONV2D = [
    ((2, 3, 7, 6), (4, 3, 3, 3), True, {}),
    ((2, 3, 7, 6), (4, 3, 3, 2), True, {"stride": 2}),
    ((2, 3, 7, 6), (4, 3, 3, 3), False, {"padding": 1}),
    ((2, 3, 9, 8), (4, 3, 3, 2), True, {"stride": (2, 1), "padding": (1, 2), "dilation": (1, 2)}),
    ((2, 4, 7, 6), (6, 2, 3, 3), True, {"groups": 2, "padding": 2, "stride": 2}),
    ((2, 4, 5, 5), (4, 1, 3, 3), True, {"groups": 4, "padding": 1}),  # depthwise
    ((2, 3, 6, 7), (4, 3, 4, 2), True, {"padding": "same"}),  # even kernel: extra pad after
    ((2, 3, 6, 7), (4, 3, 3, 3), True, {"padding": "same", "dilation": 2}),
    ((2, 3, 6, 7), (4, 3, 3, 3), True, {"padding": "valid"}),
    ((2, 3, 5, 6), (4, 3, 1, 1), True, {}),  # 1x1
    ((2, 3, 5, 6), (4, 3, 1, 1), False, {"stride": 2}),
    ((2, 1, 8, 8), (5, 1, 3, 3), True, {"padding": 1}),  # few channels: transposed im2col
    ((2, 3, 8, 8), (5, 3, 5, 5), True, {"padding": 2, "stride": 3}),
    ((6, 5, 4), (4, 6, 3, 3), True, {"padding": 1}),  # unbatched (C, H, W)
    ((1, 3, 5, 5), (2, 3, 5, 5), True, {}),  # kernel as large as the input
]


@requires_torch
@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("xs,ws,bias,kw", CONV2D)
def test_conv2d_parity(xs, ws, bias, kw):
    b = arr(ws[0]) if bias else None
    parity(lambda lib, x, w, *bb: F(lib).conv2d(x, w, bb[0] if bb else None, **kw),
           arr(*xs), arr(*ws), *([b] if bias else []))


CONV1D = [
    ((2, 3, 9), (4, 3, 3), {}),
    ((2, 3, 9), (4, 3, 3), {"stride": 2, "padding": 1, "dilation": 2}),
    ((2, 4, 9), (6, 2, 2), {"groups": 2, "padding": "same"}),
    ((3, 10), (4, 3, 4), {"stride": 3}),  # unbatched
]


@requires_torch
@pytest.mark.parametrize("xs,ws,kw", CONV1D)
def test_conv1d_parity(xs, ws, kw):
    parity(lambda lib, x, w, b: F(lib).conv1d(x, w, b, **kw), arr(*xs), arr(*ws), arr(ws[0]))


@requires_torch
@pytest.mark.parametrize("kw", [{}, {"stride": (1, 2, 1), "padding": (1, 0, 1)},
                                {"padding": "same", "groups": 3}])
def test_conv3d_parity(kw):
    ws = (3, 1, 2, 3, 2) if kw.get("groups") else (4, 3, 2, 3, 2)
    parity(lambda lib, x, w, b: F(lib).conv3d(x, w, b, **kw), arr(2, 3, 4, 5, 4), arr(*ws),
           arr(ws[0]))


# Stride-1 convolutions over 5 to 32 input channels run as shifted GEMMs over blocks of rows;
# ``small_blocks`` runs every case below in blocks of a few lines of one image, of two images
# (the last block partial in the first case), and all at once.
SHIFTED = [
    (2, (3, 16, 9, 7), (16, 16, 3, 3), {"padding": 1}),
    (2, (2, 8, 9, 7), (12, 8, 3, 3), {"padding": (2, 1), "dilation": (2, 1)}),
    (2, (2, 32, 6, 6), (5, 32, 3, 2), {"padding": "same"}),
    (2, (2, 6, 7, 5), (4, 6, 3, 3), {}),  # no padding
    (1, (2, 8, 20), (4, 8, 5), {"padding": 3}),
    (3, (1, 8, 4, 5, 4), (3, 8, 2, 2, 2), {"padding": 1}),
]


@pytest.fixture(params=[1, 2 * 99 * 16 * 16, 1 << 30])
def small_blocks(monkeypatch, request):
    # 1: the 64-row minimum; 2 * 99 * 16 * 16: two padded 11x9 images of the first case
    monkeypatch.setattr(conv_shift, "_SHIFT_BLOCK", request.param)
    monkeypatch.setattr(conv_shift, "_SHIFT_MAX_WASTE", 10.0)  # the path on these small maps
    monkeypatch.setattr(conv_ops, "_FORCE_ALGORITHM", "shift")  # not Winograd's 3x3 cases


@requires_torch
@pytest.mark.parametrize("nd,xs,ws,kw", SHIFTED)
def test_shifted_gemm_parity(small_blocks, nd, xs, ws, kw):
    geom = conv_ops._Geom(ws[2:], (1,) * nd, ((0, 0),) * nd, (1,) * nd, 1, xs[2:])
    assert conv_shift._use_shift(xs, geom)
    parity(lambda lib, x, w, b: getattr(F(lib), f"conv{nd}d")(x, w, b, **kw), arr(*xs),
           arr(*ws), arr(ws[0]))


@requires_torch
@pytest.mark.parametrize("kw", [{"padding": 1}, {"padding": (0, 2), "dilation": (1, 2)}])
def test_shifted_gemm_conv_transpose_parity(small_blocks, kw):
    """conv_transpose is the input gradient of conv: a stride-1 one over 16 output channels
    runs the shifted path's full correlation as its forward."""
    parity(lambda lib, x, w, b: F(lib).conv_transpose2d(x, w, b, **kw), arr(3, 8, 7, 6),
           arr(8, 16, 3, 3), arr(16))


@pytest.mark.parametrize("seed", range(40))
def test_shifted_gemm_equals_im2col(monkeypatch, seed):
    """Random stride-1 geometries: output, input and weight gradients of the shifted path are
    the im2col path's (float64; no torch needed)."""
    r = np.random.default_rng(seed)
    nd = int(r.integers(1, 3))
    k = tuple(int(v) for v in r.integers(1, 4, nd))
    if math.prod(k) == 1:
        k = (2,) + k[1:]
    dil = tuple(int(v) for v in r.integers(1, 3, nd))
    pad = "same" if r.random() < 0.3 else tuple(int(r.integers(0, d * (kk - 1) + 1))
                                                 for kk, d in zip(k, dil))
    size = tuple(int(v) for v in r.integers(5, 9, nd))
    c, o = int(r.integers(5, 33)), int(r.integers(1, 20))
    x, w = r.standard_normal((2, c) + size), r.standard_normal((o, c) + k)
    gy = None
    results = []
    for path in ("im2col", "shift"):
        monkeypatch.setattr(conv_ops, "_FORCE_ALGORITHM", path)
        monkeypatch.setattr(conv_shift, "_SHIFT_MAX_WASTE", 100.0)
        monkeypatch.setattr(conv_shift, "_SHIFT_BLOCK", int(r.integers(1, 5000)))
        xt = numtorch.tensor(x, requires_grad=True)
        wt = numtorch.tensor(w, requires_grad=True)
        y = getattr(conv_ops, f"conv{nd}d")(xt, wt, padding=pad, dilation=dil)
        if gy is None:
            gy = r.standard_normal(tuple(y.shape))
        y.backward(numtorch.tensor(gy))
        results.append((y.detach().numpy(), xt.grad.numpy(), wt.grad.numpy()))
    for a, b in zip(*results):
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("nd,xs,ws,kw", [SHIFTED[1], SHIFTED[4]])
def test_shifted_gemm_check_grad(small_blocks, nd, xs, ws, kw):
    conv = getattr(conv_ops, f"conv{nd}d")
    check_grad(lambda lib, x, w: conv(x, w, **kw), arr(*xs), arr(*ws), fast_mode=True,
               gradgrad=nd == 1)


@requires_torch
@pytest.mark.parametrize("seed", range(24))
def test_im2col_input_grad_blocks_parity(monkeypatch, seed):
    """Random geometries through the im2col input gradient, which accumulates blocks of images
    in cache and copies each out to the input's layout: blocks of one image, of a few (the last
    one partial) and of the whole batch; odd sizes, padding, stride, dilation, channels-last
    inputs and 1-D to 3-D (the shifted path is switched off, so every stride-1 case comes here
    too)."""
    r = np.random.default_rng(seed)
    monkeypatch.setattr(conv_ops, "_FORCE_ALGORITHM", "im2col")
    monkeypatch.setattr(conv_ops, "_COL2IM_BLOCK", int(r.choice([1, 300, 2000, 1 << 30])))
    nd = int(r.choice([1, 2, 2, 2, 3]))
    k = tuple(int(v) for v in r.integers(1, 4, nd))
    if math.prod(k) == 1:
        k = (3,) + k[1:]
    st = tuple(int(v) for v in r.integers(1, 3, nd))
    dil = tuple(int(v) for v in r.integers(1, 3, nd))
    pad = tuple(int(r.integers(0, d * (kk - 1) // 2 + 2)) for kk, d in zip(k, dil))
    size = tuple(int(d * (kk - 1) + 1 + r.integers(0, 6)) for kk, d in zip(k, dil))
    n, c, o = int(r.integers(1, 6)), int(r.integers(5, 12)), int(r.integers(1, 7))
    x, w, b = arr(n, c, *size), arr(o, c, *k), arr(o)
    last = nd == 2 and r.random() < 0.4  # channels-last input

    def fn(lib, x, w, b):
        if last:
            x = x.contiguous(memory_format=lib.channels_last)
        return getattr(F(lib), f"conv{nd}d")(x, w, b, stride=st, padding=pad, dilation=dil)

    out = parity(fn, x, w, b)
    assert out[0].is_contiguous(memory_format=numtorch.channels_last if last else
                                numtorch.contiguous_format)


@pytest.mark.parametrize("block", [1, 500])
@pytest.mark.parametrize("kw", [{"padding": 1},
                                {"stride": 2, "padding": (2, 1), "dilation": (1, 2)}])
def test_im2col_input_grad_blocks_check_grad(monkeypatch, block, kw):
    monkeypatch.setattr(conv_ops, "_FORCE_ALGORITHM", "im2col")
    monkeypatch.setattr(conv_ops, "_COL2IM_BLOCK", block)
    check_grad(lambda lib, x, w: conv_ops.conv2d(x, w, **kw), arr(3, 5, 7, 6), arr(4, 5, 3, 3),
               fast_mode=True)


# Stride-1 3x3 convolutions may run as Winograd F(2x2, 3x3) (numtorch/ops/_winograd.py): forced
# here through every case it computes, whatever the cost model picks. Odd and even sizes (odd
# outputs pad the last tile), padding 0 to 2 (asymmetric with 'same' on even kernels is not a
# 3x3 case), channels-last inputs, few and many channels.
WINOGRAD = [
    ((2, 3, 7, 6), (4, 3, 3, 3), {"padding": 1}, False),
    ((2, 6, 8, 8), (5, 6, 3, 3), {}, False),
    ((3, 5, 5, 9), (7, 5, 3, 3), {"padding": 2}, False),
    ((1, 8, 6, 7), (3, 8, 3, 3), {"padding": (0, 2)}, True),
    ((2, 16, 4, 4), (16, 16, 3, 3), {"padding": "same"}, True),
    ((4, 5, 3), (4, 4, 3, 3), {"padding": 1}, False),  # unbatched
]


@pytest.fixture(params=[1, 1 << 30])
def winograd(monkeypatch, request):
    """Winograd forced, in blocks of one image (the 1-tile minimum) or the whole batch."""
    monkeypatch.setattr(conv_ops, "_FORCE_ALGORITHM", "winograd")
    monkeypatch.setattr(winograd_ops, "_MIN_ROWS", 1)
    monkeypatch.setattr(winograd_ops, "_BLOCK", request.param)


@requires_torch
@pytest.mark.parametrize("xs,ws,kw,last", WINOGRAD)
def test_winograd_parity(winograd, xs, ws, kw, last):
    """Outputs and every gradient (float32) within the parity tolerances, and PyTorch's layout
    (channels-last out of a channels-last input)."""
    def fn(lib, x, w, b):
        if last:
            x = x.contiguous(memory_format=lib.channels_last)
        return F(lib).conv2d(x, w, b, **kw)

    out = parity(fn, arr(*xs), arr(*ws), arr(ws[0]))
    assert out[0].is_contiguous(memory_format=numtorch.channels_last if last else
                                numtorch.contiguous_format)


@requires_torch
@pytest.mark.parametrize("kw", [{}, {"padding": 1}, {"padding": 2}])
def test_winograd_conv_transpose_parity(winograd, kw):
    """A stride-1 3x3 conv_transpose is the input gradient's kernel as its forward."""
    parity(lambda lib, x, w, b: F(lib).conv_transpose2d(x, w, b, **kw), arr(2, 6, 7, 6),
           arr(6, 5, 3, 3), arr(5))


@pytest.mark.parametrize("seed", range(30))
def test_algorithms_equal_im2col(monkeypatch, seed):
    """Random 3x3 geometries (float64, no torch needed): Winograd's and the shifted GEMMs'
    output, input and weight gradients are the im2col path's. Mostly stride 1 (the other
    kernels' case); strides and dilations that they cannot compute must fall back to im2col."""
    r = np.random.default_rng(seed)
    size = tuple(int(v) for v in r.integers(5, 12, 2))
    pad = tuple(int(v) for v in r.integers(0, 3, 2))
    stride, dil = (1, 1), (1, 1)
    if seed % 5 == 4:
        stride, dil = tuple(int(v) for v in r.integers(1, 3, 2)), tuple(int(v) for v in
                                                                         r.integers(1, 3, 2))
    n, c, o = int(r.integers(1, 5)), int(r.integers(1, 40)), int(r.integers(1, 20))
    x, w = r.standard_normal((n, c) + size), r.standard_normal((o, c, 3, 3))
    monkeypatch.setattr(conv_shift, "_SHIFT_MAX_WASTE", 100.0)
    monkeypatch.setattr(winograd_ops, "_MIN_ROWS", int(r.integers(1, 50)))
    monkeypatch.setattr(winograd_ops, "_BLOCK", 1)
    gy, results = None, {}
    for path in ("im2col", "winograd", "shift"):
        monkeypatch.setattr(conv_ops, "_FORCE_ALGORITHM", path)
        xt = numtorch.tensor(x, requires_grad=True)
        wt = numtorch.tensor(w, requires_grad=True)
        y = conv_ops.conv2d(xt, wt, padding=pad, stride=stride, dilation=dil)
        if gy is None:
            gy = r.standard_normal(tuple(y.shape))
        y.backward(numtorch.tensor(gy))
        results[path] = (y.detach().numpy(), xt.grad.numpy(), wt.grad.numpy())
    for path in ("winograd", "shift"):
        for a, b in zip(results["im2col"], results[path]):
            np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-10, err_msg=path)


@pytest.mark.parametrize("kw", [{"padding": 1}, {"padding": (2, 0)}])
def test_winograd_check_grad(winograd, kw):
    check_grad(lambda lib, x, w: conv_ops.conv2d(x, w, **kw), arr(2, 3, 5, 4), arr(2, 3, 3, 3),
               gradgrad=kw["padding"] == 1)


def test_winograd_chosen_by_cost_model():
    """The cost model gives the wide 3x3 layers of the benchmark CNNs to Winograd and keeps
    im2col where Winograd's transforms outweigh its GEMMs (a 1x1 output map)."""
    g = conv_ops._Geom((3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1), 1, (8, 8))
    assert conv_ops._algorithm(128, 256, g) == "winograd"
    g1 = conv_ops._Geom((3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1), 1, (1, 1))
    assert conv_ops._algorithm(128, 256, g1) == "im2col"
    g2 = conv_ops._Geom((3, 3), (2, 2), ((1, 1), (1, 1)), (1, 1), 1, (8, 8))
    assert conv_ops._algorithm(128, 256, g2) == "im2col"  # strided: not a Winograd case


TRANSPOSE2D = [
    ((2, 4, 5, 6), (4, 3, 3, 3), {}),
    ((2, 4, 5, 6), (4, 3, 3, 2), {"stride": (2, 1), "padding": 1, "dilation": (1, 2),
                                  "output_padding": (1, 0)}),
    ((2, 4, 5, 6), (4, 3, 3, 3), {"stride": 2, "groups": 2}),
    ((2, 4, 3, 3), (4, 2, 4, 4), {"stride": 2, "padding": 1}),  # the DCGAN up-sampling block
    ((4, 3, 3), (4, 2, 3, 3), {"stride": 3, "output_padding": 2}),  # unbatched
]


@requires_torch
@pytest.mark.parametrize("xs,ws,kw", TRANSPOSE2D)
def test_conv_transpose2d_parity(xs, ws, kw):
    out_c = ws[1] * kw.get("groups", 1)
    parity(lambda lib, x, w, b: F(lib).conv_transpose2d(x, w, b, **kw), arr(*xs), arr(*ws),
           arr(out_c))


@requires_torch
@pytest.mark.parametrize("kw", [{}, {"stride": 3, "output_padding": 2, "padding": 1},
                                {"groups": 2, "dilation": 2}])
def test_conv_transpose1d_parity(kw):
    parity(lambda lib, x, w, b: F(lib).conv_transpose1d(x, w, b, **kw), arr(2, 4, 7),
           arr(4, 3, 3), arr(3 * kw.get("groups", 1)))


@requires_torch
def test_conv_transpose3d_parity():
    parity(lambda lib, x, w: F(lib).conv_transpose3d(x, w, stride=2, padding=1),
           arr(1, 2, 3, 3, 2), arr(2, 3, 2, 3, 3))


@requires_torch
@pytest.mark.parametrize("kw", [{"kernel_size": 2}, {"kernel_size": (2, 3), "stride": 2,
                                                     "padding": 1, "dilation": (1, 2)}])
def test_unfold_fold_parity(kw):
    x = arr(2, 3, 6, 7)
    cols = parity(lambda lib, x: F(lib).unfold(x, **kw), x)[0]
    parity(lambda lib, c: F(lib).fold(c, (6, 7), **kw), cols.detach().numpy())


@requires_torch
def test_top_level_and_functional_names():
    for name in ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d"]:
        assert getattr(numtorch, name) is getattr(conv_ops, name)
        # (the functional form checks its tensor arguments first: the same function inside)
        assert inspect.unwrap(getattr(numtorch.nn.functional, name)) is getattr(conv_ops, name)
    assert inspect.unwrap(numtorch.nn.functional.unfold) is conv_ops.unfold
    assert not hasattr(numtorch, "unfold") or numtorch.unfold is not conv_ops.unfold


def test_forward_float32_and_dtype_kept():
    y = conv_ops.conv2d(numtorch.tensor(arr(1, 2, 5, 5)), numtorch.tensor(arr(3, 2, 3, 3)))
    assert y.dtype == numtorch.float32 and tuple(y.shape) == (1, 3, 3, 3)


# ---------------------------------------------------------------------- finite differences
@pytest.mark.parametrize("xs,ws,kw", [
    ((2, 3, 5, 4), (2, 3, 3, 2), {"stride": (2, 1), "padding": 1}),
    ((1, 4, 5, 5), (4, 2, 3, 3), {"groups": 2, "dilation": 2, "padding": 2}),
    ((2, 1, 4, 4), (2, 1, 2, 2), {"padding": "same"}),
])
def test_conv2d_check_grad(xs, ws, kw):
    check_grad(lambda lib, x, w, b: conv_ops.conv2d(x, w, b, **kw), arr(*xs), arr(*ws),
               arr(ws[0]), fast_mode=True)


def test_conv1d_conv3d_check_grad():
    check_grad(lambda lib, x, w: conv_ops.conv1d(x, w, stride=2, padding=1), arr(2, 3, 7),
               arr(2, 3, 3))
    check_grad(lambda lib, x, w: conv_ops.conv3d(x, w, padding=1), arr(1, 2, 3, 3, 3),
               arr(2, 2, 2, 2, 2), fast_mode=True)


def test_conv_transpose_check_grad():
    check_grad(lambda lib, x, w, b: conv_ops.conv_transpose2d(x, w, b, stride=2, padding=1,
                                                              output_padding=1),
               arr(2, 3, 3, 3), arr(3, 2, 3, 3), arr(2), fast_mode=True)
    check_grad(lambda lib, x, w: conv_ops.conv_transpose1d(x, w, stride=2, groups=2),
               arr(1, 4, 4), arr(4, 1, 3))


def test_unfold_fold_check_grad():
    kw = {"kernel_size": (2, 3), "stride": 2, "padding": 1}
    check_grad(lambda lib, x: conv_ops.unfold(x, **kw), arr(1, 2, 5, 4), gradgrad=True)
    check_grad(lambda lib, c: conv_ops.fold(c, (5, 4), **kw), arr(1, 12, 6), gradgrad=True)


def test_conv2d_gradgrad():
    """The backward of conv is made of conv ops, so second derivatives (create_graph) work."""
    check_grad(lambda lib, x, w, b: conv_ops.conv2d(x, w, b, stride=2, padding=1),
               arr(1, 2, 4, 4), arr(2, 2, 3, 3), arr(2), gradgrad=True)
    check_grad(lambda lib, x, w: conv_ops.conv_transpose2d(x, w, stride=2, groups=2),
               arr(1, 2, 3, 3), arr(2, 1, 2, 2), gradgrad=True)


@requires_torch
def test_gradient_penalty_matches_torch():
    """d/dw of ||d conv(x, w)/dx||^2: a double-backward use (WGAN-GP style)."""
    def fn(lib, x, w):
        y = F(lib).conv2d(x, w, padding=1)
        (gx,) = lib.autograd.grad(y.sum(), x, create_graph=True)
        return (gx * gx).sum()

    parity(fn, arr(2, 2, 5, 5).astype(np.float64), arr(3, 2, 3, 3).astype(np.float64))


# ---------------------------------------------------------------------- errors
@requires_torch
def test_channel_mismatch_message():
    e = raises_like(lambda lib, x, w: F(lib).conv2d(x, w), arr(64, 3, 32, 32), arr(32, 1, 3, 3))
    assert str(e) == ("Given groups=1, weight of size [32, 1, 3, 3], expected input[64, 3, 32, 32]"
                      " to have 1 channels, but got 3 channels instead")


@requires_torch
@pytest.mark.parametrize("fn,xs,ws", [
    (lambda lib, x, w: F(lib).conv2d(x, w), (1, 2, 2, 2), (3, 2, 3, 3)),  # input < kernel
    (lambda lib, x, w: F(lib).conv2d(x, w, padding=-1), (1, 2, 5, 5), (3, 2, 3, 3)),
    (lambda lib, x, w: F(lib).conv2d(x, w, stride=2, padding="same"), (1, 2, 5, 5),
     (3, 2, 3, 3)),
    (lambda lib, x, w: F(lib).conv2d(x, w, padding="full"), (1, 2, 5, 5), (3, 2, 3, 3)),
    (lambda lib, x, w: F(lib).conv2d(x, w, groups=2), (1, 4, 5, 5), (3, 2, 3, 3)),
    (lambda lib, x, w: F(lib).conv2d(x, w), (5, 5), (3, 2, 3, 3)),  # 2-D input
    (lambda lib, x, w: F(lib).conv1d(x, w), (1, 2, 5), (3, 3, 3)),
    (lambda lib, x, w: F(lib).conv2d(x, w.double()), (1, 2, 5, 5), (3, 2, 3, 3)),
    (lambda lib, x, w: F(lib).conv_transpose2d(x, w), (1, 3, 5, 5), (2, 3, 3, 3)),
    (lambda lib, x, w: F(lib).conv_transpose2d(x, w, stride=2, output_padding=2), (1, 2, 3, 3),
     (2, 3, 3, 3)),
    (lambda lib, x, w: F(lib).unfold(x, 4), (1, 2, 3, 3), (1,)),
    (lambda lib, x, w: F(lib).fold(x, (4, 4), 2), (1, 8, 5), (1,)),
])
def test_errors_like_torch(fn, xs, ws):
    raises_like(fn, arr(*xs), arr(*ws))


def test_too_small_input_message():
    with pytest.raises(RuntimeError, match=r"Calculated padded input size per channel: \(2 x 2\)."
                                           r" Kernel size: \(3 x 3\)"):
        conv_ops.conv2d(numtorch.zeros(1, 2, 2, 2), numtorch.zeros(3, 2, 3, 3))


@requires_torch
def test_integer_conv2d_like_torch():
    x, w = R.integers(-5, 5, (1, 2, 5, 5)), R.integers(-5, 5, (3, 2, 2, 2))
    parity(lambda lib, x, w: F(lib).conv2d(x, w, padding=1), x, w)
