"""``MultiheadAttention``: attention over ``num_heads`` learned projections of the input."""

from numtorch import _creation
from numtorch.nn import init
from numtorch.nn.modules.linear import Linear
from numtorch.nn.modules.module import Module
from numtorch.nn.parameter import Parameter
from numtorch.ops import attention as _attention

__all__ = ["MultiheadAttention"]


def _factory(device, dtype):
    from numtorch._tensor import _check_device

    _check_device(device)
    return {"dtype": dtype}


class NonDynamicallyQuantizableLinear(Linear):
    """The output projection's class, under PyTorch's name (a plain ``Linear`` here)."""


class MultiheadAttention(Module):
    """MultiHead(Q, K, V) = Concat(head_1, ..., head_h) W_o, with
    head_i = softmax(Q W_q^i (K W_k^i)^T / sqrt(d)) V W_v^i and d = embed_dim / num_heads.

    ``MultiheadAttention(embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
    add_zero_attn=False, kdim=None, vdim=None, batch_first=False)``. Parameters as PyTorch's:
    ``in_proj_weight`` (3E, E) when kdim == vdim == E, else ``q_proj_weight`` (E, E),
    ``k_proj_weight`` (E, kdim), ``v_proj_weight`` (E, vdim); ``in_proj_bias`` (3E,);
    ``out_proj`` a Linear(E, E); ``bias_k``/``bias_v`` (1, 1, E) with ``add_bias_kv``. The
    projections are xavier-uniform initialized, the biases zero.

    ``forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False)`` returns (output, weights): output (L, N, E)
    ((N, L, E) with ``batch_first``; (L, E) unbatched), weights (N, L, S) averaged over heads,
    (N, heads, L, S) otherwise, or None without ``need_weights``. See
    ``nn.functional.multi_head_attention_forward`` for the masks. numtorch has no fused
    inference fast path; results are those of PyTorch's general path.
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False, device=None,
                 dtype=None):
        kw = _factory(device, dtype)
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads} instead")
        super().__init__()
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise AssertionError(f"embed_dim must be divisible by num_heads (embed_dim="
                                 f"{embed_dim}, num_heads={num_heads})")
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(_creation.empty((3 * embed_dim, embed_dim), **kw))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        else:
            self.q_proj_weight = Parameter(_creation.empty((embed_dim, embed_dim), **kw))
            self.k_proj_weight = Parameter(_creation.empty((embed_dim, self.kdim), **kw))
            self.v_proj_weight = Parameter(_creation.empty((embed_dim, self.vdim), **kw))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(_creation.empty(3 * embed_dim, **kw))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias,
                                                        dtype=dtype)
        if add_bias_kv:
            self.bias_k = Parameter(_creation.empty((1, 1, embed_dim), **kw))
            self.bias_v = Parameter(_creation.empty((1, 1, embed_dim), **kw))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self):
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True,
                attn_mask=None, average_attn_weights=True, is_causal=False):
        is_batched = query.dim() == 3
        dtype = query._data.dtype
        key_padding_mask = _attention._canonical_mask(
            key_padding_mask, "key_padding_mask", _attention._none_or_dtype(attn_mask),
            "attn_mask", dtype)
        attn_mask = _attention._canonical_mask(attn_mask, "attn_mask", None, "", dtype,
                                               check_other=False)
        separate = not self._qkv_same_embed_dim
        # NOTE: batch-first input is not transposed to (L, N, E) as PyTorch does; the heads are
        # split from the (N, L, E) layout directly, which saves two copies.
        return _attention._mha(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight,
            self.in_proj_bias, self.bias_k, self.bias_v, self.add_zero_attn, self.dropout,
            self.out_proj.weight, self.out_proj.bias, self.training, key_padding_mask,
            need_weights, attn_mask, separate, self.q_proj_weight, self.k_proj_weight,
            self.v_proj_weight, None, None, average_attn_weights, is_causal,
            batch_first=self.batch_first and is_batched)
