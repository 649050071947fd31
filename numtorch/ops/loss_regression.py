"""The regression losses, composites of tensor ops: mse, l1, smooth l1, huber, and the
Poisson and Gaussian negative log-likelihoods.
"""

import numpy as np

from numtorch._tensor import Tensor, _wrap
from numtorch.ops import elementwise as ew
from numtorch.ops._loss_reduction import _legacy_reduction, _reduce, _warn_size
from numtorch.ops.loss_classification import _check_float_input


# ====================================================================== regression losses
def _weighted(loss, weight, input, reduction, mean_by_weight=True):
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    out = loss * weight
    if reduction == "none":
        return out
    if reduction == "sum":
        return out.sum()
    if reduction == "mean":
        return out.sum() / weight.sum() if mean_by_weight else out.mean()
    raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', "
                     "'sum'.")


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error ``(x - y)^2``; shapes that differ broadcast, with PyTorch's warning.
    With ``weight`` (input's shape) 'mean' is ``sum(w l) / sum(w)``."""
    _warn_size(input, target)
    _check_float_input(input, "mse_cpu")
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    d = input - target
    loss = d * d
    if weight is not None:
        return _weighted(loss, weight, input, reduction)
    return _reduce(loss, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error ``|x - y|`` (gradient 0 where they are equal)."""
    _warn_size(input, target)
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    loss = (input - target).abs()
    if weight is not None:
        return _weighted(loss, weight, input, reduction)
    return _reduce(loss, reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """``0.5 d^2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (``beta = 0``: L1)."""
    _warn_size(input, target)
    _check_float_input(input, "smooth_l1_cpu")
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    d = input - target
    ad = d.abs()
    if beta == 0.0:
        return _reduce(ad, reduction)
    loss = ew.where(ad < beta, d * d * (0.5 / beta), ad - 0.5 * beta)
    return _reduce(loss, reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """``0.5 d^2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``. With ``weight``
    (input's shape), 'mean' is the plain mean of the weighted losses (as PyTorch)."""
    _warn_size(input, target)
    _check_float_input(input, "huber_cpu")
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    d = input - target
    ad = d.abs()
    loss = ew.where(ad < delta, d * d * 0.5, (ad - 0.5 * delta) * delta)
    if weight is not None:
        return _weighted(loss, weight, input, reduction, mean_by_weight=False)
    return _reduce(loss, reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-08,
                     reduce=None, reduction="mean"):
    """Poisson negative log-likelihood: ``exp(x) - y x`` (``log_input``) or
    ``x - y log(x + eps)``; ``full`` adds Stirling's ``y log y - y + 0.5 log(2 pi y)`` for
    ``y > 1``."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        above = _wrap(target._data > 1)
        safe = ew.where(above, target, 1.0)  # Stirling's term only where target > 1
        stirling = safe * safe.log() - safe + (safe * (2 * np.pi)).log() * 0.5
        loss = loss + ew.where(above, stirling, 0.0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-06, reduction="mean"):
    """Gaussian negative log-likelihood ``0.5 (log(max(var, eps)) + (x - y)^2 / max(var, eps))``
    (+ ``0.5 log(2 pi)`` with ``full``). ``var`` has the input's shape, or one fewer trailing
    dim, or a trailing dim of 1 (one variance per sample), or is a number. The clamp to ``eps``
    does not stop the gradient (PyTorch clamps under no_grad)."""
    if not isinstance(var, Tensor):
        var = _wrap(np.full(input._data.shape, float(var), dtype=input._data.dtype))
    if var._data.shape != input._data.shape:
        if input._data.shape[:-1] == var._data.shape:
            var = var.reshape(var.shape + (1,))
        elif not (input._data.shape[:-1] == var._data.shape[:-1] and var._data.shape[-1:] == (1,)):
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    if np.any(var._data < 0):
        raise ValueError("var has negative entry/entries")
    clamped = _wrap(np.maximum(var._data, eps).astype(var._data.dtype))
    v = var + (clamped - var.detach())
    d = input - target
    loss = (v.log() + d * d / v) * 0.5
    if full:
        loss = loss + 0.5 * float(np.log(2 * np.pi))
    return _reduce(loss, reduction)
