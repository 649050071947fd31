"""Arguments that must be tensors, as in PyTorch: the rest of the op table takes Python numbers.

PyTorch accepts a Python number in place of a tensor in some argument positions (``add(x, 2)``,
``add(2, 0.5)``, ``where(c, 1, 0)``, ``clamp(x, 0, 1)``, ``pow(2, x)``, ``masked_fill(x, m, 0)``)
and rejects it with a ``TypeError`` in others (``sin(2)``, ``maximum(x, 2)``,
``lerp(x, 2, 0.5)``). numtorch's functions accept numbers wherever their arithmetic allows; the
table below lists, per function, the arguments PyTorch requires to be tensors, and
``check_tensor_args`` makes the top-level functions (and the methods, for arguments after
``self``) raise PyTorch's ``TypeError`` there. The table is what the generated test
``tests/ops/test_scalar_args.py`` finds by trying int, float and bool in every argument
position of the op table against PyTorch; it fails when the two disagree.
"""

import functools
import inspect

from numtorch._tensor import Tensor

__all__ = ["TENSOR_ARGS", "check_tensor_args", "check_tensor_methods", "require_tensors"]

# Functions whose first argument ``input`` must be a tensor (the others may be numbers).
_INPUT_ONLY = (
    "abs", "absolute", "acos", "all", "amax", "amin", "aminmax", "any", "argmax", "argmin",
    "argsort", "argwhere", "asin", "atan", "bitwise_not", "ceil", "celu", "clamp", "clamp_max",
    "clamp_min", "clip", "clone", "copysign", "cos", "cosh", "count_nonzero", "deg2rad", "diag",
    "diag_embed", "diagonal", "diff", "empty_like", "eq", "erf", "erfc", "erfinv", "exp", "exp2",
    "expm1", "flatten", "fliplr", "flipud", "floor", "fmod", "frac", "full_like", "ge", "greater",
    "greater_equal", "gt", "hardshrink", "histc", "isfinite", "isinf", "isnan", "isneginf",
    "isposinf", "le", "less", "less_equal", "log", "log10", "log1p", "log2", "logical_not",
    "logit", "lt", "max", "mean", "median", "min", "mode", "msort", "nan_to_num", "nanmean",
    "nansum", "ne", "neg", "negative", "nonzero", "not_equal", "ones_like", "pinverse", "positive",
    "prod", "qr", "quantile", "rad2deg", "rand_like", "randn_like", "ravel", "reciprocal", "relu",
    "rot90", "round", "rsqrt", "selu", "sigmoid", "sign", "signbit", "sin", "sinh", "sort", "sqrt",
    "square", "squeeze", "std", "std_mean", "sum", "svd", "t", "tan", "tanh", "threshold", "trace",
    "tril", "triu", "trunc", "unbind", "unique", "unique_consecutive", "var", "var_mean",
    "zeros_like"
)
# (the inverse hyperbolics and arc* aliases, the gamma family and the other functions of
# ops/math_binary.py and ops/special_functions.py, logcumsumexp)
_INPUT_ONLY += (
    "acosh", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctanh", "asinh", "atanh",
    "digamma", "fix", "frexp", "i0", "lgamma", "logcumsumexp", "mvlgamma", "sinc",
)
# Functions with more tensor-only arguments.
_MORE = {
    "addcdiv": ("input", "tensor1", "tensor2"),
    "addcmul": ("input", "tensor1", "tensor2"),
    "allclose": ("input", "other"),
    "arctan2": ("input", "other"),
    "atan2": ("input", "other"),
    "cdist": ("x1", "x2"),
    "cross": ("input", "other"),
    "equal": ("input", "other"),
    "fmax": ("input", "other"),
    "fmin": ("input", "other"),
    "gcd": ("input", "other"),
    "heaviside": ("input", "values"),
    "hypot": ("input", "other"),
    "inner": ("input", "other"),
    "isclose": ("input", "other"),
    "kron": ("input", "other"),
    "lcm": ("input", "other"),
    "ldexp": ("input", "other"),
    "lerp": ("input", "end"),
    "logaddexp": ("input", "other"),
    "logaddexp2": ("input", "other"),
    "logical_and": ("input", "other"),
    "logical_or": ("input", "other"),
    "logical_xor": ("input", "other"),
    "masked_fill": ("input", "mask"),
    "masked_scatter": ("input", "mask", "source"),
    "masked_select": ("input", "mask"),
    "maximum": ("input", "other"),
    "minimum": ("input", "other"),
    "nextafter": ("input", "other"),
    "polygamma": ("input",),
    "prelu": ("input", "weight"),
    "searchsorted": ("sorted_sequence",),
    "where": ("condition",),
    # matrix products and index arguments: a list there was read as an array (or failed with
    # an AttributeError inside); PyTorch's TypeError names the argument
    "addmm": ("input", "mat1", "mat2"),
    "bmm": ("input", "mat2"),
    "dot": ("input", "tensor"),
    "expand_as": ("input", "other"),
    "gather": ("input", "index"),
    "ger": ("input", "vec2"),
    "index_add": ("input", "index", "source"),
    "index_copy": ("input", "index", "source"),
    "index_fill": ("input", "index"),
    "index_select": ("input", "index"),
    "mm": ("input", "mat2"),
    "mv": ("input", "vec"),
    "outer": ("input", "vec2"),
    "put": ("input", "index", "source"),
    "copy_": ("input", "src"),
    "reshape_as": ("input", "other"),
    "scatter": ("input", "index"),
    "scatter_add": ("input", "index", "src"),
    "take": ("input", "index"),
    "take_along_dim": ("input", "indices"),
    "type_as": ("input", "other"),
    "vdot": ("input", "other"),
    "view_as": ("input", "other"),
}
# Functions taking numbers in either position, but not in both.
_ONE_OF = {
    "bitwise_and": ("input", "other"),
    "bitwise_or": ("input", "other"),
    "bitwise_xor": ("input", "other"),
    "float_power": ("input", "exponent"),
    "isin": ("elements", "test_elements"),
    "pow": ("input", "exponent"),
    "remainder": ("input", "other"),
    "xlogy": ("input", "other"),
}
# Functions of any number of tensors (or one sequence of them).
_ALL_TENSORS = ("atleast_1d", "atleast_2d", "atleast_3d", "broadcast_tensors", "chain_matmul")
# The statistics, splits, scatters and combinatorics of ops/statistics.py and the shape family,
# and the LU family and matrix functions of the linear algebra.
_INPUT_ONLY += ("nanmedian", "nanquantile", "cov", "corrcoef", "diagflat", "combinations",
                "hsplit", "vsplit", "dsplit", "pdist")
_MORE.update({
    "dist": ("input", "other"),
    "trapezoid": ("y",),
    "trapz": ("y",),
    "cumulative_trapezoid": ("y",),
    "diagonal_scatter": ("input", "src"),
    "select_scatter": ("input", "src"),
    "slice_scatter": ("input", "src"),
    "lu": ("A",),
    "matrix_exp": ("A",),
    "vander": ("x",),
    "lu_unpack": ("LU_data", "LU_pivots"),
    "lu_solve": ("b", "LU_data", "LU_pivots"),
    "triangular_solve": ("b", "A"),
    "cholesky_solve": ("B", "L"),
    "orgqr": ("input", "tau"),
})
TENSOR_ARGS = {**{name: ("input",) for name in _INPUT_ONLY}, **_MORE}

_MISSING = object()
_WRAPPED = {}  # id(function) -> its checked wrapper: one wrapper wherever the function is seen


def require_tensors(name, fn, tensor_params, signature_of=None):
    """``fn`` raising PyTorch's TypeError, naming the argument and its type, when one of its
    ``tensor_params`` is given something else (``fn`` itself when it has none of them). The
    positions come from ``signature_of`` (default ``fn``): an in-place method taking
    ``*args`` checks them as the out-of-place function it calls."""
    try:
        params = list(inspect.signature(signature_of or fn).parameters)
    except (TypeError, ValueError):
        return fn
    checks = tuple((params.index(p), p) for p in tensor_params if p in params)
    if not checks:
        return fn

    @functools.wraps(fn)
    def checked(*args, **kwargs):
        for i, p in checks:
            v = args[i] if i < len(args) else kwargs.get(p, _MISSING)
            if v is not _MISSING and not isinstance(v, Tensor):
                raise TypeError(f"{name}(): argument '{p}' (position {i + 1}) must be Tensor, "
                                f"not {type(v).__name__}")
        return fn(*args, **kwargs)

    return checked


def _checked_one_of(name, fn, pair):
    """``fn`` raising PyTorch's TypeError when neither of the ``pair`` arguments is a tensor."""
    params = list(inspect.signature(fn).parameters)
    (i, p), (j, q) = ((params.index(p), p) for p in pair)

    @functools.wraps(fn)
    def checked(*args, **kwargs):
        a = args[i] if i < len(args) else kwargs.get(p)
        b = args[j] if j < len(args) else kwargs.get(q)
        if not isinstance(a, Tensor) and not isinstance(b, Tensor):
            raise TypeError(f"{name}() received an invalid combination of arguments - got "
                            f"({type(a).__name__}, {type(b).__name__}): '{p}' or '{q}' must be "
                            "a Tensor")
        return fn(*args, **kwargs)

    return checked


def _checked_all(name, fn):
    """``fn(*tensors)`` raising PyTorch's TypeError for an argument that is not a tensor."""

    @functools.wraps(fn)
    def checked(*args, **kwargs):
        items = args[0] if len(args) == 1 and isinstance(args[0], (list, tuple)) else args
        for i, v in enumerate(items):
            if not isinstance(v, Tensor):
                raise TypeError(f"{name}(): argument 'tensors' (position {i + 1}) must be "
                                f"Tensor, not {type(v).__name__}")
        return fn(*args, **kwargs)

    return checked


def _wrap_in(namespace, name, make):
    fn = namespace.get(name)
    if not callable(fn) or isinstance(fn, type) or fn in _WRAPPED.values():
        return
    if id(fn) not in _WRAPPED:
        _WRAPPED[id(fn)] = make(fn)
    namespace[name] = _WRAPPED[id(fn)]


def check_tensor_args(namespace):
    """Replace the functions of ``namespace`` (a module's globals) listed in the tables above
    by checked ones (the same wrapper object in every namespace, so that ``numtorch.sin is
    numtorch.ops.elementwise.sin`` still holds)."""
    for name, params in TENSOR_ARGS.items():
        _wrap_in(namespace, name, lambda fn, name=name, params=params:
                 require_tensors(name, fn, params))
    for name, pair in _ONE_OF.items():
        _wrap_in(namespace, name, lambda fn, name=name, pair=pair:
                 _checked_one_of(name, fn, pair))
    for name in _ALL_TENSORS:
        _wrap_in(namespace, name, lambda fn, name=name: _checked_all(name, fn))


def check_tensor_methods(cls):
    """Wrap the methods of ``cls`` whose tensor-only arguments come after ``self``."""
    for name, params in _MORE.items():
        meth = cls.__dict__.get(name)
        if callable(meth) and len(params) > 1:
            setattr(cls, name, require_tensors(name, meth, params))
        inplace = cls.__dict__.get(name + "_")
        if callable(meth) and callable(inplace) and len(params) > 1:
            setattr(cls, name + "_", require_tensors(name + "_", inplace, params,
                                                     signature_of=meth))
