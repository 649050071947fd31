"""The geometry every pooling op shares: ``_PoolGeom`` (kernel, stride, padding, dilation,
ceil mode and the output size, with PyTorch's checks), the batch/unbatch of 3-D inputs, and
the memory layout (contiguous or channels-last) of outputs and gradients.
"""

import numpy as np

from numtorch import _layout
from numtorch.ops.conv import _tuple


# ====================================================================== geometry
class _PoolGeom:
    """Kernel ``k``, ``stride``, ``pad`` (lo, hi) per dim (hi includes ceil_mode's extra),
    ``dilation``, input spatial ``size`` and output ``out``."""

    __slots__ = ("k", "stride", "pad", "dilation", "size", "out")

    def __init__(self, k, stride, padding, dilation, size, ceil_mode):
        self.k, self.stride, self.dilation, self.size = k, stride, dilation, tuple(size)
        out, pad = [], []
        for s, kk, st, p, d in zip(size, k, stride, padding, dilation):
            span = s + 2 * p - d * (kk - 1) - 1
            o = (-(-span // st) if ceil_mode else span // st) + 1
            if ceil_mode and (o - 1) * st >= s + p:
                o -= 1  # the last window must start inside the input or its left padding
            out.append(o)
            pad.append((p, max(0, (o - 1) * st + d * (kk - 1) + 1 - s - p)))
        self.out, self.pad = tuple(out), tuple(pad)

    def slab(self, off):
        """Slices of the padded spatial dims holding kernel offset ``off`` of every window."""
        return tuple(slice(j * d, j * d + st * (o - 1) + 1, st)
                     for j, d, st, o in zip(off, self.dilation, self.stride, self.out))

    def padded(self, x, value):
        """(N, C, *S) -> (N, C, *Sp) filled with ``value`` outside (no copy without padding)."""
        if all(lo == 0 and hi == 0 for lo, hi in self.pad):
            return x
        sp = tuple(s + lo + hi for s, (lo, hi) in zip(self.size, self.pad))
        xp = _layout.empty(x.shape[:2] + sp, x.dtype, _layout.suggest_memory_format(x))
        xp.fill(value)  # in x's layout, so that the pooled output keeps it
        xp[(Ellipsis,) + self.inner()] = x
        return xp

    def inner(self):
        return tuple(slice(lo, lo + s) for s, (lo, _) in zip(self.size, self.pad))

    def offsets(self):
        return list(np.ndindex(*self.k))


def _channels_last(a):
    """True when the channel axis of ``a`` (N, C, *S) is innermost in memory (channels-last
    tensors and their gradients)."""
    return a.ndim > 2 and a.shape[1] > 1 and a.strides[1] == a.itemsize


def _zeros_like_layout(ref, shape, empty=False, dtype=None, channels_last=None):
    """Zeros (or, with ``empty``, uninitialized memory) of ``shape`` (N, C, *S), channels-last
    in memory when ``ref`` is (or when ``channels_last`` says so), so that elementwise work
    between the two runs over memory in the same order."""
    make = np.empty if empty else np.zeros
    dtype = ref.dtype if dtype is None else dtype
    if channels_last is None:
        channels_last = _channels_last(ref)
    if channels_last and len(shape) > 2:
        return np.moveaxis(make((shape[0],) + shape[2:] + (shape[1],), dtype=dtype), -1, 1)
    return make(shape, dtype=dtype)


def _shape_str(shape):
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _pool_args(input, nd, kernel_size, stride, padding, dilation, name):
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}: Expected {nd + 1}D or {nd + 2}D (batch mode) tensor for "
                           f"input with possibly 0 batch size and non-zero dimensions for input, "
                           f"but got: {_shape_str(input.shape)}" if nd > 1 else
                           f"{name}() Expected 2D or 3D input tensor, but got "
                           f"{_shape_str(input.shape)}")
    k = _tuple(kernel_size, nd, "kernel_size")
    st = k if stride is None or (isinstance(stride, (tuple, list)) and not stride) \
        else _tuple(stride, nd, "stride")
    p = _tuple(padding, nd, "padding")
    d = _tuple(dilation, nd, "dilation")
    if any(v <= 0 for v in k):
        raise RuntimeError(f"{name}: kernel_size must be greater than zero, but got "
                           f"{' '.join(f'k{a}: {b}' for a, b in zip('dhw'[-nd:], k))}")
    if any(v <= 0 for v in st):
        raise RuntimeError(f"{name}: stride must be greater than zero")
    for pp, kk, dd in zip(p, k, d):
        if pp > (dd * (kk - 1) + 1) // 2:
            raise RuntimeError(f"{name}: pad should be at most half of effective kernel size, "
                               f"but got pad={pp}, kernel_size={kk} and dilation={dd}")
    return k, st, p, d


def _batch(input, nd):
    if input.dim() == nd + 1:
        return input.reshape((1,) + tuple(input.shape)), True  # (1, C, *S)
    return input, False


def _unbatch(t, unbatched):
    return t.reshape(tuple(t.shape[1:])) if unbatched else t


def _check_out(g, x, name):
    if any(o <= 0 for o in g.out):
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, x.shape[1:]))}). Calculated "
                           f"output size: ({'x'.join(map(str, (x.shape[1],) + g.out))}). Output "
                           "size is too small")
