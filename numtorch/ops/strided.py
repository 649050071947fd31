"""Storage-level views and resizing: ``as_strided`` (a view of the tensor's memory with any
sizes, element strides and storage offset), ``as_strided_``, ``new_empty_strided``,
``resize_`` / ``resize_as_`` and ``set_``.

A tensor's *storage* here is the memory of the NumPy array that owns its values (the root of
its ``base`` chain), read as a flat array of the tensor's dtype; the storage offset counts
elements from its start, as PyTorch's ``storage_offset()``.
"""

import operator

import numpy as np
from numpy.lib.stride_tricks import as_strided as _np_as_strided

from numtorch import _layout
from numtorch._determinism import fill_uninitialized
from numtorch._tensor import Tensor, _wrap
from numtorch._warnings import warn_once
from numtorch.autograd import grad_mode
from numtorch.autograd.function import Primitive, _root
from numtorch.ops.aliases import _inplace_view
from numtorch.ops.views import _shape_str, _share_vc, _size_args

__all__ = ["as_strided", "as_strided_", "as_strided_copy", "as_strided_scatter"]


def _storage(arr):
    """(flat array over the memory owning ``arr``, ``arr``'s offset in it), in ``arr``'s dtype."""
    root = _root(arr)
    if not (root.flags.c_contiguous or root.flags.f_contiguous):
        raise RuntimeError("as_strided: the tensor's memory is not one contiguous block")
    n = root.nbytes // arr.itemsize
    flat = np.ndarray((n,), dtype=arr.dtype, buffer=root, offset=0)
    start = root.__array_interface__["data"][0]
    offset = (arr.__array_interface__["data"][0] - start) // arr.itemsize
    return flat, offset


def _storage_span(size, stride, offset):
    """How many elements of storage the geometry reaches (0 for an empty one)."""
    if any(s == 0 for s in size):
        return 0
    return offset + 1 + sum((s - 1) * st for s, st in zip(size, stride))


def _check_geometry(size, stride, offset, n, itemsize):
    if len(size) != len(stride):
        raise RuntimeError(f"mismatch in length of strides and shape: {len(size)} sizes and "
                           f"{len(stride)} strides")
    if any(s < 0 for s in size):
        raise RuntimeError(f"as_strided: negative size in {_shape_str(size)}")
    if any(st < 0 for st in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got "
                           f"strides: {_shape_str(stride)}")
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    need = _storage_span(size, stride, offset)
    if need > n:
        raise RuntimeError(
            f"setStorage: sizes {_shape_str(size)}, strides {_shape_str(stride)}, storage offset "
            f"{offset}, and itemsize {itemsize} requiring a storage size of {need * itemsize} are "
            f"out of bounds for storage of size {n * itemsize}")


def _flat_indices(size, stride, offset):
    """The storage index of every element of the geometry, shaped ``size``."""
    idx = np.full(size, offset, dtype=np.int64)
    for d, (s, st) in enumerate(zip(size, stride)):
        shape = [1] * len(size)
        shape[d] = s
        idx = idx + (np.arange(s, dtype=np.int64) * st).reshape(shape)
    return idx


def _elem_strides(arr):
    return tuple(st // arr.itemsize for st in arr.strides)


class AsStrided(Primitive):
    """out[i] = storage[offset + sum_k i_k * stride_k], a view of the input's storage.

    d/d input: the output's gradient is summed into a zero storage-shaped buffer at the output
    geometry's indices, and read back at the input's own; where the input's elements share
    memory (an expanded tensor) each gets its share, divided by how many share it (PyTorch's
    as_strided backward).

    ``offset`` is relative to the input's own storage offset, and ``source`` is the input's
    geometry when the view was made: replayed on an array of another layout (autograd replays
    a view on a fresh array of its base's shape to find the region an in-place change
    wrote), the view selects the same logical elements (``_replay``)."""

    @staticmethod
    def forward(ctx, x, size, stride, offset, source):
        flat, own = _storage(x)
        if (x.shape, _elem_strides(x), own) != source:
            return _replay(x, size, stride, offset, source)
        start = own + offset
        _check_geometry(size, stride, start, flat.shape[0], x.itemsize)
        ctx.n = flat.shape[0]
        ctx.geometry = (size, stride, start)
        ctx.input_geometry = (x.shape, _elem_strides(x), own)
        item = x.itemsize
        return _np_as_strided(flat[start:], size, tuple(st * item for st in stride),
                              writeable=x.flags.writeable)

    @staticmethod
    def backward(ctx, grad_output):
        out_idx = _flat_indices(*ctx.geometry).reshape(-1)
        in_idx = _flat_indices(*ctx.input_geometry)
        buf = _wrap(np.zeros(ctx.n, dtype=grad_output._data.dtype))
        buf = buf.index_add(0, _wrap(out_idx), grad_output.reshape(-1))
        grad = buf[_wrap(in_idx)]
        count = np.bincount(in_idx.reshape(-1), minlength=ctx.n)[in_idx]
        if count.size and count.max() > 1:
            grad = grad / _wrap(count.astype(grad._data.dtype))
        return grad, None, None, None, None


def _replay(x, size, stride, offset, source):
    """The view of ``x`` (of the source's shape, another layout) holding the elements that the
    view made from ``source`` held: each output element's storage index -> the source's logical
    position there -> that position in ``x``. A view exists when those positions are evenly
    spaced in ``x``'s memory along every output dim; otherwise the in-place change cannot be
    followed and PyTorch's advice applies."""
    shape, strides, own = source
    out_idx = _flat_indices(size, stride, own + offset)
    in_idx = _flat_indices(shape, strides, own).reshape(-1)
    top = max(int(in_idx.max(initial=0)), int(out_idx.max(initial=0))) + 1
    position = np.full(top, -1, dtype=np.int64)
    position[in_idx] = np.arange(in_idx.size)
    pos = position[out_idx]
    flat, x_own = _storage(x)
    target = _flat_indices(x.shape, _elem_strides(x), x_own).reshape(-1)[pos] if pos.size \
        else pos
    steps = []
    for d, n in enumerate(size):
        unit = [0] * len(size)
        if n > 1:
            unit[d] = 1
            steps.append(int(target[tuple(unit)] - target[(0,) * len(size)]))
        else:
            steps.append(0)
    start = int(target[(0,) * len(size)]) if target.size else 0
    if (pos < 0).any() or (target.size and not np.array_equal(
            target, _flat_indices(size, tuple(steps), start))) or min(steps, default=0) < 0:
        raise RuntimeError("as_strided: this view of a tensor whose elements are not laid out "
                           "as its own memory was changed in place, and autograd cannot follow "
                           "the change; call .clone() on the tensor before as_strided")
    return _np_as_strided(flat[start:], size, tuple(st * x.itemsize for st in steps),
                          writeable=x.flags.writeable)


def as_strided(input, size, stride, storage_offset=None):
    """A view of ``input``'s storage with the given sizes, element strides and offset (default:
    ``input``'s own). Elements may overlap; writing into an overlapping view is undefined, as
    in PyTorch."""
    if not isinstance(input, Tensor):
        raise TypeError(f"as_strided(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    size = _size_args((size,))
    stride = _size_args((stride,))
    arr = input._data
    own = _storage(arr)[1]
    relative = 0 if storage_offset is None else operator.index(storage_offset) - own
    source = (arr.shape, _elem_strides(arr), own)
    return _share_vc(AsStrided.apply(input, size, stride, relative, source), input)


as_strided_ = _inplace_view(as_strided, "as_strided_")


def as_strided_copy(input, size, stride, storage_offset=None):
    """``as_strided``'s elements in a tensor of their own (not a view)."""
    return as_strided(input, size, stride, storage_offset).clone()


def as_strided_scatter(input, src, size, stride, storage_offset=None):
    """A copy of ``input`` (its layout kept) with ``src`` written into the elements that
    ``as_strided(size, stride, storage_offset)`` of that copy views. Differentiable: ``src``
    gets those elements' gradient, ``input`` the rest."""
    for name, t in (("input", input), ("src", src)):
        if not isinstance(t, Tensor):
            raise TypeError(f"as_strided_scatter(): argument '{name}' must be Tensor, not "
                            f"{type(t).__name__}")
    out = input.clone()
    region = as_strided(out, size, stride, storage_offset)
    if tuple(src.shape) != tuple(region.shape):
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size "
                           f"= {_shape_str(src.shape)}, slice size = "
                           f"{_shape_str(region.shape)}")
    region.copy_(src)
    return out


def is_set_to(self, tensor):
    """Whether both tensors view the same memory with the same sizes, strides and offset."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"is_set_to(): argument 'tensor' (position 1) must be Tensor, not "
                        f"{type(tensor).__name__}")
    a, b = self._data, tensor._data
    return (a.__array_interface__["data"][0] == b.__array_interface__["data"][0]
            and a.shape == b.shape and a.strides == b.strides and a.dtype == b.dtype
            and _root(a) is _root(b))


def new_empty_strided(self, size, stride, *, dtype=None, device=None, requires_grad=False,
                      layout=None, pin_memory=False):
    """An uninitialized (numtorch: zero, or ``empty``'s deterministic fill) tensor with exactly
    these sizes and element strides, in ``self``'s dtype unless ``dtype`` is given."""
    from numtorch import _dtype
    from numtorch._device import _check_device

    _check_device(device)
    size, stride = _size_args((size,)), _size_args((stride,))
    np_dt = self._data.dtype if dtype is None else _dtype.dtype_arg(dtype).np_dtype
    n = _storage_span(size, stride, 0)
    _check_geometry(size, stride, 0, n, np.dtype(np_dt).itemsize)
    flat = fill_uninitialized(np.zeros(max(n, 1), dtype=np_dt))
    arr = _np_as_strided(flat, size, tuple(st * flat.itemsize for st in stride))
    out = _wrap(arr)
    if requires_grad:
        out.requires_grad_(True)
    return out


def _no_grad_resize(self, name):
    if self._requires_grad and grad_mode._state.enabled:
        raise RuntimeError("cannot resize variables that require grad")
    if not self._data.flags.writeable and self._data.size:
        raise RuntimeError(f"{name}: the tensor's memory is shared by several of its elements "
                           "(an expanded tensor) and cannot be resized")


def resize_(self, *sizes, memory_format=None):
    """Give ``self`` the shape ``sizes`` (contiguous) in place. Its storage is kept when it is
    large enough (the leading elements of memory become the values) and grown otherwise (the
    old values first; the new elements are zero, or NaN / the largest integer under
    ``use_deterministic_algorithms``, as PyTorch fills them then)."""
    size = _size_args(sizes)
    if any(s < 0 for s in size):
        raise RuntimeError(f"Trying to create tensor with negative dimension "
                           f"{min(size)}: {_shape_str(size)}")
    _no_grad_resize(self, "resize_")
    n = int(np.prod(size, dtype=np.int64))
    flat, offset = _storage(self._data)
    if offset + n <= flat.shape[0] and flat.flags.writeable:
        self._data = flat[offset:offset + n].reshape(size)
    else:
        grown = fill_uninitialized(np.zeros(offset + n, dtype=self._data.dtype))
        grown[:flat.shape[0]] = flat[:offset + n]
        self._data = grown[offset:].reshape(size)
    if memory_format is not None and memory_format is not _layout.preserve_format:
        self._data = _layout.as_format(self._data, memory_format)
    self._bump()
    return self


def resize_as_(self, the_template, *, memory_format=None):
    """``resize_`` to ``the_template``'s shape."""
    if not isinstance(the_template, Tensor):
        raise TypeError(f"resize_as_(): argument 'the_template' (position 1) must be Tensor, "
                        f"not {type(the_template).__name__}")
    return resize_(self, the_template.shape, memory_format=memory_format)


def set_(self, source=None, storage_offset=0, size=None, stride=None):
    """Make ``self`` use other memory, in place: ``set_()`` empties it, ``set_(t)`` shares
    ``t``'s memory, sizes and strides, and ``set_(source, storage_offset, size, stride)`` views
    the storage of ``source`` (a tensor, or a storage from ``untyped_storage()`` /
    ``storage()``) with that geometry (default: all of it, 1-D)."""
    if self._requires_grad and grad_mode._state.enabled and self.grad_fn is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")
    np_dt = self._data.dtype
    if source is None:
        self._data = np.zeros((0,), dtype=np_dt)
        self._bump()
        return self
    if isinstance(source, Tensor):
        if source._data.dtype != np_dt:
            got, want = source._data.dtype.name, np_dt.name
            raise RuntimeError(f"Could not set tensor of type {_C_NAMES.get(got, got)} to a "
                               f"tensor of type {_C_NAMES.get(want, want)}")
        if size is None and storage_offset == 0 and stride is None:
            self._data = source._data
            self._bump()
            return self
        flat = _storage(source._data)[0]
    elif isinstance(source, (UntypedStorage, TypedStorage)):
        flat = source._elements(np_dt)
    else:
        raise TypeError(f"set_(): argument 'source' must be Tensor or Storage, not "
                        f"{type(source).__name__}")
    storage_offset = operator.index(storage_offset)
    if size is None:
        size = (flat.shape[0] - storage_offset,)
    size = _size_args((size,))
    if stride is None:
        stride = tuple(int(np.prod(size[i + 1:], dtype=np.int64)) for i in range(len(size)))
    stride = _size_args((stride,))
    _check_geometry(size, stride, storage_offset, flat.shape[0], flat.itemsize)
    self._data = _np_as_strided(flat[storage_offset:], size,
                                tuple(st * flat.itemsize for st in stride),
                                writeable=flat.flags.writeable)
    self._bump()
    return self


# C++ names of the dtypes, as PyTorch's messages print them
_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
            "int32": "int", "int16": "short int", "int8": "signed char",
            "uint8": "unsigned char", "bool": "bool"}


# ====================================================================== storages
class UntypedStorage:
    """The memory of a tensor as bytes (``Tensor.untyped_storage()``), shared with it: the
    whole block that holds the tensor's values, from its start (a view's storage is its base's).
    Indexing reads and writes single bytes."""

    __slots__ = ("_bytes",)

    def __init__(self, size=0, *, device=None):
        _check_cpu(device)
        self._bytes = np.zeros(operator.index(size), dtype=np.uint8)

    @classmethod
    def _of(cls, arr):
        root = _root(arr)
        if not (root.flags.c_contiguous or root.flags.f_contiguous):
            raise RuntimeError("the tensor's memory is not one contiguous block")
        st = object.__new__(cls)
        st._bytes = np.ndarray((root.nbytes,), dtype=np.uint8, buffer=root, offset=0)
        return st

    def _elements(self, np_dt):
        """The bytes read as elements of ``np_dt`` (whole elements only)."""
        n = self._bytes.shape[0] // np.dtype(np_dt).itemsize
        return np.ndarray((n,), dtype=np_dt, buffer=self._bytes, offset=0)

    @property
    def device(self):
        from numtorch._device import device

        return device("cpu")

    @property
    def dtype(self):
        from numtorch import _dtype

        return _dtype.uint8

    def size(self):
        return self._bytes.shape[0]

    def nbytes(self):
        return self._bytes.shape[0]

    def __len__(self):
        return self._bytes.shape[0]

    def element_size(self):
        return 1

    def data_ptr(self):
        return self._bytes.__array_interface__["data"][0]

    def __getitem__(self, i):
        if isinstance(i, slice):
            out = object.__new__(type(self))
            out._bytes = self._bytes[i]
            return out
        return int(self._bytes[operator.index(i)])

    def __setitem__(self, i, value):
        self._bytes[i] = value

    def tolist(self):
        return self._bytes.tolist()

    def fill_(self, value):
        self._bytes[...] = value
        return self

    def copy_(self, source, non_blocking=None):
        np.copyto(self._bytes, source._bytes)
        return self

    def untyped(self):
        return self

    def cpu(self):
        return self

    def is_shared(self):
        from numtorch import _shared_memory

        return _shared_memory.is_shared(_root(self._bytes))

    def is_pinned(self, device="cuda"):
        return False

    def __repr__(self):
        body = "\n".join(f" {v}" for v in self._bytes.tolist())
        return f"{body}\n[numtorch.storage.UntypedStorage(device=cpu) of size {len(self)}]"


class TypedStorage:
    """The memory of a tensor as elements of its dtype (``Tensor.storage()``, deprecated in
    PyTorch in favour of ``untyped_storage()``), shared with it."""

    __slots__ = ("_untyped", "_np_dtype")

    def __init__(self, untyped, np_dtype):
        self._untyped = untyped
        self._np_dtype = np.dtype(np_dtype)

    def _elements(self, np_dt):
        return self._untyped._elements(np_dt)

    @property
    def _array(self):
        return self._untyped._elements(self._np_dtype)

    @property
    def dtype(self):
        from numtorch import _dtype

        return _dtype._NP_TO_DTYPE[self._np_dtype]

    @property
    def device(self):
        return self._untyped.device

    def size(self):
        return self._array.shape[0]

    def __len__(self):
        return self.size()

    def nbytes(self):
        return self._untyped.nbytes()

    def element_size(self):
        return self._np_dtype.itemsize

    def data_ptr(self):
        return self._untyped.data_ptr()

    def __getitem__(self, i):
        if isinstance(i, slice):
            raise RuntimeError("slicing a storage is not supported; slice the tensor instead")
        return self._array[operator.index(i)].item()

    def __setitem__(self, i, value):
        self._array[i] = value

    def tolist(self):
        return self._array.tolist()

    def fill_(self, value):
        self._array[...] = value
        return self

    def untyped(self):
        return self._untyped

    _untyped_storage = property(untyped)

    def cpu(self):
        return self

    def __repr__(self):
        body = "\n".join(f" {v}" for v in self.tolist())
        return (f"{body}\n[numtorch.storage.TypedStorage(dtype={self.dtype}, device=cpu) of "
                f"size {len(self)}]")


def _check_cpu(device):
    from numtorch._device import _check_device

    _check_device(device)


def untyped_storage(self):
    """The bytes of memory holding this tensor's values (shared): ``UntypedStorage``."""
    return UntypedStorage._of(self._data)


def storage(self):
    """This tensor's memory as elements of its dtype (shared): ``TypedStorage``. PyTorch
    deprecates it for ``untyped_storage()`` and warns once per process; so does numtorch
    (every time under ``set_warn_always(True)``)."""
    warn_once("typed_storage", "TypedStorage is deprecated. It will be removed in the future "
              "and UntypedStorage will be the only storage class. To access UntypedStorage "
              "directly, use tensor.untyped_storage() instead of tensor.storage()")
    return TypedStorage(UntypedStorage._of(self._data), self._data.dtype)


def is_storage(obj):
    """Whether ``obj`` is a storage (``untyped_storage()`` / ``storage()``)."""
    return isinstance(obj, (UntypedStorage, TypedStorage))


__all__.append("is_storage")


TENSOR_METHODS = {"as_strided": as_strided, "as_strided_": as_strided_,
                  "as_strided_scatter": as_strided_scatter, "is_set_to": is_set_to,
                  "new_empty_strided": new_empty_strided, "resize_": resize_,
                  "resize_as_": resize_as_, "set_": set_, "untyped_storage": untyped_storage,
                  "storage": storage}


def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    """A 1-D tensor over the memory of an object with Python's buffer protocol (``bytearray``,
    ``array.array``, ``memoryview``...), sharing it: ``count`` elements of ``dtype`` (-1: all)
    from byte ``offset``. A read-only buffer (``bytes``) is copied, with PyTorch's warning
    (PyTorch would let the tensor write into it)."""
    from numtorch import _dtype

    try:
        view = memoryview(buffer)
    except TypeError:
        raise ValueError("object does not implement Python buffer protocol.") from None
    np_dt = np.dtype(_dtype.dtype_arg(dtype).np_dtype)
    length = view.nbytes
    if length == 0 or count == 0:
        raise ValueError(f"both buffer length ({length}) and count ({count}) must not be 0")
    if offset < 0 or offset >= length:
        raise ValueError(f"offset ({offset} bytes) must be non-negative and no greater than "
                         f"buffer length ({length} bytes) minus 1")
    if count < 0:
        if (length - offset) % np_dt.itemsize:
            raise ValueError(f"buffer length ({length - offset} bytes) after offset ({offset} "
                             f"bytes) must be a multiple of element size ({np_dt.itemsize})")
        count = (length - offset) // np_dt.itemsize
    elif offset + count * np_dt.itemsize > length:
        raise ValueError(f"requested buffer length ({count} * {np_dt.itemsize} bytes) after "
                         f"offset ({offset} bytes) must not be greater than actual buffer "
                         f"length ({length} bytes)")
    arr = np.frombuffer(view.cast("B") if view.ndim != 1 or view.format != "B" else view,
                        dtype=np_dt, count=count, offset=offset)
    if not arr.flags.writeable:
        import warnings

        warnings.warn("The given buffer is not writable: numtorch copies it (PyTorch does not "
                      "support non-writable tensors).", UserWarning, stacklevel=2)
        arr = arr.copy()
    out = _wrap(arr)
    if requires_grad:
        out.requires_grad_(True)
    return out


__all__.append("frombuffer")
