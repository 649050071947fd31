"""Window functions for signal processing (``torch.*_window``): Hann, Hamming, Blackman,
Bartlett and Kaiser. ``periodic=True`` (the default) gives the window of length N + 1 without
its last point, the form for spectral analysis (``stft``); ``periodic=False`` the symmetric one.
The values are computed in float64 and returned in ``dtype`` (a floating dtype).
"""

import numpy as np

from numtorch import _dtype
from numtorch._device import _check_device
from numtorch._tensor import _wrap

__all__ = ["hann_window", "hamming_window", "blackman_window", "bartlett_window",
           "kaiser_window"]


def _window(name, window_length, periodic, dtype, device, requires_grad, formula):
    _check_device(device)
    dt = _dtype.get_default_dtype() if dtype is None else _dtype.dtype_arg(dtype)
    if not dt.is_floating_point:
        raise RuntimeError(f"{name} expects floating point dtypes, got: {dt}")
    if window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got "
                           f"window_length={window_length}")
    if window_length <= 1:
        values = np.ones(window_length)
    else:
        n = window_length + 1 if periodic else window_length
        k = np.arange(n, dtype=np.float64)
        values = formula(k, n)[:window_length]
    out = _wrap(values.astype(dt.np_dtype))
    if requires_grad:
        out.requires_grad_(True)
    return out


def hann_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                requires_grad=False, pin_memory=False):
    """w[k] = 0.5 - 0.5 cos(2 pi k / (N - 1))."""
    return _window("hann_window", window_length, periodic, dtype, device, requires_grad,
                   lambda k, n: 0.5 - 0.5 * np.cos(2 * np.pi * k / (n - 1)))


def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None,
                   layout=None, device=None, requires_grad=False, pin_memory=False):
    """w[k] = alpha - beta cos(2 pi k / (N - 1))."""
    return _window("hamming_window", window_length, periodic, dtype, device, requires_grad,
                   lambda k, n: alpha - beta * np.cos(2 * np.pi * k / (n - 1)))


def blackman_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                    requires_grad=False, pin_memory=False):
    """w[k] = 0.42 - 0.5 cos(2 pi k / (N - 1)) + 0.08 cos(4 pi k / (N - 1))."""
    return _window("blackman_window", window_length, periodic, dtype, device, requires_grad,
                   lambda k, n: 0.42 - 0.5 * np.cos(2 * np.pi * k / (n - 1))
                   + 0.08 * np.cos(4 * np.pi * k / (n - 1)))


def bartlett_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                    requires_grad=False, pin_memory=False):
    """The triangle w[k] = 1 - |2 k / (N - 1) - 1|."""
    return _window("bartlett_window", window_length, periodic, dtype, device, requires_grad,
                   lambda k, n: 1 - np.abs(2 * k / (n - 1) - 1))


def kaiser_window(window_length, periodic=True, beta=12.0, *, dtype=None, layout=None,
                  device=None, requires_grad=False, pin_memory=False):
    """w[k] = I0(beta sqrt(1 - (2 k / (N - 1) - 1)^2)) / I0(beta), with I0 the modified Bessel
    function of the first kind of order 0 (``np.i0``)."""
    if beta < 0:
        raise RuntimeError(f"kaiser_window: beta must be non-negative, got {beta}")

    def formula(k, n):
        r = 2 * k / (n - 1) - 1
        return np.i0(beta * np.sqrt(np.clip(1 - r * r, 0, None))) / np.i0(beta)

    return _window("kaiser_window", window_length, periodic, dtype, device, requires_grad,
                   formula)
