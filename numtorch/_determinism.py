"""``use_deterministic_algorithms``: PyTorch's switch, and what it changes in numtorch.

numtorch's kernels are deterministic already (NumPy on the CPU, one thread order per BLAS call),
so the switch changes what PyTorch changes on the CPU: memory that ``empty`` and friends leave
"uninitialized" is filled with NaN (floating dtypes) or the largest value (integers, True for
bool), so that a program that reads it gives the same visible result every run.
"""

import numpy as np

__all__ = ["use_deterministic_algorithms", "are_deterministic_algorithms_enabled",
           "is_deterministic_algorithms_warn_only_enabled", "fill_uninitialized"]

_state = {"mode": False, "warn_only": False}


def use_deterministic_algorithms(mode, *, warn_only=False):
    """Turn deterministic algorithms on or off (``mode`` must be a bool, as in PyTorch)."""
    if not isinstance(mode, bool):
        raise TypeError(f"_set_deterministic_algorithms(): argument 'mode' (position 1) must be "
                        f"bool, not {type(mode).__name__}")
    if not isinstance(warn_only, bool):
        raise TypeError(f"_set_deterministic_algorithms(): argument 'warn_only' must be bool, "
                        f"not {type(warn_only).__name__}")
    _state["mode"] = mode
    _state["warn_only"] = warn_only


def are_deterministic_algorithms_enabled():
    return _state["mode"]


def is_deterministic_algorithms_warn_only_enabled():
    return _state["warn_only"]


def fill_uninitialized(arr):
    """What ``empty`` returns: zeros, or PyTorch's deterministic fill when the switch is on."""
    if _state["mode"]:
        if arr.dtype.kind == "f":
            arr.fill(np.nan)
        elif arr.dtype == np.bool_:
            arr.fill(True)
        else:
            arr.fill(np.iinfo(arr.dtype).max)
    return arr
