"""Adafactor (Shazeer and Stern): Adam-like steps whose second moment of a matrix is kept as
one row and one column factor (sublinear memory), with a relative, RMS-clipped step size."""

import math

import numpy as np

from numtorch._tensor import _wrap
from numtorch.optim._functional import grad_of, incr_step, new_step
from numtorch.optim.optimizer import Optimizer

__all__ = ["Adafactor"]


def _lerp_(a, b, w):
    """``a.lerp_(b, w)`` in place, with PyTorch's two-sided formula (exact at ``w == 1``)."""
    if w < 0.5:
        a += (b - a) * w
    else:
        a[...] = b - (b - a) * (1 - w)


def _rms(a):
    return float(np.sqrt(np.sum(np.square(a, dtype=np.float64)))) / math.sqrt(max(a.size, 1))


class Adafactor(Optimizer):
    """``Adafactor(params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0,
    weight_decay=0.0, *, foreach=None, maximize=False)``, PyTorch's update::

        g = -grad if maximize else grad
        b = t ** beta2_decay                       (1 - beta2_t)
        rho = min(lr, 1 / sqrt(t));  a = max(eps2, RMS(p)) * rho
        p = p * (1 - lr * weight_decay)
        if g.dim() > 1:                            (factored over the last two dimensions)
            R = R + b (mean(g^2, dim=-1) - R);  C = C + b (mean(g^2, dim=-2) - C)
            V = (R @ C) / max(mean(R, dim=-2), eps1)
        else:
            V = V + b (g^2 - V)
        U = g / sqrt(max(V, eps1^2))
        p = p - a * U / max(1, RMS(U) / d)

    ``eps1`` None means the parameter dtype's machine epsilon. State keys: ``step`` and
    ``row_var``/``col_var`` (shapes ``(..., m, 1)`` and ``(..., 1, n)``) or ``variance``.
    """

    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0,
                 weight_decay=0.0, *, foreach=None, maximize=False):
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = dict(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize)
        super().__init__(params, defaults)

    def step(self, closure=None):
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr = group["lr"]
            eps1, eps2 = group["eps"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                g = grad_of(p, group["maximize"])
                if "step" not in state:
                    state["step"] = new_step()
                    if g.ndim > 1:
                        state["row_var"] = _wrap(np.zeros(g.shape[:-1] + (1,), g.dtype))
                        state["col_var"] = _wrap(
                            np.zeros(g.shape[:-2] + (1,) + g.shape[-1:], g.dtype))
                    else:
                        state["variance"] = _wrap(np.zeros_like(g))
                t = incr_step(state)
                if eps1 is None:  # (as PyTorch: the first parameter's dtype sets it)
                    eps1 = float(np.finfo(p._data.dtype).eps)
                b = t ** group["beta2_decay"]
                rho = min(lr, 1 / t ** 0.5)
                alpha = max(eps2, _rms(p._data)) * rho
                if group["weight_decay"] != 0:
                    p._data *= 1 - lr * group["weight_decay"]
                if g.ndim > 1:
                    r = state["row_var"]._data
                    c = state["col_var"]._data
                    sq = g * g
                    _lerp_(r, np.mean(sq, axis=-1, keepdims=True, dtype=r.dtype), b)
                    _lerp_(c, np.mean(sq, axis=-2, keepdims=True, dtype=c.dtype), b)
                    v = np.matmul(r, c)  # (..., m, n)
                    v /= np.maximum(np.mean(r, axis=-2, keepdims=True), eps1)
                else:
                    v = state["variance"]._data
                    _lerp_(v, g * g, b)
                    v = v.copy()
                np.maximum(v, eps1 * eps1, out=v)
                u = g / np.sqrt(v)
                denom = max(1.0, _rms(u) / group["d"])
                p._data -= (alpha / denom) * u
                p._bump()
        return loss
