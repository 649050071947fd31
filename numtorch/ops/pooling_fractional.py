"""Fractional max pooling (Graham, 2014): max pooling over ``kernel_size`` windows whose starts
advance by a pseudo-random mix of steps, so that an input of size ``s`` pools to any size
``o`` (``o + k - 1 <= s``).

Each (sample, channel) plane draws one number ``u`` in [0, 1) per spatial dim (PyTorch's
``_random_samples``, shape (N, C, nd)); along a dim of input size ``s``, output size ``o`` and
kernel ``k`` the window starts are, computed in the input's floating type as PyTorch does::

    alpha = (s - k) / (o - 1)
    start[i] = int((i + u) * alpha) - int(u * alpha)      for i < o - 1
    start[o - 1] = s - k

so given samples give PyTorch's windows exactly. The samples' last dim is (width, height) in
2-D and (time, height, width) in 3-D, PyTorch's orders. The maximum of each window is found by
gathering its elements (one fancy index per call, no loop over windows); the first maximum wins
and a NaN, the last one, as in PyTorch's kernel. The output is a gather by flat plane index
(``_PlaneGather``), whose backward scatters the gradient back.
"""

import math

import numpy as np

from numtorch import _random
from numtorch._tensor import Tensor, _wrap
from numtorch.ops._pool_geometry import _batch, _shape_str, _unbatch
from numtorch.ops.pooling_max import _PlaneGather

__all__ = ["fractional_max_pool2d", "fractional_max_pool2d_with_indices",
           "fractional_max_pool3d", "fractional_max_pool3d_with_indices"]

_DIM_NAMES = {2: ("height", "width"), 3: ("time", "height", "width")}
# the position of each spatial dim's number in the samples' last dim
_SAMPLE_AXIS = {2: (1, 0), 3: (0, 1, 2)}


def _starts(u, size, out, k):
    """Window starts (N, C, out) along one dim, from the samples ``u`` (N, C)."""
    starts = np.empty(u.shape + (out,), dtype=np.int64)
    if out > 1:
        ft = u.dtype.type
        alpha = ft(size - k) / ft(out - 1)
        i = np.arange(out - 1, dtype=u.dtype)
        starts[..., :-1] = ((i + u[..., None]) * alpha).astype(np.int64) - \
            (u * alpha).astype(np.int64)[..., None]
    if out > 0:
        starts[..., -1] = size - k
    return starts


def _sizes(value, nd, what, name):
    if isinstance(value, (tuple, list)):
        if len(value) != nd:
            raise RuntimeError(f"{name}: {what} must either be a single Int or tuple of Ints")
        return tuple(int(v) for v in value)
    return (int(value),) * nd


def _fractional_max(input, nd, kernel_size, output_size, output_ratio, random_samples):
    name = f"fractional_max_pool{nd}d"
    if output_size is None and output_ratio is None:
        raise ValueError(f"{name} requires specifying either an output_size or an output_ratio")
    if output_size is None:
        if nd == 2 and len(output_ratio) > 2:
            raise ValueError(f"{name} requires output_ratio to either be a single Int or tuple "
                             f"of Ints.")
        ratio = tuple(output_ratio) if isinstance(output_ratio, (tuple, list)) else \
            (output_ratio,) * nd
        output_size = [int(input.size(d - nd) * r) for d, r in zip(range(nd), ratio)]
    if random_samples is None:
        n_batch = 1 if input.dim() == nd + 1 else input.size(0)
        dt = _random._float_dtype(input.dtype)
        random_samples = _random.rand(n_batch, input.size(-nd - 1), nd, dtype=dt)
    k = _sizes(kernel_size, nd, "kernel_size", name)
    out = _sizes(output_size, nd, "output_size", name)
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got: "
                           f"{_shape_str(input.shape)}")
    first = 0 if input.dim() == nd + 1 else 1  # (the batch may be empty)
    for d in range(first, input.dim()):
        if input.shape[d] == 0:
            raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but got{_shape_str(input.shape)} with dimension "
                               f"{d} being empty.")
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"{name}_out_frame\" not implemented for "
                                  f"'{_random._SCALAR_NAMES[input._data.dtype.name]}'")
    x, unbatched = _batch(input, nd)
    size = tuple(x.shape[2:])
    n, c = x.shape[:2]
    where = f"{name}()" if nd == 2 else f"{name}_out()"
    # NOTE: PyTorch's 3-D check is strict (a window may not end on the last element when the
    # output is as large as it can be); its 2-D check is not
    limit = 0 if nd == 2 else 1
    for dim_name, s, o, kk in zip(_DIM_NAMES[nd], size, out, k):
        if o + kk - 1 > s - limit:
            raise RuntimeError(f"{where}: pool {dim_name} {kk} too large relative to input "
                               f"{dim_name} {s}")
    if any(kk <= 0 for kk in k):
        raise RuntimeError(f"{name}(): kernel_size must be greater than zero, but got "
                           f"{list(k)}")
    samples = random_samples._data if isinstance(random_samples, Tensor) else \
        np.asarray(random_samples)
    if samples.ndim != 3:
        raise RuntimeError(f"Expect _random_samples to have 3 dimensions, got {samples.ndim}")
    if samples.shape[0] < n:
        raise RuntimeError("Expect _random_samples.size(0) no less then input batch size.")
    if samples.shape[1] != c:
        raise RuntimeError("Expect _random_samples.size(1) equals to input channel size.")
    if samples.shape[2] != nd:
        raise RuntimeError(f"Expect _random_samples.size(2) equals to {nd}; got "
                           f"{samples.shape[2]}.")
    if samples.dtype != x._data.dtype:
        raise RuntimeError("Expect _random_samples to have the same dtype as input")

    # flat plane index of every element of every window: (N, C, *out, *k)
    flat = np.zeros((n, c) + out + k, dtype=np.int64)
    for axis, (s, o, kk) in enumerate(zip(size, out, k)):
        starts = _starts(samples[:n, :, _SAMPLE_AXIS[nd][axis]], s, o, kk)  # (N, C, o)
        rows = starts[..., None] + np.arange(kk)  # (N, C, o, k)
        shape = [n, c] + [1] * (2 * nd)
        shape[2 + axis], shape[2 + nd + axis] = o, kk
        flat = flat * s + rows.reshape(shape)  # (row-major: ((r0 s1 + r1) s2 + r2) ...)
    windows = flat.reshape((n, c) + out + (-1,))  # (N, C, *out, K)
    plane = math.prod(size)
    xd = np.ascontiguousarray(x._data).reshape(n, c, plane)
    vals = np.take_along_axis(xd, windows.reshape(n, c, -1), axis=2).reshape(windows.shape)
    local = np.argmax(vals, axis=-1)
    nan = np.isnan(vals)
    if nan.any():  # the last NaN of a window wins
        last = windows.shape[-1] - 1 - np.argmax(nan[..., ::-1], axis=-1)
        local = np.where(nan.any(-1), last, local)
    idx = np.take_along_axis(windows, local[..., None], axis=-1)[..., 0]  # (N, C, *out)
    y = _PlaneGather.apply(x.contiguous(), idx)
    return _unbatch(y, unbatched), _unbatch(_wrap(idx), unbatched)


def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    """Fractional max pooling of (N, C, H, W) or (C, H, W) to ``output_size`` (or
    ``output_ratio`` times the input size), returning the output and flat plane indices."""
    return _fractional_max(input, 2, kernel_size, output_size, output_ratio, _random_samples)


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None,
                          return_indices=False, _random_samples=None):
    """Fractional max pooling of (N, C, H, W) or (C, H, W); ``_random_samples`` (N, C, 2) in
    [0, 1) fix the windows (drawn from the default generator when None)."""
    y, idx = _fractional_max(input, 2, kernel_size, output_size, output_ratio, _random_samples)
    return (y, idx) if return_indices else y


def fractional_max_pool3d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    """``fractional_max_pool2d_with_indices`` over (N, C, T, H, W) or (C, T, H, W)."""
    return _fractional_max(input, 3, kernel_size, output_size, output_ratio, _random_samples)


def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None,
                          return_indices=False, _random_samples=None):
    """Fractional max pooling of (N, C, T, H, W) or (C, T, H, W); ``_random_samples``
    (N, C, 3)."""
    y, idx = _fractional_max(input, 3, kernel_size, output_size, output_ratio, _random_samples)
    return (y, idx) if return_indices else y

