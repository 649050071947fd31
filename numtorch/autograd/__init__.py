"""numtorch.autograd: reverse-mode automatic differentiation (PyTorch's ``torch.autograd``)."""

from numtorch.autograd import graph
from numtorch.autograd.engine import (
    detect_anomaly,
    is_anomaly_enabled,
    run_backward,
    set_detect_anomaly,
)
from numtorch.autograd.function import Function, FunctionCtx, once_differentiable
from numtorch.autograd.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from numtorch.autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck
from numtorch.autograd.variable import Variable

__all__ = [
    "Function", "FunctionCtx", "once_differentiable", "backward", "grad", "gradcheck",
    "gradgradcheck", "GradcheckError", "no_grad", "enable_grad", "set_grad_enabled",
    "inference_mode", "is_grad_enabled", "detect_anomaly", "set_detect_anomaly",
    "is_anomaly_enabled", "graph", "Variable",
]


def _seq(x):
    from numtorch._tensor import Tensor

    if x is None:
        return None
    return [x] if isinstance(x, Tensor) else list(x)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate gradients of ``tensors`` (weighted by ``grad_tensors``) into leaves' ``.grad``."""
    tensors = _seq(tensors)
    grads = _seq(grad_tensors) or [None] * len(tensors)
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        inputs = _seq(inputs)
        res = run_backward(tensors, grads, retain_graph, create_graph, inputs=inputs,
                           allow_unused=True, accumulate=False)
        for x, g in zip(inputs, res):
            if g is not None:
                x.grad = g if x.grad is None else x.grad + g
        return
    run_backward(tensors, grads, retain_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of ``outputs`` w.r.t. ``inputs`` (a tuple, one per input), without touching
    ``.grad``. With ``create_graph=True`` they are themselves differentiable."""
    outputs = _seq(outputs)
    inputs = _seq(inputs)
    grads = _seq(grad_outputs) or [None] * len(outputs)
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    res = run_backward(outputs, grads, retain_graph, create_graph, inputs=inputs,
                       allow_unused=allow_unused, accumulate=False)
    if materialize_grads:
        from numtorch._creation import zeros_like

        res = [zeros_like(x) if g is None else g for x, g in zip(inputs, res)]
    return tuple(res)
