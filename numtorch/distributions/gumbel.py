"""The Gumbel (type-I extreme value) distribution (``torch.distributions.Gumbel``)."""

import math

import numpy as np

import numtorch
from numtorch._tensor import Size
from numtorch.distributions import constraints
from numtorch.distributions.distribution import Distribution
from numtorch.distributions.utils import finfo_eps

__all__ = ["Gumbel"]

_EULER_GAMMA = 0.57721566490153286060


class Gumbel(Distribution):
    """Gumbel distribution with location ``loc`` and scale ``scale``.

    PyTorch builds it as a transformed uniform on ``[tiny, 1 - eps)``; it is written out here:
    x = loc - scale log(-log u), cdf = exp(-exp(-(x - loc) / scale)) read through that uniform's
    cdf, log p(x) = z - exp(z) - log(scale) with z = (loc - x) / scale,
    entropy = log(scale) + 1 + euler_gamma. ``rsample`` is differentiable in loc and scale.
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self._set_params(validate_args, loc=loc, scale=scale)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Gumbel, batch_shape, _instance, "loc", "scale")

    def _uniform_bounds(self):
        tiny = float(np.finfo(self.loc._data.dtype).tiny)
        return tiny, 1 - finfo_eps(self.loc)

    @property
    def mean(self):
        return self.loc + self.scale * _EULER_GAMMA

    @property
    def mode(self):
        return self.loc

    @property
    def stddev(self):
        return (math.pi / math.sqrt(6)) * self.scale

    @property
    def variance(self):
        return self.stddev.pow(2)

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        low, high = self._uniform_bounds()
        u = low + numtorch.rand(shape, dtype=self.loc.dtype) * (high - low)
        return self.loc - self.scale * numtorch.log(-numtorch.log(u))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        z = (self.loc - value) / self.scale
        return (z - z.exp()) - self.scale.log()

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        low, high = self._uniform_bounds()
        u = numtorch.exp(-numtorch.exp(-(value - self.loc) / self.scale))
        return ((u - low) / (high - low)).clamp(min=0, max=1)

    def icdf(self, value):
        low, high = self._uniform_bounds()
        u = value * (high - low) + low
        return self.loc - self.scale * numtorch.log(-numtorch.log(u))

    def entropy(self):
        return self.scale.log() + (1 + _EULER_GAMMA)
