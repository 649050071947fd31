"""What every reduction shares: ``dim`` arguments made axes (``_dims``, PyTorch's range and
duplicate errors), the reduced and kept shapes, a reduced gradient put back to its input's shape
(``_unsqueeze``, ``_expand_back``), the dtype names of messages, and the even split of a
gradient among tied elements (``_even_split``). The lowest file of the reduction family."""

import math

import numpy as np

from numtorch._tensor import Tensor, _wrap
from numtorch.autograd.function import _grad_state
from numtorch.ops import elementwise as ew
from numtorch.ops._out import _kernel_name as _scalar_name  # noqa: F401  (PyTorch's dtype names)


# ====================================================================== dims
def _wrap_dim(ndim, d):
    """One dim as a non-negative axis, with PyTorch's IndexError when out of range."""
    lo, hi = (-1, 0) if ndim == 0 else (-ndim, ndim - 1)
    if not lo <= d <= hi:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {d})")
    return d % ndim if ndim else 0


def _dims(ndim, dim, empty_all=True):
    """Normalize ``dim`` (None, int, or a tuple/list) to a sorted tuple of non-negative axes.

    ``None`` means every axis; an empty tuple means every axis too when ``empty_all`` (sum,
    mean, amax…) and no axis otherwise (all/any). A 0-d tensor accepts dim 0 or -1 and has no
    axis to reduce."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (int, np.integer)):
        dims = (int(dim),)
    else:
        dims = tuple(dim)
        if not dims:
            return tuple(range(ndim)) if empty_all else ()
    out = []
    for d in dims:
        a = _wrap_dim(ndim, int(d))
        if a in out:
            raise RuntimeError(f"dim {a} appears multiple times in the list of dims")
        out.append(a)
    return tuple(sorted(out)) if ndim else ()


def _int_dim(name, dim):
    """Ops that take one dim only raise PyTorch's TypeError for a tuple."""
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{name}(): argument 'dim' must be int, not {type(dim).__name__}")
    return int(dim)


def _keep_shape(shape, axes):
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _out_shape(shape, axes, keepdim):
    if keepdim:
        return _keep_shape(shape, axes)
    return tuple(s for i, s in enumerate(shape) if i not in axes)


def _count(shape, axes):
    return math.prod(shape[a] for a in axes)


def _unsqueeze(t, shape, axes, keepdim):
    """A reduced gradient/output reshaped with size-1 dims at ``axes``, ready to broadcast."""
    if keepdim or not axes:
        return t
    return t.reshape(_keep_shape(shape, axes))


def _expand_back(t, shape, axes, keepdim):
    """A reduction's gradient ``t`` broadcast back to the input's ``shape`` (a read-only view).
    When no graph is recorded (the usual backward) the view is made in NumPy directly; under
    ``create_graph`` it is made with differentiable ops."""
    if not _grad_state.enabled:
        g = t._data
        if not keepdim and axes:
            g = g.reshape(_keep_shape(shape, axes))
        return _wrap(np.broadcast_to(g, shape))
    return _unsqueeze(t, shape, axes, keepdim).expand(shape)


def _check_nonempty(name, shape, axes, dim_given):
    """Selections have no identity: PyTorch refuses to reduce an empty dimension."""
    if not dim_given and math.prod(shape) == 0:
        raise RuntimeError(
            f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify "
            "the reduction dim with the 'dim' argument.")
    for a in axes:
        if shape[a] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {a} to have non-zero size.")


def _require_float(name, x, message=None):
    if x._data.dtype.kind != "f":
        raise RuntimeError(message or f"{name}(): expected input to have floating point or "
                                      f"complex dtype but got {_scalar_name(x._data)}")


def _even_split(g, x, out_keep, axes):
    """The gradient of a selection that cannot tell tied elements apart: split evenly among
    every element equal to the result (NaN matching NaN), as PyTorch's full ``max()``."""
    xd = x._data
    od = out_keep._data if isinstance(out_keep, Tensor) else out_keep
    mask = xd == od
    if xd.dtype.kind == "f":
        mask |= np.isnan(xd) & np.isnan(od)
    count = np.sum(mask, axis=axes, keepdims=True)
    dt = xd.dtype if xd.dtype.kind == "f" else np.float64
    scale = np.divide(mask, count, out=np.zeros(xd.shape, dtype=dt), where=count > 0)
    return ew._mask_mul(g, _wrap(scale))  # (0 where not selected, even for an infinite g)
