"""Tensor creation: ``tensor``, ``zeros``, ``arange``, the ``*_like`` forms, ``from_numpy``."""

import math
import numbers

import numpy as np

from numtorch import _dtype, _layout
from numtorch._determinism import fill_uninitialized
from numtorch._tensor import Tensor, _as_array, _check_device, _wrap
from numtorch.ops import _scalars

__all__ = [
    "tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "full", "empty", "arange",
    "range", "linspace", "logspace", "eye", "zeros_like", "ones_like", "full_like", "empty_like",
    "is_tensor", "is_floating_point", "numel", "scalar_tensor", "empty_strided", "complex",
    "tril_indices", "triu_indices", "meshgrid", "cartesian_prod", "is_signed", "is_same_size",
    "isreal",
]

_builtin_range = range


def _finish(arr, requires_grad):
    t = _wrap(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _size(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = int(s.item())
        if not isinstance(s, (int, np.integer)):
            raise TypeError(f"expected a sequence of integers or a single integer, got "
                            f"'{size}'")
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"{list(size)}")
        out.append(int(s))
    return tuple(out)


def _np_dtype(dtype, default=None):
    if dtype is None:
        return (default or _dtype.get_default_dtype()).np_dtype
    return _dtype.dtype_arg(dtype).np_dtype


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of ``data`` (nested lists, numbers, arrays, tensors).

    Python floats give float32, ints int64, bools bool; NumPy arrays keep their dtype."""
    _check_device(device)
    if isinstance(data, Tensor):
        arr = data._data.copy()
        if dtype is not None:
            arr = arr.astype(_dtype.dtype_arg(dtype).np_dtype)
    else:
        arr = np.array(_as_array(data, dtype), copy=True)
    return _finish(arr, requires_grad)


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares memory with a NumPy array or tensor of the right dtype."""
    _check_device(device)
    if isinstance(data, Tensor):
        return data if dtype is None or data.dtype is _dtype.dtype_arg(dtype) else data.to(dtype)
    if isinstance(data, np.ndarray):
        return _wrap(_as_array(data, dtype))
    return _wrap(_as_array(data, dtype))


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    t = as_tensor(obj, dtype=dtype, device=device)
    if copy:
        t = _wrap(t._data.copy())
    if requires_grad:
        t.requires_grad_(True)
    return t


def from_numpy(ndarray):
    """A tensor sharing memory with ``ndarray`` (writes through either are seen by both)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _dtype.from_numpy_dtype(ndarray.dtype)
    return _wrap(ndarray)


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None):
    _check_device(device)
    return _finish(np.zeros(_size(size), dtype=_np_dtype(dtype)), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None):
    _check_device(device)
    return _finish(np.ones(_size(size), dtype=_np_dtype(dtype)), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False, memory_format=None,
          layout=None, pin_memory=False):
    """Uninitialized in PyTorch; numtorch returns zeros (deterministic, same cost), or, under
    ``use_deterministic_algorithms(True)``, PyTorch's NaN / largest-value fill; laid out in
    ``memory_format`` (contiguous by default, or channels-last)."""
    _check_device(device)
    fmt = _layout.contiguous_format if memory_format is None else memory_format
    out = _layout.empty(_size(size), _np_dtype(dtype), fmt)
    out.fill(0)
    return _finish(fill_uninitialized(out), requires_grad)


def empty_strided(size, stride, *, dtype=None, device=None, requires_grad=False):
    return empty(size, dtype=dtype, device=device, requires_grad=requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False):
    """``fill_value`` decides the dtype when none is given (bool, int64 or float32)."""
    _check_device(device)
    if not isinstance(fill_value, (numbers.Number, np.generic, Tensor)):
        # NumPy would broadcast a sequence into the tensor; PyTorch takes one number
        raise TypeError(f"full(): argument 'fill_value' (position 2) must be Number, not "
                        f"{type(fill_value).__name__}")
    if dtype is None:
        dtype = _dtype._scalar_dtype(fill_value.item() if isinstance(fill_value, Tensor)
                                     else fill_value)
    if isinstance(size, (int, np.integer)):
        size = (size,)
    return _finish(np.full(_size((tuple(size),)), fill_value, dtype=_np_dtype(dtype)),
                   requires_grad)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False):
    return full((), s, dtype=dtype or _dtype.get_default_dtype(), requires_grad=requires_grad)


def _like(input, dtype):
    return _np_dtype(dtype, input.dtype) if dtype is not None else input._data.dtype


def _filled_like(input, value, dtype, memory_format):
    """``value`` everywhere, shaped like ``input``, laid out as ``memory_format`` says (by
    default ``preserve_format``: ``input``'s own dense layout)."""
    dt = _like(input, dtype)
    if memory_format is None or memory_format is _layout.preserve_format:
        out = _layout.empty_preserving(input._data, dt)
    else:
        out = _layout.empty(input._data.shape, dt, memory_format)
    out.fill(value)
    return out


def zeros_like(input, *, dtype=None, device=None, requires_grad=False,
               memory_format=_layout.preserve_format, layout=None):
    return _finish(_filled_like(input, 0, dtype, memory_format), requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad=False,
              memory_format=_layout.preserve_format, layout=None):
    return _finish(_filled_like(input, 1, dtype, memory_format), requires_grad)


def empty_like(input, *, dtype=None, device=None, requires_grad=False,
               memory_format=_layout.preserve_format, layout=None):
    """Uninitialized in PyTorch; numtorch returns zeros (deterministic, same cost), or, under
    ``use_deterministic_algorithms(True)``, PyTorch's NaN / largest-value fill."""
    out = _finish(_filled_like(input, 0, dtype, memory_format), requires_grad)
    fill_uninitialized(out._data)
    return out


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False,
              memory_format=_layout.preserve_format):
    return _finish(_filled_like(input, fill_value, dtype, memory_format), requires_grad)


def _num(x):
    return x.item() if isinstance(x, Tensor) else x


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """``[start, end)`` by ``step``; int64 when all arguments are integers, else float32."""
    _check_device(device)
    start, end, step = _num(start), _num(end), _num(step)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError(f"step must be nonzero (start={start}, end={end}, step={step})")
    if (end - start) * step < 0 and end != start:
        raise RuntimeError(f"upper bound and larger bound inconsistent with step sign "
                           f"(start={start}, end={end}, step={step})")
    if dtype is None:
        ints = all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                   for v in (start, end, step))
        dt = np.int64 if ints else _dtype.get_default_dtype().np_dtype
    else:
        dt = _np_dtype(dtype)
    n = max(0, math.ceil((end - start) / step))
    arr = (start + np.arange(n, dtype=np.float64) * step) if not np.issubdtype(dt, np.integer) \
        or not all(isinstance(v, (int, np.integer)) for v in (start, end, step)) \
        else np.arange(start, end, step, dtype=np.int64)
    return _finish(np.asarray(arr).astype(dt), requires_grad)


def range(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """Deprecated in PyTorch: like ``arange`` but includes ``end``; float32 by default."""
    if end is None:
        start, end = 0, start
    n = int(math.floor((end - start) / step)) + 1
    arr = start + np.arange(n, dtype=np.float64) * step
    return _finish(arr.astype(_np_dtype(dtype)), requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    """``steps`` points from ``start`` to ``end`` inclusive (computed in float64, then cast)."""
    _check_device(device)
    if steps < 0:
        raise RuntimeError(f"number of steps must be non-negative, got {steps}")
    arr = np.linspace(_num(start), _num(end), int(steps), dtype=np.float64)
    return _finish(arr.astype(_np_dtype(dtype)), requires_grad)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    arr = np.logspace(_num(start), _num(end), int(steps), base=base, dtype=np.float64)
    return _finish(arr.astype(_np_dtype(dtype)), requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    _check_device(device)
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    return _finish(np.eye(n, n if m is None else m, dtype=_np_dtype(dtype)), requires_grad)


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_floating_point(input):
    return input._data.dtype.kind == "f"


def numel(input):
    return input._data.size


def is_signed(input):
    """Whether ``input``'s dtype holds negative values (False for uint8 and bool)."""
    return input.is_signed()


def is_same_size(input, other):
    """Whether the two tensors have the same shape."""
    return input.is_same_size(other)


def isreal(input):
    """A bool tensor shaped like ``input``: whether each element is real (all are: numtorch
    has no complex dtype)."""
    return input.isreal()


def complex(real, imag):
    raise TypeError("numtorch has no complex dtypes")


def tril_indices(row, col, offset=0, *, dtype=None, device=None):
    r, c = np.tril_indices(row, offset, col)
    return _wrap(np.stack([r, c]).astype(_np_dtype(dtype, _dtype.int64)))


def triu_indices(row, col, offset=0, *, dtype=None, device=None):
    r, c = np.triu_indices(row, offset, col)
    return _wrap(np.stack([r, c]).astype(_np_dtype(dtype, _dtype.int64)))


def meshgrid(*tensors, indexing="ij"):
    """Grids from 1-D tensors; ``indexing`` 'ij' (PyTorch's default) or 'xy'. Differentiable
    (built from expand)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = [t.numel() for t in tensors]
    if indexing == "xy" and len(tensors) >= 2:
        shape[0], shape[1] = shape[1], shape[0]
    outs = []
    for i, t in enumerate(tensors):
        view = [1] * len(tensors)
        j = i
        if indexing == "xy" and len(tensors) >= 2 and i < 2:
            j = 1 - i
        view[j] = -1
        outs.append(t.reshape(view).expand(shape))
    return tuple(outs)


def cartesian_prod(*tensors):
    from numtorch.ops.join import stack

    grids = meshgrid(*tensors, indexing="ij")
    if len(tensors) == 1:
        return tensors[0]
    return stack([g.reshape(-1) for g in grids], dim=1)


# PyTorch's TypeError for Python numbers in the arguments it requires to be tensors
_scalars.check_tensor_args(globals())

# PyTorch's out= on the functions (the Tensor methods above have none)
from numtorch.ops._out import accepts_out as _accepts_out  # noqa: E402

(arange, empty, eye, full, linspace, logspace, range) = map(_accepts_out, (
    arange, empty, eye, full, linspace, logspace, range))
