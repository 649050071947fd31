"""Tests of numtorch/nn/modules/pooling.py: every pooling layer against PyTorch (outputs,
indices, input gradients), ``repr`` strings and default strides."""

import numpy as np
import pytest
from parity import parity, requires_torch, rng, torch  # noqa: F401 - used by eval()

from numtorch import nn

from .module_parity import module_parity

R = rng(3)


def arr(*shape):
    return R.standard_normal(shape).astype(np.float32)


LAYERS = [
    (lambda lib: lib.nn.MaxPool2d(2), (2, 3, 6, 7)),
    (lambda lib: lib.nn.MaxPool2d(3, 2, 1, ceil_mode=True), (2, 3, 6, 7)),
    (lambda lib: lib.nn.MaxPool2d((2, 3), dilation=(2, 1)), (3, 7, 7)),
    (lambda lib: lib.nn.MaxPool1d(3, 2, 1), (2, 3, 8)),
    (lambda lib: lib.nn.MaxPool3d(2), (1, 2, 4, 4, 5)),
    (lambda lib: lib.nn.AvgPool2d(2), (2, 3, 6, 7)),
    (lambda lib: lib.nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False),
     (2, 3, 6, 7)),
    (lambda lib: lib.nn.AvgPool2d(3, 2, 1, divisor_override=4), (2, 3, 6, 7)),
    (lambda lib: lib.nn.AvgPool1d(3, 2, ceil_mode=True), (2, 3, 8)),
    (lambda lib: lib.nn.AdaptiveAvgPool2d((1, 1)), (2, 3, 6, 7)),
    (lambda lib: lib.nn.AdaptiveAvgPool2d((4, 3)), (2, 3, 6, 7)),
    (lambda lib: lib.nn.AdaptiveAvgPool1d(3), (2, 3, 7)),
    (lambda lib: lib.nn.AdaptiveMaxPool2d((4, 3)), (2, 3, 6, 7)),
    (lambda lib: lib.nn.AdaptiveMaxPool1d(5), (2, 3, 7)),
    (lambda lib: lib.nn.LPPool2d(2, 2), (2, 3, 6, 6)),
]


@requires_torch
@pytest.mark.parametrize("make,shape", LAYERS)
def test_layer_parity(make, shape):
    module_parity(make, arr(*shape))


@requires_torch
def test_return_indices_and_unpool():
    def fn(lib, x):
        pool = lib.nn.MaxPool2d(2, return_indices=True)
        unpool = lib.nn.MaxUnpool2d(2)
        y, idx = pool(x)
        return y, idx, unpool(y, idx, output_size=x.size())

    parity(fn, arr(2, 3, 6, 7))

    def fn1(lib, x):
        y, idx = lib.nn.AdaptiveMaxPool2d(3, return_indices=True)(x)
        return y, idx, lib.nn.MaxUnpool1d(2)(*lib.nn.MaxPool1d(2, return_indices=True)(x[0]))

    parity(fn1, arr(2, 3, 6, 6))


@requires_torch
@pytest.mark.parametrize("spec", [
    "MaxPool2d(2)", "MaxPool2d(3, 2, 1, ceil_mode=True)", "MaxPool1d(3)", "MaxPool3d(2)",
    "AvgPool2d(2)", "AvgPool1d(3, 2)", "AvgPool2d(3, 2, 1, count_include_pad=False)",
    "MaxUnpool2d(2)", "MaxUnpool1d(3, 2)", "AdaptiveAvgPool2d((1, 1))", "AdaptiveAvgPool1d(3)",
    "AdaptiveMaxPool2d(2, return_indices=True)", "LPPool2d(2, 3)", "LPPool1d(1.5, 2, 1)",
])
def test_repr_like_torch(spec):
    assert repr(eval("nn." + spec)) == repr(eval("torch.nn." + spec))


def test_stride_defaults_to_kernel():
    assert nn.MaxPool2d(3).stride == 3 and nn.AvgPool2d((2, 3)).stride == (2, 3)
    assert nn.AvgPool1d(2).stride == (2,) and nn.MaxUnpool2d(2).stride == (2, 2)
