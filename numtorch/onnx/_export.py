"""Trace -> ONNX ModelProto: inputs, initializers, nodes, outputs, symbolic dims; and writing."""

import os
import warnings

import numpy as np

from numtorch.onnx._symbolic import SYMBOLICS, Emitter
from numtorch.onnx._trace import split_args, trace

__all__ = ["build_model", "write_model", "trace_model"]


def _set_mode(model, training):
    """Put the model in the mode ``training`` asks for; returns how to restore it."""
    from numtorch.onnx._options import TrainingMode

    modes = [(m, m.training) for m in model.modules()]
    if training == TrainingMode.EVAL or training is False:
        model.train(False)
    elif training == TrainingMode.TRAINING or training is True:
        model.train(True)
    return modes


def trace_model(model, args, kwargs=None, training=None, input_names=None):
    """Trace ``model`` on PyTorch-style ``args`` (and ``kwargs``) in the mode ``training``
    asks for (EVAL by default), restoring the modules' modes afterwards."""
    from numtorch.nn import Module
    from numtorch.onnx._options import TrainingMode

    if not isinstance(model, Module):
        raise TypeError(f"expected an nn.Module to export, got {type(model).__name__}")
    pos, kw = split_args(args)
    kw.update(kwargs or {})
    modes = _set_mode(model, TrainingMode.EVAL if training is None else training)
    try:
        return trace(model, pos, kw, input_names=input_names)
    finally:
        for m, mode in modes:
            m.training = mode


def _dynamic_dims(dynamic_axes, name, ndim):
    spec = (dynamic_axes or {}).get(name)
    if spec is None:
        return {}
    if isinstance(spec, dict):
        return {int(k) % max(ndim, 1): str(v) for k, v in spec.items()}
    return {int(k) % max(ndim, 1): f"{name}_dynamic_axes_{i + 1}" for i, k in enumerate(spec)}


def _value_info(helper, name, dtype, shape, dyn):
    dims = [dyn.get(i, int(d)) for i, d in enumerate(shape)]
    return helper.make_tensor_value_info(name, helper.np_dtype_to_tensor_dtype(np.dtype(dtype)),
                                         dims)


def build_model(model, args, kwargs=None, export_params=True, training=None, input_names=None,
                output_names=None, opset_version=None, dynamic_axes=None,
                keep_initializers_as_inputs=False, verify=True):
    """The ``onnx.ModelProto`` of ``model`` traced on ``args`` (see ``numtorch.onnx.export``).
    With ``verify``, a second trace on other inputs checks that the graph does not depend on
    the traced inputs' values or dynamic sizes (``_verify``)."""
    import onnx
    from onnx import helper, numpy_helper

    from numtorch.onnx._options import DEFAULT_OPSET, SUPPORTED_OPSETS
    from numtorch.onnx.errors import SymbolicValueError

    opset = DEFAULT_OPSET if opset_version is None else int(opset_version)
    if opset not in SUPPORTED_OPSETS:
        raise ValueError(f"Unsupported ONNX opset version: {opset}; numtorch exports opsets "
                         f"{SUPPORTED_OPSETS.start} to {SUPPORTED_OPSETS.stop - 1}")
    tr, _ = trace_model(model, args, kwargs, training, input_names)
    known = {v.name for v in tr.inputs} | set(output_names or [])
    for name in dynamic_axes or {}:
        if name not in known:
            warnings.warn(f"Provided key {name} for dynamic axes is not a valid input/output "
                          "name", stacklevel=3)
    dynamic = any(_dynamic_dims(dynamic_axes, v.name, len(v.shape)) for v in tr.inputs)
    tr2, grown = None, False
    if verify:
        tr2, grown = _second_trace(model, args, kwargs, training, input_names, dynamic_axes, tr)
    hints = _reshape_hints(tr, tr2) if grown else {}
    em = _convert(tr, opset, hints, dynamic)
    if tr2 is not None:
        _verify(em, tr2, opset, hints, dynamic, grown)

    # Outputs: the producing node's output is renamed; an input, parameter, constant or a
    # value returned twice goes through an Identity node.
    names = list(output_names or [])
    n_out = len(tr.outputs)
    graph_outputs = []
    renames = {}
    taken = {v.name for v in tr.inputs} | set(tr.params)
    for i, v in enumerate(tr.outputs):
        out_name = names[i] if i < len(names) else ("output" if n_out == 1 else f"output_{i}")
        if id(v) not in em.names and v.kind != "const":
            raise SymbolicValueError(f"output {i} ({v.name}) has no ONNX value")
        src = em.name(v)
        if v.kind == "op" and src not in renames and src not in taken:
            renames[src] = out_name
        else:
            em.nodes.append(helper.make_node("Identity", [renames.get(src, src)], [out_name],
                                             name=f"/Identity_{out_name}"))
        graph_outputs.append((out_name, v))
    for node in em.nodes:
        node.input[:] = [renames.get(n, n) for n in node.input]
        node.output[:] = [renames.get(n, n) for n in node.output]

    nodes = _live_nodes(em.nodes, [n for n, _ in graph_outputs])
    used = {n for node in nodes for n in node.input} | {n for n, _ in graph_outputs}

    inputs = [_value_info(helper, v.name, v.dtype, v.shape,
                          _dynamic_dims(dynamic_axes, v.name, len(v.shape)))
              for v in tr.inputs]
    initializers = [t for name, t in em.initializers.items() if name in used]
    for name, v in tr.params.items():
        if name not in used:
            continue
        if export_params:
            initializers.append(numpy_helper.from_array(np.array(v.array, order="C"), name))
        if keep_initializers_as_inputs or not export_params:
            inputs.append(_value_info(helper, name, v.dtype, v.shape, {}))
    outputs = []
    for name, v in graph_outputs:
        dyn = _dynamic_dims(dynamic_axes, name, len(v.shape))
        if dynamic and not dyn:
            # Left to ONNX's shape inference below, which carries the inputs' symbolic dims.
            outputs.append(helper.make_tensor_value_info(
                name, helper.np_dtype_to_tensor_dtype(v.dtype), None))
        else:
            outputs.append(_value_info(helper, name, v.dtype, v.shape, dyn))
    graph = helper.make_graph(nodes, tr.model_name, inputs, outputs, initializer=initializers)
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="numtorch", producer_version=_version())
    proto.ir_version = helper.find_min_ir_version_for([helper.make_opsetid("", opset)])
    if dynamic:
        _output_shapes(proto, tr, graph_outputs, dynamic_axes, tr2 if grown else None)
    onnx.checker.check_model(proto)
    return proto


def _convert(tr, opset, hints=None, dynamic=True):
    """The ONNX nodes and constants of a trace, in an ``Emitter``. ``hints`` maps the index
    of a ``Reshape`` or ``Expand`` op to how its target is built (``_reshape_hints``); without
    dynamic dims every such target is a constant."""
    em = Emitter(opset)
    em.hints = hints or {}
    em.dynamic = dynamic
    for v in tr.inputs:
        em.names[id(v)] = v.name
    for name, v in tr.params.items():
        em.names[id(v)] = name
    for k, op in enumerate(tr.ops):
        em.op = op
        em.op_index = k
        fn = SYMBOLICS.get(op.kind)
        if fn is None:
            raise em.unsupported()
        outs = fn(em, op)
        for v, name in zip(op.outputs, outs):
            if v is not None and name is not None:
                em.names[id(v)] = name
    em.op = None
    return em


def _map_tensors(obj, fn, counter):
    from numtorch._tensor import Tensor

    if isinstance(obj, Tensor):
        counter[0] += 1
        return fn(counter[0] - 1, obj)
    if isinstance(obj, tuple) and type(obj) is tuple:
        return tuple(_map_tensors(o, fn, counter) for o in obj)
    if isinstance(obj, list):
        return [_map_tensors(o, fn, counter) for o in obj]
    if isinstance(obj, dict):
        return {k: _map_tensors(o, fn, counter) for k, o in obj.items()}
    return obj


def _other_inputs(args, kwargs, tr, dynamic_axes, grow):
    """Inputs like the traced ones with their elements shuffled (so every value moves) and,
    with ``grow``, one more entry along each dynamic axis (a repeat of the first)."""
    import numtorch

    rng = np.random.default_rng(0)

    def other(i, t):
        arr = t._data
        if grow and i < len(tr.inputs):
            for d in sorted(_dynamic_dims(dynamic_axes, tr.inputs[i].name, arr.ndim)):
                n = arr.shape[d]
                if n:
                    arr = np.take(arr, np.arange(n + 1) % n, axis=d)
        flat = arr.reshape(-1).copy()
        rng.shuffle(flat)
        return numtorch.from_numpy(flat.reshape(arr.shape))

    pos, kw = split_args(args)
    kw.update(kwargs or {})
    counter = [0]
    return _map_tensors(pos, other, counter), _map_tensors(kw, other, counter)


def _second_trace(model, args, kwargs, training, input_names, dynamic_axes, tr):
    """A trace on other inputs (``_other_inputs``): shuffled values and, when there are
    dynamic axes, one more entry along each. Returns (trace, grown) — grown False when the
    model refuses the other sizes and only the values changed — or (None, False) when it
    refuses both."""
    grow = any(_dynamic_dims(dynamic_axes, v.name, len(v.shape)) for v in tr.inputs)
    for sizes in ([True, False] if grow else [False]):
        pos, kw = _other_inputs(args, kwargs, tr, dynamic_axes, sizes)
        try:
            return trace_model(model, pos, kw, training, input_names)[0], sizes
        except Exception:  # the model refuses other sizes (or values): nothing to compare
            continue
    return None, False


def _reshape_hints(tr, tr2):
    """How to build each reshape (and expand) target, from the two traces (the second one with
    other sizes along the dynamic axes): a dim of the same size in both is a constant; a dim
    that changed is read from the reshaped tensor's dim that changed the same way
    (``("g", j)``), else inferred (-1) if it is the first such, else read from a graph input's
    dim that changed the same way (``("gi", name, j)``, as ``expand(x.size(0), -1, -1)`` of a
    parameter needs). {op index: parts}; a target the two traces do not explain is left out
    (``Emitter.shape_of`` then guesses, and ``_verify`` checks)."""
    hints = {}
    if tr2 is None or len(tr2.ops) != len(tr.ops):
        return hints

    def graph_input_dim(d1, d2):
        """A graph input's dim that went from d1 to d2: ("gi", input name, dim) or None."""
        for v1, v2 in zip(tr.inputs, tr2.inputs):
            for j, (e1, e2) in enumerate(zip(v1.shape, v2.shape)):
                if (e1, e2) == (d1, d2):
                    return ("gi", v1.name, j)
        return None

    for k, (a, b) in enumerate(zip(tr.ops, tr2.ops)):
        if a.kind != b.kind or a.kind not in ("Reshape", "Expand"):
            continue
        in1, in2 = a.args[0].shape, b.args[0].shape
        out1, out2 = tuple(a.args[1]), tuple(b.args[1])
        if len(in1) != len(in2) or len(out1) != len(out2):
            continue
        lead = len(out1) - len(in1)
        parts, unknown = [], []
        for i, (d1, d2) in enumerate(zip(out1, out2)):
            kept = 0 <= i - lead < len(in1) and (in1[i - lead], in2[i - lead]) == (d1, d2)
            if a.kind == "Expand":
                # 1 keeps the input's own size (ONNX broadcasting); else the size wanted.
                part = ("c", 1) if kept else ("c", int(d1)) if d1 == d2 else \
                    graph_input_dim(d1, d2)
                if part is None:
                    break
                parts.append(part)
                continue
            if d1 == d2:
                parts.append(("c", int(d1)))
                continue
            same = [j for j in range(len(in1)) if in1[j] == d1 and in2[j] == d2]
            if same:
                aligned = [j for j in same if j in (i, i - len(out1) + len(in1))]
                parts.append(("g", (aligned or same)[0]))
            elif not unknown:
                parts.append(("c", -1))
                unknown.append(i)
            else:
                part = graph_input_dim(d1, d2)
                if part is None:
                    break
                parts.append(part)
        else:
            hints[k] = parts
    return hints


def _verify(em, tr2, opset, hints, dynamic, grown):
    """Require the second trace (``_second_trace``) to give the same ONNX graph: same nodes,
    attributes and constants. A difference means the graph baked in something computed from
    this particular input (a value read with ``.item()`` or NumPy, a tensor created with the
    input's size, a data-dependent branch): it would give wrong results on other inputs, so
    it is an error rather than a silent export."""
    from numtorch.onnx.errors import SymbolicValueError

    try:
        em2 = _convert(tr2, opset, hints, dynamic)
    except SymbolicValueError:
        raise
    except Exception as exc:
        raise SymbolicValueError(
            f"the traced graph changes with the input's values: {exc}") from None
    cause = "values or dynamic sizes" if grown else "values"

    def fail(node, what):
        op = em.node_ops.get(node.name)
        where = f"'{op.kind}' in module '{_module_path(op)}'" if op is not None \
            else f"node {node.name}"
        raise SymbolicValueError(
            f"{where} depends on the traced input's {cause} through {what}: the ONNX graph "
            "would give wrong results for other inputs. Typical causes: a number read from a "
            "tensor (.item(), .tolist(), NumPy), a tensor created from the input's size "
            "(zeros(x.size(0), ...)), or a branch on the input's values; compute it with "
            "tensor operations instead, or leave the dim out of dynamic_axes.")

    nodes, nodes2 = em.nodes, em2.nodes
    for k, node in enumerate(nodes):
        if k >= len(nodes2) or nodes2[k].op_type != node.op_type:
            fail(node, "the sequence of operations (a data-dependent branch)")
        other = nodes2[k]
        if list(other.input) != list(node.input) or \
                [a.SerializeToString() for a in other.attribute] != \
                [a.SerializeToString() for a in node.attribute]:
            fail(node, "its attributes")
    if len(nodes2) != len(nodes):
        fail(nodes2[len(nodes)], "the sequence of operations (a data-dependent branch)")
    consumers = {}
    for node in nodes:
        for i in node.input:
            consumers.setdefault(i, node)
    for name, tensor in em.initializers.items():
        again = em2.initializers.get(name)
        if again is None or again.SerializeToString() != tensor.SerializeToString():
            node = consumers.get(name)
            if node is not None:
                fail(node, f"a constant input ({name})")


def _module_path(op):
    return "model" + ("." + op.scope if op.scope else "")


def _output_shapes(proto, tr, graph_outputs, dynamic_axes, tr2=None):
    """Shapes for the outputs ``dynamic_axes`` does not name. With ``tr2``, the trace at other
    sizes of the dynamic axes: a dim that changed between the traces is symbolic, named after
    the input dim that changed the same way (``batch``), or ``<output>_dim_<i>``. Without it:
    ONNX's shape inference where it knows a dim; where it does not (a size read by ``Shape``
    at run time), the traced size, made symbolic under the input dim's name when it equals the
    traced size of a dynamic dim of an input (the batch size, in practice)."""
    import onnx

    sizes = {}
    changes = {}
    for k, v in enumerate(tr.inputs):
        for i, name in _dynamic_dims(dynamic_axes, v.name, len(v.shape)).items():
            sizes.setdefault(v.shape[i], name)
            if tr2 is not None:
                changes.setdefault((v.shape[i], tr2.inputs[k].shape[i]), name)
    if tr2 is not None and len(tr2.outputs) == len(graph_outputs):
        for out, (name, v), v2 in zip(proto.graph.output, graph_outputs, tr2.outputs):
            if out.type.tensor_type.HasField("shape"):
                continue
            out.type.tensor_type.shape.SetInParent()  # a 0-d output has a shape with no dims
            for i, (d1, d2) in enumerate(zip(v.shape, v2.shape)):
                d = out.type.tensor_type.shape.dim.add()
                if d1 == d2:
                    d.dim_value = int(d1)
                else:
                    d.dim_param = changes.get((d1, d2), f"{name}_dim_{i}")
        return
    try:
        inferred = {o.name: o for o in onnx.shape_inference.infer_shapes(proto).graph.output}
    except Exception:  # inference is a nicety here: the traced shapes are the fallback
        inferred = {}
    for out, (name, v) in zip(proto.graph.output, graph_outputs):
        if out.type.tensor_type.HasField("shape"):
            continue
        new = inferred.get(name)
        known = None
        if new is not None and new.type.tensor_type.HasField("shape"):
            known = list(new.type.tensor_type.shape.dim)
            if len(known) != len(v.shape):
                known = None
        out.type.tensor_type.shape.SetInParent()  # a 0-d output has a shape with no dims
        dims = out.type.tensor_type.shape.dim
        for i, size in enumerate(v.shape):
            d = dims.add()
            k = known[i] if known is not None else None
            if k is not None and k.HasField("dim_value"):
                d.dim_value = k.dim_value
            elif k is not None and k.dim_param and not k.dim_param.startswith("unk__"):
                d.dim_param = k.dim_param
            elif size in sizes:
                d.dim_param = sizes[size]
            else:
                d.dim_value = int(size)


def _live_nodes(nodes, outputs):
    """The nodes the graph outputs depend on, in their order (a topological order already)."""
    needed = set(outputs)
    keep = []
    for node in reversed(nodes):
        if any(o in needed for o in node.output):
            keep.append(node)
            needed.update(i for i in node.input if i)
    keep.reverse()
    return keep


def _version():
    import numtorch

    return numtorch.__version__


def write_model(proto, f):
    """Write ``proto`` to a path (atomically) or a binary file object."""
    from numtorch._safetensors_format import atomic_write

    data = proto.SerializeToString()
    if isinstance(f, (str, bytes, os.PathLike)):
        atomic_write(os.fspath(f), data)
    elif hasattr(f, "write"):
        f.write(data)
    else:
        raise TypeError(f"f must be a path or a binary file object, not {type(f).__name__}")
