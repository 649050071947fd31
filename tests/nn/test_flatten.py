"""Flatten and Unflatten."""

import numpy as np
import pytest
from parity import requires_torch, rng, torch

import numtorch
from numtorch import nn

from .module_parity import module_parity


@pytest.mark.parametrize("args", [(), (0,), (1, 2), (-3, -2), (2, -1)])
def test_flatten_matches_torch(args):
    x = rng().standard_normal((2, 3, 4, 5)).astype(np.float32)
    nt, th, _ = module_parity(lambda lib: lib.nn.Flatten(*args), x)
    assert repr(nt) == repr(th)


@pytest.mark.parametrize("dim,sizes", [(1, (3, 4)), (-1, (2, -1)), (0, (2, 1))])
def test_unflatten_matches_torch(dim, sizes):
    x = rng().standard_normal((2, 12)).astype(np.float32)
    nt, th, _ = module_parity(lambda lib: lib.nn.Unflatten(dim, sizes), x)
    assert repr(nt) == repr(th)


@requires_torch
def test_errors():
    with pytest.raises(RuntimeError):
        nn.Flatten(2, 1)(numtorch.ones(2, 3, 4))
    with pytest.raises(RuntimeError):
        nn.Unflatten(1, (5, 5))(numtorch.ones(2, 12))
    for lib in (nn, torch.nn):
        with pytest.raises(TypeError):
            lib.Unflatten(1, 12)
        with pytest.raises(TypeError):
            lib.Unflatten(1, (3.0, 4))
