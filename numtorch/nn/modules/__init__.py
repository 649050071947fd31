"""The layer classes of ``numtorch.nn``, one file per family."""

from numtorch.nn.modules import (
    activation,
    attention,
    container,
    conv,
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
            padding)

__all__ = []
for _family in FAMILIES:
    for _name in _family.__all__:
        globals()[_name] = getattr(_family, _name)
        __all__.append(_name)
