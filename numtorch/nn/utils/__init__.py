"""numtorch.nn.utils: gradient clipping, flattening parameters into one vector, weight
normalization (``weight_norm``)."""

import math
import warnings

import numpy as np

from numtorch._tensor import Tensor, _wrap
from numtorch.autograd import grad_mode
from numtorch.nn.utils import rnn  # noqa: F401 (the submodule, as torch.nn.utils.rnn)
from numtorch.nn.utils.weight_norm import remove_weight_norm, weight_norm

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm",
           "clip_grads_with_norm_", "parameters_to_vector", "vector_to_parameters",
           "weight_norm", "remove_weight_norm"]


def _as_list(parameters):
    if isinstance(parameters, Tensor):
        return [parameters]
    return list(parameters)


def _grads(parameters):
    return [p.grad for p in _as_list(parameters) if p.grad is not None]


def _array_norm(arr, norm_type):
    a = np.abs(arr.astype(np.float64, copy=False))
    if a.size == 0:
        return 0.0
    if norm_type == math.inf:
        return float(a.max())
    if norm_type == -math.inf:
        return float(a.min())
    if norm_type == 0:
        return float(np.count_nonzero(a))
    if norm_type == 2:
        return float(np.sqrt(np.sum(a * a)))
    return float(np.sum(a ** norm_type) ** (1.0 / norm_type))


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The ``norm_type``-norm of all ``tensors`` taken together (the norm of their norms), as a
    0-dim tensor of their dtype."""
    tensors = _as_list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return _wrap(np.array(0.0, dtype=np.float32))
    norms = [_array_norm(t._data, norm_type) for t in tensors]
    total = _array_norm(np.array(norms), norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the gradients "
            "by the non-finite norm anyway, set `error_if_nonfinite=False`")
    return _wrap(np.array(total, dtype=tensors[0]._data.dtype))


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale the gradients by min(1, max_norm / (total_norm + 1e-6)), in place."""
    grads = _grads(parameters)
    if not grads:
        return
    total = float(total_norm)
    coef = min(float(max_norm) / (total + 1e-6), 1.0) if not math.isnan(total) else math.nan
    with grad_mode.no_grad():
        for g in grads:
            g._data *= g._data.dtype.type(coef)
            g._bump()


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                    foreach=None):
    """Rescale the gradients of ``parameters`` in place so that their total ``norm_type``-norm
    (``inf`` for the max norm) is at most ``max_norm``; returns the total norm before clipping
    (a 0-dim tensor). A non-finite norm raises with ``error_if_nonfinite``."""
    parameters = _as_list(parameters)
    grads = _grads(parameters)
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total, foreach)
    return total


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                   foreach=None):
    """Deprecated alias of ``clip_grad_norm_``."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient to [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    with grad_mode.no_grad():
        for g in _grads(parameters):
            np.clip(g._data, -clip_value, clip_value, out=g._data)
            g._bump()


def parameters_to_vector(parameters):
    """All parameters flattened and concatenated into one 1-D tensor (differentiable)."""
    from numtorch.ops.join import cat

    return cat([p.reshape(-1) for p in _as_list(parameters)])


def vector_to_parameters(vec, parameters):
    """Make the parameters take their values from consecutive slices of the 1-D ``vec`` (the
    inverse of ``parameters_to_vector``); like PyTorch, each parameter's ``.data`` becomes a
    view of ``vec``."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    pointer = 0
    for param in _as_list(parameters):
        n = param.numel()
        param._data = vec._data[pointer:pointer + n].reshape(param._data.shape)
        param._bump()
        pointer += n
