"""Recurrence primitive: one layer and one direction of a tanh/ReLU RNN, an LSTM or a GRU run over
a whole sequence, forward and backward side by side.

The layer modules (``nn.RNN``, ``nn.LSTM``, ``nn.GRU``) call ``rnn_layer`` once per layer and
direction. The cells (``nn.RNNCell``...) are composites of ordinary ops and do not use it.

How the work is laid out (H hidden size, G gates: 1 for RNN, 4 for LSTM, 3 for GRU):
- The input projection of every time step is one GEMM before the loop:
  ``X (S, I) @ W_ih^T -> (S, G*H)``, with S the number of (time step, sequence) rows.
- The loop runs over time steps only; each step does one GEMM ``h (b, H) @ W_hh^T`` for all
  gates at once and the gate nonlinearities in place, and stores what backward reads (gate
  activations, previous hidden/cell states).
- Backward walks the steps in reverse with one GEMM per step for ``dh_{t-1} = dgates @ W_hh``,
  and gets ``dW_hh``, ``dW_ih``, ``dX`` and the biases with one GEMM (or sum) each over all
  steps at the end, from the stacked per-step gate gradients. Nothing is recomputed.

Variable lengths (packed sequences): rows are stored time-major, ``batch_sizes[t]`` rows at step
``t``, sorted so that the active sequences are always the first ``batch_sizes[t]`` rows of the
state. The state buffer keeps all N rows: in the forward direction the batch shrinks and the
rows that are left keep their final state; in the reverse direction the batch grows and the
rows that join start from ``h0``. A padded (T, N, I) input is the case ``batch_sizes = (N,)*T``.

LSTM (PyTorch's gate order i, f, g, o)::

    i, f, o = sigmoid(.), g = tanh(.)      of  x W_ih^T + b_ih + h W_hh^T + b_hh
    c' = f * c + i * g,   h' = o * tanh(c')   (h' = (o * tanh(c')) W_hr^T with a projection)

GRU (gate order r, z, n)::

    r, z = sigmoid(x W_i{r,z}^T + b_i{r,z} + h W_h{r,z}^T + b_h{r,z})
    n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn)),   h' = (1 - z) * n + z * h

RNN: ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`` (or relu).
"""

import numpy as np

from numtorch._tensor import _wrap
from numtorch.autograd.function import Primitive, once_differentiable

__all__ = []  # the primitive is reached through numtorch.nn's layers, not the top level

MODES = ("RNN_TANH", "RNN_RELU", "LSTM", "GRU")


# ====================================================================== helpers
def _sigmoid_(a):
    """sigmoid(a) in place, as 1 / (1 + exp(-a)).

    NOTE: exp(-a) overflows to inf for a < -88 (float32) and the result is then exactly 0, the
    correctly rounded value; no NaN can arise."""
    with np.errstate(over="ignore"):
        np.negative(a, out=a)
        np.exp(a, out=a)
    a += 1
    np.reciprocal(a, out=a)
    return a


def _steps(batch_sizes, reverse):
    """``[(row offset, batch size)]`` in processing order."""
    offsets = np.concatenate(([0], np.cumsum(batch_sizes)[:-1])).tolist()
    steps = list(zip(offsets, batch_sizes))
    return steps[::-1] if reverse else steps


# ====================================================================== forward loops
def _forward_rnn(xp, h, w_hh, steps, relu, saved):
    """xp holds the projected inputs; it becomes the outputs (each step's h)."""
    hprev = np.empty_like(xp)  # (S, H): h_{t-1} of each row
    w_hh_t = w_hh.T  # (H, H) read transposed by BLAS
    for off, b in steps:
        g = xp[off:off + b]
        hp = h[:b]
        hprev[off:off + b] = hp
        g += hp @ w_hh_t
        if relu:
            np.maximum(g, 0, out=g)
        else:
            np.tanh(g, out=g)
        h[:b] = g
    saved.update(hprev=hprev)
    return xp


def _forward_lstm(xp, h, c, w_hh, w_hr, steps, saved):
    n_rows, hs = xp.shape[0], c.shape[1]
    dt = xp.dtype
    out = np.empty((n_rows, h.shape[1]), dtype=dt)
    hprev = np.empty_like(out)                          # (S, P): h_{t-1} of each row
    cprev = np.empty((n_rows, hs), dtype=dt)            # (S, H): c_{t-1}
    tcs = np.empty((n_rows, hs), dtype=dt)              # (S, H): tanh(c_t)
    ms = np.empty((n_rows, hs), dtype=dt) if w_hr is not None else None  # o * tanh(c)
    w_hh_t = w_hh.T  # (P, 4H)
    w_hr_t = w_hr.T if w_hr is not None else None  # (H, P)
    for off, b in steps:
        hp = h[:b]
        hprev[off:off + b] = hp
        g = xp[off:off + b]  # (b, 4H) pre-activations, then activations, in place
        g += hp @ w_hh_t
        _sigmoid_(g[:, :2 * hs])
        np.tanh(g[:, 2 * hs:3 * hs], out=g[:, 2 * hs:3 * hs])
        _sigmoid_(g[:, 3 * hs:])
        i, f, gg, o = g[:, :hs], g[:, hs:2 * hs], g[:, 2 * hs:3 * hs], g[:, 3 * hs:]
        cp = c[:b]
        cprev[off:off + b] = cp
        cn = f * cp
        cn += i * gg
        c[:b] = cn
        tc = tcs[off:off + b]
        np.tanh(cn, out=tc)
        if w_hr is None:
            hn = out[off:off + b]
            np.multiply(o, tc, out=hn)
        else:
            m = ms[off:off + b]
            np.multiply(o, tc, out=m)
            hn = out[off:off + b]
            np.matmul(m, w_hr_t, out=hn)
        h[:b] = hn
    saved.update(gates=xp, hprev=hprev, cprev=cprev, tcs=tcs, ms=ms)
    return out


def _forward_gru(xp, h, w_hh, b_hn, steps, saved):
    n_rows, hs = xp.shape[0], h.shape[1]
    dt = xp.dtype
    out = np.empty((n_rows, hs), dtype=dt)
    hprev = np.empty_like(out)                 # (S, H): h_{t-1}
    hn_s = np.empty_like(out)                  # (S, H): h_{t-1} W_hn^T + b_hn
    w_hh_t = w_hh.T  # (H, 3H)
    for off, b in steps:
        hp = h[:b]
        hprev[off:off + b] = hp
        a = hp @ w_hh_t  # (b, 3H)
        an = a[:, 2 * hs:]
        if b_hn is not None:
            an += b_hn
        hn_s[off:off + b] = an
        g = xp[off:off + b]  # (b, 3H): r, z, n in place
        rz = g[:, :2 * hs]
        rz += a[:, :2 * hs]
        _sigmoid_(rz)
        r, z, n = g[:, :hs], g[:, hs:2 * hs], g[:, 2 * hs:]
        n += r * an
        np.tanh(n, out=n)
        hn = out[off:off + b]
        np.subtract(hp, n, out=hn)
        hn *= z
        hn += n                                # (1 - z) * n + z * h = n + z * (h - n)
        h[:b] = hn
    saved.update(gates=xp, hprev=hprev, hn=hn_s)
    return out


# ====================================================================== backward loops
def _backward_rnn(out, dout, dh, w_hh, steps, relu):
    dg = np.empty_like(out)  # (S, H) gradient of the pre-activations
    for off, b in reversed(steps):
        dht = dh[:b]
        dht += dout[off:off + b]
        y = out[off:off + b]
        d = dg[off:off + b]
        if relu:
            np.multiply(dht, y > 0, out=d)
        else:
            np.multiply(y, y, out=d)
            np.subtract(1, d, out=d)
            d *= dht                           # d tanh(a) = (1 - tanh(a)^2) da
        np.matmul(d, w_hh, out=dht)
    return dg


def _backward_lstm(saved, dout, dh, dc, w_hh, w_hr, steps):
    gates, hprev, cprev, tcs, ms = (saved[k] for k in ("gates", "hprev", "cprev", "tcs", "ms"))
    hs = tcs.shape[1]
    dg = np.empty_like(gates)  # (S, 4H) gradient of the pre-activations
    dhs = np.empty_like(hprev) if w_hr is not None else None  # (S, P) dL/dh_t, for dW_hr
    for off, b in reversed(steps):
        dht = dh[:b]
        dht += dout[off:off + b]
        if w_hr is not None:
            dhs[off:off + b] = dht
            dm = dht @ w_hr  # (b, H)
        else:
            dm = dht
        g = gates[off:off + b]
        i, f, gg, o = g[:, :hs], g[:, hs:2 * hs], g[:, 2 * hs:3 * hs], g[:, 3 * hs:]
        tc = tcs[off:off + b]
        d = dg[off:off + b]
        di, df, dgg, do = d[:, :hs], d[:, hs:2 * hs], d[:, 2 * hs:3 * hs], d[:, 3 * hs:]
        # dc_t = dc_{from t+1} + dm * o * (1 - tanh(c)^2)
        dct = dc[:b]
        t = tc * tc
        np.subtract(1, t, out=t)
        t *= o
        t *= dm
        dct += t
        # sigmoid' = s (1 - s), tanh' = 1 - y^2, each times its upstream gradient
        np.multiply(dm, tc, out=do)
        do *= o - o * o
        np.multiply(dct, gg, out=di)
        di *= i - i * i
        np.multiply(dct, cprev[off:off + b], out=df)
        df *= f - f * f
        np.multiply(gg, gg, out=dgg)
        np.subtract(1, dgg, out=dgg)
        dgg *= i
        dgg *= dct
        dct *= f                               # dc_{t-1}
        np.matmul(d, w_hh, out=dht)            # dh_{t-1}
    return dg, dhs


def _backward_gru(saved, dout, dh, w_hh, steps):
    gates, hprev, hn_s = saved["gates"], saved["hprev"], saved["hn"]
    hs = hprev.shape[1]
    dgh = np.empty_like(gates)  # (S, 3H) gradient of h W_hh^T + b_hh
    dn_pre = np.empty_like(hprev)  # (S, H) gradient of the n pre-activation (input side)
    for off, b in reversed(steps):
        dht = dh[:b]
        dht += dout[off:off + b]
        g = gates[off:off + b]
        r, z, n = g[:, :hs], g[:, hs:2 * hs], g[:, 2 * hs:]
        hp = hprev[off:off + b]
        d = dgh[off:off + b]
        dr, dz, dhn = d[:, :hs], d[:, hs:2 * hs], d[:, 2 * hs:]
        dn = dn_pre[off:off + b]
        # dn_pre = dh (1 - z) (1 - n^2)
        np.multiply(n, n, out=dn)
        np.subtract(1, dn, out=dn)
        dn *= 1 - z
        dn *= dht
        # dz_pre = dh (h - n) z (1 - z)
        np.subtract(hp, n, out=dz)
        dz *= dht
        dz *= z - z * z
        # dr_pre = dn_pre (h W_hn^T + b_hn) r (1 - r);  d(h W_hn^T + b_hn) = dn_pre r
        np.multiply(dn, hn_s[off:off + b], out=dr)
        dr *= r - r * r
        np.multiply(dn, r, out=dhn)
        prev = dht * z
        np.matmul(d, w_hh, out=dht)
        dht += prev
    return dgh, dn_pre


# ====================================================================== the primitive
class RNNLayer(Primitive):
    """One layer, one direction, whole sequence: ``(output, h_n)`` or ``(output, h_n, c_n)``.

    Inputs: ``x`` (T, N, I) or packed (S, I); ``h0`` (N, P); ``c0`` (N, H) for LSTM else None;
    ``w_ih`` (G*H, I); ``w_hh`` (G*H, P); ``b_ih``, ``b_hh`` (G*H,) or None; ``w_hr`` (P, H) or
    None (LSTM projection). ``batch_sizes``: a tuple of ints for packed rows, None for (T, N, I).

    The backward is written in NumPy (the loops above), so it is once differentiable; the
    cells are the double-differentiable path.
    """

    @staticmethod
    def forward(ctx, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, mode, reverse, batch_sizes):
        x_shape = x.shape
        if batch_sizes is None:
            batch_sizes = (x_shape[1],) * x_shape[0]
        x2 = x.reshape(-1, x_shape[-1])  # (S, I)
        steps = _steps(batch_sizes, reverse)
        hs = w_hh.shape[0] // {"LSTM": 4, "GRU": 3}.get(mode, 1)
        xp = x2 @ w_ih.T  # (S, G*H): the input projection of every step at once
        if b_ih is not None:
            xp += b_ih
        b_hn = None
        if b_hh is not None:
            if mode == "GRU":
                xp[:, :2 * hs] += b_hh[:2 * hs]  # b_hn stays inside r * (...)
                b_hn = b_hh[2 * hs:]
            else:
                xp += b_hh
        h = h0.copy()
        saved = {}
        c = None
        if mode == "LSTM":
            c = c0.copy()
            out = _forward_lstm(xp, h, c, w_hh, w_hr, steps, saved)
        elif mode == "GRU":
            out = _forward_gru(xp, h, w_hh, b_hn, steps, saved)
        else:
            out = _forward_rnn(xp, h, w_hh, steps, mode == "RNN_RELU", saved)
        ctx.mode = mode
        ctx.steps = steps
        ctx.x_shape = x_shape
        ctx.keys = tuple(saved)
        out = out.reshape(x_shape[:-1] + (out.shape[1],))  # (T, N, P) or (S, P)
        ctx.save_for_backward(x, w_ih, w_hh, w_hr, out, *saved.values())
        if mode == "LSTM":
            return out, h, c
        return out, h

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_output, grad_hn, grad_cn=None):
        x, w_ih, w_hh, w_hr, out, *rest = ctx.saved_tensors
        x, w_ih, w_hh, out = x._data, w_ih._data, w_hh._data, out._data
        w_hr = None if w_hr is None else w_hr._data
        saved = {k: (None if v is None else v._data) for k, v in zip(ctx.keys, rest)}
        mode, steps = ctx.mode, ctx.steps
        out2 = out.reshape(-1, out.shape[-1])  # (S, P)
        dout = grad_output._data.reshape(out2.shape)  # (S, P)
        dh = grad_hn._data.copy()  # becomes dh0
        dhs = None
        if mode == "LSTM":
            dc = grad_cn._data.copy()  # becomes dc0
            dgx, dhs = _backward_lstm(saved, dout, dh, dc, w_hh, w_hr, steps)
            dgh = dgx
        elif mode == "GRU":
            dc = None
            dgh, dn_pre = _backward_gru(saved, dout, dh, w_hh, steps)
            hs = dn_pre.shape[1]
            dgx = dgh.copy()
            dgx[:, 2 * hs:] = dn_pre
        else:
            dc = None
            dgx = dgh = _backward_rnn(out2, dout, dh, w_hh, steps, mode == "RNN_RELU")
        need = ctx.needs_input_grad
        x2 = x.reshape(-1, x.shape[-1])  # (S, I)
        hprev = saved["hprev"]
        dx = _wrap((dgx @ w_ih).reshape(ctx.x_shape)) if need[0] else None
        dh0 = _wrap(dh) if need[1] else None
        dc0 = _wrap(dc) if dc is not None and need[2] else None
        dw_ih = _wrap(dgx.T @ x2) if need[3] else None
        dw_hh = _wrap(dgh.T @ hprev) if need[4] else None
        db_ih = _wrap(dgx.sum(0)) if need[5] else None
        db_hh = _wrap(dgh.sum(0)) if need[6] else None
        dw_hr = _wrap(dhs.T @ saved["ms"]) if need[7] else None
        return dx, dh0, dc0, dw_ih, dw_hh, db_ih, db_hh, dw_hr, None, None, None


def rnn_layer(input, hx, cx, weight_ih, weight_hh, bias_ih, bias_hh, weight_hr=None, *,
              mode, reverse=False, batch_sizes=None):
    """Run one layer in one direction over ``input`` (T, N, I) or packed rows (S, I) with
    ``batch_sizes`` (a tuple of ints, descending). Returns ``(output, h_n)`` or, for
    ``mode="LSTM"``, ``(output, h_n, c_n)``."""
    if mode not in MODES:
        raise ValueError("Unrecognized RNN mode: " + str(mode))
    if batch_sizes is not None:
        batch_sizes = tuple(int(b) for b in batch_sizes)
    return RNNLayer.apply(input, hx, cx if mode == "LSTM" else None, weight_ih, weight_hh,
                          bias_ih, bias_hh, weight_hr if mode == "LSTM" else None,
                          mode=mode, reverse=bool(reverse), batch_sizes=batch_sizes)
