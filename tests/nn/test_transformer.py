"""Transformer layers, stacks and the full model against torch: outputs and the gradients of
the inputs and of every parameter, with torch's weights copied in through load_state_dict."""

import warnings

import numpy as np
import pytest
from parity import raises_like, requires_torch, rng, to_numpy, torch

import numtorch
from numtorch import nn

from .test_attention import call_parity

D, H, FF = 8, 2, 16


def _x(*shape, seed=0):
    return rng(seed).standard_normal(shape).astype(np.float32)


def _seq(batch_first, length, n=2, seed=0):
    return _x(n, length, D, seed=seed) if batch_first else _x(length, n, D, seed=seed)


def _quiet(fn):
    """Build without the nested-tensor warning that both libraries give."""
    def make(lib):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(lib)
    return make


# ====================================================================== encoder layer
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_encoder_layer_matches_torch(batch_first, norm_first, activation):
    x = _seq(batch_first, 5)
    call_parity(lambda lib: lib.nn.TransformerEncoderLayer(
        D, H, FF, dropout=0.0, activation=activation, batch_first=batch_first,
        norm_first=norm_first), lambda lib, m, x: m(x), [x], train=True)


def test_encoder_layer_masks_match_torch():
    x = _seq(True, 4)
    causal = np.triu(np.ones((4, 4), dtype=bool), 1)
    kpm = np.array([[False, False, False, True], [False, False, False, False]])
    make = lambda lib: lib.nn.TransformerEncoderLayer(D, H, FF, 0.0,  # noqa: E731
                                                      batch_first=True)
    call_parity(make, lambda lib, m, x, a, k: m(x, src_mask=a, src_key_padding_mask=k),
                [x], [causal, kpm])
    fmask = np.where(causal, -np.inf, 0.0).astype(np.float32)
    call_parity(make, lambda lib, m, x, a: m(x, src_mask=a, is_causal=True), [x], [fmask])


def test_encoder_layer_callable_activation_no_bias_and_unbatched():
    x = _x(5, D)  # unbatched (L, E)
    call_parity(lambda lib: lib.nn.TransformerEncoderLayer(
        D, H, FF, 0.0, activation=lib.nn.functional.silu, bias=False, layer_norm_eps=1e-3),
        lambda lib, m, x: m(x), [x])
    call_parity(lambda lib: lib.nn.TransformerEncoderLayer(D, H, FF, 0.0,
                                                           activation=lib.nn.GELU()),
                lambda lib, m, x: m(x), [_seq(False, 3)])


def test_encoder_layer_submodules_and_activation_flag():
    layer = nn.TransformerEncoderLayer(D, H, FF)
    names = [n for n, _ in layer.named_children()]
    assert names == ["self_attn", "linear1", "dropout", "linear2", "norm1", "norm2",
                     "dropout1", "dropout2"]
    assert layer.activation_relu_or_gelu == 1 and layer.self_attn.dropout == 0.1
    assert nn.TransformerEncoderLayer(D, H, activation="gelu").activation_relu_or_gelu == 2
    assert layer.linear1.out_features == FF
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(D, H, activation="tanh")


def test_encoder_layer_dropout_eval_exact_train_random():
    layer = nn.TransformerEncoderLayer(D, H, FF, dropout=0.3, batch_first=True)
    x = numtorch.tensor(_seq(True, 6))
    layer.eval()
    assert np.array_equal(layer(x).detach().numpy(), layer(x).detach().numpy())
    with numtorch.no_grad():
        ref = layer(x).numpy()
        layer.train()
        a, b = layer(x).numpy(), layer(x).numpy()
    assert not np.allclose(a, b) and not np.allclose(a, ref)
    # Post-norm output: each token is LayerNorm-ed, so mean 0 and variance 1 survive dropout.
    np.testing.assert_allclose(a.mean(-1), 0.0, atol=1e-5)


@requires_torch
def test_encoder_layer_eval_mode_matches_torch():
    x = _seq(True, 5)
    call_parity(lambda lib: lib.nn.TransformerEncoderLayer(D, H, FF, dropout=0.2,
                                                           batch_first=True),
                lambda lib, m, x: m(x), [x], train=False)


# ====================================================================== decoder layer
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_matches_torch(batch_first, norm_first):
    tgt, mem = _seq(batch_first, 4), _seq(batch_first, 6, seed=1)
    causal = np.triu(np.ones((4, 4), dtype=bool), 1)
    mem_kpm = np.array([[False] * 5 + [True], [False] * 6])
    call_parity(lambda lib: lib.nn.TransformerDecoderLayer(
        D, H, FF, 0.0, activation="gelu", batch_first=batch_first, norm_first=norm_first),
        lambda lib, m, t, mem, a, k: m(t, mem, tgt_mask=a, memory_key_padding_mask=k),
        [tgt, mem], [causal, mem_kpm], train=True)


def test_decoder_layer_memory_mask_and_tgt_padding():
    tgt, mem = _seq(False, 3), _seq(False, 4, seed=1)
    mem_mask = _x(3, 4, seed=2)
    tgt_kpm = np.array([[False, False, True], [False, False, False]])
    call_parity(lambda lib: lib.nn.TransformerDecoderLayer(D, H, FF, 0.0),
                lambda lib, m, t, mem, mm, k: m(t, mem, memory_mask=mm,
                                                tgt_key_padding_mask=k),
                [tgt, mem], [mem_mask, tgt_kpm])
    names = [n for n, _ in nn.TransformerDecoderLayer(D, H, FF).named_children()]
    assert names == ["self_attn", "multihead_attn", "linear1", "dropout", "linear2", "norm1",
                     "norm2", "norm3", "dropout1", "dropout2", "dropout3"]


# ====================================================================== stacks
@pytest.mark.parametrize("batch_first", [False, True])
def test_encoder_stack_matches_torch(batch_first):
    x = _seq(batch_first, 5)
    mask = np.triu(np.full((5, 5), -np.inf, dtype=np.float32), 1)

    def make(lib):
        layer = lib.nn.TransformerEncoderLayer(D, H, FF, 0.0, batch_first=batch_first)
        return lib.nn.TransformerEncoder(layer, 2, norm=lib.nn.LayerNorm(D),
                                         enable_nested_tensor=False)

    nt, _, _ = call_parity(make, lambda lib, m, x, a: m(x, mask=a), [x], [mask], train=True)
    assert nt.num_layers == 2 and "layers.1.self_attn.in_proj_weight" in nt.state_dict()


def test_encoder_stack_deep_copies_the_layer():
    layer = nn.TransformerEncoderLayer(D, H, FF)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        enc = nn.TransformerEncoder(layer, 3)
    assert enc.layers[0] is not layer and enc.layers[0] is not enc.layers[1]
    w0, w1 = enc.layers[0].linear1.weight, enc.layers[1].linear1.weight
    assert w0 is not w1 and np.array_equal(w0.detach().numpy(), w1.detach().numpy())
    assert np.array_equal(w0.detach().numpy(), layer.linear1.weight.detach().numpy())
    assert len(list(enc.parameters())) == 3 * len(list(layer.parameters()))


@requires_torch
def test_encoder_nested_tensor_warning_matches_torch():
    for lib in (numtorch, torch):
        with pytest.warns(UserWarning, match="enable_nested_tensor is True, but "
                                             "self.use_nested_tensor is False because "
                                             "encoder_layer.norm_first was True"):
            lib.nn.TransformerEncoder(lib.nn.TransformerEncoderLayer(D, H, norm_first=True), 1)


def test_decoder_stack_matches_torch():
    tgt, mem = _seq(True, 4), _seq(True, 5, seed=1)
    mask = np.triu(np.full((4, 4), -np.inf, dtype=np.float32), 1)

    def make(lib):
        layer = lib.nn.TransformerDecoderLayer(D, H, FF, 0.0, batch_first=True)
        return lib.nn.TransformerDecoder(layer, 2, norm=lib.nn.LayerNorm(D))

    call_parity(make, lambda lib, m, t, mem, a: m(t, mem, tgt_mask=a), [tgt, mem], [mask],
                train=True)


# ====================================================================== Transformer
@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_matches_torch(batch_first):
    src, tgt = _seq(batch_first, 5), _seq(batch_first, 4, seed=1)
    src_kpm = np.array([[False] * 4 + [True], [False] * 5])

    def make(lib):
        return lib.nn.Transformer(D, H, 2, 2, FF, dropout=0.0, batch_first=batch_first)

    def call(lib, m, s, t, k):
        mask = lib.nn.Transformer.generate_square_subsequent_mask(4)
        return m(s, t, tgt_mask=mask, src_key_padding_mask=k, memory_key_padding_mask=k)

    call_parity(_quiet(make), call, [src, tgt], [src_kpm], train=True, atol=2e-5)


def test_transformer_structure_and_init():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = nn.Transformer(D, H, 2, 1, FF)
    assert isinstance(model.encoder, nn.TransformerEncoder)
    assert isinstance(model.encoder.norm, nn.LayerNorm)
    assert len(model.decoder.layers) == 1 and model.d_model == D and model.nhead == H
    # every matrix re-initialized xavier-uniform: bound sqrt(6 / (fan_in + fan_out))
    w = model.encoder.layers[0].linear1.weight.detach().numpy()
    bound = np.sqrt(6.0 / (D + FF))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound


@requires_torch
def test_state_dict_keys_match_torch():
    def make(lib):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return lib.nn.Transformer(D, H, 2, 2, FF)

    assert list(make(numtorch).state_dict()) == list(make(torch).state_dict())
    assert repr(make(numtorch)).replace("numtorch", "torch") == repr(make(torch))


def test_generate_square_subsequent_mask():
    m = nn.Transformer.generate_square_subsequent_mask(3)
    expected = np.array([[0, -np.inf, -np.inf], [0, 0, -np.inf], [0, 0, 0]], dtype=np.float32)
    assert m.dtype == numtorch.float32 and np.array_equal(m.numpy(), expected)
    assert nn.Transformer.generate_square_subsequent_mask(2, dtype=numtorch.float64).dtype == \
        numtorch.float64


@requires_torch
def test_transformer_errors_match_torch():
    def model(lib):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return lib.nn.Transformer(D, H, 1, 1, FF)

    src, tgt = _seq(False, 5), _seq(False, 4)
    raises_like(lambda lib, s, t: model(lib)(s, t[:, :1]), src, tgt,
                match="the batch number of src and tgt must be equal")
    raises_like(lambda lib, s, t: model(lib)(s, t[..., :4]), src, tgt,
                match="the feature number of src and tgt must be equal to d_model")
    layer = lambda lib: lib.nn.TransformerEncoderLayer(D, H, FF)  # noqa: E731
    raises_like(lambda lib, s: layer(lib)(s, src_mask=lib.zeros(4, 4)), src,
                match=r"The shape of the 2D attn_mask is torch.Size\(\[4, 4\]\), but should be "
                      r"\(5, 5\)\.")
    raises_like(lambda lib, s: layer(lib)(s[..., :6]), src,
                match="was expecting embedding dimension of 8, but got 6")


def test_training_reduces_loss():
    numtorch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(D, H, FF, dropout=0.0, batch_first=True)
    head = nn.Linear(D, 2)
    x = numtorch.tensor(_x(16, 4, D))
    y = (x[:, :, 0].sum(1) > 0).long()
    opt = numtorch.optim.Adam(list(layer.parameters()) + list(head.parameters()), lr=1e-2)
    losses = []
    for _ in range(30):
        loss = nn.functional.cross_entropy(head(layer(x).mean(1)), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    assert to_numpy(layer.self_attn.in_proj_weight.grad).any()
