"""Averaged SGD (Polyak and Juditsky): SGD with a decaying step, plus a running average of the
iterates kept in the state (``ax``), the estimate the method's guarantees are about."""

from numtorch.optim._functional import (
    check_lr,
    check_weight_decay,
    grad_of,
    incr_step,
    new_step,
    zeros_state,
)
from numtorch.optim.optimizer import Optimizer

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """``ASGD(params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
    maximize=False)``, PyTorch's update (``eta`` starts at ``lr``, ``mu`` at 1)::

        g = -grad if maximize else grad
        g = g + weight_decay * p
        p = p * (1 - lambd * eta) - eta * g
        ax = p if mu == 1 else ax + mu * (p - ax)
        eta = lr / (1 + lambd * lr * t) ** alpha
        mu = 1 / max(1, t - t0)

    ``eta`` and ``mu`` are float32 scalar tensors in the state, as in PyTorch's state dicts.
    The parameters follow the SGD iterates; the average is ``optimizer.state[p]["ax"]``.
    """

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
                 foreach=None, maximize=False, differentiable=False, capturable=False):
        check_lr(lr)
        check_weight_decay(weight_decay)
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, lambd = group["lr"], group["lambd"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if "step" not in state:
                    state["step"] = new_step()
                    state["eta"] = new_step()
                    state["eta"]._data[...] = lr
                    state["mu"] = new_step()
                    state["mu"]._data[...] = 1
                    state["ax"] = zeros_state(p)
                t = incr_step(state)
                g = grad_of(p, group["maximize"])
                if group["weight_decay"] != 0:
                    g = g + group["weight_decay"] * p._data
                eta = float(state["eta"]._data)
                mu = float(state["mu"]._data)
                p._data *= 1 - lambd * eta
                p._data -= eta * g
                ax = state["ax"]._data
                if mu != 1:
                    ax += (p._data - ax) * mu
                else:
                    ax[...] = p._data
                state["eta"]._data[...] = lr / ((1 + lambd * lr * t) ** group["alpha"])
                state["mu"]._data[...] = 1 / max(1, t - group["t0"])
                p._bump()
        return loss
