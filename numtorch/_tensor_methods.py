"""Binds operators and methods onto ``Tensor``.

Each op family module lists its methods in ``TENSOR_METHODS`` (name -> function taking the
tensor first) and its in-place forms in ``INPLACE_METHODS`` (``"add_"`` -> the out-of-place
``add``). An in-place method computes the out-of-place result from a snapshot of the tensor and
writes it back into the tensor's memory (``Tensor._set_from``), taking the result's place in the
graph, so ``x += y`` on a tensor in the graph gets correct gradients.
"""

import numpy as np

from numtorch import _random
from numtorch._tensor import Tensor, _wrap
from numtorch.autograd import grad_mode
from numtorch.autograd.function import _grad_state, _new, copy_over, record_binary
from numtorch.ops import (
    aliases,
    index_reduce,
    indexing,
    join,
    linalg,
    numeric,
    reduction,
    shape,
    sorting,
    statistics,
    strided,
)
from numtorch.ops import elementwise as ew
from numtorch.ops._broadcast import check_broadcast
from numtorch.ops.comparison import compare_inplace

__all__ = ["bind"]


def _inplace(fn, name):
    def method(self, *args, **kwargs):
        return self._set_from(fn(self._snapshot(), *args, **kwargs))

    method.__name__ = name
    method.__doc__ = f"In-place ``{fn.__name__}``: writes the result into this tensor."
    return method


def _reflected(fn):
    def method(self, other):
        return fn(other, self)

    return method


def _zero_(self):
    self._check_inplace()
    if self._requires_grad and grad_mode._state.enabled:
        # constant zeros replace values in the graph (``Tensor._set_from``): no gradient back
        return self._set_from(_wrap(np.zeros_like(self._data)))
    self._data[...] = 0
    self._bump()
    return self


def _fill_(self, value):
    if not isinstance(value, (Tensor, int, float, complex, np.generic)):
        # NumPy would broadcast a sequence into the tensor; PyTorch takes one number
        raise TypeError(f"fill_() received an invalid combination of arguments - got "
                        f"({type(value).__name__}): value must be a number or a 0-dim tensor")
    self._check_inplace()
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor "
                               f"with {value._data.ndim} dimensions.")
        return _copy_(self, value)
    if self._requires_grad and grad_mode._state.enabled:
        # a tensor in the graph: its history is cut (``Tensor._set_from``)
        arr = np.empty_like(self._data)
        arr[...] = value
        return self._set_from(_wrap(arr))
    self._data[...] = value
    self._bump()
    return self


def _nan_to_num_(self, nan=0.0, posinf=None, neginf=None):
    """In-place ``nan_to_num``. An integer or bool tensor holds no NaN or infinity: nothing is
    written, and it is returned as it is (an expanded one too, as in PyTorch)."""
    if self._data.dtype.kind != "f":
        return self
    return _inplace(_unchecked(ew.nan_to_num), "nan_to_num_")(self, nan, posinf, neginf)


def _copy_(self, src, non_blocking=False):
    """Copy ``src`` (broadcast, cast) into this tensor; differentiable w.r.t. ``src``."""
    self._check_inplace()
    src_shape = tuple(src.shape) if isinstance(src, Tensor) else np.shape(src)
    check_broadcast(self._data.shape, src_shape)
    if len(src_shape) > self._data.ndim or any(
            s != 1 and s != d for s, d in zip(src_shape[::-1], self._data.shape[::-1])):
        raise RuntimeError(
            f"output with shape [{', '.join(map(str, self._data.shape))}] doesn't match the "
            f"broadcast shape "
            f"[{', '.join(map(str, np.broadcast_shapes(self._data.shape, src_shape)))}]")
    if isinstance(src, Tensor) and src._requires_grad:
        res = src.to(self.dtype).expand(self.shape)
        snap = self._snapshot()
        if snap._requires_grad:
            return self._set_from(copy_over(res, snap))
        return self._set_from(res.clone())
    arr = src._data if isinstance(src, Tensor) else np.asarray(src)
    if self._requires_grad and grad_mode._state.enabled:
        # a tensor in the graph: its history is cut (``Tensor._set_from``)
        new = np.empty_like(self._data)
        np.copyto(new, np.broadcast_to(arr, self._data.shape), casting="unsafe")
        return self._set_from(_wrap(new))
    np.copyto(self._data, np.broadcast_to(arr, self._data.shape), casting="unsafe")
    self._bump()
    return self


def _where(self, condition, other):
    """``self.where(condition, other)``: ``torch.where(condition, self, other)``."""
    return ew.where(condition, self, other)


def _new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    from numtorch._creation import tensor

    return tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)


def _new_factory(name):
    from numtorch import _creation

    fn = getattr(_creation, name[4:])

    def method(self, *size, dtype=None, device=None, requires_grad=False):
        if name == "new_full":
            return fn(size[0], size[1], dtype=dtype or self.dtype, requires_grad=requires_grad)
        return fn(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    return method


def _operator(primitive, ufunc, general):
    """``x + y`` and friends: two float tensors of one dtype and shape go straight to the
    primitive's ufunc (the per-op cost of every training step), and to the primitive, recorded
    by ``record_binary``, when one of them requires grad; anything else takes the function's
    full path (promotion, broadcasting checks, PyTorch's bool rules)."""
    def op(self, other):
        if isinstance(other, Tensor):
            a, b = self._data, other._data
            if a.dtype == b.dtype and a.shape == b.shape and a.dtype.kind == "f":
                if (self._requires_grad or other._requires_grad) and _grad_state.enabled:
                    ctx = _new(primitive)
                    out = primitive.forward(ctx, a, b)
                    t = _wrap(out)
                    record_binary(ctx, self, other, out, t)
                    return t
                return _wrap(ufunc(a, b))
        return general(self, other)

    op.__name__ = general.__name__
    op.__doc__ = general.__doc__
    return op


OPERATORS = {
    "__add__": _operator(ew.Add, np.add, ew.add), "__radd__": _reflected(ew.add),
    "__sub__": _operator(ew.Sub, np.subtract, ew.sub), "__rsub__": _reflected(ew.sub),
    "__mul__": _operator(ew.Mul, np.multiply, ew.mul), "__rmul__": _reflected(ew.mul),
    "__truediv__": _operator(ew.Div, np.true_divide, ew.div),
    "__rtruediv__": _reflected(ew.div),
    "__floordiv__": ew.floor_divide, "__rfloordiv__": _reflected(ew.floor_divide),
    "__mod__": ew.remainder, "__rmod__": _reflected(ew.remainder),
    "__pow__": ew.pow, "__rpow__": _reflected(ew.pow),
    "__matmul__": linalg.matmul, "__rmatmul__": _reflected(linalg.matmul),
    "__neg__": ew.neg, "__pos__": lambda self: self, "__abs__": ew.abs,
    "__eq__": ew.eq, "__ne__": ew.ne, "__lt__": ew.lt, "__le__": ew.le, "__gt__": ew.gt,
    "__ge__": ew.ge,
    "__and__": ew.bitwise_and, "__or__": ew.bitwise_or, "__xor__": ew.bitwise_xor,
    "__rand__": _reflected(ew.bitwise_and), "__ror__": _reflected(ew.bitwise_or),
    "__rxor__": _reflected(ew.bitwise_xor), "__invert__": ew.bitwise_not,
}

INPLACE_OPERATORS = {
    "__iadd__": ew.add, "__isub__": ew.sub, "__imul__": ew.mul, "__itruediv__": ew.div,
    "__ifloordiv__": ew.floor_divide, "__imod__": ew.remainder, "__ipow__": ew.pow,
    "__iand__": ew.bitwise_and, "__ior__": ew.bitwise_or, "__ixor__": ew.bitwise_xor,
}

ELEMENTWISE_METHODS = [
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide",
    "floor_divide", "remainder", "fmod", "pow", "neg", "negative", "positive", "abs",
    "absolute", "sign",
    "exp", "exp2", "log", "log2", "log10", "log1p", "expm1", "sqrt", "rsqrt", "square",
    "reciprocal", "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh",
    "sigmoid", "erf", "erfc", "erfinv", "relu", "clamp", "clip", "clamp_min", "clamp_max",
    "maximum", "minimum", "fmax", "fmin", "lerp", "floor", "ceil", "round", "trunc", "frac",
    "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal",
    "not_equal", "equal", "logical_and", "logical_or", "logical_xor", "logical_not",
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "isnan", "isinf", "isfinite",
    "isposinf", "isneginf", "signbit", "nan_to_num", "isclose", "allclose", "logit", "xlogy",
    "hypot", "copysign", "heaviside", "deg2rad", "rad2deg", "float_power", "addcmul",
    "addcdiv", "clone",
]

ELEMENTWISE_INPLACE = [
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "floor_divide",
    "remainder", "fmod", "pow", "neg", "negative", "abs", "absolute", "sign", "exp", "exp2",
    "log", "log2", "log10", "log1p", "expm1", "sqrt", "rsqrt", "square", "reciprocal", "sin",
    "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh", "sigmoid", "erf",
    "erfc", "erfinv", "relu", "clamp", "clip", "clamp_min", "clamp_max", "lerp", "floor", "ceil",
    "round", "trunc", "frac", "logit", "xlogy", "hypot", "copysign", "nan_to_num", "deg2rad",
    "rad2deg", "float_power", "addcmul", "addcdiv", "logical_and", "logical_or", "logical_xor",
    "logical_not", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not",
]


def _unchecked(fn):
    """A function without the tensor-argument check of ``numtorch/ops/_scalars.py``."""
    return getattr(fn, "__wrapped__", fn)


# The in-place comparisons (a 0/1 result kept in the graph: ``comparison.compare_inplace``),
# under PyTorch's short and long names: method -> comparison.
COMPARISON_INPLACE = {
    "eq_": "eq", "ne_": "ne", "lt_": "lt", "le_": "le", "gt_": "gt", "ge_": "ge",
    "not_equal_": "ne", "greater_": "gt", "greater_equal_": "ge", "less_": "lt",
    "less_equal_": "le",
}


def bind():
    for name, fn in OPERATORS.items():
        setattr(Tensor, name, fn)
    for name, fn in INPLACE_OPERATORS.items():
        setattr(Tensor, name, _inplace(fn, name))
    for name in ELEMENTWISE_METHODS:  # (``self`` is a tensor: no argument check needed)
        setattr(Tensor, name, _unchecked(getattr(ew, name)))
    for name in ELEMENTWISE_INPLACE:
        setattr(Tensor, name + "_", _inplace(_unchecked(getattr(ew, name)), name + "_"))
    for name, comparison in COMPARISON_INPLACE.items():
        setattr(Tensor, name, compare_inplace(_unchecked(getattr(ew, comparison)), name))
    for module in (ew, reduction, shape, join, indexing, sorting, linalg, statistics, _random,
                   aliases, strided, index_reduce, numeric):
        for name, fn in getattr(module, "TENSOR_METHODS", {}).items():
            setattr(Tensor, name, fn)
        for name, fn in getattr(module, "INPLACE_METHODS", {}).items():
            setattr(Tensor, name, _inplace(fn, name))
    Tensor.zero_ = _zero_
    Tensor.fill_ = _fill_
    Tensor.nan_to_num_ = _nan_to_num_
    Tensor.copy_ = _copy_
    Tensor.new_tensor = _new_tensor
    Tensor.where = _where
    for name in ("new_zeros", "new_ones", "new_empty", "new_full"):
        setattr(Tensor, name, _new_factory(name))
