"""Small numerical routines written with the other families' ops (their gradients come from
those): ``renorm``, ``histogram`` and ``unravel_index``. (The trapezoidal rule is in
``statistics.py``.)
"""

import numbers
import operator

import numpy as np

from numtorch import _dtype, return_types
from numtorch._tensor import Tensor, _wrap
from numtorch.ops import elementwise as ew
from numtorch.ops._out import accepts_out
from numtorch.ops._scalars import require_tensors
from numtorch.ops.linalg_norms import vector_norm
from numtorch.ops.views import _wrap_dim

__all__ = ["renorm", "histogram", "unravel_index"]


# ====================================================================== renorm
def renorm(input, p, dim, maxnorm):
    """Each slice ``input.select(dim, i)`` whose ``p``-norm exceeds ``maxnorm`` scaled down to
    norm ``maxnorm``: ``x * maxnorm / (norm + 1e-7)`` (PyTorch's epsilon); the others kept.
    The gradient flows through the norm too."""
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    nd = input._data.ndim
    if nd <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {nd} dimensions")
    d = _wrap_dim(dim, nd)
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {_dtype.scalar_type_name(input.dtype)}")
    others = tuple(i for i in range(nd) if i != d)
    norm = vector_norm(input, p, dim=others, keepdim=True)  # 1 along every dim but d
    scale = ew.where(norm > maxnorm, maxnorm / (norm + 1e-7), 1.0)
    return input * scale.to(input.dtype)


# ====================================================================== histogram
def histogram(input, bins, *, range=None, weight=None, density=False):
    """(hist, bin_edges): counts (or summed ``weight``) of ``input``'s values in ``bins`` equal
    bins over ``range`` (default: the values' min and max, widened by 0.5 each way when they
    are equal), or in the bins between the edges of a ``bins`` tensor. Every bin is
    half-open except the last, which holds its right edge. ``density`` divides by the total
    and the bin widths, so the histogram integrates to 1. Floating inputs only; no gradient."""
    if not isinstance(input, Tensor):
        raise TypeError(f"histogram(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f'"histogramdd" not implemented for '
                                  f"'{_dtype.scalar_type_name(input.dtype)}'")
    np_dt = input._data.dtype
    values = input._data.reshape(-1)
    w = None
    if weight is not None:
        if tuple(weight.shape) != tuple(input.shape):
            raise RuntimeError(f"torch.histogramdd: if weight tensor is provided it should have "
                               f"the same shape as the input tensor excluding its innermost "
                               f"dimension, but got input with shape {list(input.shape)} and "
                               f"weight with shape {list(weight.shape)}")
        w = weight._data.reshape(-1)
    if isinstance(bins, Tensor):
        if bins._data.ndim != 1 or bins._data.shape[0] < 1:
            raise RuntimeError("torch.histogramdd: bins tensor should have one dimension and at "
                               f"least 1 entry, but got shape {list(bins.shape)}")
        edges = bins._data.astype(np_dt)
        if np.any(np.diff(edges) < 0):
            raise RuntimeError("torch.histogramdd: bin edges must be increasing")
    else:
        if not isinstance(bins, numbers.Integral) or bins <= 0:
            raise RuntimeError(f"torch.histogramdd(): bins must be > 0, but got {bins} for "
                               "dimension 0")
        if range is not None:
            lo, hi = (float(v) for v in range)
            if lo > hi:
                raise RuntimeError(f"torch.histogramdd: min should not exceed max, but got min "
                                   f"{lo:g} max {hi:g} for dimension 0")
        elif values.size:
            lo, hi = float(values.min()), float(values.max())
        else:
            lo, hi = 0.0, 1.0
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise RuntimeError(f"torch.histogramdd: dimension 0's range [{lo}, {hi}] is not "
                               "finite")
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges = np.linspace(lo, hi, operator.index(bins) + 1).astype(np_dt)
    hist, _ = np.histogram(values, edges, weights=w)
    hist = hist.astype(np_dt)
    if density:
        total = hist.sum()
        hist = hist / (total * np.diff(edges)) if total else hist
        hist = hist.astype(np_dt)
    return return_types.histogram((_wrap(hist), _wrap(edges)))


# ====================================================================== indices
def unravel_index(indices, shape):
    """The coordinates, one tensor per dim of ``shape``, of the flat (row-major) ``indices``;
    out-of-range and negative indices wrap around, as in PyTorch."""
    if not isinstance(indices, Tensor):
        raise TypeError(f"expected 'indices' to be integer tensor, but got "
                        f"{type(indices).__name__}")
    if indices._data.dtype.kind not in "iu":
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    if isinstance(shape, numbers.Integral):
        shape = (shape,)
    shape = tuple(operator.index(s) for s in shape)
    if any(s < 0 for s in shape):
        raise ValueError("'shape' cannot have negative values, but got "
                         f"{tuple(shape)}")
    idx = indices._data.astype(np.int64)
    coords = []
    for s in reversed(shape):
        if s == 0:
            raise RuntimeError(f"index out of bounds for shape {tuple(shape)} with zero "
                               "elements")
        coords.append(np.mod(idx, s))
        idx = np.floor_divide(idx, s)
    return tuple(_wrap(c) for c in reversed(coords))


TENSOR_METHODS = {"renorm": renorm, "histogram": histogram}
INPLACE_METHODS = {"renorm_": renorm}

# PyTorch's out= on the functions (the Tensor methods above have none)
renorm, histogram = map(accepts_out, (renorm, histogram))
renorm = require_tensors("renorm", renorm, ("input",))
