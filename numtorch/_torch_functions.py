"""``torch.*`` names that are another API's function under a top-level name.

- The in-place forms torch exports as functions (``torch.abs_(x)``, ``torch.clamp_(x, 0)``,
  ``torch.relu_(x)``...): one table, ``INPLACE_FUNCTIONS``, each entry calling the tensor's
  method or the functional in-place form, so that autograd, version counters and errors are
  theirs. The signature of each is the out-of-place function's (``out=`` left out).
- nn.functional's losses and layers that torch also exports at the top level, with ATen's
  argument order and its integer ``reduction`` (0 none, 1 mean, 2 sum; none by default, as
  torch's calls get it).
- Global switches: ``set_warn_always``, ``set_flush_denormal``, the anomaly-mode pair.

This module sits at the top of the package (it gathers ``nn.functional`` and the Tensor
methods), next to ``numtorch/__init__.py``, which re-exports its ``__all__``.
"""

import inspect

from numtorch import _dtype
from numtorch._tensor import Tensor
from numtorch._warnings import is_warn_always_enabled, set_warn_always
from numtorch.autograd import engine as _engine
from numtorch.nn import functional as F
from numtorch.ops import elementwise as _ew
from numtorch.ops import random as _random_ops

__all__ = [
    "binary_cross_entropy_with_logits", "cosine_embedding_loss", "hinge_embedding_loss",
    "kl_div", "margin_ranking_loss", "poisson_nll_loss", "triplet_margin_loss",
    "embedding", "bilinear",
    "set_warn_always", "is_warn_always_enabled", "set_flush_denormal",
    "is_anomaly_enabled", "set_anomaly_enabled",
]


def _in_place(fn):
    """``fn(input, ...)`` computed from a snapshot of ``input`` and written back into it."""
    def method(input, *args, **kwargs):
        return input._set_from(fn(input._snapshot(), *args, **kwargs))

    return method


def _method(name):
    def call(input, *args, **kwargs):
        return getattr(input, name)(*args, **kwargs)

    call.__doc__ = f"``input.{name}(...)``: the tensor's own operation."
    return call


def _dropout_(fn):
    """The in-place form of ``fn`` (a dropout), with ATen's ``(input, p, train)``."""
    def call(input, p, train):
        if p == 0 or not train:  # nothing to drop: ``input`` as it is (a leaf too, as PyTorch)
            return input
        return _in_place(fn)(input, p, train)

    call.__doc__ = f"In-place ``{fn.__name__}``: zeroes elements of ``input`` with probability p."
    return call


def _fill(input, value):
    """A new tensor of ``input``'s shape and dtype holding ``value`` (no gradient flows back to
    ``input``: the values do not depend on it)."""
    return input.clone().fill_(value)


def _rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    return F.rrelu(input, lower, upper, training, generator=generator)


def _rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    return F.rrelu(input, lower, upper, training, inplace=True, generator=generator)


def _resize_as_(input, the_template, *, memory_format=None):
    return input.resize_as_(the_template, memory_format=memory_format)


def _index_put_(input, indices, values, accumulate=False):
    return input.index_put_(indices, values, accumulate)


def _no_out(fn):
    """``fn``'s signature without ``out=``."""
    sig = inspect.signature(fn)
    return sig.replace(parameters=[p for p in sig.parameters.values() if p.name != "out"])


def _sig(*required, kwonly=None, **defaults):
    """The signature ``(*required, **defaults, *, **kwonly)``."""
    P = inspect.Parameter
    params = [P(n, P.POSITIONAL_OR_KEYWORD) for n in required]
    params += [P(n, P.POSITIONAL_OR_KEYWORD, default=d) for n, d in defaults.items()]
    params += [P(n, P.KEYWORD_ONLY, default=d) for n, d in (kwonly or {}).items()]
    return inspect.Signature(params)


# name -> (what it calls, its signature). The elementwise methods take the out-of-place
# function's signature; the rest are written out as ATen's schemas give them.
_ELEMENTWISE = [
    "abs", "acos", "asin", "atan", "ceil", "floor", "round", "trunc", "frac", "clamp",
    "clamp_min", "clamp_max", "clip", "cos", "cosh", "sin", "sinh", "tan", "tanh", "exp", "exp2",
    "expm1", "log", "log10", "log1p", "log2", "sqrt", "rsqrt", "square", "neg", "negative",
    "reciprocal", "sigmoid", "erf", "erfc", "deg2rad", "rad2deg", "logit", "nan_to_num",
]
_RRELU_SIG = _sig("input", lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None)
INPLACE_FUNCTIONS = {name + "_": (_method(name + "_"), _no_out(getattr(_ew, name)))
                     for name in _ELEMENTWISE}
INPLACE_FUNCTIONS.update({
    "relu_": (F.relu_, _sig("input")),
    "selu_": (F.selu_, _sig("input")),
    "celu_": (F.celu_, _sig("input", alpha=1.0)),
    "threshold_": (F.threshold_, _sig("input", "threshold", "value")),
    "rrelu": (_rrelu, _RRELU_SIG),
    "rrelu_": (_rrelu_, _RRELU_SIG),
    "dropout_": (_dropout_(_random_ops.dropout), _sig("input", "p", "train")),
    "alpha_dropout_": (_dropout_(_random_ops.alpha_dropout), _sig("input", "p", "train")),
    "feature_dropout_": (_dropout_(_random_ops.feature_dropout), _sig("input", "p", "train")),
    "feature_alpha_dropout_": (_dropout_(_random_ops.feature_alpha_dropout),
                               _sig("input", "p", "train")),
    "index_put_": (_index_put_, _sig("input", "indices", "values", accumulate=False)),
    "resize_as_": (_resize_as_, _sig("input", "the_template", kwonly={"memory_format": None})),
    "zero_": (_method("zero_"), _sig("input")),
    "fill_": (_method("fill_"), _sig("input", "value")),
    "fill": (_fill, _sig("input", "value")),
    "detach": (_method("detach"), _sig("input")),
    "detach_": (_method("detach_"), _sig("input")),
})


def _function(name, call, sig):
    """``torch.<name>``: checks that ``input`` is a tensor (PyTorch's TypeError), then calls."""
    def fn(*args, **kwargs):
        x = args[0] if args else kwargs.get("input")
        if not isinstance(x, Tensor):
            got = "nothing" if x is None and not args else type(x).__name__
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {got}")
        return call(*args, **kwargs)

    fn.__name__ = fn.__qualname__ = name
    fn.__module__ = "numtorch"
    fn.__signature__ = sig
    fn.__doc__ = call.__doc__ or f"``input.{name}(...)``: the tensor's own operation."
    return fn


for _name, (_call, _signature) in INPLACE_FUNCTIONS.items():
    globals()[_name] = _function(_name, _call, _signature)
    __all__.append(_name)
del _name, _call, _signature


# ====================================================================== functional names
# NOTE: ATen's schemas give these losses ``reduction=1`` (mean), but torch's Python binding
# calls them with no reduction when none is given; numtorch does what torch's calls do.
_REDUCTIONS = {0: "none", 1: "mean", 2: "sum"}


def _reduction(reduction):
    """ATen's integer reduction as nn.functional's string (a string passes through)."""
    if isinstance(reduction, str):
        return reduction
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return _REDUCTIONS[reduction]


def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction=0):
    """``F.binary_cross_entropy_with_logits`` with ATen's integer ``reduction``."""
    return F.binary_cross_entropy_with_logits(input, target, weight, reduction=_reduction(
        reduction), pos_weight=pos_weight)


def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=0):
    return F.cosine_embedding_loss(input1, input2, target, margin,
                                   reduction=_reduction(reduction))


def hinge_embedding_loss(input, target, margin=1.0, reduction=0):
    return F.hinge_embedding_loss(input, target, margin, reduction=_reduction(reduction))


def kl_div(input, target, reduction=0, *, log_target=False):
    """``F.kl_div`` with ATen's integer ``reduction``; its mean (over every element) without
    nn.functional's warning, which ``torch.kl_div`` does not give."""
    reduction = _reduction(reduction)
    if reduction == "mean":
        total = F.kl_div(input, target, reduction="sum", log_target=log_target)
        return total / max(input.numel(), target.numel())
    return F.kl_div(input, target, reduction=reduction, log_target=log_target)


def margin_ranking_loss(input1, input2, target, margin=0.0, reduction=0):
    return F.margin_ranking_loss(input1, input2, target, margin,
                                 reduction=_reduction(reduction))


def poisson_nll_loss(input, target, log_input, full, eps, reduction):
    return F.poisson_nll_loss(input, target, log_input, full, eps=eps,
                              reduction=_reduction(reduction))


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False,
                        reduction=0):
    return F.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
                                 reduction=_reduction(reduction))


def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """ATen's ``embedding(weight, indices)``: the table first; ``padding_idx=-1`` is none."""
    return F.embedding(indices, weight, padding_idx=None if padding_idx < 0 else padding_idx,
                       scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


def bilinear(input1, input2, weight, bias=None):
    return F.bilinear(input1, input2, weight, bias)


# ====================================================================== global switches
def set_flush_denormal(mode):
    """Returns False: flushing denormals to zero is a switch of the CPU's floating-point unit
    (the MXCSR's FTZ/DAZ bits) that NumPy neither sets nor exposes, so numtorch cannot turn it
    on (PyTorch also returns False where the CPU does not support it)."""
    return False


def is_anomaly_enabled():
    """Whether autograd's anomaly detection is on (``autograd.set_detect_anomaly``)."""
    return _engine.is_anomaly_enabled()


def set_anomaly_enabled(enabled, check_nan=True):
    """Turn autograd's anomaly detection on or off (``autograd.set_detect_anomaly``'s switch,
    without the context manager)."""
    _engine.set_detect_anomaly(enabled, check_nan)


def can_cast(from_, to):
    """Whether PyTorch's casting rules allow ``from_`` to become ``to`` in an in-place op: not
    from a higher category (bool < integer < floating) to a lower one."""
    return _dtype.to_dtype(from_).category <= _dtype.to_dtype(to).category


__all__.append("can_cast")
