"""Reduction primitives: sum, max/min with indices, and the composites built on them."""

import numpy as np

from numtorch import _dtype
from numtorch.autograd.function import Primitive

__all__ = ["sum", "mean"]


def _dims(x_ndim, dim):
    """Normalize ``dim`` (None, int, or a tuple/list) to a sorted tuple of non-negative axes."""
    if dim is None:
        return tuple(range(x_ndim))
    if isinstance(dim, (int, np.integer)):
        dim = (int(dim),)
    out = []
    n = x_ndim
    lo, hi = (-1, 0) if n == 0 else (-n, n - 1)
    for d in dim:
        if not lo <= d <= hi:
            raise IndexError(
                f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {d})")
        d = d % n if n else 0
        if d in out:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        out.append(d)
    return tuple(sorted(out))


def _keep_shape(shape, axes):
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


class Sum(Primitive):
    """d sum(x) = ones_like(x) * grad: the gradient is expanded back over the summed axes."""

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape = x.shape
        ctx.axes = axes
        ctx.keepdim = keepdim
        if x.ndim == 0:
            return x.copy()
        return np.sum(x, axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad_output):
        g = grad_output
        if not ctx.keepdim:
            g = g.reshape(_keep_shape(ctx.shape, ctx.axes))
        return g.expand(ctx.shape), None, None


def sum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum over ``dim`` (all dims when None). Integer and bool tensors sum to int64, as in
    PyTorch."""
    x = input
    if dtype is not None:
        x = x.to(dtype)
    elif x._data.dtype.kind in "biu":
        x = x.to(_dtype.int64)
    axes = _dims(x._data.ndim, dim)
    return Sum.apply(x, axes, keepdim)


def mean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean over ``dim``; floating dtypes only (PyTorch raises for integers)."""
    x = input if dtype is None else input.to(dtype)
    if x._data.dtype.kind != "f":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {x.dtype.name.capitalize()}")
    axes = _dims(x._data.ndim, dim)
    n = 1
    for a in axes:
        n *= x._data.shape[a]
    return Sum.apply(x, axes, keepdim) / n if n else Sum.apply(x, axes, keepdim) * float("nan")


TENSOR_METHODS = {"sum": sum, "mean": mean}
