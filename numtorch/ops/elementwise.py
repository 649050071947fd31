"""The elementwise family as PyTorch's top level sees it: its ``__all__`` and the names the other
families import (``where``, ``_mask_mul``, ``_float_input``...).

The family lives in three files, lowest first (each uses only those before it):
``arithmetic.py`` (the cast, the binary operators and their compositions) -> ``comparison.py``
(step functions, comparisons, logical and bitwise ops, clamp, where, maximum/minimum) ->
``math_functions.py`` (powers, exp/log, trigonometric functions, sigmoid, erf, relu, atan2,
xlogy...) -> ``math_binary.py`` (logaddexp, ldexp/frexp, nextafter, gcd/lcm) ->
``special_functions.py`` (the gamma family, i0, sinc). The out= copy they share is
``ops/_out.py``.

The functions that came with the last two files are bound onto ``Tensor`` from
``TENSOR_METHODS`` / ``INPLACE_METHODS`` below; PyTorch's top-level in-place forms of them
(``torch.acosh_``, ``torch.gcd_``...) call those methods.
"""

from numtorch._tensor import Tensor
from numtorch.ops import _scalars
from numtorch.ops._out import _kernel_name, _out, _zeros_like  # noqa: F401
from numtorch.ops.arithmetic import (  # noqa: F401
    _C_TYPE_NAMES,
    Add,
    Cast,
    Div,
    Fmod,
    Mul,
    Remainder,
    Sub,
    _accepts_out,
    _binary,
    _binary_nograd,
    _check_zero_division,
    _float_input,
    _is_bool,
    _is_float,
    _no_bool_kernel,
    _reject_bool,
    _StepBinary,
    _tensor,
    _times_alpha,
    add,
    addcdiv,
    addcmul,
    cast,
    clone,
    div,
    divide,
    floor_divide,
    fmod,
    lerp,
    mul,
    multiply,
    remainder,
    sub,
    subtract,
    true_divide,
)
from numtorch.ops.comparison import (  # noqa: F401
    Clamp,
    Maximum,
    Minimum,
    Where,
    _arr,
    _bitwise,
    _compare,
    _fminmax,
    _logical,
    _mask_mul,
    _nograd_unary,
    _require_tensor,
    _Round,
    _ZeroGrad,
    allclose,
    bitwise_and,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    ceil,
    clamp,
    clamp_max,
    clamp_min,
    clip,
    eq,
    equal,
    floor,
    fmax,
    fmin,
    frac,
    ge,
    greater,
    greater_equal,
    gt,
    heaviside,
    isclose,
    isfinite,
    isinf,
    isnan,
    isneginf,
    isposinf,
    le,
    less,
    less_equal,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    lt,
    maximum,
    minimum,
    nan_to_num,
    ne,
    not_equal,
    round,
    sign,
    signbit,
    trunc,
    where,
)
from numtorch.ops.math_binary import (  # noqa: F401
    Frexp,
    LogAddExp,
    NextAfter,
    fix,
    frexp,
    gcd,
    lcm,
    ldexp,
    logaddexp,
    logaddexp2,
    nextafter,
)
from numtorch.ops.math_functions import (  # noqa: F401
    _ZEROS,
    Abs,
    Acos,
    Acosh,
    Asin,
    Asinh,
    Atan,
    Atan2,
    Atanh,
    CopySign,
    Cos,
    Cosh,
    Erf,
    Erfinv,
    Exp,
    Exp2,
    Expm1,
    Log,
    Log1p,
    Log2,
    Log10,
    Neg,
    Pow,
    Reciprocal,
    Relu,
    Rsqrt,
    Sigmoid,
    Sin,
    Sinh,
    Sqrt,
    Tan,
    Tanh,
    _dense,
    _erf,
    _erfinv,
    _neg,
    _pow_operands,
    _relu,
    _sigmoid,
    _unary,
    _zeros,
    abs,
    absolute,
    acos,
    acosh,
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctan2,
    arctanh,
    asin,
    asinh,
    atan,
    atan2,
    atanh,
    copysign,
    cos,
    cosh,
    deg2rad,
    erf,
    erfc,
    erfinv,
    exp,
    exp2,
    expm1,
    float_power,
    hypot,
    log,
    log1p,
    log2,
    log10,
    logit,
    neg,
    negative,
    positive,
    pow,
    rad2deg,
    reciprocal,
    relu,
    rsqrt,
    sigmoid,
    sin,
    sinh,
    sqrt,
    square,
    tan,
    tanh,
    xlogy,
)
from numtorch.ops.special_functions import (  # noqa: F401
    I0,
    I1,
    Lgamma,
    Polygamma,
    digamma,
    i0,
    i1,
    lgamma,
    mvlgamma,
    polygamma,
    sinc,
)

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
    "positive", "asinh", "acosh", "atanh", "arcsin", "arccos", "arctan", "arctan2", "arcsinh",
    "arccosh", "arctanh", "fix", "logaddexp", "logaddexp2", "ldexp", "frexp", "nextafter", "gcd",
    "lcm", "lgamma", "digamma", "polygamma", "mvlgamma", "i0", "sinc",
    # PyTorch's top-level in-place forms (defined below)
    "asinh_", "acosh_", "atanh_", "arcsin_", "arccos_", "arctan_", "arcsinh_", "arccosh_",
    "arctanh_", "fix_", "ldexp_", "gcd_", "lcm_", "i0_", "sinc_", "xlogy_",
]


def _polygamma_method(self, n):
    """``x.polygamma(n)`` is ``polygamma(n, x)``."""
    return polygamma(n, self)


TENSOR_METHODS = {
    "asinh": asinh, "acosh": acosh, "atanh": atanh, "arcsin": arcsin, "arccos": arccos,
    "arctan": arctan, "arctan2": arctan2, "arcsinh": arcsinh, "arccosh": arccosh,
    "arctanh": arctanh, "fix": fix, "logaddexp": logaddexp, "logaddexp2": logaddexp2,
    "ldexp": ldexp, "frexp": frexp, "nextafter": nextafter, "gcd": gcd, "lcm": lcm,
    "lgamma": lgamma, "digamma": digamma, "polygamma": _polygamma_method, "mvlgamma": mvlgamma,
    "i0": i0, "sinc": sinc,
}
INPLACE_METHODS = {
    name + "_": TENSOR_METHODS[name] for name in (
        "asinh", "acosh", "atanh", "arcsin", "arccos", "arctan", "arctan2", "arcsinh", "arccosh",
        "arctanh", "fix", "ldexp", "nextafter", "gcd", "lcm", "lgamma", "digamma", "polygamma",
        "mvlgamma", "i0", "sinc")
}
INPLACE_METHODS["heaviside_"] = heaviside


def _inplace_function(name):
    """``torch.<name>(input, ...)``: the in-place method ``input.<name>(...)``."""
    def fn(input, *args, **kwargs):
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                            f"{type(input).__name__}")
        return getattr(input, name)(*args, **kwargs)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"In-place ``{name[:-1]}``: ``input.{name}(...)``."
    return fn


asinh_, acosh_, atanh_, arcsin_, arccos_, arctan_, arcsinh_, arccosh_, arctanh_, fix_, ldexp_, \
    gcd_, lcm_, i0_, sinc_, xlogy_ = map(_inplace_function, (
        "asinh_", "acosh_", "atanh_", "arcsin_", "arccos_", "arctan_", "arcsinh_", "arccosh_",
        "arctanh_", "fix_", "ldexp_", "gcd_", "lcm_", "i0_", "sinc_", "xlogy_"))


# PyTorch's TypeError for Python numbers in the arguments it requires to be tensors (the
# three files' functions are checked already: the same wrappers, so this changes nothing)
_scalars.check_tensor_args(globals())
