"""The graph of a model for TensorBoard's Graphs tab, from the tracer that ONNX export uses.

``graph_def(model, input_to_model)`` traces one forward pass (``numtorch.onnx._trace``) and
writes it as a TensorFlow ``GraphDef`` (TensorBoard's graph format), as PyTorch's writer does:

- one ``NodeDef`` per traced op, named by the module scope it ran in, built from the class
  and attribute name of every module on the way (``Net/Sequential[block]/Linear[0]/Linear_3``)
  so that TensorBoard folds each module into a box; ``op`` is the primitive's name
  (``Conv``, ``Relu``, ``GetItem``...), ``attr["attr"]`` its non-tensor arguments;
- the graph's inputs and outputs are ``IO Node``s (``input/x``, ``output/output.0``), each
  parameter or buffer a ``Parameter`` node in the scope of the module that owns it, each
  constant a ``Constant`` node;
- ``input`` lists the producing nodes (``name:k`` for output k > 0 of a multi-output op);
- ``attr["_output_shapes"]`` holds the shapes of the op's outputs as traced.
"""

import numpy as np

__all__ = ["graph_def"]


def _protos():
    try:
        from tensorboard.compat.proto.attr_value_pb2 import AttrValue
        from tensorboard.compat.proto.graph_pb2 import GraphDef
        from tensorboard.compat.proto.node_def_pb2 import NodeDef
        from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
        from tensorboard.compat.proto.versions_pb2 import VersionDef
    except ImportError:
        raise ImportError('the TensorBoard graph needs the tensorboard package: pip install '
                          '"numtorch[tensorboard]"') from None
    return AttrValue, GraphDef, NodeDef, TensorShapeProto, VersionDef


def _scope_name(model_name, scope_types):
    """``Net/Sequential[block]/Linear[0]`` from the ``(path, class name)`` of the modules being
    called, outermost first."""
    parts = [model_name]
    parent = ""
    for path, type_name in scope_types:
        if not path:
            continue
        local = path[len(parent) + 1:] if parent and path.startswith(parent + ".") else path
        parts.append(f"{type_name}[{local}]")
        parent = path
    return "/".join(parts)


def _attr_text(op):
    """The op's non-tensor arguments, as a short readable string."""
    from numtorch.onnx._trace import Value

    def show(a):
        slots = getattr(type(a), "__slots__", None)
        if slots and type(a).__module__.startswith("numtorch.ops"):  # a geometry record
            return "{" + ", ".join(f"{s}: {getattr(a, s, None)}" for s in slots) + "}"
        return repr(a)

    items = [show(a) for a in op.args if not isinstance(a, Value)]
    items += [f"{k}={show(v)}" for k, v in op.kwargs.items() if not isinstance(v, Value)]
    text = ", ".join(items)
    return text if len(text) <= 300 else text[:297] + "..."


def graph_def(model, input_to_model, verbose=False):
    """The ``GraphDef`` of one traced forward pass of ``model`` on ``input_to_model`` (a tensor
    or a tuple of arguments). ``verbose`` prints the traced ops."""
    AttrValue, GraphDef, NodeDef, TensorShapeProto, VersionDef = _protos()
    from numtorch.onnx._export import trace_model

    tr, _ = trace_model(model, input_to_model, training=None)
    model_name = tr.model_name
    names = {}  # id(Value) -> node name (with ":k" for output k > 0)
    nodes = []
    used = set()

    def shapes(values):
        protos = [TensorShapeProto(dim=[TensorShapeProto.Dim(size=int(d)) for d in v.shape])
                  for v in values if v is not None]
        return AttrValue(list=AttrValue.ListValue(shape=protos))

    def unique(name):
        base, k = name, 0
        while name in used:
            k += 1
            name = f"{base}.{k}"
        used.add(name)
        return name

    def add(name, op, inputs, values, text=""):
        name = unique(name)
        attr = {"_output_shapes": shapes(values)}
        if text:
            attr["attr"] = AttrValue(s=text.encode())
        nodes.append(NodeDef(name=name, op=op, input=inputs, attr=attr,
                             device="/device:CPU:0"))
        return name

    for v in tr.inputs:
        names[id(v)] = add(f"input/{v.name}", "IO Node", [], [v])
    module_types = {p: type(m).__name__ for p, m in model.named_modules()}
    for pname, v in tr.params.items():
        owner = pname.rsplit(".", 1)[0] if "." in pname else ""
        chain, path = [], ""
        for part in owner.split(".") if owner else []:
            path = f"{path}.{part}" if path else part
            chain.append((path, module_types.get(path, "Module")))
        leaf = pname.rsplit(".", 1)[-1]
        names[id(v)] = add(f"{_scope_name(model_name, chain)}/{leaf}", "Parameter", [], [v],
                           f"{v.dtype} {list(v.shape)}")

    def input_name(v, scope):
        n = names.get(id(v))
        if n is None:  # a constant, placed where it is first used
            n = names[id(v)] = add(f"{scope}/Constant", "Constant", [], [v],
                                   _const_text(v.array))
        return n

    for i, op in enumerate(tr.ops):
        scope = _scope_name(model_name, op.scope_types)
        inputs = [input_name(v, scope) for v in op.inputs()]
        name = add(f"{scope}/{op.kind}_{i}", op.kind, inputs, op.outputs, _attr_text(op))
        for k, v in enumerate(op.outputs):
            if v is not None:
                names[id(v)] = name if k == 0 else f"{name}:{k}"
        if verbose:
            print(f"{name}: {op.kind}({', '.join(inputs)}) -> "
                  f"{[list(v.shape) for v in op.outputs if v is not None]}")
    for i, v in enumerate(tr.outputs):
        src = names.get(id(v)) or input_name(v, model_name)
        add(f"output/output.{i}", "IO Node", [src], [v])
    return GraphDef(node=nodes, versions=VersionDef(producer=22))


def _const_text(array):
    if array.size <= 8:
        return f"{array.dtype} {np.array2string(array.reshape(-1), separator=', ')}"
    return f"{array.dtype} {list(array.shape)}"
