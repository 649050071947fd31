"""The layer classes of ``numtorch.nn``, one file per family."""

import functools
import inspect

from numtorch._tensor import Tensor
from numtorch.nn.modules import (
    activation,
    attention,
    container,
    conv,
    distance,
    dropout,
    flatten,
    linear,
    loss,
    module,
    normalization,
    padding,
    pixelshuffle,
    pooling,
    rnn,
    sparse,
    transformer,
    upsampling,
)

FAMILIES = (module, container, linear, activation, dropout, sparse, flatten, conv, pooling,
            normalization, loss, upsampling, pixelshuffle, attention, transformer, rnn,
            padding, distance)

__all__ = []
for _family in FAMILIES:
    for _name in _family.__all__:
        globals()[_name] = getattr(_family, _name)
        __all__.append(_name)


def _checked_forward(forward, name):
    """A layer's ``forward`` raising PyTorch's TypeError, naming the argument and its type, when
    its first argument is not a tensor (instead of an AttributeError from inside)."""
    @functools.wraps(forward)
    def wrapper(self, *args, **kwargs):
        if args:
            x = args[0]
        else:
            x = kwargs.get(name)
        if x is not None and not isinstance(x, Tensor):
            raise TypeError(f"{type(self).__name__}.forward(): argument '{name}' (position 1) "
                            f"must be Tensor, not {type(x).__name__}")
        return forward(self, *args, **kwargs)

    wrapper._checks_input = True
    return wrapper


# The layers check the tensor their forward takes first, each class once: not the containers
# (their input is whatever their first layer takes), nor the recurrent layers (a
# PackedSequence is an input too; anything else fails there as in PyTorch).
for _family in FAMILIES:
    if _family in (module, container, rnn):
        continue
    for _name in _family.__all__:
        _cls = getattr(_family, _name)
        if not isinstance(_cls, type) or _name == "Identity":  # (Identity takes anything)
            continue
        # the class that defines the forward this layer runs (a shared base, often)
        _owner = next((c for c in _cls.__mro__ if "forward" in c.__dict__), None)
        _fwd = _owner.__dict__["forward"] if _owner is not None else None
        if _owner in (module.Module, None) or getattr(_fwd, "_checks_input", False):
            continue
        _first = list(inspect.signature(_fwd).parameters)[1:2]
        if _first and _first[0] in ("input", "query", "src", "x", "input1", "anchor"):
            _owner.forward = _checked_forward(_fwd, _first[0])
del _family, _name, _cls, _owner, _fwd, _first
