"""Warnings PyTorch gives once per process, and its switch to give them every time
(``torch.set_warn_always``)."""

import warnings

__all__ = ["set_warn_always", "is_warn_always_enabled", "warn_once"]

_state = {"always": False}
_given = set()


def set_warn_always(b):
    """When True, the warnings PyTorch gives once per process are given on every occurrence
    (``Tensor.storage()``'s deprecation)."""
    _state["always"] = bool(b)


def is_warn_always_enabled():
    return _state["always"]


def warn_once(key, message, category=UserWarning, stacklevel=2):
    """Warn the first time ``key`` comes up in this process, or every time under
    ``set_warn_always(True)``."""
    if _state["always"] or key not in _given:
        _given.add(key)
        warnings.warn(message, category, stacklevel=stacklevel + 1)
