"""PyTorch's file format, both ways: what ``torch.save`` writes and ``torch.load`` reads.

**The zip format** (``torch.save``'s default since PyTorch 1.6) is an uncompressed zip archive
whose records sit under one folder (``archive/``):

- ``data.pkl``: the object, pickled (protocol 2). A tensor is pickled as a call
  ``torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
  backward_hooks)``; a ``Parameter`` as ``torch._utils._rebuild_parameter(tensor, requires_grad,
  backward_hooks)``. The storage is a *persistent id*, the tuple ``("storage", storage_type,
  key, location, numel)`` with ``storage_type`` a global such as ``torch.FloatStorage``;
- ``data/<key>``: the raw bytes of each storage, in the order of ``byteorder`` (``little``),
  each record's data aligned to 64 bytes (``.storage_alignment``) so the file can be mapped;
- ``version`` (``3``), ``.format_version`` (``1``), ``.data/serialization_id``.

Tensors that view one storage (a tensor and its transpose, the rows of a matrix, tied weights)
refer to the same key, so they still share memory after loading; strides and offsets are kept.

**The legacy format** (``_use_new_zipfile_serialization=False``, and every file before 1.6) is a
sequence of pickles: a magic number, the protocol version (1001), a ``sys_info`` dict, the object
(whose storage ids carry one more field, a view description), the list of storage keys, then for
each key the storage's element count (int64, little-endian) followed by its bytes.

numtorch writes its tensors with PyTorch's global names (``torch._utils._rebuild_tensor_v2``,
``torch.FloatStorage``, ``torch.float32``, ``torch.Size``, ``torch.device``), so real PyTorch
reads them with ``torch.load(f, weights_only=True)``, and reads those names back into numtorch
objects without importing anything.

This file writes and reads the two containers; ``_torch_storage.py`` holds the objects their
pickles name (storages, tensor rebuilds, ``TORCH_GLOBALS``). It stays one file over ~500
lines because the writer and the reader of each container are the two halves of one
description, kept side by side so that a change to one is seen next to the other.
"""

import io
import pickle
import secrets
import struct
import sys
import warnings
import zipfile
import zlib
from collections import OrderedDict

import numpy as np

from numtorch import _dtype
from numtorch import _weights_only_unpickler as _wou
from numtorch._tensor import Size, Tensor, _wrap, device
from numtorch._torch_storage import (
    _STORAGE_OF_DTYPE,
    TORCH_GLOBALS,
    StorageType,
    TypedStorage,
)

__all__ = ["write_zip", "write_legacy", "read_zip", "read_legacy", "is_zip", "is_legacy",
           "StorageType", "TypedStorage", "TORCH_GLOBALS", "MAGIC_NUMBER", "PROTOCOL_VERSION"]

MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001
_ALIGNMENT = 64
_ARCHIVE = "archive"
_PAD_EXTRA_ID = 0x4246  # the id of the zip extra field that pads record data to the alignment
_bf16_warned = [False]



# ---------------------------------------------------------------------------- writing
class _Global:
    """A name written into the pickle as ``GLOBAL module name`` without importing it."""

    __slots__ = ("module", "name")

    def __init__(self, module, name):
        self.module, self.name = module, name

    def __call__(self, *args, **kwargs):
        raise TypeError(f"{self.module}.{self.name} is a placeholder for pickling")


_NAMES = {}


def _g(module, name):
    key = (module, name)
    if key not in _NAMES:
        _NAMES[key] = _Global(module, name)
    return _NAMES[key]


class _StorageRef:
    __slots__ = ("key", "type_name", "numel", "raw")

    def __init__(self, key, type_name, numel, raw):
        self.key, self.type_name, self.numel, self.raw = key, type_name, numel, raw


class _Storages:
    """Assigns tensors to storages: every tensor viewing one NumPy buffer (same root array and
    dtype) refers to one storage holding the whole buffer, at its own offset and strides."""

    def __init__(self):
        self.refs = []
        self.by_root = {}
        self.keep = []  # roots whose addresses key by_root

    def _new(self, type_name, numel, raw):
        ref = _StorageRef(str(len(self.refs)), type_name, numel, raw)
        self.refs.append(ref)
        return ref

    def locate(self, arr):
        """(storage ref, storage offset, strides) of ``arr``, all in elements."""
        type_name = _STORAGE_OF_DTYPE[_dtype._NP_TO_DTYPE[arr.dtype.newbyteorder("=")].name]
        itemsize = arr.itemsize
        root = arr
        while isinstance(root.base, np.ndarray):
            root = root.base
        shareable = (
            arr.size > 0 and arr.dtype.isnative and sys.byteorder == "little"
            and all(s >= 0 and s % itemsize == 0 for s in arr.strides)
            and (root.flags.c_contiguous or root.flags.f_contiguous)
            and root.nbytes % itemsize == 0)
        if shareable:
            start = root.__array_interface__["data"][0]
            offset = arr.__array_interface__["data"][0] - start
            key = (start, root.nbytes, arr.dtype.str)
            if offset % itemsize == 0:
                ref = self.by_root.get(key)
                if ref is None:
                    flat = root if root.flags.c_contiguous else root.T
                    raw = flat.reshape(-1).view(np.uint8)  # the buffer's bytes, no copy
                    ref = self.by_root[key] = self._new(type_name, root.nbytes // itemsize, raw)
                    self.keep.append(root)
                return ref, offset // itemsize, tuple(s // itemsize for s in arr.strides)
        # Anything else (empty, byte-swapped, reversed ...) is stored as a dense copy.
        dense = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<")).reshape(arr.shape)
        strides = tuple(s // itemsize for s in dense.strides) if dense.size else \
            tuple(int(np.prod(arr.shape[i + 1:])) for i in range(arr.ndim))
        raw = dense.reshape(-1).view(np.uint8)
        return self._new(type_name, dense.size, raw), 0, strides


class _Pickler(pickle._Pickler):
    """The pure-Python pickler with PyTorch's reductions for numtorch objects."""

    dispatch = dict(pickle._Pickler.dispatch)

    def __init__(self, file, protocol, storages, legacy):
        super().__init__(file, protocol)
        self.storages = storages
        self.legacy = legacy

    def persistent_id(self, obj):
        if type(obj) is not _StorageRef:
            return None
        pid = ("storage", _g("torch", obj.type_name), obj.key, "cpu", obj.numel)
        return pid + (None,) if self.legacy else pid

    def reducer_override(self, obj):
        if isinstance(obj, Tensor):
            return self._reduce_tensor(obj)
        cls = type(obj)
        if cls is device:
            args = (obj.type,) if obj.index is None else (obj.type, obj.index)
            return _g("torch", "device"), args
        if cls is Size:
            return _g("torch", "Size"), (tuple(obj),)
        return NotImplemented

    def _reduce_tensor(self, t):
        from numtorch.nn.parameter import Parameter, is_lazy

        if is_lazy(t):
            raise RuntimeError("cannot save an uninitialized parameter or buffer: run a forward "
                               "pass first so that it has a shape")
        if isinstance(t, Parameter):
            plain = _wrap(t._data)
            return (_g("torch._utils", "_rebuild_parameter"),
                    (plain, bool(t._requires_grad), OrderedDict()))
        ref, offset, strides = self.storages.locate(t._data)
        return (_g("torch._utils", "_rebuild_tensor_v2"),
                (ref, offset, tuple(t._data.shape), strides, bool(t._requires_grad),
                 OrderedDict()))

    def save_torch_name(self, obj):
        self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode())
        self.memoize(obj)

    def save_dtype(self, obj):
        self.save_torch_name(_g("torch", obj.name))
        self.memo[id(obj)] = self.memo[id(_g("torch", obj.name))]

    dispatch[_Global] = save_torch_name
    dispatch[_dtype.dtype] = save_dtype


def _pickle(obj, protocol, legacy):
    storages = _Storages()
    buf = io.BytesIO()
    _Pickler(buf, protocol, storages, legacy).dump(obj)
    return buf.getvalue(), storages.refs


def write_zip(obj, protocol=2):
    """The bytes of ``obj`` in PyTorch's zip format."""
    data_pkl, refs = _pickle(obj, protocol, legacy=False)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        def record(name, payload):
            info = zipfile.ZipInfo(f"{_ARCHIVE}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            header = 30 + len(info.filename.encode("utf-8")) + 4
            pad = (-(out.tell() + header)) % _ALIGNMENT
            info.extra = struct.pack("<HH", _PAD_EXTRA_ID, pad) + b"Z" * pad
            zf.writestr(info, payload)

        record("data.pkl", data_pkl)
        record(".format_version", b"1")
        record(".storage_alignment", str(_ALIGNMENT).encode())
        record("byteorder", b"little")
        for ref in refs:
            record(f"data/{ref.key}", memoryview(ref.raw))
        record("version", b"3\n")
        record(".data/serialization_id", str(secrets.randbits(128)).zfill(40).encode())
    return out.getvalue()


def write_legacy(obj, protocol=2):
    """The bytes of ``obj`` in PyTorch's legacy (pre-1.6, non-zip) format."""
    data_pkl, refs = _pickle(obj, protocol, legacy=True)
    sys_info = {"protocol_version": PROTOCOL_VERSION, "little_endian": True,
                "type_sizes": {"short": 2, "int": 4, "long": struct.calcsize("l")}}
    parts = [pickle.dumps(MAGIC_NUMBER, protocol=protocol),
             pickle.dumps(PROTOCOL_VERSION, protocol=protocol),
             pickle.dumps(sys_info, protocol=protocol), data_pkl]
    keys = sorted(ref.key for ref in refs)
    parts.append(pickle.dumps(keys, protocol=protocol))
    by_key = {ref.key: ref for ref in refs}
    for key in keys:
        parts.append(struct.pack("<q", by_key[key].numel))
        parts.append(bytes(by_key[key].raw))
    return b"".join(parts)


# ---------------------------------------------------------------------------- reading
def is_zip(data):
    return bytes(data[:4]) in (b"PK\x03\x04", b"PK\x05\x06")


def is_legacy(data):
    return len(data) >= 2 and data[0] == 0x80 and 2 <= data[1] <= 5


class _ViewFile(io.RawIOBase):
    """A seekable read-only file over a buffer, without copying it (for ``zipfile``)."""

    def __init__(self, view):
        self.view = memoryview(view).cast("B")
        self.pos = 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def tell(self):
        return self.pos

    def seek(self, pos, whence=0):
        base = {0: 0, 1: self.pos, 2: len(self.view)}[whence]
        self.pos = max(0, base + pos)
        return self.pos

    def readinto(self, b):
        chunk = self.view[self.pos:self.pos + len(b)]
        b[:len(chunk)] = chunk
        self.pos += len(chunk)
        return len(chunk)


class _Loader:
    """What both formats share: turning persistent ids into storages and running the right
    unpickler over the object's pickle."""

    def __init__(self, name, map_location, weights_only, pickle_module, load_args):
        self.name = name
        self.map_location = map_location
        self.weights_only = weights_only
        self.pickle_module = pickle_module
        self.load_args = load_args
        self.storages = {}

    def damaged(self, what):
        return RuntimeError(f"{self.name} is damaged: {what}")

    def persistent_load(self, pid):
        if isinstance(pid, tuple) and pid and _text(pid[0]) == "module" and \
                not self.weights_only:
            return pid[1]  # a legacy whole-model file names each module class this way
        if not (isinstance(pid, tuple) and len(pid) in (5, 6) and _text(pid[0]) == "storage"):
            raise pickle.UnpicklingError(
                f"Only persistent_load of storage is allowed, but got {str(pid)[:80]}")
        storage_type, key, location, numel = pid[1:5]
        if not isinstance(storage_type, StorageType):
            raise pickle.UnpicklingError(f"unknown storage type {storage_type!r}")
        key, location = _text(key), _text(location)
        if type(numel) is not int or numel < 0 or not isinstance(key, str):
            raise pickle.UnpicklingError(f"invalid storage id {str(pid)[:80]}")
        if key not in self.storages:
            storage = self.make_storage(storage_type, key, numel)
            self.storages[key] = self.relocate(storage, location)
        storage = self.storages[key]
        view = pid[5] if len(pid) == 6 else None
        if view is not None:  # legacy storage views: (view key, offset, size)
            view_key, offset, size = _text(view[0]), view[1], view[2]
            if view_key not in self.storages:
                if not (0 <= offset <= offset + size <= storage.array.size):
                    raise pickle.UnpicklingError(f"invalid storage view {view!r}")
                sub = storage.array[offset:offset + size]
                self.storages[view_key] = TypedStorage(sub, storage.location, storage.dtype_name)
            storage = self.storages[view_key]
        return storage

    def relocate(self, storage, location):
        mloc = self.map_location
        if callable(mloc):
            result = mloc(storage, location)
            if result is None:
                target = location
            elif isinstance(result, TypedStorage):
                return result
            else:
                raise TypeError("map_location callable must return a storage or None, got "
                                f"{type(result).__name__}")
        elif isinstance(mloc, dict):
            target = mloc.get(location, location)
        elif mloc is None:
            target = location
        else:
            target = str(mloc)
        if str(target).split(":")[0] != "cpu":
            raise RuntimeError(
                f"{self.name}: attempting to deserialize a storage saved on device {location!r} "
                f"onto {str(target)!r}, but numtorch runs on the CPU only "
                "(numtorch.cuda.is_available() is False). Pass map_location='cpu' (or "
                "map_location=numtorch.device('cpu')) to load it onto the CPU.")
        storage.location = "cpu"
        return storage

    def unpickle(self, file):
        if self.weights_only:
            unpickler = _wou.Unpickler(file, TORCH_GLOBALS, self.persistent_load,
                                       encoding=self.load_args.get("encoding", "utf-8"))
            return unpickler.load()
        base = (self.pickle_module or pickle).Unpickler
        loader = self

        class FullUnpickler(base):
            def find_class(self, module, name):
                return _full_find_class(super().find_class, module, name)

            def persistent_load(self, pid):
                return loader.persistent_load(pid)

        return FullUnpickler(file, **self.load_args).load()

    def typed_array(self, storage_type, raw, byteorder_little):
        """The storage's elements from its raw bytes: a view where possible, else a copy."""
        kind = storage_type.dtype_name
        if kind == "untyped":
            return raw
        if kind == "bfloat16":
            if not _bf16_warned[0]:
                _bf16_warned[0] = True
                warnings.warn("numtorch has no bfloat16: bfloat16 tensors are loaded as float32 "
                              "(exactly: every bfloat16 value is a float32 value)", stacklevel=4)
            bits = raw.view("<u2" if byteorder_little else ">u2").astype(np.uint32) << 16
            return bits.view(np.float32)
        _check_known(kind)
        np_dt = _dtype._by_name(kind).np_dtype
        dt = np_dt.newbyteorder("<" if byteorder_little else ">")
        if raw.size % dt.itemsize:
            raise self.damaged(f"a storage of {raw.size} bytes is not a whole number of "
                               f"{kind} elements")
        arr = raw.view(dt) if raw.flags.c_contiguous else np.frombuffer(raw.tobytes(), dt)
        if not arr.dtype.isnative:
            arr = arr.astype(np_dt)
        elif not arr.flags.aligned:
            arr = arr.copy()
        return arr


def _text(value):
    return value.decode("ascii") if isinstance(value, bytes) else value


def _full_find_class(find_class, module, name):
    """The unrestricted lookup (weights_only=False): PyTorch's names resolve to numtorch's
    objects; any other name is imported, as pickle does."""
    full = f"{module}.{name}"
    if full in TORCH_GLOBALS:
        return TORCH_GLOBALS[full]
    canonical = _wou.canonical_name(module)
    try:
        return find_class(canonical, name)
    except (ImportError, AttributeError):
        if canonical == module:
            raise
        raise AttributeError(f"{full} (as {canonical}.{name}): numtorch does not provide it "
                             "yet") from None


def read_zip(data, name, map_location, weights_only, pickle_module=None, load_args=None,
             verify=True):
    """Load the object of a zip-format file held in ``data`` (a writable buffer or a mapped
    file; storages are views of it)."""
    loader = _Loader(name, map_location, weights_only, pickle_module, load_args or {})
    try:
        zf = zipfile.ZipFile(_ViewFile(data))
        infos = {info.filename: info for info in zf.infolist()}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise loader.damaged(f"PyTorch zip archive cannot be read, failed finding central "
                             f"directory (truncated or not a zip file?): {exc}") from None
    if not infos:
        raise loader.damaged("the zip archive has no records")
    if not any(n.endswith("data.pkl") or n.endswith("constants.pkl") for n in infos):
        if any(n.endswith(".npy") for n in infos):
            raise RuntimeError(f"{name} is a NumPy .npz archive, not a checkpoint; read it with "
                               "numpy.load")
        raise RuntimeError(f"{name} is a zip archive without data.pkl, not a PyTorch checkpoint")
    prefix = next(iter(infos)).split("/")[0]
    view = np.frombuffer(data, dtype=np.uint8) if not isinstance(data, np.ndarray) else data
    # Storages are arrays over slices of this memoryview: each storage is its own root array,
    # so storage_offset() counts from the storage, not from the file.
    mem = memoryview(data).cast("B")

    def record(rec, expected=None):
        info = infos.get(f"{prefix}/{rec}")
        if info is None:
            raise loader.damaged(f"record {prefix}/{rec} is missing")
        if info.compress_type != zipfile.ZIP_STORED:
            try:
                raw = np.frombuffer(bytearray(zf.read(info)), dtype=np.uint8)
            except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
                raise loader.damaged(f"record {info.filename}: {exc}") from None
        else:
            start = info.header_offset
            header = bytes(view[start:start + 30])
            if len(header) < 30 or header[:4] != b"PK\x03\x04":
                raise loader.damaged(f"record {info.filename} has no valid local header")
            n_name, n_extra = struct.unpack("<HH", header[26:30])
            begin = start + 30 + n_name + n_extra
            raw = np.frombuffer(mem[begin:begin + info.file_size], dtype=np.uint8)
            if raw.size < info.file_size:
                raise loader.damaged(f"record {info.filename} is truncated ({raw.size} of "
                                     f"{info.file_size} bytes)")
            if verify and zlib.crc32(raw) != info.CRC:
                raise loader.damaged(f"record {info.filename} is corrupted (CRC-32 mismatch)")
        if expected is not None and raw.size < expected:
            raise loader.damaged(f"record {info.filename} holds {raw.size} bytes, the storage "
                                 f"needs {expected}")
        return raw

    if f"{prefix}/data.pkl" not in infos and f"{prefix}/constants.pkl" in infos:
        raise RuntimeError(f"{name} is a TorchScript archive (torch.jit.save), which numtorch "
                           "cannot load")
    little = True
    if f"{prefix}/byteorder" in infos:
        order = bytes(record("byteorder")).decode("ascii", "replace")
        if order not in ("little", "big"):
            raise loader.damaged(f"unknown byteorder record {order!r}")
        little = order == "little"

    def make_storage(storage_type, key, numel):
        itemsize = 1 if storage_type.dtype_name == "untyped" else \
            _ITEMSIZES.get(storage_type.dtype_name, 1)
        raw = record(f"data/{key}", numel * itemsize)[:numel * itemsize]
        return TypedStorage(loader.typed_array(storage_type, raw, little), "cpu",
                            storage_type.dtype_name)

    loader.make_storage = make_storage
    pkl = bytes(record("data.pkl"))
    return _unpickle_named(loader, io.BytesIO(pkl), f"{prefix}/data.pkl")


_ITEMSIZES = {"float32": 4, "float64": 8, "float16": 2, "int64": 8, "int32": 4, "int16": 2,
              "int8": 1, "uint8": 1, "bool": 1, "bfloat16": 2, "complex64": 8,
              "complex128": 16}


def _unpickle_named(loader, file, record_name):
    try:
        return loader.unpickle(file)
    except pickle.UnpicklingError as exc:
        raise _weights_error(loader, exc, record_name) from None
    except EOFError:
        raise pickle.UnpicklingError(
            f"{loader.name} is damaged: {record_name} ends early (truncated pickle)") from None
    except RuntimeError as exc:
        if loader.name in str(exc):
            raise
        raise RuntimeError(f"{loader.name}: {exc}") from None


def _weights_error(loader, exc, record_name):
    if not loader.weights_only:
        return pickle.UnpicklingError(f"{loader.name}: cannot unpickle {record_name}: {exc}")
    return pickle.UnpicklingError(
        f"Weights only load failed for {loader.name}. The file can still be loaded with "
        "weights_only=False, but that runs whatever code the file names: do it only if you "
        "trust its source. Alternatively, allow the globals it needs (if you trust them) with "
        "numtorch.serialization.add_safe_globals. WeightsUnpickler error: "
        f"{exc}")


def read_legacy(data, name, map_location, weights_only, pickle_module=None, load_args=None):
    """Load the object of a legacy-format file held in ``data``."""
    loader = _Loader(name, map_location, weights_only, pickle_module, load_args or {})
    view = np.frombuffer(data, dtype=np.uint8) if not isinstance(data, np.ndarray) else data
    stream = io.BufferedReader(_ViewFile(data))  # reads the pickles without copying the file
    pending = {}

    def header_pickle(what):
        try:
            return _wou.Unpickler(stream, {}, _no_persistent).load()
        except pickle.UnpicklingError as exc:
            raise loader.damaged(f"cannot read the {what}: {exc}") from None

    if header_pickle("magic number") != MAGIC_NUMBER:
        raise loader.damaged("invalid magic number (not a PyTorch file?)")
    version = header_pickle("protocol version")
    if version != PROTOCOL_VERSION:
        raise loader.damaged(f"invalid protocol version {version!r}")
    sys_info = header_pickle("sys_info")
    little = not isinstance(sys_info, dict) or sys_info.get("little_endian", True) is not False

    def make_storage(storage_type, key, numel):
        itemsize = _ITEMSIZES.get(storage_type.dtype_name, 1)
        if numel * itemsize > view.size:
            raise loader.damaged(f"storage {key!r} announces {numel} elements, more than the "
                                 "whole file holds")
        np_dt = np.uint8 if storage_type.dtype_name == "untyped" else None
        if storage_type.dtype_name == "bfloat16":
            np_dt = np.float32
        elif np_dt is None:
            _check_known(storage_type.dtype_name)
            np_dt = _dtype._by_name(storage_type.dtype_name).np_dtype
        storage = TypedStorage(np.zeros(numel, dtype=np_dt), "cpu", storage_type.dtype_name)
        pending[key] = (storage_type, itemsize, storage)
        return storage

    loader.make_storage = make_storage
    result = _unpickle_named(loader, stream, "the pickled object")
    keys = header_pickle("list of storage keys")
    if not isinstance(keys, list):
        raise loader.damaged("the list of storage keys is not a list")
    offset = stream.tell()
    filled = {}
    for key in keys:
        key = _text(key)
        if view.size < offset + 8:
            raise loader.damaged(f"the file ends before storage {key!r} (truncated)")
        (numel,) = struct.unpack("<q" if little else ">q", bytes(view[offset:offset + 8]))
        offset += 8
        filled[key] = (offset, numel)
        itemsize = pending[key][1] if key in pending else 1
        offset += numel * itemsize
        if offset > view.size:
            raise loader.damaged(f"storage {key!r} is truncated")
    for key, (storage_type, itemsize, storage) in pending.items():
        if key not in filled:
            raise loader.damaged(f"storage {key!r} has no data")
        start, numel = filled[key]
        if numel < storage.array.size:
            raise loader.damaged(f"storage {key!r} holds {numel} elements, "
                                 f"{storage.array.size} expected")
        raw = view[start:start + storage.array.size * itemsize]
        storage.array[...] = loader.typed_array(storage_type, raw, little)
    return result


def _check_known(kind):
    if kind not in ("float32", "float64", "float16", "int64", "int32", "int16", "int8",
                    "uint8", "bool"):
        raise RuntimeError(f"numtorch has no {kind} tensors: this file holds a {kind} storage, "
                           "which numtorch cannot load")


def _no_persistent(pid):
    raise pickle.UnpicklingError("unexpected persistent id in a file header")
