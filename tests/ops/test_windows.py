"""Window functions (numtorch/ops/windows.py) against PyTorch."""

import numpy as np
import pytest
from parity import raises_like

import numtorch

torch = pytest.importorskip("torch")

NAMES = ["hann_window", "hamming_window", "blackman_window", "bartlett_window",
         "kaiser_window"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("length", [0, 1, 2, 5, 8])
@pytest.mark.parametrize("periodic", [True, False])
def test_values(name, length, periodic):
    for dtype in ("float32", "float64"):
        a = getattr(numtorch, name)(length, periodic, dtype=getattr(numtorch, dtype))
        b = getattr(torch, name)(length, periodic, dtype=getattr(torch, dtype))
        assert a.dtype == getattr(numtorch, dtype) and tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-6)


def test_parameters_and_defaults():
    for lib in (numtorch, torch):
        assert lib.hann_window(4).dtype == lib.float32
        assert lib.hann_window(4, requires_grad=True).requires_grad
    np.testing.assert_allclose(numtorch.hamming_window(7, False, 0.5, 0.5).numpy(),
                               torch.hamming_window(7, False, 0.5, 0.5).numpy(), atol=1e-6)
    np.testing.assert_allclose(numtorch.kaiser_window(9, True, 5.0).numpy(),
                               torch.kaiser_window(9, True, 5.0).numpy(), atol=1e-6)
    np.testing.assert_allclose(numtorch.kaiser_window(9, False, 0.0).numpy(),
                               torch.kaiser_window(9, False, 0.0).numpy(), atol=1e-6)
    numtorch.set_default_dtype(numtorch.float64)
    try:
        assert numtorch.blackman_window(3).dtype == numtorch.float64
    finally:
        numtorch.set_default_dtype(numtorch.float32)


@pytest.mark.parametrize("name", NAMES)
def test_errors(name):
    raises_like(lambda lib: getattr(lib, name)(-1), match="non-negative window_length")
    raises_like(lambda lib: getattr(lib, name)(4, dtype=lib.int64), match="floating point")
    with pytest.raises(RuntimeError, match="cuda"):
        getattr(numtorch, name)(4, device="cuda")
