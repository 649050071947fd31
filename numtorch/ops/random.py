"""Random masks: dropout and its feature-wise and self-normalizing variants.

A dropout is ``input * mask`` with a constant mask drawn from numtorch's generator (or the given
``generator=``), already scaled by 1 / (1 - p), so the product's own gradient rule is the
dropout's: the gradient flows through kept elements, scaled, and is zero for dropped ones.
"""

import numpy as np

from numtorch import _layout, _random
from numtorch._tensor import _wrap

__all__ = ["dropout", "alpha_dropout", "feature_dropout", "feature_alpha_dropout",
           "dropout_mask"]

# -selu_scale * selu_alpha: where SELU saturates; alpha dropout drops to this value.
_ALPHA_PRIME = 1.7580993408473766


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def dropout_mask(shape, p, dtype, generator=None):
    """Bernoulli(1 - p) keep-mask of ``shape`` as a new array of ``dtype`` (1 kept, 0 dropped).

    The uniforms are float32 unless ``dtype`` is float64, and the comparison writes the mask
    into their own memory: no float64 temporary twice the size of a float32 activation (the
    mask of a (2048, 2048) activation was about 40% of a dropout's forward and backward)."""
    rng = _random._gen(generator)
    dtype = np.dtype(dtype)
    u = rng.random(shape, dtype=np.float64 if dtype == np.float64 else np.float32)
    if u.dtype != dtype:
        return (u >= p).astype(dtype)
    np.greater_equal(u, p, out=u)  # 1.0 where kept, 0.0 where dropped
    return u


def _feature_shape(input, spatial):
    """Mask shape for channel-wise dropout: (N, C, 1, ...) batched, (C, 1, ...) unbatched."""
    shape = input.shape
    batched = input.ndim == spatial + 2
    lead = 2 if batched else 1
    return tuple(shape[:lead]) + (1,) * (input.ndim - lead)


def _layout_mask(input, mask_shape, p, dtype, generator):
    """``dropout_mask`` laid out like ``input`` when it has ``input``'s shape (a channels-last
    input keeps its layout through ``input * mask``, as in PyTorch)."""
    if tuple(mask_shape) == tuple(input.shape) and _layout.is_channels_last(input._data):
        shape = tuple(mask_shape)
        mask = dropout_mask(shape[:1] + shape[2:] + shape[1:2], p, dtype, generator)
        return np.moveaxis(mask, -1, 1)  # (N, C, *S) view of (N, *S, C)
    return dropout_mask(mask_shape, p, dtype, generator)


def _apply_mask(input, mask_shape, p, generator):
    np_dt = input._data.dtype
    if p == 1.0:
        # NOTE: everything is dropped; multiplying by 0 (not by the inf scale) keeps it finite.
        return input * _wrap(np.zeros((1,) * input.ndim, dtype=np_dt))
    mask = _layout_mask(input, mask_shape, p, np_dt, generator)  # a new array, or a view of one
    mask *= np_dt.type(1.0 / (1.0 - p))  # scaled in place
    return input * _wrap(mask)


def dropout(input, p=0.5, train=True, *, generator=None):
    """Zero each element with probability ``p`` and scale the kept ones by 1 / (1 - p); the
    identity when not ``train`` (or p = 0)."""
    _check_p(p)
    if not train or p == 0.0:
        return input
    return _apply_mask(input, input.shape, p, generator)


def feature_dropout(input, p=0.5, train=True, *, spatial=None, generator=None):
    """Channel-wise dropout: whole channels (dim 1, or dim 0 when unbatched) are zeroed.
    ``spatial`` is the number of spatial dims (input is batched when it has spatial + 2 dims);
    by default every input is taken as batched."""
    _check_p(p)
    if not train or p == 0.0:
        return input
    if spatial is None:
        spatial = input.ndim - 2
    return _apply_mask(input, _feature_shape(input, spatial), p, generator)


def _alpha(input, mask_shape, p, generator):
    np_dt = input._data.dtype
    if p == 1.0:
        return input * 0
    keep = _layout_mask(input, mask_shape, p, np_dt, generator)
    a = 1.0 / np.sqrt((_ALPHA_PRIME * _ALPHA_PRIME * p + 1) * (1 - p))
    # dropped elements become -alpha' (SELU's saturation), then (x*mask + shift) is renormalized
    # to keep zero mean and unit variance: out = a * x * keep + (a * alpha' * (keep - 1 + p)).
    shift = ((keep - 1 + p) * (_ALPHA_PRIME * a)).astype(np_dt)
    return input * _wrap((keep * a).astype(np_dt)) + _wrap(shift)


def alpha_dropout(input, p=0.5, train=False, *, generator=None):
    """Dropout for SELU networks: keeps mean and variance of the input (see ``AlphaDropout``)."""
    _check_p(p)
    if not train or p == 0.0:
        return input
    return _alpha(input, input.shape, p, generator)


def feature_alpha_dropout(input, p=0.5, train=False, *, generator=None):
    """Channel-wise alpha dropout (whole channels along dim 1)."""
    _check_p(p)
    if not train or p == 0.0:
        return input
    return _alpha(input, _feature_shape(input, input.ndim - 2), p, generator)

