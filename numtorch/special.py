"""``numtorch.special``: PyTorch's ``torch.special`` functions that numtorch has. Most are the
top-level functions under their SciPy-style names (``expit`` is ``sigmoid``, ``gammaln`` is
``lgamma``, ``psi`` is ``digamma``, ``multigammaln`` is ``mvlgamma``); ``entr``, ``ndtr`` and
``xlog1py`` are composites of differentiable ops."""

import math

from numtorch import _creation
from numtorch.ops import elementwise as _ew
from numtorch.ops import reduction as _reduction

__all__ = ["expit", "logit", "erf", "erfc", "erfinv", "exp2", "expm1", "log1p", "logsumexp",
           "softmax", "log_softmax", "round", "xlogy", "xlog1py", "entr", "ndtr", "sinc",
           "gammaln", "digamma", "psi", "polygamma", "multigammaln", "i0", "i1"]

erf = _ew.erf
erfc = _ew.erfc
erfinv = _ew.erfinv
exp2 = _ew.exp2
expm1 = _ew.expm1
log1p = _ew.log1p
logit = _ew.logit
xlogy = _ew.xlogy
round = _ew.round  # noqa: A001 - PyTorch's name
sinc = _ew.sinc
gammaln = _ew.lgamma
digamma = psi = _ew.digamma
polygamma = _ew.polygamma
multigammaln = _ew.mvlgamma
i0 = _ew.i0
i1 = _ew.i1


def expit(input):
    """The logistic sigmoid 1 / (1 + exp(-x))."""
    return _ew.sigmoid(input)


def logsumexp(input, dim, keepdim=False):
    return _reduction.logsumexp(input, dim, keepdim)


def softmax(input, dim, *, dtype=None):
    return _reduction.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim, *, dtype=None):
    return _reduction.log_softmax(input, dim, dtype=dtype)


def entr(input):
    """Elementwise entropy: -x log(x) for x > 0, 0 at 0, -inf for x < 0."""
    zero = _creation.zeros_like(input)
    safe = _ew.where(input > 0, input, _creation.ones_like(input))
    out = _ew.where(input > 0, -input * _ew.log(safe), zero)
    return _ew.where(input < 0, -math.inf, out)


def ndtr(input):
    """The standard normal CDF: (1 + erf(x / sqrt(2))) / 2."""
    if not input.is_floating_point():
        input = input.float()
    return (1 + _ew.erf(input * (1 / math.sqrt(2)))) * 0.5


def xlog1py(input, other):
    """x * log1p(y), and 0 where x == 0 (even when log1p(y) is infinite or NaN). As in
    PyTorch, d/dx is log1p(y) also at x == 0 when y > -1."""
    import numpy as np

    from numtorch._tensor import _wrap
    from numtorch.ops._broadcast import promote_operands

    x, y = promote_operands(input, other)
    blocked = (x._data == 0) & ((y._data <= -1) | np.isinf(y._data))
    safe_y = _ew.where(_wrap(np.asarray(blocked)), 0.0, y)
    return x * _ew.log1p(safe_y)
