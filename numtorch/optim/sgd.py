"""Stochastic gradient descent, with momentum, dampening, Nesterov and weight decay."""

import numpy as np

from numtorch._tensor import _wrap
from numtorch.optim._foreach import sgd_foreach, use_flat
from numtorch.optim._functional import check_lr, check_weight_decay, grad_of
from numtorch.optim.optimizer import Optimizer

__all__ = ["SGD"]


class SGD(Optimizer):
    """``SGD(params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
    maximize=False)``, PyTorch's update::

        g = -grad if maximize else grad
        g = g + weight_decay * p
        if momentum != 0:
            b = g                                       (first step)
            b = momentum * b + (1 - dampening) * g      (later steps)
            g = g + momentum * b if nesterov else b
        p = p - lr * g

    NOTE: the velocity is lr-free (``p -= lr * v``), so changing lr mid-run rescales the whole
    step, unlike the textbook form ``v = mu v - lr g; p += v`` (same trajectory for a fixed lr).
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
                 *, maximize=False, foreach=None, differentiable=False, fused=None):
        check_lr(lr)
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        check_weight_decay(weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(f"Nesterov momentum requires a momentum and zero dampening (got "
                             f"momentum={momentum}, dampening={dampening})")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize,
                        foreach=foreach, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)

    def step(self, closure=None):
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            params = group["params"]
            if use_flat(group):  # small tensors in a few NumPy calls (_foreach.py)
                params = sgd_foreach(self, group)
            lr = group["lr"]
            momentum = group["momentum"]
            dampening = group["dampening"]
            weight_decay = group["weight_decay"]
            for p in params:
                if p.grad is None:
                    continue
                g = grad_of(p, group["maximize"])
                if weight_decay != 0:
                    g = g + weight_decay * p._data
                if momentum != 0:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = state["momentum_buffer"] = _wrap(np.array(g, copy=True))
                    else:
                        b = buf._data
                        b *= momentum
                        b += g if dampening == 0 else (1 - dampening) * g
                    g = g + momentum * buf._data if group["nesterov"] else buf._data
                p._data -= lr * g
                p._bump()
        return loss
