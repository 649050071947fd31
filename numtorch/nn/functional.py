"""numtorch.nn.functional: the functional form of every layer (PyTorch's
``torch.nn.functional``).

Modules hold parameters and call these functions; these functions call the differentiable
primitives of ``numtorch.ops``. The convolution, pooling, normalization and loss families list
their public functions in ``FUNCTIONAL`` and are bound here under the same names
(``conv2d``, ``max_pool2d``, ``batch_norm``, ``cross_entropy``...). The embeddings
(``ops/embedding.py``) and the spatial sampling (``ops/grid_sample.py``) are imported here.

``inplace=True`` computes out of place and writes the result back into the input's memory, taking
its place in the graph (so gradients stay correct); like PyTorch, it raises on a leaf that
requires grad.
"""

import inspect
import warnings

import numpy as np

from numtorch import _dtype
from numtorch._tensor import Tensor, _wrap  # noqa: F401 - F.Tensor, as torch.nn.functional.Tensor
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
from numtorch.ops.embedding import (  # noqa: F401
    embedding,
    embedding_bag,
)
from numtorch.ops.grid_sample import (  # noqa: F401
    affine_grid,
    grid_sample,
)
from numtorch.ops.indexing import one_hot
from numtorch.ops.padding import pad

__all__ = [
    "linear", "bilinear", "threshold", "threshold_", "relu", "relu_", "hardtanh", "hardtanh_",
    "relu6", "elu", "elu_", "selu", "selu_", "celu", "celu_", "leaky_relu", "leaky_relu_",
    "prelu", "rrelu", "rrelu_", "glu", "gelu", "logsigmoid", "hardshrink", "tanhshrink",
    "softsign", "softplus", "softmin", "softmax", "log_softmax", "gumbel_softmax", "softshrink",
    "tanh", "sigmoid", "hardsigmoid", "hardswish", "silu", "mish", "dropout", "alpha_dropout",
    "feature_alpha_dropout", "dropout1d", "dropout2d", "dropout3d", "embedding", "one_hot",
    "embedding_bag", "normalize", "cosine_similarity", "pairwise_distance", "pdist", "pad",
    "affine_grid", "grid_sample",
]

pdist = _linalg.pdist  # (the pairwise distances of rows live with cdist in the ops)


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


def _rrelu(input, lower, upper, training, generator=None):
    if not training:
        return _act.leaky_relu(input, (lower + upper) / 2)
    from numtorch import _random

    x = _ew._float_input(input)
    slopes = _random._gen(generator).uniform(lower, upper, x.shape).astype(x._data.dtype)
    # NOTE: x = 0 takes the random-slope branch, as PyTorch's rrelu_with_noise.
    return _ew.where(x > 0, x, x * _wrap(slopes))


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False, *,
          generator=None):
    """Leaky ReLU with slopes drawn from U(lower, upper) per element in training, and the
    fixed slope (lower + upper) / 2 otherwise. (``generator=``: the random slopes' source, as
    ``torch.rrelu``'s.)"""
    if inplace:
        return _inplace(_rrelu, input, lower, upper, training, generator)
    return _rrelu(input, lower, upper, training, generator)


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
