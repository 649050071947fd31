"""The tracer: one forward pass of a module, recorded as a graph of the primitives that ran.

Every numtorch op ends in a primitive (``numtorch.autograd.Primitive``), run by
``Function.apply``. While a trace is active, ``Function.apply`` is swapped for a recording
version, so every primitive leaves a ``TraceOp``: its class, its inputs (as ``Value``s: a graph
input, a parameter or buffer, a constant, or the output of an earlier op), its non-tensor
attributes (strides, axes, shapes...) and its outputs. Nothing is swapped when no trace is
active, so ordinary code pays nothing for the tracer's existence.

The same swap covers the few paths that do not go through ``Function.apply``:
- ``x + y`` and friends on two same-shaped float tensors run the ufunc directly
  (``numtorch._tensor_methods._operator``); the trace uses the general functions instead;
- in-place methods write a result into an existing tensor (``Tensor._set_from``); the trace
  notes that the tensor now holds the result's value;
- indexing (``x[key]``, hence ``nn.Embedding``) and ``max``/``min`` along a dim compute index
  arrays from the data; they are recorded as one op each (``GetItem``, ``MaxDim``) with the
  key, so the exported graph indexes at run time instead of baking in this input's indices.

An op whose inputs are all constants is run, not recorded: its outputs are constants too
(a zero initial state, a mask built from fixed sizes). Module calls are followed with forward
hooks, so each op knows the module path it ran in (``block.0.act``), for error messages and
for TensorBoard's name scopes.

The swaps are process-wide, but only the tracing thread's ops are recorded; other threads
keep computing as usual. The result, a ``Trace``, is what ``numtorch.onnx.export`` turns into
an ONNX graph and what ``SummaryWriter.add_graph`` turns into a TensorBoard graph.
"""

import inspect
import threading

import numpy as np

from numtorch.autograd import function

__all__ = ["Value", "TraceOp", "Trace", "trace", "is_tracing"]


class Value:
    """One tensor of the traced graph. ``kind`` is ``"input"``, ``"param"`` (a parameter or
    buffer, ``name`` its state-dict name), ``"const"`` (``array`` holds it) or ``"op"`` (the
    output ``index`` of ``producer``). ``static`` is True when it does not depend on the
    graph's inputs (parameters and constants, and what is computed from them only)."""

    __slots__ = ("name", "kind", "shape", "dtype", "array", "producer", "index", "static")

    def __init__(self, name, kind, array, producer=None, index=0):
        self.name = name
        self.kind = kind
        self.shape = tuple(array.shape)
        self.dtype = array.dtype
        self.array = array if kind in ("const", "param") else None
        self.producer = producer
        self.index = index
        self.static = kind in ("const", "param")

    def __repr__(self):
        return f"Value({self.name!r}, {self.kind}, {self.shape}, {self.dtype})"


class TraceOp:
    """One recorded call: ``kind`` (the primitive's class name, or ``GetItem``/``MaxDim``),
    ``cls`` (the primitive class or None), ``args``/``kwargs`` as passed with tensors replaced
    by their ``Value``s, ``outputs`` (Values, None for a None output), the module ``scope`` it
    ran in (its dotted path, "" for the root) and ``scope_types``, the ``(path, class name)``
    of every module being called, outermost first."""

    __slots__ = ("kind", "cls", "args", "kwargs", "outputs", "scope", "scope_types")

    def __init__(self, kind, cls, args, kwargs, scope, scope_types):
        self.kind, self.cls, self.args, self.kwargs = kind, cls, args, kwargs
        self.scope, self.scope_types = scope, scope_types
        self.outputs = []

    def inputs(self):
        """The Values among the arguments, in order (nested tuples and lists included)."""
        found = []
        _collect(self.args, found)
        _collect(tuple(self.kwargs.values()), found)
        return found

    def __repr__(self):
        return f"TraceOp({self.kind} @ {self.scope or '<root>'})"


def _collect(obj, found):
    if isinstance(obj, Value):
        found.append(obj)
    elif isinstance(obj, (tuple, list)):
        for o in obj:
            _collect(o, found)
    elif isinstance(obj, slice):
        _collect((obj.start, obj.stop, obj.step), found)


class Trace:
    """The recorded graph: ``inputs`` and ``outputs`` (Values), ``params`` (state-dict name ->
    Value), ``ops`` in execution order (only those the outputs depend on, after ``prune``),
    ``output_tree`` (the model's return value with tensors replaced by Values) and the
    ``model_name`` (the root module's class name)."""

    def __init__(self):
        self.inputs = []
        self.outputs = []
        self.params = {}
        self.ops = []
        self.output_tree = None
        self.model_name = "model"

    def prune(self):
        """Keep only the ops the outputs depend on."""
        needed = set()
        stack = [v for v in self.outputs]
        while stack:
            v = stack.pop()
            if id(v) in needed:
                continue
            needed.add(id(v))
            if v.producer is not None:
                stack.extend(v.producer.inputs())
        self.ops = [op for op in self.ops
                    if any(o is not None and id(o) in needed for o in op.outputs)]
        used = {id(v) for op in self.ops for v in op.inputs()} | {id(v) for v in self.outputs}
        self.params = {k: v for k, v in self.params.items() if id(v) in used}


_active = None


def is_tracing():
    """True while a forward pass is being traced (``numtorch.onnx.is_in_onnx_export``)."""
    return function.tracing


class _Tracer:
    def __init__(self, model):
        self.trace = Trace()
        self.by_tensor = {}  # id(tensor) -> Value
        self.by_array = {}   # id(ndarray) -> Value (a tensor re-wrapping a traced array)
        self.keep = []       # the tensors and arrays whose ids are keys above
        self.paused = 0
        self.scope = []      # [(path, class name)] of the modules being called
        self.const_count = 0
        self.model = model
        self.thread = threading.get_ident()  # ops run by other threads are not recorded

    # ------------------------------------------------------------------ values
    def bind(self, tensor, value):
        self.by_tensor[id(tensor)] = value
        self.by_array[id(tensor._data)] = value
        self.keep.append(tensor)
        self.keep.append(tensor._data)

    def value_of(self, tensor):
        v = self.by_tensor.get(id(tensor))
        if v is None:
            v = self.by_array.get(id(tensor._data))
        if v is None:
            self.const_count += 1
            v = Value(f"const_{self.const_count}", "const", np.array(tensor._data))
            self.bind(tensor, v)
        return v

    def convert(self, obj):
        """``obj`` with every tensor replaced by its Value (through tuples, lists, slices)."""
        from numtorch._tensor import Tensor

        if isinstance(obj, Tensor):
            return self.value_of(obj)
        if isinstance(obj, tuple) and type(obj) is tuple:
            return tuple(self.convert(o) for o in obj)
        if isinstance(obj, list):
            return [self.convert(o) for o in obj]
        if isinstance(obj, slice):
            return slice(self.convert(obj.start), self.convert(obj.stop), self.convert(obj.step))
        return obj

    # ------------------------------------------------------------------ recording
    def record(self, kind, cls, args, kwargs, result):
        from numtorch._tensor import Tensor

        args = self.convert(tuple(args))
        kwargs = {k: self.convert(v) for k, v in kwargs.items()}
        scope = self.scope[-1][0] if self.scope else ""
        types = tuple(self.scope)
        op = TraceOp(kind, cls, args, kwargs, scope, types)
        if isinstance(result, Tensor):
            outs = (result,)
        elif isinstance(result, (tuple, list)):
            outs = tuple(result)
        else:
            return result  # a Python value (``equal``, ``item``...): not part of the graph
        inputs = op.inputs()
        static = all(v.static for v in inputs)
        for i, t in enumerate(outs):
            if not isinstance(t, Tensor):
                op.outputs.append(None)
                continue
            if all(x.kind == "const" for x in inputs):
                # Every input is a constant: so is the output (constant folding).
                self.const_count += 1
                v = Value(f"const_{self.const_count}", "const", np.array(t._data))
            else:
                # Computed from parameters only, the op is still recorded (the parameters stay
                # the graph's initializers) but its output is known to be static.
                v = Value(f"{kind}_{len(self.trace.ops)}_{i}", "op", t._data, op, i)
                v.static = static
            op.outputs.append(v)
            self.bind(t, v)
        if any(v is not None and v.kind == "op" for v in op.outputs):
            self.trace.ops.append(op)
        return result


def _patched(tracer):
    """The swaps that make every op visible while tracing: [(owner, name, replacement)]."""
    import numtorch
    from numtorch._tensor import Tensor
    from numtorch.autograd.function import Function
    from numtorch.ops import attention, indexing, reduction, shape
    from numtorch.ops import elementwise as ew

    original_apply = Function.__dict__["apply"].__func__

    def apply(cls, *args, **kwargs):
        if tracer.paused or not cls._primitive or threading.get_ident() != tracer.thread:
            # A user-defined Function: its forward's own numtorch ops are what gets traced.
            return original_apply(cls, *args, **kwargs)
        tracer.paused += 1
        try:
            out = original_apply(cls, *args, **kwargs)
        finally:
            tracer.paused -= 1
        return tracer.record(cls.__name__, cls, args, kwargs, out)

    def whole(kind, fn):
        """Record a call of ``fn`` as one op ``kind`` (its inner primitives are not)."""
        def wrapper(*args, **kwargs):
            if tracer.paused or threading.get_ident() != tracer.thread:
                return fn(*args, **kwargs)
            tracer.paused += 1
            try:
                out = fn(*args, **kwargs)
            finally:
                tracer.paused -= 1
            return tracer.record(kind, None, args, kwargs, out)
        return wrapper

    def minmax(name, fn):
        def wrapper(input, dim=None, keepdim=False):
            if dim is None or isinstance(dim, Tensor):
                return fn(input, dim, keepdim)  # the whole-tensor max, or the binary maximum
            return whole("MaxDim" if name == "max" else "MinDim",
                         lambda x, d, k: fn(x, d, k))(input, dim, keepdim)
        return wrapper

    def set_from(self, result):
        out = original_set_from(self, result)
        if threading.get_ident() != tracer.thread:
            return out
        v = tracer.by_tensor.get(id(result)) or tracer.by_array.get(id(result._data))
        if v is not None:
            tracer.bind(self, v)
        else:  # overwritten by an untraced value: no longer the value it was
            tracer.by_tensor.pop(id(self), None)
            tracer.by_array.pop(id(self._data), None)
        return out

    def expand(fn):
        """``expand``/``expand_as`` recorded as one ``Expand`` to the resulting shape (the
        library returns a plain reshape when nothing grows, as at batch size 1)."""
        def wrapper(self, *args, **kwargs):
            if tracer.paused or threading.get_ident() != tracer.thread:
                return fn(self, *args, **kwargs)
            tracer.paused += 1
            try:
                out = fn(self, *args, **kwargs)
            finally:
                tracer.paused -= 1
            return tracer.record("Expand", None, (self, tuple(out._data.shape)), {}, out)
        return wrapper

    original_set_from = Tensor._set_from
    swaps = [
        (Tensor, "expand", expand(shape.expand)), (Tensor, "expand_as", expand(shape.expand_as)),
        (Function, "apply", classmethod(apply)),
        (Tensor, "__add__", ew.add), (Tensor, "__sub__", ew.sub),
        (Tensor, "__mul__", ew.mul), (Tensor, "__truediv__", ew.div),
        (Tensor, "_set_from", set_from),
        (Tensor, "__getitem__", whole("GetItem", indexing._getitem)),
    ]
    # A boolean attention mask becomes an additive float mask in NumPy.
    swaps.append((attention, "_canonical_mask", whole("CanonicalMask",
                                                      attention._canonical_mask)))
    for name, fn in (("max", minmax("max", reduction.max)), ("min", minmax("min", reduction.min))):
        swaps += [(Tensor, name, fn), (numtorch, name, fn)]
    # Functions that compute their result in NumPy outside any primitive (comparisons, masks,
    # rounding, arg-max): recorded whole, so that their results are not taken for constants.
    for names, kind, fn in [
        (("eq",), "Equal", ew.eq), (("ne", "not_equal"), "NotEqual", ew.ne),
        (("lt", "less"), "Less", ew.lt), (("le", "less_equal"), "LessOrEqual", ew.le),
        (("gt", "greater"), "Greater", ew.gt), (("ge", "greater_equal"), "GreaterOrEqual", ew.ge),
        (("logical_not",), "Not", ew.logical_not), (("logical_and",), "And", ew.logical_and),
        (("logical_or",), "Or", ew.logical_or), (("logical_xor",), "Xor", ew.logical_xor),
        (("floor",), "Floor", ew.floor), (("ceil",), "Ceil", ew.ceil),
        (("round",), "Round", ew.round), (("sign",), "Sign", ew.sign),
        (("argmax",), "ArgMax", reduction.argmax), (("argmin",), "ArgMin", reduction.argmin),
        (("masked_fill",), "MaskedFill", indexing.masked_fill),
        (("bitwise_and", "__and__"), "BitwiseAnd", ew.bitwise_and),
        (("bitwise_or", "__or__"), "BitwiseOr", ew.bitwise_or),
        (("bitwise_xor", "__xor__"), "BitwiseXor", ew.bitwise_xor),
        (("bitwise_not", "__invert__"), "BitwiseNot", ew.bitwise_not),
    ]:
        wrapped = whole(kind, fn)
        for name in names:
            swaps.append((Tensor, name, wrapped))
            if not name.startswith("__"):
                swaps.append((numtorch, name, wrapped))
            if name in ("eq", "ne", "lt", "le", "gt", "ge"):
                swaps.append((Tensor, f"__{name}__", wrapped))
        if kind == "MaskedFill":
            swaps.append((Tensor, "masked_fill_", _inplace(wrapped)))
    return swaps


def _inplace(fn):
    def method(self, *args, **kwargs):
        return self._set_from(fn(self._snapshot(), *args, **kwargs))
    return method


def _flatten(obj, out):
    from numtorch._tensor import Tensor

    if isinstance(obj, Tensor):
        out.append(obj)
    elif isinstance(obj, (tuple, list)):
        for o in obj:
            _flatten(o, out)
    elif isinstance(obj, dict):
        for o in obj.values():
            _flatten(o, out)
    return out


def split_args(args):
    """PyTorch's ``args`` convention: a tensor, or a tuple whose last element may be a dict of
    keyword arguments. Returns (positional tuple, kwargs dict)."""
    from numtorch._tensor import Tensor

    if isinstance(args, Tensor):
        return (args,), {}
    if isinstance(args, list):
        args = tuple(args)
    if not isinstance(args, tuple):
        return (args,), {}
    if args and isinstance(args[-1], dict):
        return args[:-1], dict(args[-1])
    return args, {}


def input_names_of(model, args, kwargs):
    """The forward's parameter names for the flattened tensor inputs (``x``, ``state.0``...)."""
    try:
        params = list(inspect.signature(model.forward).parameters)
    except (TypeError, ValueError):
        params = []
    names = []
    for i, a in enumerate(args):
        base = params[i] if i < len(params) else f"input_{i}"
        n = len(_flatten(a, []))
        names.extend([base] if n == 1 else [f"{base}.{j}" for j in range(n)])
    for k, a in kwargs.items():
        n = len(_flatten(a, []))
        names.extend([k] if n == 1 else [f"{k}.{j}" for j in range(n)])
    return names


def trace(model, args, kwargs=None, input_names=None):
    """Run ``model(*args, **kwargs)`` once under ``no_grad``, recording the primitives.

    Returns a pruned ``Trace``. Parameters and buffers become ``param`` Values named by their
    state-dict names; the tensors in ``args``/``kwargs`` (flattened in order) become the
    inputs, named by ``input_names`` or by the forward's parameter names."""
    global _active
    import numtorch
    from numtorch._tensor import Tensor

    if _active is not None:
        raise RuntimeError("a trace is already running; tracing does not nest")
    kwargs = dict(kwargs or {})
    tracer = _Tracer(model)
    tr = tracer.trace
    tr.model_name = type(model).__name__
    seen = set()
    for name, t in model.state_dict(keep_vars=True).items():
        if isinstance(t, Tensor) and id(t) not in seen:
            seen.add(id(t))
            v = Value(name, "param", t._data)
            tr.params[name] = v
            tracer.bind(t, v)
    flat_inputs = _flatten(list(args) + list(kwargs.values()), [])
    names = list(input_names or [])
    defaults = input_names_of(model, args, kwargs)
    for i, t in enumerate(flat_inputs):
        name = names[i] if i < len(names) else (defaults[i] if i < len(defaults)
                                                else f"input_{i}")
        v = Value(name, "input", t._data)
        v.static = False
        tr.inputs.append(v)
        tracer.bind(t, v)

    paths = {id(m): (p, type(m).__name__) for p, m in model.named_modules()}
    handles = []

    def pre(module, inputs):
        tracer.scope.append(paths.get(id(module), ("", type(module).__name__)))

    def post(module, inputs, output):
        if tracer.scope:
            tracer.scope.pop()

    for _, m in model.named_modules():
        handles.append(m.register_forward_pre_hook(pre))
        handles.append(m.register_forward_hook(post))
    swaps = _patched(tracer)
    saved = [(owner, name, owner.__dict__.get(name, _MISSING)) for owner, name, _ in swaps]
    _active = tracer
    function.tracing = True
    try:
        for owner, name, fn in swaps:
            setattr(owner, name, fn)
        with numtorch.no_grad():
            result = model(*args, **kwargs)
    finally:
        for owner, name, old in reversed(saved):
            if old is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, old)
        for h in handles:
            h.remove()
        _active = None
        function.tracing = False
    outs = _flatten(result, [])
    tr.outputs = [tracer.value_of(t) for t in outs]
    tr.output_tree = result
    tr.prune()
    return tr, result


_MISSING = object()
