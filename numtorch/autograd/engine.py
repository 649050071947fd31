"""The backward engine: reverse-mode automatic differentiation over the recorded graph.

The algorithm, in four lines:
1. Seed: each root's grad_fn receives its gradient (``ones`` for a scalar root).
2. Order: a depth-first walk over ``next_functions`` lists the nodes producers-first; reversed,
   every node comes after all nodes that use its outputs.
3. Walk: each node gets the sum of the gradients sent to its outputs, runs its ``backward``, and
   sends one gradient per input to the node that produced that input.
4. Leaves: ``AccumulateGrad`` adds into ``.grad``; saved tensors are freed unless retain_graph.

A backward rule may return a gradient shaped like its broadcast output; the engine reduces it to
the input's shape (``sum_to_shape``) and casts it to the input's dtype, so rules stay pure math.
"""

import weakref

import numpy as np

from numtorch import _layout
from numtorch.autograd import function as _function
from numtorch.autograd import grad_mode
from numtorch.autograd._sum_to_shape import sum_to_shape
from numtorch.autograd.function import Node, Primitive

__all__ = ["AccumulateGrad", "run_backward", "detect_anomaly", "set_detect_anomaly",
           "is_anomaly_enabled", "backward", "grad"]


class AccumulateGrad(Node):
    """The node of a leaf tensor that requires grad: adds the incoming gradient into ``.grad``."""

    def __init__(self, tensor):
        self._variable = weakref.ref(tensor)
        self.next_functions = ()
        self._post_acc_hooks = None

    @property
    def variable(self):
        return self._variable()

    def name(self):
        return "torch::autograd::AccumulateGrad"

    def __repr__(self):
        return f"<AccumulateGrad object at {hex(id(self))}>"


_anomaly = [False]


def is_anomaly_enabled():
    return _anomaly[0]


class set_detect_anomaly:
    """``set_detect_anomaly(True)``: after every backward rule, check its gradients for NaN and
    raise naming the node that produced them. Works as a call and as a context manager."""

    def __init__(self, mode, check_nan=True):
        self._prev = _anomaly[0]
        _anomaly[0] = bool(mode) and check_nan

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _anomaly[0] = self._prev
        return False


class detect_anomaly(set_detect_anomaly):
    """Context manager (and decorator) enabling anomaly detection inside it."""

    def __init__(self, check_nan=True):
        self._check_nan = check_nan
        self._prev = _anomaly[0]

    def __enter__(self):
        self._prev = _anomaly[0]
        _anomaly[0] = self._check_nan
        return self

    def __call__(self, fn):
        def wrapper(*args, **kwargs):
            with detect_anomaly(self._check_nan):
                return fn(*args, **kwargs)
        return wrapper


class _DelayedError(Primitive):
    """Stands for the gradient of a once-differentiable backward: differentiating it raises."""

    node_name = "DelayedError"

    @staticmethod
    def forward(ctx, g, *grad_outputs):
        return g

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError("trying to differentiate twice a function that was marked with "
                           "@once_differentiable")


def _shape_str(shape):
    return f"[{', '.join(map(str, shape))}]"


def _order(roots):
    """Nodes reachable from ``roots``, each after every node it points to (post-order)."""
    post = []
    seen = set()
    for root in roots:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(root.next_functions))]
        while stack:
            node, children = stack[-1]
            for child, _ in children:
                if child is not None and child not in seen:
                    seen.add(child)
                    stack.append((child, iter(child.next_functions)))
                    break
            else:
                stack.pop()
                post.append(node)
    return post


def _validate(node, i, g, meta):
    """Reduce a broadcast gradient to the input's shape and cast it to the input's dtype."""
    if not isinstance(g, _function.Tensor):
        g = _function._wrap(np.asarray(g))
    shape, dt = meta
    if g._data.shape != shape:
        try:
            g = sum_to_shape(g, shape)
        except RuntimeError:
            raise RuntimeError(
                f"Function {node.name()} returned an invalid gradient at index {i} - got "
                f"{_shape_str(g.shape)} but expected shape compatible with {_shape_str(shape)}"
            ) from None
    if g._data.dtype != dt:
        g = g.to(_dtype_of(dt))
    return g


def _dtype_of(np_dt):
    from numtorch._dtype import from_numpy_dtype

    return from_numpy_dtype(np_dt)


def _root_of(arr):
    while arr.base is not None and isinstance(arr.base, np.ndarray):
        arr = arr.base
    return id(arr)


def run_backward(roots, grad_roots, retain_graph=False, create_graph=False, inputs=None,
                 allow_unused=False, accumulate=True):
    """Backpropagate from ``roots``. With ``accumulate`` (``Tensor.backward``), gradients of
    leaves go into ``.grad`` (only of ``inputs`` when given); otherwise (``autograd.grad``) the
    gradients reaching ``inputs`` are returned, in order, and no ``.grad`` is touched."""
    Tensor = _function.Tensor
    _wrap = _function._wrap

    buffers = {}
    root_nodes = []
    owned_ids = set()  # arrays handed to a .grad, or given by the caller: must not alias
    for i, (t, g) in enumerate(zip(roots, grad_roots)):
        if not t._requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if t._data.size != 1:
                raise RuntimeError(f"grad can be implicitly created only for scalar outputs "
                                   f"(got an output of shape {list(t._data.shape)})")
            if t._data.dtype.kind != "f":
                raise RuntimeError("grad can be implicitly created only for real scalar outputs"
                                   f" but got {_dtype_of(t._data.dtype)}")
            g = _wrap(np.ones(t._data.shape, dtype=t._data.dtype))
        else:
            if not isinstance(g, Tensor):
                g = _wrap(np.asarray(g, dtype=t._data.dtype))
            if g._data.shape != t._data.shape:
                from numtorch._tensor import Size

                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of {Size(g.shape)} and "
                    f"output[{i}] has a shape of {Size(t.shape)}.")
            owned_ids.add(_root_of(g._data))
        node = t.grad_fn
        nr = t._output_nr
        if node is None:
            node, nr = t._get_accumulator(), 0
        buf = buffers.setdefault(node, {})
        buf[nr] = buf[nr] + g if nr in buf else g
        root_nodes.append(node)

    post = _order(root_nodes)

    # Where autograd.grad captures gradients, and which nodes lead there (the rest is pruned).
    capture = None
    needed = None
    if inputs is not None:
        capture = {}
        for k, x in enumerate(inputs):
            if x.grad_fn is None:
                if not x._requires_grad:
                    raise RuntimeError(
                        "One of the differentiated Tensors does not require grad")
                key = (x._get_accumulator(), 0)
            else:
                key = (x.grad_fn, x._output_nr)
            capture.setdefault(key, []).append(k)
        targets = {node for node, _ in capture}
        needed = set()
        for node in post:
            if node in targets or any(c in needed for c, _ in node.next_functions
                                      if c is not None):
                needed.add(node)
    results = [None] * len(inputs) if inputs is not None else None

    anomaly = _anomaly[0]
    prev_mode = grad_mode._state.enabled
    grad_mode._state.enabled = create_graph
    try:
        for node in reversed(post):
            buf = buffers.pop(node, None)
            if buf is None:
                continue
            if needed is not None and node not in needed:
                continue
            is_acc = type(node) is AccumulateGrad
            if is_acc or node._output_meta is None:
                grads = [buf.get(0)]
            else:
                grads = []
                for nr, meta in enumerate(node._output_meta):
                    g = buf.get(nr)
                    if g is None and meta is not None:
                        g = _wrap(np.zeros(meta[0], dtype=meta[1]))
                    grads.append(g)

            # Tensor hooks, then retain_grad, on each output's gradient.
            if node._tensor_hooks:
                for nr, hooks in node._tensor_hooks.items():
                    for hook in list(hooks):
                        new = hook(grads[nr])
                        if new is not None:
                            grads[nr] = new
            if node._retain:
                for nr, ref in node._retain.items():
                    t = ref()
                    if t is not None and grads[nr] is not None:
                        g = grads[nr]
                        if not create_graph:
                            # Its own memory, like a leaf's .grad: the same array may flow on
                            # to a leaf (Add hands one array to both inputs).
                            root = _root_of(g._data)
                            g = _wrap(g._data.copy() if root in owned_ids else g._data)
                            owned_ids.add(_root_of(g._data))
                        t.grad = g if t.grad is None else t.grad + g
            if node._pre_hooks:
                for hook in node._pre_hooks:
                    new = hook(tuple(grads))
                    if new is not None:
                        grads = list(new)

            if capture is not None:
                for nr in range(len(grads)):
                    for k in capture.get((node, nr), ()):
                        results[k] = grads[nr]

            if is_acc:
                if accumulate:
                    _accumulate(node, grads[0], create_graph, owned_ids)
                continue

            backward = type(node).backward
            grads_in = backward(node, *grads)
            if not isinstance(grads_in, tuple):
                grads_in = (grads_in,)
            nexts = node.next_functions
            if len(grads_in) != len(nexts):
                if len(grads_in) > len(nexts) and all(g is None for g in grads_in[len(nexts):]):
                    grads_in = grads_in[:len(nexts)]
                else:
                    raise RuntimeError(
                        f"function {node.name()} returned an incorrect number of gradients "
                        f"(expected {len(nexts)}, got {len(grads_in)})")
            grads_in = list(grads_in)
            if create_graph and getattr(backward, "_once_differentiable", False):
                grads_in = [None if g is None else _DelayedError.apply(_wrap(_as_array(g)), *grads)
                            for g in grads_in]
            if node._post_hooks:
                for hook in node._post_hooks:
                    new = hook(tuple(grads_in), tuple(grads))
                    if new is not None:
                        grads_in = list(new)
            meta = node._input_meta
            for i, ((nxt, nr), g) in enumerate(zip(nexts, grads_in)):
                if nxt is None or g is None:
                    continue
                m = meta[i]
                # The common case, a gradient already shaped and typed like its input, is
                # checked inline; _validate reduces broadcast gradients and casts.
                if type(g) is not Tensor or g._data.shape != m[0] or g._data.dtype != m[1]:
                    g = _validate(node, i, g, m)
                if anomaly and g._data.dtype.kind == "f" and np.isnan(g._data).any():
                    raise RuntimeError(
                        f"Function '{node.name()}' returned nan values in its {i}th output.")
                if needed is not None and nxt not in needed:
                    continue
                nbuf = buffers.get(nxt)
                if nbuf is None:
                    buffers[nxt] = {nr: g}
                elif nr in nbuf:
                    nbuf[nr] = nbuf[nr] + g
                else:
                    nbuf[nr] = g
            if not retain_graph:
                node._release()
    finally:
        grad_mode._state.enabled = prev_mode

    if results is not None:
        for k, r in enumerate(results):
            if r is None and not allow_unused:
                raise RuntimeError(
                    "One of the differentiated Tensors appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior.")
            if r is not None and not create_graph:
                results[k] = r.detach()
    return results


def _as_array(g):
    return g._data if hasattr(g, "_data") else np.asarray(g)


def _accumulate(node, g, create_graph, owned_ids):
    """Add ``g`` into the leaf's ``.grad``: in place when possible, never aliasing another
    tensor's memory (a pass-through backward such as Add's hands one array to two inputs)."""
    leaf = node._variable()
    if leaf is None or g is None:
        return
    if create_graph:
        leaf.grad = g if leaf.grad is None else leaf.grad + g
    elif leaf.grad is None:
        arr = _layout.grad_like(g._data, leaf._data)
        root = _root_of(arr)
        if root in owned_ids or not arr.flags.writeable:
            arr = arr.copy()
            root = id(arr)
        owned_ids.add(root)
        leaf.grad = _function._wrap(arr)
    elif leaf.grad.grad_fn is not None:
        leaf.grad = leaf.grad.detach() + g.detach()
    else:
        np.add(leaf.grad._data, g._data, out=leaf.grad._data)
        leaf.grad._bump()
    if node._post_acc_hooks:
        for hook in node._post_acc_hooks:
            hook(leaf)


# ====================================================================== the public entry points
# ``numtorch.autograd.backward`` and ``numtorch.autograd.grad``: the engine run on tensors
# given as one tensor or a sequence.
def _seq(x):
    from numtorch._tensor import Tensor

    if x is None:
        return None
    return [x] if isinstance(x, Tensor) else list(x)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate gradients of ``tensors`` (weighted by ``grad_tensors``) into leaves' ``.grad``."""
    tensors = _seq(tensors)
    grads = _seq(grad_tensors) or [None] * len(tensors)
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        inputs = _seq(inputs)
        res = run_backward(tensors, grads, retain_graph, create_graph, inputs=inputs,
                           allow_unused=True, accumulate=False)
        for x, g in zip(inputs, res):
            if g is not None:
                x.grad = g if x.grad is None else x.grad + g
        return
    run_backward(tensors, grads, retain_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of ``outputs`` w.r.t. ``inputs`` (a tuple, one per input), without touching
    ``.grad``. With ``create_graph=True`` they are themselves differentiable."""
    outputs = _seq(outputs)
    inputs = _seq(inputs)
    grads = _seq(grad_outputs) or [None] * len(outputs)
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    res = run_backward(outputs, grads, retain_graph, create_graph, inputs=inputs,
                       allow_unused=allow_unused, accumulate=False)
    if materialize_grads:  # zeros in each input's dtype and layout (``zeros_like``)
        res = [_function._wrap(np.zeros_like(x._data)) if g is None else g
               for x, g in zip(inputs, res)]
    return tuple(res)
