"""Elementwise primitives: arithmetic, math functions, activations, comparisons.

Each primitive computes its output with NumPy in ``forward`` and, a few lines below, sends the
gradient back in ``backward`` with numtorch ops (so it can be differentiated again). Gradients of
broadcast inputs are reduced by the engine (``sum_to_shape``), so the rules are pure math.
"""

import builtins
import functools
import inspect
import math
import mmap
import warnings

import numpy as np

from numtorch import _dtype, _layout
from numtorch._tensor import Tensor, _wrap
from numtorch.autograd import function as _function
from numtorch.autograd import grad_mode
from numtorch.autograd.function import Primitive
from numtorch.ops import _scalars
from numtorch.ops._broadcast import promote_operands
from numtorch.ops._out import _kernel_name, _out, _zeros_like

# NOTE: PyTorch computes log(0) = -inf, 1/0 = inf and sqrt(-1) = nan without a word; NumPy warns.
# Floating-point warnings raised inside numtorch's own modules are silenced to match; NumPy
# called directly from user code still warns as usual.
warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"numtorch\.")

__all__ = [
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "floor_divide",
    "remainder", "fmod", "pow", "neg", "negative", "abs", "absolute", "sign", "exp", "exp2",
    "log", "log2", "log10", "log1p", "expm1", "sqrt", "rsqrt", "square", "reciprocal", "sin",
    "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh", "sigmoid", "erf",
    "erfc", "erfinv", "relu", "clamp", "clip", "clamp_min", "clamp_max", "maximum", "minimum",
    "fmax", "fmin", "where", "lerp", "floor", "ceil", "round", "trunc", "frac", "eq", "ne", "lt",
    "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal", "not_equal", "equal",
    "logical_and", "logical_or", "logical_xor", "logical_not", "bitwise_and", "bitwise_or",
    "bitwise_xor", "bitwise_not", "isnan", "isinf", "isfinite", "isposinf", "isneginf",
    "nan_to_num", "isclose", "allclose", "cast", "logit", "xlogy", "hypot", "copysign",
    "heaviside", "signbit", "deg2rad", "rad2deg", "float_power", "addcmul", "addcdiv", "clone",
    "positive",
]


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


class Pow(Primitive):
    """d(x ** y) = y x^(y-1) dx + x^y log(x) dy.

    NOTE: like PyTorch, the gradient w.r.t. ``y`` is 0 where ``x == 0`` and ``y >= 0`` (the
    limit of x^y log x), not NaN.
    """

    @staticmethod
    def forward(ctx, x, y):
        out = np.power(x, y)
        # (the result only for the exponent's gradient: PyTorch saves it only then, so only
        # then does a later in-place change of the result break backward)
        ctx.save_for_backward(x, y, out if isinstance(y, np.ndarray) else None)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, y, out = ctx.saved_tensors
        gx = gy = None
        if ctx.needs_input_grad[0]:
            if isinstance(y, Tensor):
                gx = _mask_mul(grad_output, y != 0) * (y * where(y == 0, 1.0, x) ** (y - 1))
            elif y == 0:
                gx = _zeros_like(grad_output)
            else:
                gx = grad_output * y * x ** (y - 1)
        if ctx.needs_input_grad[1]:
            safe = where((x == 0) & (y >= 0), 1.0, x)
            gy = grad_output * out * log(safe)
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


def _pow_operands(base, exponent):
    """Promoted operands of a tensor exponent; PyTorch has no bool kernel for ``pow``."""
    a, b = promote_operands(base, exponent)
    if a._data.dtype == np.bool_:
        raise NotImplementedError('"pow" not implemented for \'Bool\'')
    return a, b


def pow(input, exponent, *, out=None):
    """``input ** exponent``; either may be a tensor or a Python number."""
    if not isinstance(input, Tensor):
        exponent = _tensor(exponent)
        base = _tensor(input, like=exponent)
        a, b = _pow_operands(base, exponent)
        return _out(Pow.apply(a, b), out)
    if isinstance(exponent, Tensor):
        a, b = _pow_operands(input, exponent)
        return _out(Pow.apply(a, b), out)
    if not isinstance(exponent, (int, float, np.number, np.bool_)):
        # NumPy would broadcast a list exponent; PyTorch takes a number or a tensor
        raise TypeError(f"pow() received an invalid combination of arguments - got (Tensor, "
                        f"{type(exponent).__name__}): exponent must be a Tensor or a number")
    if isinstance(exponent, float) and input._data.dtype.kind != "f":
        input = cast(input, _dtype.get_default_dtype())
    if input._data.dtype == np.bool_ and isinstance(exponent, bool):
        return _out(_wrap(input._data | (not exponent)), out)  # x ** True = x, x ** False = 1
    if input._data.dtype.kind in "biu" and isinstance(exponent, int) and exponent < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    return _out(Pow.apply(input, exponent), out)


def float_power(input, exponent):
    """``pow`` in float64, like PyTorch's ``float_power``."""
    x = input.to(_dtype.float64) if isinstance(input, Tensor) else input
    e = exponent.to(_dtype.float64) if isinstance(exponent, Tensor) else float(exponent)
    return pow(x, e)


# ====================================================================== unary math
def _unary(name, fwd, bwd_doc, backward, float_only=True, save="x"):
    """Build a one-input primitive class: ``fwd`` maps arrays; ``backward(ctx, g, x, y)``."""

    def forward(ctx, x):
        y = fwd(x)
        if save == "x":
            ctx.save_for_backward(x)
        elif save == "y":
            ctx.save_for_backward(y)
        elif save == "xy":
            ctx.save_for_backward(x, y)
        return y

    def bwd(ctx, grad_output):
        saved = ctx.saved_tensors
        return backward(grad_output, *saved)

    cls = type(name, (Primitive,), {
        "__doc__": bwd_doc, "forward": staticmethod(forward), "backward": staticmethod(bwd),
        "__module__": __name__,
    })

    def fn(input, *, out=None):
        x = _float_input(input) if float_only else input
        return _out(cls.apply(x), out, fn.__name__)

    fn.__name__ = name.lower()
    fn.__doc__ = bwd_doc
    return cls, fn


Neg, _neg = _unary("Neg", np.negative, "d(-x) = -dx.", lambda g: -g, float_only=False,
                   save=None)


def neg(input, *, out=None):
    """``-input``; bool tensors raise as in PyTorch (use ``~`` or ``logical_not``)."""
    if input._data.dtype == np.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you "
                           "are trying to invert a mask, use the `~` or `logical_not()` operator "
                           "instead.")
    return _neg(input, out=out)


negative = neg


def positive(input):
    """``input`` itself (``+x``); bool tensors raise, as in PyTorch."""
    if input._data.dtype == np.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input
Exp, exp = _unary("Exp", np.exp, "d exp(x) = exp(x) dx.", lambda g, y: g * y, save="y")
Exp2, exp2 = _unary("Exp2", np.exp2, "d 2^x = 2^x ln 2 dx.", lambda g, y: g * y * math.log(2),
                    save="y")
Log, log = _unary("Log", np.log, "d log(x) = dx / x.", lambda g, x: g / x)
Log2, log2 = _unary("Log2", np.log2, "d log2(x) = dx / (x ln 2).",
                    lambda g, x: g / (x * math.log(2)))
Log10, log10 = _unary("Log10", np.log10, "d log10(x) = dx / (x ln 10).",
                      lambda g, x: g / (x * math.log(10)))
Log1p, log1p = _unary("Log1p", np.log1p, "d log(1 + x) = dx / (1 + x).",
                      lambda g, x: g / (x + 1))
Expm1, expm1 = _unary("Expm1", np.expm1, "d (exp(x) - 1) = exp(x) dx.",
                      lambda g, y: g * (y + 1), save="y")
Sqrt, sqrt = _unary("Sqrt", np.sqrt, "d sqrt(x) = dx / (2 sqrt(x)).",
                    lambda g, y: g / (y * 2), save="y")
Rsqrt, rsqrt = _unary("Rsqrt", lambda x: 1 / np.sqrt(x), "d x^(-1/2) = -x^(-3/2)/2 dx.",
                      lambda g, y: g * (y * y * y) * -0.5, save="y")
Reciprocal, reciprocal = _unary("Reciprocal", np.reciprocal, "d (1/x) = -dx / x^2.",
                                lambda g, y: -g * y * y, save="y")
Sin, sin = _unary("Sin", np.sin, "d sin(x) = cos(x) dx.", lambda g, x: g * cos(x))
Cos, cos = _unary("Cos", np.cos, "d cos(x) = -sin(x) dx.", lambda g, x: -g * sin(x))
Tan, tan = _unary("Tan", np.tan, "d tan(x) = (1 + tan(x)^2) dx.",
                  lambda g, y: g * (y * y + 1), save="y")
Asin, asin = _unary("Asin", np.arcsin, "d asin(x) = dx / sqrt(1 - x^2).",
                    lambda g, x: g * rsqrt(1 - x * x))
Acos, acos = _unary("Acos", np.arccos, "d acos(x) = -dx / sqrt(1 - x^2).",
                    lambda g, x: -g * rsqrt(1 - x * x))
Atan, atan = _unary("Atan", np.arctan, "d atan(x) = dx / (1 + x^2).",
                    lambda g, x: g / (x * x + 1))
Sinh, sinh = _unary("Sinh", np.sinh, "d sinh(x) = cosh(x) dx.", lambda g, x: g * cosh(x))
Cosh, cosh = _unary("Cosh", np.cosh, "d cosh(x) = sinh(x) dx.", lambda g, x: g * sinh(x))
Tanh, tanh = _unary("Tanh", np.tanh, "d tanh(x) = (1 - tanh(x)^2) dx.",
                    lambda g, y: g * (1 - y * y), save="y")


def _sigmoid(x):
    # NOTE: the stable form: exp of a non-positive number only, so |x| = 1e4 gives 0 or 1.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


Sigmoid, sigmoid = _unary("Sigmoid", _sigmoid, "d sigmoid(x) = s (1 - s) dx, s = sigmoid(x).",
                          lambda g, y: g * y * (1 - y), save="y")


def _erf(x):
    from math import erf as _e

    return np.vectorize(_e, otypes=[x.dtype])(x) if x.size else x.copy()


try:  # SciPy is optional; math.erf per element is the fallback
    from scipy.special import erf as _sp_erf
    from scipy.special import erfinv as _sp_erfinv

    def _erf(x):  # noqa: F811
        return _sp_erf(x).astype(x.dtype, copy=False)
except ImportError:  # pragma: no cover - depends on the environment
    _sp_erfinv = None


Erf, erf = _unary("Erf", _erf, "d erf(x) = 2/sqrt(pi) exp(-x^2) dx.",
                  lambda g, x: g * exp(-x * x) * (2 / math.sqrt(math.pi)))


def erfc(input):
    """``1 - erf(x)``."""
    return 1 - erf(input)


def _erfinv(y):
    if _sp_erfinv is not None:
        return _sp_erfinv(y).astype(y.dtype, copy=False)
    # Newton iterations on erf from a rational first guess (no SciPy).
    x = np.zeros_like(y, dtype=np.float64)
    yy = y.astype(np.float64)
    a = 0.147
    ln = np.log(np.maximum(1 - yy * yy, 1e-300))
    t = 2 / (np.pi * a) + ln / 2
    x = np.sign(yy) * np.sqrt(np.sqrt(t * t - ln / a) - t)
    from math import erf as _e

    verf = np.vectorize(_e)
    for _ in range(3):
        x = x - (verf(x) - yy) / (2 / np.sqrt(np.pi) * np.exp(-x * x))
    x = np.where(yy >= 1, np.inf, np.where(yy <= -1, -np.inf, x))
    return x.astype(y.dtype)


Erfinv, erfinv = _unary("Erfinv", _erfinv, "d erfinv(y) = sqrt(pi)/2 exp(erfinv(y)^2) dy.",
                        lambda g, x: g * exp(x * x) * (math.sqrt(math.pi) / 2), save="y")


class Abs(Primitive):
    """d|x| = sign(x) dx (NOTE: 0 at x = 0, as PyTorch)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * sign(x)


def abs(input, *, out=None):
    _reject_bool(input, "abs_cpu")
    return _out(Abs.apply(input), out)


absolute = abs


_ZEROS = {}  # dtype -> read-only zeros in an anonymous memory map (untouched: no memory used)


def _zeros(n, dtype):
    z = _ZEROS.get(dtype)
    if z is None or z.size < n:
        size = max(n, 2 * (0 if z is None else z.size), 1024)
        z = np.frombuffer(mmap.mmap(-1, size * dtype.itemsize), dtype=dtype)
        z.flags.writeable = False
        _ZEROS[dtype] = z
    return z[:n]


def _dense(a):
    """Whether ``a``'s elements fill one block of memory in some axis order (a C-contiguous
    array, or a permuted one such as a convolution's channels-last output)."""
    expect = a.itemsize
    for stride, n in sorted((st, n) for st, n in zip(a.strides, a.shape) if n != 1):
        if stride != expect:
            return False
        expect *= n
    return True


def _relu(x):
    """max(x, 0), NaN kept. NumPy vectorizes ``maximum`` of two arrays but not of an array and
    a scalar (2-3x slower), so a dense ``x`` is compared, in its own memory order, against a
    block of zeros."""
    if x.dtype.kind != "f" or not _dense(x):
        return np.maximum(x, 0)
    out = np.empty_like(x)  # x's memory order
    np.maximum(x.ravel(order="K"), _zeros(x.size, x.dtype), out=out.ravel(order="K"))
    return out


class Relu(Primitive):
    """d relu(x) = [x > 0] dx. NOTE: the gradient at exactly 0 is 0, as in PyTorch.

    When a graph may be recorded, the forward saves the mask [y > 0] as booleans rather than
    the output: a quarter of the output's memory, and often the only reference that would keep
    the output alive until backward (max pooling after it keeps only its arg-max). A later
    in-place change of the output is still detected at backward, as PyTorch does for its saved
    output (``relu`` records the output's version on the node)."""

    node_name = "ReluBackward0"

    @staticmethod
    def forward(ctx, x):
        y = _relu(x)
        if grad_mode._state.enabled:  # (no mask for inference)
            ctx.save_for_backward(np.asarray(np.greater(y, 0)))  # y's memory order
        return y

    @staticmethod
    def backward(ctx, grad_output):
        (mask,) = ctx.saved_tensors
        check = ctx.__dict__.get("_output_check")
        if check is not None:
            _function._unpack(ctx, check)  # raises if the output was changed in place
        if grad_mode.is_grad_enabled() or grad_output._data.dtype.kind != "f":
            return _mask_mul(grad_output, mask)  # recorded: differentiable again
        # Unrecorded (the usual backward): the mask cast into the output buffer, then multiplied
        # in place (NumPy's float-times-bool loop casts in small buffered chunks, 2x slower).
        g, md = grad_output._data, mask._data
        if g.shape != md.shape:
            return _mask_mul(grad_output, mask)
        out = np.empty(md.shape, dtype=g.dtype) if md.flags.c_contiguous else \
            np.empty_like(md, dtype=g.dtype)  # the mask's (y's) memory order
        np.copyto(out, md, casting="unsafe")
        np.multiply(g, out, out=out)
        if out.size and np.isnan(out.max()):  # (rare: only a NaN or infinite gradient)
            np.copyto(out, 0, where=~md)  # zeros, not 0 * an infinite gradient
        return _wrap(out)


def relu(input, *, out=None):
    if input._data.dtype == np.bool_:
        raise RuntimeError("Boolean inputs not supported for relu")
    y = Relu.apply(input)
    node = y.grad_fn
    if type(node) is Relu:
        # What the saved output's entry would check at backward: the output's version (the
        # values are a zero-stride placeholder carrying only its dtype and shape for the error).
        vc = y._ensure_vc()
        placeholder = np.broadcast_to(np.zeros((), dtype=y._data.dtype), y._data.shape)
        node._output_check = (_function._OUTPUT, placeholder, vc, vc[0], 0)
    return _out(y, out)


# ====================================================================== non-differentiable
def _nograd_unary(fn, name, keep_int=True, doc=""):
    node = type(name.capitalize(), (_ZeroGrad,), {"__module__": __name__})

    def f(input, *, out=None):
        x = input._data if isinstance(input, Tensor) else np.asarray(input)
        if keep_int:
            _reject_bool(input, f"{name}_vml_cpu")
        if (keep_int and x.dtype.kind in "iu") or x.dtype == np.bool_:
            return _out(_wrap(x.copy()), out)
        res = _wrap(fn(x))
        if isinstance(input, Tensor) and input._requires_grad and grad_mode.is_grad_enabled():
            res = node.apply(input, res._data)
        return _out(res, out)

    f.__name__ = name
    f.__doc__ = doc or f"``{name}`` elementwise; its gradient is zero everywhere (PyTorch)."
    return f


class _ZeroGrad(Primitive):
    """Records a step function (floor, sign, ...): its gradient is zero, as PyTorch's."""

    node_name = "ZeroGradBackward0"

    @staticmethod
    def forward(ctx, x, value):
        return value

    @staticmethod
    def backward(ctx, grad_output):
        return _zeros_like(grad_output), None


_Round = type("Round", (_ZeroGrad,), {"__module__": __name__})
floor = _nograd_unary(np.floor, "floor")
ceil = _nograd_unary(np.ceil, "ceil")
trunc = _nograd_unary(np.trunc, "trunc")
# (NaN has sign 0 in PyTorch; NumPy keeps NaN)
sign = _nograd_unary(lambda x: np.where(np.isnan(x), 0, np.sign(x)).astype(x.dtype, copy=False)
                     if x.dtype.kind == "f" else np.sign(x), "sign", keep_int=False)


def round(input, *, decimals=0, out=None):
    """Round half to even, like PyTorch; zero gradient."""
    x = input._data if isinstance(input, Tensor) else np.asarray(input)
    _reject_bool(input, "round_vml_cpu")
    if x.dtype.kind in "iub":
        return _out(_wrap(x.copy()), out)
    res = np.round(x, decimals)
    if isinstance(input, Tensor) and input._requires_grad and grad_mode.is_grad_enabled():
        return _out(_Round.apply(input, res), out)
    return _out(_wrap(res), out)


def frac(input):
    """``x - trunc(x)``; gradient 1. Floating tensors only, as PyTorch."""
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"frac_cpu\" not implemented for '{_kernel_name(input)}'")
    return input - trunc(input).detach()


def _compare(fn, name):
    def f(input, other, *, out=None):
        a, b = promote_operands(_tensor(input) if not isinstance(input, Tensor) else input,
                                other)
        xa = a._data if isinstance(a, Tensor) else a
        xb = b._data if isinstance(b, Tensor) else b
        return _out(_wrap(np.asarray(fn(xa, xb))), out)

    f.__name__ = name
    f.__doc__ = f"Elementwise ``{name}`` with broadcasting; a bool tensor, outside the graph."
    return f


eq = _compare(np.equal, "eq")
ne = _compare(np.not_equal, "ne")
lt = _compare(np.less, "lt")
le = _compare(np.less_equal, "le")
gt = _compare(np.greater, "gt")
ge = _compare(np.greater_equal, "ge")
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def _logical(fn, name):
    def f(input, other, *, out=None):
        xa = input._data if isinstance(input, Tensor) else np.asarray(input)
        xb = other._data if isinstance(other, Tensor) else np.asarray(other)
        if xa.shape != xb.shape:
            from numtorch.ops._broadcast import check_broadcast

            check_broadcast(xa.shape, xb.shape)
        return _out(_wrap(np.asarray(fn(xa.astype(bool), xb.astype(bool)))), out)

    f.__name__ = name
    return f


logical_and = _logical(np.logical_and, "logical_and")
logical_or = _logical(np.logical_or, "logical_or")
logical_xor = _logical(np.logical_xor, "logical_xor")


def logical_not(input, *, out=None):
    return _out(_wrap(np.logical_not(input._data)), out)


def _bitwise(fn, name):
    def f(input, other):
        a, b = promote_operands(input, other)
        for x in (a, b):
            if isinstance(x, Tensor) and x._data.dtype.kind == "f":
                raise NotImplementedError(
                    f"\"{name}_cpu\" not implemented for '{_kernel_name(x)}'")
        xa = a._data if isinstance(a, Tensor) else a
        xb = b._data if isinstance(b, Tensor) else b
        return _wrap(np.asarray(fn(xa, xb)))

    f.__name__ = name
    return f


bitwise_and = _bitwise(np.bitwise_and, "bitwise_and")
bitwise_or = _bitwise(np.bitwise_or, "bitwise_or")
bitwise_xor = _bitwise(np.bitwise_xor, "bitwise_xor")


def bitwise_not(input):
    if input._data.dtype.kind == "f":
        raise NotImplementedError(
            f"\"bitwise_not_cpu\" not implemented for '{_kernel_name(input._data)}'")
    return _wrap(np.invert(input._data))


def isnan(input):
    return _wrap(np.isnan(input._data))


def isinf(input):
    return _wrap(np.isinf(input._data))


def isfinite(input):
    return _wrap(np.isfinite(input._data))


def isposinf(input):
    return _wrap(np.isposinf(input._data))


def isneginf(input):
    return _wrap(np.isneginf(input._data))


def signbit(input):
    return _wrap(np.signbit(input._data))


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """Replace NaN and infinities (by the dtype's extremes unless given); gradient passes where
    the input was finite."""
    x = input._data
    res = np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)
    if input._requires_grad and grad_mode.is_grad_enabled():
        keep = _wrap(np.isfinite(x))
        return where(keep, input, _wrap(res))
    return _wrap(res)


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return _wrap(np.isclose(input._data, _arr(other), rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(np.allclose(input._data, _arr(other), rtol=rtol, atol=atol, equal_nan=equal_nan))


def equal(input, other):
    """True when both tensors have the same shape and elements."""
    return input._data.shape == other._data.shape and bool(np.array_equal(input._data,
                                                                          other._data))


def _arr(x):
    return x._data if isinstance(x, Tensor) else np.asarray(x)


# ====================================================================== clamp, min/max, where
class Clamp(Primitive):
    """d clamp(x, lo, hi) = [lo <= x <= hi] dx (NOTE: the gradient passes at the bounds, as
    PyTorch). Tensor bounds get the gradient where they are the active value."""

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x, lo, hi)
        y = x
        if lo is not None:
            y = np.maximum(y, lo)
        if hi is not None:
            y = np.minimum(y, hi)
        if y is x:
            y = x.copy()
        return y

    @staticmethod
    def backward(ctx, grad_output):
        x, lo, hi = ctx.saved_tensors
        inside = None
        if lo is not None:
            inside = x >= lo
        if hi is not None:
            below = x <= hi
            inside = below if inside is None else inside & below
        gx = _mask_mul(grad_output, inside) if ctx.needs_input_grad[0] else None
        glo = ghi = None
        if ctx.needs_input_grad[1]:
            glo = _mask_mul(grad_output, (x < lo) & (lo <= hi) if hi is not None else x < lo)
        if ctx.needs_input_grad[2]:
            ghi = _mask_mul(grad_output, x > hi if lo is None else (x > hi) | (lo > hi))
        return gx, glo, ghi


def clamp(input, min=None, max=None, *, out=None):
    """Clamp to ``[min, max]``; bounds may be numbers or tensors. Where ``min > max`` every
    element becomes ``max``, as in PyTorch."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    for bound in (min, max):
        if bound is not None and not isinstance(bound, (Tensor, int, float, np.number,
                                                        np.bool_)):
            raise TypeError(f"clamp() received an invalid combination of arguments - got "
                            f"(Tensor, min={type(min).__name__}, max={type(max).__name__}): "
                            "bounds must be numbers or tensors")
    if (isinstance(min, Tensor) and max is not None and not isinstance(max, Tensor)) or \
            (isinstance(max, Tensor) and min is not None and not isinstance(min, Tensor)):
        raise TypeError(f"clamp() received an invalid combination of arguments - got "
                        f"(Tensor, {type(min).__name__}, {type(max).__name__}): min and max "
                        "must both be tensors or both numbers")
    x = input
    if isinstance(min, float) or isinstance(max, float):
        if x._data.dtype.kind != "f":
            x = cast(x, _dtype.get_default_dtype())
    lo = min
    hi = max
    if isinstance(lo, Tensor) and lo._data.dtype != x._data.dtype:
        lo = lo.to(x.dtype)
    if isinstance(hi, Tensor) and hi._data.dtype != x._data.dtype:
        hi = hi.to(x.dtype)
    res = Clamp.apply(x, lo, hi)
    return _out(res, out)


clip = clamp


def clamp_min(input, min):
    return clamp(input, min=min)


def clamp_max(input, max):
    return clamp(input, max=max)


class Where(Primitive):
    """d where(c, x, y) = [c] dx + [not c] dy."""

    @staticmethod
    def forward(ctx, cond, x, y):
        ctx.save_for_backward(cond)
        return np.where(cond, x, y)

    @staticmethod
    def backward(ctx, grad_output):
        (cond,) = ctx.saved_tensors
        zero = _zeros_like(grad_output)
        gx = where(cond, grad_output, zero) if ctx.needs_input_grad[1] else None
        gy = where(cond, zero, grad_output) if ctx.needs_input_grad[2] else None
        return None, gx, gy


def where(condition, input=None, other=None, *, out=None):
    """``where(cond, x, y)``: x where cond else y (broadcast); ``where(cond)`` is
    ``nonzero(cond, as_tuple=True)``."""
    if input is None and other is None:
        # The indices of the true elements, one int64 tensor per dim (a 0-d condition counts
        # as 1-D); ``nonzero(as_tuple=True)`` is this function.
        c = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
        return tuple(_wrap(i.astype(np.int64)) for i in np.nonzero(np.atleast_1d(c)))
    cond = condition if isinstance(condition, Tensor) else _wrap(np.asarray(condition))
    if cond._data.dtype != np.bool_:
        if cond._data.dtype == np.uint8:
            cond = _wrap(cond._data.astype(bool))
        else:
            raise RuntimeError(f"where expected condition to be a boolean tensor, but got a "
                               f"tensor with dtype {_dtype.scalar_type_name(cond.dtype)}")
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        # Two Python scalars: each is the 0-d tensor ``tensor(v)`` would make (int64, the
        # default float dtype or bool), and the pair promotes as tensors do.
        from numtorch._creation import tensor

        input, other = tensor(input), tensor(other)
    x, y = promote_operands(input, other)
    from numtorch.ops._broadcast import check_broadcast

    xs = x._data.shape if isinstance(x, Tensor) else ()
    ys = y._data.shape if isinstance(y, Tensor) else ()
    check_broadcast(cond._data.shape, xs)
    check_broadcast(cond._data.shape, ys)
    dt = _dtype.result_type(x, y)
    if isinstance(x, Tensor):
        x = x if x._data.dtype == dt.np_dtype else cast(x, dt)
    else:
        x = _wrap(np.asarray(x, dtype=dt.np_dtype))
    if isinstance(y, Tensor):
        y = y if y._data.dtype == dt.np_dtype else cast(y, dt)
    else:
        y = _wrap(np.asarray(y, dtype=dt.np_dtype))
    return _out(Where.apply(cond, x, y), out)


class Maximum(Primitive):
    """d max(x, y): the gradient goes to the larger input; NOTE: split half-half on ties, as
    PyTorch does for ``maximum``/``minimum``."""

    @staticmethod
    def forward(ctx, x, y, take_max):
        ctx.save_for_backward(x, y)
        ctx.take_max = take_max
        return np.maximum(x, y) if take_max else np.minimum(x, y)

    @staticmethod
    def backward(ctx, grad_output):
        x, y = ctx.saved_tensors
        wins = (x > y) if ctx.take_max else (x < y)
        ties = (x == y)
        dt = grad_output._data.dtype
        half = ties._data * dt.type(0.5)
        gx = _mask_mul(grad_output, _wrap((wins._data + half).astype(dt, copy=False))) \
            if ctx.needs_input_grad[0] else None
        gy = _mask_mul(grad_output, _wrap(((~(wins | ties))._data + half).astype(dt, copy=False))) \
            if ctx.needs_input_grad[1] else None
        return gx, gy, None


def _require_tensor(name, other):
    if not isinstance(other, Tensor):
        raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor, not "
                        f"{type(other).__name__}")


def maximum(input, other, *, out=None):
    """Elementwise maximum of two tensors (broadcast); NaN propagates."""
    _require_tensor("maximum", other)
    a, b = promote_operands(input, other)
    return _out(Maximum.apply(a, b, True), out)


class Minimum(Maximum):
    """``Maximum``'s rule with the comparison reversed."""


def minimum(input, other, *, out=None):
    """Elementwise minimum of two tensors (broadcast); NaN propagates."""
    _require_tensor("minimum", other)
    a, b = promote_operands(input, other)
    return _out(Minimum.apply(a, b, False), out)


def _fminmax(name, input, other, take_max):
    """``fmax``/``fmin``: a NaN loses to a number. The gradient goes wholly to ``input`` where
    it is selected, ties included (PyTorch's rule; ``maximum`` splits ties)."""
    _require_tensor(name, other)
    a, b = promote_operands(input, other)
    if a._data.dtype == np.bool_ and b._data.dtype == np.bool_:
        return maximum(a, b) if take_max else minimum(a, b)
    with np.errstate(invalid="ignore"):
        first = (np.greater_equal if take_max else np.less_equal)(a._data, b._data)
        first |= np.isnan(b._data) if b._data.dtype.kind == "f" else False
    return where(_wrap(first), a, b)


def fmax(input, other):
    """Like ``maximum`` but a NaN loses to a number."""
    return _fminmax("fmax", input, other, True)


def fmin(input, other):
    """Like ``minimum`` but a NaN loses to a number."""
    return _fminmax("fmin", input, other, False)


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


def atan2(input, other, *, out=None):
    """``atan2(y, x)``: d = (x dy - y dx) / (x^2 + y^2)."""
    a, b = promote_operands(input, other)
    if not _is_float(a) and not _is_float(b):
        dt = _dtype.get_default_dtype()
        a, b = cast(a, dt), (cast(b, dt) if isinstance(b, Tensor) else builtins.float(b))
    return _out(Atan2.apply(a, b), out)


class Atan2(Primitive):
    @staticmethod
    def forward(ctx, y, x):
        ctx.save_for_backward(y, x)
        return np.arctan2(y, x)

    @staticmethod
    def backward(ctx, grad_output):
        y, x = ctx.saved_tensors
        r2 = x * x + y * y
        gy = grad_output * x / r2 if ctx.needs_input_grad[0] else None
        gx = -grad_output * y / r2 if ctx.needs_input_grad[1] else None
        return gy, gx


def hypot(input, other):
    """``sqrt(input^2 + other^2)``; PyTorch has no integer or bool kernel for it."""
    dt = _dtype.result_type(input, other)
    if not dt.is_floating_point:
        name = _kernel_name(np.empty(0, dt.np_dtype))
        raise NotImplementedError(f"\"hypot_cpu\" not implemented for '{name}'")
    return sqrt(input * input + other * other)


def copysign(input, other):
    """``|input|`` with the sign of ``other``; integer and bool inputs give the default float
    dtype."""
    a, b = promote_operands(input, other)
    if not _is_float(a) and not _is_float(b):
        dt = _dtype.get_default_dtype()
        a = cast(a, dt) if isinstance(a, Tensor) else builtins.float(a)
    if not isinstance(a, Tensor):
        a = _tensor(a, like=b)
    if isinstance(b, Tensor) and isinstance(other, Tensor) and b._data.dtype.kind == "u":
        b = other  # (the sign of ``other`` itself: promotion to uint8 would lose it)
    elif not isinstance(other, Tensor) and b is not other:
        b = other
    return CopySign.apply(a, b)


class CopySign(Primitive):
    """d/dx = sign(x) * sign(result) (0 where x == 0); d/d other = 0, as in PyTorch."""

    @staticmethod
    def forward(ctx, x, y):
        out = np.copysign(x, y).astype(x.dtype, copy=False)
        ctx.ratio = np.where(x == 0, 0, np.sign(x) * np.sign(out)).astype(x.dtype)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        gx = grad_output * _wrap(ctx.ratio) if ctx.needs_input_grad[0] else None
        gy = _zeros_like(grad_output) if ctx.needs_input_grad[1] else None
        return gx, gy


def heaviside(input, values):
    if isinstance(values, Tensor) and values._data.dtype != input._data.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    return _binary_nograd(input, values, lambda x, v: np.heaviside(x, v).astype(
        input._data.dtype), "heaviside")


def deg2rad(input):
    return input * (math.pi / 180)


def rad2deg(input):
    return input * (180 / math.pi)


def logit(input, eps=None):
    """``log(p / (1 - p))``, with ``p`` clamped to ``[eps, 1 - eps]`` when ``eps`` is given;
    integer and bool tensors compute in the default float dtype."""
    x = _float_input(input)
    if eps is not None:
        # PyTorch's rule, which differs from clamp when eps > 0.5: below eps -> eps, else
        # above 1 - eps -> 1 - eps (True counts as 1.0)
        eps = builtins.float(eps)
        x = where(x < eps, eps, where(x > 1 - eps, 1 - eps, x))
    return log(x / (1 - x))


def xlogy(input, other):
    """``x * log(y)``, 0 where ``x == 0`` (even when ``y`` is 0 or NaN-free infinite).

    NOTE: as in PyTorch, d/dx is ``log(y)`` also at ``x == 0`` (when ``y > 0``); where
    ``x == 0`` and ``y <= 0`` or infinite both gradients are 0."""
    dt = _dtype.result_type(input, other)  # PyTorch's promotion, integers to the default float
    if not dt.is_floating_point:
        dt = _dtype.get_default_dtype()
    x = cast(input, dt) if isinstance(input, Tensor) else _tensor(input, like=other).to(dt)
    y = cast(other, dt) if isinstance(other, Tensor) else _tensor(other, like=x).to(dt)
    blocked = (x == 0) & ((y <= 0) | isinf(y))  # (broadcast, with PyTorch's shape errors)
    safe_y = where(blocked, 1.0, y)
    return x * log(safe_y)


def square(input, *, out=None):
    """``x * x`` (integers stay integers, as in PyTorch)."""
    if input._data.dtype.kind in "iub":
        return _out(_wrap(np.square(input._data.astype(np.int64)
                                    if input._data.dtype == np.bool_ else input._data)), out)
    return _out(pow(input, 2), out)


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


def _mask_mul(grad_output, factor):
    """``grad_output * factor`` (a mask, or an array of 0, 0.5 and 1), with zeros where the
    factor is 0 even where the gradient is infinite or NaN (0 * inf is NaN; PyTorch's backward
    formulas select). The product is the fast path (np.where is many times slower on a random
    mask); the selection runs only when the product holds a NaN."""
    res = grad_output * factor
    d = res._data
    if d.dtype.kind == "f" and d.size and np.isnan(d.max()):
        f = factor._data if isinstance(factor, Tensor) else np.asarray(factor)
        res = where(_wrap(f != 0), res, _zeros_like(res))
    return res


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
fmax, fmin, hypot, copysign, heaviside, deg2rad, rad2deg, logit, xlogy, float_power, erfc, \
    addcdiv, bitwise_and, bitwise_or, bitwise_xor, bitwise_not, signbit, nan_to_num, isposinf, \
    isneginf, frac, addcmul = map(_accepts_out, (
        fmax, fmin, hypot, copysign, heaviside, deg2rad, rad2deg, logit, xlogy, float_power,
        erfc, addcdiv, bitwise_and, bitwise_or, bitwise_xor, bitwise_not, signbit, nan_to_num,
        isposinf, isneginf, frac, addcmul))


# PyTorch's TypeError for Python numbers in the arguments it requires to be tensors
_scalars.check_tensor_args(globals())
