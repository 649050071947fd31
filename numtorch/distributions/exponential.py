"""The exponential distribution (``torch.distributions.Exponential``)."""


import numtorch
from numtorch._tensor import Size
from numtorch.distributions import constraints
from numtorch.distributions.distribution import Distribution

__all__ = ["Exponential"]


class Exponential(Distribution):
    """Exponential distribution with rate ``rate`` (mean ``1 / rate``) on ``[0, inf)``.

    log p(x) = log(rate) - rate x; cdf = 1 - exp(-rate x); entropy = 1 - log(rate);
    rsample = e / rate with e ~ Exp(1), differentiable in rate.
    """

    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, rate, validate_args=None):
        self._set_params(validate_args, rate=rate)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Exponential, batch_shape, _instance, "rate")

    @property
    def mean(self):
        return self.rate.reciprocal()

    @property
    def mode(self):
        return numtorch.zeros_like(self.rate)

    @property
    def stddev(self):
        return self.rate.reciprocal()

    @property
    def variance(self):
        return self.rate.pow(-2)

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        eps = numtorch.empty(shape, dtype=self.rate.dtype).exponential_()
        return eps / self.rate

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return self.rate.log() - self.rate * value

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 1 - numtorch.exp(-self.rate * value)

    def icdf(self, value):
        return -numtorch.log1p(-value) / self.rate

    def entropy(self):
        return 1.0 - numtorch.log(self.rate)
