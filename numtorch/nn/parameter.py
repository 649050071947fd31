"""``Parameter``: a tensor that a ``Module`` registers as one of its learnable weights.

A ``Parameter`` is a ``Tensor`` (same memory, same operations) whose only difference is that
assigning it as a module attribute registers it in ``module.parameters()``. Operations on a
parameter return plain tensors, as in PyTorch.

``UninitializedParameter`` / ``UninitializedBuffer`` are the placeholders of lazy modules
(``LazyLinear``): they hold no values until ``materialize(shape)`` gives them their shape, after
which they become an ordinary ``Parameter`` / ``Tensor``.
"""

import numpy as np

from numtorch import _dtype
from numtorch._tensor import Tensor, _new

__all__ = ["Parameter", "UninitializedParameter", "UninitializedBuffer", "Buffer"]


def _init_from(t, data, requires_grad):
    """Make ``t`` (a fresh object) share ``data``'s memory and version counter, as a leaf."""
    if data is None:
        arr = np.empty((0,), dtype=_dtype.get_default_dtype().np_dtype)
        vc = None
    elif isinstance(data, Tensor):
        arr = data._data
        vc = data._ensure_vc()
    else:
        raise TypeError(f"Parameter(): argument 'data' must be Tensor, not {type(data).__name__}")
    if requires_grad and arr.dtype.kind != "f":
        raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                           "gradients")
    t._data = arr
    t._requires_grad = bool(requires_grad)
    t.grad = None
    t.grad_fn = None
    t._output_nr = 0
    t._vc = vc
    t._accumulator = None
    t._view_of = None


class Parameter(Tensor):
    """``Parameter(data=None, requires_grad=True)``: a leaf tensor sharing ``data``'s memory
    that modules register automatically. ``data=None`` gives an empty float tensor."""

    __slots__ = ()

    def __new__(cls, data=None, requires_grad=True):
        t = _new(cls)
        _init_from(t, data, requires_grad)
        return t

    def __init__(self, data=None, requires_grad=True):
        pass  # everything happens in __new__ (Tensor.__init__ is the legacy constructor)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        new = _new(type(self))
        _init_from(new, Tensor(0), False)
        new._data = self._data.copy()
        new._requires_grad = self._requires_grad
        new._vc = None
        if self.grad is not None:
            from numtorch._tensor import _wrap

            new.grad = _wrap(self.grad._data.copy())
        memo[id(self)] = new
        return new

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (self._data, self._requires_grad, type(self)))


class Buffer(Tensor):
    """``Buffer(data=None, *, persistent=True)``: a tensor (``data`` detached, same memory) that
    assigning as a module attribute registers as a buffer, kept in ``state_dict()`` unless
    ``persistent=False``. ``data=None`` gives an empty float tensor.

    NOTE: PyTorch returns a plain tensor carrying a flag; numtorch's tensors have no room for
    one, so a buffer is of this class (or of its non-persistent sibling), which behaves as a
    plain tensor everywhere else.
    """

    __slots__ = ()
    persistent = True

    def __new__(cls, data=None, *, persistent=True):
        if data is not None and not isinstance(data, Tensor):
            raise AttributeError(f"'{type(data).__name__}' object has no attribute 'detach'")
        t = _new(Buffer if persistent else _NonPersistentBuffer)
        _init_from(t, None if data is None else data.detach(),
                   data is not None and data.requires_grad)
        return t

    def __init__(self, data=None, *, persistent=True):
        pass  # everything happens in __new__

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (self._data, self._requires_grad, type(self)))


class _NonPersistentBuffer(Buffer):
    __slots__ = ()
    persistent = False


def _rebuild_parameter(arr, requires_grad, cls):
    t = _new(cls)
    _init_from(t, None, False)
    t._data = arr
    t._requires_grad = requires_grad
    return t


def is_lazy(param):
    """Whether ``param`` is a lazy placeholder without a shape yet."""
    return isinstance(param, (UninitializedParameter, UninitializedBuffer))


class UninitializedParameter(Parameter):
    """A parameter of a lazy module before its first forward: no shape, no values. Reading its
    values raises; ``materialize(shape)`` turns it into an ordinary ``Parameter``."""

    __slots__ = ()
    cls_to_become = Parameter

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        t = _new(cls)
        _init_from(t, None, False)
        t._requires_grad = bool(requires_grad)
        if dtype is not None:
            t._data = np.empty((0,), dtype=_dtype.to_dtype(dtype).np_dtype)
        return t

    def __init__(self, requires_grad=True, device=None, dtype=None):
        pass

    def materialize(self, shape, device=None, dtype=None):
        """Give the placeholder ``shape`` (values uninitialized: zeros) and make it a
        ``Parameter``."""
        np_dt = self._data.dtype if dtype is None else _dtype.to_dtype(dtype).np_dtype
        if isinstance(shape, int):
            shape = (shape,)
        self._data = np.zeros(tuple(int(s) for s in shape), dtype=np_dt)
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError(
            "Can't access the shape of an uninitialized parameter or buffer. This error usually "
            "happens in `load_state_dict` when trying to load an uninitialized parameter into an "
            "initialized one. Call `forward` to initialize the parameters before accessing "
            "their attributes.")

    def __repr__(self):
        return "<UninitializedParameter>"


class UninitializedBuffer(Tensor):
    """A buffer of a lazy module before its first forward (see ``UninitializedParameter``)."""

    __slots__ = ()
    cls_to_become = Tensor

    def __new__(cls, requires_grad=False, device=None, dtype=None):
        t = _new(cls)
        _init_from(t, None, False)
        if dtype is not None:
            t._data = np.empty((0,), dtype=_dtype.to_dtype(dtype).np_dtype)
        return t

    def __init__(self, requires_grad=False, device=None, dtype=None):
        pass

    def materialize(self, shape, device=None, dtype=None):
        np_dt = self._data.dtype if dtype is None else _dtype.to_dtype(dtype).np_dtype
        if isinstance(shape, int):
            shape = (shape,)
        self._data = np.zeros(tuple(int(s) for s in shape), dtype=np_dt)
        self.__class__ = self.cls_to_become

    shape = UninitializedParameter.shape

    def __repr__(self):
        return "<UninitializedBuffer>"
