"""Attention: ``scaled_dot_product_attention`` and ``multi_head_attention_forward``.

Both are composites of a few large operations, so the gradients (and gradients of gradients)
come from the primitives they are built of:

    scores  = (q * scale) @ k^T          one batched GEMM over every (batch, head) pair
    scores  = scores + mask              (or a ``where`` for boolean masks)
    weights = softmax(scores, -1)        the fused, max-shifted ``Softmax`` primitive
    out     = dropout(weights) @ v       one batched GEMM

All heads go through the same two GEMMs: ``(N, L, E)`` activations are reshaped to
``(N*heads, L, E/heads)`` once, and back once, so no Python loop runs over heads or batch items.
"""

import math
import warnings

import numpy as np

from numtorch._tensor import _wrap
from numtorch.ops import elementwise as _ew
from numtorch.ops import join as _join
from numtorch.ops import padding as _padding
from numtorch.ops import random as _rnd
from numtorch.ops import reduction as _reduction
from numtorch.ops import shape as _shape
from numtorch.ops.linalg import _cname

__all__ = []

FUNCTIONAL = ["scaled_dot_product_attention", "multi_head_attention_forward"]


def _size(shape):
    """A shape as PyTorch prints it in messages: ``torch.Size([3, 5])``."""
    return f"torch.Size([{', '.join(str(int(s)) for s in shape)}])"


# ====================================================================== the attention core
def _attend(q, k, v, bias=None, keep=None, dropout_p=0.0, scale=1.0, safe=True):
    """softmax((q * scale) @ k^T + bias, masked by ``keep``) @ v over the last two dims.

    ``bias`` is an additive float tensor and ``keep`` a boolean array (True = take part); both
    broadcast against the scores ``(..., L, S)``. With ``safe``, a query row that can attend to
    nothing (every score -inf) gets all-zero weights, as PyTorch's SDPA; otherwise it gets NaN,
    as a plain softmax (PyTorch's ``need_weights=True`` path). Returns (output, weights)."""
    scores = (q * scale).matmul(k.mT)  # (..., L, S)
    if bias is not None:
        scores = scores + bias
    if keep is not None:
        scores = _ew.where(_wrap(keep), scores, float("-inf"))
    dead = None
    if safe and (bias is not None or keep is not None):
        # NOTE: a row of all -inf would give 0/0 = NaN. Its scores are replaced by zeros before
        # the softmax and its weights by zeros after, so that both the value and the gradient
        # (zero) are finite, like PyTorch's safe softmax.
        rows = np.all(np.isneginf(scores._data), axis=-1, keepdims=True)  # (..., L, 1)
        if rows.any():
            dead = _wrap(rows)
            scores = _ew.where(dead, 0.0, scores)
    weights = _reduction.softmax(scores, -1)
    if dead is not None:
        weights = _ew.where(dead, 0.0, weights)
    if dropout_p > 0.0:
        weights = _rnd.dropout(weights, dropout_p, True)
    return weights.matmul(v), weights  # (..., L, Ev), (..., L, S)


# ====================================================================== SDPA
def _check_sdpa(query, key, value, attn_mask, dropout_p, is_causal):
    if query.dim() < 2 or key.dim() < 2 or value.dim() < 2:
        raise RuntimeError(
            "Expected query, key, and value to all be  at least 2 dimensional, but got "
            f"query.dim: {query.dim()} key.dim: {key.dim()} and value.dim: {value.dim()} "
            "instead.")
    qd, kd, vd = query._data.dtype, key._data.dtype, value._data.dtype
    if not (qd == kd == vd):
        raise RuntimeError(
            "Expected query, key, and value to have the same dtype, but got query.dtype: "
            f"{_cname(query)} key.dtype: {_cname(key)} and value.dtype: {_cname(value)} "
            "instead.")
    if qd.kind != "f":
        raise RuntimeError(f"scaled_dot_product_attention: expected floating point query, key "
                           f"and value, but got {_cname(query)}")
    if attn_mask is not None:
        md = attn_mask._data.dtype
        if md != np.bool_ and md != np.float32 and md != qd:
            raise RuntimeError(
                "Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                f"attn_mask.dtype: {_cname(attn_mask)} and  query.dtype: {_cname(query)} "
                "instead.")
        if is_causal:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be "
                               "set when is_causal=True")
    if dropout_p < 0.0 or dropout_p > 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")


def _repeat_heads(query, key, value):
    """Grouped-query attention: each of key's/value's heads (dim -3) serves a group of query
    heads, so they are repeated ``query heads / key heads`` times."""
    hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
    if hq % hk or hq % hv:
        raise RuntimeError("Number of heads in key and value must divide the number of heads in ")
    if hk != hq:
        key = _shape.repeat_interleave(key, hq // hk, dim=-3)
    if hv != hq:
        value = _shape.repeat_interleave(value, hq // hv, dim=-3)
    return key, value


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """softmax(query @ key^T * scale + mask) @ value for query (..., L, E), key (..., S, E) and
    value (..., S, Ev), giving (..., L, Ev); leading dims broadcast.

    ``attn_mask``: boolean (True = the position takes part) or float (added to the scores),
    broadcastable to (..., L, S). ``is_causal``: query i attends to keys 0..i (the top-left
    aligned lower triangle); an error with ``attn_mask`` too. ``dropout_p`` drops attention
    weights (always applied when > 0, as PyTorch; pass 0.0 in evaluation). ``scale`` defaults
    to 1/sqrt(E). ``enable_gqa`` lets key/value have fewer heads (dim -3) than query.

    A query row that may attend to no key gets zero output (not NaN), as PyTorch 2.x's CPU
    math kernel. Computed with the two batched GEMMs and the fused softmax of ``_attend``.
    """
    _check_sdpa(query, key, value, attn_mask, dropout_p, is_causal)
    if enable_gqa and query.dim() >= 3:
        key, value = _repeat_heads(query, key, value)
    L, S = query.shape[-2], key.shape[-2]
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    bias = keep = None
    if is_causal:
        keep = np.tril(np.ones((L, S), dtype=bool))  # (L, S)
    elif attn_mask is not None:
        if attn_mask._data.dtype == np.bool_:
            keep = attn_mask._data
        else:
            bias = attn_mask
    out, _ = _attend(query, key, value, bias, keep, dropout_p, scale, safe=True)
    return out


# ====================================================================== multi-head attention
def _canonical_mask(mask, mask_name, other_type, other_name, target_type, check_other=True):
    """A boolean mask (True = masked out) as a float mask of ``target_type`` (-inf where
    True); float masks pass through. Other dtypes raise AssertionError, like PyTorch."""
    if mask is None:
        return None
    md = mask._data.dtype
    if md != np.bool_ and md.kind != "f":
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and md != other_type:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. Use "
                      "same type for both instead.", stacklevel=3)
    if md == np.bool_:
        arr = np.where(mask._data, -np.inf, 0.0).astype(target_type)
        return _wrap(arr)
    return mask


def _none_or_dtype(mask):
    return None if mask is None else mask._data.dtype


def _shape_check(query, key, value, key_padding_mask, attn_mask, num_heads):
    """PyTorch's MultiheadAttention input checks; returns whether the input is batched."""
    qd = query.dim()
    if qd == 3:
        if key.dim() != 3 or value.dim() != 3:
            raise AssertionError(
                "For batched (3-D) `query`, expected `key` and `value` to be 3-D but found "
                f"{key.dim()}-D and {value.dim()}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 2:
            raise AssertionError(
                "For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D but "
                f"found {key_padding_mask.dim()}-D tensor instead")
        if attn_mask is not None and attn_mask.dim() not in (2, 3):
            raise AssertionError(
                "For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but "
                f"found {attn_mask.dim()}-D tensor instead")
        return True
    if qd == 2:
        if key.dim() != 2 or value.dim() != 2:
            raise AssertionError(
                "For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but found "
                f"{key.dim()}-D and {value.dim()}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 1:
            raise AssertionError(
                "For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D "
                f"but found {key_padding_mask.dim()}-D tensor instead")
        if attn_mask is not None:
            if attn_mask.dim() not in (2, 3):
                raise AssertionError(
                    "For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D "
                    f"but found {attn_mask.dim()}-D tensor instead")
            if attn_mask.dim() == 3:
                expected = (num_heads, query.shape[0], key.shape[0])
                if tuple(attn_mask.shape) != expected:
                    raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got "
                                         f"{_size(attn_mask.shape)}")
        return False
    raise AssertionError("query should be unbatched 2D or batched 3D tensor but received "
                         f"{qd}-D query tensor")


def _linear(x, weight, bias):
    out = x.matmul(weight.mT)
    return out if bias is None else out + bias


def _split_heads(x, num_heads, batch_first):
    """(L, N, E) (or (N, L, E) with ``batch_first``) -> (N*heads, L, E/heads)."""
    if batch_first:
        n, length, e = x.shape
        x = x.reshape(n, length, num_heads, e // num_heads)  # (N, L, H, D)
        return x.transpose(1, 2).reshape(n * num_heads, length, e // num_heads)  # (N*H, L, D)
    length, n, e = x.shape
    return x.reshape(length, n * num_heads, e // num_heads).transpose(0, 1)  # (N*H, L, D)


def _merge_heads(x, n, batch_first):
    """(N*heads, L, D) -> (L, N, heads*D) (or (N, L, heads*D) with ``batch_first``)."""
    nh, length, d = x.shape
    if batch_first:
        x = x.reshape(n, nh // n, length, d).transpose(1, 2)  # (N, L, H, D)
        return x.reshape(n, length, nh // n * d)  # (N, L, E)
    return x.transpose(0, 1).reshape(length, n, nh // n * d)  # (L, N, E)


def _mha(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
         bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias, training,
         key_padding_mask, need_weights, attn_mask, use_separate_proj_weight, q_proj_weight,
         k_proj_weight, v_proj_weight, static_k, static_v, average_attn_weights, is_causal,
         batch_first):
    """``multi_head_attention_forward`` for (L, N, E) input, or (N, L, E) with
    ``batch_first`` (used by ``nn.MultiheadAttention`` to skip two transposes)."""
    is_batched = _shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        bdim = 0 if batch_first else 1
        same_qk, same_kv = query is key, key is value  # keeps self-attention's packed GEMM
        query = query.unsqueeze(bdim)
        key = query if same_qk else key.unsqueeze(bdim)
        value = key if same_kv else value.unsqueeze(bdim)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    if batch_first:
        bsz, tgt_len, embed_dim = query.shape
        src_len = key.shape[1]
    else:
        tgt_len, bsz, embed_dim = query.shape
        src_len = key.shape[0]
    # (sequence, batch) sizes, in the time-major order that the messages use
    k_lead, v_lead = tuple(key.shape[:2]), tuple(value.shape[:2])
    if batch_first:
        k_lead, v_lead = k_lead[::-1], v_lead[::-1]
    dtype = query._data.dtype

    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask",
                                       _none_or_dtype(attn_mask), "attn_mask", dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # the hint lets the triangle be built in place of the given mask
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", dtype, check_other=False)
        if key_padding_mask is not None:
            is_causal = False

    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                             f"got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if k_lead != v_lead:
            raise AssertionError(f"key's sequence and batch dims {_size(k_lead)} do not match "
                                 f"value's {_size(v_lead)}")
    elif key.shape != value.shape:
        ks, vs = k_lead + tuple(key.shape[2:]), v_lead + tuple(value.shape[2:])
        raise AssertionError(f"key shape {_size(ks)} does not match value shape {_size(vs)}")

    bf = batch_first
    # ---- input projections: q (L, N, E), k (S, N, E), v (S, N, E) (batch first: (N, L, E)...)
    if not use_separate_proj_weight:
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        if query is key and key is value:
            # self-attention: one GEMM with the packed (3E, E) weight
            q, k, v = _linear(query, in_proj_weight, in_proj_bias).chunk(3, -1)
        else:
            w_q, w_k, w_v = in_proj_weight.chunk(3)
            b_q = b_k = b_v = None
            if in_proj_bias is not None:
                b_q, b_k, b_v = in_proj_bias.chunk(3)
            q = _linear(query, w_q, b_q)
            k = _linear(key, w_k, b_k)
            v = _linear(value, w_v, b_v)
    else:
        for name, w in (("q", q_proj_weight), ("k", k_proj_weight), ("v", v_proj_weight)):
            if w is None:
                raise AssertionError(f"use_separate_proj_weight is True but {name}_proj_weight "
                                     "is None")
        b_q = b_k = b_v = None
        if in_proj_bias is not None:
            b_q, b_k, b_v = in_proj_bias.chunk(3)
        q = _linear(query, q_proj_weight, b_q)
        k = _linear(key, k_proj_weight, b_k)
        v = _linear(value, v_proj_weight, b_v)

    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {_size(attn_mask.shape)}, "
                                   f"but should be {(tgt_len, src_len)}.")
            attn_mask = attn_mask.unsqueeze(0)  # (1, L, S)
        elif attn_mask.dim() == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is {_size(attn_mask.shape)}, "
                                   f"but should be {(bsz * num_heads, tgt_len, src_len)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")

    if bias_k is not None and bias_v is not None:
        if static_k is not None:
            raise AssertionError("bias cannot be added to static key.")
        if static_v is not None:
            raise AssertionError("bias cannot be added to static value.")
        k, v = _append_kv_bias(k, v, bias_k, bias_v, bsz, num_heads, bf)
        if attn_mask is not None:
            attn_mask = _padding.pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = _padding.pad(key_padding_mask, (0, 1))
    else:
        if bias_k is not None:
            raise AssertionError("bias_k is set but bias_v is None")
        if bias_v is not None:
            raise AssertionError("bias_v is set but bias_k is None")
    q = _split_heads(q, num_heads, bf)  # (N*H, L, D)
    k = _heads_or_static(k, static_k, "k", bsz, num_heads, head_dim, bf)  # (N*H, S, D)
    v = _heads_or_static(v, static_v, "v", bsz, num_heads, head_dim, bf)  # (N*H, S, D)

    if add_zero_attn:
        zeros = _wrap(np.zeros((bsz * num_heads, 1, head_dim), dtype=k._data.dtype))
        k = _join.cat([k, zeros], 1)  # (N*H, S+1, D)
        v = _join.cat([v, zeros], 1)  # (N*H, S+1, D)
        if attn_mask is not None:
            attn_mask = _padding.pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = _padding.pad(key_padding_mask, (0, 1))
    src_len = k.shape[1]

    # ---- one additive mask broadcasting against the scores viewed as (N, H, L, S)
    bias = None
    if attn_mask is not None:
        if attn_mask.shape[0] > 1:
            bias = attn_mask.reshape(bsz, num_heads, tgt_len, src_len)  # (N, H, L, S)
        else:
            bias = attn_mask.reshape(1, 1, tgt_len, src_len)  # (1, 1, L, S)
    if key_padding_mask is not None:
        if key_padding_mask.shape[0] != bsz:
            raise AssertionError(f"Expected key_padded_mask.shape[0] to be {bsz}, but got "
                                 f"{key_padding_mask.shape[0]}")
        if key_padding_mask.shape[1] != src_len:
            raise AssertionError(f"Expected key_padded_mask.shape[1] to be {src_len}, but got "
                                 f"{key_padding_mask.shape[1]}")
        kpm = key_padding_mask.reshape(bsz, 1, 1, src_len)  # (N, 1, 1, S)
        bias = kpm if bias is None else bias + kpm
    if not training:
        dropout_p = 0.0

    keep = None
    if is_causal and bias is None:
        keep = np.tril(np.ones((tgt_len, src_len), dtype=bool))  # (L, S)
    q4 = q.reshape(bsz, num_heads, tgt_len, head_dim)  # (N, H, L, D)
    k4 = k.reshape(bsz, num_heads, src_len, head_dim)  # (N, H, S, D)
    v4 = v.reshape(bsz, num_heads, src_len, head_dim)  # (N, H, S, D)
    out, weights = _attend(q4, k4, v4, bias, keep, dropout_p, 1.0 / math.sqrt(head_dim),
                           safe=not need_weights)
    # (L, N, E) even with batch_first, returned as its transposed view: PyTorch's layout
    out = _merge_heads(out.reshape(bsz * num_heads, tgt_len, head_dim), bsz, False)
    out = _linear(out, out_proj_weight, out_proj_bias)  # (L, N, E)
    if bf:
        out = out.transpose(0, 1)  # (N, L, E) view
    if not need_weights:
        weights = None
    elif average_attn_weights:
        weights = weights.mean(1)  # (N, L, S)
    if not is_batched:
        out = out.squeeze(0 if batch_first else 1)
        if weights is not None:
            weights = weights.squeeze(0)
    return out, weights


def _append_kv_bias(k, v, bias_k, bias_v, bsz, num_heads, batch_first):
    """Append the learned key/value biases (1, 1, E) as one more source position."""
    if batch_first:
        k = _join.cat([k, bias_k.expand(bsz, 1, -1)], 1)  # (N, S+1, E)
        v = _join.cat([v, bias_v.expand(bsz, 1, -1)], 1)  # (N, S+1, E)
    else:
        k = _join.cat([k, bias_k.expand(1, bsz, -1)], 0)  # (S+1, N, E)
        v = _join.cat([v, bias_v.expand(1, bsz, -1)], 0)  # (S+1, N, E)
    return k, v


def _heads_or_static(x, static, name, bsz, num_heads, head_dim, batch_first):
    if static is not None:
        if static.shape[0] != bsz * num_heads:
            raise AssertionError(f"expecting static_{name}.size(0) of {bsz * num_heads}, but got "
                                 f"{static.shape[0]}")
        if static.shape[2] != head_dim:
            raise AssertionError(f"expecting static_{name}.size(2) of {head_dim}, but got "
                                 f"{static.shape[2]}")
        return static
    return _split_heads(x, num_heads, batch_first)


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads,
                                 in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
                                 dropout_p, out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False):
    """Multi-head attention of query (L, N, E) over key (S, N, kdim) and value (S, N, vdim)
    (or unbatched (L, E), (S, kdim), (S, vdim)), as ``torch.nn.functional``'s.

    Returns (output (L, N, E), weights): the weights are (N, L, S) averaged over heads,
    (N, heads, L, S) with ``average_attn_weights=False``, None with ``need_weights=False``.
    Masks: ``key_padding_mask`` (N, S) and ``attn_mask`` (L, S) or (N*heads, L, S), boolean
    (True = masked out) or float (added to the scores). As PyTorch, a query row masked
    everywhere gives NaN when the weights are returned and zeros otherwise; ``is_causal`` is a
    hint that ``attn_mask`` is the causal mask (it must be given).
    """
    return _mha(query, key, value, embed_dim_to_check, num_heads, in_proj_weight,
                in_proj_bias, bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight,
                out_proj_bias, training, key_padding_mask, need_weights, attn_mask,
                use_separate_proj_weight, q_proj_weight, k_proj_weight, v_proj_weight,
                static_k, static_v, average_attn_weights, is_causal, batch_first=False)
