"""The softmax family: ``logsumexp``, ``softmax`` and ``log_softmax``, each one fused primitive
computed on the max-shifted input (so large logits neither overflow nor lose digits), with a
backward written in numtorch ops from the saved output."""

import numpy as np

from numtorch import _dtype
from numtorch.autograd.function import Primitive
from numtorch.ops import elementwise as ew
from numtorch.ops._reduce_dims import (
    _count,
    _dims,
    _int_dim,
    _out_shape,
    _scalar_name,
    _unsqueeze,
    _wrap_dim,
)
from numtorch.ops.sums import Sum

__all__ = [
    "logsumexp", "softmax", "log_softmax",
]


# ====================================================================== log-sum-exp, softmax
def _float_or_default(x):
    """Integer and bool inputs of exp-based ops compute in the default float dtype."""
    if x._data.dtype.kind != "f":
        return x.to(_dtype.get_default_dtype())
    return x


def _shifted(x, axis, finite_max=False):
    """``x - max(x)`` along ``axis`` (keepdims) and that max. NOTE: with ``finite_max`` an
    infinite max is replaced by 0, so that log-sum-exp of a slice of -inf is -inf and with a
    +inf is +inf (not NaN), as PyTorch; softmax keeps PyTorch's NaN for such slices."""
    m = np.amax(x, axis=axis, keepdims=True)
    if finite_max:
        m = np.where(np.isfinite(m), m, 0).astype(x.dtype, copy=False)
    with np.errstate(invalid="ignore"):  # inf - inf: NaN, as PyTorch's softmax gives
        return np.asarray(x - m), m


class LogSumExp(Primitive):
    """log(sum(exp(x))), computed as m + log(sum(exp(x - m))) with m the max (stable for
    |x| = 1e4). d = exp(x - out) dx, the softmax."""

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.axes = axes
        ctx.keepdim = keepdim
        if _count(x.shape, axes) == 0:
            out = np.full(_out_shape(x.shape, axes, keepdim), -np.inf, dtype=x.dtype)
        else:
            shifted, m = _shifted(x, axes, finite_max=True)
            with np.errstate(divide="ignore"):
                s = np.log(np.sum(np.exp(shifted, out=shifted), axis=axes, keepdims=True))
            out = s + m
            if not keepdim:
                out = out.reshape(_out_shape(x.shape, axes, False))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, out = ctx.saved_tensors
        shape = x._data.shape
        g = _unsqueeze(grad_output, shape, ctx.axes, ctx.keepdim)
        return g * ew.exp(x - _unsqueeze(out, shape, ctx.axes, ctx.keepdim)), None, None


def logsumexp(input, dim, keepdim=False):
    """``log(sum(exp(x)))`` over ``dim`` (an int or a tuple), computed stably; integer inputs
    give the default float dtype. An empty reduction gives -inf."""
    x = _float_or_default(input)
    out = LogSumExp.apply(x, _dims(x._data.ndim, dim), keepdim)
    return out.contiguous()  # PyTorch's logsumexp returns a contiguous tensor


class Softmax(Primitive):
    """y = exp(x - max) / sum(exp(x - max)); d = y * (grad - sum(grad * y)).

    A fused primitive rather than ``exp(x - logsumexp(x))``: one pass of ``exp`` over the input,
    a single saved tensor (the output), and a backward of three elementwise ops — it runs in
    every classifier's forward pass."""

    @staticmethod
    def forward(ctx, x, axis):
        ctx.axes = (axis,) if x.ndim else ()
        x = np.asarray(x, order="C")  # PyTorch's softmax kernels return contiguous output
        if x.size == 0:
            y = x.copy()
        else:
            y, _ = _shifted(x, axis if x.ndim else None)
            np.exp(y, out=y)
            y /= np.sum(y, axis=axis if x.ndim else None, keepdims=True)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_output):
        (y,) = ctx.saved_tensors
        return y * (grad_output - Sum.apply(grad_output * y, ctx.axes, True)), None


class LogSoftmax(Primitive):
    """y = x - logsumexp(x) = (x - max) - log(sum(exp(x - max))); d = grad - exp(y) sum(grad).

    Fused for the same reasons as ``Softmax``, and for stability: ``log(softmax(x))`` would
    round tiny probabilities to 0 and give -inf; this form stays finite for |x| = 1e4."""

    @staticmethod
    def forward(ctx, x, axis):
        ctx.axes = (axis,) if x.ndim else ()
        x = np.asarray(x, order="C")  # PyTorch's softmax kernels return contiguous output
        if x.size == 0:
            y = x.copy()
        else:
            ax = axis if x.ndim else None
            y, _ = _shifted(x, ax)
            with np.errstate(divide="ignore"):
                y -= np.log(np.sum(np.exp(y), axis=ax, keepdims=True))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_output):
        (y,) = ctx.saved_tensors
        return grad_output - ew.exp(y) * Sum.apply(grad_output, ctx.axes, True), None


def _softmax_input(name, input, dim, dtype):
    x = input if dtype is None else input.to(dtype)
    axis = _wrap_dim(x._data.ndim, _int_dim(name, dim))
    if x._data.dtype.kind != "f" and x._data.size:  # an empty tensor runs no kernel
        last = "lastdim_" if axis == x._data.ndim - 1 or x._data.ndim == 0 else ""
        raise NotImplementedError(f"\"{name}_{last}kernel_impl\" not implemented for "
                                  f"'{_scalar_name(x._data)}'")
    return x, axis


def softmax(input, dim, dtype=None):
    """``exp(x) / sum(exp(x))`` along ``dim``, stable (the max is subtracted first); ``dtype``
    casts the input first. Slices of all -inf give NaN, as in PyTorch."""
    x, axis = _softmax_input("softmax", input, dim, dtype)
    return Softmax.apply(x, axis)


def log_softmax(input, dim, dtype=None):
    """``x - logsumexp(x)`` along ``dim``, stable; ``dtype`` casts the input first."""
    x, axis = _softmax_input("log_softmax", input, dim, dtype)
    return LogSoftmax.apply(x, axis)
