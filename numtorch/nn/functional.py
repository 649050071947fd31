"""numtorch.nn.functional: the functional form of every layer (PyTorch's
``torch.nn.functional``).

Modules hold parameters and call these functions; these functions call the differentiable
primitives of ``numtorch.ops``. The convolution, pooling, normalization and loss families list
their public functions in ``FUNCTIONAL`` and are bound here under the same names
(``conv2d``, ``max_pool2d``, ``batch_norm``, ``cross_entropy``...).

``inplace=True`` computes out of place and writes the result back into the input's memory, taking
its place in the graph (so gradients stay correct); like PyTorch, it raises on a leaf that
requires grad.
"""

import inspect
import warnings

import numpy as np

from numtorch import _dtype
from numtorch._tensor import Tensor, _wrap
from numtorch.autograd import grad_mode
from numtorch.ops import activation as _act
from numtorch.ops import attention as _attention
from numtorch.ops import conv as _conv
from numtorch.ops import elementwise as _ew
from numtorch.ops import linalg as _linalg
from numtorch.ops import loss as _loss
from numtorch.ops import normalization as _normalization
from numtorch.ops import pooling as _pooling
from numtorch.ops import random as _rnd
from numtorch.ops import reduction as _reduction
from numtorch.ops._broadcast import promote_operands
from numtorch.ops._scalars import require_tensors
from numtorch.ops.indexing import one_hot
from numtorch.ops.padding import pad

__all__ = [
    "linear", "bilinear", "threshold", "threshold_", "relu", "relu_", "hardtanh", "hardtanh_",
    "relu6", "elu", "elu_", "selu", "selu_", "celu", "celu_", "leaky_relu", "leaky_relu_",
    "prelu", "rrelu", "rrelu_", "glu", "gelu", "logsigmoid", "hardshrink", "tanhshrink",
    "softsign", "softplus", "softmin", "softmax", "log_softmax", "gumbel_softmax", "softshrink",
    "tanh", "sigmoid", "hardsigmoid", "hardswish", "silu", "mish", "dropout", "alpha_dropout",
    "feature_alpha_dropout", "dropout1d", "dropout2d", "dropout3d", "embedding", "one_hot",
    "embedding_bag", "normalize", "cosine_similarity", "pairwise_distance", "pad", "affine_grid",
    "grid_sample",
]


def _inplace(result_fn, input, *args):
    """Run ``result_fn`` on a snapshot of ``input`` and write the result into ``input``."""
    return input._set_from(result_fn(input._snapshot(), *args))


# ====================================================================== linear
def linear(input, weight, bias=None):
    """y = input @ weight^T + bias, for input (*, in_features) and weight (out_features,
    in_features); the shape error names both operands as PyTorch's ("mat1 and mat2 shapes
    cannot be multiplied (64x100 and 50x10)")."""
    out = _linalg.linear_fast(input, weight, bias)
    if out is not None:
        return out
    out = input.matmul(weight.t())
    if bias is not None:
        out = out + bias
    return out


def bilinear(input1, input2, weight, bias=None):
    """y_k = input1^T weight_k input2 + bias_k for input1 (*, in1), input2 (*, in2) and weight
    (out, in1, in2)."""
    if input1.dim() != input2.dim():
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.dim()} and "
                           f"{input2.dim()}")
    for i in range(input1.dim() - 1):
        if input1.shape[i] != input2.shape[i]:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match: got "
                               f"{input1.shape[i]} and {input2.shape[i]}")
    out_f, in1, in2 = weight.shape
    if input1.shape[-1] != in1:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got "
                           f"{input1.shape[-1]} but expected {in1}")
    if input2.shape[-1] != in2:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got "
                           f"{input2.shape[-1]} but expected {in2}")
    lead = tuple(input1.shape[:-1])
    x1 = input1.reshape(-1, in1)  # (B, in1)
    x2 = input2.reshape(-1, in2)  # (B, in2)
    w = weight.permute(1, 0, 2).reshape(in1, out_f * in2)  # (in1, out*in2)
    t = x1.matmul(w).reshape(-1, out_f, in2)  # (B, out, in2)
    out = (t * x2.unsqueeze(1)).sum(-1)  # (B, out)
    if bias is not None:
        out = out + bias
    return out.reshape(lead + (out_f,))  # (*, out)


# ====================================================================== activations
def threshold(input, threshold, value, inplace=False):
    """x where x > threshold, else ``value``."""
    if inplace:
        return _inplace(_act.threshold, input, threshold, value)
    return _act.threshold(input, threshold, value)


def threshold_(input, threshold, value):
    return _inplace(_act.threshold, input, threshold, value)


def relu(input, inplace=False):
    """max(0, x); NOTE: gradient 0 at x = 0."""
    if inplace:
        return _inplace(_ew.relu, input)
    return _ew.relu(input)


def relu_(input):
    return _inplace(_ew.relu, input)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if inplace:
        return _inplace(_act.hardtanh, input, min_val, max_val)
    return _act.hardtanh(input, min_val, max_val)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return _inplace(_act.hardtanh, input, min_val, max_val)


def relu6(input, inplace=False):
    if inplace:
        return _inplace(_act.relu6, input)
    return _act.relu6(input)


def elu(input, alpha=1.0, inplace=False):
    if inplace:
        return _inplace(_act.elu, input, alpha)
    return _act.elu(input, alpha)


def elu_(input, alpha=1.0):
    return _inplace(_act.elu, input, alpha)


def selu(input, inplace=False):
    if inplace:
        return _inplace(_act.selu, input)
    return _act.selu(input)


def selu_(input):
    return _inplace(_act.selu, input)


def celu(input, alpha=1.0, inplace=False):
    if inplace:
        return _inplace(_act.celu, input, alpha)
    return _act.celu(input, alpha)


def celu_(input, alpha=1.0):
    return _inplace(_act.celu, input, alpha)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    if inplace:
        return _inplace(_act.leaky_relu, input, negative_slope)
    return _act.leaky_relu(input, negative_slope)


def leaky_relu_(input, negative_slope=0.01):
    return _inplace(_act.leaky_relu, input, negative_slope)


def prelu(input, weight):
    return _act.prelu(input, weight)


def _rrelu(input, lower, upper, training):
    if not training:
        return _act.leaky_relu(input, (lower + upper) / 2)
    from numtorch import _random

    x = _ew._float_input(input)
    slopes = _random._gen(None).uniform(lower, upper, x.shape).astype(x._data.dtype)
    # NOTE: x = 0 takes the random-slope branch, as PyTorch's rrelu_with_noise.
    return _ew.where(x > 0, x, x * _wrap(slopes))


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Leaky ReLU with slopes drawn from U(lower, upper) per element in training, and the
    fixed slope (lower + upper) / 2 otherwise."""
    if inplace:
        return _inplace(_rrelu, input, lower, upper, training)
    return _rrelu(input, lower, upper, training)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return _inplace(_rrelu, input, lower, upper, training)


def glu(input, dim=-1):
    return _act.glu(input, dim)


def gelu(input, approximate="none"):
    return _act.gelu(input, approximate)


def logsigmoid(input):
    return _act.logsigmoid(input)


def hardshrink(input, lambd=0.5):
    return _act.hardshrink(input, lambd)


def tanhshrink(input):
    return _act.tanhshrink(input)


def softsign(input):
    return _act.softsign(input)


def softplus(input, beta=1.0, threshold=20.0):
    return _act.softplus(input, beta, threshold)


def softshrink(input, lambd=0.5):
    return _act.softshrink(input, lambd)


def tanh(input):
    return _ew.tanh(input)


def sigmoid(input):
    return _ew.sigmoid(input)


def hardsigmoid(input, inplace=False):
    if inplace:
        return _inplace(_act.hardsigmoid, input)
    return _act.hardsigmoid(input)


def hardswish(input, inplace=False):
    if inplace:
        return _inplace(_act.hardswish, input)
    return _act.hardswish(input)


def silu(input, inplace=False):
    if inplace:
        return _inplace(_act.silu, input)
    return _act.silu(input)


def mish(input, inplace=False):
    if inplace:
        return _inplace(_act.mish, input)
    return _act.mish(input)


# ====================================================================== softmax family
def _get_softmax_dim(name, ndim, stacklevel):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(x_i) / sum_j exp(x_j) along ``dim`` (cast to ``dtype`` first when given). Without
    ``dim`` PyTorch's deprecated implicit choice is made (0 for 0-, 1- and 3-D input, else 1),
    with its warning."""
    if dim is None:
        dim = _get_softmax_dim("softmax", input.dim(), _stacklevel)
    return _reduction.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """log(softmax(x)) along ``dim``, computed stably (x - logsumexp(x))."""
    if dim is None:
        dim = _get_softmax_dim("log_softmax", input.dim(), _stacklevel)
    return _reduction.log_softmax(input, dim, dtype=dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-x) along ``dim``."""
    if dim is None:
        dim = _get_softmax_dim("softmin", input.dim(), _stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    return _reduction.softmax(-input, dim)


def gumbel_softmax(logits, tau=1.0, hard=False, eps=1e-10, dim=-1):
    """A sample of the Gumbel-softmax distribution: ``softmax((logits + g) / tau)`` with
    ``g = -log(E)``, ``E ~ Exponential(1)`` (standard Gumbel noise). With ``hard=True`` the
    result is the one-hot vector of its arg-max in the forward pass, and the soft sample's
    gradient in the backward pass (``y_hard - y_soft.detach() + y_soft``, the straight-through
    estimator). ``eps`` is unused, as in PyTorch."""
    gumbels = -_wrap(np.empty(logits.shape, dtype=logits._data.dtype)).exponential_().log()
    y_soft = _reduction.softmax((logits + gumbels) / tau, dim)
    if not hard:
        return y_soft
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = _wrap(np.zeros(logits.shape, dtype=logits._data.dtype)).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft


# ====================================================================== dropout
def dropout(input, p=0.5, training=True, inplace=False):
    """In training, zero each element with probability ``p`` and scale the rest by
    1 / (1 - p) (p = 1 gives zeros); the input itself otherwise."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training:
        return input
    if inplace:
        return _inplace(_rnd.dropout, input, p, True)
    return _rnd.dropout(input, p, True)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if inplace and training:
        return _inplace(_rnd.alpha_dropout, input, p, True)
    return _rnd.alpha_dropout(input, p, training)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if inplace and training:
        return _inplace(_rnd.feature_alpha_dropout, input, p, True)
    return _rnd.feature_alpha_dropout(input, p, training)


def _feature(input, p, training, inplace, spatial):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training:
        return input
    if inplace:
        return input._set_from(_rnd.feature_dropout(input._snapshot(), p, True,
                                                    spatial=spatial))
    return _rnd.feature_dropout(input, p, True, spatial=spatial)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, L) or (C, L) input."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    d = input.dim()
    if d not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {d}D input. Note that "
            "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial "
            "dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D "
            "inputs).")
    return _feature(input, p, training, inplace, spatial=1)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, H, W) input. Like PyTorch, a 3-D input is taken as
    (N, C, L) (channel-wise 1-D dropout), with a warning."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    d = input.dim()
    if d not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {d}-D input to dropout2d, which is deprecated and will "
            "result in an error in a future release. To retain the behavior and silence this "
            "warning, please use dropout instead. Note that dropout2d exists to provide "
            "channel-wise dropout on inputs with 2 spatial dimensions, a channel dimension, "
            "and an optional batch dimension (i.e. 3D or 4D inputs).", stacklevel=2)
    if d == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
            "dropout behavior is desired - input is interpreted as shape (N, C, L), where C is "
            "the channel dim. This behavior will change in a future release to interpret the "
            "input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D "
            "channel-wise dropout behavior, please switch to using dropout1d instead.",
            stacklevel=2)
    return _feature(input, p, training, inplace, spatial=max(d - 2, 0))


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) input."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    d = input.dim()
    if d not in (4, 5):
        warnings.warn(
            f"dropout3d: Received a {d}-D input to dropout3d, which is deprecated and will "
            "result in an error in a future release. To retain the behavior and silence this "
            "warning, please use dropout instead. Note that dropout3d exists to provide "
            "channel-wise dropout on inputs with 3 spatial dimensions, a channel dimension, "
            "and an optional batch dimension (i.e. 4D or 5D inputs).", stacklevel=2)
    return _feature(input, p, training, inplace, spatial=3)


# ====================================================================== embedding
def _check_indices(input, num_rows):
    arr = input._data
    if arr.dtype not in (np.int64, np.int32):
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar "
            f"types: Long, Int; but got {input.type()} instead (while checking arguments for "
            "embedding)")
    if arr.size and (arr.min() < 0 or arr.max() >= num_rows):
        bad = int(arr.min()) if arr.min() < 0 else int(arr.max())
        raise IndexError(f"index out of range in self (index {bad}, num_embeddings {num_rows})")


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """``weight[input]``: rows of the (num_embeddings, embedding_dim) table, shape
    (*input.shape, embedding_dim). Row ``padding_idx`` gets no gradient; ``max_norm`` first
    rescales (in place) the looked-up rows whose ``norm_type``-norm exceeds it;
    ``scale_grad_by_freq`` divides each row's gradient by its count in ``input``.
    ``sparse`` is accepted; gradients are dense."""
    if not isinstance(input, Tensor):
        input = _wrap(np.asarray(input))
    num_rows = weight.shape[0]
    if padding_idx is not None:
        if padding_idx > 0:
            if padding_idx >= num_rows:
                raise AssertionError("Padding_idx must be within num_embeddings")
        elif padding_idx < 0:
            if padding_idx < -num_rows:
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx = num_rows + padding_idx
    _check_indices(input, num_rows)
    idx = input._data
    if max_norm is not None:
        _embedding_renorm(weight, idx, max_norm, norm_type)
    out = weight[input]  # (*input.shape, embedding_dim)
    scale = None
    if padding_idx is not None:
        scale = (idx != padding_idx).astype(weight._data.dtype)
    if scale_grad_by_freq:
        uniq, inverse, counts = np.unique(idx, return_inverse=True, return_counts=True)
        freq = (1.0 / counts[inverse.reshape(idx.shape)]).astype(weight._data.dtype)
        scale = freq if scale is None else scale * freq
    if scale is not None and out.requires_grad:
        # Same values (the second term is exactly 0), gradient scaled by s per looked-up row.
        s = _wrap(scale[..., None])  # (*input.shape, 1)
        held = out.detach()
        out = held + (out - held) * s
    return out


def _embedding_renorm(weight, idx, max_norm, norm_type):
    """Rescale, in place and outside the graph, the rows of ``weight`` named in ``idx`` whose
    norm exceeds ``max_norm`` (PyTorch's ``embedding_renorm_``)."""
    rows = np.unique(idx)
    w = weight._data
    sel = w[rows].astype(np.float64)
    if norm_type == float("inf"):
        norms = np.abs(sel).max(axis=1)
    else:
        norms = (np.abs(sel) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
    w[rows] = (sel * scale[:, None]).astype(w.dtype)
    weight._bump()


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,
                  mode="mean", sparse=False, per_sample_weights=None, include_last_offset=False,
                  padding_idx=None):
    """Sums, means or maxima of bags of embeddings, without building the per-index embeddings'
    batch: (B, embedding_dim) for B bags.

    A 2-D ``input`` (B, L) is B bags of L indices; a 1-D ``input`` is cut into bags at
    ``offsets`` (bag i is ``input[offsets[i]:offsets[i+1]]``; ``include_last_offset`` makes the
    last offset the end). ``per_sample_weights`` (``mode="sum"`` only) scales each looked-up row;
    indices equal to ``padding_idx`` are left out (and not counted by the mean). An empty bag
    gives zeros. Composite: an embedding lookup, then the bags gathered as a (B, Lmax, D) block
    whose unused slots point at a filler row (0, or -inf for max), and one reduction."""
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"mode has to be one of sum, mean or max, but got {mode!r}")
    if not isinstance(input, Tensor):
        input = _wrap(np.asarray(input))
    idx = input._data
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated "
                             "is a mini-batch of fixed length sequences. However, found offsets "
                             f"of type {type(offsets)}")
        n_bags, length = idx.shape
        starts = np.arange(n_bags) * length
        ends = starts + length
    elif idx.ndim == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        off = offsets._data if isinstance(offsets, Tensor) else np.asarray(offsets)
        if off.ndim != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        off = off.astype(np.int64)
        if off.size and off[0] != 0:
            raise RuntimeError("offsets[0] has to be 0, i.e., the first sequence in the "
                               "mini-batch has to start from position 0. However, got "
                               f"{off[0]}")
        if off.size and off[-1] > idx.size:
            raise RuntimeError(f"offsets[-1] can not be greater than input's length "
                               f"{idx.size} but got offsets[-1] of {off[-1]}")
        if include_last_offset:
            starts, ends = off[:-1], off[1:]
        else:
            starts, ends = off, np.append(off[1:], idx.size)
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{idx.ndim}")
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError(
                "embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                f"supported for mode='sum' (got mode='{mode}'). Please open a feature request "
                "on GitHub.")
        if tuple(per_sample_weights.shape) != tuple(idx.shape):
            raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) "
                             f"is not None, then it must have the same shape as the input "
                             f"({input.shape})")
    flat = input.reshape(-1)
    if padding_idx is not None and padding_idx < 0:
        padding_idx += weight.shape[0]
    rows = embedding(flat, weight, None, max_norm, norm_type, scale_grad_by_freq)  # (N, D)
    if per_sample_weights is not None:
        rows = rows * per_sample_weights.reshape(-1, 1)
    n, dim = rows.shape
    lengths = ends - starts
    width = max(int(lengths.max()) if lengths.size else 0, 1)
    slot = np.arange(width)
    pos = starts[:, None] + slot[None, :]  # (B, Lmax)
    valid = slot[None, :] < lengths[:, None]
    pos = np.where(valid, pos, n)
    if padding_idx is not None:
        flat_idx = np.append(idx.reshape(-1), -1)
        valid &= flat_idx[pos] != padding_idx
        pos = np.where(valid, pos, n)
    fill = -np.inf if mode == "max" else 0.0
    from numtorch._creation import full
    from numtorch.ops.join import cat

    table = cat([rows, full((1, dim), fill, dtype=rows.dtype)])  # (N + 1, D)
    bags = table[_wrap(pos)]  # (B, Lmax, D)
    counts = valid.sum(axis=1)
    if mode == "sum":
        return bags.sum(1)
    if mode == "mean":
        denom = np.maximum(counts, 1).astype(rows._data.dtype)[:, None]
        return bags.sum(1) / _wrap(denom)
    out = bags.max(1)[0]  # the gradient goes to one arg-max per bag, as in PyTorch
    return _ew.where(_wrap((counts == 0)[:, None]), 0.0, out)


# ====================================================================== distances
def _norm(x, p, dim, keepdim):
    """The ``p``-norm of ``x`` along ``dim``. NOTE: for p = 2 a zero vector gets gradient 0
    (PyTorch's subgradient) instead of 0/0."""
    if p == 2:
        sq = (x * x).sum(dim, keepdim=keepdim)
        zero = sq == 0
        safe = _ew.where(zero, 1.0, sq)
        return _ew.where(zero, 0.0, safe.sqrt())
    if p == float("inf"):
        return x.abs().amax(dim, keepdim=keepdim)
    if p == 1:
        return x.abs().sum(dim, keepdim=keepdim)
    s = (x.abs() ** p).sum(dim, keepdim=keepdim)
    zero = s == 0
    safe = _ew.where(zero, 1.0, s)
    return _ew.where(zero, 0.0, safe ** (1.0 / p))


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(||input||_p, eps) along ``dim``."""
    denom = _norm(input, p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    result = input / denom
    if out is not None:
        out.copy_(result)
        return out
    return result


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """sum(x1 * x2) / (max(||x1||, eps) * max(||x2||, eps)) along ``dim`` (inputs broadcast);
    each vector is divided by its norm first, so the result stays within [-1, 1]."""
    if x1._data.dtype.kind != "f" and x2._data.dtype.kind != "f":
        x1, x2 = x1.to(_dtype.get_default_dtype()), x2.to(_dtype.get_default_dtype())
    a, b = promote_operands(x1, x2)
    shape = np.broadcast_shapes(a._data.shape, b._data.shape)
    a, b = a.expand(shape), b.expand(shape)
    n1 = _norm(a, 2, dim, keepdim=True)
    n2 = _norm(b, 2, dim, keepdim=True)
    # NOTE: like PyTorch, the norms are clamped to eps without changing their gradient.
    with grad_mode.no_grad():
        c1 = n1.clamp_min(eps) - n1
        c2 = n2.clamp_min(eps) - n2
    return ((a / (n1 + c1)) * (b / (n2 + c2))).sum(dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """||x1 - x2 + eps||_p along the last dimension."""
    diff = x1 - x2 + eps
    dim = -1 if diff.dim() > 0 else 0
    if diff.dim() == 0:
        return _norm(diff.reshape(1), p, 0, keepdim=False)
    return _norm(diff, p, dim, keepdim=keepdim)


# ====================================================================== spatial sampling
_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to "
                  "align_corners=False since 1.3.0. Please specify align_corners=True if the old "
                  "behavior is desired. See the documentation of grid_sample for details.")


def _base_coords(n, align_corners, dtype):
    """The normalized [-1, 1] coordinates of ``n`` pixel centres (or corners)."""
    if align_corners:
        return np.linspace(-1.0, 1.0, n, dtype=dtype) if n > 1 else np.zeros(1, dtype)
    return ((np.arange(n, dtype=np.float64) * 2 + 1) / n - 1).astype(dtype)


def affine_grid(theta, size, align_corners=None):
    """The sampling grid (N, H, W, 2) of the 2-D affine maps ``theta`` (N, 2, 3) for an output
    of ``size`` (N, C, H, W): each output pixel's normalized (x, y), times ``theta``.
    Differentiable w.r.t. ``theta`` (one batched matrix product)."""
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, UserWarning, stacklevel=2)
        align_corners = False
    size = tuple(size)
    if len(size) != 4:
        raise NotImplementedError(
            f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
            f"respectively. Got size {size}." if len(size) != 5 else
            "numtorch's affine_grid supports 2-D transforms (4-D sizes) only")
    if theta._data.dtype.kind != "f":
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    n, _, h, w = size
    if tuple(theta.shape) != (n, 2, 3):
        raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                         f"{size}. Got {tuple(theta.shape)}.")
    dt = theta._data.dtype
    xs = _base_coords(w, align_corners, dt)
    ys = _base_coords(h, align_corners, dt)
    base = np.stack([np.broadcast_to(xs[None, :], (h, w)), np.broadcast_to(ys[:, None], (h, w)),
                     np.ones((h, w), dt)], axis=-1)  # (H, W, 3): x, y, 1
    flat = _wrap(np.ascontiguousarray(base.reshape(1, h * w, 3)))
    grid = _linalg.matmul(flat, theta.transpose(1, 2))  # (N, H*W, 2)
    return grid.reshape(n, h, w, 2)


def _unnormalize(coord, size, align_corners):
    """Normalized [-1, 1] grid coordinates -> pixel coordinates."""
    if align_corners:
        return (coord + 1) * ((size - 1) / 2)
    return ((coord + 1) * size - 1) / 2


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Sample ``input`` (N, C, H, W) at the normalized locations ``grid`` (N, Ho, Wo, 2) (x, y
    in [-1, 1]; ``align_corners`` says whether -1 and 1 are the corner pixels' centres or
    their outer edges): (N, C, Ho, Wo). ``mode`` "bilinear" weighs the four neighbours,
    "nearest" takes the closest (ties to even); ``padding_mode`` "zeros" reads 0 outside,
    "border" the edge pixels. Composite of gathers and products: differentiable w.r.t. input
    and (for bilinear) grid. NOTE: "bicubic" and "reflection" are not implemented."""
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', "
                         f"'nearest' or 'bicubic', but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, UserWarning, stacklevel=2)
        align_corners = False
    if input.dim() != 4:
        raise NotImplementedError("numtorch's grid_sample supports 4-D input (N, C, H, W) only")
    if mode == "bicubic" or padding_mode == "reflection":
        raise NotImplementedError(f"numtorch's grid_sample has no mode='{mode}' with "
                                  f"padding_mode='{padding_mode}' yet (bilinear/nearest with "
                                  "zeros/border are available)")
    if grid.dim() != 4 or grid.shape[-1] != 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size 2 in last dimension, "
                           f"but got grid with sizes {list(grid.shape)}")
    if grid.shape[0] != input.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, "
                           f"but got input with sizes {list(input.shape)} and grid with sizes "
                           f"{list(grid.shape)}")
    n, c, h, w = input.shape
    _, ho, wo, _ = grid.shape
    if grid.dtype != input.dtype:
        grid = grid.to(input.dtype)
    ix = _unnormalize(grid[..., 0], w, align_corners)  # (N, Ho, Wo) in pixels
    iy = _unnormalize(grid[..., 1], h, align_corners)
    if padding_mode == "border":
        ix = ix.clamp(0, w - 1)
        iy = iy.clamp(0, h - 1)
    flat = input.reshape(n, c, h * w)

    def corner(xc, yc):
        """Values at integer pixel coordinates (arrays (N, Ho, Wo)); 0 outside the image."""
        inside = (xc >= 0) & (xc <= w - 1) & (yc >= 0) & (yc <= h - 1)
        idx = (np.clip(yc, 0, h - 1) * w + np.clip(xc, 0, w - 1)).astype(np.int64)
        idx = np.broadcast_to(idx.reshape(n, 1, ho * wo), (n, c, ho * wo))
        vals = flat.gather(2, _wrap(np.ascontiguousarray(idx))).reshape(n, c, ho, wo)
        return vals, _wrap(inside[:, None].astype(input._data.dtype))

    if mode == "nearest":
        xn = np.rint(ix._data)
        yn = np.rint(iy._data)
        vals, inside = corner(xn, yn)
        return vals * inside
    x0 = np.floor(ix._data)
    y0 = np.floor(iy._data)
    wx1 = (ix - _wrap(x0)).unsqueeze(1)  # (N, 1, Ho, Wo), differentiable w.r.t. grid
    wy1 = (iy - _wrap(y0)).unsqueeze(1)
    wx0 = 1 - wx1
    wy0 = 1 - wy1
    out = None
    for xc, yc, wgt in ((x0, y0, wx0 * wy0), (x0 + 1, y0, wx1 * wy0), (x0, y0 + 1, wx0 * wy1),
                        (x0 + 1, y0 + 1, wx1 * wy1)):
        vals, inside = corner(xc, yc)
        term = vals * (wgt * inside)
        out = term if out is None else out + term
    return out


# The other families' functional forms, bound under their own names.
for _family in (_conv, _pooling, _normalization, _loss, _attention):
    for _name in getattr(_family, "FUNCTIONAL", ()):
        globals()[_name] = getattr(_family, _name)
        __all__.append(_name)
del _family


# The parameters of the functional forms that must be tensors whatever else they accept.
_TENSOR_PARAMS = ("input", "input1", "input2", "target", "x1", "x2", "anchor", "positive",
                  "negative")


# The functional forms whose ``weight`` is required (a tensor, never None).
_REQUIRED_WEIGHT = ("linear", "bilinear", "embedding", "conv1d", "conv2d", "conv3d",
                    "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "prelu")


# Every public function whose first parameter is a tensor checks its tensors, in one way.
for _name in list(__all__):
    _fn = globals().get(_name)
    if inspect.isfunction(_fn) and next(iter(inspect.signature(_fn).parameters), None) in \
            _TENSOR_PARAMS:
        # PyTorch's TypeError, naming the argument, instead of a missing attribute inside
        globals()[_name] = require_tensors(
            _fn.__name__, _fn,
            _TENSOR_PARAMS + (("weight",) if _name in _REQUIRED_WEIGHT else ()))
del _name, _fn
