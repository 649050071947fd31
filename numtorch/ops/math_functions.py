"""The elementwise math functions: negation and ``abs``, powers, exp and log, roots and
reciprocals,
the trigonometric and hyperbolic functions and their inverses (with NumPy's ``arc*`` names as
aliases), sigmoid, erf and erfinv, relu, and the two-input
ones (``atan2``, ``hypot``, ``copysign``, ``logit``, ``xlogy``, degrees and radians).

Most are one ``_unary`` line: the NumPy map and its derivative side by side. Built on
``arithmetic.py`` and ``comparison.py``, the top of the elementwise family.
"""

import builtins
import math
import mmap

import numpy as np

from numtorch import _dtype
from numtorch._tensor import Tensor, _wrap
from numtorch.autograd import function as _function
from numtorch.autograd import grad_mode
from numtorch.autograd.function import Primitive
from numtorch.ops import _scalars
from numtorch.ops._broadcast import promote_operands
from numtorch.ops._out import _kernel_name, _out, _zeros_like
from numtorch.ops.arithmetic import (
    _accepts_out,
    _float_input,
    _is_float,
    _reject_bool,
    _tensor,
    cast,
)
from numtorch.ops.comparison import _mask_mul, isinf, sign, where

__all__ = [
    "pow", "neg", "negative", "abs", "absolute", "exp", "exp2", "log", "log2", "log10", "log1p",
    "expm1", "sqrt", "rsqrt", "square", "reciprocal", "sin", "cos", "tan", "asin", "acos", "atan",
    "atan2", "sinh", "cosh", "tanh", "sigmoid", "erf", "erfc", "erfinv", "relu", "logit", "xlogy",
    "hypot", "copysign", "deg2rad", "rad2deg", "float_power", "positive", "asinh", "acosh",
    "atanh", "arcsin", "arccos", "arctan", "arctan2", "arcsinh", "arccosh", "arctanh",
]


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
Asinh, asinh = _unary("Asinh", np.arcsinh, "d asinh(x) = dx / sqrt(x^2 + 1).",
                      lambda g, x: g * rsqrt(x * x + 1))
# (NaN outside x >= 1, and an infinite gradient at x = +-1, as in PyTorch)
Acosh, acosh = _unary("Acosh", np.arccosh, "d acosh(x) = dx / sqrt(x^2 - 1).",
                      lambda g, x: g * rsqrt(x * x - 1))
Atanh, atanh = _unary("Atanh", np.arctanh, "d atanh(x) = dx / (1 - x^2).",
                      lambda g, x: g / (1 - x * x))


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


def atan2(input, other, *, out=None):
    """``atan2(y, x)``: d = (x dy - y dx) / (x^2 + y^2)."""
    a, b = promote_operands(input, other)
    if not _is_float(a) and not _is_float(b):
        dt = _dtype.get_default_dtype()
        a, b = cast(a, dt), (cast(b, dt) if isinstance(b, Tensor) else builtins.float(b))
    return _out(Atan2.apply(a, b), out)


arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh


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


arctan2 = atan2


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


# The functions written without ``out=`` get it here, all in one way.
hypot, copysign, deg2rad, rad2deg, logit, xlogy, float_power, erfc = map(_accepts_out, (
    hypot, copysign, deg2rad, rad2deg, logit, xlogy, float_power, erfc))


# PyTorch's TypeError for Python numbers in the arguments it requires to be tensors
_scalars.check_tensor_args(globals())
