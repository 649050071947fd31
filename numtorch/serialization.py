"""``numtorch.save`` / ``numtorch.load``: PyTorch's own file format, so weights move both ways.

- ``save(obj, f)`` writes what ``torch.save`` writes (the zip format; the legacy format with
  ``_use_new_zipfile_serialization=False``), so ``torch.load(f, weights_only=True)`` reads
  numtorch's state dicts, optimizer state dicts and checkpoints. A path ending in
  ``.safetensors`` is written as a safetensors file instead (``numtorch train``'s run folder).
- ``load(f)`` reads the files ``torch.save`` writes (zip and legacy formats) and safetensors
  files. By default (``weights_only=True``, PyTorch's default since 2.6) it uses a restricted
  unpickler (``numtorch._weights_only_unpickler``) that builds tensors, parameters, storages,
  dtypes, ``OrderedDict`` and plain containers and scalars, plus the globals allowed through
  ``add_safe_globals`` / ``safe_globals``; any other global is refused with
  ``pickle.UnpicklingError`` naming it, and nothing from the file runs. PyTorch's module paths
  (``torch.nn.modules.linear.Linear``) name numtorch's classes.

The format is described in ``numtorch._torch_format``; ``docs/serialization.md`` tells the
story. Every write to a path is atomic (temporary file in the same folder, fsync, rename).
"""

import io
import os
import pickle
import zipfile

import numpy as np

from numtorch import _safetensors_format as _st
from numtorch import _torch_format as _tf
from numtorch import _weights_only_unpickler as _wou

__all__ = ["save", "load", "add_safe_globals", "get_safe_globals", "clear_safe_globals",
           "safe_globals", "get_unsafe_globals_in_checkpoint", "DEFAULT_PROTOCOL"]

DEFAULT_PROTOCOL = 2

add_safe_globals = _wou.add_safe_globals
get_safe_globals = _wou.get_safe_globals
clear_safe_globals = _wou.clear_safe_globals
safe_globals = _wou.safe_globals


def _wants_safetensors(f):
    name = os.fspath(f) if isinstance(f, (str, os.PathLike)) else getattr(f, "name", None)
    return isinstance(name, str) and name.endswith(".safetensors")


def save(obj, f, pickle_module=pickle, pickle_protocol=DEFAULT_PROTOCOL,
         _use_new_zipfile_serialization=True, _disable_byteorder_record=False):
    """Save ``obj`` to ``f`` (a path, a ``pathlib.Path`` or a binary file object) in PyTorch's
    format: ``torch.load`` reads it.

    ``obj`` is usually a state dict, an optimizer state dict or a checkpoint dict (any nesting of
    dicts, lists, tuples, tensors, numbers, strings and None); tensors that view one buffer are
    stored once and come back sharing it, with their strides. Parameters are saved as PyTorch
    saves them (``torch._utils._rebuild_parameter``). A whole module (``save(model, f)``) is
    pickled with its class's import path, as in PyTorch; loading it needs the class allowed
    (``safe_globals``) or ``weights_only=False``.

    A path ending in ``.safetensors`` (or a file object whose ``name`` does) is written as a
    safetensors file (``numtorch._safetensors_format``): no pickle, readable by the safetensors
    libraries. ``_use_new_zipfile_serialization=False`` writes PyTorch's legacy format.
    ``pickle_protocol`` is the protocol of the pickles inside (2, as PyTorch). Writing to a path
    is atomic: a failure midway leaves any previous file intact. ``pickle_module`` is accepted for
    PyTorch compatibility (numtorch's own pickler writes PyTorch's names).
    """
    if not isinstance(f, (str, os.PathLike)) and not callable(getattr(f, "write", None)):
        raise TypeError(
            f"save(): f must be a path (str or os.PathLike) or a binary file object with write(), "
            f"not {type(f).__name__}")
    if _wants_safetensors(f):
        _st.save_safetensors(obj, f)
        return
    if _use_new_zipfile_serialization:
        data = _tf.write_zip(obj, pickle_protocol)
    else:
        data = _tf.write_legacy(obj, pickle_protocol)
    if isinstance(f, (str, os.PathLike)):
        _st.atomic_write(os.fspath(f), data)
        return
    _st.write_all(f, data)
    if callable(getattr(f, "flush", None)):
        f.flush()


def _read(f, mmap):
    """(buffer, display name) of a path or a binary file object; the buffer is writable (or a
    copy-on-write map of the file with ``mmap=True``) so that tensors can view it."""
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        name = repr(path)
        if mmap and os.path.getsize(path) > 0:
            return np.memmap(path, dtype=np.uint8, mode="c"), name
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            data = bytearray(size)
            n = fh.readinto(data)
        return (data if n == size else data[:n]), name
    if mmap:
        raise ValueError("f must be a file path in order to use the mmap argument")
    if not callable(getattr(f, "read", None)):
        raise TypeError(
            f"load(): f must be a path (str or os.PathLike) or a binary file object with read(), "
            f"not {type(f).__name__}")
    data = f.read()
    if isinstance(data, str):
        raise TypeError("load(): the file object must be opened in binary mode ('rb')")
    label = getattr(f, "name", None)
    return bytearray(data), (repr(label) if isinstance(label, str) else f"<{type(f).__name__}>")


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None,
         **pickle_load_args):
    """Load an object saved with ``torch.save`` or ``numtorch.save`` from ``f`` (a path, a
    ``pathlib.Path`` or a binary file object): PyTorch's zip and legacy formats, and safetensors
    files.

    ``weights_only`` (default True, as in PyTorch 2.6+; False when a ``pickle_module`` is given):
    with True, only tensors, parameters, storages, dtypes, ``torch.Size``/``device``,
    ``OrderedDict``/``Counter``, plain containers and scalars, and the globals allowed with
    ``add_safe_globals`` / ``safe_globals`` can be loaded; anything else raises
    ``pickle.UnpicklingError`` naming the global, before any of it runs. With
    ``weights_only=False`` the file is unpickled fully, exactly as ``pickle`` would: **it can run
    arbitrary code, so use it only for files you trust** (it is what loads a whole model whose
    classes you have not allowed). PyTorch's module names (``torch.nn...``) resolve to numtorch's.

    ``map_location``: None, ``'cpu'``, a ``numtorch.device``, a dict ``{saved: target}`` of
    locations, or a callable ``(storage, location) -> storage or None``; storages saved on a GPU
    need one mapping them to the CPU (numtorch runs on the CPU only). ``mmap=True`` maps the file
    instead of reading it (``f`` must be a path); tensors are copy-on-write views of the map.
    ``bfloat16`` tensors are loaded as float32 (exactly), with a one-time warning.
    ``pickle_load_args`` go to the unpickler (``encoding=`` for Python 2 files).

    An empty, truncated or damaged file raises RuntimeError (``pickle.UnpicklingError`` for a
    damaged pickle) naming the file and what is wrong.
    """
    if weights_only is None:
        weights_only = pickle_module is None
    if weights_only and pickle_module is not None:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is specified")
    _st.check_map_location(map_location)
    data, name = _read(f, mmap)
    if len(data) == 0:
        raise RuntimeError(f"{name}: the file is empty, not a checkpoint")
    if _st.looks_like_safetensors(data):
        return _st.load_safetensors(data, name, map_location)
    if _tf.is_zip(data):
        return _tf.read_zip(data, name, map_location, weights_only, pickle_module,
                            pickle_load_args, verify=not mmap)
    if mmap:
        raise RuntimeError(f"{name}: mmap can only be used with files saved with "
                           "torch.save(_use_new_zipfile_serialization=True)")
    if _tf.is_legacy(data):
        return _tf.read_legacy(data, name, map_location, weights_only, pickle_module,
                               pickle_load_args)
    if len(data) > 262 and bytes(data[257:262]) == b"ustar":
        raise RuntimeError(f"{name} is in the tar format of PyTorch before 0.4, which numtorch "
                           "cannot read; load and re-save it with a recent PyTorch")
    return _st.load_safetensors(data, name, map_location)


def get_unsafe_globals_in_checkpoint(f):
    """The globals a checkpoint names that ``weights_only=True`` would refuse (neither built in
    nor allowed), as ``"module.name"`` strings; the file is only scanned, never unpickled."""
    import pickletools

    data, name = _read(f, False)
    if _tf.is_zip(data):
        with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
            pkl = next(n for n in zf.namelist() if n.endswith("/data.pkl"))
            blob, count = zf.read(pkl), 1
    else:
        blob, count = bytes(data), 5  # legacy: magic, version, sys_info, object, storage keys
    table = _tf.TORCH_GLOBALS
    allowed = _wou.user_allowed_globals()
    found = []
    start = 0
    for _ in range(count):
        strings = []
        for op, arg, pos in pickletools.genops(blob[start:]):
            if op.name == "STOP":
                start += pos + 1
                break
            if op.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE", "BINUNICODE8"):
                strings.append(arg)
            if op.name == "GLOBAL":
                module, _, attr = arg.partition(" ")
            elif op.name == "STACK_GLOBAL" and len(strings) >= 2:
                module, attr = strings[-2], strings[-1]
            else:
                continue
            module, attr = _wou._mapped(module, attr)
            full = f"{module}.{attr}"
            if full in table or full in _wou._BUILTIN_GLOBALS or full in allowed or \
                    _wou.canonical_name(full) in allowed:
                continue
            if full not in found:
                found.append(full)
    return found
