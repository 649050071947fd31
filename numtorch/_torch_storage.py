"""The objects inside PyTorch's pickles and how numtorch rebuilds them: storage types
(``torch.FloatStorage``...), typed storages, the ``torch._utils._rebuild_*`` functions that
turn a storage, an offset, a size and strides into a tensor (or a ``Parameter``), and
``TORCH_GLOBALS``, the table of every PyTorch global name a file may name.

``_torch_format.py`` writes and reads the files; this file is what their pickles contain.
"""

import math
import pickle
import warnings

import numpy as np

from numtorch import _dtype
from numtorch._tensor import Size, Tensor, _check_device, _wrap, device

__all__ = ["StorageType", "TypedStorage", "ForeignDtype", "TORCH_GLOBALS"]

# Storage class name -> the dtype name of its elements (PyTorch's names).
_STORAGE_DTYPES = {
    "FloatStorage": "float32", "DoubleStorage": "float64", "HalfStorage": "float16",
    "LongStorage": "int64", "IntStorage": "int32", "ShortStorage": "int16",
    "CharStorage": "int8", "ByteStorage": "uint8", "BoolStorage": "bool",
    "BFloat16Storage": "bfloat16", "ComplexFloatStorage": "complex64",
    "ComplexDoubleStorage": "complex128", "QInt8Storage": "qint8", "QUInt8Storage": "quint8",
    "QInt32Storage": "qint32", "QUInt4x2Storage": "quint4x2", "QUInt2x4Storage": "quint2x4",
    "UntypedStorage": "untyped",
}
_STORAGE_OF_DTYPE = {v: k for k, v in _STORAGE_DTYPES.items()}
# PyTorch dtypes numtorch does not have (they load as ForeignDtype values).
_FOREIGN_DTYPES = ("bfloat16", "complex32", "complex64", "complex128", "uint16", "uint32",
                   "uint64", "float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz",
                   "float8_e8m0fnu", "float4_e2m1fn_x2", "qint8", "quint8", "qint32",
                   "quint4x2", "quint2x4", "bits8", "bits16", "cfloat", "cdouble", "chalf")


class ForeignDtype:
    """A PyTorch dtype numtorch has no tensors of (``torch.bfloat16`` ...), as found in a file."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"torch.{self.name}"


class StorageType:
    """A storage class named in a file (``torch.FloatStorage``): the dtype of its elements."""

    __slots__ = ("class_name", "dtype_name")

    def __init__(self, class_name):
        self.class_name = class_name
        self.dtype_name = _STORAGE_DTYPES[class_name]

    def __repr__(self):
        return f"StorageType(torch.{self.class_name})"


class TypedStorage:
    """A loaded storage: a flat NumPy array of its elements (no copy of the file's bytes when
    possible) and the location (``'cpu'``) it was saved from. A ``map_location`` callable
    receives one as ``map_location(storage, location)`` and returns it, another storage or None.
    """

    __slots__ = ("array", "location", "dtype_name")

    def __init__(self, array, location="cpu", dtype_name=None):
        self.array = array
        self.location = location
        self.dtype_name = dtype_name or array.dtype.name

    @property
    def device(self):
        return device("cpu")

    @property
    def dtype(self):
        return _dtype._NP_TO_DTYPE.get(self.array.dtype)

    def size(self):
        return self.array.size

    __len__ = size

    def nbytes(self):
        return self.array.nbytes

    def cpu(self):
        return self

    def to(self, dev=None, *args, **kwargs):
        _check_device(dev)
        return self

    def cuda(self, *args, **kwargs):
        _check_device("cuda")

    def __repr__(self):
        return f"TypedStorage(dtype={self.dtype_name}, size={self.array.size}, device=cpu)"


# ---------------------------------------------------------------------------- rebuilding
def _ints(value, what):
    if type(value) is int:
        return value
    if isinstance(value, (tuple, list)) and all(type(v) is int for v in value):
        return tuple(value)
    raise pickle.UnpicklingError(f"tensor {what} must be int(s), got {value!r}")


def _tensor_from_storage(storage, storage_offset, size, stride, np_dtype=None):
    """The tensor viewing ``storage`` at ``storage_offset`` with ``size`` and ``stride`` (in
    elements), after checking that every element it reaches lies inside the storage."""
    if not isinstance(storage, TypedStorage):
        raise pickle.UnpicklingError(f"a tensor needs a storage, got {type(storage).__name__}")
    offset = _ints(storage_offset, "storage_offset")
    size, stride = _ints(tuple(size), "size"), _ints(tuple(stride), "stride")
    arr = storage.array
    if np_dtype is not None and arr.dtype != np_dtype:
        if arr.dtype != np.uint8 or arr.size % np.dtype(np_dtype).itemsize:
            raise pickle.UnpicklingError(
                f"cannot view a storage of {arr.dtype} ({arr.size} elements) as {np_dtype}")
        arr = arr.view(np_dtype)
    _check_loadable(arr.dtype, storage.dtype_name)
    if len(size) != len(stride) or min(size + stride + (offset,), default=0) < 0:
        raise pickle.UnpicklingError(
            f"invalid tensor geometry: size {size}, stride {stride}, storage_offset {offset}")
    if math.prod(size) == 0:
        if offset > arr.size:
            raise RuntimeError(f"storage_offset {offset} lies past the storage's {arr.size} "
                               "elements")
        # (NumPy gives empty arrays zero strides; keep the file's, as PyTorch does.)
        return _wrap(np.ndarray(size, dtype=arr.dtype, buffer=bytearray(0),
                                strides=[s * arr.itemsize for s in stride]))
    last = offset + sum((n - 1) * s for n, s in zip(size, stride))
    if last >= arr.size:
        raise RuntimeError(
            f"a tensor of size {list(size)}, stride {list(stride)} at storage_offset {offset} "
            f"reaches element {last}, but its storage holds {arr.size} elements (damaged file)")
    itemsize = arr.itemsize
    # (size...) view sharing the storage's memory: views of one storage stay views of it.
    out = np.ndarray(size, dtype=arr.dtype, buffer=arr, offset=offset * itemsize,
                     strides=[s * itemsize for s in stride])
    return _wrap(out)


def _check_loadable(np_dt, dtype_name):
    if np_dt not in _dtype._NP_TO_DTYPE:
        raise RuntimeError(f"numtorch has no {dtype_name} tensors: this file holds a "
                           f"{dtype_name} tensor, which numtorch cannot load")


def _finish(t, requires_grad):
    if requires_grad:
        if not t.is_floating_point():
            raise pickle.UnpicklingError(f"a {t.dtype} tensor cannot require gradients")
        t._requires_grad = True
    return t


def _rebuild_tensor(storage, storage_offset, size, stride):
    return _tensor_from_storage(storage, storage_offset, size, stride)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False,
                       backward_hooks=None, metadata=None):
    t = _tensor_from_storage(storage, storage_offset, size, stride)
    return _finish(t, requires_grad is True)


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       dtype, metadata=None):
    if isinstance(dtype, ForeignDtype):
        raise RuntimeError(f"numtorch has no {dtype.name} tensors")
    if not isinstance(dtype, _dtype.dtype):
        raise pickle.UnpicklingError(f"expected a dtype, got {dtype!r}")
    t = _tensor_from_storage(storage, storage_offset, size, stride, dtype.np_dtype)
    return _finish(t, requires_grad is True)


def _rebuild_parameter(data, requires_grad, backward_hooks):
    from numtorch.nn.parameter import Parameter

    if not isinstance(data, Tensor):
        raise pickle.UnpicklingError(f"a Parameter needs a tensor, got {type(data).__name__}")
    return Parameter(data, requires_grad=requires_grad is True)


def _drop_state(state, what):
    """numtorch tensors have no ``__dict__``: Python attributes saved with one are dropped, with a
    warning naming them (the values load; only the attributes are lost)."""
    names = sorted(state) if isinstance(state, dict) else []
    if isinstance(state, tuple) and len(state) == 2:  # (dict state, slots state)
        names = sorted(state[0] or {}) + sorted(state[1] or {})
    if names:
        warnings.warn(f"numtorch {what}s cannot hold Python attributes: dropped "
                      f"{', '.join(map(str, names[:8]))} while loading", stacklevel=3)


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    _drop_state(state, "parameter")
    return _rebuild_parameter(data, requires_grad, backward_hooks)


_TENSOR_REBUILDS = (_rebuild_tensor, _rebuild_tensor_v2, _rebuild_tensor_v3, _rebuild_parameter,
                    _rebuild_parameter_with_state)


def _rebuild_from_type_v2(func, new_type, args, state):
    """A tensor of a subclass or with Python attributes: numtorch takes plain tensors and
    parameters, without attributes."""
    from numtorch.nn.parameter import Parameter

    if not any(func is f for f in _TENSOR_REBUILDS) or new_type not in (Tensor, Parameter):
        raise pickle.UnpicklingError(
            f"_rebuild_from_type_v2 only rebuilds Tensor and Parameter, got {new_type!r}")
    _drop_state(state, "tensor")
    t = func(*args)
    if new_type is Parameter and not isinstance(t, Parameter):
        t = Parameter(t, requires_grad=t.requires_grad)
    return t


def _unsupported(kind):
    def rebuild(*args, **kwargs):
        raise RuntimeError(f"numtorch cannot load {kind} tensors")
    rebuild.__name__ = f"_rebuild_{kind.replace(' ', '_')}"
    return rebuild


def _device(type="cpu", index=None):
    return device(type, index) if index is not None else device(type)


def _size(*args):
    return Size(*args)


def _get_layout(name):
    if name != "torch.strided":
        raise RuntimeError(f"numtorch has only strided tensors, not {name}")
    return name


def _torch_globals():
    from numtorch.nn.parameter import Parameter

    table = {
        "torch._utils._rebuild_tensor": _rebuild_tensor,
        "torch._utils._rebuild_tensor_v2": _rebuild_tensor_v2,
        "torch._utils._rebuild_tensor_v3": _rebuild_tensor_v3,
        "torch._utils._rebuild_parameter": _rebuild_parameter,
        "torch._utils._rebuild_parameter_with_state": _rebuild_parameter_with_state,
        "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2,
        "torch._utils._rebuild_sparse_tensor": _unsupported("sparse"),
        "torch._utils._rebuild_qtensor": _unsupported("quantized"),
        "torch._utils._rebuild_nested_tensor": _unsupported("nested"),
        "torch._utils._rebuild_meta_tensor_no_storage": _unsupported("meta"),
        "torch._utils._rebuild_wrapper_subclass": _unsupported("wrapper subclass"),
        "torch._utils._rebuild_device_tensor_from_numpy": _unsupported("device (numpy)"),
        "torch._utils._rebuild_device_tensor_from_cpu_tensor": _unsupported("device"),
        "torch.serialization._get_layout": _get_layout,
        "torch.nn.parameter.Parameter": Parameter,
        "torch.Tensor": Tensor,
        "torch.Size": _size,
        "torch.device": _device,
    }
    for d in _dtype._ALL:
        table[f"torch.{d.name}"] = d
    for alias in ("float", "double", "half", "long", "int", "short"):
        table[f"torch.{alias}"] = getattr(_dtype, alias)
    for name in _FOREIGN_DTYPES:
        table[f"torch.{name}"] = ForeignDtype(name)
    for cls_name in _STORAGE_DTYPES:
        storage_type = StorageType(cls_name)
        table[f"torch.{cls_name}"] = storage_type
        table[f"torch.storage.{cls_name}"] = storage_type
    table["torch.storage.TypedStorage"] = table["torch.UntypedStorage"]
    return table


TORCH_GLOBALS = _torch_globals()
