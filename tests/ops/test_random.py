"""Dropout masks and the dropout functions of numtorch.ops.random."""

import numpy as np
import pytest
from parity import check_grad, to_numpy

import numtorch
from numtorch.ops import random as R


def test_mask_is_reproducible_and_uses_generator():
    numtorch.manual_seed(3)
    a = R.dropout_mask((100,), 0.3, np.float32)
    numtorch.manual_seed(3)
    b = R.dropout_mask((100,), 0.3, np.float32)
    np.testing.assert_array_equal(a, b)
    g1, g2 = numtorch.Generator().manual_seed(5), numtorch.Generator().manual_seed(5)
    np.testing.assert_array_equal(R.dropout_mask((50,), 0.5, np.float32, g1),
                                  R.dropout_mask((50,), 0.5, np.float32, g2))
    assert set(np.unique(a)) <= {0.0, 1.0}


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_mask_dtype_and_keep_rate(dtype):
    numtorch.manual_seed(1)
    m = R.dropout_mask((400, 250), 0.3, dtype)
    assert m.dtype == dtype and m.shape == (400, 250)
    assert set(np.unique(m)) <= {0.0, 1.0}
    assert abs(m.mean() - 0.7) < 0.01
    assert R.dropout_mask((3,), 0.0, dtype).all() and not R.dropout_mask((3,), 1.0, dtype).any()


def test_dropout_gradcheck_float64():
    x = numtorch.randn(4, 5, dtype=numtorch.float64, requires_grad=True)

    def fn(x):
        numtorch.manual_seed(7)  # the same mask at every evaluation
        return R.dropout(x, 0.3)

    assert numtorch.autograd.gradcheck(fn, (x,))


def test_dropout_scales_kept_and_zeroes_dropped():
    x = numtorch.ones(200, 50)
    y = to_numpy(R.dropout(x, 0.25))
    assert set(np.unique(y)) <= {0.0, np.float32(1 / 0.75)}
    assert abs((y == 0).mean() - 0.25) < 0.02
    assert abs(y.mean() - 1.0) < 0.03
    assert R.dropout(x, 0.5, train=False) is x
    assert R.dropout(x, 0.0) is x
    assert not to_numpy(R.dropout(x, 1.0)).any()


def test_dropout_gradient_is_the_mask():
    x = numtorch.randn(30, 20, requires_grad=True)
    y = R.dropout(x, 0.4)
    y.sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), (to_numpy(y) != 0) / 0.6, rtol=1e-6)
    check_grad(lambda lib, x: R.dropout(x, 0.0), np.ones((2, 3)))


def test_feature_dropout_drops_whole_channels():
    x = numtorch.ones(8, 16, 5, 5)
    y = to_numpy(R.feature_dropout(x, 0.5))
    per_channel = y.reshape(8, 16, -1)
    assert (per_channel.min(-1) == per_channel.max(-1)).all()
    assert 0 < (per_channel[..., 0] == 0).mean() < 1
    unbatched = to_numpy(R.feature_dropout(numtorch.ones(16, 3), 0.5, spatial=1))
    assert (unbatched.min(-1) == unbatched.max(-1)).all()


def test_alpha_dropout_keeps_mean_and_variance():
    numtorch.manual_seed(0)
    x = numtorch.randn(400, 250)
    y = to_numpy(R.alpha_dropout(x, 0.2, train=True))
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02
    assert R.alpha_dropout(x, 0.2, train=False) is x
    f = to_numpy(R.feature_alpha_dropout(numtorch.randn(50, 40, 10), 0.3, train=True))
    assert abs(f.std() - 1) < 0.05


def test_invalid_probability():
    with pytest.raises(ValueError, match="between 0 and 1, but got 1.5"):
        R.dropout(numtorch.ones(1), 1.5)
