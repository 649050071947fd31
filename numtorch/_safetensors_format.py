"""numtorch's safetensors checkpoints: what ``numtorch.save`` writes to a path ending in
``.safetensors`` (the ``numtorch train`` run folder's files), and what ``numtorch.load`` reads from
any safetensors file. No pickle is involved either way.

A checkpoint is any nesting of dicts (``OrderedDict`` kept as such, with a state dict's
``_metadata``), lists and tuples whose leaves are tensors, NumPy arrays, NumPy scalars, numtorch
dtypes and devices, and plain values (``None``, ``bool``, ``int``, ``float`` incl. inf/nan,
``str``, ``bytes``). That covers model and optimizer state dicts (int keys stay ints),
lr-scheduler state and training checkpoints (epoch, RNG states, config dicts).

The file is a valid safetensors file:

- every tensor/array leaf is one safetensors tensor, named by its path in the structure joined
  with dots (``"state.0.exp_avg"``); a flat ``{name: tensor}`` dict keeps its keys as names, so
  ``safetensors.numpy.load_file`` reads numtorch weights anywhere;
- the container structure (types, keys with their Python types, plain values, which leaf goes
  where) is a JSON document in the safetensors header's ``__metadata__`` under ``"numtorch"``.

Loading parses JSON and raw little-endian buffers only: no pickle, no ``eval``, no import of any
name found in the file. A leaf object reached twice (a tied weight) is stored once and comes back
as one object; distinct tensors viewing exactly the same memory (same address, shape, strides and
dtype, e.g. ``state_dict()`` entries of a tied weight) are stored once and come back sharing one
array. Writes to a path are atomic (temporary file in the same directory, fsync, ``os.replace``).

Differences from PyTorch's format (see ``numtorch.serialization``): ``Parameter`` leaves come back
as plain tensors (``requires_grad`` is kept, ``.grad`` is not saved, as in PyTorch); namedtuples
and other tuple subclasses (``numtorch.Size``) come back as plain tuples, other dict and list
subclasses as ``dict`` and ``list`` (``OrderedDict`` excepted); a container reached twice is
stored twice; tensors that overlap only partially are stored separately.

One file (a little over 500 lines) for the format: the writer, the reader and the atomic write
share the structure's encoding and must change together.
"""

import base64
import json
import os
import pickle  # for the class pickle.UnpicklingError only: nothing here unpickles
import secrets
from collections import OrderedDict

import numpy as np

from numtorch import _dtype
from numtorch._tensor import Tensor, _check_device, _wrap, device

__all__ = ["save_safetensors", "load_safetensors", "looks_like_safetensors", "atomic_write",
           "write_all", "check_map_location"]

_FORMAT_VERSION = 1
_META_KEY = "numtorch"
# NumPy dtypes the safetensors format can hold (as native little-endian data).
_SAFETENSORS_KINDS = frozenset(np.dtype(t) for t in (
    np.bool_, np.uint8, np.int8, np.uint16, np.int16, np.uint32, np.int32, np.uint64, np.int64,
    np.float16, np.float32, np.float64))
_CHUNK = 1 << 26  # bytes per write call: large, but bounded for raw files that write partially
_MAX_HEADER = 100_000_000  # safetensors refuses larger headers


# ---------------------------------------------------------------------------------- saving
def _path_str(path):
    """``['state'][0]['exp_avg']``: where an object sits in the saved structure."""
    if not path:
        return "the top level"
    return "".join(f"[{k!r}]" for k in path)


class _Encoder:
    """Walks the object once, collecting the leaf arrays and the JSON description."""

    def __init__(self):
        self.arrays = {}       # tensor name -> contiguous little-endian ndarray
        self.by_object = {}    # id(leaf object) -> object number (identity kept on load)
        self.by_memory = {}    # (address, shape, strides, dtype) -> tensor name
        self.keep_alive = []   # leaf objects whose id() is in by_object
        self.active = set()    # ids of containers on the current path (cycle detection)

    def _name(self, path):
        name = ".".join(str(k) for k in path) if path else "tensor"
        base, n = name, 1
        while name in self.arrays or name == "__metadata__":
            name = f"{base}#{n}"
            n += 1
        return name

    def _store(self, arr, path):
        """The tensor name holding ``arr``, storing it unless the same memory is stored."""
        if arr.dtype.newbyteorder("=") not in _SAFETENSORS_KINDS:
            raise TypeError(
                f"cannot save a NumPy array of dtype {arr.dtype} at {_path_str(path)}: "
                "numtorch.save stores bool, (unsigned) integer and float16/32/64 arrays")
        key = None
        if arr.size:
            key = (arr.__array_interface__["data"][0], arr.shape, arr.strides, arr.dtype.str)
            if key in self.by_memory:
                return self.by_memory[key]
        name = self._name(path)
        # safetensors stores dense little-endian data.
        # (np.ascontiguousarray would turn a 0-d array into a 1-d one.)
        data = arr.astype(arr.dtype.newbyteorder("<"), order="C", copy=False)
        self.arrays[name] = data
        if key is not None:
            self.by_memory[key] = name
        return name

    def _leaf(self, obj, arr, path, node):
        ident = id(obj)
        if ident in self.by_object:
            return {"ref": self.by_object[ident]}
        number = len(self.by_object)
        self.by_object[ident] = number
        self.keep_alive.append(obj)
        node["id"] = number
        node["name"] = self._store(arr, path)
        return node

    def encode(self, obj, path):
        # Order matters: bool before int, NumPy scalars (np.float64 is a float) before float.
        if obj is None:
            return None
        if isinstance(obj, bool):
            return bool(obj)
        if isinstance(obj, str):
            return str(obj)
        if isinstance(obj, Tensor):
            node = {"tensor": True, "requires_grad": bool(obj._requires_grad)}
            return self._leaf(obj, obj._data, path, node)
        if isinstance(obj, np.ndarray):
            return self._leaf(obj, obj, path, {"ndarray": True})
        if isinstance(obj, np.generic):
            if obj.dtype not in _SAFETENSORS_KINDS:
                raise TypeError(
                    f"cannot save NumPy scalar of dtype {obj.dtype} at {_path_str(path)}")
            return {"numpy_scalar": self._store(np.asarray(obj), path)}
        if isinstance(obj, int):
            return int(obj)
        if isinstance(obj, float):
            # NOTE: repr round-trips every float exactly, including inf, -inf, nan and -0.0.
            return {"float": repr(float(obj))}
        if isinstance(obj, (bytes, bytearray)):
            return {"bytes": base64.b64encode(bytes(obj)).decode("ascii")}
        if isinstance(obj, _dtype.dtype):
            return {"dtype": obj.name}
        if isinstance(obj, device):
            return {"device": str(obj)}
        if isinstance(obj, (dict, list, tuple)):
            return self._container(obj, path)
        hint = ""
        if callable(getattr(obj, "named_parameters", None)):
            hint = "; save model.state_dict() instead"
        elif callable(getattr(obj, "state_dict", None)):
            hint = "; save its .state_dict() instead"
        raise TypeError(
            f"cannot save object of type {type(obj).__name__} at {_path_str(path)}: "
            "numtorch.save stores tensors, arrays, numbers, strings, None and "
            f"dicts/lists/tuples of them{hint}")

    def _container(self, obj, path):
        if id(obj) in self.active:
            raise ValueError(
                f"cannot save a {type(obj).__name__} that contains itself (at {_path_str(path)})")
        self.active.add(id(obj))
        try:
            if isinstance(obj, dict):
                items = [[self._key(k, path), self.encode(v, path + [k])]
                         for k, v in obj.items()]
                if not isinstance(obj, OrderedDict):
                    return {"dict": items}
                node = {"odict": items}
                meta = getattr(obj, "_metadata", None)
                if meta is not None:
                    node["metadata"] = self.encode(meta, path + ["_metadata"])
                return node
            kind = "list" if isinstance(obj, list) else "tuple"
            return {kind: [self.encode(v, path + [i]) for i, v in enumerate(obj)]}
        finally:
            self.active.discard(id(obj))

    def _key(self, key, path):
        """A dict key: any hashable plain value (str, int, bool, float, None, bytes, tuples)."""
        if key is None or isinstance(key, (str, int, float, bytes)) and \
                not isinstance(key, np.generic):
            return self.encode(key, path)
        if isinstance(key, tuple):
            return {"tuple": [self._key(k, path) for k in key]}
        raise TypeError(
            f"cannot save a dict key of type {type(key).__name__} at {_path_str(path)}: keys "
            "must be str, int, float, bool, None, bytes or tuples of them")


def _serialize(obj):
    enc = _Encoder()
    root = enc.encode(obj, [])
    structure = {"version": _FORMAT_VERSION, "root": root}
    metadata = {"format": "numtorch",
                _META_KEY: json.dumps(structure, separators=(",", ":"), allow_nan=False)}
    from safetensors.numpy import save as st_save

    return st_save(enc.arrays, metadata=metadata)


def write_all(fh, data):
    """Write every byte of ``data`` (raw files may accept fewer bytes per call)."""
    view = memoryview(data)
    while view:
        written = fh.write(view[:_CHUNK])
        if written is None:  # a buffered stream writes everything or raises
            written = min(len(view), _CHUNK)
        view = view[written:]


def atomic_write(path, data):
    """Replace ``path`` by a file holding ``data`` so that it is either untouched or complete:
    a temporary file in the same directory is written, flushed and fsync'ed, then renamed over
    the target (``os.replace`` is atomic on POSIX and Windows)."""
    target = os.path.realpath(path)  # write through symlinks, as open() would
    directory = os.path.dirname(target)
    if not os.path.isdir(directory):
        raise RuntimeError(f"Parent directory {directory} does not exist.")
    tmp = os.path.join(directory,
                       f".{os.path.basename(target)}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    # O_EXCL: never clobber another writer's temporary file; mode 0o666 lets the umask decide
    # the permissions exactly as open(path, "wb") would.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            write_all(fh, data)
            fh.flush()
            os.fsync(fh.fileno())
        if os.path.exists(target):
            os.chmod(tmp, os.stat(target).st_mode & 0o7777)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_directory(directory)


def _fsync_directory(directory):
    """Make the rename durable (POSIX); directories cannot be opened this way on Windows."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def save_safetensors(obj, f):
    """Write ``obj`` to ``f`` (a path: atomically; or a binary file object) as a safetensors
    file. Unsupported objects (modules, functions, arbitrary classes) raise TypeError naming the
    type and where it sits in ``obj``."""
    data = _serialize(obj)
    if isinstance(f, (str, os.PathLike)):
        atomic_write(os.fspath(f), data)
        return
    write_all(f, data)
    if callable(getattr(f, "flush", None)):
        f.flush()


# ---------------------------------------------------------------------------------- loading
class _NotACheckpointError(RuntimeError, pickle.UnpicklingError):
    """Bytes that are no checkpoint format at all. PyTorch hands them to its unpickler, which
    raises pickle.UnpicklingError; numtorch names what the file is, in an error that is both
    that and the RuntimeError of its other checkpoint errors."""


def _describe_foreign(data):
    """What a file that is not a checkpoint is, or None if it may be safetensors."""
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return "a zip archive, not a checkpoint"
    if data.startswith(b"\x93NUMPY"):
        return "a NumPy .npy file, not a checkpoint; read it with numpy.load"
    stripped = data.lstrip()
    if stripped[:1] in (b"{", b"["):
        try:
            json.loads(data)
        except ValueError:
            return None
        return "a JSON text file, not a checkpoint"
    return None


def _parse_header(data, name):
    """The safetensors header of ``data`` (a dict), after checking that the file is complete."""
    if not data:
        raise RuntimeError(f"{name}: the file is empty, not a numtorch checkpoint")
    # A safetensors file starts with its header's length (8 bytes, little-endian) and then the
    # header's opening brace. Recognize that first: the length's bytes can look like another
    # format's magic (a 640-byte header starts with 0x80 0x02, as a pickle does).
    n = int.from_bytes(data[:8], "little") if len(data) >= 8 else 0
    plausible = 2 <= n <= _MAX_HEADER
    if not (plausible and data[8:9] == b"{"):
        foreign = _describe_foreign(data)
        if foreign is not None:
            # a zip that is no checkpoint fails in PyTorch's zip reader: a RuntimeError
            kind = RuntimeError if foreign.startswith("a zip") else _NotACheckpointError
            raise kind(f"{name} is {foreign}")
        if len(data) < 8:
            raise RuntimeError(
                f"{name}: the file is {len(data)} bytes long, too short to be a "
                "checkpoint (truncated, or not a checkpoint)")
        if len(data) == 8 and plausible:
            raise RuntimeError(
                f"{name} is truncated: its header announces {n} bytes but the file ends there")
        raise _NotACheckpointError(
            f"{name} is not a checkpoint: neither PyTorch's zip or legacy format nor a "
            f"safetensors file (first bytes {bytes(data[:16])!r})")
    if 8 + n > len(data):
        raise RuntimeError(
            f"{name} is truncated: its header announces {n} bytes but only {len(data) - 8} "
            "bytes follow")
    try:
        header = json.loads(bytes(data[8:8 + n]))
    except (ValueError, UnicodeDecodeError) as exc:
        raise RuntimeError(f"{name} is not a valid checkpoint: unreadable header ({exc})") from None
    if not isinstance(header, dict):
        raise RuntimeError(f"{name} is not a valid checkpoint: its header is not a JSON object")
    end = 0
    for key, info in header.items():
        if key == "__metadata__":
            continue
        offsets = info.get("data_offsets") if isinstance(info, dict) else None
        if not (isinstance(offsets, list) and len(offsets) == 2
                and all(isinstance(o, int) for o in offsets)):
            raise RuntimeError(
                f"{name} is not a valid checkpoint: tensor {key!r} has no valid data_offsets")
        end = max(end, offsets[1])
    if 8 + n + end > len(data):
        raise RuntimeError(
            f"{name} is truncated: it holds {len(data) - 8 - n} bytes of tensor data, "
            f"{end} expected")
    return header


def _corrupt(name, what):
    return RuntimeError(f"{name} is not a valid numtorch checkpoint: {what}")


class _Decoder:
    def __init__(self, arrays, name, map_location):
        self.arrays = arrays
        self.name = name
        self.map_location = map_location
        self.objects = {}   # object number -> loaded tensor/array
        self.tensors = {}   # tensor name -> ndarray wrapped by the first tensor built on it

    def _array(self, tname):
        if not isinstance(tname, str) or tname not in self.arrays:
            raise _corrupt(self.name, f"the structure refers to a missing tensor {tname!r}")
        return self.arrays[tname]

    def decode(self, node):
        if node is None or type(node) in (bool, int, str):
            return node
        if isinstance(node, dict) and len(node) >= 1:
            if "float" in node and isinstance(node["float"], str):
                try:
                    return float(node["float"])
                except ValueError:
                    raise _corrupt(self.name, f"bad float {node['float']!r}") from None
            if "tensor" in node or "ndarray" in node:
                return self._leaf(node)
            if "ref" in node:
                if node["ref"] not in self.objects:
                    raise _corrupt(self.name, f"reference to unknown object {node['ref']!r}")
                return self.objects[node["ref"]]
            if "numpy_scalar" in node:
                return self._array(node["numpy_scalar"])[()]
            if isinstance(node.get("list"), list):
                return [self.decode(v) for v in node["list"]]
            if isinstance(node.get("tuple"), list):
                return tuple(self.decode(v) for v in node["tuple"])
            if isinstance(node.get("dict"), list):
                return dict(self._items(node["dict"]))
            if isinstance(node.get("odict"), list):
                out = OrderedDict(self._items(node["odict"]))
                if "metadata" in node:
                    out._metadata = self.decode(node["metadata"])
                return out
            if isinstance(node.get("bytes"), str):
                try:
                    return base64.b64decode(node["bytes"], validate=True)
                except ValueError:
                    raise _corrupt(self.name, "bad bytes value") from None
            if isinstance(node.get("dtype"), str):
                try:
                    return _dtype._by_name(node["dtype"])
                except KeyError:
                    raise _corrupt(self.name, f"unknown dtype {node['dtype']!r}") from None
            if isinstance(node.get("device"), str):
                return device(node["device"])
        raise _corrupt(self.name, f"unrecognized structure entry {str(node)[:80]}")

    def _items(self, items):
        for item in items:
            if not (isinstance(item, list) and len(item) == 2):
                raise _corrupt(self.name, f"bad dict item {str(item)[:80]}")
            key = self.decode(item[0])
            try:
                hash(key)
            except TypeError:
                raise _corrupt(self.name, f"unhashable dict key {str(item[0])[:80]}") from None
            yield key, self.decode(item[1])

    def _leaf(self, node):
        number = node.get("id")
        if not isinstance(number, int) or number in self.objects:
            raise _corrupt(self.name, f"bad object number {number!r}")
        tname = node.get("name")
        arr = self._array(tname)
        if "ndarray" in node:
            obj = arr
        else:
            try:
                _dtype.from_numpy_dtype(arr.dtype)
            except TypeError:
                raise _corrupt(self.name, f"tensor {tname!r} has dtype {arr.dtype}, which "
                                          "numtorch tensors do not support") from None
            obj = _wrap(arr)
            if node.get("requires_grad") is True and arr.dtype.kind == "f":
                obj.requires_grad_(True)
            obj = self._relocate(obj)
        self.objects[number] = obj
        return obj

    def _relocate(self, t):
        if not callable(self.map_location):
            return t
        out = self.map_location(t, "cpu")
        if out is None:  # as for PyTorch's storages: None keeps the default location
            return t
        if not isinstance(out, Tensor):
            raise TypeError(
                f"map_location callable must return a tensor, got {type(out).__name__}")
        return out


def check_map_location(map_location):
    if map_location is None or callable(map_location):
        return
    if isinstance(map_location, dict):
        for target in map_location.values():
            _check_device(target)
        return
    if isinstance(map_location, (str, device)):
        _check_device(map_location)
        return
    raise TypeError(
        "map_location should be either None, a string, a numtorch.device, a dict or a callable, "
        f"not {type(map_location).__name__}")


def looks_like_safetensors(data):
    """Whether ``data`` starts as a safetensors file does (a plausible header length, then a
    JSON object). Checked before other formats: the length's bytes can look like a pickle."""
    n = int.from_bytes(bytes(data[:8]), "little") if len(data) >= 8 else 0
    return 2 <= n <= _MAX_HEADER and bytes(data[8:9]) == b"{"


def load_safetensors(data, name, map_location=None):
    """The object of the safetensors file held in ``data`` (``name`` names it in errors).

    Tensors come back as numtorch tensors, arrays as NumPy arrays, containers and plain values as
    they were saved (see the module docstring for what changes type). A plain safetensors file
    without numtorch's structure loads as an ``OrderedDict`` of tensors. ``map_location`` may be
    a callable ``(tensor, 'cpu') -> tensor``. A truncated, empty or foreign file raises
    RuntimeError naming the file and what is wrong.
    """
    data = bytes(data)
    header = _parse_header(data, name)
    from safetensors import SafetensorError
    from safetensors.numpy import load as st_load

    try:
        arrays = st_load(data)
    except (SafetensorError, ValueError, TypeError, KeyError) as exc:
        raise RuntimeError(f"{name} is not a valid checkpoint: {exc}") from None
    arrays = {k: (v if v.flags.writeable else v.copy()) for k, v in arrays.items()}
    meta = header.get("__metadata__")
    structure = meta.get(_META_KEY) if isinstance(meta, dict) else None
    if structure is None:
        return _plain_safetensors(header, arrays, name, map_location)
    try:
        structure = json.loads(structure)
    except ValueError as exc:
        raise _corrupt(name, f"unreadable structure ({exc})") from None
    if not isinstance(structure, dict) or "root" not in structure:
        raise _corrupt(name, "the structure has no root")
    if structure.get("version") != _FORMAT_VERSION:
        raise RuntimeError(
            f"{name} was written in numtorch checkpoint format version "
            f"{structure.get('version')!r}; this numtorch reads version {_FORMAT_VERSION}")
    return _Decoder(arrays, name, map_location).decode(structure["root"])


def _plain_safetensors(header, arrays, name, map_location):
    """A safetensors file written by another tool: its tensors, in header order."""
    decoder = _Decoder(arrays, name, map_location)
    out = OrderedDict()
    for key in header:
        if key == "__metadata__":
            continue
        try:
            _dtype.from_numpy_dtype(arrays[key].dtype)
        except TypeError:
            raise RuntimeError(
                f"{name}: tensor {key!r} has dtype {arrays[key].dtype}, which numtorch tensors "
                "do not support; read it with safetensors.numpy.load_file") from None
        out[key] = decoder._relocate(_wrap(arrays[key]))
    return out
