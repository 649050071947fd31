"""scaled_dot_product_attention and multi_head_attention_forward (numtorch/ops/attention.py):
parity with torch, float64 gradcheck (and gradgrad), dropout statistics, errors."""

import math

import numpy as np
import pytest
from parity import check_grad, parity, raises_like, requires_torch, rng

import numtorch
from numtorch.nn import functional as F


def _qkv(q_shape, k_shape, v_shape, dtype=np.float32, seed=0):
    r = rng(seed)
    return tuple(r.standard_normal(s).astype(dtype) for s in (q_shape, k_shape, v_shape))


def _sdpa(lib, *args, **kw):
    return lib.nn.functional.scaled_dot_product_attention(*args, **kw)


SHAPES = [
    ((3, 4), (5, 4), (5, 6)),                      # unbatched (L, E), (S, E), (S, Ev)
    ((2, 3, 4), (2, 5, 4), (2, 5, 2)),             # (N, L, E)
    ((2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4)),    # (N, H, L, E)
    ((2, 2, 3, 4), (1, 2, 5, 4), (1, 2, 5, 4)),    # broadcast batch dims
    ((1, 1, 1, 2), (1, 1, 1, 2), (1, 1, 1, 3)),    # size-1 everywhere
]


@pytest.mark.parametrize("shapes", SHAPES)
def test_sdpa_matches_torch(shapes):
    parity(_sdpa, *_qkv(*shapes))


@pytest.mark.parametrize("causal", [False, True])
def test_sdpa_scale_and_causal_match_torch(causal):
    q, k, v = _qkv((2, 4, 3), (2, 6, 3), (2, 6, 5))
    parity(lambda lib, q, k, v: _sdpa(lib, q, k, v, is_causal=causal, scale=0.3), q, k, v)
    q, k, v = _qkv((2, 5, 3), (2, 5, 3), (2, 5, 5))
    parity(lambda lib, q, k, v: _sdpa(lib, q, k, v, is_causal=causal), q, k, v)


@pytest.mark.parametrize("mask_shape", [(3, 5), (2, 1, 3, 5), (1, 5), (2, 2, 3, 5)])
def test_sdpa_bool_mask_matches_torch(mask_shape):
    q, k, v = _qkv((2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4))
    mask = rng(1).random(mask_shape) < 0.6
    mask[..., 0] = True
    parity(lambda lib, q, k, v, m: _sdpa(lib, q, k, v, attn_mask=m), q, k, v, mask)


def test_sdpa_float_mask_gets_gradient_like_torch():
    q, k, v = _qkv((2, 3, 4), (2, 5, 4), (2, 5, 4))
    bias = rng(2).standard_normal((3, 5)).astype(np.float32)
    bias[0, 1] = -np.inf
    parity(lambda lib, q, k, v, b: _sdpa(lib, q, k, v, attn_mask=b), q, k, v, bias)


def test_sdpa_fully_masked_rows_give_zeros_like_torch():
    q, k, v = _qkv((2, 3, 4), (2, 5, 4), (2, 5, 6))
    mask = np.ones((3, 5), dtype=bool)
    mask[1] = False
    out = parity(lambda lib, q, k, v, m: _sdpa(lib, q, k, v, attn_mask=m), q, k, v, mask)[0]
    assert not out.detach().numpy()[:, 1].any()
    fmask = np.where(mask, 0.0, -np.inf).astype(np.float32)
    parity(lambda lib, q, k, v, m: _sdpa(lib, q, k, v, attn_mask=m), q, k, v, fmask,
           grad_inputs=(0, 1, 2))


def test_sdpa_grouped_query_attention_matches_torch():
    q, k, v = _qkv((1, 4, 3, 4), (1, 2, 5, 4), (1, 2, 5, 4))
    parity(lambda lib, q, k, v: _sdpa(lib, q, k, v, enable_gqa=True), q, k, v)


def test_sdpa_float64_and_large_scores_stay_finite():
    q, k, v = _qkv((2, 3, 4), (2, 5, 4), (2, 5, 4), dtype=np.float64)
    parity(_sdpa, q, k, v, atol=1e-10, rtol=1e-10)
    out = _sdpa(numtorch, *(numtorch.tensor(a * 1e3) for a in (q, k, v)))
    assert np.isfinite(out.numpy()).all()


@pytest.mark.parametrize("shapes", [SHAPES[0], SHAPES[1], SHAPES[3]])
def test_sdpa_gradcheck(shapes):
    check_grad(_sdpa, *_qkv(*shapes, dtype=np.float64))


def test_sdpa_gradcheck_with_masks_and_gradgrad():
    q, k, v = _qkv((2, 3, 2), (2, 4, 2), (2, 4, 3), dtype=np.float64)
    mask = np.array([[True, False, True, True], [True, True, False, False],
                     [False, False, False, False]])  # the last row attends to nothing
    check_grad(lambda lib, q, k, v, m: _sdpa(lib, q, k, v, attn_mask=m), q, k, v, mask,
               gradgrad=True)
    bias = rng(3).standard_normal((3, 4))
    check_grad(lambda lib, q, k, v, b: _sdpa(lib, q, k, v, attn_mask=b, scale=0.7),
               q, k, v, bias, gradgrad=True)
    check_grad(lambda lib, q, k, v: _sdpa(lib, q, k, v, is_causal=True), q, k, v,
               gradgrad=True)


def test_sdpa_dropout_statistics():
    # q = k = 0: every weight is 1/S; v = identity, so each output row shows its weights.
    s, p = 16, 0.25
    q = numtorch.zeros(64, 8, 3)
    k = numtorch.zeros(64, s, 3)
    v = numtorch.eye(s).expand(64, s, s)
    out = _sdpa(numtorch, q, k, v, dropout_p=p).numpy()
    kept = out != 0
    assert abs(kept.mean() - (1 - p)) < 0.03
    np.testing.assert_allclose(out[kept], 1.0 / (s * (1 - p)), rtol=1e-6)
    np.testing.assert_allclose(_sdpa(numtorch, q, k, v).numpy(), 1.0 / s, rtol=1e-6)
    numtorch.manual_seed(5)
    a = _sdpa(numtorch, q, k, v, dropout_p=p).numpy()
    numtorch.manual_seed(5)
    assert np.array_equal(a, _sdpa(numtorch, q, k, v, dropout_p=p).numpy())


@requires_torch
def test_sdpa_errors_match_torch():
    q, k, v = _qkv((2, 3, 4), (2, 5, 4), (2, 5, 6))
    mask = np.ones((3, 5), dtype=bool)
    raises_like(lambda lib, q, k, v, m: _sdpa(lib, q, k, v, attn_mask=m, is_causal=True),
                q, k, v, mask, match="Explicit attn_mask should not be set when is_causal=True")
    raises_like(lambda lib, q, k, v: _sdpa(lib, q, k[:, :, :3], v), q, k, v,
                match=r"Expected size for first two dimensions of batch2 tensor to be: \[2, 4\] "
                      r"but got: \[2, 3\]\.")
    raises_like(lambda lib, q, k, v: _sdpa(lib, q[0], k[0], v[0, :4]), q, k, v,
                match=r"mat1 and mat2 shapes cannot be multiplied \(3x5 and 4x6\)")
    raises_like(lambda lib, q, k, v: _sdpa(lib, q, k, v, attn_mask=lib.ones(4, 5,
                                                                             dtype=lib.bool)),
                q, k, v, match="The size of tensor a")
    raises_like(lambda lib, q, k, v: _sdpa(lib, q, k, v, attn_mask=lib.ones(3, 5,
                                                                             dtype=lib.int64)),
                q, k, v, match=r"Expected attn_mask dtype to be bool or float or to match query "
                               r"dtype, but got attn_mask.dtype: long int and  query.dtype: "
                               r"float instead\.")
    raises_like(lambda lib, q, k, v: _sdpa(lib, q.double(), k, v), q, k, v,
                match="Expected query, key, and value to have the same dtype, but got "
                      "query.dtype: double key.dtype: float and value.dtype: float instead.")
    raises_like(lambda lib, q, k, v: _sdpa(lib, q[0, 0], k[0], v[0]), q, k, v,
                match="Expected query, key, and value to all be  at least 2 dimensional, but "
                      "got query.dim: 1 key.dim: 2 and value.dim: 2 instead.")
    raises_like(lambda lib, q, k, v: _sdpa(lib, q, k, v, dropout_p=1.5), q, k, v,
                match="dropout probability has to be between 0 and 1, but got 1.5")
    q4, k4, v4 = _qkv((1, 4, 3, 4), (1, 3, 5, 4), (1, 3, 5, 4))
    raises_like(lambda lib, q, k, v: _sdpa(lib, q, k, v, enable_gqa=True), q4, k4, v4,
                match="Number of heads in key and value must divide the number of heads")


# ====================================================================== functional MHA
def _weights(r, e, kdim=None, vdim=None, bias=True):
    ws = {"out_w": r.standard_normal((e, e)) / math.sqrt(e), "out_b": r.standard_normal(e)}
    if kdim is None:
        ws["in_w"] = r.standard_normal((3 * e, e)) / math.sqrt(e)
    else:
        ws["q_w"] = r.standard_normal((e, e)) / math.sqrt(e)
        ws["k_w"] = r.standard_normal((e, kdim)) / math.sqrt(kdim)
        ws["v_w"] = r.standard_normal((e, vdim)) / math.sqrt(vdim)
    if bias:
        ws["in_b"] = r.standard_normal(3 * e)
    return {k: v.astype(np.float32) for k, v in ws.items()}


def test_multi_head_attention_forward_packed_matches_torch():
    r = rng(7)
    x = r.standard_normal((4, 2, 8)).astype(np.float32)  # (L, N, E)
    w = _weights(r, 8)
    mask = np.triu(np.ones((4, 4), dtype=bool), 1)

    def fn(lib, x, in_w, in_b, out_w, out_b, m):
        return lib.nn.functional.multi_head_attention_forward(
            x, x, x, 8, 2, in_w, in_b, None, None, False, 0.0, out_w, out_b, training=True,
            attn_mask=m, average_attn_weights=False)

    parity(fn, x, w["in_w"], w["in_b"], w["out_w"], w["out_b"], mask)


def test_multi_head_attention_forward_separate_matches_torch():
    r = rng(8)
    q = r.standard_normal((3, 2, 8)).astype(np.float32)
    k = r.standard_normal((5, 2, 3)).astype(np.float32)
    v = r.standard_normal((5, 2, 6)).astype(np.float32)
    w = _weights(r, 8, 3, 6)
    kpm = np.array([[False, False, False, True, True], [False] * 5])

    def fn(lib, q, k, v, q_w, k_w, v_w, in_b, out_w, out_b, kpm):
        return lib.nn.functional.multi_head_attention_forward(
            q, k, v, 8, 4, None, in_b, None, None, False, 0.0, out_w, out_b,
            key_padding_mask=kpm, need_weights=False, use_separate_proj_weight=True,
            q_proj_weight=q_w, k_proj_weight=k_w, v_proj_weight=v_w)

    parity(fn, q, k, v, w["q_w"], w["k_w"], w["v_w"], w["in_b"], w["out_w"], w["out_b"], kpm)


def test_multi_head_attention_forward_static_kv_matches_torch():
    r = rng(9)
    x = r.standard_normal((3, 2, 4)).astype(np.float32)
    static_k = r.standard_normal((4, 5, 2)).astype(np.float32)  # (N*heads, S, head_dim)
    static_v = r.standard_normal((4, 5, 2)).astype(np.float32)
    w = _weights(r, 4)

    def fn(lib, x, sk, sv, in_w, in_b, out_w, out_b):
        return lib.nn.functional.multi_head_attention_forward(
            x, x, x, 4, 2, in_w, in_b, None, None, False, 0.0, out_w, out_b, static_k=sk,
            static_v=sv)

    parity(fn, x, static_k, static_v, w["in_w"], w["in_b"], w["out_w"], w["out_b"])


def test_multi_head_attention_forward_gradcheck():
    r = rng(10)
    x = r.standard_normal((3, 2, 4))
    w = {k: v.astype(np.float64) for k, v in _weights(r, 4).items()}
    mask = np.array([[False, True, True], [False, False, True], [False, False, False]])

    def fn(lib, x, in_w, in_b, out_w, out_b, m):
        return F.multi_head_attention_forward(x, x, x, 4, 2, in_w, in_b, None, None, False,
                                              0.0, out_w, out_b, attn_mask=m)[0]

    check_grad(fn, x, w["in_w"], w["in_b"], w["out_w"], w["out_b"], mask)
