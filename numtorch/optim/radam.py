"""RAdam (Liu et al.): Adam with a rectified variance of the adaptive learning rate."""

import math

import numpy as np

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

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """``RAdam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
    decoupled_weight_decay=False, maximize=False)``::

        m, v as in Adam;  m_hat = m / (1 - beta1^t)
        rho_inf = 2 / (1 - beta2) - 1;  rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
        if rho_t > 5: r = sqrt((rho_t-4)(rho_t-2) rho_inf / ((rho_inf-4)(rho_inf-2) rho_t))
                      p = p - lr m_hat r sqrt(1 - beta2^t) / (sqrt(v) + eps)
        else:         p = p - lr m_hat
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        check_lr(lr)
        check_eps(eps)
        check_betas(betas)
        check_weight_decay(weight_decay)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            lr, wd = group["lr"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                init_moments(state, p)
                t = incr_step(state)
                g = weight_decay(p, grad_of(p, group["maximize"]), lr, wd,
                                 group["decoupled_weight_decay"])
                m, v, _ = update_moments(state, g, beta1, beta2)
                bias_correction1 = 1 - beta1 ** t
                bias_correction2 = 1 - beta2 ** t
                m_hat = m / bias_correction1
                rho_inf = 2 / (1 - beta2) - 1
                rho_t = rho_inf - 2 * t * (beta2 ** t) / bias_correction2
                if rho_t > 5.0:
                    rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                                     / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
                    adaptive = (bias_correction2 ** 0.5) / (np.sqrt(v) + group["eps"])
                    p._data -= m_hat * lr * adaptive * rect
                else:
                    p._data -= m_hat * lr
                p._bump()
        return loss
