"""Tests of numtorch/nn/modules/upsampling.py and pixelshuffle.py: Upsample and its 2-D
variants, PixelShuffle/PixelUnshuffle against PyTorch, and their ``repr`` strings."""

import numpy as np
import pytest
from parity import requires_torch, rng, torch  # noqa: F401 - used by eval()

from numtorch import nn  # noqa: F401 - used by eval()

from .module_parity import module_parity

R = rng(4)


def arr(*shape):
    return R.standard_normal(shape).astype(np.float32)


LAYERS = [
    (lambda lib: lib.nn.Upsample(scale_factor=2), (2, 3, 4, 5)),
    (lambda lib: lib.nn.Upsample(size=(7, 3), mode="bilinear"), (2, 3, 4, 5)),
    (lambda lib: lib.nn.Upsample(scale_factor=(1.5, 2), mode="bilinear", align_corners=True),
     (2, 3, 4, 5)),
    (lambda lib: lib.nn.Upsample(scale_factor=2, mode="bicubic"), (1, 2, 3, 4)),
    (lambda lib: lib.nn.Upsample(scale_factor=3, mode="linear"), (2, 3, 4)),
    (lambda lib: lib.nn.Upsample(scale_factor=2, mode="nearest"), (2, 3, 4)),
    (lambda lib: lib.nn.UpsamplingNearest2d(scale_factor=2), (2, 3, 4, 5)),
    (lambda lib: lib.nn.UpsamplingBilinear2d(size=(6, 7)), (2, 3, 4, 5)),
    (lambda lib: lib.nn.PixelShuffle(2), (2, 8, 3, 4)),
    (lambda lib: lib.nn.PixelUnshuffle(2), (2, 3, 4, 6)),
    (lambda lib: lib.nn.PixelShuffle(3), (9, 2, 2)),
]


@requires_torch
@pytest.mark.parametrize("make,shape", LAYERS)
def test_layer_parity(make, shape):
    module_parity(make, arr(*shape))


@requires_torch
@pytest.mark.parametrize("spec", [
    "Upsample(scale_factor=2)", "Upsample(size=(4, 5), mode='bilinear', align_corners=True)",
    "Upsample(scale_factor=(2, 3), mode='nearest')", "UpsamplingNearest2d(size=4)",
    "UpsamplingBilinear2d(scale_factor=2)", "PixelShuffle(2)", "PixelUnshuffle(3)",
])
def test_repr_like_torch(spec):
    assert repr(eval("nn." + spec)) == repr(eval("torch.nn." + spec))
