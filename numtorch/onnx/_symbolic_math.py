"""ONNX nodes for the math primitives: elementwise arithmetic and functions, activations,
reductions, matrix products, comparisons, logical ops and masks."""

import math

import numpy as np

from numtorch.onnx._emitter import _onnx_dtype, _x, register
from numtorch.onnx._trace import Value

# ====================================================================== elementwise
_BINARY = {"Add": "Add", "Sub": "Sub", "Mul": "Mul", "Div": "Div", "Pow": "Pow",
           "Maximum": "Max", "Minimum": "Min"}


@register("Add", "Sub", "Mul", "Div", "Pow", "Maximum", "Minimum")
def _binary(em, op):
    a, b = op.args[0], op.args[1]
    ref = a if isinstance(a, Value) else b
    names = [em.name(v) if isinstance(v, Value) else em.scalar(v, ref.dtype) for v in (a, b)]
    return [em.node(_BINARY[op.kind], names)]


_UNARY = {"Neg": "Neg", "Exp": "Exp", "Log": "Log", "Sqrt": "Sqrt", "Reciprocal": "Reciprocal",
          "Sin": "Sin", "Cos": "Cos", "Tan": "Tan", "Asin": "Asin", "Acos": "Acos",
          "Atan": "Atan", "Sinh": "Sinh", "Cosh": "Cosh", "Tanh": "Tanh", "Sigmoid": "Sigmoid",
          "Erf": "Erf", "Abs": "Abs", "Relu": "Relu", "Clone": "Identity",
          "_BackwardHookFunction": "Identity"}


@register(*_UNARY)
def _unary(em, op):
    return [em.node(_UNARY[op.kind], [_x(em, op)])]


@register("Rsqrt")
def _rsqrt(em, op):
    return [em.node("Reciprocal", [em.node("Sqrt", [_x(em, op)])])]


@register("Log2", "Log10")
def _log_base(em, op):
    base = 2.0 if op.kind == "Log2" else 10.0
    x = op.args[0]
    return [em.node("Div", [em.node("Log", [em.name(x)]),
                            em.scalar(math.log(base), x.dtype)])]


@register("Cast")
def _cast(em, op):
    return [em.node("Cast", [_x(em, op)], to=_onnx_dtype(op.args[1].np_dtype))]


@register("Clamp")
def _clamp(em, op):
    x, lo, hi = op.args[0], op.args[1], op.args[2]
    names = [em.name(x)]
    for bound in (lo, hi):
        if bound is None:
            names.append("")
        elif isinstance(bound, Value):
            if bound.shape != ():
                raise em.unsupported("tensor bounds must be 0-d for ONNX's Clip")
            names.append(em.name(bound))
        else:
            names.append(em.scalar(bound, x.dtype))
    while names[-1] == "":
        names.pop()
    return [em.node("Clip", names)]


@register("Where")
def _where(em, op):
    cond, a, b = op.args[:3]
    ref = a if isinstance(a, Value) else b
    names = [em.name(v) if isinstance(v, Value) else em.scalar(v, dt or ref.dtype)
             for v, dt in ((cond, np.bool_), (a, None), (b, None))]
    return [em.node("Where", names)]

__all__ = []  # the functions register themselves in SYMBOLICS


# ====================================================================== activations
@register("LeakyRelu")
def _leaky_relu(em, op):
    return [em.node("LeakyRelu", [_x(em, op)], alpha=float(op.args[1]))]


@register("Hardtanh")
def _hardtanh(em, op):
    x = op.args[0]
    return [em.node("Clip", [em.name(x), em.scalar(op.args[1], x.dtype),
                             em.scalar(op.args[2], x.dtype)])]


@register("Elu")
def _elu(em, op):
    x, alpha, scale, input_scale = op.args[:4]
    if input_scale != 1.0:
        raise em.unsupported("celu is not supported")
    if scale == 1.0:
        return [em.node("Elu", [em.name(x)], alpha=float(alpha))]
    return [em.node("Selu", [em.name(x)], alpha=float(alpha), gamma=float(scale))]


@register("Gelu")
def _gelu(em, op):
    x, approximate = op.args[0], op.args[1]
    name, dt = em.name(x), x.dtype
    if em.opset >= 20:
        return [em.node("Gelu", [name], approximate=approximate)]
    half = em.node("Mul", [name, em.scalar(0.5, dt)])
    if approximate == "tanh":
        # 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        cube = em.node("Mul", [em.node("Mul", [name, name]), name])
        inner = em.node("Add", [name, em.node("Mul", [cube, em.scalar(0.044715, dt)])])
        t = em.node("Tanh", [em.node("Mul", [inner, em.scalar(math.sqrt(2 / math.pi), dt)])])
    else:
        # 0.5 x (1 + erf(x / sqrt(2)))
        t = em.node("Erf", [em.node("Mul", [name, em.scalar(1 / math.sqrt(2), dt)])])
    return [em.node("Mul", [half, em.node("Add", [t, em.scalar(1.0, dt)])])]


@register("Softplus")
def _softplus(em, op):
    x, beta = op.args[0], op.args[1]
    name = em.name(x)
    if beta == 1.0:
        return [em.node("Softplus", [name])]
    scaled = em.node("Mul", [name, em.scalar(beta, x.dtype)])
    return [em.node("Div", [em.node("Softplus", [scaled]), em.scalar(beta, x.dtype)])]


@register("Softmax", "LogSoftmax")
def _softmax(em, op):
    x, axis = op.args[0], op.args[1]
    nd = len(x.shape)
    if nd == 0:
        raise em.unsupported("softmax of a 0-d tensor")
    axis = int(axis) % nd
    if em.opset >= 13 or axis == nd - 1:
        return [em.node(op.kind, [em.name(x)], axis=axis)]
    # Before opset 13 Softmax normalizes over all the dims from ``axis`` on: move the axis
    # last, normalize there, move it back.
    perm = list(range(nd))
    perm[axis], perm[-1] = perm[-1], perm[axis]
    moved = em.node("Transpose", [em.name(x)], perm=perm)
    y = em.node(op.kind, [moved], axis=nd - 1)
    return [em.node("Transpose", [y], perm=perm)]


# ====================================================================== reductions
def _axes(x, axes):
    if axes is None:
        return list(range(len(x.shape)))
    if isinstance(axes, (int, np.integer)):
        return [int(axes)]
    return [int(a) for a in axes] or list(range(len(x.shape)))


@register("Sum")
def _sum(em, op):
    x, axes, keepdim = op.args[:3]
    np_dtype = op.args[3] if len(op.args) > 3 else None
    name = em.name(x)
    if np_dtype is not None and np.dtype(np_dtype) != x.dtype:
        name = em.node("Cast", [name], to=_onnx_dtype(np_dtype))
    if not x.shape:
        return [em.node("Identity", [name])]
    return [em.reduce("ReduceSum", name, _axes(x, axes), keepdim)]


@register("Mean")
def _mean(em, op):
    x, axes, keepdim = op.args[:3]
    if not x.shape:
        return [em.node("Identity", [em.name(x)])]
    return [em.reduce("ReduceMean", em.name(x), _axes(x, axes), keepdim)]


@register("Amax")
def _amax(em, op):
    x, axes, keepdim, take_max = op.args[:4]
    if not x.shape:
        return [em.node("Identity", [em.name(x)])]
    return [em.reduce("ReduceMax" if take_max else "ReduceMin", em.name(x), _axes(x, axes),
                      keepdim)]


@register("LogSumExp")
def _logsumexp(em, op):
    x, axes, keepdim = op.args[:3]
    return [em.reduce("ReduceLogSumExp", em.name(x), _axes(x, axes), keepdim)]


@register("MaxDim", "MinDim")
def _max_dim(em, op):
    args = list(op.args) + [None] * 3
    x = args[0]
    dim = op.kwargs.get("dim", args[1])
    keepdim = bool(op.kwargs.get("keepdim", args[2] or False))
    axis = int(dim) % max(len(x.shape), 1)
    take_max = op.kind == "MaxDim"
    values = em.reduce("ReduceMax" if take_max else "ReduceMin", em.name(x), [axis], keepdim)
    index = em.node("ArgMax" if take_max else "ArgMin", [em.name(x)], axis=axis,
                    keepdims=int(keepdim), select_last_index=0 if em.opset >= 12 else None)
    return [values, index]


# ====================================================================== linear algebra
@register("MatMul")
def _matmul(em, op):
    return [em.node("MatMul", [_x(em, op, 0), _x(em, op, 1)])]


@register("Linear")
def _linear(em, op):
    x, w, b = op.args[:3]
    if len(x.shape) == 2:
        inputs = [em.name(x), em.name(w)] + ([em.name(b)] if b is not None else [])
        return [em.node("Gemm", inputs, transB=1)]
    y = em.node("MatMul", [em.name(x), em.node("Transpose", [em.name(w)], perm=[1, 0])])
    return [y if b is None else em.node("Add", [y, em.name(b)])]


# ====================================================================== comparisons, masks
def _common(em, a, b):
    """ONNX names of two operands (Values or Python numbers) cast to one dtype."""
    dts = [v.dtype for v in (a, b) if isinstance(v, Value)]
    scalars = [v for v in (a, b) if not isinstance(v, Value)]
    dt = np.result_type(*dts) if dts else np.float32
    if dt.kind in "iub" and any(isinstance(v, float) for v in scalars):
        dt = np.dtype(np.float32)
    names = []
    for v in (a, b):
        if isinstance(v, Value):
            n = em.name(v)
            names.append(n if v.dtype == dt else em.node("Cast", [n], to=_onnx_dtype(dt)))
        else:
            names.append(em.scalar(v, dt))
    return names


@register("Equal", "NotEqual", "Less", "LessOrEqual", "Greater", "GreaterOrEqual")
def _compare(em, op):
    a, b = op.args[0], op.kwargs.get("other", op.args[1] if len(op.args) > 1 else None)
    names = _common(em, a, b)
    negated = {"NotEqual": "Equal"}
    if em.opset < 12:  # LessOrEqual and GreaterOrEqual came in opset 12
        negated.update({"LessOrEqual": "Greater", "GreaterOrEqual": "Less"})
    if op.kind in negated:
        return [em.node("Not", [em.node(negated[op.kind], names)])]
    return [em.node(op.kind, names)]


def _as_bool(em, v):
    n = em.name(v) if isinstance(v, Value) else em.scalar(v, np.bool_)
    if isinstance(v, Value) and v.dtype != np.bool_:
        n = em.node("Cast", [n], to=_onnx_dtype(np.bool_))
    return n


@register("Not")
def _not(em, op):
    return [em.node("Not", [_as_bool(em, op.args[0])])]


@register("And", "Or", "Xor")
def _logical(em, op):
    return [em.node(op.kind, [_as_bool(em, op.args[0]), _as_bool(em, op.args[1])])]


@register("Floor", "Ceil", "Round", "Sign")
def _rounding(em, op):
    x = op.args[0]
    if op.kind == "Round" and op.kwargs.get("decimals", 0):
        raise em.unsupported("round with decimals")
    if op.kind != "Sign" and x.dtype.kind in "iub":
        return [em.node("Identity", [em.name(x)])]
    return [em.node(op.kind, [em.name(x)])]


@register("ArgMax", "ArgMin")
def _argmax(em, op):
    args = list(op.args) + [None, None]
    x = args[0]
    dim = op.kwargs.get("dim", args[1])
    keepdim = bool(op.kwargs.get("keepdim", args[2] or False))
    name = em.name(x)
    if dim is None:
        if keepdim:
            raise em.unsupported("argmax over every dim with keepdim=True")
        name, axis = em.node("Reshape", [name, em.i64([-1])]), 0
    else:
        axis = int(dim) % max(len(x.shape), 1)
    return [em.node(op.kind, [name], axis=axis, keepdims=int(keepdim),
                    select_last_index=0 if em.opset >= 12 else None)]


@register("MaskedFill")
def _masked_fill(em, op):
    x, mask = op.args[0], op.kwargs.get("mask", op.args[1] if len(op.args) > 1 else None)
    value = op.kwargs.get("value", op.args[2] if len(op.args) > 2 else None)
    if isinstance(value, Value):
        v = em.name(value)
        if value.dtype != x.dtype:
            v = em.node("Cast", [v], to=_onnx_dtype(x.dtype))
    else:
        v = em.scalar(value, x.dtype)
    return [em.node("Where", [_as_bool(em, mask), v, em.name(x)])]


@register("BitwiseAnd", "BitwiseOr", "BitwiseXor", "BitwiseNot")
def _bitwise(em, op):
    values = [v for v in op.args[:2] if isinstance(v, Value)]
    if all(v.dtype == np.bool_ for v in values):
        kind = {"BitwiseAnd": "And", "BitwiseOr": "Or", "BitwiseXor": "Xor",
                "BitwiseNot": "Not"}[op.kind]
        return [em.node(kind, [_as_bool(em, v) for v in op.args[:1 if kind == "Not" else 2]])]
    if em.opset < 18:
        raise em.unsupported("bitwise ops on integers need opset 18")
    if op.kind == "BitwiseNot":
        return [em.node("BitwiseNot", [em.name(op.args[0])])]
    return [em.node(op.kind, _common(em, op.args[0], op.args[1]))]


@register("CanonicalMask")
def _canonical_mask(em, op):
    mask = op.args[0]
    target = np.dtype(op.kwargs.get("target_type", op.args[4] if len(op.args) > 4 else None))
    if mask.dtype != np.bool_:
        return [em.node("Identity", [em.name(mask)])]
    # True (masked out) -> -inf, False -> 0
    return [em.node("Where", [em.name(mask), em.scalar(-np.inf, target),
                              em.scalar(0.0, target)])]
