"""The gamma distribution and its chi-squared special case (``torch.distributions.Gamma``,
``torch.distributions.Chi2``)."""


import numpy as np

import numtorch
from numtorch._random import _gen
from numtorch._tensor import Size, _wrap
from numtorch.autograd.function import Primitive, once_differentiable
from numtorch.autograd.grad_mode import no_grad
from numtorch.distributions import constraints
from numtorch.distributions.distribution import Distribution

__all__ = ["Gamma", "Chi2", "standard_gamma_sample", "standard_gamma_grad"]


def standard_gamma_sample(concentration):
    """Gamma(concentration, 1) draws of ``concentration``'s shape and dtype, from numtorch's
    generator, clamped below at the dtype's smallest normal number (as PyTorch's sampler)."""
    alpha = concentration.detach().numpy()
    draws = _gen(None).standard_gamma(alpha.astype(np.float64))
    tiny = float(np.finfo(alpha.dtype).tiny)
    return _wrap(np.maximum(np.asarray(draws), tiny).astype(alpha.dtype))


def standard_gamma_grad(alpha, x, intervals=400):
    """d x / d alpha for Gamma(alpha, 1) draws ``x`` (arrays), reparameterized through the
    inverse cdf: -(dP/dalpha) / p(x), P the regularized lower incomplete gamma function.

    For x > alpha it is +(dQ/dalpha) / p(x) = int_0^inf (1 + u/x)^(alpha-1) e^-u
    (log(x + u) - digamma(alpha)) du, for x <= alpha -(dP/dalpha) / p(x) =
    -int_0^x (t/x)^(alpha-1) e^(x-t) (log t - digamma(alpha)) dt: both integrands peak at the
    draw. They are integrated in w with u = x (e^w - 1) (t = x e^-w), where the log of the
    weight, +-alpha w - x (e^(+-w) - 1), is concave with its maximum at w = 0, with Simpson's
    rule on [0, W], W grown until the weight has fallen by e^40. Float64 throughout."""
    a, x = np.broadcast_arrays(np.asarray(alpha, np.float64), np.asarray(x, np.float64))
    upper = x > a
    sign = np.where(upper, 1.0, -1.0)

    def log_weight(w):
        return sign * a * w - x * np.expm1(sign * w)

    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        width = np.minimum(45 / np.abs(x - a), np.sqrt(135 / x))
        width = np.where(np.isfinite(width), width, 1.0)
        for _ in range(64):
            short = log_weight(width) > -40
            if not short.any():
                break
            width = np.where(short, width * 2, width)
        psi = numtorch.digamma(_wrap(a)).numpy()
        log_x = np.log(x)
        h = width / intervals
        total = np.zeros_like(x)
        for i in range(intervals + 1):
            coef = 1 if i in (0, intervals) else (4 if i % 2 else 2)
            w = i * h
            total += coef * np.exp(log_weight(w)) * (log_x + sign * w - psi)
    return sign * total * (h / 3) * x


class _StandardGamma(Primitive):
    """Gamma(alpha, 1) draws, differentiable in alpha through the implicit (inverse-cdf)
    derivative ``standard_gamma_grad``, as PyTorch's ``_standard_gamma``."""

    @staticmethod
    def forward(ctx, alpha):
        x = standard_gamma_sample(_wrap(alpha))._data
        ctx.save_for_backward(_wrap(alpha), _wrap(x))
        return x

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_output):
        alpha, x = ctx.saved_tensors
        dx = standard_gamma_grad(alpha._data, x._data).astype(alpha._data.dtype)
        return grad_output * _wrap(dx)


class Gamma(Distribution):
    """Gamma distribution with shape ``concentration`` and inverse scale ``rate`` on
    ``[0, inf)``.

    log p(x) = a log(b) + (a - 1) log(x) - b x - lgamma(a) (``xlogy``);
    entropy = a - log(b) + lgamma(a) + (1 - a) digamma(a).
    rsample = x / rate with x ~ Gamma(concentration, 1), differentiable in both: in the
    concentration through the implicit derivative -(dP/da) / p(x) of the inverse cdf (see
    ``standard_gamma_grad``; PyTorch uses a cheaper approximation of the same derivative). No
    ``cdf``: the regularized incomplete gamma function is not in numtorch.
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, concentration, rate, validate_args=None):
        self._set_params(validate_args, concentration=concentration, rate=rate)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Gamma, batch_shape, _instance, "concentration", "rate")

    @property
    def mean(self):
        return self.concentration / self.rate

    @property
    def mode(self):
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self):
        return self.concentration / self.rate.pow(2)

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        value = _StandardGamma.apply(self.concentration.expand(shape)) / self.rate.expand(shape)
        with no_grad():  # the clamp is not recorded, as in PyTorch
            tiny = float(np.finfo(value._data.dtype).tiny)
            np.maximum(value._data, tiny, out=value._data)
        return value

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return numtorch.xlogy(self.concentration, self.rate) + \
            numtorch.xlogy(self.concentration - 1, value) - self.rate * value - \
            numtorch.lgamma(self.concentration)

    def entropy(self):
        a = self.concentration
        return a - numtorch.log(self.rate) + numtorch.lgamma(a) + \
            (1.0 - a) * numtorch.digamma(a)


class Chi2(Gamma):
    """Chi-squared distribution with ``df`` degrees of freedom: ``Gamma(df / 2, 1 / 2)``."""

    arg_constraints = {"df": constraints.positive}

    def __init__(self, df, validate_args=None):
        super().__init__(0.5 * df, 0.5, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Chi2, _instance)
        return super().expand(batch_shape, new)

    @property
    def df(self):
        return self.concentration * 2
