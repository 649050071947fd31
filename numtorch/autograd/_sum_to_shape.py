"""The one place where a broadcast gradient is reduced back to its input's shape.

The engine calls it when a backward rule returns a gradient shaped like the broadcast output,
so backward rules stay pure math. It lives with the engine, below the ops: the tensor type
reaches it through ``function.Tensor`` / ``function._wrap`` (filled in by ``numtorch._tensor``),
and ``ops/_broadcast.py`` re-exports it for the ops that call it directly.
"""

import numpy as np

from numtorch.autograd import function as _function
from numtorch.autograd import grad_mode

__all__ = ["sum_to_shape"]


def sum_to_shape(grad, shape):
    """Sum ``grad`` over the axes along which an input of ``shape`` was broadcast.

    d/dx of ``y = broadcast(x)`` sends each output element's gradient back to the single input
    element it was copied from, so the input's gradient is the sum over the copies: over the
    leading axes the input did not have, and (keeping them) over the axes where it had size 1.
    Written with numtorch ops so it is itself differentiable (double backward) when a graph is
    being recorded; otherwise one NumPy sum.
    """
    gshape = grad._data.shape
    shape = tuple(shape)
    if gshape == shape:
        return grad
    lead = len(gshape) - len(shape)
    if lead < 0:
        raise RuntimeError(f"cannot reduce a gradient of shape {list(gshape)} to {list(shape)}")
    axes = list(range(lead))
    for i, s in enumerate(shape):
        g = gshape[lead + i]
        if s == 1 and g != 1:
            axes.append(lead + i)
        elif s != g:
            raise RuntimeError(f"cannot reduce a gradient of shape {list(gshape)} to "
                               f"{list(shape)}")
    if not grad_mode._state.enabled:  # no graph is recorded (the usual backward): NumPy
        g = grad._data
        acc = np.float32 if g.dtype == np.float16 else None  # half sums in float32, as sum()
        return _function._wrap(np.sum(g, axis=tuple(axes), keepdims=True, dtype=acc)
                               .astype(g.dtype, copy=False).reshape(shape))
    out = grad.sum(dim=tuple(axes), keepdim=True) if axes else grad
    if lead:
        out = out.reshape(shape)
    return out
