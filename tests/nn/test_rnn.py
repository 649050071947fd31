"""Recurrent layers (numtorch/nn/modules/rnn.py) and the fused recurrence primitive
(numtorch/ops/rnn.py): conformance with torch.nn.RNN/LSTM/GRU and the cells (outputs, final
states, gradients of inputs, initial states and every parameter, weights copied through
``load_state_dict``), finite-difference checks, PyTorch's errors."""

import math
import warnings

import numpy as np
import pytest
from parity import check_grad, raises_like, requires_torch, rng, to_numpy, torch

import numtorch
from numtorch.ops.rnn import rnn_layer

LAYERS = [("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {}), ("GRU", {})]
CONFIGS = [
    dict(num_layers=1, batch_first=False, bidirectional=False, bias=True),
    dict(num_layers=2, batch_first=True, bidirectional=False, bias=False),
    dict(num_layers=2, batch_first=False, bidirectional=True, bias=True, dropout=0.5),
    dict(num_layers=1, batch_first=True, bidirectional=True, bias=True),
]
I, H = 3, 4


def _pair(name, kwargs, dtype="float64"):
    """The same layer in both libraries, numtorch's weights loaded from torch's state dict."""
    torch.manual_seed(0)
    th = getattr(torch.nn, name)(I, H, **kwargs).to(getattr(torch, dtype))
    nt = getattr(numtorch.nn, name)(I, H, **kwargs).to(getattr(numtorch, dtype))
    nt.load_state_dict({k: v.detach().numpy() for k, v in th.state_dict().items()})
    th.eval()
    nt.eval()
    return nt, th


def _flat(out):
    """Every tensor in a nested (output, h_n) / (output, (h_n, c_n)) / PackedSequence."""
    if isinstance(out, (tuple, list)):
        res = []
        for o in out:
            res.extend(_flat(o))
        return res
    return [] if out is None else [out]


def _compare(nt, th, run, arrays, atol=1e-10, rtol=1e-7):
    """``run(lib, module, *tensors)`` on both; compare every output, then the gradients of
    every input and parameter after a backward of the same random weighting of the outputs."""
    nt_in = [numtorch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    th_in = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    nt_out = [o for o in _flat(run(numtorch, nt, *nt_in)) if o.dtype.is_floating_point]
    th_out = [o for o in _flat(run(torch, th, *th_in)) if o.dtype.is_floating_point]
    assert len(nt_out) == len(th_out)
    r = rng(1)
    nt_loss = th_loss = 0
    for k, (a, b) in enumerate(zip(nt_out, th_out)):
        assert tuple(a.shape) == tuple(b.shape), f"output {k}"
        assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
        np.testing.assert_allclose(to_numpy(a), to_numpy(b), atol=atol, rtol=rtol,
                                   err_msg=f"output {k}")
        w = r.standard_normal(tuple(b.shape))
        nt_loss = nt_loss + (a * numtorch.tensor(w, dtype=a.dtype)).sum()
        th_loss = th_loss + (b * torch.tensor(w, dtype=b.dtype)).sum()
    nt_loss.backward()
    th_loss.backward()
    for k, (a, b) in enumerate(zip(nt_in, th_in)):
        if b.requires_grad:
            np.testing.assert_allclose(to_numpy(a.grad), to_numpy(b.grad), atol=atol,
                                       rtol=rtol, err_msg=f"gradient of input {k}")
    nt_params = dict(nt.named_parameters())
    for name, p in th.named_parameters():
        assert nt_params[name].grad is not None, name
        np.testing.assert_allclose(to_numpy(nt_params[name].grad), to_numpy(p.grad), atol=atol,
                                   rtol=rtol, err_msg=f"gradient of {name}")


def _states(name, cfg, n, proj_size=0, seed=2):
    d = 2 if cfg.get("bidirectional") else 1
    layers = cfg.get("num_layers", 1)
    r = rng(seed)
    h0 = r.standard_normal((layers * d, n, proj_size or H))
    c0 = r.standard_normal((layers * d, n, H))
    return [h0, c0] if name == "LSTM" else [h0]


def _hx(name, states):
    return tuple(states) if name == "LSTM" else states[0]


# ====================================================================== layers vs torch
@requires_torch
@pytest.mark.parametrize("name,extra", LAYERS)
@pytest.mark.parametrize("cfg", CONFIGS)
def test_layer_padded_matches_torch(name, extra, cfg):
    nt, th = _pair(name, {**extra, **cfg})
    x = rng(0).standard_normal((2, 5, I) if cfg["batch_first"] else (5, 2, I))
    states = _states(name, cfg, 2)
    _compare(nt, th, lambda lib, m, x, *s: m(x, _hx(name, s)), [x] + states)


@requires_torch
@pytest.mark.parametrize("name,extra", LAYERS)
def test_layer_without_initial_state(name, extra):
    nt, th = _pair(name, {**extra, "num_layers": 2})
    _compare(nt, th, lambda lib, m, x: m(x), [rng(0).standard_normal((4, 3, I))])


@requires_torch
@pytest.mark.parametrize("name,extra", LAYERS)
@pytest.mark.parametrize("batch_first", [False, True])
def test_layer_unbatched_input(name, extra, batch_first):
    cfg = dict(num_layers=2, bidirectional=True, batch_first=batch_first)
    nt, th = _pair(name, {**extra, **cfg})
    states = [s[:, 0] for s in _states(name, cfg, 1)]
    _compare(nt, th, lambda lib, m, x, *s: m(x, _hx(name, s)),
             [rng(0).standard_normal((5, I))] + states)


@requires_torch
@pytest.mark.parametrize("name,extra", LAYERS)
@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_layer_packed_matches_torch(name, extra, enforce_sorted, bidirectional):
    cfg = dict(num_layers=2, bidirectional=bidirectional)
    nt, th = _pair(name, {**extra, **cfg})
    lengths = [5, 3, 3, 1] if enforce_sorted else [3, 5, 1, 3]
    x = rng(0).standard_normal((5, 4, I))
    states = _states(name, cfg, 4)

    def run(lib, m, x, *s):
        utils = lib.nn.utils.rnn
        packed = utils.pack_padded_sequence(x, lengths, enforce_sorted=enforce_sorted)
        out, hidden = m(packed, _hx(name, s))
        assert isinstance(out, utils.PackedSequence)
        padded, out_lengths = utils.pad_packed_sequence(out, batch_first=True, total_length=6)
        assert out_lengths.tolist() == lengths
        return out.data, padded, hidden

    _compare(nt, th, run, [x] + states)


@requires_torch
@pytest.mark.parametrize("batch_first", [False, True])
def test_lstm_projection_matches_torch(batch_first):
    cfg = dict(num_layers=2, bidirectional=True, batch_first=batch_first, proj_size=2)
    nt, th = _pair("LSTM", cfg)
    assert tuple(nt.weight_hr_l1_reverse.shape) == (2, H)
    assert tuple(nt.weight_ih_l1.shape) == (4 * H, 4)
    x = rng(0).standard_normal((3, 4, I) if batch_first else (4, 3, I))
    _compare(nt, th, lambda lib, m, x, h, c: m(x, (h, c)),
             [x] + _states("LSTM", cfg, 3, proj_size=2))


@requires_torch
def test_lstm_projection_packed_unsorted():
    nt, th = _pair("LSTM", dict(proj_size=2, bidirectional=True))

    def run(lib, m, a, b, c):
        packed = lib.nn.utils.rnn.pack_sequence([a, b, c], enforce_sorted=False)
        return m(packed)

    r = rng(0)
    _compare(nt, th, run, [r.standard_normal((2, I)), r.standard_normal((4, I)),
                           r.standard_normal((3, I))])


@requires_torch
@pytest.mark.parametrize("name", ["LSTM", "GRU"])
def test_layer_float32_matches_torch(name):
    nt, th = _pair(name, dict(num_layers=2, bidirectional=True), dtype="float32")
    x = rng(0).standard_normal((6, 3, I)).astype(np.float32)
    _compare(nt, th, lambda lib, m, x: m(x), [x], atol=1e-5, rtol=1e-4)


def test_dropout_between_layers_only_in_training():
    numtorch.manual_seed(0)
    m = numtorch.nn.GRU(I, H, num_layers=2, dropout=0.5)
    x = numtorch.tensor(rng(0).standard_normal((4, 2, I)).astype(np.float32))
    m.eval()
    a, b = m(x)[0], m(x)[0]
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    m.train()
    c = m(x)[0]
    assert not np.allclose(a.detach().numpy(), c.detach().numpy())
    m1 = numtorch.nn.GRU(I, H, num_layers=1)
    m1.train()
    np.testing.assert_array_equal(m1(x)[0].detach().numpy(), m1(x)[0].detach().numpy())


def test_output_shapes_and_defaults():
    m = numtorch.nn.LSTM(I, H, num_layers=3, bidirectional=True, batch_first=True)
    out, (h, c) = m(numtorch.randn(2, 7, I))
    assert tuple(out.shape) == (2, 7, 2 * H)
    assert tuple(h.shape) == (6, 2, H) and tuple(c.shape) == (6, 2, H)
    out, h = numtorch.nn.RNN(I, H)(numtorch.randn(7, I))
    assert tuple(out.shape) == (7, H) and tuple(h.shape) == (1, H)
    assert out.dtype == numtorch.float32


# ====================================================================== parameters
@requires_torch
@pytest.mark.parametrize("name,kwargs", [
    ("RNN", dict(num_layers=2, bidirectional=True)), ("LSTM", dict(proj_size=2, num_layers=2)),
    ("GRU", dict(bias=False, bidirectional=True)), ("RNNCell", {}), ("LSTMCell", {}),
    ("GRUCell", dict(bias=False))])
def test_parameter_names_shapes_and_init(name, kwargs):
    nt = getattr(numtorch.nn, name)(I, H, **kwargs)
    th = getattr(torch.nn, name)(I, H, **kwargs)
    nt_params = [(k, tuple(v.shape)) for k, v in nt.named_parameters()]
    th_params = [(k, tuple(v.shape)) for k, v in th.named_parameters()]
    assert nt_params == th_params
    bound = 1 / math.sqrt(H)
    for _, p in nt.named_parameters():
        assert np.abs(p.detach().numpy()).max() <= bound
    assert repr(nt) == repr(th)


@requires_torch
@pytest.mark.parametrize("args,kwargs", [
    ((10, 20), dict(nonlinearity="relu", num_layers=3, dropout=0.2, batch_first=True)),
    ((10, 20), dict(bias=False, bidirectional=True)),
])
def test_repr_like_torch(args, kwargs):
    for name in ("RNN", "GRU", "LSTM"):
        if name != "RNN":
            kwargs = {k: v for k, v in kwargs.items() if k != "nonlinearity"}
        assert repr(getattr(numtorch.nn, name)(*args, **kwargs)) == \
            repr(getattr(torch.nn, name)(*args, **kwargs))
    assert repr(numtorch.nn.RNNCell(3, 4, False, "relu")) == repr(torch.nn.RNNCell(3, 4, False,
                                                                                   "relu"))


def test_flatten_parameters_and_all_weights():
    m = numtorch.nn.LSTM(I, H, num_layers=2, bidirectional=True)
    assert m.flatten_parameters() is None
    weights = m.all_weights
    assert len(weights) == 4 and len(weights[0]) == 4
    assert weights[3][0] is m.weight_ih_l1_reverse


def test_nn_namespace():
    for name in ("RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell",
                 "GRUCell"):
        assert getattr(numtorch.nn, name) is getattr(numtorch.nn.modules.rnn, name)


# ====================================================================== cells
CELLS = [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}), ("LSTMCell", {}),
         ("GRUCell", {}), ("GRUCell", {"bias": False})]


@requires_torch
@pytest.mark.parametrize("name,kwargs", CELLS)
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("with_state", [True, False])
def test_cell_matches_torch(name, kwargs, batched, with_state):
    nt, th = _pair(name, kwargs)
    r = rng(0)
    shape = (3,) if batched else ()
    arrays = [r.standard_normal(shape + (I,))]
    if with_state:
        arrays += [r.standard_normal(shape + (H,))] * (2 if name == "LSTMCell" else 1)

    def run(lib, m, x, *s):
        if not s:
            return m(x)
        return m(x, tuple(s) if name == "LSTMCell" else s[0])

    _compare(nt, th, run, arrays)


def _cell_fn(name, kwargs):
    """fn(lib, x, h, [c,] *params): the cell with its parameters replaced by the inputs."""
    def fn(lib, x, *rest):
        n_state = 2 if name == "LSTMCell" else 1
        states, params = rest[:n_state], rest[n_state:]
        cell = getattr(lib.nn, name)(I, H, **kwargs)
        names = [k for k, _ in cell.named_parameters()]
        for k, p in zip(names, params):
            delattr(cell, k)
            setattr(cell, k, p)
        out = cell(x, tuple(states) if name == "LSTMCell" else states[0])
        return lib.cat(out, -1) if name == "LSTMCell" else out
    return fn


@pytest.mark.parametrize("name,kwargs", CELLS)
def test_cell_gradcheck_and_gradgradcheck(name, kwargs):
    r = rng(3)
    g = {"RNNCell": 1, "LSTMCell": 4, "GRUCell": 3}[name]
    states = [r.standard_normal((2, H))] * (2 if name == "LSTMCell" else 1)
    params = [r.standard_normal((g * H, I)) * 0.5, r.standard_normal((g * H, H)) * 0.5]
    if kwargs.get("bias", True):
        params += [r.standard_normal(g * H) * 0.5, r.standard_normal(g * H) * 0.5]
    x = r.standard_normal((2, I))
    if kwargs.get("nonlinearity") == "relu":
        x = x + 0.05  # keep pre-activations away from the kink
    check_grad(_cell_fn(name, kwargs), x, *states, *params, gradgrad=True)


# ====================================================================== fused primitive
def _layer_arrays(mode, n, proj=0, bias=True, seed=4):
    r = rng(seed)
    g = {"LSTM": 4, "GRU": 3}.get(mode, 1)
    p = proj or H
    arrays = [r.standard_normal((n, p)), r.standard_normal((n, H)) if mode == "LSTM" else None,
              r.standard_normal((g * H, I)) * 0.5, r.standard_normal((g * H, p)) * 0.5]
    arrays += [r.standard_normal(g * H) * 0.5, r.standard_normal(g * H) * 0.5] if bias \
        else [None, None]
    arrays.append(r.standard_normal((p, H)) * 0.5 if proj else None)
    return arrays


@pytest.mark.parametrize("mode", ["RNN_TANH", "RNN_RELU", "LSTM", "GRU"])
@pytest.mark.parametrize("reverse", [False, True])
def test_fused_layer_gradcheck_padded(mode, reverse):
    x = rng(5).standard_normal((4, 3, I))

    def fn(lib, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr):
        out = rnn_layer(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, mode=mode, reverse=reverse)
        return out

    check_grad(fn, x, *_layer_arrays(mode, 3))


@pytest.mark.parametrize("mode,proj,bias", [("RNN_TANH", 0, True), ("LSTM", 2, True),
                                            ("LSTM", 0, False), ("GRU", 0, True),
                                            ("GRU", 0, False)])
@pytest.mark.parametrize("reverse", [False, True])
def test_fused_layer_gradcheck_packed(mode, proj, bias, reverse):
    batch_sizes = (3, 3, 2, 1)
    x = rng(6).standard_normal((sum(batch_sizes), I))

    def fn(lib, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr):
        return rnn_layer(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, mode=mode, reverse=reverse,
                         batch_sizes=batch_sizes)

    check_grad(fn, x, *_layer_arrays(mode, 3, proj=proj, bias=bias))


@pytest.mark.parametrize("drop", [5, 6])
def test_fused_lstm_gradcheck_one_bias(drop):
    """The LSTM sums its two biases into the input projection; either one may be absent."""
    x = rng(7).standard_normal((3, 2, I))
    h0, c0, w_ih, w_hh, b_ih, b_hh, _ = _layer_arrays("LSTM", 2)

    def fn(lib, x, h0, c0, w_ih, w_hh, b):
        biases = (b, None) if drop == 6 else (None, b)  # drop b_hh (6) or b_ih (5)
        return rnn_layer(x, h0, c0, w_ih, w_hh, *biases, mode="LSTM")

    check_grad(fn, x, h0, c0, w_ih, w_hh, b_ih if drop == 6 else b_hh)


@requires_torch
@pytest.mark.parametrize("frozen", ["weight_ih_l0", "weight_hh_l0", None])
def test_lstm_weight_gradients_with_a_frozen_weight(frozen):
    """Both weight gradients come from one GEMM when both are needed, else one GEMM each."""
    nt, th = _pair("LSTM", dict(proj_size=2))
    for m in (nt, th):
        if frozen is not None:
            getattr(m, frozen).requires_grad_(False)
    x = rng(0).standard_normal((5, 3, I))
    outs = []
    for lib, m in ((numtorch, nt), (torch, th)):
        out, (h, c) = m(lib.tensor(x))
        (out.sum() + (h * c[..., :2]).sum()).backward()
        outs.append({k: None if p.grad is None else to_numpy(p.grad)
                     for k, p in m.named_parameters()})
    for k, g in outs[1].items():
        if g is None:
            assert outs[0][k] is None, k
        else:
            np.testing.assert_allclose(outs[0][k], g, atol=1e-10, rtol=1e-7, err_msg=k)


def test_fused_layer_is_once_differentiable():
    x = numtorch.randn(3, 2, I, dtype=numtorch.float64, requires_grad=True)
    arrays = _layer_arrays("GRU", 2)
    ts = [None if a is None else numtorch.tensor(a, requires_grad=True) for a in arrays]
    out, h = rnn_layer(x, *ts, mode="GRU")
    (gx,) = numtorch.autograd.grad((out * out).sum(), x, create_graph=True)
    with pytest.raises(RuntimeError, match="once_differentiable"):
        gx.sum().backward()


def test_fused_layer_detects_weight_change_before_backward():
    m = numtorch.nn.LSTM(I, H)
    out, _ = m(numtorch.randn(3, 2, I))
    with numtorch.no_grad():
        m.weight_hh_l0.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


# ====================================================================== errors
@requires_torch
@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_wrong_input_size(name):
    err = raises_like(lambda lib: getattr(lib.nn, name)(10, 20)(lib.randn(5, 3, 7)))
    assert isinstance(err, RuntimeError)
    assert str(err) == "input.size(-1) must be equal to input_size. Expected 10, got 7"


@requires_torch
def test_wrong_hidden_shape():
    err = raises_like(lambda lib: lib.nn.GRU(10, 20)(lib.randn(5, 3, 10), lib.randn(1, 4, 20)))
    assert str(err) == "Expected hidden size (1, 3, 20), got [1, 4, 20]"
    err = raises_like(lambda lib: lib.nn.RNN(10, 20)(lib.randn(5, 3, 10), lib.randn(1, 4, 20)))
    assert str(err) == "Expected hidden size (1, 3, 20), got [1, 4, 20]"
    err = raises_like(lambda lib: lib.nn.LSTM(10, 20)(
        lib.randn(5, 3, 10), (lib.randn(1, 4, 20), lib.randn(1, 3, 20))))
    assert str(err) == "Expected hidden[0] size (1, 3, 20), got [1, 4, 20]"
    err = raises_like(lambda lib: lib.nn.LSTM(10, 20)(
        lib.randn(5, 3, 10), (lib.randn(1, 3, 20), lib.randn(1, 4, 20))))
    assert str(err) == "Expected hidden[1] size (1, 3, 20), got [1, 4, 20]"


@requires_torch
@pytest.mark.parametrize("fn,match", [
    (lambda lib: lib.nn.LSTM(2, 4)(lib.randn(5, 3, 2, 1)),
     r"^LSTM: Expected input to be 2D or 3D, got 4D instead$"),
    (lambda lib: lib.nn.RNN(2, 4)(lib.randn(5, 3, 2, 1)),
     r"^RNN: Expected input to be 2D or 3D, got 4D tensor instead$"),
    (lambda lib: lib.nn.GRU(2, 4)(lib.randn(5, 3, 2), lib.randn(4, 3)),
     r"^For batched 3-D input, hx should also be 3-D but got 2-D tensor$"),
    (lambda lib: lib.nn.RNN(2, 4)(lib.randn(5, 2), lib.randn(1, 3, 4)),
     r"^For unbatched 2-D input, hx should also be 2-D but got 3-D tensor$"),
    (lambda lib: lib.nn.LSTM(2, 4)(lib.randn(5, 3, 2), (lib.randn(1, 3, 4), lib.randn(3, 4))),
     r"^For batched 3-D input, hx and cx should also be 3-D but got \(3-D, 2-D\) tensors$"),
    (lambda lib: lib.nn.LSTM(2, 4)(lib.randn(5, 3, 2, dtype=lib.float64)),
     r"^RNN input dtype \(torch.float64\) does not match weight dtype \(torch.float32\)"),
    (lambda lib: lib.nn.RNN(2, 4)(lib.nn.utils.rnn.PackedSequence(
        lib.randn(6, 2, 1), lib.tensor([3, 2, 1]))), r"^input must have 2 dimensions, got 3$"),
    (lambda lib: lib.nn.GRU(3, 4, proj_size=2),
     r"^proj_size argument is only supported for LSTM, not RNN or GRU$"),
    (lambda lib: lib.nn.LSTM(3, 4, proj_size=4), r"^proj_size has to be smaller than"),
    (lambda lib: lib.nn.LSTM(3, 4, dropout=1.5), r"^dropout should be a number in range"),
    (lambda lib: lib.nn.RNN(3, 4, nonlinearity="sigmoid"), r"^Unknown nonlinearity 'sigmoid'"),
    (lambda lib: lib.nn.GRU(3, 0), r"^hidden_size must be greater than zero$"),
    (lambda lib: lib.nn.GRU(3, 4.0), r"^hidden_size should be of type int, got: float$"),
    (lambda lib: lib.nn.LSTM(3, 4, num_layers=0), r"^num_layers must be greater than zero$"),
    (lambda lib: lib.nn.RNNCell(10, 20)(lib.randn(3, 7)),
     r"^input has inconsistent input_size: got 7 expected 10$"),
    (lambda lib: lib.nn.GRUCell(10, 20)(lib.randn(3, 10), lib.randn(4, 20)),
     r"^Input batch size 3 doesn't match hidden0 batch size 4$"),
    (lambda lib: lib.nn.LSTMCell(10, 20)(lib.randn(3, 10), (lib.randn(3, 20),
                                                           lib.randn(3, 21))),
     r"^hidden1 has inconsistent hidden_size: got 21, expected 20$"),
    (lambda lib: lib.nn.GRUCell(10, 20)(lib.randn(2, 3, 10)),
     r"^GRUCell: Expected input to be 1D or 2D, got 3D instead$"),
    (lambda lib: lib.nn.LSTMCell(10, 20)(lib.randn(3, 10), (lib.randn(1, 3, 20),
                                                           lib.randn(3, 20))),
     r"^LSTMCell: Expected hx\[0\] to be 1D or 2D, got 3D instead$"),
    (lambda lib: lib.nn.RNNCell(3, 4, nonlinearity="sig")(lib.randn(2, 3)),
     r"^Unknown nonlinearity: sig$"),
])
def test_errors_like_torch(fn, match):
    raises_like(fn, match=match)


def test_hidden_dtype_must_match_input():
    with pytest.raises(RuntimeError, match="found input tensor with Float and hidden tensor "
                                           "with Double"):
        numtorch.nn.GRU(3, 4)(numtorch.randn(5, 2, 3), numtorch.zeros(1, 2, 4,
                                                                      dtype=numtorch.float64))


def test_dropout_warning_for_one_layer():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        numtorch.nn.LSTM(3, 4, dropout=0.5)
    assert any("non-zero dropout expects num_layers greater than 1" in str(w.message)
               for w in caught)
