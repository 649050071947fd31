"""NAdam (Dozat): Adam with Nesterov momentum and a momentum-decay schedule."""

import numpy as np

from numtorch._tensor import _wrap
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

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """``NAdam(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
    momentum_decay=4e-3, decoupled_weight_decay=False, maximize=False)``::

        mu_t = beta1 (1 - 0.5 * 0.96^(t psi)),  mu_{t+1} likewise,  P_t = prod mu_1..mu_t
        m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2
        d = sqrt(v / (1 - beta2^t)) + eps
        p = p - lr (1 - mu_t) / (1 - P_t) g / d - lr mu_{t+1} / (1 - P_t mu_{t+1}) m / d
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        check_lr(lr)
        check_eps(eps)
        check_betas(betas)
        check_weight_decay(weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay,
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
                if "step" not in state:
                    state["mu_product"] = _wrap(np.ones((), dtype=np.float32))
                init_moments(state, p)
                t = incr_step(state)
                g = weight_decay(p, grad_of(p, group["maximize"]), lr, wd,
                                 group["decoupled_weight_decay"])
                bias_correction2 = 1 - beta2 ** t
                mu = beta1 * (1.0 - 0.5 * (0.96 ** (t * group["momentum_decay"])))
                mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((t + 1) * group["momentum_decay"])))
                mp = state["mu_product"]._data
                mp *= mu  # float32, like PyTorch's state tensor
                mu_product = float(mp)
                m, v, _ = update_moments(state, g, beta1, beta2)
                denom = np.sqrt(v / bias_correction2)
                denom += group["eps"]
                p._data += ((-lr * (1.0 - mu) / (1.0 - mu_product)) * g) / denom
                mu_product_next = mu_product * mu_next
                p._data += (((-lr * mu_next) / (1.0 - mu_product_next)) * m) / denom
                p._bump()
        return loss
