"""Two-input elementwise functions beyond ``math_functions.py``: the stable ``logaddexp`` and
``logaddexp2``, ``ldexp`` and its inverse ``frexp`` (one input, mantissa and exponent out),
``nextafter``, the integer ``gcd`` and ``lcm``, and ``fix`` (``trunc``'s other name).

Built on ``math_functions.py``; ``ops/elementwise.py`` gathers it with the rest of the family.
"""

import numpy as np

from numtorch import _dtype, return_types
from numtorch._tensor import Tensor, _wrap
from numtorch.autograd.function import Primitive
from numtorch.ops import _scalars
from numtorch.ops._broadcast import promote_operands
from numtorch.ops._out import _kernel_name, _out, _zeros_like
from numtorch.ops.arithmetic import _C_TYPE_NAMES, _accepts_out, cast
from numtorch.ops.comparison import _mask_mul, trunc
from numtorch.ops.math_functions import exp, exp2

__all__ = ["logaddexp", "logaddexp2", "ldexp", "frexp", "nextafter", "gcd", "lcm", "fix"]

_LN2 = float(np.log(2.0))


def _like(template, values):
    out = np.empty_like(template)
    out[...] = values
    return out


def _float_operands(name, input, other):
    """Both operands promoted (PyTorch's rules); a non-floating result type has no kernel."""
    a, b = promote_operands(input, other)
    if a._data.dtype.kind != "f":
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{_kernel_name(a)}'")
    return a, b


# ====================================================================== log-add-exp
class LogAddExp(Primitive):
    """log(e^x + e^y) = max(x, y) + log1p(e^-|x - y|): no overflow, no underflow to -inf.

    d/dx = 1 / (1 + e^(y - x)), d/dy = 1 / (1 + e^(x - y)) (PyTorch's forms: an overflowing
    exponential gives a zero gradient, not NaN). ``base2``: the same in base 2.
    """

    node_name = "LogaddexpBackward0"

    @staticmethod
    def forward(ctx, x, y, base2):
        ctx.save_for_backward(x, y)
        ctx.base2 = base2
        with np.errstate(invalid="ignore", over="ignore"):
            m = np.maximum(x, y)
            d = -np.abs(x - y)
            rest = np.log1p(np.exp2(d)) / _LN2 if base2 else np.log1p(np.exp(d))
            # NOTE: equal infinities: |x - y| is NaN, the answer is the infinity itself
            out = np.where(np.isinf(x) & (x == y), x, m + rest)
        # (in the memory order of the ufuncs' result, as PyTorch lays it out)
        return _like(m, out)

    @staticmethod
    def backward(ctx, grad_output):
        x, y = ctx.saved_tensors
        power = exp2 if ctx.base2 else exp
        gx = grad_output / (power(y - x) + 1) if ctx.needs_input_grad[0] else None
        gy = grad_output / (power(x - y) + 1) if ctx.needs_input_grad[1] else None
        return gx, gy, None


class LogAddExp2(LogAddExp):
    """``LogAddExp`` in base 2 (its own node name, as PyTorch's)."""

    node_name = "Logaddexp2Backward0"


def logaddexp(input, other):
    """``log(exp(input) + exp(other))``, computed without overflow (floating tensors only)."""
    a, b = _float_operands("logaddexp", input, other)
    return LogAddExp.apply(a, b, False)


def logaddexp2(input, other):
    """``log2(2^input + 2^other)``, computed without overflow (floating tensors only)."""
    a, b = _float_operands("logaddexp2", input, other)
    return LogAddExp2.apply(a, b, True)


# ====================================================================== mantissa and exponent
class Ldexp(Primitive):
    """``x * 2^e`` for a floating ``x`` and an integer ``e``, exact (no rounding of 2^e);
    d/dx = 2^e."""

    node_name = "LdexpBackward0"

    @staticmethod
    def forward(ctx, x, e):
        # (exponents beyond +-2^14 overflow or underflow every dtype already)
        ctx.e = np.clip(e, -(2 ** 14), 2 ** 14).astype(np.int64)
        return np.ldexp(x, ctx.e).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_output):
        scale = np.ldexp(np.ones((), grad_output._data.dtype), ctx.e)
        return grad_output * _wrap(scale.astype(grad_output._data.dtype, copy=False)), None


def ldexp(input, other):
    """``input * 2^other``, with PyTorch's dtypes: a floating ``other`` gives 2^other in its own
    dtype times ``input`` (the product promoted as usual); an integer ``other`` scales a floating
    ``input`` exactly; integer and bool operands give the default float dtype.

    d/d input = 2^other, d/d other = input 2^other ln 2 (NOTE: PyTorch's gradient to ``input``
    is 0 for a negative integer ``other``, 2^other taken in integer arithmetic)."""
    x_float = input._data.dtype.kind == "f"
    e_float = isinstance(other, Tensor) and other._data.dtype.kind == "f"
    if e_float:
        return input * exp2(other)
    if x_float and isinstance(other, Tensor):
        if other._data.dtype == np.bool_:
            raise NotImplementedError("\"ldexp_cpu_exp\" not implemented for 'Bool'")
        promote_operands(input, other)  # (PyTorch's error for shapes that do not broadcast)
        return Ldexp.apply(input, other._data)
    dt = _dtype.get_default_dtype()
    return cast(input, dt) * exp2(cast(other, dt))


class Frexp(Primitive):
    """The mantissa of ``frexp``: d mantissa = dx / 2^exponent (the exponent is a step)."""

    node_name = "FrexpBackward0"

    @staticmethod
    def forward(ctx, x):
        mantissa, exponent = np.frexp(x)
        ctx.scale = np.ldexp(np.ones((), x.dtype), -exponent).astype(x.dtype, copy=False)
        ctx.exponent = exponent.astype(np.int32, copy=False)
        return mantissa.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * _wrap(ctx.scale)


def _c_name(t):
    return _C_TYPE_NAMES.get(t._data.dtype.name, t._data.dtype.name)


def frexp(input, *, out=None):
    """``(mantissa, exponent)`` with ``input = mantissa * 2^exponent``, ``0.5 <= |mantissa| <
    1`` (0, infinities and NaN keep their value, exponent 0); the exponent is int32."""
    if input._data.dtype.kind != "f":
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    if out is not None:
        mantissa_out, exponent_out = out
        if exponent_out._data.dtype.kind not in "iu":
            raise RuntimeError(f"torch.frexp() expects exponent to have int dtype but got "
                               f"{_c_name(exponent_out)}")
        if mantissa_out._data.dtype != input._data.dtype:
            raise RuntimeError(f"torch.frexp() expects mantissa to have dtype {_c_name(input)} "
                               f"but got {_c_name(mantissa_out)}")
    mantissa = Frexp.apply(input)
    node = mantissa.grad_fn
    exponent = node.exponent if isinstance(node, Frexp) else \
        np.frexp(input._data)[1].astype(np.int32, copy=False)
    if out is None:
        return return_types.frexp((mantissa, _wrap(exponent)))
    return return_types.frexp((_out(mantissa, out[0], "frexp"),
                               _out(_wrap(exponent), out[1], "frexp")))


# ====================================================================== steps and integers
class NextAfter(Primitive):
    """The next float after ``x`` towards ``y``. Its gradient is PyTorch's: the incoming
    gradient to ``x`` where the result moved off ``x`` (one unit in the last place), 0 where
    ``x == y`` (the result is ``y``), and zero to ``y``."""

    node_name = "NextafterBackward0"

    @staticmethod
    def forward(ctx, x, y):
        ctx.moved = np.asarray(np.not_equal(x, y))
        return np.nextafter(x, y)

    @staticmethod
    def backward(ctx, grad_output):
        return (_mask_mul(grad_output, _wrap(ctx.moved)) if ctx.needs_input_grad[0] else None,
                _zeros_like(grad_output) if ctx.needs_input_grad[1] else None)


def nextafter(input, other):
    """The next floating-point value after ``input`` in the direction of ``other``."""
    a, b = _float_operands("nextafter", input, other)
    return NextAfter.apply(a, b)


def _integer_op(name, fn, input, other):
    a, b = promote_operands(input, other)
    if a._data.dtype.kind not in "iu":
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{_kernel_name(a)}'")
    return _wrap(np.asarray(fn(a._data, b._data)).astype(a._data.dtype, copy=False))


def gcd(input, other):
    """The greatest common divisor, elementwise (integer tensors only); ``gcd(0, 0) = 0``."""
    return _integer_op("gcd", np.gcd, input, other)


def lcm(input, other):
    """The least common multiple, elementwise (integer tensors only), never negative."""
    return _integer_op("lcm", np.lcm, input, other)


def fix(input, *, out=None):
    """``trunc``: rounds towards zero."""
    return trunc(input, out=out)


# The functions written without ``out=`` get it here, all in one way.
logaddexp, logaddexp2, ldexp, nextafter, gcd, lcm = map(_accepts_out, (
    logaddexp, logaddexp2, ldexp, nextafter, gcd, lcm))

# PyTorch's TypeError for Python numbers in the arguments it requires to be tensors
_scalars.check_tensor_args(globals())
