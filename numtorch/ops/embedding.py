"""Lookup tables: ``embedding`` (rows of a weight picked by index, with ``padding_idx``,
``max_norm`` renormalization in place and ``scale_grad_by_freq``) and ``embedding_bag`` (the
sum, mean or max of each bag of rows, by offsets or by fixed-size bags). Composites of
tensor ops; ``nn.functional`` binds them.
"""

import numpy as np

from numtorch._tensor import Tensor, _wrap
from numtorch.ops import elementwise as _ew


# ====================================================================== embedding
def _check_indices(input, num_rows):
    arr = input._data
    if arr.dtype not in (np.int64, np.int32):
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar "
            f"types: Long, Int; but got {input.type()} instead (while checking arguments for "
            "embedding)")
    if arr.size and (arr.min() < 0 or arr.max() >= num_rows):
        bad = int(arr.min()) if arr.min() < 0 else int(arr.max())
        raise IndexError(f"index out of range in self (index {bad}, num_embeddings {num_rows})")


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """``weight[input]``: rows of the (num_embeddings, embedding_dim) table, shape
    (*input.shape, embedding_dim). Row ``padding_idx`` gets no gradient; ``max_norm`` first
    rescales (in place) the looked-up rows whose ``norm_type``-norm exceeds it;
    ``scale_grad_by_freq`` divides each row's gradient by its count in ``input``.
    ``sparse`` is accepted; gradients are dense."""
    if not isinstance(input, Tensor):
        input = _wrap(np.asarray(input))
    num_rows = weight.shape[0]
    if padding_idx is not None:
        if padding_idx > 0:
            if padding_idx >= num_rows:
                raise AssertionError("Padding_idx must be within num_embeddings")
        elif padding_idx < 0:
            if padding_idx < -num_rows:
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx = num_rows + padding_idx
    _check_indices(input, num_rows)
    idx = input._data
    if max_norm is not None:
        _embedding_renorm(weight, idx, max_norm, norm_type)
    out = weight[input]  # (*input.shape, embedding_dim)
    scale = None
    if padding_idx is not None:
        scale = (idx != padding_idx).astype(weight._data.dtype)
    if scale_grad_by_freq:
        uniq, inverse, counts = np.unique(idx, return_inverse=True, return_counts=True)
        freq = (1.0 / counts[inverse.reshape(idx.shape)]).astype(weight._data.dtype)
        scale = freq if scale is None else scale * freq
    if scale is not None and out.requires_grad:
        # Same values (the second term is exactly 0), gradient scaled by s per looked-up row.
        s = _wrap(scale[..., None])  # (*input.shape, 1)
        held = out.detach()
        out = held + (out - held) * s
    return out


def _embedding_renorm(weight, idx, max_norm, norm_type):
    """Rescale, in place and outside the graph, the rows of ``weight`` named in ``idx`` whose
    norm exceeds ``max_norm`` (PyTorch's ``embedding_renorm_``)."""
    rows = np.unique(idx)
    w = weight._data
    sel = w[rows].astype(np.float64)
    if norm_type == float("inf"):
        norms = np.abs(sel).max(axis=1)
    else:
        norms = (np.abs(sel) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
    w[rows] = (sel * scale[:, None]).astype(w.dtype)
    weight._bump()


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,
                  mode="mean", sparse=False, per_sample_weights=None, include_last_offset=False,
                  padding_idx=None):
    """Sums, means or maxima of bags of embeddings, without building the per-index embeddings'
    batch: (B, embedding_dim) for B bags.

    A 2-D ``input`` (B, L) is B bags of L indices; a 1-D ``input`` is cut into bags at
    ``offsets`` (bag i is ``input[offsets[i]:offsets[i+1]]``; ``include_last_offset`` makes the
    last offset the end). ``per_sample_weights`` (``mode="sum"`` only) scales each looked-up row;
    indices equal to ``padding_idx`` are left out (and not counted by the mean). An empty bag
    gives zeros. Composite: an embedding lookup, then the bags gathered as a (B, Lmax, D) block
    whose unused slots point at a filler row (0, or -inf for max), and one reduction."""
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"mode has to be one of sum, mean or max, but got {mode!r}")
    if not isinstance(input, Tensor):
        input = _wrap(np.asarray(input))
    idx = input._data
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated "
                             "is a mini-batch of fixed length sequences. However, found offsets "
                             f"of type {type(offsets)}")
        n_bags, length = idx.shape
        starts = np.arange(n_bags) * length
        ends = starts + length
    elif idx.ndim == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        off = offsets._data if isinstance(offsets, Tensor) else np.asarray(offsets)
        if off.ndim != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        off = off.astype(np.int64)
        if off.size and off[0] != 0:
            raise RuntimeError("offsets[0] has to be 0, i.e., the first sequence in the "
                               "mini-batch has to start from position 0. However, got "
                               f"{off[0]}")
        if off.size and off[-1] > idx.size:
            raise RuntimeError(f"offsets[-1] can not be greater than input's length "
                               f"{idx.size} but got offsets[-1] of {off[-1]}")
        if include_last_offset:
            starts, ends = off[:-1], off[1:]
        else:
            starts, ends = off, np.append(off[1:], idx.size)
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{idx.ndim}")
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError(
                "embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                f"supported for mode='sum' (got mode='{mode}'). Please open a feature request "
                "on GitHub.")
        if tuple(per_sample_weights.shape) != tuple(idx.shape):
            raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) "
                             f"is not None, then it must have the same shape as the input "
                             f"({input.shape})")
    flat = input.reshape(-1)
    if padding_idx is not None and padding_idx < 0:
        padding_idx += weight.shape[0]
    rows = embedding(flat, weight, None, max_norm, norm_type, scale_grad_by_freq)  # (N, D)
    if per_sample_weights is not None:
        rows = rows * per_sample_weights.reshape(-1, 1)
    n, dim = rows.shape
    lengths = ends - starts
    width = max(int(lengths.max()) if lengths.size else 0, 1)
    slot = np.arange(width)
    pos = starts[:, None] + slot[None, :]  # (B, Lmax)
    valid = slot[None, :] < lengths[:, None]
    pos = np.where(valid, pos, n)
    if padding_idx is not None:
        flat_idx = np.append(idx.reshape(-1), -1)
        valid &= flat_idx[pos] != padding_idx
        pos = np.where(valid, pos, n)
    fill = -np.inf if mode == "max" else 0.0
    from numtorch._creation import full
    from numtorch.ops.join import cat

    table = cat([rows, full((1, dim), fill, dtype=rows.dtype)])  # (N + 1, D)
    bags = table[_wrap(pos)]  # (B, Lmax, D)
    counts = valid.sum(axis=1)
    if mode == "sum":
        return bags.sum(1)
    if mode == "mean":
        denom = np.maximum(counts, 1).astype(rows._data.dtype)[:, None]
        return bags.sum(1) / _wrap(denom)
    out = bags.max(1)[0]  # the gradient goes to one arg-max per bag, as in PyTorch
    return _ew.where(_wrap((counts == 0)[:, None]), 0.0, out)
