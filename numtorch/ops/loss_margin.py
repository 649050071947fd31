"""The other losses, composites of tensor ops: ``kl_div`` and the margin and embedding
losses (cosine embedding, margin ranking, hinge embedding, soft margin, multilabel soft
margin, triplet margin with a p-norm or any distance, multi margin, multilabel margin).
"""

import warnings

import numpy as np

from numtorch._tensor import _wrap
from numtorch.ops import elementwise as ew
from numtorch.ops._loss_reduction import (
    _legacy_reduction,
    _no_grad_arg,
    _reduce,
    _reduction,
    _scalar_name,
    _shape_list,
)
from numtorch.ops.loss_classification import (
    BinaryCrossEntropyWithLogits,
    _check_float_input,
)


# ====================================================================== divergences
def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """KL divergence with log-probabilities ``input``: ``target (log target - input)``
    (``0`` where ``target`` is 0), or ``exp(target) (target - input)`` with ``log_target``.
    'batchmean' divides the sum by the batch size; 'mean' (every element) warns as PyTorch."""
    if input._data.dtype.kind in "biu" or target._data.dtype.kind in "biu":
        raise RuntimeError(f"kl_div: Integral inputs not supported (input {input.dtype}, "
                           f"target {target.dtype}).")
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    elif reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support "
            "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
            "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
            "major release.", UserWarning, stacklevel=2)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = ew.xlogy(target, target) - target * input
    if reduction == "batchmean":
        out = loss.sum()
        return out / input.shape[0] if input.ndim else out
    return _reduce(loss, reduction)


# ====================================================================== margin losses
def _cosine(x1, x2, dim):
    eps = 1e-12
    prod = (x1 * x2).sum(dim)
    m1 = (x1 * x1).sum(dim) + eps
    m2 = (x2 * x2).sum(dim) + eps
    return prod / (m1 * m2).sqrt()


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                          reduction="mean"):
    """``1 - cos(x1, x2)`` where ``y = 1``, ``max(0, cos(x1, x2) - margin)`` where ``y = -1``
    (cosine over the last dim of (N, D) or (D,) inputs; 0 for other target values)."""
    reduction = _reduction(size_average, reduce, reduction)
    t = target._data.ndim
    if t not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input1._data.ndim != t + 1 or input2._data.ndim != t + 1:
        raise RuntimeError(
            f"{t}D target tensor expects {t + 1}D input tensors, but found inputs with sizes "
            f"{_shape_list(input1.shape)} and {_shape_list(input2.shape)}.")
    cos = _cosine(input1, input2, -1)
    y = target._data
    pos = _wrap((y == 1).astype(cos._data.dtype))
    neg = _wrap((y == -1).astype(cos._data.dtype))
    loss = (1 - cos) * pos + (cos - margin).clamp(min=0) * neg
    return _reduce(loss, reduction)


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                        reduction="mean"):
    """``max(0, -y (x1 - x2) + margin)``; all three must have the same number of dims."""
    reduction = _reduction(size_average, reduce, reduction)
    if not input1.ndim == input2.ndim == target.ndim:
        raise RuntimeError(
            "margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} ")
    # PyTorch passes margin as a double: integer inputs give a float loss
    loss = (-target * (input1 - input2) + float(margin)).clamp(min=0)
    return _reduce(loss, reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    """``x`` where ``y = 1``, ``max(0, margin - x)`` where ``y = -1`` (PyTorch's: both terms
    where ``y`` is neither)."""
    reduction = _reduction(size_average, reduce, reduction)
    y = target._data
    dt = input._data.dtype
    not_one = _wrap((y != 1).astype(dt))
    not_neg = _wrap((y != -1).astype(dt))
    loss = (margin - input).clamp(min=0) * not_one + input * not_neg
    return _reduce(loss, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """``log(1 + exp(-y x))`` in the stable softplus form."""
    reduction = _reduction(size_average, reduce, reduction)
    _no_grad_arg(target, "soft_margin_loss", "target")
    if target._data.shape != input._data.shape:
        raise RuntimeError(f"The size of tensor a ({input.shape[-1]}) must match the size of "
                           f"tensor b ({target.shape[-1]}) at non-singleton dimension "
                           f"{input.ndim - 1}")
    z = -target * input
    zero = _wrap(np.zeros(z._data.shape, dtype=z._data.dtype))
    # softplus(z) = BCE-with-logits of z against target 0: stable, exact gradient sigmoid(z).
    return _reduce(BinaryCrossEntropyWithLogits.apply(z, zero, None, None), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    """``-mean over classes of (y log sigmoid(x) + (1 - y) log sigmoid(-x))`` (times ``weight``
    per class) for each sample, then reduced."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_float_input(input, "log_sigmoid_cpu")
    if target._data.dtype != input._data.dtype:
        target = target.to(input.dtype)
    loss = BinaryCrossEntropyWithLogits.apply(input, target, None, None)
    if weight is not None:
        loss = loss * weight
    c = input._data.shape[-1] if input._data.ndim else 1
    loss = loss.sum(input.ndim - 1 if input.ndim else None) / c
    return _reduce(loss, reduction)


def _pairwise_distance(x1, x2, p, eps):
    d = x1 - x2 + eps
    dim = -1 if d.ndim else None
    if p == 2:
        return (d * d).sum(dim).sqrt()
    if p == 1:
        return d.abs().sum(dim)
    return (d.abs() ** p).sum(dim) ** (1.0 / p)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-06, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    """``max(0, margin + d(a, p) - d(a, n))`` with the p-norm distance ``||x1 - x2 + eps||``;
    ``swap`` uses ``min(d(a, n), d(p, n))`` as the negative distance."""
    reduction = _reduction(size_average, reduce, reduction)
    a, po, ne = anchor.ndim, positive.ndim, negative.ndim
    if not a == po == ne:
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number of "
            f"dimensions, but got: anchor {a}D, positive {po}D, and negative {ne}D inputs")
    d_pos = _pairwise_distance(anchor, positive, p, eps)
    d_neg = _pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = ew.minimum(d_neg, _pairwise_distance(positive, negative, p, eps))
    loss = (d_pos - d_neg + margin).clamp(min=0)
    return _reduce(loss, reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):
    """Multi-class hinge: ``sum_{j != y} max(0, margin - x[y] + x[j])^p / C`` per sample
    (times ``weight[y]``)."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_float_input(input, "multi_margin_loss_cpu_kernel")
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    x = input if input.ndim == 2 else input.reshape(1, -1)
    n, c = x._data.shape
    t = target._data.reshape(-1)
    if t.size != n:
        raise RuntimeError(f"inconsistent target size, expected {n} but got "
                           f"{_shape_list(target.shape)}")
    if t.size and ((t < 0) | (t >= c)).any():
        raise IndexError(f"Target {int(t[(t < 0) | (t >= c)][0])} is out of bounds.")
    dt = x._data.dtype
    onehot = np.zeros((n, c), dtype=dt)
    onehot[np.arange(n), t] = 1
    x_y = (x * _wrap(onehot)).sum(1, keepdim=True)                      # (N, 1)
    h = (x - x_y + margin).clamp(min=0) * _wrap(1 - onehot)              # (N, C)
    if p == 2:
        h = h * h
    if weight is not None:
        h = h * _wrap(weight._data[t].reshape(n, 1))
    loss = h.sum(1) / c
    if input.ndim != 2:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    """``max(0, margin + d(a, p) - d(a, n))`` for any ``distance_function`` (default the
    pairwise 2-norm distance); ``swap`` uses ``min(d(a, n), d(p, n))`` as the negative
    distance."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a, po, ne = anchor.ndim, positive.ndim, negative.ndim
    if not a == po == ne:
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number of "
            f"dimensions, but got: anchor {a}D, positive {po}D, and negative {ne}D inputs")
    if distance_function is None:
        def distance_function(x1, x2):
            return _pairwise_distance(x1, x2, 2.0, 1e-6)
    d_pos = distance_function(anchor, positive)
    d_neg = distance_function(anchor, negative)
    if swap:
        d_neg = ew.minimum(d_neg, distance_function(positive, negative))
    loss = (d_pos - d_neg + margin).clamp(min=0)
    return _reduce(loss, reduction)


_BLOCK = 1 << 22  # elements of one (N, J, C) block of margins


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Multi-label hinge: per sample, ``sum_j sum_{i not a target} max(0, 1 - (x[y_j] - x[i]))
    / C`` over the target classes ``y_j``, the entries of ``target`` before its first -1.

    Written as (N, J, C) tensors of margins over the ``J`` target slots in use (in blocks of
    slots for many classes), masked by valid slot and non-target class: a duplicated target
    class counts twice, as in PyTorch."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_float_input(input, "multilabel_margin_loss_forward_out_frame")
    shape = tuple(input.shape)
    if not (input.ndim <= 1 and input.numel() > 0 or input.ndim == 2 and shape[1] > 0):
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch "
                           f"size, but got: {_shape_list(shape)}")
    if target._data.dtype != np.int64:
        raise RuntimeError(f"expected scalar type Long but found {_scalar_name(target)}")
    if tuple(target.shape) != shape:
        raise RuntimeError(f"inconsistent target size: {_shape_list(target.shape)} for input of "
                           f"size: {_shape_list(shape)}")
    x = input.reshape(-1, shape[-1] if input.ndim else 1)                  # (N, C)
    n, c = x._data.shape
    t = target._data.reshape(n, c)
    if t.size and ((t < -1) | (t >= c)).any():
        raise RuntimeError("argument #2 'target' is out of range")
    # a target slot is valid up to the row's first -1
    valid = np.cumprod(t != -1, axis=1).astype(bool)                       # (N, J)
    ys = np.where(valid, t, 0)
    is_target = np.zeros((n, c), dtype=bool)
    rows = np.broadcast_to(np.arange(n)[:, None], (n, c))
    is_target[rows[valid], ys[valid]] = True
    dt = x._data.dtype
    j = int(valid.sum(1).max()) if n else 0  # the slots any row uses
    # (N, J, C) margins, a block of slots at a time to bound the memory for many classes
    step = max(1, _BLOCK // max(n * c, 1))
    total = None
    for lo in range(0, max(j, 1), step):
        v = valid[:, lo:lo + step]
        mask = (v[:, :, None] & ~is_target[:, None, :]).astype(dt)        # (N, J, C)
        x_y = x.gather(1, _wrap(ys[:, lo:lo + step]))                      # (N, J)
        h = (x.unsqueeze(1) - x_y.unsqueeze(2) + 1.0).clamp(min=0) * _wrap(mask)
        part = h.sum((1, 2))
        total = part if total is None else total + part
    loss = total / c
    if input.ndim <= 1:
        loss = loss.reshape(())
    return _reduce(loss, reduction)
