"""``Function``: how an operation enters the graph.

A differentiable operation is a subclass with two static methods side by side:

    forward(ctx, *inputs, **attrs)   -> output(s), saving what backward needs with
                                        ``ctx.save_for_backward(...)``
    backward(ctx, *grad_outputs)     -> one gradient per input (None where there is none)

``Function.apply`` runs ``forward`` and, when grad mode is on and some input requires grad,
turns ``ctx`` into a graph node: ``ctx.next_functions`` points at the nodes that produced the
inputs, and every output gets ``grad_fn = ctx``. The engine (``engine.py``) later calls
``backward`` on these nodes in reverse topological order.

Two flavours share that machinery:
- ``Function`` (public, PyTorch's ``torch.autograd.Function``): ``forward`` receives and returns
  tensors.
- ``Primitive`` (numtorch's own ops): ``forward`` receives the NumPy arrays behind the tensors
  and returns arrays. Backward rules still receive tensors and are written with numtorch ops, so
  with ``create_graph=True`` the backward pass is itself recorded (double backward for free).

The file (about 670 lines) also holds the recording path's view and in-place bookkeeping
(``_CopySlices``, version counters): they run inside ``apply`` on every call, and splitting
them off would put the hottest path of the library in two files.
"""

import re
import weakref

import numpy as np

from numtorch.autograd import grad_mode

__all__ = ["Function", "Primitive", "FunctionCtx", "once_differentiable", "Node"]

_INPUT, _OUTPUT, _CONST = 0, 1, 2

# True while a tracer (numtorch.onnx's exporter, TensorBoard's ``add_graph``) records every
# primitive through ``Function.apply``: a fast path that computes without ``apply`` (eval-mode
# batch norm) must then take the recorded path, or the trace would miss the op.
tracing = False
_FREED_MSG = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you "
    "call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward "
    "through the graph a second time or if you need to access saved tensors after calling "
    "backward."
)


class Node:
    """What every graph node has: ``next_functions``, hooks, and ``name()``.

    ``next_functions[i]`` is ``(node, output_nr)`` for input ``i`` — the node that produced it
    (an ``AccumulateGrad`` for a leaf) — or ``(None, 0)`` when input ``i`` needs no gradient.
    """

    next_functions = ()
    _pre_hooks = None      # hooks on the gradients flowing into this node: fn(grad_outputs)
    _post_hooks = None     # fn(grad_inputs, grad_outputs), after backward ran
    _tensor_hooks = None   # {output_nr: [fn(grad)]}: Tensor.register_hook on the node's outputs
    _retain = None         # {output_nr: weakref to tensor}: Tensor.retain_grad on its outputs

    def name(self):
        return type(self).__name__ + "Backward0"

    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs)`` after this node's backward; may return new
        grad_inputs."""
        if self._post_hooks is None:
            self._post_hooks = []
        self._post_hooks.append(fn)
        return _RemovableHandle(self._post_hooks, fn)

    def register_prehook(self, fn):
        """``fn(grad_outputs)`` before this node's backward; may return new grad_outputs."""
        if self._pre_hooks is None:
            self._pre_hooks = []
        self._pre_hooks.append(fn)
        return _RemovableHandle(self._pre_hooks, fn)

    @property
    def metadata(self):
        d = self.__dict__.get("_metadata")
        if d is None:
            d = self._metadata = {}
        return d

    def __repr__(self):
        return f"<{self.name()} object at {hex(id(self))}>"


class _RemovableHandle:
    def __init__(self, container, item, key=None):
        self._container = container
        self._item = item
        self._key = key

    def remove(self):
        seq = self._container if self._key is None else self._container.get(self._key, [])
        if self._item in seq:
            seq.remove(self._item)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class FunctionCtx:
    """The ``ctx`` API: ``save_for_backward``, ``saved_tensors``, ``needs_input_grad``,
    ``mark_non_differentiable``, ``set_materialize_grads`` (grads of unused outputs are zeros)."""

    needs_input_grad = ()
    _to_save = ()
    _saved = None
    _freed = False
    _non_diff = None

    def save_for_backward(self, *items):
        self._to_save = items

    def mark_non_differentiable(self, *outputs):
        self._non_diff = {id(o) for o in outputs}

    def mark_dirty(self, *tensors):
        pass  # in-place custom functions write into their inputs; nothing else is tracked

    def set_materialize_grads(self, value):
        pass  # grads of unused outputs are always materialized as zeros

    @property
    def saved_tensors(self):
        """The saved values as tensors; raises if freed or modified in place since saving."""
        if self._freed:
            raise RuntimeError(_FREED_MSG)
        saved = self._saved
        if saved is None:
            return ()
        return tuple(_unpack(self, s) for s in saved)

    def _release(self):
        self._saved = None
        self._freed = True


def _unpack(node, entry):
    if entry is None:
        return None
    kind = entry[0]
    if kind == _CONST:
        return entry[1]
    tensor_or_data, vc, version = entry[1], entry[2], entry[3]
    if vc[0] != version:
        raise RuntimeError(
            "one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: [{_describe(node, entry)} is at version {vc[0]}; expected version "
            f"{version} instead. Hint: the operation that failed was {node.name()}; enable "
            "anomaly detection with numtorch.autograd.set_detect_anomaly(True) to find the "
            "operation that modified it."
        )
    if kind == _INPUT:
        return tensor_or_data
    # An output of this very node: rebuilt here rather than held, so no node -> tensor -> node
    # cycle keeps memory alive; its grad_fn is the node, so double backward flows through it.
    out = _wrap(tensor_or_data)
    out._requires_grad = True
    out.grad_fn = node
    out._output_nr = entry[4]
    out._vc = vc
    return out


def _describe(node, entry):
    """``torch.FloatTensor [2]], which is output 0 of Exp,``: the saved tensor, and the op whose
    output it is (the saving node for a saved output, the tensor's producer for an input)."""
    from numtorch._dtype import from_numpy_dtype

    x = entry[1]
    data = getattr(x, "_data", x)
    text = f"{type_name(from_numpy_dtype(data.dtype))} [{', '.join(map(str, data.shape))}]]"
    if entry[0] == _OUTPUT:
        producer, nr = node, entry[4]
    else:
        producer, nr = x.grad_fn, x._output_nr
    if producer is not None:
        text += f", which is output {nr} of {re.sub(r'Backward[0-9]*$', '', producer.name())},"
    return text


def type_name(dt):
    return {
        "float32": "torch.FloatTensor", "float64": "torch.DoubleTensor",
        "float16": "torch.HalfTensor", "int64": "torch.LongTensor", "int32": "torch.IntTensor",
        "int16": "torch.ShortTensor", "int8": "torch.CharTensor", "uint8": "torch.ByteTensor",
        "bool": "torch.BoolTensor",
    }[dt.name]


class _FunctionMeta(type):
    """Gives each Function subclass its node name (``MulBackward0``; ``MyFnBackward`` for
    user-defined functions, as PyTorch prints them)."""

    def __init__(cls, name, bases, attrs):
        super().__init__(name, bases, attrs)
        suffix = "Backward0" if attrs.get("_primitive", getattr(cls, "_primitive", False)) \
            else "Backward"
        cls._node_name = attrs.get("node_name") or name + suffix


_new = object.__new__
_grad_state = grad_mode._state
# ``numtorch._tensor`` imports this package, so it fills these in once it is loaded.
Tensor = None
_wrap = None


class Function(FunctionCtx, Node, metaclass=_FunctionMeta):
    """PyTorch's ``torch.autograd.Function``: subclass it with static ``forward(ctx, ...)`` and
    ``backward(ctx, ...)``, call ``MyFn.apply(...)``. ``forward`` receives tensors (as values:
    it runs without recording), returns a tensor or a tuple of tensors."""

    _primitive = False
    _once_differentiable = False

    def name(self):
        return self._node_name

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError(  # abstract: subclasses define forward
            "You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError(  # abstract: subclasses define backward
            "You must implement either the backward or vjp method for your custom "
            "autograd.Function to use it with backward mode AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        # The per-op cost of the whole library is paid here: no imports, no containers built
        # unless the node is recorded, one-output primitives on the shortest path.
        ctx = _new(cls)
        record = False
        if _grad_state.enabled:
            for a in args:
                if isinstance(a, Tensor) and a._requires_grad:
                    record = True
                    break
        if cls._primitive:
            # ``raw`` is rebuilt in ``_record`` when needed: ``a._data`` is the same object.
            if len(args) == 2:
                x, y = args
                out = cls.forward(ctx, x._data if isinstance(x, Tensor) else x,
                                  y._data if isinstance(y, Tensor) else y, **kwargs)
            elif len(args) == 1:
                x = args[0]
                out = cls.forward(ctx, x._data if isinstance(x, Tensor) else x, **kwargs)
            else:
                out = cls.forward(ctx, *[a._data if isinstance(a, Tensor) else a for a in args],
                                  **kwargs)
            if type(out) is not tuple:
                t = _wrap(out)
                if out.base is not None and args:
                    _mark_view(t, cls, args, kwargs, None)
                if record:
                    _record1(ctx, args, out, t)
                return t
            outs = out
            tensors = tuple([None if o is None else _wrap(o) for o in outs])
            if args:
                for i, t in enumerate(tensors):
                    if t is not None and t._data.base is not None:
                        _mark_view(t, cls, args, kwargs, i)
        else:
            raw = args  # a user Function's forward receives the tensors themselves
            with grad_mode.no_grad():
                out = cls.forward(ctx, *args, **kwargs)
            single = type(out) is not tuple
            user_outs = (out,) if single else out
            tensors = []
            for o in user_outs:
                if isinstance(o, Tensor):
                    # An input returned as is, or a tensor made inside forward from one, gets
                    # a fresh tensor object so that it can take this node as its grad_fn.
                    if o.grad_fn is not None or any(o is a for a in args):
                        o = _wrap(o._data)
                tensors.append(o)
            tensors = tuple(tensors)
            if not record:
                return tensors[0] if single else tensors
            ctx._user_outputs = user_outs
            outs = tuple([o._data if isinstance(o, Tensor) else o for o in user_outs])
            _record(ctx, args, raw, outs, tensors)
            return tensors[0] if single else tensors
        if record:
            _record(ctx, args, None, outs, tensors)
        return tensors


def _edge(a):
    """``(node, output_nr)`` for a tensor that requires grad: its producer, or its leaf's
    ``AccumulateGrad``."""
    fn = a.grad_fn
    if fn is None:
        fn = a._accumulator
        if fn is None:
            fn = a._get_accumulator()
        return (fn, 0)
    return (fn, a._output_nr)


def _saved_input(a):
    """The saved-tensor entry of an input: the tensor and its version now. (Inline, not
    ``Tensor._ensure_vc``: this runs for nearly every recorded op.)"""
    vc = a._vc
    if vc is None:
        vc = a._vc = [0]
    return (_INPUT, a, vc, vc[0])


def _link(ctx, args):
    """Point ``ctx`` at the nodes that produced its inputs (an ``AccumulateGrad`` for a leaf),
    and remember which inputs need a gradient and their shapes and dtypes."""
    nexts = []
    needs = []
    meta = []
    for a in args:
        if isinstance(a, Tensor) and a._requires_grad:
            nexts.append(_edge(a))
            needs.append(True)
            d = a._data
            meta.append((d.shape, d.dtype))
        else:
            nexts.append(_NO_NEXT)
            needs.append(False)
            meta.append(None)
    ctx.next_functions = tuple(nexts)
    ctx.needs_input_grad = tuple(needs)
    ctx._input_meta = meta


def _record1(ctx, args, out, t):
    """``_record`` for the common case of a primitive with one output, on the shortest path
    (this runs for every recorded op)."""
    _link(ctx, args)
    ctx._output_meta = None  # one output: the engine takes its gradient as is
    if out.dtype.kind == "f":
        non_diff = ctx._non_diff
        if non_diff is None or id(out) not in non_diff:
            t._requires_grad = True
            t.grad_fn = ctx
    to_save = ctx._to_save
    if to_save:
        saved = []
        for item in to_save:
            entry = None
            if item is None:
                saved.append(None)
                continue
            for a in args:
                if isinstance(a, Tensor):
                    if a._data is item:
                        entry = _saved_input(a)
                        break
                elif a is item:
                    entry = (_CONST, a)
                    break
            if entry is None:
                if item is out:
                    vc = t._vc
                    if vc is None:
                        vc = t._vc = [0]
                    entry = (_OUTPUT, out, vc, vc[0], 0)
                else:
                    entry = _pack(item, args, [a._data if isinstance(a, Tensor) else a
                                               for a in args], (out,), (t,))
            saved.append(entry)
        ctx._saved = saved
        ctx._to_save = ()


def record_binary(ctx, x, y, out, t):
    """``_record1`` for ``x op y`` on two float tensors of one shape and dtype (the operators'
    fast path, ``numtorch._tensor_methods._operator``): the inputs' meta is the output's, and
    anything saved is an input or the output. At least one of x, y requires grad."""
    m = (out.shape, out.dtype)
    if x._requires_grad:
        if y._requires_grad:
            ctx.next_functions = (_edge(x), _edge(y))
            ctx.needs_input_grad = (True, True)
            ctx._input_meta = (m, m)
        else:
            ctx.next_functions = (_edge(x), _NO_NEXT)
            ctx.needs_input_grad = (True, False)
            ctx._input_meta = (m, None)
    else:
        ctx.next_functions = (_NO_NEXT, _edge(y))
        ctx.needs_input_grad = (False, True)
        ctx._input_meta = (None, m)
    ctx._output_meta = None
    t._requires_grad = True
    t.grad_fn = ctx
    to_save = ctx._to_save
    if to_save:
        a, b = x._data, y._data
        saved = []
        for item in to_save:
            if item is a:
                saved.append(_saved_input(x))
            elif item is b:
                saved.append(_saved_input(y))
            else:
                saved.append(_pack(item, (x, y), [a, b], (out,), (t,)))
        ctx._saved = saved
        ctx._to_save = ()


def _record(ctx, args, raw, outs, tensors):
    """Make ``ctx`` a node: link it to its inputs' nodes, resolve what it saved, mark outputs."""
    _link(ctx, args)

    non_diff = ctx._non_diff
    out_meta = []
    for i, t in enumerate(tensors):
        if t is None:
            out_meta.append(None)
            continue
        d = t._data
        out_meta.append((d.shape, d.dtype))
        if d.dtype.kind == "f" and (non_diff is None or id(outs[i]) not in non_diff):
            t._requires_grad = True
            t.grad_fn = ctx
            t._output_nr = i
    ctx._output_meta = out_meta

    to_save = ctx._to_save
    if to_save:
        if raw is None:
            raw = [a._data if isinstance(a, Tensor) else a for a in args]
        user_outs = ctx.__dict__.pop("_user_outputs", ())
        ctx._saved = [_pack(item, args, raw, outs, tensors, user_outs) for item in to_save]
        ctx._to_save = ()


_NO_NEXT = (None, 0)


def _root(arr):
    """The array owning ``arr``'s memory. (``as_strided`` views hang from a helper object whose
    own ``base`` is the array they view.)"""
    while True:
        b = arr.base
        if not isinstance(b, np.ndarray):
            b = getattr(b, "base", None)
            if not isinstance(b, np.ndarray):
                return arr
        arr = b


# id(base tensor) -> (weak reference to the base, weak references to the views made of it),
# see ``refresh_views``. (Keyed by id: tensors compare elementwise, so they are no dict keys.)
_VIEWS = {}


def _views_of(base, create=False):
    entry = _VIEWS.get(id(base))
    if entry is not None and entry[0]() is base:
        return entry[1]
    if not create:
        return None
    key = id(base)
    refs = []
    _VIEWS[key] = (weakref.ref(base, lambda _, key=key: _VIEWS.pop(key, None)), refs)
    return refs


def _mark_view(t, cls, args, kwargs, index):
    """Remember that ``t`` is a view of ``args[0]`` (it shares its memory), and how to make it
    again, so that an in-place change of ``t`` in the graph can be passed on to its base, and
    an in-place change of the base to ``t``."""
    base = args[0]
    if isinstance(base, Tensor) and _root(t._data) is _root(base._data):
        t._view_of = (base, cls, args[1:], kwargs, index)
        refs = _views_of(base, create=True)
        if len(refs) >= 32:
            refs[:] = [r for r in refs if r() is not None]
        refs.append(weakref.ref(t))


def refresh_views(base, skip=None):
    """``base`` took a new place in the graph (an in-place op changed it or one of its views):
    every live view made of it becomes a view of that new history (PyTorch regenerates a
    view's ``grad_fn`` after its base changed in place), and so, in turn, do their views."""
    refs = _views_of(base)
    if not refs:
        return
    for r in list(refs):
        v = r()
        if v is None or v is skip or v._view_of is None or v._view_of[0] is not base:
            continue
        new = _view_fn(v._view_of)(base)
        v.grad_fn = new.grad_fn
        v._output_nr = new._output_nr
        v._requires_grad = new._requires_grad
        refresh_views(v)


def _view_fn(view_of):
    _, cls, rest, kwargs, index = view_of

    def make(b):
        out = cls.apply(b, *rest, **kwargs)
        return out if index is None else out[index]

    return make




def _pack(item, args, raw, outs, tensors, user_outs=()):
    if item is None:
        return None
    for i, r in enumerate(raw):
        if item is r:
            t = args[i]
            if isinstance(t, Tensor):
                vc = t._ensure_vc()
                return (_INPUT, t, vc, vc[0])
            return (_CONST, t)
    for i, o in enumerate(outs):
        if item is o or item is tensors[i] or (user_outs and item is user_outs[i]):
            t = tensors[i]
            vc = t._ensure_vc()
            return (_OUTPUT, t._data, vc, vc[0], i)
    if isinstance(item, np.ndarray):
        return (_CONST, _wrap(item))
    if isinstance(item, Tensor):
        vc = item._ensure_vc()
        return (_INPUT, item, vc, vc[0])
    return (_CONST, item)


class Primitive(Function):
    """A numtorch op: ``forward`` works on NumPy arrays (and plain Python attributes) and
    returns arrays; ``backward`` receives tensors and returns tensors (or None)."""

    _primitive = True


def once_differentiable(backward):
    """Mark a backward that is not itself differentiable (written in raw NumPy, say): it runs
    without recording, and differentiating its result again raises, as in PyTorch."""
    import functools

    @functools.wraps(backward)
    def wrapper(ctx, *grad_outputs):
        with grad_mode.no_grad():
            return backward(ctx, *grad_outputs)

    wrapper._once_differentiable = True
    return wrapper


def _mask_mul(grad_output, factor):
    """``grad_output * factor`` (a mask, or an array of 0, 0.5 and 1), with zeros where the
    factor is 0 even where the gradient is infinite or NaN (0 * inf is NaN; PyTorch's backward
    formulas select). The product is the fast path (a selection is many times slower on a random
    mask); the selection runs only when the product holds a NaN. Differentiable: backward rules
    of the ops call it with ``create_graph=True`` too."""
    if not isinstance(factor, Tensor):
        factor = _wrap(np.asarray(factor))
    res = grad_output * factor
    d = res._data
    if d.dtype.kind == "f" and d.size and np.isnan(d.max()):
        res = res.masked_fill(_wrap(factor._data == 0), 0)
    return res


class _CopySlices(Primitive):
    """The base of a view that was changed in place: ``base`` with the view's region replaced
    by ``result``. d/d base = grad outside the region; d/d result = the view of grad."""

    node_name = "CopySlices"

    @staticmethod
    def forward(ctx, base, result, view_of, current):
        make = _view_fn(view_of)
        mask = np.zeros(base.shape, dtype=base.dtype)
        region = make(_wrap(mask))._data
        if region.size:  # (an empty region may be a read-only broadcast)
            region[...] = 1  # the view's region: writing through a view of mask
        ctx.keep = 1 - mask
        ctx.make = make
        return current

    @staticmethod
    def backward(ctx, grad_output):
        g_base = None
        if ctx.needs_input_grad[0]:
            # (zeros in the overwritten region even where the gradient is infinite)
            g_base = _mask_mul(grad_output, ctx.keep)
        g_result = ctx.make(grad_output) if ctx.needs_input_grad[1] else None
        return g_base, g_result, None, None


class _Overwrite(Primitive):
    """A tensor in the graph overwritten in place by values that are not (``fill_``, ``copy_``
    from a constant, an in-place comparison): the new values are constants, so the old ones
    get a zero gradient, as PyTorch's ``FillBackward0``."""

    node_name = "Fill"

    @staticmethod
    def forward(ctx, old, new):
        return new

    @staticmethod
    def backward(ctx, grad_output):
        # zeros, not ``grad_output * 0``: an infinite incoming gradient must not become NaN
        return _wrap(np.zeros_like(grad_output._data)), None


class _CopyOver(Primitive):
    """``copy_`` from a tensor in the graph into one that also is: the result holds ``src``'s
    values (its gradient goes to ``src``) and the old values get a zero gradient, as PyTorch's
    ``CopyBackwards``. A node of its own rather than ``src + old * 0``: an infinite old value
    must not turn the copied values into NaN."""

    node_name = "Copy"

    @staticmethod
    def forward(ctx, src, old):
        return src.copy()

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output, _wrap(np.zeros_like(grad_output._data))


def copy_over(src, old):
    """``src`` (already of ``old``'s shape and dtype) replacing ``old``'s values, with ``old``
    kept in the graph behind a zero gradient (``Tensor.copy_``)."""
    return _CopyOver.apply(src, old)


def overwrite(tensor, values):
    """``values`` (an array or a tensor outside the graph) recorded as overwriting ``tensor``'s
    history: what ``Tensor._set_from`` writes when ``tensor`` requires grad."""
    arr = values._data if isinstance(values, Tensor) else values
    return _Overwrite.apply(tensor, arr)


def adopt_saved_output(node, result, tensor):
    """``result`` (an output of ``node``) now lives in ``tensor``'s memory (an in-place op wrote
    it there): if ``node`` saved it, the saved entry follows ``tensor``'s version counter from
    now on, so a later in-place change of ``tensor`` is caught at backward, as in PyTorch."""
    saved = node._saved
    check = node.__dict__.get("_output_check")  # an output check without the output (relu)
    if (not saved and check is None) or result._vc is None:
        return
    old = result._vc
    vc = tensor._ensure_vc()
    if check is not None and check[2] is old:
        node._output_check = (_OUTPUT, check[1], vc, vc[0], check[4])
    node._saved = tuple(
        (_OUTPUT, tensor._data, vc, vc[0], e[4]) if e is not None and e[0] == _OUTPUT and
        e[2] is old else e for e in saved)
    result._vc = vc


def rebase_view(view, result):
    """After ``view`` (a view of some base tensor) was overwritten in place by ``result`` (a
    tensor in the graph), give its base — and the base's base — a graph node that routes the
    gradient of the overwritten region to ``result`` and the rest to the base's old history."""
    base = view._view_of[0]
    if base._requires_grad and base.grad_fn is None and grad_mode._state.enabled:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                           "in-place operation.")
    new = _CopySlices.apply(base, result, view._view_of, base._data)
    base._bump()
    base.grad_fn = new.grad_fn
    base._output_nr = 0
    base._requires_grad = True
    refresh_views(base, skip=view)
    if base._view_of is not None:
        rebase_view(base, new)
