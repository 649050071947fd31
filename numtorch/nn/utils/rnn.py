"""Variable-length sequences for recurrent layers (PyTorch's ``torch.nn.utils.rnn``).

A ``PackedSequence`` stores a batch of sequences time-major without padding: ``data`` holds, for
each time step ``t``, the ``batch_sizes[t]`` sequences still running at ``t`` (sequences sorted
by decreasing length, so these are always the first ones). ``sorted_indices`` maps the sorted
order back to the caller's batch order (None when the batch was already sorted).

Packing and unpacking are single gathers (``index_select``) with an index computed in NumPy, so
gradients flow through them to the padded tensors.
"""

from collections import namedtuple

import numpy as np

from numtorch import _dtype
from numtorch._tensor import Tensor, _wrap
from numtorch.ops.join import cat

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence",
           "pad_sequence", "unpad_sequence", "pack_sequence", "unpack_sequence"]

_PackedSequenceBase = namedtuple("PackedSequence_",
                                 ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])


def _long(values):
    return _wrap(np.asarray(values, dtype=np.int64))


def invert_permutation(permutation):
    """The inverse of a permutation tensor (None stays None)."""
    if permutation is None:
        return None
    perm = permutation._data
    inv = np.empty_like(perm)
    inv[perm] = np.arange(perm.size, dtype=perm.dtype)
    return _wrap(inv)


class PackedSequence(_PackedSequenceBase):
    """``PackedSequence(data, batch_sizes, sorted_indices=None, unsorted_indices=None)``.

    A named tuple, as in PyTorch; build it with ``pack_padded_sequence`` or ``pack_sequence``
    rather than by hand. ``unsorted_indices`` is derived from ``sorted_indices`` when omitted.
    """

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            raise ValueError("batch_sizes should always be a tensor of the batch size of "
                             "each time step; build packed sequences with "
                             "pack_padded_sequence or pack_sequence")
        if not isinstance(batch_sizes, Tensor):
            batch_sizes = _long(batch_sizes)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def _with_data(self, data):
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def to(self, *args, **kwargs):
        """``data.to(...)``; the index tensors stay where they are (there is only the CPU)."""
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else self._with_data(data)

    def cpu(self, *args, **kwargs):
        return self

    def cuda(self, *args, **kwargs):
        return self._with_data(self.data.cuda(*args, **kwargs))

    def pin_memory(self):
        return self

    def double(self):
        return self.to(dtype=_dtype_of("float64"))

    def float(self):
        return self.to(dtype=_dtype_of("float32"))

    def half(self):
        return self.to(dtype=_dtype_of("float16"))

    def long(self):
        return self.to(dtype=_dtype_of("int64"))

    def int(self):
        return self.to(dtype=_dtype_of("int32"))

    def short(self):
        return self.to(dtype=_dtype_of("int16"))

    def char(self):
        return self.to(dtype=_dtype_of("int8"))

    def byte(self):
        return self.to(dtype=_dtype_of("uint8"))

    @property
    def is_cuda(self):
        return False

    def is_pinned(self):
        return False


def _dtype_of(name):
    return getattr(_dtype, name)


def _lengths_array(lengths):
    if isinstance(lengths, Tensor):
        arr = lengths._data
        if arr.ndim != 1:
            raise RuntimeError("'lengths' argument should be a 1D CPU int64 tensor, but got "
                               f"{arr.ndim}D cpu {_type_word(arr.dtype)} tensor")
        return arr.astype(np.int64)
    arr = np.asarray(lengths)
    if arr.ndim != 1:
        raise RuntimeError("'lengths' argument should be a 1D CPU int64 tensor, but got "
                           f"{arr.ndim}D cpu {_type_word(arr.dtype)} tensor")
    return arr.astype(np.int64)


def _type_word(dt):
    return {"int64": "Long", "int32": "Int", "float32": "Float", "float64": "Double",
            "bool": "Bool"}.get(np.dtype(dt).name, np.dtype(dt).name)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch ``input`` (T, B, *) — (B, T, *) with ``batch_first`` — whose
    sequence ``b`` has ``lengths[b]`` valid steps.

    With ``enforce_sorted=True`` the lengths must be in decreasing order; otherwise the batch is
    sorted here and ``sorted_indices``/``unsorted_indices`` record the permutation.
    Differentiable with respect to ``input``.

    Differences from PyTorch: a length longer than the time dimension raises a RuntimeError
    (PyTorch reads past the end without a check).
    """
    lengths = _lengths_array(lengths)
    if enforce_sorted:
        if lengths.size > 1 and np.any(lengths[1:] > lengths[:-1]):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement if you do not need ONNX "
                "exportability.")
        order = np.arange(lengths.size)
        sorted_indices = None
    else:
        order = np.argsort(-lengths, kind="stable")
        lengths = lengths[order]
        sorted_indices = _long(order)
    shape = tuple(input.shape)
    t_in, n_in = (shape[1], shape[0]) if batch_first else (shape[0], shape[1])
    if lengths.size != n_in:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{lengths.size} (batch_size={n_in})")
    if lengths.size and lengths[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an "
                           "element in 'lengths' that is <= 0")
    max_len = int(lengths[0]) if lengths.size else 0
    if max_len > t_in:
        raise RuntimeError(f"a length in 'lengths' ({max_len}) exceeds the sequence dimension "
                           f"of the input ({t_in})")
    steps = np.arange(max_len)
    active = lengths[None, :] > steps[:, None]  # (T, B) in sorted order
    batch_sizes = active.sum(1)
    t_idx, j_idx = np.nonzero(active)  # row-major: time-major packed order
    b_idx = order[j_idx]
    flat = b_idx * t_in + t_idx if batch_first else t_idx * n_in + b_idx
    rows = input.reshape(t_in * n_in, *shape[2:])  # (T*B, *)
    data = rows.index_select(0, _long(flat))
    return PackedSequence(data, _long(batch_sizes), sorted_indices, None)


def _positions(batch_sizes):
    """For each (t, j) of the sorted batch, the packed row, or -1 where sequence j has ended."""
    bs = np.asarray(batch_sizes, dtype=np.int64)
    n = int(bs[0]) if bs.size else 0
    active = np.arange(n)[None, :] < bs[:, None]  # (T, N)
    pos = np.full(active.shape, -1, dtype=np.int64)
    pos[active] = np.arange(int(bs.sum()))
    return pos, active.sum(0)  # lengths of the sorted sequences


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Unpack a ``PackedSequence`` into ``(padded, lengths)``: ``padded`` is (T, B, *) — (B, T,
    *) with ``batch_first`` — in the original batch order, filled with ``padding_value`` past
    each sequence's end, with ``T = total_length`` if given; ``lengths`` is an int64 tensor.
    Differentiable with respect to ``sequence.data``."""
    data = sequence.data
    pos, lengths = _positions(sequence.batch_sizes._data)
    max_len = pos.shape[0]
    if total_length is not None:
        if total_length < max_len:
            raise ValueError("Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max "
                             f"sequence length being {max_len}")
        extra = np.full((total_length - max_len, pos.shape[1]), -1, dtype=np.int64)
        pos = np.concatenate([pos, extra])
    if sequence.unsorted_indices is not None:
        unsorted = sequence.unsorted_indices._data
        pos = pos[:, unsorted]
        lengths = lengths[unsorted]
    if batch_first:
        pos = pos.T
    rest = tuple(data.shape[1:])
    n_rows = data.shape[0]
    pos = np.where(pos < 0, n_rows, pos)  # the padding row appended below
    fill = _wrap(np.full((1,) + rest, padding_value, dtype=data._data.dtype))
    padded = cat([data, fill]).index_select(0, _long(pos.ravel()))
    return padded.reshape(*pos.shape, *rest), _long(lengths)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack tensors of shapes (L_i, *) into (max L, B, *) — (B, max L, *) with
    ``batch_first`` — padding with ``padding_value`` on ``padding_side`` ("right" or "left")."""
    if padding_side not in ("left", "right"):
        raise RuntimeError("Expected padding_side to be one of left or right, but got "
                           f"{padding_side}.")
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    rest = tuple(sequences[0].shape[1:])
    for s in sequences[1:]:
        other = tuple(s.shape[1:])
        if other != rest:
            dim = next((k for k, (a, b) in enumerate(zip(other, rest)) if a != b), 0)
            raise RuntimeError(
                f"The size of tensor a ({rest[dim] if rest else 0}) must match the size of "
                f"tensor b ({other[dim] if other else 0}) at non-singleton dimension {dim + 1}")
    lengths = np.array([s.shape[0] for s in sequences], dtype=np.int64)
    max_len = int(lengths.max())
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    steps = np.arange(max_len)[:, None]  # (T, 1)
    if padding_side == "right":
        local = steps
    else:
        local = steps - (max_len - lengths)[None, :]
    valid = (local >= 0) & (local < lengths[None, :])  # (T, B)
    total = int(lengths.sum())
    pos = np.where(valid, starts[None, :] + local, total)
    if batch_first:
        pos = pos.T
    fill = _wrap(np.full((1,) + rest, padding_value, dtype=sequences[0]._data.dtype))
    rows = cat(list(sequences) + [fill])  # (sum L_i + 1, *)
    return rows.index_select(0, _long(pos.ravel())).reshape(*pos.shape, *rest)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The inverse of ``pad_sequence``: the list of (L_i, *) tensors.

    Difference from PyTorch: a time-major ``padded_sequences`` is left as it is (PyTorch
    transposes it in place)."""
    lengths = _lengths_array(lengths)
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)  # (B, T, *)
    return [padded_sequences[b, :int(n)] for b, n in enumerate(lengths)]


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of (L_i, *) tensors (by decreasing length unless ``enforce_sorted=False``)."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """The inverse of ``pack_sequence``: the list of (L_i, *) tensors, in the original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
