"""Connectionist temporal classification (Graves et al., 2006): ``ctc_loss``, the negative log
likelihood of a target sequence summed over every frame-level alignment of it.

The primitive ``CtcLoss`` runs the forward-backward algorithm in log space over the *extended*
target ``l'`` (the target with a blank before, between and after its labels, length
``2 S + 1``): with ``y[t, s] = log_probs[t, l'[s]]``,

    alpha[0, 0] = y[0, 0],  alpha[0, 1] = y[0, 1],  alpha[0, s > 1] = -inf
    alpha[t, s] = logsumexp(alpha[t-1, s], alpha[t-1, s-1], alpha[t-1, s-2] if skip[s]) + y[t, s]
    beta[T-1, 2S] = y[T-1, 2S],  beta[T-1, 2S-1] = y[T-1, 2S-1]
    beta[t, s]  = logsumexp(beta[t+1, s], beta[t+1, s+1], beta[t+1, s+2] if skip[s+2]) + y[t, s]
    nll = -logsumexp(alpha[T-1, 2S], alpha[T-1, 2S-1])

where ``skip[s]`` holds for a label position whose label differs from the one two back (a
repeated label needs a blank between its copies). Python loops run over the time steps only,
each step vectorized over the batch and the extended positions.

The gradient is PyTorch's (its eq. 16): ``exp(lp[t, c]) - sum_{s: l'[s] = c} exp(alpha[t, s] +
beta[t, s] + nll - lp[t, c])`` times the incoming gradient, zero past each input length.
NOTE: that is the gradient with respect to the *logits* of ``log_probs = log_softmax(logits)``
(the first term is what the log-softmax backward removes again); it differs from the partial
derivative with respect to ``log_probs`` itself by ``exp(lp)``, whose sum over classes is 1, so
after the log-softmax backward both give the same gradient. A finite-difference check therefore
differentiates through ``log_softmax``, as PyTorch's own tests do. As in PyTorch, this backward
is not differentiable again. An impossible alignment (a target too long for its input) has an
infinite loss and NaN gradients, or 0 and 0 with ``zero_infinity=True``.
"""

import numpy as np

from numtorch._tensor import Tensor, _wrap
from numtorch.autograd.function import Primitive
from numtorch.ops._loss_reduction import _scalar_name

__all__ = ["ctc_loss"]

_NEG = -np.inf


def _logsumexp3(a, b, c):
    """Elementwise log(exp(a) + exp(b) + exp(c)), -inf where all three are -inf."""
    m = np.maximum(np.maximum(a, b), c)
    safe = np.where(np.isneginf(m), 0.0, m)
    with np.errstate(divide="ignore"):
        out = safe + np.log(np.exp(a - safe) + np.exp(b - safe) + np.exp(c - safe))
    return np.where(np.isneginf(m), _NEG, out)


def _shift(a, k):
    """``a`` moved ``k`` places along its last axis (k > 0: right, k < 0: left), -inf-filled."""
    out = np.full_like(a, _NEG)
    if k > 0:
        out[..., k:] = a[..., :-k]
    else:
        out[..., :k] = a[..., -k:]
    return out


class CtcLoss(Primitive):
    """Per-sample CTC negative log likelihoods (N,) of ``log_probs`` (T, N, C); ``targets``
    (N, S) padded, ``input_lengths`` and ``target_lengths`` (N,) int64 arrays (attributes)."""

    @staticmethod
    def forward(ctx, log_probs, targets, input_lengths, target_lengths, blank, zero_infinity):
        lp = log_probs.astype(np.float64)
        t_max, n, _ = lp.shape
        s_ext = 2 * targets.shape[1] + 1
        ext = np.full((n, s_ext), blank, dtype=np.int64)  # l': blanks around the labels
        ext[:, 1::2] = targets
        pos = np.arange(s_ext)
        valid = pos[None, :] < (2 * target_lengths + 1)[:, None]  # (N, S')
        skip = np.zeros((n, s_ext), dtype=bool)  # may come from s - 2
        skip[:, 3::2] = ext[:, 3::2] != ext[:, 1:-2:2]
        y = lp[:, np.arange(n)[:, None], ext]  # (T, N, S')
        y = np.where(valid, y, _NEG)

        alpha = np.full((t_max, n, s_ext), _NEG)
        if t_max:
            alpha[0, :, 0] = y[0, :, 0]
            if s_ext > 1:
                alpha[0, :, 1] = np.where(target_lengths > 0, y[0, :, 1], _NEG)
        for t in range(1, t_max):
            prev = alpha[t - 1]
            two_back = np.where(skip, _shift(prev, 2), _NEG)
            alpha[t] = _logsumexp3(prev, _shift(prev, 1), two_back) + y[t]

        rows = np.arange(n)
        if t_max:
            last_t = np.maximum(input_lengths - 1, 0)
            end = alpha[last_t, rows, 2 * target_lengths]
            before = np.where(target_lengths > 0,
                              alpha[last_t, rows, np.maximum(2 * target_lengths - 1, 0)], _NEG)
            nll = -np.logaddexp(end, before)
        else:
            nll = np.zeros(n)
        # no frame at all: only the empty target has an alignment
        nll = np.where(input_lengths == 0, np.where(target_lengths == 0, 0.0, np.inf), nll)
        if zero_infinity:
            out = np.where(np.isinf(nll), 0.0, nll)
        else:
            out = nll
        ctx.attrs = (lp, y, alpha, ext, valid, skip, input_lengths, target_lengths, nll,
                     zero_infinity, log_probs.dtype)
        ctx.save_for_backward(log_probs)
        return out.astype(log_probs.dtype)

    @staticmethod
    def backward(ctx, grad_output):
        (log_probs,) = ctx.saved_tensors
        return CtcLossGrad.apply(log_probs, grad_output, ctx.attrs), None, None, None, None, None


class CtcLossGrad(Primitive):
    """The gradient of ``CtcLoss`` (the beta recursion and eq. 16 above) as a function of
    ``log_probs`` and the incoming gradient (N,); not differentiable again, as in PyTorch
    (recorded under ``create_graph=True`` so that a second backward raises)."""

    @staticmethod
    def forward(ctx, log_probs, grad_output, state):
        lp, y, alpha, ext, valid, skip, il, tl, nll, zero_infinity, dtype = state
        t_max, n, c = lp.shape
        s_ext = ext.shape[1]
        rows = np.arange(n)
        beta = np.full((t_max, n, s_ext), _NEG)
        nxt = np.full((n, s_ext), _NEG)
        init = np.full((n, s_ext), _NEG)  # where each sample's last frame starts the recursion
        has = tl > 0  # (the last label, for a non-empty target)
        skip_ahead = np.zeros_like(skip)  # s + 2 may come from s
        skip_ahead[:, :-2] = skip[:, 2:]
        for t in range(t_max - 1, -1, -1):
            two_ahead = np.where(skip_ahead, _shift(nxt, -2), _NEG)
            cur = _logsumexp3(nxt, _shift(nxt, -1), two_ahead) + y[t]
            init[:] = _NEG
            init[rows, 2 * tl] = y[t, rows, 2 * tl]
            init[rows[has], 2 * tl[has] - 1] = y[t, rows[has], 2 * tl[has] - 1]
            cur = np.where((t == il - 1)[:, None], init, cur)
            cur = np.where((t >= il)[:, None], _NEG, cur)
            beta[t] = nxt = np.where(valid, cur, _NEG)

        # occupation of each extended position, summed per class: (T, N, C)
        with np.errstate(invalid="ignore", over="ignore"):
            occ = np.exp(alpha + beta + nll[None, :, None] - y)
        occ = np.where(np.isnan(occ) & ~np.isinf(nll)[None, :, None], 0.0, occ)  # -inf - -inf
        grad = np.zeros((t_max, n, c))
        np.add.at(grad, (slice(None), rows[:, None], ext), occ)
        with np.errstate(invalid="ignore"):
            grad = (np.exp(lp) - grad) * grad_output.astype(np.float64)[None, :, None]
        # zeros (not 0 * grad_output) past each input length and, with zero_infinity, for the
        # impossible alignments; NaN for those without it
        frames = np.arange(t_max)[:, None] < il[None, :]  # (T, N)
        impossible = np.isinf(nll)
        grad[:, impossible] = np.nan
        grad = np.where(frames[:, :, None], grad, 0.0)
        if zero_infinity:
            grad[:, impossible] = 0.0
        return grad.astype(dtype)

    @staticmethod
    def backward(ctx, grad_output):
        raise RuntimeError("derivative for aten::_ctc_loss_backward is not implemented")


def _lengths(value, name):
    """Lengths as an int64 array: a tensor (integral, any shape, flattened) or a sequence of
    ints (PyTorch rejects a lone Python int)."""
    if isinstance(value, Tensor):
        if value._data.dtype.kind not in "biu":
            raise RuntimeError(f"{name} must be integral")
        return value._data.reshape(-1).astype(np.int64)
    if isinstance(value, (list, tuple)):
        return np.asarray([int(v) for v in value], dtype=np.int64).reshape(-1)
    raise TypeError(f"ctc_loss(): argument '{name}' must be tuple of ints or Tensor, not "
                    f"{type(value).__name__}")


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """CTC loss of ``log_probs`` (T, N, C) or (T, C) (log-softmax outputs) against
    ``targets``, padded (N, S) or concatenated 1-D (the ``target_lengths`` summed), with
    ``input_lengths`` and ``target_lengths`` (N,) as tensors or sequences of ints.

    'mean' divides each sample's loss by its target length (at least 1), then averages over
    the batch; 'sum' adds; 'none' gives the (N,) losses. ``zero_infinity`` replaces infinite
    losses (impossible alignments) and their gradients by zeros."""
    for i, (name, value) in enumerate((("log_probs", log_probs), ("targets", targets))):
        if not isinstance(value, Tensor):
            raise TypeError(f"ctc_loss(): argument '{name}' (position {i + 1}) must be Tensor, "
                            f"not {type(value).__name__}")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if log_probs._data.dtype.kind != "f":
        raise NotImplementedError(f"\"ctc_loss_cpu\" not implemented for "
                                  f"'{_scalar_name(log_probs)}'")
    unbatched = log_probs.ndim == 2
    if log_probs.ndim not in (2, 3):
        raise RuntimeError(f"ctc_loss: expected log_probs to be 2-D (T, C) or 3-D (T, N, C), "
                           f"but got {log_probs.ndim}-D input of size {list(log_probs.shape)}")
    lp = log_probs.unsqueeze(1) if unbatched else log_probs  # (T, N, C)
    t_max, n, c = lp.shape
    il = _lengths(input_lengths, "input_lengths")
    tl = _lengths(target_lengths, "target_lengths")
    if il.shape[0] != n:
        raise RuntimeError("input_lengths must be of size batch_size")
    if tl.shape[0] != n:
        raise RuntimeError("target_lengths must be of size batch_size")
    if not 0 <= blank < c:
        raise RuntimeError("blank must be in label range")
    where = "(while checking arguments for ctc_loss_allocate_outputs)"
    for name, lengths in (("input_lengths", il), ("target_lengths", tl)):
        if n and lengths.min() < 0:
            raise RuntimeError(f"Expected {name} to have value at least 0, but got value "
                               f"{int(lengths.min())} {where}")
    if n and il.max() > t_max:
        raise RuntimeError(f"Expected input_lengths to have value at most {t_max}, but got "
                           f"value {int(il.max())} {where}")
    tg = targets._data
    if unbatched:
        tg = tg.reshape(1, -1)
    s_max = int(tl.max()) if n else 0
    if tg.ndim == 1:  # concatenated: sample i's labels follow those of samples before it
        if tg.shape[0] != tl.sum():
            raise RuntimeError(f"Expected tensor to have size {int(tl.sum())} at dimension 0, "
                               f"but got size {tg.shape[0]} for argument #2 'targets' {where}")
        start = np.concatenate([[0], np.cumsum(tl)[:-1]])
        cols = np.minimum(np.arange(s_max)[None, :], np.maximum(tl - 1, 0)[:, None])
        idx = np.minimum(start[:, None] + cols, max(tg.shape[0] - 1, 0))  # (N, S)
        padded = tg[idx] if tg.size else np.zeros((n, s_max), np.int64)
    else:
        if tg.shape[1] < s_max:
            raise RuntimeError(f"Expected tensor to have size at least {s_max} at dimension 1, "
                               f"but got size {tg.shape[1]} for argument #2 'targets' {where}")
        padded = tg[:, :s_max]
    padded = np.where(np.arange(s_max)[None, :] < tl[:, None], padded, blank).astype(np.int64)
    if padded.size and ((padded < 0) | (padded >= c)).any():
        bad = int(padded[(padded < 0) | (padded >= c)][0])
        raise RuntimeError(f"ctc_loss: target label {bad} is out of range for {c} classes")
    loss = CtcLoss.apply(lp, padded, il, tl, int(blank), bool(zero_infinity))  # (N,)
    if reduction == "mean":
        return (loss / _wrap(np.maximum(tl, 1).astype(loss._data.dtype))).mean()
    if reduction == "sum":
        return loss.sum()
    return loss.reshape(()) if unbatched else loss
