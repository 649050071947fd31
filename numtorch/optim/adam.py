"""Adam (Kingma & Ba), with AMSGrad, L2 weight decay and maximize."""

import numpy as np

from numtorch.optim._foreach import adam_foreach, use_flat
from numtorch.optim._functional import (
    check_betas,
    check_eps,
    check_lr,
    check_weight_decay,
    grad_of,
    incr_step,
    init_moments,
    update_moments,
    weight_decay,
)
from numtorch.optim.optimizer import Optimizer

__all__ = ["Adam", "adam_update"]


def adam_update(p, g, state, lr, beta1, beta2, eps, amsgrad):
    """One Adam step on ``p`` with gradient array ``g`` (after any weight decay)::

        m = beta1 m + (1 - beta1) g            (PyTorch: m.lerp_(g, 1 - beta1))
        v = beta2 v + (1 - beta2) g^2
        vmax = max(vmax, v)                    (amsgrad)
        p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

    NOTE: eps is added after the square root of the bias-corrected second moment, as in
    PyTorch (the paper adds it to sqrt(v_hat) too; some texts add it inside the root).
    """
    init_moments(state, p, *(("max_exp_avg_sq",) if amsgrad else ()))
    t = incr_step(state)
    # One scratch array and in-place NumPy calls: the update streams over memory ~12 times
    # without allocating (allocation of parameter-sized temporaries dominated otherwise).
    m, v, tmp = update_moments(state, g, beta1, beta2)
    bias_correction1 = 1 - beta1 ** t
    bias_correction2_sqrt = (1 - beta2 ** t) ** 0.5
    if amsgrad:
        vmax = state["max_exp_avg_sq"]._data
        np.maximum(vmax, v, out=vmax)
        np.sqrt(vmax, out=tmp)
    else:
        np.sqrt(v, out=tmp)
    tmp /= bias_correction2_sqrt
    tmp += eps
    np.divide(m, tmp, out=tmp)
    tmp *= -(lr / bias_correction1)
    p._data += tmp
    p._bump()


class Adam(Optimizer):
    """``Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False,
    maximize=False)``::

        g = -grad if maximize else grad
        g = g + weight_decay * p                (L2 penalty; AdamW decouples it)
        then ``adam_update`` (moments, bias correction, eps after the root)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        check_lr(lr)
        check_eps(eps)
        check_betas(betas)
        check_weight_decay(weight_decay)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def step(self, closure=None):
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            params = group["params"]
            if use_flat(group):  # small tensors in a few NumPy calls (_foreach.py)
                params = adam_foreach(self, group, group.get("decoupled_weight_decay"))
            beta1, beta2 = group["betas"]
            lr = group["lr"]
            wd = group["weight_decay"]
            for p in params:
                if p.grad is None:
                    continue
                g = weight_decay(p, grad_of(p, group["maximize"]), lr, wd,
                                 group.get("decoupled_weight_decay"))
                adam_update(p, g, self.state[p], lr, beta1, beta2, group["eps"],
                            group["amsgrad"])
        return loss
