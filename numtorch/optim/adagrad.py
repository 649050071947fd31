"""Adagrad (Duchi et al.): per-coordinate learning rates from accumulated squared gradients."""

import numpy as np

from numtorch._tensor import _wrap
from numtorch.optim._functional import (
    check_eps,
    check_lr,
    check_weight_decay,
    grad_of,
    incr_step,
    new_step,
)
from numtorch.optim.optimizer import Optimizer

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """``Adagrad(params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
    eps=1e-10, maximize=False)``::

        g = -grad if maximize else grad
        g = g + weight_decay * p
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g^2                             (s starts at initial_accumulator_value)
        p = p - clr * g / (sqrt(s) + eps)
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        check_lr(lr)
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        check_weight_decay(weight_decay)
        if not 0.0 <= initial_accumulator_value:
            raise ValueError("Invalid initial_accumulator_value value: "
                             f"{initial_accumulator_value}")
        check_eps(eps)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        # Like PyTorch, Adagrad creates its state eagerly.
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state["step"] = new_step()
                state["sum"] = _wrap(np.full_like(p._data, group["initial_accumulator_value"]))

    def step(self, closure=None):
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                t = incr_step(state)
                g = grad_of(p, group["maximize"])
                if group["weight_decay"] != 0:
                    g = g + group["weight_decay"] * p._data
                clr = group["lr"] / (1 + (t - 1) * group["lr_decay"])
                s = state["sum"]._data
                s += g * g
                std = np.sqrt(s)
                std += group["eps"]
                p._data += (-clr * g) / std
                p._bump()
        return loss
