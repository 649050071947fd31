"""Normalization: batch, instance, layer, group and RMS norm, local response norm.

One fused primitive serves batch, instance, layer and group norm: it normalizes ``x`` over a set
of *statistics axes* and applies an optional affine ``weight``/``bias`` (already shaped to
broadcast against ``x``):

    x_hat = (x - mean) * inv_std,   inv_std = 1 / sqrt(var + eps)   (biased var)
    y     = x_hat * weight + bias

Fusing pays twice: forward keeps only ``x - mean`` and ``inv_std`` (no chain of intermediates;
x_hat is their product), and backward is one closed form instead of a dozen elementwise nodes.
With ``g = dL/dy * weight`` and ``n`` the number of values per statistic:

    dx      = inv_std / n * (n * g - sum(g) - x_hat * sum(g * x_hat))
    dweight = sum(dL/dy * x_hat),   dbias = sum(dL/dy)

Eval-mode batch norm (running statistics) and RMS norm are composites of tensor ops.

The file runs to about 690 lines because batch norm's fast paths (one-pass statistics,
blocked per-channel affine maps, the eval-mode affine) sit next to the general primitive whose
results they must reproduce exactly.
"""

import numpy as np

from numtorch._tensor import Size, _wrap
from numtorch.autograd import function, grad_mode
from numtorch.autograd.function import Primitive
from numtorch.ops import _scalars
from numtorch.ops._reduce_dims import _scalar_name

__all__ = ["batch_norm", "layer_norm", "group_norm", "instance_norm", "rms_norm"]

FUNCTIONAL = ["batch_norm", "layer_norm", "group_norm", "instance_norm", "rms_norm",
              "local_response_norm"]


# ====================================================================== the fused primitive
class _NativeNorm(Primitive):
    """Normalize over ``axes`` and apply ``weight``/``bias``; optionally update running stats.

    ``running_mean``/``running_var`` (arrays of ``C`` values, or None) are updated in place in
    forward, like PyTorch's kernel: ``r = (1 - momentum) * r + momentum * batch_stat`` with the
    *unbiased* variance; per-sample statistics (instance norm) are averaged over the batch first.

    Backward: when no graph is recorded (the usual ``loss.backward()``) it runs the closed form
    in NumPy from the saved centered input and ``inv_std``. Under ``create_graph=True`` it
    recomputes ``x_hat`` and ``inv_std`` from ``x`` with numtorch ops and evaluates the same
    closed form with them, so the gradient is itself differentiable (double backward is supported).
    """

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, axes, eps, momentum):
        n = 1
        for a in axes:
            n *= x.shape[a]
        mean = _stat_sum(x, axes) / n
        xc = x - mean  # saved instead of x_hat: x_hat = xc * inv_std costs a pass over x
        var = _stat_dot(xc, xc, axes) / n
        inv_std = 1.0 / np.sqrt(var + eps)
        if weight is not None and _factored(weight.shape, axes, x.ndim):
            y = xc * (inv_std * weight)
        else:
            y = xc * inv_std
            if weight is not None:
                y *= weight
        if bias is not None:
            y += bias
        if running_mean is not None:
            _update_running(running_mean, running_var, mean, var, n, momentum)
        ctx.axes = axes
        ctx.eps = eps
        ctx.n = n
        ctx.bias_shape = None if bias is None else bias.shape
        ctx.save_for_backward(x, weight, xc, inv_std)
        return y

    @staticmethod
    def backward(ctx, grad_output):
        x, weight, xc, inv_std = ctx.saved_tensors
        need = ctx.needs_input_grad[:3]
        if grad_mode.is_grad_enabled():
            grads = _norm_backward_graph(grad_output, x, weight, ctx.axes, ctx.n, ctx.eps, *need)
        else:
            grads = _norm_backward_numpy(grad_output._data, weight, ctx.bias_shape, xc._data,
                                         inv_std._data, ctx.axes, ctx.n, *need)
        return grads + (None, None)


def _update_running(running_mean, running_var, mean, var, n, momentum):
    """``r = (1 - momentum) * r + momentum * batch_stat`` in place, with the unbiased variance;
    per-sample statistics (instance norm) are averaged over the batch first."""
    c = running_mean.size
    batch_mean = mean.reshape(-1, c).mean(axis=0)
    unbiased = var.reshape(-1, c).mean(axis=0) * (n / max(n - 1, 1))
    running_mean *= 1.0 - momentum
    running_mean += momentum * batch_mean.astype(running_mean.dtype)
    running_var *= 1.0 - momentum
    running_var += momentum * unbiased.astype(running_var.dtype)


def _rows_view(a, axes):
    """``a`` as an (M, C) matrix of rows when it is reduced over every axis but one and that
    axis is innermost in memory with the rest contiguous (a convolution's channels-last output
    under batch norm); else None. Free: a view."""
    if len(axes) != a.ndim - 1:
        return None
    keep = next(d for d in range(a.ndim) if d not in axes)
    m = np.moveaxis(a, keep, -1)
    return m.reshape(-1, m.shape[-1]) if m.flags.c_contiguous else None


def _planes_view(a, axes):
    """``a`` (N, C, *S) as an (N, C, L) array of channel planes when it is reduced over every
    axis but the channel axis 1 and is C-contiguous (batch norm on NCHW); else None."""
    if a.ndim < 3 or tuple(axes) != (0,) + tuple(range(2, a.ndim)) or not a.flags.c_contiguous:
        return None
    return a.reshape(a.shape[0], a.shape[1], -1)


def _stat_shape(a, axes):
    return tuple(1 if d in axes else s for d, s in enumerate(a.shape))


def _stat_sum(a, axes):
    """sum(a) over ``axes`` (keepdims). On an (M, C) rows view it is one matrix-vector product,
    on (N, C, L) planes one per sample: NumPy's own reductions over these axes are several
    times slower."""
    rows = _rows_view(a, axes)
    if rows is not None:
        return (np.ones(rows.shape[0], dtype=a.dtype) @ rows).reshape(_stat_shape(a, axes))
    planes = _planes_view(a, axes)
    if planes is not None:  # one matrix-vector product per sample, then the sum over samples
        ones = np.ones(planes.shape[2], dtype=a.dtype)
        return (planes @ ones).sum(0).reshape(_stat_shape(a, axes))
    return np.sum(a, axis=axes, keepdims=True)


def _stat_dot(a, b, axes):
    """sum(a * b) over ``axes`` (keepdims), without the full-size product on rows views."""
    ra, rb = _rows_view(a, axes), _rows_view(b, axes)
    if ra is not None and rb is not None:
        return np.einsum("ij,ij->j", ra, rb).reshape(_stat_shape(a, axes))
    pa, pb = _planes_view(a, axes), _planes_view(b, axes)
    if pa is not None and pb is not None:  # dot products along each plane, summed over samples
        return np.einsum("ncl,ncl->c", pa, pb).reshape(_stat_shape(a, axes))
    return np.sum(a * b, axis=axes, keepdims=True)


def _const_axes(param_shape, x_ndim):
    """Axes of ``x`` over which a broadcast parameter of ``param_shape`` is constant."""
    lead = x_ndim - len(param_shape)
    return tuple(a for a in range(x_ndim) if a < lead or param_shape[a - lead] == 1)


def _reduce_to(arr, param_shape):
    """Sum a full-size gradient to a broadcast parameter's shape."""
    out = np.sum(arr, axis=_const_axes(param_shape, arr.ndim), keepdims=True)
    return _wrap(out.reshape(param_shape))


def _factored(param_shape, axes, ndim):
    """Whether a broadcast parameter is constant over the statistic axes (batch and instance
    norm; not layer or group norm's elementwise affine)."""
    return set(axes) <= set(_const_axes(param_shape, ndim))


def _norm_backward_numpy(g, weight, bias_shape, xc, inv_std, axes, n, need_x, need_w,
                         need_b):
    """The closed form in NumPy, from the saved centered input ``xc`` (x_hat = xc * inv_std)
    and ``inv_std``; inv_std is constant over the statistic axes, so sums of products with
    x_hat are inv_std times the sums with xc."""
    w = None if weight is None else weight._data
    gx = gw = gb = None
    # Where the weight is constant over the statistic axes (batch and instance norm),
    # sum(g * w * x_hat) = w * sum(g * x_hat): the weight's sums serve dx too.
    factored = w is None or _factored(w.shape, axes, g.ndim)
    gxh = _stat_dot(g, xc, axes) * inv_std if factored and (need_x or need_w) else None
    if need_w:
        if gxh is not None and _const_axes(w.shape, g.ndim) == tuple(axes):
            gw = _wrap(gxh.reshape(w.shape))
        else:
            gw = _reduce_to(g * (xc * inv_std), w.shape)
    sg = _stat_sum(g, axes) if factored and need_x else None
    if need_b:
        if _const_axes(bias_shape, g.ndim) == tuple(axes):
            gb = _wrap((_stat_sum(g, axes) if sg is None else sg).reshape(bias_shape))
        else:
            gb = _reduce_to(g, bias_shape)
    if need_x:
        if factored:
            scale = inv_std if w is None else inv_std * w
            # dx = w * inv_std * (g - mean(g) - x_hat * mean(g * x_hat))
            gx = xc * (inv_std * gxh / n)
            np.subtract(g, gx, out=gx)
            gx -= sg / n
            gx *= scale
        else:
            gg = g * w
            sg = _stat_sum(gg, axes)
            sgx = _stat_dot(gg, xc, axes) * inv_std
            gx = xc * (inv_std * sgx / n)
            np.subtract(gg, gx, out=gx)
            gx -= sg / n
            gx *= inv_std
        gx = _wrap(gx)
    return gx, gw, gb


def _norm_backward_graph(g, x, weight, axes, n, eps, need_x, need_w, need_b):
    """The same closed form with numtorch ops on ``x`` (recorded: double backward)."""
    mean = x.mean(axes, keepdim=True)
    xc = x - mean
    var = (xc * xc).mean(axes, keepdim=True)
    inv_std = (var + eps).rsqrt()
    x_hat = xc * inv_std
    gx = gw = gb = None
    if need_w:
        gw = g * x_hat  # reduced to the weight's shape by the engine
    if need_b:
        gb = g
    if need_x:
        gg = g if weight is None else g * weight
        sg = gg.sum(axes, keepdim=True)
        sgx = (gg * x_hat).sum(axes, keepdim=True)
        gx = (gg - sg / n - x_hat * (sgx / n)) * inv_std
    return gx, gw, gb


class NativeBatchNorm(_NativeNorm):
    """Batch norm with the batch statistics (training mode); see ``_NativeNorm``.

    On a C-contiguous float32/float64 ``(N, C, *)`` input (every convolution's output) it
    takes a path with fewer passes over the activation than the generic one, and saves only
    ``x`` (not also ``x - mean``, one activation-sized array less kept until backward):

    - one-pass statistics: ``mean = sum(x) / n`` and ``var = sum(x^2) / n - mean^2``, the two
      sums as one matrix-vector product per sample and one ``einsum`` over the same planes;
    - the output as one affine map per channel, ``y = x * scale + shift`` with
      ``scale = weight * inv_std`` and ``shift = bias - mean * scale``;
    - backward: ``sum(g)`` and ``sum(g * x)``, then ``sum(g * x_hat) = inv_std * (sum(g * x) -
      mean * sum(g))`` and ``dx = a * g + b * x + c`` with per-channel ``a, b, c``;
    - the elementwise maps in cache-sized blocks of samples on large inputs, so the second
      NumPy call of each block reads what the first one just wrote from cache.

    NOTE: the one-pass sums cancel when a channel's mean is large against its standard
    deviation: the float32 error of ``var`` grows like ``eps * (1 + mean^2 / var)``. Channels
    with ``mean^2 > var`` (common after ReLU and a convolution: up to half of them, with
    ratios up to about 15) get their variance again from a centered copy of those channels
    alone. Past a ratio of ``_CENTER_ALL_FROM`` in any channel the whole input is centered first
    (``x - mean``, the two-pass statistics and the centered backward, with the rounding error of
    ``mean`` folded into the shift), which keeps float32 accuracy for any mean.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, axes, eps, momentum):
        ctx.fast = x.dtype in _FAST_DTYPES and x.size > 0 and _planes_view(x, axes) is not None
        if not ctx.fast:
            return _NativeNorm.forward(ctx, x, weight, bias, running_mean, running_var, axes,
                                       eps, momentum)
        n = x.size // x.shape[1]
        mean = _stat_sum(x, axes) / n  # (1, C, 1, ...)
        sq = _plane_dot(x, x).reshape(mean.shape) / n
        var = sq - mean * mean
        sq_mean = mean * mean  # mean^2 / var is the one-pass sums' loss of accuracy
        centered = bool(np.any(sq_mean > _CENTER_ALL_FROM * var))
        xc = mean_lo = None
        bad = (sq_mean > var).reshape(-1)
        if not centered and bad.any():
            _correct_variance(x, mean, var, bad, axes, n)
        if centered:  # two-pass statistics (see the NOTE above)
            xc = x - mean
            # The rounding error of ``mean`` itself, as the mean of ``xc``: subtracted through
            # the shift below, it keeps x_hat exact to float32 rounding however large the mean.
            mean_lo = _stat_sum(xc, axes) / n
            var = _plane_dot(xc, xc).reshape(mean.shape) / n - mean_lo * mean_lo
        inv_std = 1.0 / np.sqrt(var + eps)
        scale = inv_std if weight is None else inv_std * weight
        shift = np.zeros_like(mean) if bias is None else np.broadcast_to(bias, mean.shape)
        if centered:
            y = _affine(xc, scale, shift - mean_lo * scale)
            del xc
        else:
            y = _affine(x, scale, shift - mean * scale)
        if running_mean is not None:
            full_mean = mean if mean_lo is None else mean.astype(np.float64) + mean_lo
            _update_running(running_mean, running_var, full_mean, var, n, momentum)
        ctx.axes = axes
        ctx.eps = eps
        ctx.n = n
        ctx.centered = centered
        ctx.mean_lo = mean_lo
        ctx.bias_shape = None if bias is None else bias.shape
        ctx.save_for_backward(x, weight, mean, inv_std)
        return y

    @staticmethod
    def backward(ctx, grad_output):
        if not ctx.fast:
            return _NativeNorm.backward(ctx, grad_output)
        x, weight, mean, inv_std = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        if grad_mode.is_grad_enabled():
            grads = _norm_backward_graph(grad_output, x, weight, ctx.axes, ctx.n, ctx.eps,
                                         need_x, need_w, need_b)
            return grads + (None, None)
        g, x, mean, inv_std = grad_output._data, x._data, mean._data, inv_std._data
        axes, n = ctx.axes, ctx.n
        xc = x - mean if ctx.centered else None  # the forward's xc; its own mean is mean_lo
        sg = _stat_sum(g, axes)  # sum(g), (1, C, 1, ...)
        if xc is None:
            sgxh = (_plane_dot(g, x).reshape(sg.shape) - mean * sg) * inv_std  # sum(g * x_hat)
        else:
            sgxh = (_plane_dot(g, xc).reshape(sg.shape) - ctx.mean_lo * sg) * inv_std
        gx = gw = gb = None
        if need_w:
            gw = _wrap(sgxh.reshape(weight.shape))
        if need_b:
            gb = _wrap(sg.reshape(ctx.bias_shape))
        if need_x:
            # dx = scale * (g - sum(g) / n - x_hat * sum(g * x_hat) / n)
            #    = a * g + b * (x - mean) + c'  =  a * g + b * x + c
            a = inv_std if weight is None else inv_std * weight._data
            b = -a * inv_std * sgxh / n
            c = -a * sg / n
            if xc is None:
                gx = _affine(x, b, c - b * mean, g, a)
            else:
                gx = _affine(xc, b, c - b * ctx.mean_lo, g, a)
            gx = _wrap(gx)
        return gx, gw, gb, None, None


def _correct_variance(x, mean, var, bad, axes, n):
    """The two-pass variance, in place in ``var``, of the channels flagged in ``bad``: those
    channels of ``x`` are gathered and centered (a copy of only those)."""
    idx = np.flatnonzero(bad)
    ones = (1,) * (x.ndim - 2)
    xb = x[:, idx]  # (N, k, *), a copy
    xb -= mean.reshape(-1)[idx].reshape((1, -1) + ones)
    lo = _stat_sum(xb, axes).reshape(-1) / n  # the rounding error of those channels' means
    flat = var.reshape(-1)  # a view: var is a fresh contiguous array
    flat[idx] = _plane_dot(xb, xb) / n - lo * lo
    mean.reshape(-1)[idx] += lo


# The dtypes of NativeBatchNorm's fast path (float16 sums would overflow and lose digits).
_FAST_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
# Past this mean^2 / var in any channel, the input is centered first: x * scale + shift and
# the backward's sum(g * x) - mean * sum(g) lose log2(sqrt(ratio)) bits to cancellation.
_CENTER_ALL_FROM = 64.0
_BLOCK = 1 << 16  # values per block of ``_affine``: input and output blocks stay in L2 cache
_BLOCKED_FROM = 1 << 20  # blocks pay for their extra NumPy calls from about this size on


def _plane_dot(a, b):
    """sum(a * b) per channel of two C-contiguous ``(N, C, *)`` arrays, as ``(C,)``. Small
    planes (under 128 values) are summed down the ``(N, C*L)`` rows first: an ``einsum`` along
    planes that short spends its time in the inner loop's start-up."""
    n, c = a.shape[:2]
    size = a[0, 0].size
    if size < 128:
        return np.einsum("nk,nk->k", a.reshape(n, -1), b.reshape(n, -1)).reshape(c, size).sum(1)
    return np.einsum("ncl,ncl->c", a.reshape(n, c, size), b.reshape(n, c, size))


def _affine(x, scale, shift, g=None, a=None):
    """``x * scale + shift`` (``+ g * a`` when ``g`` is given) into a new array, for
    C-contiguous ``(N, C, *)`` arrays and per-channel ``scale``/``shift``/``a`` (C values each).

    The coefficients are repeated over each channel's plane and ``x`` is taken as ``(N, C*L)``
    rows: NumPy's broadcast of a ``(C, 1, 1)`` factor runs its inner loop once per plane
    (1.6-2.4x slower than along whole rows). Large inputs go in cache-sized blocks of samples."""
    n = len(x)
    rows = x.reshape(n, -1)  # (N, C*L)
    size = x[0, 0].size

    def plane(coef):
        return np.repeat(np.ravel(coef), size)  # (C*L,)

    scale, shift = plane(scale), plane(shift)
    if g is not None:
        g, a = g.reshape(n, -1), plane(a)
    out = np.empty_like(rows)
    step = n if x.size < _BLOCKED_FROM else max(1, _BLOCK // rows.shape[1])
    for i in range(0, n, step):
        o = out[i:i + step]
        np.multiply(rows[i:i + step], scale, out=o)
        o += shift
        if g is not None:
            o += g[i:i + step] * a
    return out.reshape(x.shape)


class NativeLayerNorm(_NativeNorm):
    """Layer norm; see ``_NativeNorm``."""


class NativeGroupNorm(_NativeNorm):
    """Group (and instance) norm; see ``_NativeNorm``."""


# ====================================================================== helpers
def _check_float(x, name):
    if x._data.dtype.kind != "f":
        raise NotImplementedError(f"\"{name}\" not implemented for '{_scalar_name(x._data)}'")


def _param_view(p, shape):
    """A parameter of C values viewed to broadcast against the input (differentiable)."""
    if p is None:
        return None
    return p.reshape(shape) if tuple(p.shape) != tuple(shape) else p


def _bump(*tensors):
    for t in tensors:
        if t is not None:
            t._bump()


def _shape_list(shape):
    return f"[{', '.join(map(str, shape))}]"


# ====================================================================== batch norm
def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-05, cudnn_enabled=None):
    """Batch normalization over the channel dimension 1 of an ``(N, C, *)`` input.

    ``training=True`` normalizes with the batch statistics (biased variance) and, when running
    buffers are given, updates them in place with ``momentum`` and the unbiased variance.
    ``training=False`` uses ``running_mean``/``running_var``.

    Also serves as ``numtorch.batch_norm``: with a ninth argument ``cudnn_enabled`` the
    arguments are read in that function's order ``(input, weight, bias, running_mean,
    running_var, training, momentum, eps, cudnn_enabled)``.
    """
    if cudnn_enabled is not None:
        weight, bias, running_mean, running_var = running_mean, running_var, weight, bias
    if training:
        _verify_batch_size(input.shape)
    x = input
    _check_float(x, "batch_norm")
    c = x._data.shape[1] if x._data.ndim > 1 else 1
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and t._data.size != c:
            raise RuntimeError(f"{name} should contain {c} elements not {t._data.size}")
    shape = (c,) + (1,) * (x._data.ndim - 2)
    if not training:
        if running_mean is None or running_var is None:
            raise RuntimeError("running_mean must be defined in evaluation mode")
        # Eval mode is an affine map per channel: y = x * scale + shift.
        if _affine_applies(x, weight, bias):
            return _eval_affine(x, running_mean, running_var, weight, bias, eps)
        inv_std = (running_var.detach() + eps).rsqrt()
        scale = inv_std if weight is None else weight * inv_std
        shift = -running_mean.detach() * scale
        if bias is not None:
            shift = shift + bias
        return x * scale.reshape(shape) + shift.reshape(shape)
    axes = (0,) + tuple(range(2, x._data.ndim))
    mom = 0.0 if momentum is None else float(momentum)
    out = NativeBatchNorm.apply(x, _param_view(weight, shape), _param_view(bias, shape),
                                running_mean, running_var, axes=axes, eps=float(eps),
                                momentum=mom)
    _bump(running_mean, running_var)
    return out


def _affine_applies(x, weight, bias):
    """Whether eval-mode batch norm can run as one NumPy ``_affine``: nothing to record
    (inference, and no ONNX / TensorBoard trace, which sees only ops), and a C-contiguous
    float32/float64 input of at least two dimensions."""
    if grad_mode.is_grad_enabled() and any(t is not None and t.requires_grad
                                           for t in (x, weight, bias)):
        return False
    if function.tracing:
        return False
    a = x._data
    return a.dtype in _FAST_DTYPES and a.ndim >= 2 and a.size > 0 and a.flags.c_contiguous


def _eval_affine(x, running_mean, running_var, weight, bias, eps):
    """``x * scale + shift`` with ``scale = weight / sqrt(running_var + eps)`` and ``shift =
    bias - running_mean * scale``, computed per channel and applied along whole rows: 2-3x
    faster than the same map as broadcast tensor ops, which run their inner loop per plane."""
    dtype = x._data.dtype
    inv_std = 1.0 / np.sqrt(running_var._data.astype(dtype) + dtype.type(eps))
    scale = inv_std if weight is None else inv_std * weight._data
    shift = -running_mean._data.astype(dtype) * scale
    if bias is not None:
        shift += bias._data
    data = x._data
    if data.ndim == 2:  # (N, C): the coefficients broadcast along the rows as they are
        return _wrap(data * scale + shift)
    return _wrap(_affine(data, scale.astype(dtype), shift.astype(dtype)))


def _verify_batch_size(size):
    n = size[0] if len(size) else 1
    for s in size[2:]:
        n *= s
    if n == 1:
        raise ValueError("Expected more than 1 value per channel when training, got input size "
                         f"{Size(size)}")


# ====================================================================== instance norm
def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-05, cudnn_enabled=None):
    """Normalize each channel of each sample over its spatial dims ``(N, C, *)``.

    With ``use_input_stats`` the per-(sample, channel) statistics are used and running buffers,
    when given, are updated with their mean over the batch; otherwise the running statistics
    normalize. With a ninth argument ``cudnn_enabled`` the arguments are read in
    ``numtorch.instance_norm``'s order ``(input, weight, bias, running_mean, running_var, ...)``.
    """
    if cudnn_enabled is not None:
        weight, bias, running_mean, running_var = running_mean, running_var, weight, bias
    x = input
    _check_float(x, "instance_norm")
    if use_input_stats:
        size = x.shape
        n = 1
        for s in size[2:]:
            n *= s
        if n == 1:
            raise ValueError("Expected more than 1 spatial element when training, got input "
                             f"size {Size(size)}")
    if not use_input_stats:
        return batch_norm(x, running_mean, running_var, weight, bias, False, momentum, eps)
    c = x._data.shape[1]
    shape = (c,) + (1,) * (x._data.ndim - 2)
    axes = tuple(range(2, x._data.ndim))
    out = NativeGroupNorm.apply(x, _param_view(weight, shape), _param_view(bias, shape),
                                running_mean, running_var, axes=axes, eps=float(eps),
                                momentum=0.0 if momentum is None else float(momentum))
    _bump(running_mean, running_var)
    return out.contiguous()  # PyTorch's instance norm returns contiguous output


# ====================================================================== layer norm
def _normalized_shape(normalized_shape):
    if isinstance(normalized_shape, (int, np.integer)):
        return (int(normalized_shape),)
    return tuple(int(s) for s in normalized_shape)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05, cudnn_enable=None):
    """Normalize over the last ``len(normalized_shape)`` dims; ``weight``/``bias`` have
    ``normalized_shape`` (elementwise affine)."""
    shape = _normalized_shape(normalized_shape)
    x = input
    _check_float(x, "LayerNormKernelImpl")
    k = len(shape)
    if k == 0:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., "
                           "containing at least one element, but got normalized_shape = []")
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and tuple(p.shape) != shape:
            raise RuntimeError(
                f"Expected {name} to be of same shape as normalized_shape, but got {name} of "
                f"shape {_shape_list(p.shape)} and normalized_shape = {_shape_list(shape)}")
    if x._data.ndim < k or x._data.shape[x._data.ndim - k:] != shape:
        raise RuntimeError(
            f"Given normalized_shape={_shape_list(shape)}, expected input with shape "
            f"[*, {', '.join(map(str, shape))}], but got input of size{_shape_list(x.shape)}")
    axes = tuple(range(x._data.ndim - k, x._data.ndim))
    out = NativeLayerNorm.apply(x, weight, bias, None, None, axes=axes, eps=float(eps),
                                momentum=0.0)
    return out.contiguous()  # PyTorch's layer norm returns contiguous output


# ====================================================================== group norm
def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05, cudnn_enabled=None):
    """Split the channels of ``(N, C, *)`` into ``num_groups`` groups and normalize each group of
    each sample; ``weight``/``bias`` are per channel. The output is channels-last for a
    channels-last input, else contiguous (PyTorch's layout)."""
    from numtorch.ops.shape import _format_like

    return _format_like(_group_norm(input, num_groups, weight, bias, eps), input)


def _group_norm(input, num_groups, weight=None, bias=None, eps=1e-05):
    """Split the channels of ``(N, C, *)`` into ``num_groups`` groups and normalize each group of
    each sample; ``weight``/``bias`` are per channel."""
    x = input
    if x._data.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{x._data.ndim}")
    _check_float(x, "GroupNormKernelImpl")
    n, c = x._data.shape[:2]
    if num_groups <= 0 or c % num_groups:
        raise RuntimeError(
            "Expected number of channels in input to be divisible by num_groups, but got input "
            f"of shape {_shape_list(x.shape)} and num_groups={num_groups}")
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and (p._data.ndim != 1 or p._data.size != c):
            raise RuntimeError(
                f"Expected {name} to be a vector of size equal to the number of channels in "
                f"input, but got {name} of shape {_shape_list(p.shape)} and input of shape "
                f"{_shape_list(x.shape)}")
    spatial = x._data.shape[2:]
    grouped = (n, num_groups, c // num_groups) + spatial   # (N, G, C/G, *)
    pshape = (num_groups, c // num_groups) + (1,) * len(spatial)  # (G, C/G, 1...)
    axes = tuple(range(2, len(grouped)))
    out = NativeGroupNorm.apply(x.reshape(grouped), _param_view(weight, pshape),
                                _param_view(bias, pshape), None, None, axes=axes,
                                eps=float(eps), momentum=0.0)
    return out.reshape(x._data.shape)


# ====================================================================== RMS norm
def rms_norm(input, normalized_shape, weight=None, eps=None):
    """``x / sqrt(mean(x^2 over the last dims) + eps) * weight``; ``eps`` defaults to the
    machine epsilon of the input's dtype. A composite of tensor ops."""
    shape = _normalized_shape(normalized_shape)
    x = input
    k = len(shape)
    if x._data.ndim < k or x._data.shape[x._data.ndim - k:] != shape:
        raise RuntimeError(
            f"Given normalized_shape={_shape_list(shape)}, expected input with shape "
            f"[*{', '.join(map(str, shape))}], but got input of size{_shape_list(x.shape)}")
    if weight is not None and tuple(weight.shape) != shape:
        raise RuntimeError(
            f"Expected weight to be of same shape as normalized_shape, but got weight of shape "
            f"{_shape_list(weight.shape)} and normalized_shape = {_shape_list(shape)}")
    if eps is None:
        eps = float(np.finfo(x._data.dtype).eps)
    axes = tuple(range(x._data.ndim - k, x._data.ndim))
    out = x * ((x * x).mean(axes, keepdim=True) + eps).rsqrt()
    return out if weight is None else out * weight


# ====================================================================== local response norm
def local_response_norm(input, size, alpha=0.0001, beta=0.75, k=1.0):
    """``x / (k + alpha / size * sum of x^2 over the ``size`` neighbouring channels)^beta``.

    The window over channel ``c`` covers ``c - size // 2 .. c + (size - 1) // 2`` (zero padded),
    as PyTorch's average pooling of the squares. Written as a sum of ``size`` channel-shifted
    copies of ``x^2`` (a loop over window offsets, not over elements)."""
    x = input
    dim = x._data.ndim
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {dim} dimensions)")
    if x._data.size == 0:
        return x * 1
    c = x._data.shape[1]
    sq = x * x
    total = None
    lo = size // 2
    for off in range(-lo, size - lo):
        shifted = _shift_channels(sq, off, c)
        if shifted is None:
            continue
        total = shifted if total is None else total + shifted
    div = (total * (alpha / size) + k) ** beta
    return x / div


class _ShiftChannels(Primitive):
    """``out[:, c] = x[:, c + off]`` (zero where out of range); the gradient shifts back."""

    @staticmethod
    def forward(ctx, x, off):
        ctx.off = off
        out = np.zeros_like(x)
        c = x.shape[1]
        if off >= 0:
            out[:, :c - off] = x[:, off:]
        else:
            out[:, -off:] = x[:, :c + off]
        return out

    @staticmethod
    def backward(ctx, grad_output):
        return _ShiftChannels.apply(grad_output, -ctx.off), None


def _shift_channels(x, off, c):
    if abs(off) >= c:
        return None
    if off == 0:
        return x
    return _ShiftChannels.apply(x, off)



# PyTorch's TypeError for Python numbers in the arguments it requires to be tensors
_scalars.check_tensor_args(globals())
