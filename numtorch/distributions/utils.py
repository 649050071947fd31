"""Helpers shared by the distributions (``torch.distributions.utils``): parameter broadcasting,
probabilities <-> logits, the lazily computed parameter, and the lower-triangular solve the
multivariate normal needs."""

import numbers

import numpy as np

import numtorch
from numtorch._tensor import Tensor
from numtorch.autograd.function import Primitive
from numtorch.autograd.grad_mode import enable_grad

__all__ = ["broadcast_all", "probs_to_logits", "logits_to_probs", "clamp_probs", "lazy_property",
           "solve_tril", "finfo_eps", "finfo_min"]


def broadcast_all(*values):
    """Tensors of one broadcast shape from tensors and Python numbers. Numbers become tensors of
    the first tensor's dtype (the default dtype when all are numbers)."""
    if not all(isinstance(v, (Tensor, numbers.Number)) for v in values):
        raise ValueError("Input arguments must all be instances of numbers.Number, "
                         "numtorch.Tensor or objects implementing __torch_function__.")
    if not all(isinstance(v, Tensor) for v in values):
        dtype = numtorch.get_default_dtype()
        for v in values:
            if isinstance(v, Tensor):
                dtype = v.dtype
                break
        values = [v if isinstance(v, Tensor) else numtorch.tensor(v, dtype=dtype)
                  for v in values]
    return numtorch.broadcast_tensors(*values)


def finfo_eps(t):
    return float(np.finfo(t._data.dtype).eps)


def finfo_min(t):
    return float(np.finfo(t._data.dtype).min)


def clamp_probs(probs):
    """Probabilities clamped into ``[eps, 1 - eps]`` (eps of their dtype)."""
    eps = finfo_eps(probs)
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs, is_binary=False):
    """log p (categorical) or log(p / (1 - p)) (binary), on clamped probabilities."""
    p = clamp_probs(probs)
    if is_binary:
        return numtorch.log(p) - numtorch.log1p(-p)
    return numtorch.log(p)


def logits_to_probs(logits, is_binary=False):
    """sigmoid (binary) or softmax over the last dimension (categorical)."""
    if is_binary:
        return numtorch.sigmoid(logits)
    return numtorch.softmax(logits, dim=-1)


class lazy_property:
    """A parameter computed from another on first access and then stored on the instance (so it
    is computed once). It is computed with grad enabled: a ``probs`` derived from ``logits`` keeps
    its graph even when first read under ``no_grad``."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__
        self.__name__ = wrapped.__name__

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return self
        with enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


class SolveTril(Primitive):
    """X = L^-1 B for lower-triangular L (``torch.linalg.solve_triangular(L, B, upper=False)``).
    Only the lower triangle of L is read. grad_B = L^-T G and grad_L = -tril(grad_B X^T)."""

    @staticmethod
    def forward(ctx, low, b):
        low = np.tril(low)
        batch = np.broadcast_shapes(low.shape[:-2], b.shape[:-2])
        out = np.linalg.solve(np.broadcast_to(low, batch + low.shape[-2:]),
                              np.broadcast_to(b, batch + b.shape[-2:]))
        ctx.save_for_backward(low, out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        low, out = ctx.saved_tensors
        grad_b = numtorch.linalg.solve(low.mT, grad_output)
        grad_low = -numtorch.tril(numtorch.matmul(grad_b, out.mT))
        return grad_low, grad_b


def solve_tril(low, b):
    """Differentiable ``L^-1 B`` for lower-triangular ``L`` (batch dims broadcast)."""
    return SolveTril.apply(low, b)
