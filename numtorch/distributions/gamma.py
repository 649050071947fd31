"""The gamma distribution and its chi-squared special case (``torch.distributions.Gamma``,
``torch.distributions.Chi2``)."""

import numbers

import numpy as np

import numtorch
from numtorch._random import _gen
from numtorch._tensor import Size, _wrap
from numtorch.distributions import constraints
from numtorch.distributions.distribution import Distribution
from numtorch.distributions.utils import broadcast_all

__all__ = ["Gamma", "Chi2", "standard_gamma_sample"]


def standard_gamma_sample(concentration):
    """Gamma(concentration, 1) draws of ``concentration``'s shape and dtype, from numtorch's
    generator, clamped below at the dtype's smallest normal number (as PyTorch's sampler)."""
    alpha = concentration.detach().numpy()
    draws = _gen(None).standard_gamma(alpha.astype(np.float64))
    tiny = float(np.finfo(alpha.dtype).tiny)
    return _wrap(np.maximum(np.asarray(draws), tiny).astype(alpha.dtype))


class Gamma(Distribution):
    """Gamma distribution with shape ``concentration`` and inverse scale ``rate`` on
    ``[0, inf)``.

    log p(x) = a log(b) + (a - 1) log(x) - b x - lgamma(a) (``xlogy``);
    entropy = a - log(b) + lgamma(a) + (1 - a) digamma(a).
    Samples come without gradient: no ``rsample`` (PyTorch's implicit reparameterization is not
    implemented) and no ``cdf`` (the regularized incomplete gamma function is not in numtorch).
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative

    def __init__(self, concentration, rate, validate_args=None):
        self.concentration, self.rate = broadcast_all(concentration, rate)
        if isinstance(concentration, numbers.Number) and isinstance(rate, numbers.Number):
            batch_shape = Size()
        else:
            batch_shape = self.concentration.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Gamma, _instance)
        batch_shape = Size(batch_shape)
        new.concentration = self.concentration.expand(batch_shape)
        new.rate = self.rate.expand(batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self):
        return self.concentration / self.rate

    @property
    def mode(self):
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self):
        return self.concentration / self.rate.pow(2)

    def sample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        g = standard_gamma_sample(self.concentration.expand(shape))
        value = g / self.rate.detach().expand(shape)
        tiny = float(np.finfo(value._data.dtype).tiny)
        return value.clamp(min=tiny)

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
