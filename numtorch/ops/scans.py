"""Scans along one dimension: ``cumsum``, ``cumprod``, ``logcumsumexp`` (their gradients are
reversed scans) and the running selections ``cummax``/``cummin`` (values and indices; the
gradient goes to the index each position took)."""

import numpy as np

from numtorch import return_types
from numtorch._tensor import _wrap
from numtorch.autograd.function import Primitive
from numtorch.ops import elementwise as ew
from numtorch.ops._out import _kernel_name
from numtorch.ops._reduce_dims import (
    _int_dim,
    _wrap_dim,
)
from numtorch.ops.minmax import GatherDim
from numtorch.ops.sums import (
    Prod,
    Sum,
    _sum_dtype,
)

__all__ = [
    "cumsum", "cumprod", "cummax", "cummin", "logcumsumexp",
]


class Cumsum(Primitive):
    """d cumsum(x) = reversed cumsum of grad (``reverse`` runs the sum from the end)."""

    @staticmethod
    def forward(ctx, x, axis, reverse):
        ctx.axis = axis
        ctx.reverse = reverse
        if x.ndim == 0:
            return x.copy()
        if reverse:
            out = np.flip(np.cumsum(np.flip(x, axis), axis=axis, dtype=x.dtype), axis)
        else:
            out = np.cumsum(x, axis=axis, dtype=x.dtype)  # (NumPy widens small integers)
        return np.asarray(out, order="C")  # PyTorch's cumulative ops return contiguous output

    @staticmethod
    def backward(ctx, grad_output):
        return Cumsum.apply(grad_output, ctx.axis, not ctx.reverse), None, None


def _cum_input(name, input, dim, dtype):
    x = input
    dt = _sum_dtype(x, dtype)
    if dt is not None and dt.np_dtype != x._data.dtype:
        x = x.to(dt)
    if x._data.dtype == np.bool_:
        raise NotImplementedError(f"\"{name}_out_cpu\" not implemented for 'Bool'")
    return x, _wrap_dim(x._data.ndim, _int_dim(name, dim))


def cumsum(input, dim, *, dtype=None):
    """Cumulative sum along ``dim``; integer and bool tensors accumulate in int64."""
    x, axis = _cum_input("cumsum", input, dim, dtype)
    return Cumsum.apply(x, axis, False)


class Cumprod(Primitive):
    """d cumprod(x)_i = sum_{k >= i} grad_k prod_{j <= k, j != i} x_j.

    Without zeros this is ``reverse_cumsum(grad * out) / x``. NOTE: with zeros, per slice
    (z = the first zero): elements before z use the same formula (they are non-zero and the
    terms for k >= z vanish); the element at z gets
    ``prod_{j<z} x_j * sum_{k>=z} grad_k prod_{z<j<=k} x_j``; elements after z get 0."""

    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        out = x.copy() if x.ndim == 0 else np.asarray(np.cumprod(x, axis=axis, dtype=x.dtype),
                                                      order="C")
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, out = ctx.saved_tensors
        axis = ctx.axis
        if x._data.ndim == 0:
            return grad_output, None
        zero = x._data == 0
        tail_sums = Cumsum.apply(grad_output * out, axis, True)
        if not zero.any():
            return tail_sums / x, None
        nz = np.cumsum(zero, axis=axis)
        before = _wrap(nz == 0)
        first = _wrap(zero & (nz == 1))
        grad_before = tail_sums / ew.where(before, x, 1.0)
        after_first = Cumprod.apply(ew.where(_wrap((nz == 0) | (zero & (nz == 1))), 1.0, x), axis)
        head = Prod.apply(ew.where(before, x, 1.0), (axis,), True)
        tail = Sum.apply(ew.where(before, 0.0, grad_output * after_first), (axis,), True)
        grad = ew.where(before, grad_before, ew.where(first, head * tail, 0.0))
        return grad, None


def cumprod(input, dim, *, dtype=None):
    """Cumulative product along ``dim``; integer and bool tensors accumulate in int64. The
    gradient is exact when the input has zeros."""
    x, axis = _cum_input("cumprod", input, dim, dtype)
    return Cumprod.apply(x, axis)


class LogCumsumExp(Primitive):
    """out_k = log sum_(j <= k) e^(x_j), accumulated by ``logaddexp`` (no overflow); ``reverse``
    runs it from the end.

    d out_k / d x_i = e^(x_i - out_k) for i <= k, so grad_i = sum_(k >= i) g_k e^(x_i - out_k).
    NOTE: computed stably, as PyTorch does, with the positive and negative parts of g apart:
    grad_i = e^(x_i + L+_i) - e^(x_i + L-_i), L+-_i = the reversed logcumsumexp of
    log(+-g_k) - out_k (itself differentiable: gradients of every order)."""

    node_name = "LogcumsumexpBackward0"

    @staticmethod
    def forward(ctx, x, axis, reverse):
        ctx.axis = axis
        ctx.reverse = reverse
        # (float16 accumulates in float32, PyTorch's accumulation type, rounded once at the end)
        wide = x.astype(np.float32) if x.dtype == np.float16 else x
        if x.ndim == 0:
            out = x.copy()
        elif reverse:
            out = np.flip(np.logaddexp.accumulate(np.flip(wide, axis), axis=axis), axis)
        else:
            out = np.logaddexp.accumulate(wide, axis=axis)
        out = np.asarray(out, order="C").astype(x.dtype, copy=False)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, out = ctx.saved_tensors
        if x._data.ndim == 0:
            return grad_output, None, None
        log_g = ew.log(ew.abs(grad_output)) - out
        back = not ctx.reverse
        up = LogCumsumExp.apply(ew.where(grad_output > 0, log_g, -np.inf), ctx.axis, back)
        down = LogCumsumExp.apply(ew.where(grad_output < 0, log_g, -np.inf), ctx.axis, back)
        return ew.exp(x + up) - ew.exp(x + down), None, None


def logcumsumexp(input, dim):
    """``log(cumsum(exp(input), dim))`` without overflow; floating tensors only."""
    axis = _wrap_dim(input._data.ndim, _int_dim("logcumsumexp", dim))
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"logcumsumexp_out_cpu\" not implemented for "
                                  f"'{_kernel_name(input)}'")
    return LogCumsumExp.apply(input, axis, False)


def _cum_select(name, result, take_max, input, dim):
    x = input
    axis = _wrap_dim(x._data.ndim, _int_dim(name, dim))
    if x._data.ndim == 0:
        return result((GatherDim.apply(x.reshape(1), np.zeros(1, np.int64), 0, ()),
                       _wrap(np.zeros((), np.int64))))
    xd = x._data
    running = (np.maximum if take_max else np.minimum).accumulate(xd, axis=axis)
    # The index of the running extreme is the last position where the element equals it (ties
    # move the index forward, as PyTorch's ``>=``); a NaN takes over and holds.
    hit = xd == running
    if xd.dtype.kind == "f":
        hit |= np.isnan(xd)
    pos = np.arange(xd.shape[axis]).reshape([-1 if i == axis else 1 for i in range(xd.ndim)])
    index = np.maximum.accumulate(np.where(hit, pos, 0), axis=axis)
    index = np.asarray(index, order="C")  # contiguous results, as PyTorch's
    return result((GatherDim.apply(x, index, axis), _wrap(index)))


def cummax(input, dim):
    """``return_types.cummax(values, indices)``: the running maximum along ``dim`` and where it
    was found (the latest position on ties); gradient to those positions."""
    return _cum_select("cummax", return_types.cummax, True, input, dim)


def cummin(input, dim):
    """``return_types.cummin(values, indices)``: the running minimum along ``dim``."""
    return _cum_select("cummin", return_types.cummin, False, input, dim)
