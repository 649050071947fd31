"""The Poisson distribution (``torch.distributions.Poisson``)."""


import numtorch
from numtorch._tensor import Size
from numtorch.autograd.grad_mode import no_grad
from numtorch.distributions import constraints
from numtorch.distributions.distribution import Distribution
from numtorch.distributions.utils import broadcast_all

__all__ = ["Poisson"]


class Poisson(Distribution):
    """Poisson distribution with rate ``rate`` (>= 0) on the non-negative integers.

    log p(k) = k log(rate) - rate - log(k!) (``xlogy``, so k = 0 at rate 0 gives 0).
    Samples are float tensors of counts, without gradient (no ``rsample``).
    """

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate, validate_args=None):
        self._set_params(validate_args, rate=rate)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Poisson, batch_shape, _instance, "rate")

    @property
    def mean(self):
        return self.rate

    @property
    def mode(self):
        return self.rate.floor()

    @property
    def variance(self):
        return self.rate

    def sample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        with no_grad():
            return numtorch.poisson(self.rate.expand(shape))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return numtorch.xlogy(value, rate) - rate - numtorch.lgamma(value + 1)
