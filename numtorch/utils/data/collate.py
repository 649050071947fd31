"""``default_collate``: turn a list of samples into a batch, as PyTorch's DataLoader does.

Tensors and NumPy arrays are stacked into a tensor with a new leading dimension; Python floats
become a float64 tensor, ints an int64 tensor, bools a bool tensor (PyTorch's choices); strings
stay a list; dicts, namedtuples, tuples and lists are collated field by field (a batch of
``(x, y)`` tuples gives ``[X, Y]``).
"""

import collections.abc
import copy
import numbers

import numpy as np

from numtorch._tensor import Tensor, _wrap

__all__ = ["default_collate", "default_convert"]

_ERR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
        "found {}")


def _stack(arrays):
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        first = arrays[0].shape
        for i, a in enumerate(arrays):
            if a.shape != first:
                raise RuntimeError(
                    f"stack expects each tensor to be equal size, but got "
                    f"[{', '.join(map(str, first))}] at entry 0 and "
                    f"[{', '.join(map(str, a.shape))}] at entry {i}")
    return _wrap(np.stack(arrays))


def default_collate(batch):
    """Collate a list of samples into a batch (see the module docstring)."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack([b._data for b in batch])
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "OUSV":
            raise TypeError(_ERR.format(elem.dtype))
        return _stack([np.asarray(b) for b in batch])
    if isinstance(elem, np.generic):
        if elem.dtype.kind in "OUSV":
            raise TypeError(_ERR.format(elem.dtype))
        return _wrap(np.array(batch))
    if isinstance(elem, bool):
        return _wrap(np.array(batch, dtype=np.bool_))
    if isinstance(elem, float):
        return _wrap(np.array(batch, dtype=np.float64))
    if isinstance(elem, numbers.Integral):
        return _wrap(np.array(batch, dtype=np.int64))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        return _same_mapping(elem, collated)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        # (the samples of a field stay a tuple: a field of strings collates to that tuple)
        return type(elem)(*(default_collate(s) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [default_collate(s) for s in transposed]
        return _same_sequence(elem, [default_collate(s) for s in transposed])
    raise TypeError(_ERR.format(type(elem)))


def _same_mapping(elem, items):
    """``items`` (a dict) in ``elem``'s mapping type, as PyTorch builds it: a copy of a mutable
    mapping updated (so ``defaultdict``'s factory and a subclass's attributes survive), the type
    called on a dict otherwise, a plain dict when that fails."""
    try:
        if isinstance(elem, collections.abc.MutableMapping):
            clone = copy.copy(elem)
            clone.update(items)
            return clone
        return type(elem)(items)
    except TypeError:
        return items


def _same_sequence(elem, items):
    """``items`` (a list) in ``elem``'s sequence type, the same way as ``_same_mapping``."""
    try:
        if isinstance(elem, collections.abc.MutableSequence):
            clone = copy.copy(elem)
            for i, item in enumerate(items):
                clone[i] = item
            return clone
        return type(elem)(items)
    except TypeError:
        return items


def default_convert(data):
    """What a DataLoader with ``batch_size=None`` does to each sample: NumPy arrays become
    tensors, containers are converted element by element, everything else is left alone."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray) and data.dtype.kind not in "OUSV":
        return _wrap(data)
    if isinstance(data, np.generic) and data.dtype.kind not in "OUSV":
        return _wrap(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        return _same_mapping(data, {k: default_convert(v) for k, v in data.items()})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _same_sequence(data, [default_convert(d) for d in data])
    return data
