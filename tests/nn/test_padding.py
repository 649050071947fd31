"""Padding layers: ConstantPadNd, ZeroPadNd, ReflectionPadNd, ReplicationPadNd, CircularPadNd."""

import numpy as np
import pytest
from parity import check_grad, raises_like, requires_torch, rng

from numtorch import nn

from .module_parity import module_parity

SHAPES = {1: (2, 3, 7), 2: (2, 3, 6, 7), 3: (1, 2, 5, 6, 7)}
LAYERS = [(name, n) for n in (1, 2, 3)
          for name in ("ConstantPad", "ZeroPad", "ReflectionPad", "ReplicationPad",
                       "CircularPad")]


def _make(lib, name, n, padding):
    cls = getattr(lib.nn, f"{name}{n}d")
    return cls(padding, 1.5) if name == "ConstantPad" else cls(padding)


@requires_torch
@pytest.mark.parametrize("name,n", LAYERS)
@pytest.mark.parametrize("uneven", [False, True])
def test_padding_layers_match_torch(name, n, uneven):
    padding = (1, 3, 0, 2, 2, 1)[:2 * n] if uneven else 2
    x = rng().standard_normal(SHAPES[n]).astype(np.float32)
    nt, th, _ = module_parity(lambda lib: _make(lib, name, n, padding), x)
    assert repr(nt) == repr(th)


@pytest.mark.parametrize("name", ["ReflectionPad", "ReplicationPad", "CircularPad"])
def test_padding_layers_gradcheck(name):
    x = rng().standard_normal((1, 2, 4, 5))
    layer = getattr(nn, f"{name}2d")((1, 2, 2, 1))
    check_grad(lambda t, a: layer(a), x)


def test_reflection_wider_than_input_raises_like_torch():
    raises_like(lambda t, a: t.nn.ReflectionPad2d(4)(a), np.zeros((1, 1, 3, 3), np.float32))
