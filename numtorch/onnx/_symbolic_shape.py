"""ONNX nodes for the shape primitives: reshape, permute, expand, cat/stack/split/unbind, pad
and indexing (``GetItem``)."""

import numpy as np

from numtorch.onnx._emitter import _INT64_MAX, _x, register
from numtorch.onnx._trace import Value

__all__ = []  # the functions register themselves in SYMBOLICS


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
