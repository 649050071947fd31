"""nn.MultiheadAttention against torch: outputs, attention weights and the gradients of the
inputs and of every parameter, with torch's weights copied in through load_state_dict."""

import numpy as np
import pytest
from parity import raises_like, requires_torch, rng, to_numpy, torch

import numtorch
from numtorch import nn

__all__ = ["call_parity"]


def _flat(out):
    if isinstance(out, (tuple, list)):
        return [o for item in out for o in _flat(item)]
    return [out]


def call_parity(make, call, arrays, consts=(), atol=1e-5, rtol=1e-4, train=False,
                check_grad=True, seed=0):
    """``make(lib)`` builds the module; ``call(lib, module, *inputs, *consts)`` runs it.
    ``arrays`` (float, requiring grad) and ``consts`` (masks, no grad) are NumPy arrays or
    None. Compares every output (NaN where torch has NaN), then the gradients of the inputs and
    of every parameter after a backward pass with the same random output weights."""
    if torch is None:
        pytest.skip("PyTorch is not installed")
    th, nt = make(torch), make(numtorch)
    res = nt.load_state_dict({k: v.detach().numpy() for k, v in th.state_dict().items()})
    assert not res.missing_keys and not res.unexpected_keys
    assert list(nt.state_dict()) == list(th.state_dict())
    th.train(train)
    nt.train(train)

    def tensors(lib, items, grad):
        out = []
        for a in items:
            if a is None:
                out.append(None)
                continue
            t = lib.tensor(a)
            if grad:
                t.requires_grad_(True)
            out.append(t)
        return out

    xs_nt, xs_th = tensors(numtorch, arrays, True), tensors(torch, arrays, True)
    cs_nt, cs_th = tensors(numtorch, consts, False), tensors(torch, consts, False)
    outs_nt = _flat(call(numtorch, nt, *xs_nt, *cs_nt))
    outs_th = _flat(call(torch, th, *xs_th, *cs_th))
    assert len(outs_nt) == len(outs_th)
    r = np.random.default_rng(seed)
    loss_nt = loss_th = None
    for k, (a, b) in enumerate(zip(outs_nt, outs_th)):
        if b is None:
            assert a is None, f"output {k}: expected None"
            continue
        assert tuple(a.shape) == tuple(b.shape), f"output {k}: {tuple(a.shape)} != {b.shape}"
        assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
        np.testing.assert_allclose(to_numpy(a), to_numpy(b), atol=atol, rtol=rtol,
                                   err_msg=f"output {k}")
        if check_grad and not np.isnan(to_numpy(b)).any():
            w = r.standard_normal(tuple(b.shape))
            term_nt = (a * numtorch.tensor(w, dtype=a.dtype)).sum()
            term_th = (b * torch.tensor(w, dtype=b.dtype)).sum()
            loss_nt = term_nt if loss_nt is None else loss_nt + term_nt
            loss_th = term_th if loss_th is None else loss_th + term_th
    if loss_th is None:
        return nt, th, outs_nt
    loss_nt.backward()
    loss_th.backward()
    for i, (a, b) in enumerate(zip(xs_nt, xs_th)):
        if b is None or b.grad is None:
            continue
        np.testing.assert_allclose(to_numpy(a.grad), to_numpy(b.grad), atol=atol, rtol=rtol,
                                   err_msg=f"gradient of input {i}")
    th_params = dict(th.named_parameters())
    for name, p in nt.named_parameters():
        q = th_params[name]
        if q.grad is None:
            assert p.grad is None or not p.grad.any(), name
            continue
        np.testing.assert_allclose(to_numpy(p.grad), to_numpy(q.grad), atol=atol, rtol=rtol,
                                   err_msg=f"gradient of {name}")
    return nt, th, outs_nt


def _x(*shape, seed=0):
    return rng(seed).standard_normal(shape).astype(np.float32)


def _self_attn(lib, m, x, *rest, **kw):
    return m(x, x, x, *rest, **kw)


# ====================================================================== construction
def test_parameters_shapes_and_init():
    m = nn.MultiheadAttention(8, 2)
    shapes = {k: tuple(v.shape) for k, v in m.state_dict().items()}
    assert shapes == {"in_proj_weight": (24, 8), "in_proj_bias": (24,),
                      "out_proj.weight": (8, 8), "out_proj.bias": (8,)}
    assert type(m.out_proj).__name__ == "NonDynamicallyQuantizableLinear"
    assert isinstance(m.out_proj, nn.Linear)
    assert not m.in_proj_bias.any() and not m.out_proj.bias.any()
    bound = np.sqrt(6.0 / (24 + 8))  # xavier_uniform_ on (3E, E)
    w = m.in_proj_weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert m.q_proj_weight is None and m.head_dim == 4 and m._qkv_same_embed_dim

    m = nn.MultiheadAttention(8, 2, kdim=3, vdim=5, bias=False, add_bias_kv=True)
    shapes = {k: tuple(v.shape) for k, v in m.state_dict().items()}
    assert shapes == {"q_proj_weight": (8, 8), "k_proj_weight": (8, 3), "v_proj_weight": (8, 5),
                      "bias_k": (1, 1, 8), "bias_v": (1, 1, 8), "out_proj.weight": (8, 8)}
    assert m.in_proj_weight is None and m.in_proj_bias is None and m.out_proj.bias is None


@requires_torch
def test_constructor_errors_match_torch():
    raises_like(lambda lib: lib.nn.MultiheadAttention(6, 4), match="divisible")
    raises_like(lambda lib: lib.nn.MultiheadAttention(0, 2),
                match=r"embed_dim=0 and num_heads=2")


@requires_torch
def test_state_dict_keys_match_torch():
    for kw in ({}, {"kdim": 3, "vdim": 5}, {"bias": False}, {"add_bias_kv": True}):
        assert list(nn.MultiheadAttention(8, 2, **kw).state_dict()) == \
            list(torch.nn.MultiheadAttention(8, 2, **kw).state_dict())
    assert repr(nn.MultiheadAttention(4, 2)) == repr(torch.nn.MultiheadAttention(4, 2))


# ====================================================================== forward and backward
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("average", [True, False])
def test_self_attention_matches_torch(batch_first, average):
    x = _x(3, 5, 8)  # (L, N, E) or (N, L, E)
    call_parity(lambda lib: lib.nn.MultiheadAttention(8, 2, batch_first=batch_first),
                lambda lib, m, x: _self_attn(lib, m, x, average_attn_weights=average), [x])


@pytest.mark.parametrize("batch_first", [False, True])
def test_cross_attention_kdim_vdim_matches_torch(batch_first):
    # (L, N, E), (S, N, kdim), (S, N, vdim), or batch first
    shape = (lambda a, b, c: (b, a, c)) if batch_first else (lambda a, b, c: (a, b, c))
    q, k, v = _x(*shape(4, 2, 8)), _x(*shape(6, 2, 3), seed=1), _x(*shape(6, 2, 5), seed=2)
    call_parity(lambda lib: lib.nn.MultiheadAttention(8, 4, kdim=3, vdim=5,
                                                      batch_first=batch_first),
                lambda lib, m, q, k, v: m(q, k, v), [q, k, v])


def test_distinct_query_key_value_and_shared_key_value():
    q, kv = _x(4, 2, 8), _x(6, 2, 8, seed=1)
    make = lambda lib: lib.nn.MultiheadAttention(8, 2)  # noqa: E731
    call_parity(make, lambda lib, m, q, kv: m(q, kv, kv), [q, kv])
    call_parity(make, lambda lib, m, q, k, v: m(q, k, v), [q, kv, _x(6, 2, 8, seed=2)])


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("kind", ["bool", "float"])
def test_masks_match_torch(need_weights, kind):
    x = _x(2, 4, 8)  # (N, L, E), batch first
    r = rng(3)
    attn = r.random((4, 4)) < 0.3
    np.fill_diagonal(attn, False)
    kpm = np.array([[False, False, True, True], [False, False, False, True]])
    if kind == "float":
        attn = np.where(attn, -np.inf, r.standard_normal((4, 4))).astype(np.float32)
        kpm = np.where(kpm, -np.inf, 0.0).astype(np.float32)
    call_parity(lambda lib: lib.nn.MultiheadAttention(8, 2, batch_first=True),
                lambda lib, m, x, a, k: _self_attn(lib, m, x, attn_mask=a, key_padding_mask=k,
                                                   need_weights=need_weights),
                [x], [attn, kpm])


def test_3d_attn_mask_and_key_padding_mask_alone():
    x = _x(3, 2, 8)  # (L, N, E)
    mask3 = rng(1).random((2 * 2, 3, 3)) < 0.4  # (N*heads, L, S)
    mask3[:, :, 0] = False
    make = lambda lib: lib.nn.MultiheadAttention(8, 2)  # noqa: E731
    call_parity(make, lambda lib, m, x, a: _self_attn(lib, m, x, attn_mask=a), [x], [mask3])
    kpm = np.array([[False, True, False], [False, False, False]])
    call_parity(make, lambda lib, m, x, k: _self_attn(lib, m, x, key_padding_mask=k), [x], [kpm])


def test_fully_masked_rows_nan_with_weights_zero_without():
    x = _x(2, 3, 8)
    kpm = np.array([[False, False, False], [True, True, True]])
    make = lambda lib: lib.nn.MultiheadAttention(8, 2, batch_first=True)  # noqa: E731
    nt, _, outs = call_parity(make, lambda lib, m, x, k: _self_attn(lib, m, x,
                                                                    key_padding_mask=k),
                              [x], [kpm], check_grad=False)
    assert np.isnan(to_numpy(outs[0])[1]).all() and not np.isnan(to_numpy(outs[0])[0]).any()
    call_parity(make, lambda lib, m, x, k: _self_attn(lib, m, x, key_padding_mask=k,
                                                      need_weights=False), [x], [kpm])


@pytest.mark.parametrize("need_weights", [True, False])
def test_causal_hint_matches_torch(need_weights):
    x = _x(2, 5, 8)
    causal = np.triu(np.ones((5, 5), dtype=bool), 1)
    call_parity(lambda lib: lib.nn.MultiheadAttention(8, 2, batch_first=True),
                lambda lib, m, x, a: _self_attn(lib, m, x, attn_mask=a, is_causal=True,
                                                need_weights=need_weights), [x], [causal])


def test_unbatched_input_matches_torch():
    x = _x(5, 8)  # (L, E)
    kpm = np.array([False, False, False, True, False])
    for bf in (False, True):
        call_parity(lambda lib: lib.nn.MultiheadAttention(8, 2, batch_first=bf),
                    lambda lib, m, x, k: _self_attn(lib, m, x, key_padding_mask=k,
                                                    average_attn_weights=False), [x], [kpm])


def test_no_bias_bias_kv_and_zero_attn_match_torch():
    x = _x(3, 2, 8)
    mask = np.triu(np.ones((3, 3), dtype=bool), 1)
    for kw in ({"bias": False}, {"add_bias_kv": True}, {"add_zero_attn": True},
               {"add_bias_kv": True, "add_zero_attn": True, "kdim": 8, "vdim": 6}):
        v = _x(3, 2, kw.get("vdim", 8), seed=4)
        call_parity(lambda lib: lib.nn.MultiheadAttention(8, 2, **kw),
                    lambda lib, m, x, v, a: m(x, x, v, attn_mask=a), [x, v], [mask])


def test_float64_matches_torch():
    x = rng().standard_normal((3, 2, 4))
    call_parity(lambda lib: lib.nn.MultiheadAttention(4, 2, dtype=lib.float64),
                lambda lib, m, x: _self_attn(lib, m, x), [x], atol=1e-10, rtol=1e-10)


def test_dropout_eval_exact_and_train_statistics():
    m = nn.MultiheadAttention(8, 2, dropout=0.5, batch_first=True)
    x = numtorch.tensor(_x(4, 6, 8))
    m.eval()
    a1, w1 = m(x, x, x)
    a2, _ = m(x, x, x)
    assert np.array_equal(a1.detach().numpy(), a2.detach().numpy())
    np.testing.assert_allclose(w1.detach().numpy().sum(-1), 1.0, rtol=1e-5)
    m.train()
    _, w = m(x, x, x, average_attn_weights=False)  # (N, H, L, S), dropped and rescaled
    w = w.detach().numpy()
    zero = np.mean(w == 0)
    assert 0.4 < zero < 0.6, zero
    # kept weights are scaled by 1 / (1 - p): row sums average 1 over many rows
    assert abs(w.sum(-1).mean() - 1.0) < 0.15


# ====================================================================== bad input
@requires_torch
def test_errors_match_torch():
    def mha(lib):
        lib.manual_seed(0)
        return lib.nn.MultiheadAttention(8, 2)

    x, y = _x(3, 2, 8), _x(3, 2, 6)
    raises_like(lambda lib, x, y: mha(lib)(y, y, y), x, y,
                match="was expecting embedding dimension of 8, but got 6")
    raises_like(lambda lib, x: mha(lib)(x, x, x, attn_mask=lib.zeros(3, 4)), x,
                match=r"The shape of the 2D attn_mask is torch.Size\(\[3, 4\]\), but should be "
                      r"\(3, 3\)\.")
    raises_like(lambda lib, x: mha(lib)(x, x, x, attn_mask=lib.zeros(2, 3, 3)), x,
                match=r"The shape of the 3D attn_mask is torch.Size\(\[2, 3, 3\]\), but should "
                      r"be \(4, 3, 3\)\.")
    raises_like(lambda lib, x: mha(lib)(x, x, x, key_padding_mask=lib.zeros(3, 3,
                                                                             dtype=lib.bool)),
                x, match="Expected key_padded_mask.shape\\[0\\] to be 2, but got 3")
    raises_like(lambda lib, x: mha(lib)(x, x, x, key_padding_mask=lib.zeros(2, 4,
                                                                             dtype=lib.bool)),
                x, match="Expected key_padded_mask.shape\\[1\\] to be 3, but got 4")
    raises_like(lambda lib, x: mha(lib)(x, x[:2], x), x,
                match=r"key shape torch.Size\(\[2, 2, 8\]\) does not match value shape "
                      r"torch.Size\(\[3, 2, 8\]\)")
    raises_like(lambda lib, x: mha(lib)(x, x[0], x[0]), x,
                match="expected `key` and `value` to be 3-D but found 2-D and 2-D")
    raises_like(lambda lib, x: mha(lib)(x[None], x[None], x[None]), x,
                match="query should be unbatched 2D or batched 3D tensor but received 4-D")
    raises_like(lambda lib, x: mha(lib)(x, x, x, attn_mask=lib.zeros(3, 3, dtype=lib.int64)),
                x, match="only bool and floating types of attn_mask are supported")
    raises_like(lambda lib, x: mha(lib)(x, x, x, is_causal=True), x,
                match="Need attn_mask if specifying the is_causal hint")
    raises_like(lambda lib, x: mha(lib)(x[:, 0], x[:, 0], x[:, 0],
                                        attn_mask=lib.zeros(3, 3, 3)), x,
                match=r"Expected `attn_mask` shape to be \(2, 3, 3\)")


def test_mismatched_mask_types_warn():
    m = nn.MultiheadAttention(8, 2)
    x = numtorch.tensor(_x(3, 2, 8))
    with pytest.warns(UserWarning, match="Support for mismatched key_padding_mask and "
                                         "attn_mask is deprecated"):
        m(x, x, x, key_padding_mask=numtorch.zeros(2, 3, dtype=numtorch.bool),
          attn_mask=numtorch.zeros(3, 3))
