"""The fuzzer's one table of ops: each entry names a public op, how to call it, and the domain of
its arguments (shapes, dtypes, values, keyword arguments) as a hypothesis generator.

``Op.gen(draw, rng)`` returns ``(args, kwargs)``: ``args`` a list of ``harness.Arg`` (tensors
with a layout, or Python scalars), ``kwargs`` plain values. ``Op.invoke`` calls it in one of the
variants the entry supports: ``call`` (the function), ``method`` (the Tensor method),
``inplace`` (the ``_`` method on a non-leaf copy of the first argument, or on a view of it),
``out`` / ``out_empty`` (``out=`` a tensor of the result's shape, or an empty one to resize).
"""

import numpy as np
from hypothesis import strategies as st

from .harness import DTYPES, FLOAT_DTYPES, INT_DTYPES, STEP_KINDS, Arg
from .strategies import broadcast_shapes, dim, dims, dtype, shape, tensor_arg, values

__all__ = ["Op", "OPS", "FAMILIES"]

INTS_BOOL = INT_DTYPES + ("bool",)
FLOATS = FLOAT_DTYPES
NO_HALF = ("float32", "float64") + INTS_BOOL


def _resolve(lib, path):
    obj = lib
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


class Op:
    def __init__(self, name, gen, family, fn=None, method=None, inplace=None, out=False,
                 tol_scale=1):
        self.name = name
        self.tol_scale = tol_scale  # (ops that amplify rounding, like normalizations)
        self.gen = gen
        self.family = family
        self.fn = fn if fn is not None else (lambda lib, *xs, **kw: _resolve(lib, name)(*xs,
                                                                                        **kw))
        self.method = method
        self.inplace = inplace
        self.out = out

    def variants(self):
        v = ["call"]
        if self.method:
            v.append("method")
        if self.inplace:
            v.append("inplace")
        if self.out:
            v += ["out", "out_empty"]
        return v

    def invoke(self, lib, xs, kw, variant, base):
        if variant == "call":
            return self.fn(lib, *xs, **kw)
        if variant == "method":
            return getattr(xs[0], self.method)(*xs[1:], **kw)
        if variant == "inplace":
            r = getattr(xs[0], self.inplace)(*xs[1:], **kw)
            return r, base, r is xs[0]
        with lib.no_grad():
            ref = self.fn(lib, *xs, **kw)
        o = lib.empty(tuple(ref.shape) if variant == "out" else (0,), dtype=ref.dtype)
        r = self.fn(lib, *xs, out=o, **kw)
        return r, o, r is o

    def __repr__(self):
        return self.name


# ---------------------------------------------------------------------------------------------
# argument generators

def unary(domain="real", dtypes=DTYPES, kw=None, min_dims=0):
    def gen(draw, rng):
        s = draw(shape(min_dims=min_dims))
        d = draw(dtype(dtypes))
        specials = draw(st.integers(0, 9)) == 0
        # (NaN and infinities: values and errors only; gradients there are conventions)
        a = draw(tensor_arg(rng, s, d, domain, specials=specials, requires_grad=not specials))
        return [a], (draw(kw(s)) if kw else {})
    return gen


def _scalar(draw, dtype_name, domain):
    kind = draw(st.sampled_from(["float", "int", "bool"] if domain == "real" else
                                ["float", "int"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    v = values(rng, (), "float64" if kind == "float" else "int64" if kind == "int" else "bool",
               domain)
    if kind == "float" and draw(st.booleans()):
        v = np.round(v * 2) / 2   # now and then a float that holds an integer value
    return Arg(np.asarray(v), "scalar")


def nary(n, domain="real", dtypes=DTYPES, scalars=(), kw=None, same_dtype=False,
         domains=None):
    """``n`` broadcastable tensors; positions in ``scalars`` may be Python numbers."""
    def gen(draw, rng):
        shapes = draw(broadcast_shapes(n))
        d0 = draw(dtype(dtypes))
        args = []
        for i, s in enumerate(shapes):
            dom = domains[i] if domains else domain
            d = d0 if same_dtype else draw(dtype(dtypes))
            if i in scalars and draw(st.integers(0, 3)) == 0:
                args.append(_scalar(draw, d, dom))
            elif draw(st.integers(0, 7)) == 0:
                # a 0-d tensor: it does not promote a dimensioned one of the same kind
                args.append(draw(tensor_arg(rng, (), d, dom)))
            else:
                args.append(draw(tensor_arg(rng, s, d, dom)))
        if all(a.layout == "scalar" for a in args):
            args[0] = draw(tensor_arg(rng, shapes[0], d0, domain))
        return args, (draw(kw([a.array.shape for a in args])) if kw else {})
    return gen


def reduction(domain="real", dtypes=DTYPES, dim_kind="optional", keepdim=True, extra=None,
              min_dims=0, min_side=0):
    """``dim_kind``: optional (None, int or tuple), int (a single required dim), intopt
    (int or omitted)."""
    def gen(draw, rng):
        s = draw(shape(min_dims=min_dims, min_side=min_side))
        d = draw(dtype(dtypes))
        a = draw(tensor_arg(rng, s, d, domain))
        kw = {}
        if dim_kind == "optional":
            dd = draw(dims(len(s)))
            if dd is not None:
                kw["dim"] = dd
        elif dim_kind == "int":
            kw["dim"] = draw(dim(len(s), allow_none=False))
        elif dim_kind == "intopt":
            dd = draw(dim(len(s)))
            if dd is not None:
                kw["dim"] = dd
        if keepdim and "dim" in kw and draw(st.booleans()):
            kw["keepdim"] = draw(st.booleans())
        if extra:
            kw.update(draw(extra(s)))
        return [a], kw
    return gen


def fixed(kwargs_strategy):
    return lambda s: kwargs_strategy


# ---------------------------------------------------------------------------------------------
# the table

OPS = []


def add(name, gen, family, **kw):
    OPS.append(Op(name, gen, family, **kw))


def _method(name):
    return name.rsplit(".", 1)[-1]


# elementwise, unary: (name, domain, dtypes, has method/in-place/out)
for _name, _dom, _dt in [
    ("abs", "real", DTYPES), ("neg", "real", DTYPES), ("exp", "real", DTYPES),
    ("log", "pos", DTYPES), ("sqrt", "pos", DTYPES), ("sin", "real", DTYPES),
    ("cos", "real", DTYPES), ("tanh", "real", DTYPES), ("sigmoid", "real", DTYPES),
    ("relu", "real", DTYPES), ("floor", "real", DTYPES), ("ceil", "real", DTYPES),
    ("round", "real", DTYPES), ("trunc", "real", DTYPES), ("frac", "real", FLOATS),
    ("sign", "real", DTYPES), ("reciprocal", "nonzero", DTYPES), ("rsqrt", "pos", DTYPES),
    ("square", "real", DTYPES), ("expm1", "real", DTYPES), ("log1p", "pos", DTYPES),
    ("log2", "pos", DTYPES), ("log10", "pos", DTYPES), ("erf", "real", DTYPES),
    ("erfc", "real", DTYPES), ("erfinv", "unit", DTYPES), ("asin", "unit", DTYPES),
    ("acos", "unit", DTYPES), ("atan", "real", DTYPES), ("sinh", "real", DTYPES),
    ("cosh", "real", DTYPES), ("tan", "unit", DTYPES), ("exp2", "real", DTYPES),
    ("logit", "unit01", DTYPES), ("deg2rad", "real", FLOATS), ("rad2deg", "real", FLOATS),
    ("bitwise_not", "real", INTS_BOOL), ("logical_not", "real", DTYPES),
    ("isnan", "real", DTYPES), ("isinf", "real", DTYPES), ("isfinite", "real", DTYPES),
    ("signbit", "real", NO_HALF), ("nan_to_num", "real", DTYPES), ("positive", "real", DTYPES),
]:
    _has_inplace = _name not in ("isnan", "isinf", "isfinite", "signbit", "positive")
    add(_name, unary(_dom, _dt), "elementwise", method=_name,
        inplace=_name + "_" if _has_inplace else None,
        out=_name not in ("positive", "relu"))

# the inverse hyperbolics, the arc* aliases and the special functions
for _name, _dom in [("asinh", "real"), ("acosh", "ge1"), ("atanh", "unit"), ("arcsin", "unit"),
                    ("arccos", "unit"), ("arctan", "real"), ("arcsinh", "real"),
                    ("arccosh", "ge1"), ("arctanh", "unit"), ("fix", "real"),
                    ("lgamma", "real"), ("i0", "real"), ("sinc", "real")]:
    add(_name, unary(_dom, DTYPES), "elementwise", method=_name, inplace=_name + "_", out=True)
# (float32: PyTorch reflects digamma in float32, whose pi x loses digits next to the poles)
add("digamma", unary("real", DTYPES), "elementwise", method="digamma", inplace="digamma_",
    out=True, tol_scale=10)
add("polygamma", unary("real", DTYPES, kw=lambda s: st.fixed_dictionaries(
    {"n": st.sampled_from([0, 1, 2, 3])})), "elementwise",
    fn=lambda lib, x, n, **kw: lib.polygamma(n, x, **kw), method="polygamma",
    inplace="polygamma_", out=True, tol_scale=10)
add("mvlgamma", unary("real", DTYPES, kw=lambda s: st.fixed_dictionaries(
    {"p": st.sampled_from([1, 2, 3])})), "elementwise", method="mvlgamma",
    inplace="mvlgamma_", out=True)
add("clamp", unary("real", NO_HALF, kw=lambda s: st.sampled_from(
    [{"min": -0.5}, {"max": 0.5}, {"min": -1.0, "max": 1.0}, {"min": 1, "max": 2},
     {"min": 1.0, "max": -1.0}])), "elementwise", method="clamp", inplace="clamp_", out=True)
add("round", unary("real", FLOATS, kw=lambda s: st.fixed_dictionaries(
    {"decimals": st.integers(-1, 2)})), "elementwise", method="round", inplace="round_")
add("pow", unary("pos", DTYPES, kw=lambda s: st.fixed_dictionaries(
    {"exponent": st.sampled_from([2, 3, 0, 0.5, -1, 1.5, 2.0, -2])})), "elementwise",
    method="pow", inplace="pow_", out=True)

# activations (nn.functional)
for _name, _kw in [
    ("gelu", st.sampled_from([{}, {"approximate": "tanh"}])), ("silu", st.just({})),
    ("softplus", st.sampled_from([{}, {"beta": 2.0, "threshold": 1.0}])),
    ("elu", st.sampled_from([{}, {"alpha": 0.5}])), ("leaky_relu", st.sampled_from(
        [{}, {"negative_slope": 0.2}])), ("hardtanh", st.sampled_from(
            [{}, {"min_val": -0.5, "max_val": 2.0}])),
    ("relu6", st.just({})), ("mish", st.just({})), ("hardswish", st.just({})),
    ("hardsigmoid", st.just({})), ("logsigmoid", st.just({})), ("softsign", st.just({})),
    ("tanhshrink", st.just({})), ("celu", st.sampled_from([{}, {"alpha": 2.0}])),
    ("selu", st.just({})), ("softshrink", st.sampled_from([{}, {"lambd": 1.0}])),
    ("hardshrink", st.sampled_from([{}, {"lambd": 1.0}])),
    ("threshold", st.just({"threshold": 0.5, "value": -1.0})),
]:
    add("nn.functional." + _name, unary("real", FLOATS, kw=fixed(_kw)), "activation")
for _name in ("softmax", "log_softmax", "softmin"):
    add("nn.functional." + _name, reduction("real", FLOATS, dim_kind="int", keepdim=False,
                                            min_dims=1), "activation")
add("nn.functional.glu", reduction("real", ("float32", "float64"), dim_kind="int",
                                   keepdim=False, min_dims=1), "activation")
add("nn.functional.normalize", reduction("real", ("float32", "float64"), dim_kind="int",
                                         keepdim=False, min_dims=1, extra=fixed(
                                             st.sampled_from([{}, {"p": 1.0}]))), "activation")

# elementwise, binary and ternary
for _name, _dom, _dt, _scal, _inpl in [
    ("add", "real", DTYPES, (1,), True), ("sub", "real", NO_HALF, (1,), True),
    ("mul", "real", DTYPES, (1,), True), ("div", "nonzero", DTYPES, (1,), True),
    ("true_divide", "nonzero", DTYPES, (1,), True),
    ("floor_divide", "nonzero", NO_HALF, (1,), True),
    ("remainder", "nonzero", NO_HALF, (1,), True), ("fmod", "nonzero", NO_HALF, (1,), True),
    ("atan2", "real", FLOATS, (), True),
    ("fmax", "real", NO_HALF, (), False), ("fmin", "real", NO_HALF, (), False),
    ("eq", "small", DTYPES, (1,), True), ("ne", "small", DTYPES, (1,), True),
    ("lt", "small", DTYPES, (1,), True), ("le", "small", DTYPES, (1,), True),
    ("gt", "small", DTYPES, (1,), True), ("ge", "small", DTYPES, (1,), True),
    ("logical_and", "small", DTYPES, (), True), ("logical_or", "small", DTYPES, (), True),
    ("logical_xor", "small", DTYPES, (), True),
    ("bitwise_and", "real", INTS_BOOL, (1,), True),
    ("bitwise_or", "real", INTS_BOOL, (1,), True),
    ("bitwise_xor", "real", INTS_BOOL, (1,), True),
    ("hypot", "real", ("float32", "float64"), (), True),
    ("copysign", "real", NO_HALF, (1,), True), ("xlogy", "pos", NO_HALF, (), True),
    ("float_power", "pos", ("float32", "float64", "int64"), (1,), False),
    ("heaviside", "small", ("float32", "float64", "int64"), (), False),
    ("arctan2", "real", FLOATS, (), True), ("logaddexp", "real", FLOATS, (), False),
    ("logaddexp2", "real", FLOATS, (), False), ("nextafter", "small", FLOATS, (), True),
    ("ldexp", "small", DTYPES, (), True), ("gcd", "real", INT_DTYPES, (), True),
    ("lcm", "real", INT_DTYPES, (), True),
]:
    add(_name, nary(2, _dom, _dt, scalars=_scal), "binary", method=_name,
        inplace=_name + "_" if _inpl else None, out=True)
add("add", nary(2, "real", DTYPES, kw=lambda s: st.fixed_dictionaries(
    {"alpha": st.sampled_from([2, 0.5, -1])})), "binary", method="add", inplace="add_", out=True)
add("div", nary(2, "nonzero", NO_HALF, scalars=(1,), kw=lambda s: st.fixed_dictionaries(
    {"rounding_mode": st.sampled_from([None, "trunc", "floor"])})), "binary", method="div",
    inplace="div_", out=True)
add("maximum", nary(2, "real", DTYPES), "binary", method="maximum", out=True)
add("minimum", nary(2, "real", DTYPES), "binary", method="minimum", out=True)
add("pow", nary(2, "pos", ("float32", "float64", "int64"), domains=("pos", "small")), "binary",
    method="pow", inplace="pow_", out=True)
add("where", lambda draw, rng: _where(draw, rng), "binary")
add("lerp", nary(3, "real", ("float32", "float64"), same_dtype=True), "binary", method="lerp",
    inplace="lerp_", out=True)
add("addcmul", nary(3, "real", ("float32", "float64", "int64"), same_dtype=True,
                    kw=lambda s: st.sampled_from([{}, {"value": 2}])), "binary",
    method="addcmul", inplace="addcmul_", out=True)
add("addcdiv", nary(3, "nonzero", ("float32", "float64"), same_dtype=True,
                    kw=lambda s: st.sampled_from([{}, {"value": 0.5}])), "binary",
    method="addcdiv", inplace="addcdiv_", out=True)


def _where(draw, rng):
    shapes = draw(broadcast_shapes(3))
    cond = Arg(values(rng, shapes[0], "bool"), "contiguous", False)
    d1, d2 = draw(dtype(NO_HALF)), draw(dtype(NO_HALF))
    return [cond, draw(tensor_arg(rng, shapes[1], d1)), draw(tensor_arg(rng, shapes[2], d2))], {}


# Python operators, with the scalar on either side
_OPERATORS = {
    "__add__": lambda a, b: a + b, "__sub__": lambda a, b: a - b, "__mul__": lambda a, b: a * b,
    "__truediv__": lambda a, b: a / b, "__floordiv__": lambda a, b: a // b,
    "__mod__": lambda a, b: a % b, "__pow__": lambda a, b: a ** b,
    "__and__": lambda a, b: a & b, "__or__": lambda a, b: a | b, "__xor__": lambda a, b: a ^ b,
    "__lt__": lambda a, b: a < b, "__ge__": lambda a, b: a >= b, "__eq__": lambda a, b: a == b,
    "__matmul__": lambda a, b: a @ b,
}
for _name, _f in _OPERATORS.items():
    _dom = {"__truediv__": "nonzero", "__floordiv__": "nonzero", "__mod__": "nonzero",
            "__pow__": "pos"}.get(_name, "real")
    _dt = INTS_BOOL if _name in ("__and__", "__or__", "__xor__") else NO_HALF
    if _name == "__matmul__":
        continue
    add("operator." + _name, nary(2, _dom, _dt, scalars=(0, 1)), "operator",
        fn=lambda lib, a, b, _f=_f: _f(a, b))
for _name, _f in [("__iadd__", "+="), ("__isub__", "-="), ("__imul__", "*="),
                  ("__itruediv__", "/=")]:
    def _inplace_op(lib, a, b, _op=_f):
        a = a.clone() if isinstance(a, (lib.Tensor,)) else a
        c = a
        if _op == "+=":
            a += b
        elif _op == "-=":
            a -= b
        elif _op == "*=":
            a *= b
        else:
            a /= b
        return a, a is c
    add("operator." + _name, nary(2, "nonzero", NO_HALF, scalars=(1,)), "operator",
        fn=_inplace_op)

# reductions
_kd = dict(method=None)
for _name, _dom, _dt, _kind in [
    ("sum", "real", DTYPES, "optional"), ("mean", "real", FLOATS, "optional"),
    ("nansum", "real", DTYPES, "optional"), ("nanmean", "real", FLOATS, "optional"),
    ("prod", "small", DTYPES, "intopt"), ("amax", "real", DTYPES, "optional"),
    ("amin", "real", DTYPES, "optional"), ("argmax", "real", NO_HALF, "intopt"),
    ("argmin", "real", NO_HALF, "intopt"), ("logsumexp", "real", FLOATS, "optional"),
    ("all", "small", DTYPES, "intopt"), ("any", "small", DTYPES, "intopt"),
    ("count_nonzero", "small", DTYPES, "optional"), ("std", "real", FLOATS, "optional"),
    ("var", "real", FLOATS, "optional"), ("std_mean", "real", FLOATS, "optional"),
    ("var_mean", "real", FLOATS, "optional"), ("norm", "real", ("float32", "float64"),
                                                "optional"),
]:
    _keep = _name not in ("count_nonzero",)
    _extra = None
    if _name in ("std", "var", "std_mean", "var_mean"):
        _extra = fixed(st.sampled_from([{}, {"correction": 0}, {"correction": 2},
                                        {"unbiased": False}]))
    elif _name == "sum":
        _extra = fixed(st.sampled_from([{}, {}, {"dtype": "float64"}, {"dtype": "int32"}]))
    elif _name == "norm":
        _extra = fixed(st.sampled_from([{}, {"p": 1}, {"p": float("inf")}, {"p": 3}]))
    _g = reduction(_dom, _dt, _kind, _keep, extra=_extra)
    _m = _name if _name not in ("std_mean", "var_mean") else None
    add(_name, _g, "reduction", method=_m if _name != "sum" else None,
        fn=None if _name != "sum" else lambda lib, *xs, **kw: lib.sum(
            *xs, **{k: (getattr(lib, v) if k == "dtype" else v) for k, v in kw.items()}))
for _name, _dom, _dt in [("max", "real", NO_HALF), ("min", "real", NO_HALF),
                         ("median", "real", ("float32", "float64", "int64")),
                         ("mode", "small", ("float32", "int64")),
                         ("cummax", "real", NO_HALF), ("cummin", "real", NO_HALF),
                         ("kthvalue", "real", ("float32", "float64"))]:
    _keep = not _name.startswith("cum")
    if _name == "kthvalue":
        _g = reduction(_dom, _dt, "int", True, min_dims=1, min_side=1,
                       extra=fixed(st.fixed_dictionaries({"k": st.just(1)})))
    else:
        _g = reduction(_dom, _dt, "int" if _name.startswith("cum") else "intopt", _keep)
    add(_name, _g, "reduction", method=_name)
for _name in ("cumsum", "cumprod"):
    add(_name, reduction("small", DTYPES, "int", False), "reduction", method=_name)
add("logcumsumexp", reduction("real", DTYPES, "int", False), "reduction", method="logcumsumexp",
    out=True)
add("aminmax", reduction("real", NO_HALF, "intopt", True), "reduction")
add("sort", reduction("real", NO_HALF, "intopt", False, extra=fixed(st.sampled_from(
    [{}, {"descending": True}, {"stable": True}]))), "reduction", method="sort")
add("argsort", reduction("real", NO_HALF, "intopt", False, extra=fixed(st.sampled_from(
    [{"stable": True}, {"descending": True, "stable": True}]))), "reduction", method="argsort")


def _with_nan(dim_kind, keepdim, quantile=False):
    """A float tensor with NaN in about a third of its elements (all of them now and then),
    laid out contiguous, transposed or stepped, and a reduction's dim arguments; for the
    quantiles also ``q`` (a number or a 1-D tensor) and ``interpolation``."""
    def gen(draw, rng):
        s = draw(shape())
        dt = draw(dtype(("float32", "float64")))
        a = values(rng, s, dt, "real")
        share = draw(st.sampled_from([0.0, 0.3, 0.3, 1.0]))
        a = np.where(rng.random(s) < share, np.nan, a).astype(dt)
        layouts = ["contiguous", "stepped"] + (["transposed"] if len(s) >= 2 else [])
        arg = Arg(a, draw(st.sampled_from(layouts)) if s else "contiguous")
        kw = {}
        d = draw(dim(len(s), allow_none=dim_kind == "intopt"))
        if d is not None:
            kw["dim"] = d
            if keepdim and draw(st.booleans()):
                kw["keepdim"] = draw(st.booleans())
        if not quantile:
            return [arg], kw
        if draw(st.booleans()):
            q = Arg(np.asarray(draw(st.sampled_from([0.0, 0.25, 0.4, 0.5, 1.0]))), "scalar")
        else:
            q = Arg(rng.uniform(0, 1, draw(st.integers(1, 3))).astype(dt), "contiguous", False)
        kw["interpolation"] = draw(st.sampled_from(["linear", "lower", "higher", "midpoint",
                                                    "nearest"]))
        return [arg, q], kw
    return gen


add("nanmedian", _with_nan("intopt", True), "reduction", method="nanmedian")
add("nanquantile", _with_nan("intopt", True, quantile=True), "reduction",
    method="nanquantile", out=True)


def _cov(draw, rng):
    s = draw(st.sampled_from([(draw(st.integers(1, 3)), draw(st.integers(0, 5))),
                              (draw(st.integers(0, 5)),)]))
    dt = draw(dtype(("float32", "float64", "int64")))
    a = draw(tensor_arg(rng, s, dt, "real"))
    n = s[-1]
    kw = {}
    if draw(st.booleans()):
        kw["correction"] = draw(st.integers(0, 2))
    if n and draw(st.booleans()):
        kw["fweights"] = rng.integers(0, 4, n).astype(np.int64)
    if n and draw(st.booleans()):
        # (of the input's float dtype: float32 weights on float64 data round in float32, and
        # the two libraries' float32 sums may differ in the last bit)
        kw["aweights"] = rng.uniform(0.5, 2, n).astype(dt if dt != "int64" else draw(dtype(
            ("float32", "float64"))))
    return [a], kw


def _cov_call(lib, x, **kw):
    """``cov`` with the weights (NumPy arrays in the case) as tensors of ``lib``."""
    return lib.cov(x, **{k: lib.tensor(v) if isinstance(v, np.ndarray) else v
                         for k, v in kw.items()})


def _corrcoef(draw, rng):
    s = draw(st.sampled_from([(draw(st.integers(1, 3)), draw(st.integers(2, 5))),
                              (draw(st.integers(2, 5)),)]))
    return [draw(tensor_arg(rng, s, draw(dtype(("float32", "float64", "int64"))), "real"))], {}


def _trapezoid(draw, rng):
    s = draw(shape(min_dims=1))
    dt = draw(dtype(("float32", "float64", "int64")))
    y = draw(tensor_arg(rng, s, dt, "real"))
    d = draw(st.integers(-len(s), len(s) - 1))
    kind = draw(st.sampled_from(["none", "dx", "x", "x_full"]))
    if kind == "dx":
        return [y], {"dx": draw(st.sampled_from([0.5, 2, -1.5])), "dim": d}
    if kind == "x":
        x = draw(tensor_arg(rng, (s[d],), draw(dtype(("float32", "float64", "int64"))), "real"))
        return [y, x], {"dim": d}
    if kind == "x_full":
        return [y, draw(tensor_arg(rng, s, dt, "real"))], {"dim": d}
    return [y], {"dim": d}


def _dist(draw, rng):
    args, _ = nary(2, "real", ("float32", "float64"))(draw, rng)
    args = [a if a.layout != "scalar" else draw(tensor_arg(rng, (), "float32", "real"))
            for a in args]
    return args, {"p": draw(st.sampled_from([2, 1, 3.5, float("inf")]))}


add("cov", _cov, "reduction", fn=_cov_call)
add("corrcoef", _corrcoef, "reduction", method="corrcoef")
add("trapezoid", _trapezoid, "reduction")
add("cumulative_trapezoid", _trapezoid, "reduction")
add("dist", _dist, "reduction", method="dist")


def _topk(draw, rng):
    s = draw(shape(min_dims=1, min_side=1))
    a = draw(tensor_arg(rng, s, draw(dtype(("float32", "float64", "int64"))), "real"))
    d = draw(st.integers(-len(s), len(s) - 1))
    k = draw(st.integers(0, s[d]))
    return [a], {"k": k, "dim": d, "largest": draw(st.booleans())}


add("topk", _topk, "reduction", method="topk")


# shape and view ops
def _view_gen(kind):
    def gen(draw, rng):
        s = draw(shape(min_dims=1 if kind not in ("reshape", "flatten") else 0))
        a = draw(tensor_arg(rng, s, draw(dtype()), "real"))
        n = max(len(s), 1)
        kw = {}
        if kind == "reshape":
            size = int(np.prod(s))
            opts = [(size,), (-1,), (1, size), (size, 1), s[::-1], (-1, 1)]
            if size == 0:
                opts.append((0, -1))
            return [a], {"shape": draw(st.sampled_from(opts))}
        if kind == "permute":
            return [a], {"dims": tuple(draw(st.permutations(range(len(s)))))}
        if kind == "transpose":
            return [a], {"dim0": draw(dim(n, False)), "dim1": draw(dim(n, False))}
        if kind in ("squeeze", "unsqueeze", "flip_one"):
            return [a], {"dim": draw(dim(n + (kind == "unsqueeze"), False))}
        if kind == "flatten":
            return [a], {"start_dim": draw(dim(n, False)), "end_dim": -1}
        if kind == "movedim":
            return [a], {"source": draw(dim(n, False)), "destination": draw(dim(n, False))}
        if kind == "narrow":
            d = draw(st.integers(-len(s), len(s) - 1))
            start = draw(st.integers(0, s[d]))
            return [a], {"dim": d, "start": start, "length": draw(st.integers(0, s[d] - start))}
        if kind in ("chunk", "split", "tensor_split"):
            d = draw(dim(n, False))
            key = {"chunk": "chunks", "split": "split_size_or_sections",
                   "tensor_split": "sections"}[kind]
            if kind == "split":   # the function and the method name it differently
                return [a, Arg(np.asarray(draw(st.integers(1, 3))), "scalar")], {"dim": d}
            return [a], {key: draw(st.integers(1, 3)), "dim": d}
        if kind == "roll":
            return [a], {"shifts": draw(st.integers(-3, 3)), "dims": draw(dim(n, False))}
        if kind in ("tril", "triu"):
            return [a], {"diagonal": draw(st.integers(-2, 2))}
        if kind == "diagonal":
            return [a], {"offset": draw(st.integers(-1, 1)), "dim1": draw(dim(n, False)),
                         "dim2": draw(dim(n, False))}
        if kind == "unbind":
            return [a], {"dim": draw(dim(n, False))}
        if kind == "flip":
            return [a], {"dims": tuple(sorted(set(draw(st.lists(dim(n, False), max_size=3)))))}
        if kind == "repeat_interleave":
            return [a], {"repeats": draw(st.integers(0, 2)), "dim": draw(dim(n, True))}
        return [a], kw
    return gen


for _name in ("reshape", "permute", "transpose", "squeeze", "unsqueeze", "flatten", "movedim",
              "narrow", "chunk", "split", "tensor_split", "roll", "tril", "triu", "diagonal",
              "unbind", "flip", "repeat_interleave"):
    add(_name, _view_gen(_name), "shape", method=_name,
        inplace=(_name + "_") if _name in ("tril", "triu") else None)


def _split_hvd(kind):
    def gen(draw, rng):
        s = draw(shape(min_dims={"hsplit": 1, "vsplit": 2, "dsplit": 3}[kind] - (
            draw(st.integers(0, 9)) == 0)))  # now and then too few dims (the error)
        a = draw(tensor_arg(rng, s, draw(dtype()), "real"))
        if draw(st.booleans()):
            arg = draw(st.integers(1, 3))
        else:
            arg = sorted(draw(st.lists(st.integers(-2, 4), max_size=3)))
        return [a], {"sections": arg}  # (passed positionally: PyTorch's overloads name it
    return gen                          # sections or indices)


for _name in ("hsplit", "vsplit", "dsplit"):
    add(_name, _split_hvd(_name), "shape",
        fn=lambda lib, x, sections, _name=_name: getattr(lib, _name)(x, sections))


def _diagflat(draw, rng):
    a = draw(tensor_arg(rng, draw(shape(max_dims=2)), draw(dtype()), "real"))
    return [a], {"offset": draw(st.integers(-2, 2))}


def _scatter_copy(kind):
    """``input`` and a ``src`` shaped like the region (now and then one size off)."""
    def gen(draw, rng):
        s = draw(shape(min_dims=1 if kind != "diagonal_scatter" else 2, min_side=1))
        dt = draw(dtype())
        a = draw(tensor_arg(rng, s, dt, "real"))
        ref = np.empty(s)
        if kind == "diagonal_scatter":
            kw = {"offset": draw(st.integers(-1, 1)), "dim1": draw(dim(len(s), False)),
                  "dim2": draw(dim(len(s), False))}
            try:
                region = np.diagonal(ref, kw["offset"], kw["dim1"], kw["dim2"]).shape
            except ValueError:  # the same dim twice (the error is compared)
                region = s
        elif kind == "select_scatter":
            d = draw(st.integers(-len(s), len(s) - 1))
            kw = {"dim": d, "index": draw(st.integers(-s[d], s[d] - 1))}
            region = s[:d % len(s)] + s[d % len(s) + 1:]
        else:
            d = draw(st.integers(-len(s), len(s) - 1))
            kw = {"dim": d, "start": draw(st.sampled_from([None, 0, 1, -2])),
                  "end": draw(st.sampled_from([None, 2, -1])), "step": draw(st.integers(1, 2))}
            key = (slice(None),) * (d % len(s)) + (slice(kw["start"], kw["end"], kw["step"]),)
            region = ref[key].shape
        region = tuple(region)
        if region and draw(st.integers(0, 9)) == 0:
            region = region[:-1] + (region[-1] + 1,)
        src = draw(tensor_arg(rng, region, draw(dtype(("float32", "float64", dt))), "real"))
        return [a, src], kw
    return gen


def _combinations(draw, rng):
    a = draw(tensor_arg(rng, (draw(st.integers(0, 5)),), draw(dtype()), "real"))
    return [a], {"r": draw(st.integers(0, 3)), "with_replacement": draw(st.booleans())}


def _block_diag(draw, rng):
    dt = draw(dtype(("float32", "float64", "int64")))
    blocks = [draw(tensor_arg(rng, draw(shape(max_dims=2, max_side=3)), draw(st.sampled_from(
        [dt, dt, "float32"])), "real")) for _ in range(draw(st.integers(1, 3)))]
    return blocks, {}


add("diagflat", _diagflat, "shape", method="diagflat")
for _name in ("diagonal_scatter", "select_scatter", "slice_scatter"):
    add(_name, _scatter_copy(_name), "shape", method=_name)
add("combinations", _combinations, "shape")
add("block_diag", _block_diag, "shape")


def _expand(draw, rng):
    s = draw(shape(max_dims=3))
    a = draw(tensor_arg(rng, s, draw(dtype()), "real", layouts=False))
    target = [draw(st.sampled_from([n, -1] if n != 1 else [1, 3, 0, -1])) for n in s]
    target = [draw(st.integers(1, 2))] * draw(st.integers(0, 1)) + target
    return [a], {"size": tuple(target)}


add("expand", _expand, "shape", fn=lambda lib, x, size: x.expand(*size))
add("tile", lambda draw, rng: ([draw(tensor_arg(rng, draw(shape(max_dims=3)), draw(dtype())))],
                               {"dims": tuple(draw(st.lists(st.integers(0, 2), max_size=3)))}),
    "shape")
add("repeat", lambda draw, rng: _repeat(draw, rng), "shape",
    fn=lambda lib, x, sizes: x.repeat(*sizes))


def _repeat(draw, rng):
    s = draw(shape(max_dims=3))
    a = draw(tensor_arg(rng, s, draw(dtype()), "real"))
    k = draw(st.integers(len(s), len(s) + 1))
    return [a], {"sizes": tuple(draw(st.integers(0, 2)) for _ in range(k))}


def _join(draw, rng):
    s = draw(shape(min_dims=1, max_dims=3))
    n = draw(st.integers(1, 3))
    d = draw(st.integers(-len(s), len(s) - 1))
    args = []
    for _ in range(n):
        t = list(s)
        t[d] = draw(st.integers(0, 3))
        args.append(draw(tensor_arg(rng, tuple(t), draw(dtype(NO_HALF)), "real")))
    return args, {"dim": d}


add("cat", _join, "shape", fn=lambda lib, *xs, dim: lib.cat(list(xs), dim=dim), out=True)
add("stack", lambda draw, rng: _stack(draw, rng), "shape",
    fn=lambda lib, *xs, dim: lib.stack(xs, dim=dim), out=True)


def _stack(draw, rng):
    s = draw(shape(max_dims=3))
    n = draw(st.integers(1, 3))
    d = draw(st.integers(-len(s) - 1, len(s)))
    dt = draw(dtype(NO_HALF))
    return [draw(tensor_arg(rng, s, dt, "real")) for _ in range(n)], {"dim": d}


# indexing
def _getitem(draw, rng):
    s = draw(shape(min_dims=1))
    a = draw(tensor_arg(rng, s, draw(dtype(NO_HALF)), "real"))
    index = []
    k = draw(st.integers(1, len(s)))
    for i in range(k):
        n = s[i]
        kind = draw(st.sampled_from(["int", "slice", "step", "none", "ellipsis", "list",
                                     "bool"]))
        if kind == "int" and n:
            index.append(draw(st.integers(-n, n - 1)))
        elif kind == "step":
            index.append(slice(draw(st.sampled_from([None, 1, -1])), None, draw(
                st.integers(1, 3))))
        elif kind == "none":
            index.append(None)
        elif kind == "ellipsis" and Ellipsis not in index:
            index.append(Ellipsis)
        elif kind == "list" and n:
            index.append(list(rng.integers(-n, n, size=draw(st.integers(0, 3)))))
        elif kind == "bool":
            index.append(list(rng.random(n) < 0.5))
        else:
            index.append(slice(draw(st.integers(-n - 1, n)), None))
    return [a], {"index": tuple(index)}


def _getitem_fn(lib, x, index):
    idx = tuple(lib.tensor(i, dtype=lib.bool) if isinstance(i, list) and i and
                isinstance(i[0], (bool, np.bool_)) else
                lib.tensor([int(j) for j in i], dtype=lib.int64) if isinstance(i, list) else i
                for i in index)
    return x[idx]


add("getitem", _getitem, "indexing", fn=_getitem_fn)


def _setitem_fn(lib, x, v, index):
    y = x.clone()
    y[_index_of(lib, index)] = v
    return y


def _index_of(lib, index):
    return tuple(lib.tensor([bool(j) for j in i], dtype=lib.bool) if isinstance(i, list) and i
                 and isinstance(i[0], (bool, np.bool_)) else
                 lib.tensor([int(j) for j in i], dtype=lib.int64) if isinstance(i, list) else i
                 for i in index)


def _setitem(draw, rng):
    [a], kw = _getitem(draw, rng)
    vs = draw(st.sampled_from([(), (1,)]))
    v = draw(st.sampled_from(["scalar", "tensor"]))
    if v == "scalar":
        val = Arg(np.asarray(2.5), "scalar")
    else:
        val = draw(tensor_arg(rng, vs, draw(dtype(("float32", "float64", "int64"))), "real"))
    return [a, val], kw


add("setitem", _setitem, "indexing", fn=_setitem_fn)


def _gather_like(kind):
    def gen(draw, rng):
        s = draw(shape(min_dims=1, max_dims=3, min_side=1))
        a = draw(tensor_arg(rng, s, draw(dtype(NO_HALF)), "real"))
        d = draw(st.integers(-len(s), len(s) - 1))
        n = s[d]
        if kind == "index_select":
            idx = rng.integers(0, n, size=draw(st.integers(0, 4)))
            return [a, Arg(idx.astype(np.int64), "contiguous", False)], {"dim": d}
        ishape = tuple(draw(st.integers(0, m)) for m in s)
        idx = Arg(rng.integers(0, n, size=ishape).astype(np.int64), "contiguous", False)
        if kind == "gather":
            return [a, idx], {"dim": d}
        src = draw(tensor_arg(rng, ishape, str(a.array.dtype), "real"))
        if kind == "scatter" and ishape and np.prod(ishape):
            # distinct positions along dim, so the result does not depend on write order
            axis = d % len(s)
            idx = Arg(np.broadcast_to(np.arange(ishape[axis]).reshape(
                [-1 if i == axis else 1 for i in range(len(s))]), ishape).astype(np.int64),
                "contiguous", False)
        return [a, idx, src], {"dim": d}
    return gen


add("gather", _gather_like("gather"), "indexing",
    fn=lambda lib, x, i, dim: lib.gather(x, dim, i), out=False)
add("index_select", _gather_like("index_select"), "indexing",
    fn=lambda lib, x, i, dim: lib.index_select(x, dim, i))
add("scatter", _gather_like("scatter"), "indexing",
    fn=lambda lib, x, i, s, dim: lib.scatter(x, dim, i, s))
add("scatter_add", _gather_like("scatter_add"), "indexing",
    fn=lambda lib, x, i, s, dim: lib.scatter_add(x, dim, i, s))


def _masked(draw, rng):
    shapes = draw(broadcast_shapes(2))
    a = draw(tensor_arg(rng, shapes[0], draw(dtype(NO_HALF)), "real"))
    m = Arg(values(rng, shapes[1], "bool"), draw(st.sampled_from(["contiguous", "stepped"]))
            if shapes[1] else "contiguous", False)
    return [a, m], {}


add("masked_fill", _masked, "indexing", fn=lambda lib, x, m: x.masked_fill(m, 2.0))
add("masked_fill_", _masked, "indexing",
    fn=lambda lib, x, m: (lambda y: (y.masked_fill_(m, 0.0), y)[1])(x * 2))
add("masked_select", _masked, "indexing")
add("take", lambda draw, rng: _take(draw, rng), "indexing")


def _take(draw, rng):
    s = draw(shape(min_dims=0, min_side=1))
    a = draw(tensor_arg(rng, s, draw(dtype(NO_HALF)), "real"))
    n = int(np.prod(s))
    return [a, Arg(rng.integers(-n, n, size=draw(shape(max_dims=2))).astype(np.int64),
                   "contiguous", False)], {}


def _index_add(draw, rng):
    s = draw(shape(min_dims=1, max_dims=3, min_side=1))
    dt = draw(dtype(("float32", "float64")))
    a = draw(tensor_arg(rng, s, dt, "real"))
    d = draw(st.integers(-len(s), len(s) - 1))
    k = draw(st.integers(0, 4))
    idx = rng.integers(0, s[d], size=k).astype(np.int64)
    t = list(s)
    t[d] = k
    src = draw(tensor_arg(rng, tuple(t), dt, "real"))
    return [a, Arg(idx, "contiguous", False), src], {"dim": d, "alpha": draw(st.sampled_from(
        [1, 2.0]))}


add("index_add", _index_add, "indexing",
    fn=lambda lib, x, i, s, dim, alpha: lib.index_add(x, dim, i, s, alpha=alpha))
add("index_add_", _index_add, "indexing",
    fn=lambda lib, x, i, s, dim, alpha: (lambda y: (y.index_add_(dim, i, s, alpha=alpha), y)[1])(
        x * 1))


def _index_reduce(draw, rng):
    a, i, src = _index_add(draw, rng)[0]
    d = draw(st.integers(-len(a.array.shape), len(a.array.shape) - 1))
    k = draw(st.integers(0, 4))
    s = a.array.shape
    i = Arg(rng.integers(0, s[d], size=k).astype(np.int64), "contiguous", False)
    t = list(s)
    t[d] = k
    src = draw(tensor_arg(rng, tuple(t), str(a.array.dtype), "real"))
    return [a, i, src], {"dim": d, "reduce": draw(st.sampled_from(["prod", "mean", "amax",
                                                                    "amin"])),
                         "include_self": draw(st.booleans())}


add("index_reduce", _index_reduce, "indexing",
    fn=lambda lib, x, i, s, dim, reduce, include_self: lib.index_reduce(
        x, dim, i, s, reduce, include_self=include_self))
add("index_reduce_", _index_reduce, "indexing",
    fn=lambda lib, x, i, s, dim, reduce, include_self: (lambda y: (y.index_reduce_(
        dim, i, s, reduce, include_self=include_self), y)[1])(x * 1))


def _as_strided(draw, rng):
    """A geometry inside the argument's own elements (its leaf's storage holds at least as
    many), overlapping now and then (stride 0, or smaller than the size below it)."""
    s = draw(shape(max_dims=3))
    a = draw(tensor_arg(rng, s, draw(dtype(("float32", "float64"))), "real"))
    n = int(np.prod(s))
    k = draw(st.integers(0, 3))
    size = [draw(st.integers(0, 3)) for _ in range(k)]
    stride = [draw(st.integers(0, 3)) for _ in range(k)]
    offset = draw(st.one_of(st.none(), st.integers(0, max(n - 1, 0))))
    span = (offset or 0) + 1 + sum((z - 1) * t for z, t in zip(size, stride))
    if n == 0 or span > n:
        size = [0] + size[1:] if size else [0]
        stride = stride if size[1:] or stride else [1]
        offset = None
    return [a], {"size": tuple(size), "stride": tuple(stride), "storage_offset": offset}


add("as_strided", _as_strided, "shape", method="as_strided")


def _renorm(draw, rng):
    s = draw(shape(min_dims=2, max_dims=3))
    a = draw(tensor_arg(rng, s, draw(dtype(("float32", "float64"))), "real"))
    return [a], {"p": draw(st.sampled_from([1, 2, 3.0, float("inf")])),
                 "dim": draw(st.integers(-len(s), len(s) - 1)),
                 "maxnorm": draw(st.sampled_from([0.0, 0.5, 2.0]))}


add("renorm", _renorm, "reduction", method="renorm", inplace="renorm_", out=True)


# linear algebra
def _matmul(draw, rng):
    k = draw(st.integers(0, 3))
    m, n = draw(st.integers(0, 3)), draw(st.integers(0, 3))
    batch = draw(broadcast_shapes(2, max_dims=2))
    sa = draw(st.sampled_from([(k,), batch[0] + (m, k)]))
    sb = draw(st.sampled_from([(k,), batch[1] + (k, n)]))
    if draw(st.integers(0, 15)) == 0:
        sb = sb[:-2] + (k + 1,) + sb[-1:] if len(sb) >= 2 else (k + 1,)
    dt = draw(dtype(("float32", "float64", "int64")))
    return [draw(tensor_arg(rng, sa, dt, "small")), draw(tensor_arg(rng, sb, dt, "small"))], {}


add("matmul", _matmul, "linalg", method="matmul", out=True)
add("operator.__matmul__", _matmul, "linalg", fn=lambda lib, a, b: a @ b)


def _mats(*shapes_of, dtypes=("float32", "float64")):
    def gen(draw, rng):
        dims_ = {c: draw(st.integers(0, 3)) for c in "bmnk"}
        dt = draw(dtype(dtypes))
        return [draw(tensor_arg(rng, tuple(dims_[c] for c in s), dt, "small"))
                for s in shapes_of], {}
    return gen


add("mm", _mats("mk", "kn"), "linalg", method="mm", out=True)
add("bmm", _mats("bmk", "bkn"), "linalg", method="bmm", out=True)
add("mv", _mats("mk", "k"), "linalg", method="mv", out=True)
add("dot", _mats("k", "k"), "linalg", method="dot")
add("outer", _mats("m", "n"), "linalg", method="outer")
add("addmm", _mats("mn", "mk", "kn"), "linalg", method="addmm", inplace="addmm_")
add("baddbmm", _mats("bmn", "bmk", "bkn"), "linalg", method="baddbmm")
add("einsum", _mats("bmk", "bkn"), "linalg", fn=lambda lib, a, b: lib.einsum("bmk,bkn->bn",
                                                                             a, b))
add("tensordot", _mats("mk", "kn"), "linalg", fn=lambda lib, a, b: lib.tensordot(a, b, dims=1))
add("trace", _mats("mn"), "linalg", method="trace")
# (kron: PyTorch raises on some non-contiguous operands, so contiguous ones only)
add("kron", lambda draw, rng: ([Arg(a.array, "contiguous") for a in _mats("mn", "kb")(
    draw, rng)[0]], {}), "linalg")


def _square(draw, rng):
    n = draw(st.integers(1, 3))
    b = draw(st.sampled_from([(), (2,)]))
    dt = draw(dtype(("float32", "float64")))
    a = rng.standard_normal(b + (n, n)) + 3 * np.eye(n)
    return [Arg(a.astype(dt), draw(st.sampled_from(["contiguous", "transposed"])))], {}


add("linalg.det", _square, "linalg")
add("linalg.inv", _square, "linalg")
add("linalg.slogdet", _square, "linalg")
add("linalg.matrix_norm", _square, "linalg")
add("linalg.vector_norm", reduction("real", ("float32", "float64"), "optional", True,
                                    extra=fixed(st.sampled_from([{}, {"ord": 1},
                                                                 {"ord": float("inf")}]))),
    "linalg")
add("linalg.solve", lambda draw, rng: (_square(draw, rng)[0] + [Arg(rng.standard_normal(
    (3,)).astype(np.float64), "contiguous")], {}), "linalg")


def _triangular(draw, rng):
    n = draw(st.integers(0, 3))
    b = draw(st.sampled_from([(), (2,)]))
    dt = draw(dtype(("float32", "float64")))
    a = rng.standard_normal(b + (n, n)) + 3 * np.eye(n)
    left = draw(st.booleans())
    k = draw(st.integers(0, 2))
    rhs = draw(st.sampled_from([b, ()])) + ((n, k) if left else (k, n))
    kw = {"upper": draw(st.booleans()), "left": left, "unitriangular": draw(st.booleans())}
    return [Arg(a.astype(dt), draw(st.sampled_from(["contiguous", "transposed"]))),
            draw(tensor_arg(rng, rhs, dt, "real"))], kw


def _lu_solve_case(draw, rng):
    (a,), _ = _square(draw, rng)
    n = a.array.shape[-1]
    left = draw(st.booleans())
    k = draw(st.integers(1, 2))
    rhs = a.array.shape[:-2] + ((n, k) if left else (k, n))
    b = draw(tensor_arg(rng, rhs, str(a.array.dtype), "real"))
    return [a, b], {"left": left, "adjoint": draw(st.booleans())}


def _lu_solve_call(lib, a, b, **kw):
    lu, piv = lib.linalg.lu_factor(a)
    return lib.linalg.lu_solve(lu, piv, b, **kw)


def _lstsq(draw, rng):
    m, n = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    b = draw(st.sampled_from([(), (2,)]))
    dt = draw(dtype(("float32", "float64")))
    # (well conditioned, as the other solvers' cases: float32 rounding is not the question)
    a = Arg((rng.standard_normal(b + (m, n)) + 3 * np.eye(m, n)).astype(dt), draw(
        st.sampled_from(["contiguous", "transposed"])))
    rhs = draw(st.sampled_from([b + (m, draw(st.integers(1, 2))), b + (m,)]))
    kw = {}
    if draw(st.booleans()):
        kw["driver"] = draw(st.sampled_from(["gelsy", "gelsd", "gelss"]))
    return [a, draw(tensor_arg(rng, rhs, dt, "real"))], kw


def _matrix_exp(draw, rng):
    (a,), _ = _square(draw, rng)
    scale = draw(st.sampled_from([0.1, 1.0, 3.0]))
    return [Arg((a.array - 3 * np.eye(a.array.shape[-1])) * scale, a.layout)], {}


add("linalg.solve_triangular", _triangular, "linalg")
add("linalg.lu_factor", _square, "linalg")
add("linalg.lu", _square, "linalg")
add("linalg.lu_solve", _lu_solve_case, "linalg", fn=_lu_solve_call)
add("linalg.lstsq", _lstsq, "linalg", tol_scale=10)  # (float32 pseudo-inverses)
add("linalg.matrix_exp", _matrix_exp, "linalg")
add("linalg.inv_ex", _square, "linalg")
add("linalg.cond", lambda draw, rng: (_square(draw, rng)[0], {"p": draw(st.sampled_from(
    [None, 2, -2, "fro", "nuc", 1, float("inf")]))}), "linalg")
add("linalg.cholesky_ex", lambda draw, rng: ([Arg((np.einsum(
    "...ij,...kj->...ik", a.array, a.array) + 3 * np.eye(a.array.shape[-1])).astype(
        a.array.dtype), "contiguous") for a in _square(draw, rng)[0]], {}), "linalg")
add("linalg.tensorinv", lambda draw, rng: ([Arg(a.array.reshape(a.array.shape[:-2] + (
    a.array.shape[-2], 1, a.array.shape[-1])) if a.array.ndim == 2 else a.array[0], "contiguous")
    for a in _square(draw, rng)[0]], {"ind": 1}), "linalg")
add("linalg.vander", lambda draw, rng: ([draw(tensor_arg(rng, draw(shape(min_dims=1,
    max_dims=2, min_side=2)), draw(dtype(("float32", "float64", "int64"))), "small"))],
    {"N": draw(st.sampled_from([None, 2, 4]))}), "linalg")


# losses
def _loss(kind):
    def gen(draw, rng):
        s = draw(shape(min_dims=0, max_dims=3))
        dt = draw(dtype(("float32", "float64")))
        red = draw(st.sampled_from(["mean", "sum", "none"]))
        if kind in ("bce",):
            a = draw(tensor_arg(rng, s, dt, "unit01"))
            b = Arg(values(rng, s, dt, "unit01"), "contiguous", draw(st.booleans()))
        elif kind == "bce_logits":
            a = draw(tensor_arg(rng, s, dt, "real"))
            b = Arg(values(rng, s, dt, "unit01"), "contiguous", False)
        else:
            a = draw(tensor_arg(rng, s, dt, "real"))
            b = draw(tensor_arg(rng, s, dt, "real"))
        return [a, b], {"reduction": red}
    return gen


for _name, _kind in [("mse_loss", "reg"), ("l1_loss", "reg"), ("smooth_l1_loss", "reg"),
                     ("huber_loss", "reg"), ("binary_cross_entropy", "bce"),
                     ("binary_cross_entropy_with_logits", "bce_logits"),
                     ("soft_margin_loss", "reg"), ("kl_div", "reg")]:
    add("nn.functional." + _name, _loss(_kind), "loss")


def _classification(draw, rng):
    n, c = draw(st.integers(0, 3)), draw(st.integers(1, 4))
    extra = draw(st.sampled_from([(), (), (2,)]))
    dt = draw(dtype(("float32", "float64")))
    x = draw(tensor_arg(rng, (n, c) + extra, dt, "real"))
    y = rng.integers(0, c, size=(n,) + extra).astype(np.int64)
    kw = {"reduction": draw(st.sampled_from(["mean", "sum", "none"]))}
    if draw(st.booleans()) and c > 1:
        kw["ignore_index"] = 0
    if draw(st.booleans()):
        kw["weight"] = Arg(values(rng, (c,), dt, "pos"), "contiguous", False)
    return [x, Arg(y, "contiguous", False)], kw


def _with_weight(f):
    def fn(lib, x, y, **kw):
        if "weight" in kw:
            kw["weight"] = lib.tensor(kw["weight"].array)
        return f(lib)(x, y, **kw)
    return fn


add("nn.functional.cross_entropy", _classification, "loss",
    fn=_with_weight(lambda lib: lib.nn.functional.cross_entropy))
add("nn.functional.nll_loss", _classification, "loss",
    fn=_with_weight(lambda lib: lib.nn.functional.nll_loss))


def _cross_entropy_ls(draw, rng):
    args, kw = _classification(draw, rng)
    kw["label_smoothing"] = draw(st.sampled_from([0.1, 0.0]))
    return args, kw


add("nn.functional.cross_entropy[label_smoothing]", _cross_entropy_ls, "loss",
    fn=_with_weight(lambda lib: lib.nn.functional.cross_entropy))


def _multilabel_margin(draw, rng):
    c = draw(st.integers(1, 4))
    # (no empty batch: PyTorch's mean of one reads uninitialized memory)
    lead = draw(st.sampled_from([(), (draw(st.integers(1, 3)),)]))
    dt = draw(dtype(("float32", "float64")))
    x = draw(tensor_arg(rng, lead + (c,), dt, "real"))
    y = rng.integers(-1, c, size=lead + (c,)).astype(np.int64)  # the labels up to the first -1
    return [x, Arg(y, "contiguous", False)], {"reduction": draw(st.sampled_from(
        ["mean", "sum", "none"]))}


add("nn.functional.multilabel_margin_loss", _multilabel_margin, "loss")


def _triplet_distance(draw, rng):
    s = draw(st.sampled_from([(draw(st.integers(1, 3)), draw(st.integers(1, 4))),
                              (draw(st.integers(1, 4)),)]))
    dt = draw(dtype(("float32", "float64")))
    args = [draw(tensor_arg(rng, s, dt, "real")) for _ in range(3)]
    return args, {"margin": draw(st.sampled_from([1.0, 0.5])), "swap": draw(st.booleans()),
                  "reduction": draw(st.sampled_from(["mean", "sum", "none"]))}


add("nn.functional.triplet_margin_with_distance_loss", _triplet_distance, "loss")


def _ctc(draw, rng):
    t, n, c = draw(st.integers(1, 5)), draw(st.integers(1, 3)), draw(st.integers(2, 4))
    blank = draw(st.sampled_from([0, c - 1]))
    dt = draw(dtype(("float32", "float64")))
    x = draw(tensor_arg(rng, (t, n, c), dt, "real"))
    il = [int(v) for v in rng.integers(0, t + 1, n)]
    tl = [int(v) for v in rng.integers(0, 4, n)]  # (some too long for their input: infinite)
    labels = [v for v in range(c) if v != blank]  # (a label equal to the blank is not allowed)
    y = rng.choice(labels, size=(n, 3)).astype(np.int64)
    if draw(st.booleans()):  # the concatenated layout
        y = np.concatenate([y[i, :k] for i, k in enumerate(tl)])
    return [x, Arg(y, "contiguous", False)], {
        "input_lengths": il, "target_lengths": tl, "blank": blank,
        "reduction": draw(st.sampled_from(["mean", "sum", "none"])),
        "zero_infinity": draw(st.booleans())}


add("nn.functional.ctc_loss", _ctc, "loss",
    fn=lambda lib, x, y, **kw: lib.nn.functional.ctc_loss(x.log_softmax(2), y, **kw))

# convolution and pooling
def _conv(nd):
    def gen(draw, rng):
        n, g = draw(st.integers(1, 2)), draw(st.sampled_from([1, 1, 2]))
        cin, cout = g * draw(st.integers(1, 2)), g * draw(st.integers(1, 2))
        k = draw(st.integers(1, 3))
        size = tuple(draw(st.integers(k, 6)) for _ in range(nd))
        dt = draw(dtype(("float32", "float64")))
        kw = {"stride": draw(st.integers(1, 2)), "padding": draw(st.sampled_from([0, 1, "same"])),
              "dilation": draw(st.integers(1, 2)), "groups": g}
        if kw["padding"] == "same":
            kw["stride"] = 1
        args = [draw(tensor_arg(rng, (n, cin) + size, dt, "small")),
                draw(tensor_arg(rng, (cout, cin // g) + (k,) * nd, dt, "small"))]
        if draw(st.booleans()):
            args.append(draw(tensor_arg(rng, (cout,), dt, "small")))
        return args, kw
    return gen


add("nn.functional.conv1d", _conv(1), "conv")
add("nn.functional.conv2d", _conv(2), "conv")


def _pool(nd, kind):
    def gen(draw, rng):
        n, c = draw(st.integers(1, 2)), draw(st.integers(1, 2))
        k = draw(st.integers(1, 3))
        size = tuple(draw(st.integers(k, 6)) for _ in range(nd))
        dt = draw(dtype(("float32", "float64")))
        x = draw(tensor_arg(rng, (n, c) + size, dt, "real"))
        if kind == "adaptive":
            return [x], {"output_size": draw(st.integers(1, 3))}
        kw = {"kernel_size": k, "stride": draw(st.sampled_from([None, 1, 2])),
              "padding": draw(st.integers(0, k // 2)), "ceil_mode": draw(st.booleans())}
        if kind == "avg":
            kw["count_include_pad"] = draw(st.booleans())
        return [x], kw
    return gen


add("nn.functional.max_pool1d", _pool(1, "max"), "conv")
add("nn.functional.max_pool2d", _pool(2, "max"), "conv")
add("nn.functional.avg_pool1d", _pool(1, "avg"), "conv")
add("nn.functional.avg_pool2d", _pool(2, "avg"), "conv")
add("nn.functional.adaptive_avg_pool2d", _pool(2, "adaptive"), "conv")
add("nn.functional.adaptive_max_pool2d", _pool(2, "adaptive"), "conv")
add("nn.functional.adaptive_max_pool3d", _pool(3, "adaptive"), "conv")


def _lp_pool3d(draw, rng):
    k = draw(st.integers(1, 2))
    size = tuple(draw(st.integers(k, 4)) for _ in range(3))
    dt = draw(dtype(("float32", "float64")))
    x = draw(tensor_arg(rng, (draw(st.integers(1, 2)), draw(st.integers(1, 2))) + size, dt,
                        "pos"))
    return [x], {"norm_type": draw(st.sampled_from([1.0, 2.0, 3.0])), "kernel_size": k,
                 "stride": draw(st.sampled_from([None, 1, 2])), "ceil_mode": draw(st.booleans())}


add("nn.functional.lp_pool3d", _lp_pool3d, "conv")


def _channel_shuffle(draw, rng):
    g, k = draw(st.integers(1, 3)), draw(st.integers(1, 2))
    s = (draw(st.integers(0, 2)), g * k) + tuple(draw(st.integers(1, 3)) for _ in range(
        draw(st.integers(1, 3))))
    dt = draw(dtype(("float32", "float64", "int64")))
    return [draw(tensor_arg(rng, s, dt, "real"))], {"groups": g}


add("nn.functional.channel_shuffle", _channel_shuffle, "conv")


def _fractional(nd):
    def gen(draw, rng):
        k = draw(st.integers(1, 2))
        out = tuple(draw(st.integers(1, 3)) for _ in range(nd))
        # (PyTorch's 3-D check is strict: one more element than the 2-D one needs)
        size = tuple(o + k - 1 + (nd == 3) + draw(st.integers(0, 2)) for o in out)
        n, c = draw(st.integers(1, 2)), draw(st.integers(1, 2))
        dt = draw(dtype(("float32", "float64")))
        x = draw(tensor_arg(rng, (n, c) + size, dt, "real"))
        u = Arg(rng.random((n, c, nd)).astype(dt), "contiguous", False)
        return [x, u], {"kernel_size": k, "output_size": out,
                        "return_indices": draw(st.booleans())}
    return gen


for _nd in (2, 3):
    add(f"nn.functional.fractional_max_pool{_nd}d", _fractional(_nd), "conv",
        fn=lambda lib, x, u, _nd=_nd, **kw: getattr(
            lib.nn.functional, f"fractional_max_pool{_nd}d")(x, _random_samples=u, **kw))


def _norm(kind):
    def gen(draw, rng):
        n, c = draw(st.integers(1, 3)), draw(st.integers(1, 3))
        s = (n, c) + tuple(draw(st.integers(1, 3)) for _ in range(draw(st.integers(0, 2))))
        dt = draw(dtype(("float32", "float64")))
        # (no expanded layout: normalizing equal values is all rounding error)
        x = Arg(values(rng, s, dt, "real"), draw(st.sampled_from(["contiguous", "stepped"])))
        if kind == "layer_norm":
            k = draw(st.integers(1, len(s)))
            ns = s[len(s) - k:]
            args = [x]
            if draw(st.booleans()):
                args += [draw(tensor_arg(rng, ns, dt, "real")),
                         draw(tensor_arg(rng, ns, dt, "real"))]
                return args, {"normalized_shape": ns}
            return args, {"normalized_shape": ns}
        # (expanded weight/bias: PyTorch's batch_norm backward reads garbage)
        return [x, Arg(values(rng, (c,), dt, "real")), Arg(values(rng, (c,), dt, "real"))], {}
    return gen


add("nn.functional.layer_norm", _norm("layer_norm"), "conv", tol_scale=50,
    fn=lambda lib, x, *wb, normalized_shape: lib.nn.functional.layer_norm(
        x, normalized_shape, *wb))
add("nn.functional.batch_norm", _norm("batch_norm"), "conv", tol_scale=50,
    fn=lambda lib, x, w, b: lib.nn.functional.batch_norm(x, None, None, w, b, training=True))



# chains: two or three ops with views and in-place ops between them. Each step is applied to
# the current tensor; in-place steps modify it (and the tensor it views); every tensor made on
# the way is an output, so gradients through rewritten views and bases are all compared.
def _steps():
    def t(x):
        return x.transpose(0, -1) if x.dim() >= 1 else x

    def first(x):
        return x[0] if x.dim() >= 1 and x.shape[0] > 0 else x

    def expand(x):
        return x.unsqueeze(0).expand(2, *x.shape)

    def setitem_const(x):
        if x.dim() >= 1:
            x[..., :1] = 3.0
        else:
            x[...] = 3.0
        return x

    def setitem_z(x, z):
        if x.dim() >= 1:
            x[..., :1] = z
        else:
            x[...] = z
        return x

    return {
        # views
        "T": (t, "view"), "step": (lambda x: x[..., ::2] if x.dim() else x, "view"),
        "first": (first, "view"), "unsqueeze": (lambda x: x.unsqueeze(0), "view"),
        "reshape": (lambda x: x.reshape(-1), "view"),
        "narrow": (lambda x: x.narrow(-1, 0, min(1, x.shape[-1])) if x.dim() else x, "view"),
        "diagonal": (lambda x: x.diagonal(0, 0, -1) if x.dim() >= 2 else x, "view"),
        "expand": (expand, "view"), "flip": (lambda x: x.flip(-1) if x.dim() else x, "view"),
        "unbind": (lambda x: x.unbind(0)[-1] if x.dim() and x.shape[0] else x, "view"),
        "split": (lambda x: x.split(1, -1)[0] if x.dim() and x.shape[-1] else x, "view"),
        "detach": (lambda x: x.detach(), "view"), "view_as": (lambda x: x.view_as(x), "view"),
        # out of place
        "exp": (lambda x: x.exp(), "op"), "tanh": (lambda x: x.tanh(), "op"),
        "mul2": (lambda x: x * 2, "op"), "add1": (lambda x: 1 + x, "op"),
        "square": (lambda x: x * x, "op"), "relu": (lambda x: x.relu(), "op"),
        "sum_keep": (lambda x: x.sum(-1, keepdim=True) if x.dim() else x.sum(), "op"),
        "clone": (lambda x: x.clone(), "op"), "mulz": (lambda x, z: x * z, "op"),
        # in place
        "mul_": (lambda x: x.mul_(2), "inplace"), "add_": (lambda x: x.add_(1), "inplace"),
        "clamp_": (lambda x: x.clamp_(-0.5, 0.5), "inplace"),
        "zero_": (lambda x: x.zero_(), "inplace"), "fill_": (lambda x: x.fill_(1.5), "inplace"),
        "setitem": (setitem_const, "inplace"), "setitem_z": (setitem_z, "inplace"),
        "copy_z": (lambda x, z: x.copy_(z), "inplace"),
        "masked_fill_": (lambda x: x.masked_fill_(x.detach() > 0, 0.25), "inplace"),
        "exp_": (lambda x: x.exp_(), "inplace"), "sigmoid_": (lambda x: x.sigmoid_(), "inplace"),
        "tanh_": (lambda x: x.tanh_(), "inplace"), "relu_": (lambda x: x.relu_(), "inplace"),
        "mul_z": (lambda x, z: x.mul_(z), "inplace"), "add_z": (lambda x, z: x.add_(z),
                                                                "inplace"),
        "div_z": (lambda x, z: x.div_(z), "inplace"), "pow_": (lambda x: x.pow_(2), "inplace"),
        "sqrt_abs": (lambda x: x.abs_().sqrt_(), "inplace"),
        "index_fill_": (lambda x: x.index_fill_(-1, x.new_tensor([0]).long(), -2.0)
                        if x.dim() and x.shape[-1] else x, "inplace"),
        "masked_scatter_": (lambda x, z: x.masked_scatter_(x.detach() > 0,
                                                           z.expand(*x.shape).clone()),
                            "inplace"),
        "addcmul_": (lambda x, z: x.addcmul_(x.detach(), z), "inplace"),
        "lerp_": (lambda x, z: x.lerp_(z.expand(*x.shape), 0.5), "inplace"),
        "t_then_mul_": (lambda x: x.t().mul_(3) if x.dim() <= 2 else x.mul_(3), "inplace"),
    }


STEPS = _steps()
STEP_KINDS.update({name: kind for name, (_, kind) in STEPS.items()})


def _chain(draw, rng):
    s = draw(shape(min_dims=0, max_dims=3))
    dt = draw(dtype(("float32", "float64")))
    x = draw(tensor_arg(rng, s, dt, "small"))
    z = Arg(values(rng, (), dt, "nonzero"), "contiguous", draw(st.booleans()))
    n = draw(st.integers(2, 4))
    names = sorted(STEPS)
    steps = [draw(st.sampled_from(names)) for _ in range(n)]
    # most chains start out of place, so the in-place steps meet a non-leaf
    if draw(st.integers(0, 4)):
        steps.insert(0, draw(st.sampled_from(["mul2", "clone", "exp", "add1"])))
    return [x, z], {"steps": tuple(steps)}


def _run_chain(lib, x, z, steps):
    made = [x]
    cur = x
    for name in steps:
        f, kind = STEPS[name]
        nargs = f.__code__.co_argcount
        cur = f(cur, z) if nargs == 2 else f(cur)
        if not any(cur is m for m in made):
            made.append(cur)
    return made


add("chain", _chain, "chain", fn=_run_chain)


FAMILIES = sorted({op.family for op in OPS})
