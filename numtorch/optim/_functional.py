"""Shared pieces of the optimizers' update loops (array level, no graph)."""

import numpy as np

from numtorch._tensor import _wrap

__all__ = ["grad_of", "zeros_state", "new_step", "incr_step", "check_lr", "check_eps",
           "check_betas", "check_weight_decay"]


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
