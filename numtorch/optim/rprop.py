"""Rprop (Riedmiller and Braun): per-coordinate step sizes grown or shrunk by the gradient's
sign agreement, the gradient's magnitude ignored."""

import numpy as np

from numtorch.optim._functional import check_lr, grad_of, incr_step, new_step, zeros_state
from numtorch.optim.optimizer import Optimizer

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """``Rprop(params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, maximize=False)``,
    PyTorch's update (``prev`` and ``step_size`` start at 0 and ``lr``)::

        g = -grad if maximize else grad
        s = sign(g * prev)
        f = etaplus where s > 0, etaminus where s < 0, 1 where s == 0
        step_size = clamp(step_size * f, step_size_min, step_size_max)
        g = 0 where f == etaminus          (a sign change: no move, and no sign memory)
        p = p - sign(g) * step_size
        prev = g
    """

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            etaminus, etaplus = group["etas"]
            step_size_min, step_size_max = group["step_sizes"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if "step" not in state:
                    state["step"] = new_step()
                    state["prev"] = zeros_state(p)
                    state["step_size"] = zeros_state(p)
                    state["step_size"]._data[...] = group["lr"]
                incr_step(state)
                g = grad_of(p, group["maximize"])
                prev = state["prev"]._data
                step_size = state["step_size"]._data
                s = np.sign(g * prev)
                factor = np.where(s > 0, etaplus, np.where(s < 0, etaminus, s))
                factor = np.where(factor == 0, 1, factor).astype(step_size.dtype, copy=False)
                step_size *= factor
                np.clip(step_size, step_size_min, step_size_max, out=step_size)
                g = np.where(factor == factor.dtype.type(etaminus), 0, g).astype(g.dtype)
                p._data -= np.sign(g) * step_size
                prev[...] = g
                p._bump()
        return loss
