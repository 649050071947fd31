"""The normal distribution ``N(loc, scale^2)`` (``torch.distributions.Normal``)."""

import math

import numtorch
from numtorch._tensor import Size
from numtorch.distributions import constraints
from numtorch.distributions.distribution import Distribution

__all__ = ["Normal"]


class Normal(Distribution):
    """Normal (Gaussian) distribution with mean ``loc`` and standard deviation ``scale``
    (numbers or tensors, broadcast together; the batch shape is their broadcast shape).

    log p(x) = -(x - loc)^2 / (2 scale^2) - log(scale) - log(sqrt(2 pi));
    rsample = loc + scale * eps with eps ~ N(0, 1), differentiable in loc and scale.
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self._set_params(validate_args, loc=loc, scale=scale)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Normal, batch_shape, _instance, "loc", "scale")

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def stddev(self):
        return self.scale

    @property
    def variance(self):
        return self.stddev.pow(2)

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        eps = numtorch.randn(shape, dtype=self.loc.dtype)
        return self.loc + eps * self.scale

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        var = self.scale ** 2
        return -((value - self.loc) ** 2) / (2 * var) - self.scale.log() - \
            math.log(math.sqrt(2 * math.pi))

    def cdf(self, value):
        """Phi((x - loc) / scale) = (1 + erf((x - loc) / (scale sqrt 2))) / 2."""
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 * (1 + numtorch.erf((value - self.loc) * self.scale.reciprocal() /
                                       math.sqrt(2)))

    def icdf(self, value):
        """loc + scale sqrt(2) erfinv(2 p - 1)."""
        return self.loc + self.scale * numtorch.erfinv(2 * value - 1) * math.sqrt(2)

    def entropy(self):
        """1/2 + log(2 pi)/2 + log(scale)."""
        return 0.5 + 0.5 * math.log(2 * math.pi) + numtorch.log(self.scale)
