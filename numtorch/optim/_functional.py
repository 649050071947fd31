"""Shared pieces of the optimizers' update loops (array level, no graph)."""

import numpy as np

from numtorch._tensor import _wrap

__all__ = ["grad_of", "zeros_state", "new_step", "incr_step", "check_lr", "check_eps",
           "check_betas", "check_weight_decay", "weight_decay", "init_moments", "update_moments"]


def grad_of(p, maximize):
    """The gradient array the update uses: ``-grad`` when maximizing."""
    g = p.grad._data
    return -g if maximize else g


def zeros_state(p):
    return _wrap(np.zeros_like(p._data))


def new_step():
    """The ``step`` counter, a float32 scalar tensor as in PyTorch's state dicts."""
    return _wrap(np.zeros((), dtype=np.float32))


def incr_step(state):
    """Advance ``state['step']`` and return its value as a Python float."""
    s = state["step"]
    s._data += 1
    return float(s._data)


def check_lr(lr):
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def check_eps(eps):
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")


def check_betas(betas):
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")


def check_weight_decay(weight_decay):
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


def weight_decay(p, g, lr, wd, decoupled):
    """Apply weight decay: ``p *= 1 - lr * wd`` when ``decoupled`` (AdamW-style), else the L2
    penalty's gradient ``g + wd * p`` (returned; ``g`` is not modified)."""
    if wd == 0:
        return g
    if decoupled:
        p._data *= 1 - lr * wd
        return g
    return g + wd * p._data


def init_moments(state, p, *extra):
    """Create ``step``, ``exp_avg``, ``exp_avg_sq`` (and zero-filled ``extra`` keys) on the
    first step."""
    if "step" not in state:
        state["step"] = new_step()
        state["exp_avg"] = zeros_state(p)
        state["exp_avg_sq"] = zeros_state(p)
        for key in extra:
            state[key] = zeros_state(p)


def update_moments(state, g, beta1, beta2):
    """Adam's running moments, in place::

        m = m + (1 - beta1) (g - m)       (PyTorch's m.lerp_(g, 1 - beta1))
        v = beta2 v + (1 - beta2) g^2

    Returns ``(m, v, tmp)``: the arrays and a parameter-sized scratch array the caller may
    reuse (one allocation per step instead of one per operation)."""
    m = state["exp_avg"]._data
    v = state["exp_avg_sq"]._data
    tmp = np.subtract(g, m, out=np.empty_like(m))  # (an array for 0-d parameters too)
    tmp *= 1 - beta1
    m += tmp
    np.multiply(g, g, out=tmp)
    tmp *= 1 - beta2
    v *= beta2
    v += tmp
    return m, v, tmp
