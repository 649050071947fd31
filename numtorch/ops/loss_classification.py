"""The classification losses, each one fused primitive: ``CrossEntropy`` (log-softmax with
NLL or soft targets), ``NllLoss``, ``BinaryCrossEntropy`` and ``BinaryCrossEntropyWithLogits``,
with the class-index target checks they share (``ignore_index``, ``weight``, unbatched
inputs). Why fused and how their gradients read: ``ops/loss.py``'s docstring. The four
share the target checks and the reduction of their rows, so they stay in one file (about 530
lines).
"""

import numpy as np

from numtorch._tensor import _wrap
from numtorch.autograd import grad_mode
from numtorch.autograd.function import Primitive
from numtorch.ops._loss_reduction import (
    _no_grad_arg,
    _reduce,
    _reduction,
    _scalar_name,
    _shape_list,
)


# ====================================================================== class-index targets
def _class_shape(c_ndim):
    """Indexes the class axis of an ``(N, C, *d)`` array from an ``(N, *d)`` one."""
    return (slice(None), None) + (slice(None),) * (c_ndim - 2)


def _targets(target, ignore_index, c, weight, dtype):
    """Masks and per-element weights of class-index targets; raises for out-of-range ones.

    Returns ``(safe, mask, wt)``: targets with ignored entries set to 0, the not-ignored mask,
    and ``weight[target]`` (1 without weights), zero where ignored."""
    t = target
    mask = t != ignore_index
    bad = mask & ((t < 0) | (t >= c))
    if bad.any():
        raise IndexError(f"Target {int(t[bad].flat[0])} is out of bounds.")
    all_kept = bool(mask.all())
    safe = t if all_kept else np.where(mask, t, 0)
    if safe.dtype != np.int64:
        safe = safe.astype(np.int64)
    if weight is None:
        wt = mask.astype(dtype)
    else:
        wt = weight[safe]
        if not all_kept:
            wt = wt * mask
    return safe, mask, wt


def _class_weight_view(weight, ndim):
    """``weight`` (C,) shaped to broadcast along axis 1 of an ``ndim``-D array."""
    return weight.reshape((1, -1) + (1,) * (ndim - 2))


def _reduce_rows(loss, total, reduction, dtype):
    """The per-row NumPy loss of a class-index loss reduced as ``reduction`` says: "mean"
    divides the sum by the total weight ``total`` (0 / 0 gives NaN, quietly, as in PyTorch),
    "sum" sums, "none" keeps the rows; in ``dtype``."""
    if reduction == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(loss.sum(dtype=dtype) / total, dtype=dtype)
    if reduction == "sum":
        return np.asarray(loss.sum(dtype=dtype), dtype=dtype)
    return loss.astype(dtype, copy=False)


def _skip_ignored(s, mask):
    """The reduction's scale ``s`` (a 0-d or (N, 1, *d) tensor) with 0 at the ignored elements
    when it is not finite: PyTorch's kernels skip those elements, while a product with their
    zero weight would turn an infinite gradient into NaN (0 * inf)."""
    if mask is None or np.isfinite(s._data).all():
        return s
    m = mask._data.reshape(mask.shape[:1] + (1,) + tuple(mask.shape[1:]))
    return _wrap(np.where(m, s._data, s._data.dtype.type(0)))


class CrossEntropy(Primitive):
    """Fused ``log_softmax`` over axis 1 and the negative log-likelihood.

    Inputs: ``x`` of shape (N, C, *d); ``target`` class indices (N, *d) or probabilities shaped
    like ``x``; ``weight`` (C,) or None. Per element, with ``logp = log_softmax(x)``, smoothing
    ``e`` and ``C`` classes:

        indices:        l = (1 - e) w[t] (-logp[t]) + e / C * sum_c w[c] (-logp[c])  (0 if ignored)
        probabilities:  l = -sum_c w[c] q[c] logp[c],  q = (1 - e) target + e / C

    'mean' divides by the summed ``w[t]`` of the kept targets (indices) or by N * prod(d)
    (probabilities). Gradient, with ``p = softmax(x)`` and ``s`` the reduction's scale:

        dx = s * (a * p - b),   indices: a = (1 - e) w[t] + e / C * sum(w),
                                         b = (1 - e) w[t] onehot(t) + e / C * w
                                probabilities: a = sum_c w[c] q[c],  b = w * q
    """

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, label_smoothing, reduction, prob):
        c = x.shape[1]
        e = label_smoothing
        logp = x - x.max(axis=1, keepdims=True)
        lse = np.log(np.sum(np.exp(logp), axis=1, keepdims=True))
        logp -= lse
        wb = None if weight is None else _class_weight_view(weight, x.ndim)
        if prob:
            q = target if e == 0 else target * (1 - e) + e / c
            wq = q if wb is None else q * wb
            loss = -np.sum(logp * wq, axis=1)
            total = loss.dtype.type(loss.size)
            safe = mask = wt = None
        else:
            safe, mask, wt = _targets(target, ignore_index, c, weight, x.dtype)
            if x.ndim == 2:  # (N, C): plain fancy indexing, several times cheaper
                picked = logp[np.arange(x.shape[0]), safe]
            else:
                picked = np.take_along_axis(logp, safe[_class_shape(x.ndim)], axis=1)[:, 0]
            loss = picked * -wt
            if e:
                smooth = -np.sum(logp if wb is None else logp * wb, axis=1)
                smooth *= mask
                loss = loss * (1 - e) + smooth * (e / c)
            total = wt.sum(dtype=x.dtype)
        out = _reduce_rows(loss, total, reduction, x.dtype)
        ctx.attrs = (e, reduction, prob, total)
        ctx.save_for_backward(x, target, weight, logp, safe, mask, wt)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, target, weight, logp, safe, mask, wt = ctx.saved_tensors
        e, reduction, prob, total = ctx.attrs
        need_x, need_t, need_w = ctx.needs_input_grad[:3]
        s = grad_output
        if reduction == "none":
            s = s.reshape(s.shape[:1] + (1,) + s.shape[1:])  # (N, 1, *d)
        elif reduction == "mean":
            # NOTE: with every target ignored the loss is 0/0 = NaN but, as in PyTorch, the
            # gradient is 0 (no element contributes).
            s = s / float(total) if total else s * 0.0
        s = _skip_ignored(s, mask)
        if grad_mode.is_grad_enabled():
            return _ce_backward_graph(s, x, target, weight, safe, mask, wt, e, prob,
                                      need_x, need_t, need_w)
        return _ce_backward_numpy(s._data, target, weight, logp._data, safe, mask, wt, e, prob,
                                  need_x, need_t, need_w)


def _ce_backward_numpy(s, target, weight, logp, safe, mask, wt, e, prob, need_x, need_t,
                       need_w):
    c = logp.shape[1]
    dt = logp.dtype
    s = np.asarray(s, dtype=dt)
    wb = None if weight is None else _class_weight_view(weight._data, logp.ndim)
    gx = gt = gw = None
    if prob:
        tq = target._data
        q = tq if e == 0 else tq * (1 - e) + e / c
        wq = q if wb is None else q * wb
        if need_x:
            p = np.exp(logp)
            p *= np.sum(wq, axis=1, keepdims=True)
            p -= wq
            p *= s
            gx = _wrap(p)
        if need_t:
            gt = -s * (1 - e) * logp
            if wb is not None:
                gt = gt * wb
            gt = _wrap(gt)
        if need_w:
            gw = _wrap(_sum_but_class(-(s * q * logp)))
        return gx, gt, gw, None, None, None, None
    if need_x:
        idx = safe._data[_class_shape(logp.ndim)]
        wt = wt._data
        s_el = s if s.ndim == 0 else s[:, 0]  # the per-element scale, (N, *d) or ()
        a = wt * (1 - e)
        if e:
            wsum = c if weight is None else weight._data.sum()
            a = a + mask._data * (e / c * wsum)
        p = np.exp(logp)
        p *= (s_el * a)[_class_shape(logp.ndim)]
        if e:
            sm = (s_el * mask._data * (e / c))[_class_shape(logp.ndim)]
            p -= sm if wb is None else sm * wb
        if logp.ndim == 2:
            p[np.arange(p.shape[0]), safe._data] -= s_el * wt * (1 - e)
        else:
            hit = np.take_along_axis(p, idx, axis=1)
            hit -= (s_el * wt * (1 - e))[_class_shape(logp.ndim)]
            np.put_along_axis(p, idx, hit, axis=1)
        gx = _wrap(p)
    return gx, None, None, None, None, None, None


def _sum_but_class(arr):
    axes = (0,) + tuple(range(2, arr.ndim))
    return arr.sum(axis=axes)


def _log_softmax_graph(x, dim):
    """``log_softmax`` as recorded numtorch ops (the shift by the max is a constant)."""
    z = x - _wrap(x._data.max(axis=dim, keepdims=True))
    return z - z.exp().sum(dim, keepdim=True).log()


def _ce_backward_graph(s, x, target, weight, safe, mask, wt, e, prob, need_x, need_t, need_w):
    """The same gradients as recorded numtorch ops of ``x``, ``target`` and ``grad_output``."""
    c = x._data.shape[1]
    logp = _log_softmax_graph(x, 1)
    wb = None if weight is None else _class_weight_view(weight, x.ndim)
    gx = gt = gw = None
    if prob:
        q = target if e == 0 else target * (1 - e) + e / c
        wq = q if wb is None else q * wb
        if need_x:
            gx = s * (logp.exp() * wq.sum(1, keepdim=True) - wq)
        if need_t:
            gt = s * logp * -(1 - e)
            if wb is not None:
                gt = gt * wb
        if need_w:
            full = s * q * logp * -1.0
            gw = full.sum((0,) + tuple(range(2, x.ndim)))
        return gx, gt, gw, None, None, None, None
    if need_x:
        idx = safe._data[_class_shape(x.ndim)]
        dtype = x._data.dtype
        onehot = np.zeros(x._data.shape, dtype=dtype)
        np.put_along_axis(onehot, idx, 1, axis=1)
        wt_c = wt._data[_class_shape(x.ndim)]
        a = wt_c * (1 - e)
        b = onehot * a
        if e:
            wsum = c if weight is None else float(weight._data.sum())
            m = mask._data[_class_shape(x.ndim)].astype(dtype)
            a = a + m * (e / c * wsum)
            b = b + (m * (e / c) if wb is None else m * (e / c) * wb._data)
        gx = s * (logp.exp() * _wrap(a) - _wrap(b))
    return gx, None, None, None, None, None, None


class NllLoss(Primitive):
    """``l = -w[t] * x[n, t]`` over (N, C, *d) log-probabilities; 0 where ``t`` is ignored.

    Linear in ``x``: the gradient puts ``-s * w[t]`` at the target positions (``s`` the
    reduction's scale), so double backward only needs the gradient to be linear in ``s``."""

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, reduction):
        safe, mask, wt = _targets(target, ignore_index, x.shape[1], weight, x.dtype)
        idx = safe[_class_shape(x.ndim)]
        loss = np.take_along_axis(x, idx, axis=1)[:, 0] * -wt
        total = wt.sum(dtype=x.dtype)
        out = _reduce_rows(loss, total, reduction, x.dtype)
        ctx.attrs = (reduction, total, x.shape, x.dtype)
        ctx.save_for_backward(safe, mask, wt)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        safe, mask, wt = ctx.saved_tensors
        reduction, total, shape, dtype = ctx.attrs
        s = grad_output
        if reduction == "none":
            s = s.reshape(s.shape[:1] + (1,) + s.shape[1:])  # (N, 1, *d)
        elif reduction == "mean":
            # NOTE: with every target ignored the loss is 0/0 = NaN but, as in PyTorch, the
            # gradient is 0 (no element contributes).
            s = s / float(total) if total else s * 0.0
        s = _skip_ignored(s, mask)
        idx = safe._data[_class_shape(len(shape))]
        neg_w = -wt._data[_class_shape(len(shape))]
        if grad_mode.is_grad_enabled():
            b = np.zeros(shape, dtype=dtype)
            np.put_along_axis(b, idx, neg_w, axis=1)
            return s * _wrap(b), None, None, None, None
        gx = np.zeros(shape, dtype=dtype)
        np.put_along_axis(gx, idx, neg_w * s._data, axis=1)
        return _wrap(gx), None, None, None, None


def _check_class_target(input, target):
    """PyTorch's shape checks of class-index targets against an (N, C, *d) or (C,) input."""
    xs, ts = input._data.shape, target._data.shape
    if input._data.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input._data.ndim})")
    if input._data.ndim == 1:
        if target._data.ndim > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if target._data.ndim == 1 and ts[0] != 1:
            raise ValueError(f"Expected input batch_size (1) to match target batch_size "
                             f"({ts[0]}).")
    elif input._data.ndim == 2:
        if target._data.ndim > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        tb = ts[0] if ts else 0
        if tb != xs[0]:
            raise ValueError(f"Expected input batch_size ({xs[0]}) to match target batch_size "
                             f"({tb}).")
    else:
        tb = ts[0] if ts else 0
        if tb != xs[0]:
            raise ValueError(f"Expected input batch_size ({xs[0]}) to match target batch_size "
                             f"({tb}).")
        want = xs[:1] + xs[2:]
        if input._data.ndim == 4 and target._data.ndim != 3:
            raise RuntimeError("only batches of spatial targets supported (3D tensors) but got "
                               f"targets of dimension: {target._data.ndim}")
        if input._data.ndim == 4 and ts != want:
            raise RuntimeError(f"size mismatch (got input: {_shape_list(xs)} , target: "
                               f"{_shape_list(ts)}")
        if ts != want:
            raise RuntimeError(f"Expected target size {_shape_list(want)}, got "
                               f"{_shape_list(ts)}")
    if target._data.dtype not in (np.int64, np.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                           f"{_scalar_name(target)}")


def _check_class_weight(input, weight, c):
    if weight is None:
        return
    if weight._data.ndim != 1 or weight._data.size != c:
        raise RuntimeError(f"weight tensor should be defined either for all {c} classes or no "
                           f"classes but got weight tensor of shape: {_shape_list(weight.shape)}")
    if weight._data.dtype != input._data.dtype:
        raise RuntimeError(f"expected scalar type {_scalar_name(input)} but found "
                           f"{_scalar_name(weight)}")


def _check_float_input(input, what):
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"{what}\" not implemented for '{_scalar_name(input)}'")


def _batched(input, target, prob):
    """An unbatched (C,) input becomes (1, C); returns (input, target, unbatched)."""
    if input._data.ndim != 1:
        return input, target, False
    t = target.reshape(1, -1) if prob else target.reshape(1)
    return input.reshape(1, -1), t, True


def _unbatch(out, unbatched, reduction):
    if unbatched and reduction == "none":
        return out.reshape(())
    return out


# ====================================================================== cross entropy, NLL
def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """Cross-entropy between logits ``input`` (N, C, *d) or (C,) and ``target``.

    ``target`` holds class indices (int64 or uint8, shape (N, *d) or ()) or class
    probabilities (a float tensor shaped like ``input``). ``weight`` rescales classes;
    targets equal to ``ignore_index`` contribute nothing (with 'mean', the loss is divided by
    the summed weights of the kept targets: NaN when none is kept); ``label_smoothing`` mixes
    the targets with the uniform distribution. Computed as one fused, stable log-softmax + NLL.
    """
    reduction = _reduction(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: "
                           f"{label_smoothing}")
    prob = input._data.shape == target._data.shape
    c = input._data.shape[1] if input._data.ndim > 1 else input._data.shape[0]
    if prob:
        # PyTorch checks a probability target's dtype before running the log-softmax kernel
        if target._data.dtype.kind != "f":
            raise RuntimeError("Expected floating point type for target with class "
                               f"probabilities, got {_scalar_name(target)}")
        _check_float_input(input, "log_softmax_lastdim_kernel_impl")
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
    else:
        _check_float_input(input, "log_softmax_lastdim_kernel_impl")
        _check_class_target(input, target)
    _check_class_weight(input, weight, c)
    if not prob:
        _no_grad_arg(weight, "nll_loss_forward", "weight")
    if prob and target._data.dtype != input._data.dtype:
        target = target.to(input.dtype)
    x, t, unbatched = _batched(input, target, prob)
    out = CrossEntropy.apply(x, t, weight, ignore_index=int(ignore_index),
                             label_smoothing=float(label_smoothing), reduction=reduction,
                             prob=prob)
    return _unbatch(out, unbatched, reduction)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Negative log-likelihood of class-index ``target`` under log-probabilities ``input``
    (N, C, *d) or (C,): ``-weight[t] * input[n, t]``, with ``ignore_index`` and PyTorch's
    weighted 'mean' (divided by the summed weights of the kept targets)."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_class_target(input, target)
    _check_float_input(input, "nll_loss_out_frame" if input._data.ndim <= 2 else
                       "nll_loss2d_forward_out_frame")
    c = input._data.shape[1] if input._data.ndim > 1 else input._data.shape[0]
    _check_class_weight(input, weight, c)
    _no_grad_arg(weight, "nll_loss_forward", "weight")
    x, t, unbatched = _batched(input, target, False)
    out = NllLoss.apply(x, t, weight, ignore_index=int(ignore_index), reduction=reduction)
    return _unbatch(out, unbatched, reduction)


# ====================================================================== binary cross entropy
class BinaryCrossEntropy(Primitive):
    """``l = -w (z log(x) + (1 - z) log(1 - x))`` with each log clamped at -100 (PyTorch).

    NOTE: PyTorch's gradient, ``dx = w (x - z) / max(x (1 - x), 1e-12)``, is kept as is (not the
    derivative of the clamped logs), so saturated probabilities get the same finite gradients;
    ``dz = w (log(1 - x) - log(x))``."""

    @staticmethod
    def forward(ctx, x, z, weight):
        with np.errstate(divide="ignore"):
            log_x = np.maximum(np.log(x), -100)
            log_1mx = np.maximum(np.log1p(-x), -100)
        loss = (z - 1) * log_1mx - z * log_x
        if weight is not None:
            loss = loss * weight
        ctx.save_for_backward(x, z, weight)
        return loss.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_output):
        x, z, weight = ctx.saved_tensors
        g = grad_output if weight is None else grad_output * weight
        gx = gz = None
        if ctx.needs_input_grad[0]:
            gx = g * (x - z) / (x * (1 - x)).clamp(min=1e-12)
        if ctx.needs_input_grad[1]:
            with np.errstate(divide="ignore"):
                gz = g * ((-x).log1p() - x.log())
        return gx, gz, None


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """Binary cross-entropy between probabilities ``input`` and ``target`` (same shape);
    ``weight`` broadcasts to the input. Logs are clamped at -100, as in PyTorch."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_float_input(input, "binary_cross_entropy")
    if target._data.shape != input._data.shape:
        raise ValueError(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}) is deprecated. Please ensure they have the same size.")
    x = input._data
    if x.size and (np.any(x < 0) or np.any(x > 1) or np.isnan(x).any()):
        raise RuntimeError("all elements of input should be between 0 and 1")
    z = target._data
    if z.size and (np.any(z < 0) or np.any(z > 1)):
        raise RuntimeError("all elements of target should be between 0 and 1")
    _no_grad_arg(weight, "binary_cross_entropy", "weight")
    if weight is not None:
        weight = _expand_weight(weight, input)
    if target._data.dtype != input._data.dtype:
        target = target.to(input.dtype)
    return _reduce(BinaryCrossEntropy.apply(input, target, weight), reduction)


def _expand_weight(weight, input):
    if weight._data.shape == input._data.shape:
        return weight
    from numtorch.ops._broadcast import broadcast_shapes

    try:
        shape = broadcast_shapes(tuple(weight.shape), tuple(input.shape))
    except RuntimeError:
        raise RuntimeError(
            f"The size of tensor a ({input.shape[-1] if input.ndim else 1}) must match the size "
            f"of tensor b ({weight.shape[-1] if weight.ndim else 1}) at non-singleton "
            f"dimension {max(input.ndim - 1, 0)}") from None
    if shape != tuple(input.shape):
        raise RuntimeError(f"weight of shape {_shape_list(weight.shape)} does not broadcast to "
                           f"the input shape {_shape_list(input.shape)}")
    return _wrap(np.ascontiguousarray(np.broadcast_to(weight._data, shape)))


class BinaryCrossEntropyWithLogits(Primitive):
    """``l = w ((1 - z) x + (1 + (pw - 1) z) softplus(-x))``, ``softplus(-x)`` computed as
    ``max(-x, 0) + log1p(exp(-|x|))`` so |x| = 1e4 stays finite.

    ``dx = w ((1 + (pw - 1) z) sigmoid(x) - pw z)`` (``w (sigmoid(x) - z)`` without
    ``pos_weight``), ``dz = w (-x + (pw - 1) softplus(-x))``."""

    @staticmethod
    def forward(ctx, x, z, weight, pos_weight):
        sp = np.maximum(-x, 0) + np.log1p(np.exp(-np.abs(x)))
        if pos_weight is None:
            loss = (1 - z) * x + sp
        else:
            loss = (1 - z) * x + (1 + (pos_weight - 1) * z) * sp
        if weight is not None:
            loss = loss * weight
        ctx.save_for_backward(x, z, weight, pos_weight)
        return loss.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_output):
        x, z, weight, pw = ctx.saved_tensors
        g = grad_output if weight is None else grad_output * weight
        gx = gz = None
        if ctx.needs_input_grad[0]:
            sig = x.sigmoid()
            gx = g * (sig - z) if pw is None else g * ((1 + (pw - 1) * z) * sig - pw * z)
        if ctx.needs_input_grad[1]:
            if pw is None:
                gz = -g * x
            else:
                sp = (-x).clamp(min=0) + (-x.abs()).exp().log1p()
                gz = g * ((pw - 1) * sp - x)
        return gx, gz, None, None


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """Sigmoid + binary cross-entropy in one stable expression; ``pos_weight`` weights the
    positive term (broadcast along the last dim), ``weight`` each element."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_float_input(input, "log_sigmoid_cpu")
    if target._data.shape != input._data.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size "
                         f"({input.shape})")
    _no_grad_arg(weight, "binary_cross_entropy_with_logits", "weight")
    _no_grad_arg(pos_weight, "binary_cross_entropy_with_logits", "pos_weight")
    if target._data.dtype != input._data.dtype:
        target = target.to(input.dtype)
    out = BinaryCrossEntropyWithLogits.apply(input, target, weight, pos_weight)
    return _reduce(out, reduction)
