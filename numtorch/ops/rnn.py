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

import itertools

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
    offsets = [0, *itertools.accumulate(batch_sizes)][:-1]
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


def _forward_lstm(x2, w_ih, bias, h, c, w_hh, w_hr, steps, saved):
    """The LSTM's forward over all rows ``x2`` (S, I); ``h`` and ``c`` are the state buffers.

    The gates are kept gate-major, ``(4, S, H)``: each gate of a step is one contiguous
    ``(b, H)`` block, so the nonlinearities and the cell update run on contiguous memory (on
    column slices of an ``(S, 4H)`` buffer NumPy's elementwise loops were 3-5x slower)."""
    n_rows, n_in = x2.shape
    hs, ps = c.shape[1], h.shape[1]
    dt = x2.dtype
    b_max = max(b for _, b in steps)
    # (S, I) @ (4, I, H) -> (4, S, H): the input projection of every step, gate-major
    gates = np.matmul(x2, w_ih.reshape(4, hs, n_in).transpose(0, 2, 1))
    if bias is not None:
        gates += bias.reshape(4, 1, hs)
    xh = np.empty((n_rows, n_in + ps), dtype=dt)        # (S, I+P): [x_t | h_{t-1}] per row
    xh[:, :n_in] = x2
    out = np.empty((n_rows, ps), dtype=dt)
    cprev = np.empty((n_rows, hs), dtype=dt)            # (S, H): c_{t-1}
    tcs = np.empty((n_rows, hs), dtype=dt)              # (S, H): tanh(c_t)
    ms = np.empty((n_rows, hs), dtype=dt) if w_hr is not None else None  # o * tanh(c)
    rec = np.empty((b_max, 4 * hs), dtype=dt)           # one step's h_{t-1} W_hh^T
    tmp = np.empty((b_max, hs), dtype=dt)
    w_hh_t = w_hh.T  # (P, 4H), read transposed by BLAS
    w_hr_t = w_hr.T if w_hr is not None else None  # (H, P)
    for off, b in steps:
        hp = h[:b]
        xh[off:off + b, n_in:] = hp
        r = rec[:b]
        np.matmul(hp, w_hh_t, out=r)
        g = gates[:, off:off + b]  # (4, b, H) pre-activations, then activations, in place
        g += r.reshape(b, 4, hs).transpose(1, 0, 2)
        _sigmoid_(g[:2])
        np.tanh(g[2], out=g[2])
        _sigmoid_(g[3])
        i, f, gg, o = g
        cp = c[:b]
        cprev[off:off + b] = cp
        cp *= f
        t = tmp[:b]
        np.multiply(i, gg, out=t)
        cp += t                                # c_t = f * c_{t-1} + i * g, in the state
        tc = tcs[off:off + b]
        np.tanh(cp, out=tc)
        hn = out[off:off + b]
        if w_hr is None:
            np.multiply(o, tc, out=hn)
        else:
            m = ms[off:off + b]
            np.multiply(o, tc, out=m)
            np.matmul(m, w_hr_t, out=hn)
        h[:b] = hn
    saved.update(gates=gates, xh=xh, cprev=cprev, tcs=tcs, ms=ms)
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
    """The gradients of the pre-activations, ``(S, 4H)`` in PyTorch's gate order (the operand
    of the weight-gradient GEMMs), and for a projection dL/dh_t ``(S, P)``. Each step's
    elementwise work runs on contiguous gate-major ``(4, b, H)`` blocks; one strided copy puts
    them in row layout for the step's GEMM ``dh_{t-1} = dgates @ W_hh``."""
    gates, cprev, tcs = saved["gates"], saved["cprev"], saved["tcs"]
    hs = tcs.shape[1]
    n_rows = tcs.shape[0]
    dt = tcs.dtype
    b_max = max(b for _, b in steps)
    dg = np.empty((n_rows, 4 * hs), dtype=dt)  # (S, 4H) gradient of the pre-activations
    dhs = np.empty((n_rows, w_hr.shape[0]), dtype=dt) if w_hr is not None else None
    work = np.empty((4, b_max, hs), dtype=dt)  # one step's gate gradients, gate-major
    sd = np.empty((2, b_max, hs), dtype=dt)    # i (1 - i), f (1 - f)
    t1 = np.empty((b_max, hs), dtype=dt)
    t2 = np.empty((b_max, hs), dtype=dt)
    for off, b in reversed(steps):
        dht = dh[:b]
        dht += dout[off:off + b]
        if w_hr is not None:
            dhs[off:off + b] = dht
            dm = dht @ w_hr  # (b, H)
        else:
            dm = dht
        g = gates[:, off:off + b]
        i, f, gg, o = g
        tc = tcs[off:off + b]
        d = work[:, :b]
        di, df, dgg, do = d
        dct = dc[:b]
        a, e = t1[:b], t2[:b]
        # dc_t = dc_{from t+1} + dm * o * (1 - tanh(c_t)^2)
        np.multiply(dm, o, out=a)
        np.multiply(tc, tc, out=e)
        e *= a
        np.subtract(a, e, out=e)
        dct += e
        # sigmoid' = s (1 - s), tanh' = 1 - y^2, each times its upstream gradient
        np.multiply(dm, tc, out=do)
        np.multiply(o, o, out=e)
        np.subtract(o, e, out=e)
        do *= e
        s = sd[:, :b]
        np.multiply(g[:2], g[:2], out=s)
        np.subtract(g[:2], s, out=s)
        np.multiply(dct, gg, out=di)
        di *= s[0]
        np.multiply(dct, cprev[off:off + b], out=df)
        df *= s[1]
        np.multiply(gg, gg, out=e)
        np.subtract(1, e, out=e)
        e *= i
        np.multiply(e, dct, out=dgg)
        dct *= f                               # dc_{t-1}
        drow = dg[off:off + b]
        np.copyto(drow.reshape(b, 4, hs), d.transpose(1, 0, 2))  # (b, 4, H) <- (4, b, H)
        np.matmul(drow, w_hh, out=dht)         # dh_{t-1}
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
        h = h0.copy()
        saved = {}
        c = None
        if mode == "LSTM":
            c = c0.copy()
            bias = b_ih if b_hh is None else (b_hh if b_ih is None else b_ih + b_hh)
            out = _forward_lstm(x2, w_ih, bias, h, c, w_hh, w_hr, steps, saved)
        else:
            hs = w_hh.shape[0] // (3 if mode == "GRU" else 1)
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
            if mode == "GRU":
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
        n_in = x.shape[-1]
        if mode == "LSTM":
            xh = saved["xh"]  # (S, I+P): [x_t | h_{t-1}]
            x2, hprev = xh[:, :n_in], xh[:, n_in:]
        else:
            xh = None
            x2, hprev = x.reshape(-1, n_in), saved["hprev"]  # (S, I), (S, P)
        dx = _wrap((dgx @ w_ih).reshape(ctx.x_shape)) if need[0] else None
        dh0 = _wrap(dh) if need[1] else None
        dc0 = _wrap(dc) if dc is not None and need[2] else None
        if xh is not None and need[3] and need[4]:
            # both weight gradients in one GEMM: (4H, S) @ (S, I+P)
            dw = dgx.T @ xh
            dw_ih, dw_hh = _wrap(dw[:, :n_in].copy()), _wrap(dw[:, n_in:].copy())
        else:
            dw_ih = _wrap(dgx.T @ x2) if need[3] else None
            dw_hh = _wrap(dgh.T @ hprev) if need[4] else None
        db_ih = dgx.sum(0) if need[5] else None
        if need[6]:
            # one reduction over the (S, G*H) gradients when the two biases share them
            db_hh = db_ih.copy() if dgh is dgx and db_ih is not None else dgh.sum(0)
        else:
            db_hh = None
        db_ih = None if db_ih is None else _wrap(db_ih)
        db_hh = None if db_hh is None else _wrap(db_hh)
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
