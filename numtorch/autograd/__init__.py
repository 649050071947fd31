"""numtorch.autograd: reverse-mode automatic differentiation (PyTorch's ``torch.autograd``)."""

from numtorch.autograd import graph
from numtorch.autograd.engine import (
    backward,
    detect_anomaly,
    grad,
    is_anomaly_enabled,
    run_backward,  # noqa: F401  (numtorch.autograd.run_backward, as before)
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
