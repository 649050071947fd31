"""Memory formats: PyTorch's visible layout rules, applied to NumPy arrays.

A tensor's ``stride()`` is its array's strides, so the layout users see is the layout the op
wrote. PyTorch's rules, which numtorch follows:

- ops return *contiguous* (row-major) tensors, except that layout-preserving ops (elementwise
  ops, ``clone``, ``*_like``, normalization, pooling, convolution) keep a *channels-last*
  input channels-last: ``(N, C, H, W)`` stored as ``(N, H, W, C)``, strides ``(HWC, 1, WC, C)``;
- channels-last appears only where the user asked for it: ``x.to(memory_format=
  torch.channels_last)``, ``x.contiguous(memory_format=...)``, ``model.to(memory_format=...)``;
- ``is_contiguous(memory_format=...)`` compares strides with the format's, ignoring dims of
  size 1; ``suggest_memory_format`` is PyTorch's guess of a tensor's format from its strides.

Kernels may lay out their work as they like inside (the convolutions compute channels-last);
what they hand back follows these rules.
"""

import numpy as np

__all__ = ["memory_format", "contiguous_format", "channels_last", "channels_last_3d",
           "preserve_format"]


class memory_format:
    """A memory format object (``torch.contiguous_format``, ``torch.channels_last``...)."""

    __slots__ = ("_name",)

    def __init__(self, name):
        self._name = name

    def __repr__(self):
        return f"torch.{self._name}"

    def __reduce__(self):
        return self._name


contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")

# Dims from fastest- to slowest-varying in memory, for the channels-last formats.
_ORDERS = {4: (1, 3, 2, 0), 5: (1, 4, 3, 2, 0)}


def _check(fmt):
    if not isinstance(fmt, memory_format):
        raise TypeError(f"memory_format must be torch.memory_format, not {type(fmt).__name__}")
    return fmt


def _elem_strides(a):
    return tuple(s // a.itemsize for s in a.strides)


def _ordered_dense(shape, strides, order):
    """Whether ``strides`` are the dense strides of ``shape`` with dims ``order`` running
    fastest first (dims of size 1 may have any stride)."""
    expected = 1
    for d in order:
        if shape[d] != 1:
            if strides[d] != expected:
                return False
            expected *= shape[d]
    return True


def is_format(a, fmt):
    """PyTorch's ``is_contiguous(memory_format=fmt)`` for array ``a``."""
    fmt = _check(fmt)
    if fmt is contiguous_format or fmt is None:
        if a.size == 0:
            return True
        return _ordered_dense(a.shape, _elem_strides(a), tuple(range(a.ndim - 1, -1, -1)))
    if fmt is preserve_format:
        raise RuntimeError("is_contiguous(): preserve_format is not a valid memory format")
    want = 4 if fmt is channels_last else 5
    if a.ndim != want:
        return False
    return _ordered_dense(a.shape, _elem_strides(a), _ORDERS[want])


def _strides_like_channels_last(a):
    """PyTorch's heuristic (``is_channels_last_strides_2d/3d``): do the strides order the dims
    as channels-last? Ambiguous cases (size-1 dims, equal strides) count as contiguous."""
    order = _ORDERS.get(a.ndim)
    if order is None:
        return False
    shape, strides = a.shape, _elem_strides(a)
    if strides[1] == 0:
        return False
    lo = 0
    for d in order:
        if shape[d] == 0 or strides[d] < lo:
            return False
        if d == 0 and lo == strides[1]:
            return False
        lo = strides[d] * shape[d] if shape[d] > 1 else strides[d]
    return True


def suggest_memory_format(a):
    """channels_last(_3d) when the strides of 4-D (5-D) ``a`` look channels-last, else
    contiguous_format."""
    if _strides_like_channels_last(a):
        return channels_last if a.ndim == 4 else channels_last_3d
    return contiguous_format


def is_channels_last(a):
    return suggest_memory_format(a) is not contiguous_format


def empty(shape, dtype, fmt=contiguous_format):
    """Uninitialized memory of ``shape`` in format ``fmt`` (channels-last for 4-D/5-D)."""
    if fmt is contiguous_format or len(shape) not in _ORDERS:
        return np.empty(shape, dtype=dtype)
    buf = np.empty((shape[0],) + tuple(shape[2:]) + (shape[1],), dtype=dtype)  # (N, *S, C)
    return np.moveaxis(buf, -1, 1)  # (N, C, *S) view


def _format_strides(shape, fmt, itemsize):
    """The strides (bytes) PyTorch gives a dense tensor of ``shape`` in ``fmt``."""
    order = _ORDERS[len(shape)] if fmt is not contiguous_format else range(len(shape) - 1, -1, -1)
    strides = [0] * len(shape)
    step = itemsize
    for d in order:
        strides[d] = step
        step *= max(shape[d], 1)
    return tuple(strides)


def restrided(a, fmt):
    """``a`` (already dense in ``fmt``) as a view whose dims of size 1 have the strides PyTorch
    gives them (NumPy leaves them arbitrary; only ``stride()`` shows the difference)."""
    if 1 not in a.shape or a.size == 0 or a.ndim not in (4, 5) or not is_format(a, fmt):
        return a
    want = _format_strides(a.shape, fmt, a.itemsize)
    if a.strides == want:
        return a
    return np.lib.stride_tricks.as_strided(a, a.shape, want)


def as_format(a, fmt):
    """``a`` itself when it already is in ``fmt``, else a copy in ``fmt``."""
    if fmt is preserve_format:
        return a
    if is_format(a, fmt):
        return a
    if fmt is contiguous_format:
        return np.asarray(a, order="C")
    out = empty(a.shape, a.dtype, fmt)
    np.copyto(out, a)
    return out


def _non_overlapping_and_dense(a):
    strides = _elem_strides(a)
    order = sorted(range(a.ndim), key=lambda d: (strides[d], d))
    expected = 1
    for d in order:
        if a.shape[d] != 1:
            if strides[d] != expected:
                return False
            expected *= a.shape[d]
    return True


def preserved(a):
    """The layout ``preserve_format`` copies of ``a`` take: ``"same"``, meaning ``a``'s own
    order of dims in memory made dense (its exact strides when it is dense; PyTorch's
    ``infer_dense_strides`` otherwise), which ``np.empty_like(a, order="K")`` gives."""
    return "same"


def empty_preserving(a, dtype=None):
    """Uninitialized memory shaped like ``a`` with PyTorch's ``preserve_format`` layout."""
    dtype = np.dtype(a.dtype if dtype is None else dtype)
    if a.ndim and a.size and _non_overlapping_and_dense(a):  # a's exact strides
        strides = tuple(s // a.itemsize * dtype.itemsize for s in a.strides)
        return np.lib.stride_tricks.as_strided(np.empty(a.size, dtype=dtype), a.shape, strides)
    return np.empty_like(a, dtype=dtype, order="K")


def copy_preserving(a, fmt=preserve_format):
    """A copy of ``a`` in ``fmt`` (``preserve_format``: ``a``'s dense layout, as ``clone``)."""
    if fmt is preserve_format:
        out = empty_preserving(a)
    else:
        out = empty(a.shape, a.dtype, _check(fmt))
    np.copyto(out, a)
    return out


def preserve_like(a, ref):
    """``a`` (shaped like ``ref``) in the layout PyTorch's ``preserve_format`` gives a result
    computed from ``ref`` (sort, flip, ``*_like``): a copy only when the layouts differ."""
    if a.shape != ref.shape or a.ndim == 0:
        return a
    fmt = preserved(ref)
    if fmt == "same":
        if a.strides == tuple(s // ref.itemsize * a.itemsize for s in ref.strides):
            return a
        out = np.empty_like(ref, dtype=a.dtype, order="K")
        np.copyto(out, a)
        return out
    return as_format(a, fmt)


def like(a, ref):
    """``a`` (shaped like ``ref``) in the layout a layout-preserving op on ``ref`` returns:
    channels-last when ``ref`` looks channels-last, else contiguous. Copies only if needed."""
    return as_format(a, suggest_memory_format(ref))


def grad_like(g, ref):
    """A leaf's gradient ``g`` in the leaf's layout, as PyTorch's ``AccumulateGrad`` stores it:
    ``g`` itself when its strides already match ``ref``'s (dims of size 1 aside), else a copy
    with ``ref``'s exact strides (when ``ref`` is dense) or a contiguous one."""
    if g.shape != ref.shape or g.ndim == 0:
        return g
    if not _non_overlapping_and_dense(ref):
        return g if g.flags.c_contiguous else np.ascontiguousarray(g)
    isz_g, isz_r = g.itemsize, ref.itemsize
    if all(n == 1 or a // isz_g == b // isz_r for n, a, b in zip(g.shape, g.strides, ref.strides)):
        return g
    buf = np.empty(ref.size, dtype=g.dtype)
    out = np.lib.stride_tricks.as_strided(
        buf, ref.shape, tuple(s // isz_r * isz_g for s in ref.strides))
    np.copyto(out, g)
    return out
