"""Adamax: Adam with the infinity norm in place of the second moment."""

import numpy as np

from numtorch.optim._functional import (
    check_betas,
    check_eps,
    check_lr,
    check_weight_decay,
    grad_of,
    incr_step,
    new_step,
    zeros_state,
)
from numtorch.optim.optimizer import Optimizer

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """``Adamax(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
    maximize=False)``::

        g = g + weight_decay * p
        m = beta1 m + (1 - beta1) g
        u = max(beta2 u, |g| + eps)
        p = p - lr / (1 - beta1^t) * m / u
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        check_lr(lr)
        check_eps(eps)
        check_betas(betas)
        check_weight_decay(weight_decay)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if "step" not in state:
                    state["step"] = new_step()
                    state["exp_avg"] = zeros_state(p)
                    state["exp_inf"] = zeros_state(p)
                t = incr_step(state)
                g = grad_of(p, group["maximize"])
                if group["weight_decay"] != 0:
                    g = g + group["weight_decay"] * p._data
                m = state["exp_avg"]._data
                u = state["exp_inf"]._data
                m += (1 - beta1) * (g - m)
                u *= beta2
                np.maximum(u, np.abs(g) + group["eps"], out=u)
                clr = group["lr"] / (1 - beta1 ** t)
                p._data += (-clr * m) / u
                p._bump()
        return loss
