"""Elementwise arithmetic: the dtype cast, the binary operators (``+ - * / // %``) with
PyTorch's type promotion and bool/integer rules, and the compositions of them (``lerp``,
``addcmul``, ``addcdiv``).

The base of the elementwise family: ``comparison.py`` and ``math_functions.py`` build on its
operand checks (``_is_bool``, ``_binary_nograd``), and ``ops/elementwise.py`` gathers the three as
the family's public face. Each primitive computes its output with NumPy in ``forward`` and, a few
lines below, sends the gradient back in ``backward`` with numtorch ops (so it can be
differentiated again). Gradients of broadcast inputs are reduced by the engine
(``sum_to_shape``), so the rules are pure math.
"""

import functools
import inspect
import warnings

import numpy as np

from numtorch import _dtype, _layout
from numtorch._tensor import Tensor, _wrap
from numtorch.autograd import grad_mode
from numtorch.autograd.function import Primitive
from numtorch.ops import _scalars
from numtorch.ops._broadcast import promote_operands
from numtorch.ops._out import _out, _zeros_like

__all__ = [
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "floor_divide",
    "remainder", "fmod", "lerp", "cast", "addcmul", "addcdiv", "clone",
]


# NOTE: PyTorch computes log(0) = -inf, 1/0 = inf and sqrt(-1) = nan without a word; NumPy warns.
# Floating-point warnings raised inside numtorch's own modules are silenced to match; NumPy
# called directly from user code still warns as usual.
warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"numtorch\.")


def _float_input(x):
    """Unary math functions of integer tensors compute in the default float dtype (PyTorch)."""
    if isinstance(x, Tensor):
        if x._data.dtype.kind != "f":
            return cast(x, _dtype.get_default_dtype())
        return x
    return _wrap(np.asarray(x, dtype=_dtype.get_default_dtype().np_dtype))


def _tensor(x, like=None):
    if isinstance(x, Tensor):
        return x
    from numtorch._tensor import _as_array

    arr = _as_array(x)
    if like is not None and arr.ndim == 0:
        arr = _as_array(x, _dtype.result_type(like, x))  # (a float straight to float64)
    return _wrap(arr)


# ====================================================================== dtype
class Cast(Primitive):
    """``x.to(dtype)``; the gradient flows back in the input's dtype (the engine casts it)."""

    node_name = "ToCopyBackward0"

    @staticmethod
    def forward(ctx, x, dtype):
        return x.astype(dtype.np_dtype)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output, None


def cast(x, dtype):
    return Cast.apply(x, dtype)


def clone(input, *, memory_format=_layout.preserve_format):
    """A copy of ``input`` that owns its memory; differentiable (``CloneBackward0``)."""
    from numtorch.ops.shape import clone as _clone

    return _clone(input, memory_format=memory_format)


# ====================================================================== binary arithmetic
class Add(Primitive):
    """d(x + y) = dx + dy."""

    @staticmethod
    def forward(ctx, x, y):
        return np.add(x, y)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output, grad_output


class Sub(Primitive):
    """d(x - y) = dx - dy."""

    @staticmethod
    def forward(ctx, x, y):
        return np.subtract(x, y)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output, (-grad_output if ctx.needs_input_grad[1] else None)


class Mul(Primitive):
    """d(x * y) = y dx + x dy."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return np.multiply(x, y)

    @staticmethod
    def backward(ctx, grad_output):
        x, y = ctx.saved_tensors
        gx = grad_output * y if ctx.needs_input_grad[0] else None
        gy = grad_output * x if ctx.needs_input_grad[1] else None
        return gx, gy


class Div(Primitive):
    """d(x / y) = dx / y - x / y^2 dy."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return np.true_divide(x, y)

    @staticmethod
    def backward(ctx, grad_output):
        x, y = ctx.saved_tensors
        gx = grad_output / y if ctx.needs_input_grad[0] else None
        gy = -grad_output * x / (y * y) if ctx.needs_input_grad[1] else None
        return gx, gy


def _binary(cls, a, b):
    a, b = promote_operands(a, b)
    return cls.apply(a, b)


def add(input, other, *, alpha=1, out=None):
    """``input + alpha * other`` with broadcasting and PyTorch's type promotion."""
    if alpha != 1:
        other = _times_alpha(input, other, alpha)
    a, b = promote_operands(input, other)
    res = Add.apply(a, b)
    return res if out is None else _out(res, out)


def sub(input, other, *, alpha=1, out=None):
    """``input - alpha * other``."""
    a_bool = _is_bool(input)
    b_bool = _is_bool(other)
    if a_bool and b_bool and isinstance(input, Tensor) and isinstance(other, Tensor):
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                           "supported. Use the `^` or `logical_xor()` operator instead.")
    if a_bool or b_bool:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")
    if alpha != 1:
        other = _times_alpha(input, other, alpha)
    a, b = promote_operands(input, other)
    res = Sub.apply(a, b)
    return res if out is None else _out(res, out)


subtract = sub


def _times_alpha(input, other, alpha):
    """``alpha * other`` for add/sub: a float alpha needs a floating operand (PyTorch)."""
    if isinstance(alpha, float) and not _is_float(input) and not _is_float(other):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating "
                           "point number.")
    if _is_bool(input) and _is_bool(other):
        return mul(other, bool(alpha))  # bool arithmetic: stays bool
    dt = _dtype.result_type(input, other)
    if isinstance(other, Tensor) and other.dtype is not dt:
        other = cast(other, dt)  # alpha scales in the result's dtype, as PyTorch
    return mul(other, alpha)


def _no_bool_kernel(name, a, b):
    """PyTorch has no bool kernel for some binary ops (two bools, or a bool and a bool)."""
    if _is_bool(a) and _is_bool(b):
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for 'Bool'")


def _check_zero_division(a, b):
    """Integer division by zero raises, as in PyTorch (floats give inf/NaN)."""
    if not _is_float(a) and not _is_float(b):
        yb = b._data if isinstance(b, Tensor) else np.asarray(b)
        if not np.all(yb) and (
                not isinstance(a, Tensor) or a._data.size):
            raise RuntimeError("ZeroDivisionError")


def _is_bool(x):
    if isinstance(x, Tensor):
        return x._data.dtype == np.bool_
    return isinstance(x, (bool, np.bool_))


def _reject_bool(x, kernel):
    """PyTorch has no bool kernel for some math functions; say so as it does."""
    if isinstance(x, Tensor) and x._data.dtype == np.bool_:
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


def mul(input, other, *, out=None):
    """``input * other`` with broadcasting and PyTorch's type promotion."""
    a, b = promote_operands(input, other)
    res = Mul.apply(a, b)
    return res if out is None else _out(res, out)


multiply = mul


def div(input, other, *, rounding_mode=None, out=None):
    """True division (integer inputs give the default float dtype); ``rounding_mode`` 'trunc'
    or 'floor' rounds the quotient (no gradient, like PyTorch's zero gradient)."""
    if rounding_mode is not None:
        if rounding_mode in ("floor", "trunc"):
            _no_bool_kernel(f"div_{rounding_mode}", input, other)
            _check_zero_division(input, other)
        if rounding_mode == "floor":
            return _out(_binary_nograd(input, other, np.floor_divide, "zero"), out)
        if rounding_mode == "trunc":
            return _out(_binary_nograd(input, other, lambda x, y: np.trunc(
                np.true_divide(x, y)).astype(np.result_type(x, y), copy=False), "zero"), out)
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                           f"but found '{rounding_mode}'")
    a, b = promote_operands(input, other)
    if not _is_float(a) and not _is_float(b):
        dt = _dtype.get_default_dtype()
        a = cast(a, dt) if isinstance(a, Tensor) else float(a)
        b = cast(b, dt) if isinstance(b, Tensor) else float(b)
    return _out(Div.apply(a, b), out)


divide = div
true_divide = div


def _is_float(x):
    if isinstance(x, Tensor):
        return x._data.dtype.kind == "f"
    return isinstance(x, float)


def _binary_nograd(a, b, fn, derivative=None):
    """A binary op with a piecewise-constant result. When an input requires grad the result
    is recorded as PyTorch records it: ``derivative="zero"`` gives zero gradients (``div`` with
    a rounding mode), a name (``"floor_divide"``) a node whose backward raises PyTorch's
    "derivative ... is not implemented"."""
    a, b = promote_operands(a, b)
    xa = a._data if isinstance(a, Tensor) else a
    xb = b._data if isinstance(b, Tensor) else b
    out = fn(xa, xb)
    dt = _dtype.result_type(a, b).np_dtype
    if np.asarray(out).dtype != dt and np.asarray(out).dtype.kind != "b":
        out = np.asarray(out).astype(dt)
    if derivative is not None and np.asarray(out).dtype.kind == "f" and \
            grad_mode.is_grad_enabled() and any(isinstance(t, Tensor) and t._requires_grad
                                                for t in (a, b)):
        return _StepBinary.apply(a if isinstance(a, Tensor) else _wrap(np.asarray(xa)),
                                 b if isinstance(b, Tensor) else _wrap(np.asarray(xb)),
                                 np.asarray(out), derivative)
    return _wrap(out)


class _StepBinary(Primitive):
    """The graph node of a piecewise-constant binary op (see ``_binary_nograd``)."""

    node_name = "NotImplemented"

    @staticmethod
    def forward(ctx, x, y, value, derivative):
        ctx.derivative = derivative
        return value

    @staticmethod
    def backward(ctx, grad_output):
        if ctx.derivative != "zero":
            raise RuntimeError(f"derivative for aten::{ctx.derivative} is not implemented")
        zero = _zeros_like(grad_output)
        return (zero if ctx.needs_input_grad[0] else None,
                zero if ctx.needs_input_grad[1] else None, None, None)


def floor_divide(input, other, *, out=None):
    """``floor(input / other)`` (PyTorch >= 1.13 floors); not differentiable."""
    if _is_bool(input) and _is_bool(other):
        raise NotImplementedError("\"div_floor_cpu\" not implemented for 'Bool'")
    _check_zero_division(input, other)
    return _out(_binary_nograd(input, other, np.floor_divide, "floor_divide"), out)


def remainder(input, other, *, out=None):
    """Python-style modulus (sign of the divisor), like PyTorch's ``remainder``.

    NOTE: the gradient w.r.t. ``input`` is 1 and w.r.t. ``other`` is ``-floor(input/other)``, as
    in PyTorch."""
    _no_bool_kernel("remainder", input, other)
    a, b = promote_operands(input, other)
    _check_zero_division(a, b)
    return _out(Remainder.apply(a, b), out)


class Remainder(Primitive):
    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return np.remainder(x, y)

    @staticmethod
    def backward(ctx, grad_output):
        x, y = ctx.saved_tensors
        gy = -grad_output * floor_divide(x, y) if ctx.needs_input_grad[1] else None
        return grad_output, gy


def fmod(input, other, *, out=None):
    """C-style modulus (sign of the dividend).

    NOTE: the gradient w.r.t. ``input`` is 1 and w.r.t. ``other`` is ``-trunc(input/other)``,
    as in PyTorch."""
    _no_bool_kernel("fmod", input, other)
    a, b = promote_operands(input, other)
    if not _is_float(a) and not _is_float(b):
        _check_zero_division(a, b)
        return _out(_binary_nograd(a, b, np.fmod), out)
    return _out(Fmod.apply(a, b), out)


class Fmod(Primitive):
    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return np.fmod(x, y)

    @staticmethod
    def backward(ctx, grad_output):
        x, y = ctx.saved_tensors
        gy = -grad_output * div(x, y, rounding_mode="trunc") if ctx.needs_input_grad[1] \
            else None
        return grad_output, gy


_C_TYPE_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half",
                 "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
                 "uint8": "unsigned char", "bool": "bool"}


def lerp(input, end, weight, *, out=None):
    """``input + weight * (end - input)``; ``end`` (and a tensor ``weight``) must have the
    input's dtype, as in PyTorch (no promotion)."""
    for name, arg in (("end", end), ("weight", weight)):
        if isinstance(arg, Tensor) and arg._data.dtype != input._data.dtype:
            raise RuntimeError(f"expected dtype {_C_TYPE_NAMES[input._data.dtype.name]} for "
                               f"`{name}` but got dtype {_C_TYPE_NAMES[arg._data.dtype.name]}")
    return _out(input + weight * (end - input), out)


def addcmul(input, tensor1, tensor2, *, value=1):
    """``input + value * tensor1 * tensor2``; PyTorch has no bool kernel for it."""
    if all(isinstance(t, Tensor) and t._data.dtype == np.bool_
           for t in (input, tensor1, tensor2)):
        raise NotImplementedError("\"addcmul_cpu_out\" not implemented for 'Bool'")
    return input + value * tensor1 * tensor2


def addcdiv(input, tensor1, tensor2, *, value=1):
    """``input + value * tensor1 / tensor2``; integer (and bool) ``tensor1`` and ``tensor2``
    are refused, as in PyTorch (which once divided them as integers)."""
    if all(isinstance(t, Tensor) and t._data.dtype.kind in "biu" for t in (tensor1, tensor2)):
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future release "
            "addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv "
            "behavior can be implemented as (input + value * trunc(tensor1 / tensor2))."
            "to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) "
            f"for float inputs; got tensor1 {tensor1.dtype} and tensor2 {tensor2.dtype}.")
    return input + value * tensor1 / tensor2


def _accepts_out(fn):
    """``fn`` with PyTorch's keyword-only ``out=`` (the result is copied into it by ``_out``)."""
    @functools.wraps(fn)
    def wrapper(*args, out=None, **kwargs):
        return _out(fn(*args, **kwargs), out, fn.__name__)

    sig = inspect.signature(fn)
    wrapper.__signature__ = sig.replace(parameters=[*sig.parameters.values(), inspect.Parameter(
        "out", inspect.Parameter.KEYWORD_ONLY, default=None)])
    return wrapper


# The functions written without ``out=`` get it here, all in one way.
addcdiv, addcmul = map(_accepts_out, (
    addcdiv, addcmul))


# PyTorch's TypeError for Python numbers in the arguments it requires to be tensors
_scalars.check_tensor_args(globals())
