"""The log-normal distribution ``exp(N(loc, scale^2))`` (``torch.distributions.LogNormal``)."""

import numtorch
from numtorch._tensor import Size
from numtorch.distributions import constraints
from numtorch.distributions.distribution import Distribution
from numtorch.distributions.normal import Normal

__all__ = ["LogNormal"]


class LogNormal(Distribution):
    """``exp(X)`` for ``X ~ Normal(loc, scale)``, on ``(0, inf)``. PyTorch builds it as a
    transformed distribution; here it is written out with PyTorch's formulas, keeping the
    normal as ``base_dist``.

    log p(y) = log N(log y; loc, scale) - log y; cdf = Phi((log y - loc) / scale);
    entropy = H(N(loc, scale)) + loc; rsample = exp(loc + scale eps), differentiable.
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self.base_dist = Normal(loc, scale, validate_args=validate_args)
        super().__init__(self.base_dist.batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(LogNormal, batch_shape, _instance, "base_dist")

    @property
    def loc(self):
        return self.base_dist.loc

    @property
    def scale(self):
        return self.base_dist.scale

    @property
    def mean(self):
        return (self.loc + self.scale.pow(2) / 2).exp()

    @property
    def mode(self):
        return (self.loc - self.scale.square()).exp()

    @property
    def variance(self):
        scale2 = self.scale.pow(2)
        return scale2.expm1() * (2 * self.loc + scale2).exp()

    def rsample(self, sample_shape=Size()):
        return self.base_dist.rsample(sample_shape).exp()

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        x = numtorch.log(value)
        return self.base_dist.log_prob(x) - x

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return self.base_dist.cdf(numtorch.log(value))

    def icdf(self, value):
        return self.base_dist.icdf(value).exp()

    def entropy(self):
        return self.base_dist.entropy() + self.loc
