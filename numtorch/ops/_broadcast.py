"""Broadcasting: shapes that broadcast, and the operands of elementwise ops in PyTorch's result
dtype. Reducing a broadcast gradient back to its input's shape (``sum_to_shape``) is the engine's
job; it lives in ``autograd/_sum_to_shape.py`` and is re-exported here."""

import numpy as np

from numtorch import _dtype
from numtorch._tensor import Tensor, _wrap
from numtorch.autograd._sum_to_shape import sum_to_shape

__all__ = ["sum_to_shape", "broadcast_shapes", "promote_operands", "check_broadcast"]


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
