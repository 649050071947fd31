"""The continuous uniform distribution on ``[low, high)`` (``torch.distributions.Uniform``)."""


import numtorch
from numtorch._tensor import Size
from numtorch.distributions import constraints
from numtorch.distributions.distribution import Distribution

__all__ = ["Uniform"]


class Uniform(Distribution):
    """Uniform on the half-open interval ``[low, high)`` (numbers or tensors, broadcast).

    log p(x) = -log(high - low) inside the interval, -inf outside;
    rsample = low + u (high - low) with u ~ U[0, 1), differentiable in low and high.
    Validation requires ``low < high`` element-wise.
    """

    has_rsample = True

    @property
    def arg_constraints(self):
        return {"low": constraints.less_than(self.high),
                "high": constraints.greater_than(self.low)}

    def __init__(self, low, high, validate_args=None):
        self._set_params(validate_args, low=low, high=high)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Uniform, batch_shape, _instance, "low", "high")

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        return constraints.interval(self.low, self.high)

    @property
    def mean(self):
        return (self.high + self.low) / 2

    @property
    def mode(self):
        return float("nan") * self.high  # every point of the interval is a mode

    @property
    def stddev(self):
        return (self.high - self.low) / 12 ** 0.5

    @property
    def variance(self):
        return (self.high - self.low).pow(2) / 12

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        u = numtorch.rand(shape, dtype=self.low.dtype)
        return self.low + u * (self.high - self.low)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        inside = (self.low <= value) & (self.high > value)
        # log of the indicator: 0 inside, -inf outside (a constant, as in PyTorch)
        log_indicator = numtorch.zeros(inside.shape, dtype=self.low.dtype).masked_fill(
            ~inside, float("-inf"))
        return log_indicator - numtorch.log(self.high - self.low)

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return ((value - self.low) / (self.high - self.low)).clamp(min=0, max=1)

    def icdf(self, value):
        return value * (self.high - self.low) + self.low

    def entropy(self):
        return numtorch.log(self.high - self.low)
