"""Elementwise comparisons and selections: the step functions whose gradient is zero (floor,
ceil, trunc, sign, round), comparisons, logical and bitwise ops, the ``is*`` tests, and the ops
that pick one value per element (``clamp``, ``where``, ``maximum``/``minimum``,
``fmax``/``fmin``, ``heaviside``) with the masked gradient they share (``_mask_mul``, from
``autograd/function.py``, where in-place writes into views use it too).

Built on ``arithmetic.py``; ``math_functions.py`` builds on it (``where``, ``sign``).
"""

import numpy as np

from numtorch import _dtype
from numtorch._tensor import Tensor, _wrap
from numtorch.autograd import grad_mode
from numtorch.autograd.function import Primitive, _mask_mul
from numtorch.ops import _scalars
from numtorch.ops._broadcast import promote_operands
from numtorch.ops._out import _kernel_name, _out, _zeros_like
from numtorch.ops.arithmetic import (
    _accepts_out,
    _binary_nograd,
    _reject_bool,
    _tensor,
    cast,
)

__all__ = [
    "sign", "clamp", "clip", "clamp_min", "clamp_max", "maximum", "minimum", "fmax", "fmin",
    "where", "floor", "ceil", "round", "trunc", "frac", "eq", "ne", "lt", "le", "gt", "ge",
    "greater", "greater_equal", "less", "less_equal", "not_equal", "equal", "logical_and",
    "logical_or", "logical_xor", "logical_not", "bitwise_and", "bitwise_or", "bitwise_xor",
    "bitwise_not", "isnan", "isinf", "isfinite", "isposinf", "isneginf", "nan_to_num", "isclose",
    "allclose", "heaviside", "signbit",
]


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


class _Compared(Primitive):
    """The node of an in-place comparison on a tensor in the graph (``x.eq_(y)``: the 0/1
    result in x's dtype): a zero gradient to both operands, as PyTorch's ``EqBackward0`` and
    the others give (the out-of-place comparisons return a bool tensor outside the graph)."""

    @staticmethod
    def forward(ctx, x, y, value, name):
        ctx.y_like = y if isinstance(y, np.ndarray) else None
        # PyTorch's node: EqBackward1 for a tensor ``other``, EqBackward0 for a number
        ctx._node_name = f"{name.capitalize()}Backward{0 if ctx.y_like is None else 1}"
        return value

    @staticmethod
    def backward(ctx, grad_output):
        y = ctx.y_like
        return (_zeros_like(grad_output), None if y is None else _wrap(np.zeros_like(y)), None,
                None)


def compare_inplace(fn, name):
    """``Tensor.<name>_``: the comparison written into ``self`` as 0/1 in its dtype, in the
    graph (a zero gradient to both operands) when either requires grad."""
    def method(self, other):
        snap = self._snapshot()
        res = fn(snap, other)
        if grad_mode.is_grad_enabled() and (snap._requires_grad or (
                isinstance(other, Tensor) and other._requires_grad)):
            res = _Compared.apply(snap, other, res._data.astype(snap._data.dtype), fn.__name__)
        return self._set_from(res)

    method.__name__ = name
    method.__doc__ = f"In-place ``{fn.__name__}``: writes the result into this tensor."
    return method


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


def heaviside(input, values):
    if isinstance(values, Tensor) and values._data.dtype != input._data.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    return _binary_nograd(input, values, lambda x, v: np.heaviside(x, v).astype(
        input._data.dtype), "heaviside")


# The functions written without ``out=`` get it here, all in one way.
fmax, fmin, heaviside, bitwise_and, bitwise_or, bitwise_xor, bitwise_not, signbit, nan_to_num, \
    isposinf, isneginf, frac = map(_accepts_out, (
    fmax, fmin, heaviside, bitwise_and, bitwise_or, bitwise_xor, bitwise_not, signbit, nan_to_num,
    isposinf, isneginf, frac))


# PyTorch's TypeError for Python numbers in the arguments it requires to be tensors
_scalars.check_tensor_args(globals())
