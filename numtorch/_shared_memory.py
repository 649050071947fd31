"""Tensors in shared memory (``Tensor.share_memory_()``), for ``numtorch.multiprocessing``.

``share(arr)`` copies an array into a new block of shared memory: a file in ``/dev/shm`` (the
system's temporary folder where there is none) mapped with ``mmap``, so every process that maps
it reads and writes the same pages. When such a tensor is sent to another process through
``multiprocessing`` (a ``Process``'s arguments under ``spawn`` or ``forkserver``, a ``Queue``),
``multiprocessing``'s pickler sends the block's name and the array's layout instead of its
values, and the receiver maps the same block: an update made by one process (an optimizer step
on a shared parameter) is seen by all, as PyTorch's ``file_system`` sharing strategy does.
Under ``fork`` children inherit the mapping itself.

Lifetime: the process that created a block removes its file when its own array is freed or at
exit; processes that mapped it keep their mapping (the pages live until the last one unmaps).
A block must therefore reach the receiving process while its creator still holds it, as is the
case when the parent keeps the model it shares and joins its workers.
"""

import atexit
import itertools
import mmap
import os
import tempfile
import weakref

import numpy as np

__all__ = ["share", "is_shared", "register_reductions"]

_DIR = "/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir()
_counter = itertools.count()
_blocks = weakref.WeakValueDictionary()  # name -> mmap, for blocks this process maps
_names = {}  # id(mmap) -> name
_created = {}  # name -> pid of the process that created the file (removed at exit)


def _unlink(path, owner_pid):
    if os.getpid() == owner_pid:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        _created.pop(os.path.basename(path), None)


def _remember(name, block):
    _blocks[name] = block
    _names[id(block)] = name
    weakref.finalize(block, _names.pop, id(block), None)


def share(arr):
    """A C-contiguous copy of ``arr`` in a new shared-memory block."""
    arr = np.asarray(arr)
    nbytes = max(arr.nbytes, 1)  # mmap refuses empty mappings
    name = f"numtorch_{os.getpid()}_{next(_counter)}"
    path = os.path.join(_DIR, name)
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
    try:
        os.ftruncate(fd, nbytes)
        block = mmap.mmap(fd, nbytes)
    finally:
        os.close(fd)
    _created[name] = os.getpid()
    _remember(name, block)
    weakref.finalize(block, _unlink, path, os.getpid())
    out = np.ndarray(arr.shape, dtype=arr.dtype, buffer=block)
    out[...] = arr
    return out


def _block_of(arr):
    """The shared-memory block behind ``arr`` and ``arr``'s byte offset in it, or None."""
    base = arr
    while isinstance(base, np.ndarray) and base.base is not None:
        base = base.base
    if isinstance(base, mmap.mmap) and id(base) in _names:
        start = np.frombuffer(base, dtype=np.uint8, count=0).__array_interface__["data"][0]
        return base, arr.__array_interface__["data"][0] - start
    return None


def is_shared(arr):
    return _block_of(arr) is not None


def _attach(name):
    block = _blocks.get(name)
    if block is None:
        path = os.path.join(_DIR, name)
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            raise RuntimeError(
                f"shared memory block {name} is gone: the process that shared the tensor "
                "released it before this process received it") from None
        try:
            block = mmap.mmap(fd, 0)
        finally:
            os.close(fd)
        _remember(name, block)
    return block


def _rebuild_shared(name, dtype, shape, strides, offset, requires_grad, cls):
    from numtorch._tensor import _rebuild

    register_reductions()
    block = _attach(name)
    arr = np.ndarray(shape, dtype=np.dtype(dtype), buffer=block, offset=offset,
                     strides=strides)
    return _rebuild(arr, requires_grad, cls)


def _reduce_tensor(t):
    found = _block_of(t._data)
    if found is None:
        return t.__reduce_ex__(4)
    block, offset = found
    arr = t._data
    return (_rebuild_shared, (_names[id(block)], arr.dtype.str, arr.shape, arr.strides, offset,
                              t._requires_grad, type(t)))


def _subclasses(cls):
    yield cls
    for sub in cls.__subclasses__():
        yield from _subclasses(sub)


def register_reductions():
    """Teach ``multiprocessing``'s pickler to send shared tensors (of every Tensor class known
    now, as it dispatches on the exact type) by reference."""
    from multiprocessing.reduction import ForkingPickler

    from numtorch._tensor import Tensor

    for cls in _subclasses(Tensor):
        ForkingPickler.register(cls, _reduce_tensor)


@atexit.register
def _remove_created():
    for name, pid in list(_created.items()):
        _unlink(os.path.join(_DIR, name), pid)
