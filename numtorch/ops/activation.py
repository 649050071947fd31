"""Activation primitives and the activations composed from them.

Primitives exist where a composite would get the value, the stability or PyTorch's gradient at a
kink wrong: ``hardtanh`` (zero gradient *at* the bounds, unlike ``clamp``), ``leaky_relu``, the
ELU family, ``gelu``, ``softplus``. Everything else (``silu``, ``mish``, ``hardswish``, the
shrinks, ``prelu``...) is a composite of these and the elementwise ops, and PyTorch's gradients at
the kinks follow from the primitives' rules (each says which side of the kink it takes).
"""

import math

import numpy as np

from numtorch._tensor import Tensor, _wrap
from numtorch.autograd.function import Primitive
from numtorch.ops import _scalars
from numtorch.ops.elementwise import _erf, _float_input, _mask_mul, erf, exp, sigmoid, tanh, where

__all__ = [
    "hardtanh", "relu6", "leaky_relu", "elu", "selu", "celu", "gelu", "silu", "mish",
    "softplus", "logsigmoid", "softsign", "hardsigmoid", "hardswish", "tanhshrink",
    "softshrink", "hardshrink", "threshold", "prelu", "glu",
]

# SELU's constants (Klambauer et al., 2017), as PyTorch spells them.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


class Hardtanh(Primitive):
    """hardtanh(x) = clamp(x, min_val, max_val); d = [min_val < x < max_val] dx.

    NOTE: the gradient is 0 *at* the bounds (PyTorch's hardtanh/relu6), where ``clamp`` passes
    it (clamp's interval is closed)."""

    @staticmethod
    def forward(ctx, x, min_val, max_val):
        ctx.save_for_backward(x)
        ctx.bounds = (min_val, max_val)
        return np.clip(x, min_val, max_val).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        lo, hi = ctx.bounds
        inside = (x > lo) & (x < hi)
        return _mask_mul(grad_output, inside), None, None


class LeakyRelu(Primitive):
    """leaky_relu(x) = x if x > 0 else slope * x; d = (1 if x > 0 else slope) dx.

    NOTE: at x = 0 the gradient is ``negative_slope``, as PyTorch."""

    @staticmethod
    def forward(ctx, x, slope):
        ctx.save_for_backward(x)
        ctx.slope = slope
        return np.where(x > 0, x, x * slope).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return where(x > 0, grad_output, grad_output * ctx.slope), None


class Elu(Primitive):
    """The ELU family: scale * (x if x > 0 else alpha * (exp(input_scale * x) - 1)).

    elu: (alpha, 1, 1); selu: (SELU_ALPHA, SELU_SCALE, 1); celu: (alpha, 1, 1 / alpha).
    d = scale dx for x > 0, else scale * alpha * input_scale * exp(input_scale * x) dx.
    NOTE: at x = 0 the second branch is taken (celu's gradient there is 1, selu's
    scale * alpha), as PyTorch."""

    @staticmethod
    def forward(ctx, x, alpha, scale, input_scale):
        ctx.save_for_backward(x)
        ctx.coefs = (alpha, scale, input_scale)
        neg = np.expm1(np.minimum(x, 0) * input_scale) * alpha
        return (np.where(x > 0, x, neg) * scale).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        alpha, scale, input_scale = ctx.coefs
        # exp of min(x, 0) only, so large positive inputs cannot overflow the unused branch.
        neg = exp(where(x > 0, 0.0, x) * input_scale) * (scale * alpha * input_scale)
        return grad_output * where(x > 0, scale, neg), None, None, None


_SQRT_2 = math.sqrt(2.0)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_GELU_KAPPA = 0.044715


class Gelu(Primitive):
    """gelu(x) = x * Phi(x) (Phi the standard normal CDF), or with ``approximate='tanh'``
    0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).

    d gelu = (Phi(x) + x phi(x)) dx; the tanh form differentiates its own formula."""

    @staticmethod
    def forward(ctx, x, approximate):
        ctx.save_for_backward(x)
        ctx.approximate = approximate
        if approximate == "tanh":
            inner = (x + _GELU_KAPPA * x * x * x) * _SQRT_2_OVER_PI
            return (0.5 * x * (1 + np.tanh(inner))).astype(x.dtype, copy=False)
        cdf = 0.5 * (1 + _erf(x / _SQRT_2))
        return (x * cdf).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        if ctx.approximate == "tanh":
            t = tanh((x + x * x * x * _GELU_KAPPA) * _SQRT_2_OVER_PI)
            left = (t + 1) * 0.5
            right = x * 0.5 * (1 - t * t) * _SQRT_2_OVER_PI * (x * x * (3 * _GELU_KAPPA) + 1)
            return grad_output * (left + right), None
        cdf = (erf(x * (1 / _SQRT_2)) + 1) * 0.5
        pdf = exp(x * x * -0.5) * _INV_SQRT_2PI
        return grad_output * (cdf + x * pdf), None


class Softplus(Primitive):
    """softplus(x) = log(1 + exp(beta x)) / beta, and x itself where beta x > threshold;
    d = sigmoid(beta x) dx (1 where beta x > threshold).

    NOTE: computed as max(z, 0) + log1p(exp(-|z|)) (z = beta x), which never overflows, so a
    large ``threshold`` stays exact."""

    @staticmethod
    def forward(ctx, x, beta, threshold):
        ctx.save_for_backward(x)
        ctx.params = (beta, threshold)
        z = x * beta
        soft = (np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))) / beta
        return np.where(z > threshold, x, soft).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        beta, threshold = ctx.params
        z = x * beta
        return where(z > threshold, grad_output, grad_output * sigmoid(z)), None, None


# ====================================================================== public functions
def _floating(input, name):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    return _float_input(input)


def hardtanh(input, min_val=-1.0, max_val=1.0):
    """Clamp to ``[min_val, max_val]``; zero gradient at and beyond the bounds."""
    if min_val > max_val:
        raise ValueError(f"min_val cannot be greater than max_val (min_val={min_val}, "
                         f"max_val={max_val})")
    return Hardtanh.apply(_floating(input, "hardtanh"), min_val, max_val)


def relu6(input):
    """min(max(0, x), 6) (``hardtanh(x, 0, 6)``)."""
    return Hardtanh.apply(_floating(input, "relu6"), 0.0, 6.0)


def leaky_relu(input, negative_slope=0.01):
    return LeakyRelu.apply(_floating(input, "leaky_relu"), float(negative_slope))


def elu(input, alpha=1.0):
    return Elu.apply(_floating(input, "elu"), float(alpha), 1.0, 1.0)


def selu(input):
    return Elu.apply(_floating(input, "selu"), SELU_ALPHA, SELU_SCALE, 1.0)


def celu(input, alpha=1.0):
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    return Elu.apply(_floating(input, "celu"), float(alpha), 1.0, 1.0 / alpha)


def gelu(input, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return Gelu.apply(_floating(input, "gelu"), approximate)


def softplus(input, beta=1.0, threshold=20.0):
    return Softplus.apply(_floating(input, "softplus"), float(beta), float(threshold))


def silu(input):
    """x * sigmoid(x) (sigmoid is the stable primitive)."""
    x = _floating(input, "silu")
    return x * sigmoid(x)


def mish(input):
    """x * tanh(softplus(x))."""
    x = _floating(input, "mish")
    return x * tanh(softplus(x))


def logsigmoid(input):
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|."""
    # PyTorch's log_sigmoid returns contiguous output for any input layout
    return (-softplus(-_floating(input, "log_sigmoid"))).contiguous()


def softsign(input):
    """x / (1 + |x|)."""
    x = _floating(input, "softsign")
    return x / (x.abs() + 1)


def hardsigmoid(input):
    """relu6(x + 3) / 6: zero gradient at and beyond x = +-3 (PyTorch)."""
    return relu6(_floating(input, "hardsigmoid") + 3) / 6


def hardswish(input):
    """x * relu6(x + 3) / 6. NOTE: the gradient is 0 at x = -3 and 1 at x = 3, as PyTorch."""
    x = _floating(input, "hardswish")
    return x * relu6(x + 3) / 6


def tanhshrink(input):
    """x - tanh(x)."""
    x = _floating(input, "tanhshrink")
    return x - tanh(x)


def softshrink(input, lambd=0.5):
    """x - lambd above lambd, x + lambd below -lambd, 0 between (zero gradient at +-lambd)."""
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    x = _floating(input, "softshrink")
    return Softshrink.apply(x, lambd)


class Softshrink(Primitive):
    """softshrink(x) = x - clamp(x, -lambd, lambd); d = [|x| > lambd] dx (0 at +-lambd, 1 at
    NaN, as PyTorch). One node rather than ``x - clamp(x)``, whose gradient g - g is NaN where
    the gradient is infinite."""

    @staticmethod
    def forward(ctx, x, lambd):
        ctx.save_for_backward(np.asarray(~((x >= -lambd) & (x <= lambd))))
        return np.asarray(x - np.clip(x, -lambd, lambd)).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_output):
        (outside,) = ctx.saved_tensors
        return _mask_mul(grad_output, outside), None


def hardshrink(input, lambd=0.5):
    """x where |x| > lambd, else 0 (zero gradient at +-lambd)."""
    x = _floating(input, "hardshrink")
    # a selection, not x * mask: the gradient under it stays 0 even where it is infinite;
    # NaN is kept, as in PyTorch (it is not inside [-lambd, lambd])
    keep = ~((x >= -lambd) & (x <= lambd))
    return where(keep, x, _wrap(np.zeros((), x._data.dtype)))


def threshold(input, threshold, value):
    """``value`` where x <= threshold, else x (zero gradient at and below the threshold; NaN
    stays NaN, as in PyTorch)."""
    x = input
    if not (isinstance(x, Tensor) and x._data.dtype.kind in "iu"):  # integers stay integers
        x = _floating(input, "threshold")
    # ``value`` is a number in PyTorch's signature, taken in the input's dtype
    value = value.item() if isinstance(value, Tensor) else value
    return where(x <= threshold, _wrap(np.asarray(value).astype(x._data.dtype)), x)


def prelu(input, weight):
    """x where x > 0, else weight * x, with ``weight`` (1 or C entries) along dim 1.

    NOTE: at x = 0 the input gradient is ``weight`` (the x <= 0 branch), as PyTorch."""
    x = _floating(input, "prelu")
    n = weight.numel()
    if n != 1:
        channels = x.shape[1] if x.ndim >= 2 else 1
        if x.ndim == 0 or n != channels:
            raise RuntimeError(
                f"Mismatch of parameter numbers and input channel size. Found parameter numbers "
                f"= {n} and channel size = {channels}.")
        weight = weight.reshape((n,) + (1,) * (x.ndim - 2))  # (C, 1, ..., 1)
    elif weight.ndim:
        weight = weight.reshape(())
    return where(x > 0, x, weight * x)


def glu(input, dim=-1):
    """a * sigmoid(b), where a and b are the two halves of ``input`` along ``dim``."""
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    size = input.shape[dim]
    if size % 2:
        d = dim % input.ndim
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {size}")
    a, b = input.chunk(2, dim)
    return a * sigmoid(b)


# PyTorch's TypeError for Python numbers in the arguments it requires to be tensors
_scalars.check_tensor_args(globals())
