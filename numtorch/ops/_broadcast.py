"""Broadcasting: the one place where gradients are reduced back to an input's shape, and where
the operands of elementwise ops get PyTorch's result dtype."""

import numpy as np

from numtorch import _dtype
from numtorch._tensor import Tensor, _wrap
from numtorch.autograd import grad_mode

__all__ = ["sum_to_shape", "broadcast_shapes", "promote_operands", "check_broadcast"]


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
        return _wrap(np.sum(g, axis=tuple(axes), keepdims=True, dtype=acc)
                     .astype(g.dtype, copy=False).reshape(shape))
    out = grad.sum(dim=tuple(axes), keepdim=True) if axes else grad
    if lead:
        out = out.reshape(shape)
    return out


def broadcast_shapes(*shapes):
    """PyTorch's ``broadcast_shapes``, raising its RuntimeError for incompatible shapes."""
    ndim = max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    for s in shapes:
        for i, d in enumerate(s):
            j = ndim - len(s) + i
            if out[j] == 1:
                out[j] = d
            elif d != 1 and d != out[j]:
                raise RuntimeError(
                    f"Shape mismatch: objects cannot be broadcast to a single shape.  Mismatch is "
                    f"between arg 0 and arg {shapes.index(s)}: {tuple(shapes[0])} vs {tuple(s)}")
    return tuple(out)


def check_broadcast(a_shape, b_shape):
    """Raise PyTorch's message when two operand shapes do not broadcast."""
    n = max(len(a_shape), len(b_shape))
    for i in range(1, n + 1):
        x = a_shape[-i] if i <= len(a_shape) else 1
        y = b_shape[-i] if i <= len(b_shape) else 1
        if x != y and x != 1 and y != 1:
            raise RuntimeError(
                f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                f"non-singleton dimension {n - i}")


def _scalar_tensor(s):
    """A Python number as a 0-dim tensor of PyTorch's dtype for it."""
    if isinstance(s, np.generic):
        s = s.item()
    if not isinstance(s, (int, float, bool)):
        raise TypeError(f"unsupported operand type: {type(s).__name__}")
    return _wrap(np.asarray(s, dtype=_dtype._scalar_dtype(s).np_dtype))


def promote_operands(a, b):
    """Cast tensor operands so that NumPy computes in PyTorch's result dtype.

    NumPy and PyTorch agree when both operands have one dtype or a float tensor meets a Python
    number; otherwise tensor operands are cast (differentiably) to PyTorch's result dtype
    (int64 tensor with float32 tensor: NumPy would say float64, PyTorch float32). Python
    numbers stay Python numbers (NumPy keeps the array's dtype for them).
    """
    ta = isinstance(a, Tensor)
    tb = isinstance(b, Tensor)
    if not ta and not tb:
        # Two Python numbers (``torch.add(2, 0.5)``, ``where(c, 1, 0)``): the first becomes a
        # 0-dim tensor of its own dtype (bool, int64, or the default float), as PyTorch wraps it
        a = _scalar_tensor(a)
        ta = True
    if ta and tb:
        if a._data.dtype == b._data.dtype:
            if a._data.shape != b._data.shape:
                check_broadcast(a._data.shape, b._data.shape)
            return a, b
        check_broadcast(a._data.shape, b._data.shape)
    else:
        if isinstance(a, np.generic):
            a = a.item()
        if isinstance(b, np.generic):
            b = b.item()
        t = a if ta else b
        s = b if ta else a
        if not isinstance(s, (int, float, bool)):
            if isinstance(s, np.ndarray):
                s = _wrap(s)
                return promote_operands(a if ta else s, s if ta else b)
            raise TypeError(f"unsupported operand type: {type(s).__name__}")
        kind = t._data.dtype.kind
        if kind == "f" or (kind in "iu" and not isinstance(s, float)) or isinstance(s, bool):
            return a, b
    dt = _dtype.result_type(a, b).np_dtype
    out = []
    for x in (a, b):
        # Cast every tensor operand to the result dtype: NumPy's mixed-dtype loops (a float32
        # gradient times a bool mask, in many backward rules) are 2x slower than a cast and a
        # same-dtype loop.
        if isinstance(x, Tensor) and x._data.dtype != dt:
            x = x.to(_dtype.from_numpy_dtype(dt))
        out.append(x)
    return out[0], out[1]
