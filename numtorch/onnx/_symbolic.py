"""From traced ops to ONNX nodes: one small function per primitive.

``SYMBOLICS`` maps a traced op's kind (the primitive's class name, or ``GetItem``/``MaxDim``)
to a function ``f(em, op)`` that appends ONNX nodes through the ``Emitter`` and returns the
ONNX names of the op's outputs (None for an output it does not produce). A kind that is not
in the table, or attributes a function cannot express, raise ``UnsupportedOperatorError``
naming the op and the module it ran in.

Shapes: with dynamic axes, a reshape target is not written as the constants seen while
tracing, because the graph must run at any size of those axes. The export compares two traces
(``_export._reshape_hints``): dims that kept their size are constants, dims that changed are
read from the input at run time (``Shape`` -> ``Gather`` -> ``Concat``) or inferred (-1).
Without a second trace, ``Emitter.shape_of`` reads the dims the target shares with the input
(a leading run and a trailing run, as ``view(x.size(0), -1)``, ``flatten(1)`` and the head
split of attention leave them), makes one remaining dim -1 and the others constants.
"""

import math

import numpy as np

from numtorch.onnx._trace import Value
from numtorch.onnx.errors import UnsupportedOperatorError

__all__ = ["Emitter", "SYMBOLICS"]

_INT64_MAX = np.iinfo(np.int64).max


class Emitter:
    """Collects ONNX nodes and initializers; names every node by the module scope it came
    from (``/block/0/act/Relu_3``), as PyTorch's exporter does."""

    def __init__(self, opset):
        import onnx
        from onnx import helper, numpy_helper

        self.onnx, self.helper, self.numpy_helper = onnx, helper, numpy_helper
        self.opset = opset
        self.nodes = []
        self.initializers = {}  # name -> TensorProto
        self.names = {}         # id(Value) -> ONNX name
        self.used = set()
        self.count = 0
        self.op = None          # the TraceOp being converted (for names and errors)
        self.node_ops = {}      # node name -> the TraceOp it came from
        self.op_index = 0       # the index of ``op`` in the trace
        self.hints = {}         # op index -> how to build a reshape target (_reshape_hints)
        self.dynamic = True     # False: the inputs have no dynamic dims

    # ------------------------------------------------------------------ names
    def fresh(self, hint):
        self.count += 1
        scope = self.op.scope.replace(".", "/") if self.op is not None else ""
        return f"/{scope}/{hint}_{self.count}" if scope else f"/{hint}_{self.count}"

    def add_initializer(self, name, array):
        self.initializers[name] = self.numpy_helper.from_array(np.array(array, order="C"), name)
        return name

    def const(self, array, hint="Constant"):
        return self.add_initializer(self.fresh(hint), np.asarray(array))

    def i64(self, values):
        return self.const(np.asarray(values, dtype=np.int64))

    def name(self, v):
        """The ONNX name of a traced Value (a constant becomes an initializer on first use)."""
        if v is None:
            return ""
        n = self.names.get(id(v))
        if n is None:
            if v.kind == "const":
                n = self.const(v.array)
            else:
                raise RuntimeError(f"internal error: {v!r} used before it was produced")
            self.names[id(v)] = n
        return n

    # ------------------------------------------------------------------ nodes
    def node(self, op_type, inputs, n_out=1, **attrs):
        """Append a node; returns its output name (or the list of names if ``n_out > 1``)."""
        outs = [self.fresh(f"{op_type}_output") for _ in range(n_out)]
        name = self.fresh(op_type)
        self.node_ops[name] = self.op
        attrs = {k: v for k, v in attrs.items() if v is not None}
        self.nodes.append(self.helper.make_node(op_type, list(inputs), outs, name=name, **attrs))
        return outs[0] if n_out == 1 else outs

    def reduce(self, op_type, x, axes, keepdims):
        # ``axes`` became an input in opset 13 for ReduceSum, in opset 18 for the others.
        axes = [int(a) for a in axes]
        if self.opset >= (13 if op_type == "ReduceSum" else 18):
            return self.node(op_type, [x, self.i64(axes)], keepdims=int(keepdims))
        return self.node(op_type, [x], axes=axes, keepdims=int(keepdims))

    def unsqueeze(self, x, axes):
        if self.opset < 13:  # ``axes`` an attribute before opset 13
            return self.node("Unsqueeze", [x], axes=list(axes))
        return self.node("Unsqueeze", [x, self.i64(list(axes))])

    def squeeze(self, x, axes):
        if self.opset < 13:
            return self.node("Squeeze", [x], axes=list(axes))
        return self.node("Squeeze", [x, self.i64(list(axes))])

    def scalar(self, value, dtype):
        return self.const(np.asarray(value, dtype=dtype))

    def shape_of(self, v, in_shape, out_shape, parts=None):
        """A 1-D int64 ONNX tensor holding ``out_shape`` for a reshape of ``v`` (shape
        ``in_shape``): constants when nothing is dynamic; else built from ``parts`` (from the
        two traces, see ``_export._reshape_hints``) or, without them, run-time sizes where
        the target keeps the input's dims (see the module docstring)."""
        out_shape = [int(d) for d in out_shape]
        if v.static or not self.dynamic:
            return self.i64(out_shape)
        if parts is not None:
            return self._concat_shape(v, parts)
        nin, nout = len(in_shape), len(out_shape)
        pre = 0
        while pre < min(nin, nout) and in_shape[pre] == out_shape[pre]:
            pre += 1
        suf = 0
        while (suf < min(nin, nout) - pre
               and in_shape[nin - 1 - suf] == out_shape[nout - 1 - suf]):
            suf += 1
        parts = []  # ("g", the input dim to read) or ("c", a constant size, -1 = inferred)
        inferred = False
        for i, d in enumerate(out_shape):
            if i < pre:
                parts.append(("g", i))
            elif i >= nout - suf:
                parts.append(("g", i - nout + nin))
            elif d != 1 and not inferred:
                parts.append(("c", -1))
                inferred = True
            else:
                parts.append(("c", d))
        return self._concat_shape(v, parts)

    def _concat_shape(self, v, parts):
        """``Concat`` of constant runs and ``Gather``s from ``Shape(v)``."""
        if all(part[0] == "c" for part in parts):
            return self.i64([part[1] for part in parts])
        shapes = {}  # source name -> its Shape node
        pieces = []
        run = []
        for part in parts:
            if part[0] == "c":
                run.append(part[1])
                continue
            if run:
                pieces.append(self.i64(run))
                run = []
            # ("g", dim) of v itself, or ("gi", graph input name, dim)
            source, dim = (self.name(v), part[1]) if part[0] == "g" else (part[1], part[2])
            if source not in shapes:
                shapes[source] = self.node("Shape", [source])
            pieces.append(self.node("Gather", [shapes[source], self.i64([dim])], axis=0))
        if run:
            pieces.append(self.i64(run))
        return pieces[0] if len(pieces) == 1 else self.node("Concat", pieces, axis=0)

    def unsupported(self, detail="", name=None):
        module = "model" + ("." + self.op.scope if self.op.scope else "")
        return UnsupportedOperatorError(name or self.op.kind, self.opset, module=module,
                                        detail=detail)


SYMBOLICS = {}


def register(*kinds):
    def deco(fn):
        for k in kinds:
            SYMBOLICS[k] = fn
        return fn
    return deco


def _x(em, op, i=0):
    return em.name(op.args[i])


def _onnx_dtype(np_dtype):
    from onnx import helper

    return helper.np_dtype_to_tensor_dtype(np.dtype(np_dtype))


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


# ====================================================================== shape
@register("Reshape")
def _reshape(em, op):
    x, shape = op.args[0], op.args[1]
    target = em.shape_of(x, x.shape, shape, em.hints.get(em.op_index))
    return [em.node("Reshape", [em.name(x), target])]


@register("Permute")
def _permute(em, op):
    return [em.node("Transpose", [_x(em, op)], perm=[int(d) for d in op.args[1]])]


@register("Expand")
def _expand(em, op):
    x, shape = op.args[0], [int(s) for s in op.args[1]]
    parts = em.hints.get(em.op_index)
    if parts is not None and em.dynamic:
        return [em.node("Expand", [em.name(x), em._concat_shape(x, parts)])]
    lead = len(shape) - len(x.shape)
    # Where the input already has the size, expand by 1 (ONNX broadcasting keeps it, at any
    # run-time size); elsewhere the traced size.
    target = [1 if i >= lead and x.shape[i - lead] == s else s for i, s in enumerate(shape)]
    return [em.node("Expand", [em.name(x), em.i64(target)])]


@register("Cat")
def _cat(em, op):
    skip = op.kwargs["skip"]
    names = [em.name(v) for v, s in zip(op.args, skip) if not s]
    return [em.node("Concat", names, axis=int(op.kwargs["dim"]))]


@register("Stack")
def _stack(em, op):
    dim = int(op.kwargs["dim"])
    return [em.node("Concat", [em.unsqueeze(em.name(v), [dim]) for v in op.args], axis=dim)]


def _slice(em, name, starts, ends, axes, steps=None):
    inputs = [name, em.i64(starts), em.i64(ends), em.i64(axes)]
    if steps is not None:
        inputs.append(em.i64(steps))
    return em.node("Slice", inputs)


@register("Split")
def _split(em, op):
    x, bounds, dim = op.args[0], op.args[1], int(op.args[2])
    n = x.shape[dim]
    outs = []
    for a, b in bounds:
        # The last piece runs to the end, whatever the run-time size.
        end = _INT64_MAX if b == n else b
        outs.append(_slice(em, em.name(x), [a], [end], [dim]))
    return outs


@register("Unbind")
def _unbind(em, op):
    x, dim = op.args[0], int(op.args[1])
    return [em.squeeze(_slice(em, em.name(x), [i], [i + 1], [dim]), [dim])
            for i in range(x.shape[dim])]


@register("ConstantPad")
def _pad(em, op):
    x, widths, value = op.args[0], op.args[1], op.args[2]
    pads = [int(lo) for lo, _ in widths] + [int(hi) for _, hi in widths]
    return [em.node("Pad", [em.name(x), em.i64(pads), em.scalar(value, x.dtype)],
                    mode="constant")]


@register("GetItem")
def _getitem(em, op):
    x, key = op.args[0], op.args[1]
    if not isinstance(key, tuple):
        key = (key,)
    nd = len(x.shape)
    used = sum(1 for k in key if k is not None and k is not Ellipsis
               and not (isinstance(k, Value) and k.dtype == np.bool_))
    if any(isinstance(k, Value) and k.dtype == np.bool_ for k in key):
        raise em.unsupported("indexing with a boolean mask", name="GetItem")
    expanded = []
    for k in key:
        if k is Ellipsis:
            expanded.extend([slice(None)] * (nd - used))
        else:
            expanded.append(k)
    expanded.extend([slice(None)] * (nd - sum(1 for k in expanded if k is not None)))
    slices, gathers, news = [], [], []
    d = od = 0
    advanced = 0
    for k in expanded:
        if k is None:
            news.append(od)
            od += 1
        elif isinstance(k, slice):
            start, stop, step = k.start, k.stop, k.step
            if any(isinstance(s, Value) for s in (start, stop, step)):
                raise em.unsupported("slice bounds given as tensors", name="GetItem")
            step = 1 if step is None else int(step)
            if step <= 0:
                raise em.unsupported("slices with a non-positive step", name="GetItem")
            if not (start in (None, 0) and stop is None and step == 1):
                slices.append((d, 0 if start is None else int(start),
                               _INT64_MAX if stop is None else int(stop), step))
            d += 1
            od += 1
        elif isinstance(k, (int, np.integer)):
            gathers.append((d, em.const(np.asarray(int(k), dtype=np.int64))))
            d += 1
        else:
            if isinstance(k, Value):
                idx = em.name(k)
                rank = len(k.shape)
            else:
                arr = np.asarray(k)
                if arr.dtype == np.bool_:
                    raise em.unsupported("indexing with a boolean mask", name="GetItem")
                idx = em.const(arr.astype(np.int64))
                rank = arr.ndim
            advanced += 1
            gathers.append((d, idx))
            d += 1
            od += rank
    if advanced > 1:
        raise em.unsupported("more than one index tensor", name="GetItem")
    name = em.name(x)
    if slices:
        name = _slice(em, name, [s[1] for s in slices], [s[2] for s in slices],
                      [s[0] for s in slices], [s[3] for s in slices])
    for axis, idx in sorted(gathers, key=lambda g: -g[0]):
        name = em.node("Gather", [name, idx], axis=axis)
    if news:
        name = em.unsqueeze(name, news)
    if name == em.name(x):
        name = em.node("Identity", [name])
    return [name]


# ====================================================================== convolution, pooling
def _pads(geom):
    return [int(lo) for lo, _ in geom.pad] + [int(hi) for _, hi in geom.pad]


@register("Conv")
def _conv(em, op):
    x, w, b, g = op.args[:4]
    inputs = [em.name(x), em.name(w)] + ([em.name(b)] if b is not None else [])
    return [em.node("Conv", inputs, kernel_shape=list(g.k), strides=list(g.stride),
                    pads=_pads(g), dilations=list(g.dilation), group=int(g.groups))]


@register("ConvInputGrad")
def _conv_transpose(em, op):
    x, w, g = op.args[:3]
    if len(op.args) > 4 and op.args[4] is not None or op.kwargs.get("gy_rows") is not None:
        raise em.unsupported("convolution input gradient")
    spatial = x.shape[2:]
    out_pad = []
    for i, n in enumerate(spatial):
        lo, hi = g.pad[i]
        natural = (n - 1) * g.stride[i] + g.dilation[i] * (g.k[i] - 1) + 1 - lo - hi
        out_pad.append(int(g.size[i] - natural))
    return [em.node("ConvTranspose", [em.name(x), em.name(w)], kernel_shape=list(g.k),
                    strides=list(g.stride), pads=_pads(g), dilations=list(g.dilation),
                    group=int(g.groups), output_padding=out_pad)]


@register("MaxPool")
def _max_pool(em, op):
    x, g = op.args[0], op.args[1]
    y = em.node("MaxPool", [em.name(x)], kernel_shape=list(g.k), strides=list(g.stride),
                pads=_pads(g), dilations=list(g.dilation))
    return [y, None]


@register("_PlaneGather")
def _plane_gather(em, op):
    raise em.unsupported("adaptive max pooling is exported only when the input size is a "
                         "multiple of the output size", name="adaptive_max_pool")


@register("_AvgPool")
def _avg_pool(em, op):
    x, g, div = op.args[0], op.args[1], op.args[2]
    y = em.node("AveragePool", [em.name(x)], kernel_shape=list(g.k), strides=list(g.stride),
                pads=_pads(g), count_include_pad=1)
    window = float(math.prod(g.k))
    div = np.asarray(div, dtype=np.float64)
    if div.ndim == 0 and float(div) == window:
        return [y]
    # The average over the whole window (padding included), rescaled to the divisor PyTorch
    # uses at each position (count_include_pad=False, ceil_mode, divisor_override).
    return [em.node("Mul", [y, em.const((window / div).astype(x.dtype))])]


# ====================================================================== normalization
@register("NativeLayerNorm", "NativeGroupNorm", "NativeBatchNorm")
def _native_norm(em, op):
    x, weight, bias = op.args[:3]
    axes = [int(a) for a in op.kwargs.get("axes", op.args[5] if len(op.args) > 5 else ())]
    eps = float(op.kwargs.get("eps", op.args[6] if len(op.args) > 6 else 1e-5))
    if op.kind == "NativeBatchNorm":
        raise em.unsupported("batch norm in training mode (export in eval mode)")
    nd = len(x.shape)
    trailing = axes == list(range(nd - len(axes), nd))
    if (op.kind == "NativeLayerNorm" and trailing and em.opset >= 17
            and (weight is None or weight.shape == x.shape[nd - len(axes):])):
        scale = em.name(weight) if weight is not None else \
            em.const(np.ones(x.shape[nd - len(axes):], dtype=x.dtype))
        inputs = [em.name(x), scale] + ([em.name(bias)] if bias is not None else [])
        return [em.node("LayerNormalization", inputs, axis=nd - len(axes), epsilon=eps)]
    # (x - mean) / sqrt(var + eps) * weight + bias, the statistics over ``axes``
    name = em.name(x)
    mean = em.reduce("ReduceMean", name, axes, True)
    centered = em.node("Sub", [name, mean])
    var = em.reduce("ReduceMean", em.node("Mul", [centered, centered]), axes, True)
    std = em.node("Sqrt", [em.node("Add", [var, em.scalar(eps, x.dtype)])])
    y = em.node("Div", [centered, std])
    if weight is not None:
        y = em.node("Mul", [y, em.name(weight)])
    if bias is not None:
        y = em.node("Add", [y, em.name(bias)])
    return [y]


# ====================================================================== recurrent layers
# ONNX's gate orders: LSTM i, o, f, c (PyTorch i, f, g, o); GRU z, r, h (PyTorch r, z, n).
_GATES = {"LSTM": (4, [0, 3, 1, 2]), "GRU": (3, [1, 0, 2]), "RNN_TANH": (1, [0]),
          "RNN_RELU": (1, [0])}


def _zero_const(v):
    return v is not None and v.kind == "const" and not np.any(v.array)


@register("RNNLayer")
def _rnn_layer(em, op):
    x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr = op.args[:8]
    mode = op.kwargs["mode"]
    reverse = op.kwargs.get("reverse", False)
    if op.kwargs.get("batch_sizes") is not None:
        raise em.unsupported("packed sequences")
    if w_hr is not None:
        raise em.unsupported("LSTM with proj_size > 0")
    n_gates, order = _GATES[mode]
    hidden = w_hh.shape[1]
    rows = np.concatenate([np.arange(g * hidden, (g + 1) * hidden) for g in order])
    rows_name = em.i64(rows)

    def reordered(v):
        name = em.name(v)
        if n_gates > 1:
            name = em.node("Gather", [name, rows_name], axis=0)
        return em.unsqueeze(name, [0])  # (1, G*H, ...): one direction

    inputs = [em.name(x), reordered(w_ih), reordered(w_hh)]
    if b_ih is not None or b_hh is not None:
        zeros = np.zeros(n_gates * hidden, dtype=w_ih.dtype)
        parts = [reordered(b) if b is not None else em.const(zeros[None]) for b in (b_ih, b_hh)]
        inputs.append(em.node("Concat", parts, axis=1))
    else:
        inputs.append("")
    inputs.append("")  # sequence_lens: every sequence is full length
    inputs.append("" if _zero_const(h0) else em.unsqueeze(em.name(h0), [0]))
    if mode == "LSTM":
        inputs.append("" if _zero_const(c0) else em.unsqueeze(em.name(c0), [0]))
    while inputs[-1] == "":
        inputs.pop()
    attrs = {"hidden_size": int(hidden), "direction": "reverse" if reverse else "forward"}
    if mode == "GRU":
        attrs["linear_before_reset"] = 1
        op_type = "GRU"
    elif mode == "LSTM":
        op_type = "LSTM"
    else:
        op_type = "RNN"
        attrs["activations"] = ["Tanh" if mode == "RNN_TANH" else "Relu"]
    n_out = 3 if mode == "LSTM" else 2
    outs = em.node(op_type, inputs, n_out=n_out, **attrs)
    y = em.squeeze(outs[0], [1])        # (T, 1, N, H) -> (T, N, H)
    states = [em.squeeze(o, [0]) for o in outs[1:]]  # (1, N, H) -> (N, H)
    return [y] + states


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
