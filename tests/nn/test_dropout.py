"""Dropout modules and the functional dropouts."""

import warnings

import numpy as np
import pytest
from parity import raises_like, requires_torch, to_numpy, torch

import numtorch
import numtorch.nn.functional as F
from numtorch import nn


@requires_torch
def test_reprs_and_eval_identity_match_torch():
    for name in ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout",
                 "FeatureAlphaDropout"):
        assert repr(getattr(nn, name)(0.3)) == repr(getattr(torch.nn, name)(0.3))
        m = getattr(nn, name)(0.3).eval()
        shape = {"Dropout3d": (2, 3, 4, 4, 4), "Dropout2d": (2, 3, 4, 4)}.get(name, (2, 3, 4))
        x = numtorch.randn(*shape)
        np.testing.assert_array_equal(to_numpy(m(x)), to_numpy(x))
    assert repr(nn.Dropout(0.5, inplace=True)) == repr(torch.nn.Dropout(0.5, inplace=True))


def test_dropout_training_statistics_and_gradient():
    m = nn.Dropout(0.5)
    x = numtorch.ones(100, 100, requires_grad=True)
    y = m(x)
    kept = to_numpy(y) != 0
    assert 0.45 < kept.mean() < 0.55
    np.testing.assert_allclose(to_numpy(y)[kept], 2.0)
    y.sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), kept * 2.0)
    assert not to_numpy(F.dropout(numtorch.ones(5), p=1.0)).any()
    assert F.dropout(x, 0.3, training=False) is x


def test_dropout_inplace():
    x = numtorch.ones(50, 50)
    y = F.dropout(x, 0.5, inplace=True)
    assert y is x and set(np.unique(to_numpy(x))) <= {0.0, 2.0}
    base = numtorch.ones(10, requires_grad=True)
    h = base * 1
    out = nn.Dropout(0.5, inplace=True)(h)
    out.sum().backward()
    np.testing.assert_allclose(to_numpy(base.grad), to_numpy(out))


def test_channel_dropouts():
    for fn, shape in ((F.dropout1d, (4, 8, 10)), (F.dropout1d, (8, 10)),
                      (F.dropout2d, (4, 8, 3, 3)), (F.dropout3d, (4, 8, 2, 2, 2)),
                      (F.dropout3d, (8, 2, 2, 2))):
        y = to_numpy(fn(numtorch.ones(*shape), 0.5))
        flat = y.reshape(shape[0], shape[1], -1) if len(shape) in (3, 4, 5) and \
            not (fn is F.dropout3d and len(shape) == 4) else y.reshape(shape[0], -1)
        assert (flat.min(-1) == flat.max(-1)).all()
        assert set(np.unique(y)) <= {0.0, 2.0}


@requires_torch
def test_channel_dropout_errors_and_warnings_match_torch():
    raises_like(lambda lib, x: lib.nn.functional.dropout1d(x, 0.5), np.ones((2, 2, 2, 2), "f"))
    for lib in (numtorch, torch):
        with pytest.warns(UserWarning, match="Received a 3D input to dropout2d"):
            lib.nn.functional.dropout2d(lib.ones(2, 3, 4), 0.5)
        with pytest.warns(UserWarning, match="Received a 2-D input to dropout3d"):
            lib.nn.functional.dropout3d(lib.ones(2, 3), 0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.dropout2d(numtorch.ones(2, 3, 4, 4), 0.5)


def test_invalid_p():
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        nn.Dropout(1.2)
    with pytest.raises(ValueError):
        F.dropout(numtorch.ones(1), -0.1)


def test_alpha_dropout_module():
    m = nn.AlphaDropout(0.2)
    x = numtorch.randn(300, 300)
    y = to_numpy(m(x))
    assert abs(y.mean()) < 0.03 and abs(y.std() - 1) < 0.03
