"""The ``Emitter`` that collects a graph's ONNX nodes, and the table ``SYMBOLICS`` that the
symbolic functions register into (``_symbolic_math.py``, ``_symbolic_shape.py``,
``_symbolic_layers.py``; ``_symbolic.py`` describes them)."""


import numpy as np

from numtorch.onnx.errors import UnsupportedOperatorError

__all__ = ["Emitter", "SYMBOLICS", "register"]

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

