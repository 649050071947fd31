"""AdamW (Loshchilov & Hutter): Adam with decoupled weight decay."""

from numtorch.optim._foreach import adam_foreach, use_flat
from numtorch.optim._functional import check_betas, check_eps, check_lr, check_weight_decay, grad_of
from numtorch.optim.adam import adam_update
from numtorch.optim.optimizer import Optimizer

__all__ = ["AdamW"]


class AdamW(Optimizer):
    """``AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
    amsgrad=False, maximize=False)``::

        g = -grad if maximize else grad
        p = p * (1 - lr * weight_decay)         (decay the weights, not the gradient)
        then Adam's moment update and step on g
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        check_lr(lr)
        check_eps(eps)
        check_betas(betas)
        check_weight_decay(weight_decay)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)

    def step(self, closure=None):
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            params = group["params"]
            if use_flat(group):  # small tensors in a few NumPy calls (_foreach.py)
                params = adam_foreach(self, group, True)
            beta1, beta2 = group["betas"]
            lr = group["lr"]
            for p in params:
                if p.grad is None:
                    continue
                g = grad_of(p, group["maximize"])
                p._data *= 1 - lr * group["weight_decay"]
                adam_update(p, g, self.state[p], lr, beta1, beta2, group["eps"],
                            group["amsgrad"])
        return loss
