"""The Cauchy (Lorentz) distribution (``torch.distributions.Cauchy``)."""

import math

import numtorch
from numtorch._tensor import Size
from numtorch.distributions import constraints
from numtorch.distributions.distribution import Distribution

__all__ = ["Cauchy"]


class Cauchy(Distribution):
    """Cauchy distribution with median ``loc`` and half-width ``scale``. Its mean is undefined
    (NaN) and its variance infinite, as PyTorch reports them.

    log p(x) = -log(pi) - log(scale) - log(1 + ((x - loc) / scale)^2);
    cdf = atan((x - loc) / scale) / pi + 1/2; entropy = log(4 pi scale);
    rsample = loc + scale * c with c standard Cauchy, differentiable in loc and scale.
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self._set_params(validate_args, loc=loc, scale=scale)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Cauchy, batch_shape, _instance, "loc", "scale")

    @property
    def mean(self):
        return numtorch.full(tuple(self._extended_shape()), math.nan, dtype=self.loc.dtype)

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        return numtorch.full(tuple(self._extended_shape()), math.inf, dtype=self.loc.dtype)

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        eps = numtorch.empty(shape, dtype=self.loc.dtype).cauchy_()
        return self.loc + eps * self.scale

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return -math.log(math.pi) - self.scale.log() - \
            (((value - self.loc) / self.scale) ** 2).log1p()

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return numtorch.atan((value - self.loc) / self.scale) / math.pi + 0.5

    def icdf(self, value):
        return numtorch.tan(math.pi * (value - 0.5)) * self.scale + self.loc

    def entropy(self):
        return math.log(4 * math.pi) + self.scale.log()
