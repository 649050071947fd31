"""RMSprop (Hinton): divide the gradient by a running root-mean-square of recent gradients."""

import numpy as np

from numtorch.optim._functional import (
    check_eps,
    check_lr,
    check_weight_decay,
    grad_of,
    incr_step,
    new_step,
    zeros_state,
)
from numtorch.optim.optimizer import Optimizer

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """``RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
    centered=False, maximize=False)``::

        g = -grad if maximize else grad
        g = g + weight_decay * p
        v = alpha v + (1 - alpha) g^2
        if centered: m = alpha m + (1 - alpha) g;  d = sqrt(v - m^2) + eps
        else:        d = sqrt(v) + eps
        if momentum > 0: b = momentum b + g / d;  p = p - lr b
        else:            p = p - lr g / d

    NOTE: eps is added outside the square root, as in PyTorch (Keras adds it inside).
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        check_lr(lr)
        check_eps(eps)
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        check_weight_decay(weight_decay)
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            alpha = group["alpha"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if "step" not in state:
                    state["step"] = new_step()
                    state["square_avg"] = zeros_state(p)
                    if group["momentum"] > 0:
                        state["momentum_buffer"] = zeros_state(p)
                    if group["centered"]:
                        state["grad_avg"] = zeros_state(p)
                incr_step(state)
                g = grad_of(p, group["maximize"])
                if group["weight_decay"] != 0:
                    g = g + group["weight_decay"] * p._data
                v = state["square_avg"]._data
                v *= alpha
                v += (1 - alpha) * g * g
                if group["centered"]:
                    m = state["grad_avg"]._data
                    m += (1 - alpha) * (g - m)
                    avg = np.sqrt(v + (-1 * m) * m)
                else:
                    avg = np.sqrt(v)
                avg += group["eps"]
                if group["momentum"] > 0:
                    b = state["momentum_buffer"]._data
                    b *= group["momentum"]
                    b += g / avg
                    p._data -= group["lr"] * b
                else:
                    p._data += (-group["lr"] * g) / avg
                p._bump()
        return loss
