"""``torch.autograd.Variable``: since PyTorch 0.4 every tensor is a Variable. Calling it returns
a tensor sharing ``data``'s memory, outside any graph, with ``requires_grad`` as asked; and
``isinstance(t, Variable)`` is True for every tensor."""

import warnings

__all__ = ["Variable"]


class _VariableMeta(type):
    def __instancecheck__(cls, other):
        from numtorch._tensor import Tensor

        return isinstance(other, Tensor)


class Variable(metaclass=_VariableMeta):
    """``Variable(data, requires_grad=False, volatile=False)``; ``volatile`` has no effect (use
    ``numtorch.no_grad()``), as in PyTorch."""

    def __new__(cls, data=None, requires_grad=False, volatile=False):
        from numtorch._creation import empty
        from numtorch._tensor import Tensor

        if volatile:
            warnings.warn("volatile was removed and now has no effect. Use `with torch.no_grad():`"
                          " instead.", UserWarning, stacklevel=2)
        if data is None:
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        out = data.data
        if requires_grad:
            out.requires_grad_(True)
        return out
