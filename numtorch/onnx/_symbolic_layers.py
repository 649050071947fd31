"""ONNX nodes for the layer primitives: convolution (and transposed), pooling, the fused
normalizations and the recurrent layers (LSTM, GRU, RNN)."""

import math

import numpy as np

from numtorch.onnx._emitter import register

__all__ = []  # the functions register themselves in SYMBOLICS


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


@register("_AlongAxis")
def _along_axis(em, op):
    # a matrix along one axis (adaptive average pooling over windows that do not tile the
    # input, interpolation), as a MatMul with that axis moved last
    x, axis, m = op.args[0], int(op.args[1]), np.asarray(op.args[2])
    nd = len(x.shape)
    mt = em.const(np.ascontiguousarray(m.T).astype(x.dtype))
    if axis == nd - 1:
        return [em.node("MatMul", [em.name(x), mt])]
    perm = list(range(nd))
    perm[axis], perm[-1] = perm[-1], perm[axis]
    moved = em.node("Transpose", [em.name(x)], perm=perm)
    return [em.node("Transpose", [em.node("MatMul", [moved, mt])], perm=perm)]


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
