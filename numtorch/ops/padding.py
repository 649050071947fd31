"""Padding: constant padding of any number of dims, and reflect, replicate and circular
padding of the last 1, 2 or 3 dims (``nn.functional.pad``).

Constant padding is one primitive (``ConstantPad`` in ``ops/shape.py``, also behind ``narrow``:
negative widths crop); the other modes are built from ``narrow``, ``flip``, ``expand`` and
``cat``, so their gradients come from those ops.
"""

import numpy as np

from numtorch import _layout
from numtorch.ops import _scalars
from numtorch.ops.join import cat
from numtorch.ops.shape import ConstantPad, _shape_str, _size_args, clone, expand, flip, narrow

__all__ = ["constant_pad_nd"]


def constant_pad_nd(input, pad, value=0):
    """Pad with ``value``: ``pad`` lists ``(before, after)`` widths from the last dim
    backwards, as ``nn.functional.pad``; negative widths crop."""
    pad = _size_args((pad,))
    n = input._data.ndim
    if len(pad) % 2:
        raise RuntimeError(f"Padding length must be divisible by 2, got pad={tuple(pad)}")
    if len(pad) > 2 * n:
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input dimension but "
            f"got padding length {len(pad)} and input of dimension {n}")
    widths = [(0, 0)] * n
    for i in range(len(pad) // 2):
        d = n - 1 - i
        lo, hi = pad[2 * i], pad[2 * i + 1]
        if input._data.shape[d] + lo + hi < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
        widths[d] = (lo, hi)
    if value is None:
        value = 0
    # A copy even when every width crops, as PyTorch's pad.
    return ConstantPad.apply(input, tuple(widths), value, True)


def _pad_dim(x, d, lo, hi, mode):
    """One dim of reflect/replicate/circular padding, built from narrow/flip/expand/cat."""
    n = x._data.shape[d]
    if mode == "circular":
        # Negative widths crop first, then the rest wraps around (PyTorch's order).
        x = narrow(x, d, max(-lo, 0), n - max(-lo, 0) - max(-hi, 0))
        n = x._data.shape[d]
        lo, hi = max(lo, 0), max(hi, 0)
        parts = [narrow(x, d, n - lo, lo), x, narrow(x, d, 0, hi)]
        return cat([p for p in parts if p._data.shape[d]], d) if lo or hi else x
    plo, phi = max(lo, 0), max(hi, 0)
    if mode == "reflect":
        left = flip(narrow(x, d, 1, plo), (d,))
        right = flip(narrow(x, d, n - 1 - phi, phi), (d,))
    else:
        shape = list(x._data.shape)
        shape[d] = plo
        left = expand(narrow(x, d, 0, 1), tuple(shape))
        shape[d] = phi
        right = expand(narrow(x, d, n - 1, 1), tuple(shape))
    out = cat([p for p in (left, x, right) if p._data.shape[d]], d) if plo or phi else x
    m = out._data.shape[d]
    # Negative widths crop the padded result (PyTorch's index arithmetic gives the same).
    return narrow(out, d, max(-lo, 0), m - max(-lo, 0) - max(-hi, 0))


def pad(input, pad, mode="constant", value=None):
    """``nn.functional.pad``: ``pad`` = (last-dim before, last-dim after, next-to-last before,
    ...). ``constant`` pads any number of dims with ``value`` (negative widths crop);
    ``reflect``, ``replicate`` and ``circular`` pad the last 1, 2 or 3 dims of a batched or
    unbatched input, with PyTorch's limits (reflect widths below the size; circular at most
    once around)."""
    if mode == "constant":
        return constant_pad_nd(input, pad, 0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    pad = _size_args((pad,))
    if len(pad) % 2:
        raise RuntimeError(f"Padding length must be divisible by 2, got pad={tuple(pad)}")
    k = len(pad) // 2
    n = input._data.ndim
    if k not in (1, 2, 3) or n not in (k + 1, k + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {n}D input tensor.")
    shape = input._data.shape
    if mode != "circular" and any(s == 0 for s in shape[1:]) or (
            mode != "circular" and n == k + 1 and shape[0] == 0):
        raise RuntimeError(
            f"Expected {k + 1}D or {k + 2}D (batch mode) tensor with possibly 0 batch size and "
            f"other non-zero dimensions for input, but got: {_shape_str(shape)}")
    x = input
    for i in range(k):
        d = n - 1 - i
        lo, hi = pad[2 * i], pad[2 * i + 1]
        size = shape[d]
        if mode == "reflect" and (lo >= size or hi >= size):
            raise RuntimeError(
                "Argument #4: Padding size should be less than the corresponding input "
                f"dimension, but got: padding ({lo}, {hi}) at dimension {d} of input "
                f"{_shape_str(shape)}")
        if mode == "circular":
            if lo > size or hi > size:
                raise RuntimeError("Padding value causes wrapping around more than once.")
            if size + lo + hi <= 0:
                raise RuntimeError("Negative padding value is resulting in an empty dimension.")
        x = _pad_dim(x, d, lo, hi, mode)
    # PyTorch's layouts: reflect and replicate keep a channels-last input channels-last;
    # circular returns contiguous memory. Zero widths leave a view of the input, and PyTorch's
    # pad always returns new memory.
    fmt = (_layout.contiguous_format if mode == "circular"
           else _layout.suggest_memory_format(input._data))
    if np.may_share_memory(x._data, input._data) or not _layout.is_format(x._data, fmt):
        return clone(x, memory_format=fmt)
    return x


# PyTorch's TypeError for Python numbers in the arguments it requires to be tensors
_scalars.check_tensor_args(globals())
