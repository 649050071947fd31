"""The half-normal distribution ``|N(0, scale^2)|`` (``torch.distributions.HalfNormal``)."""

import math

import numtorch
from numtorch._tensor import Size
from numtorch.distributions import constraints
from numtorch.distributions.distribution import Distribution
from numtorch.distributions.normal import Normal

__all__ = ["HalfNormal"]


class HalfNormal(Distribution):
    """The absolute value of a ``Normal(0, scale)``, on ``[0, inf)``. PyTorch builds it as a
    transformed distribution; here it is written out with PyTorch's formulas, keeping the
    folded normal as ``base_dist``.

    log p(x) = log N(x; 0, scale) + log 2 for x >= 0 (-inf below); cdf = 2 Phi(x / scale) - 1;
    entropy = H(N(0, scale)) - log 2; rsample = |scale eps|, differentiable in scale.
    """

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, scale, validate_args=None):
        self.base_dist = Normal(0, scale, validate_args=False)
        super().__init__(self.base_dist.batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(HalfNormal, batch_shape, _instance, "base_dist")

    @property
    def scale(self):
        return self.base_dist.scale

    @property
    def mean(self):
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def mode(self):
        return numtorch.zeros_like(self.scale)

    @property
    def variance(self):
        return self.scale.pow(2) * (1 - 2 / math.pi)

    def rsample(self, sample_shape=Size()):
        return self.base_dist.rsample(sample_shape).abs()

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        log_prob = self.base_dist.log_prob(value) + math.log(2)
        return numtorch.where(value >= 0, log_prob, numtorch.full_like(log_prob, -math.inf))

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, prob):
        return self.base_dist.icdf((prob + 1) / 2)

    def entropy(self):
        return self.base_dist.entropy() - math.log(2)
