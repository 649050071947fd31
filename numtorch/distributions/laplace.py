"""The Laplace (double exponential) distribution (``torch.distributions.Laplace``)."""


import numtorch
from numtorch._tensor import Size
from numtorch.distributions import constraints
from numtorch.distributions.distribution import Distribution
from numtorch.distributions.utils import finfo_eps

__all__ = ["Laplace"]


class Laplace(Distribution):
    """Laplace distribution with location ``loc`` and scale ``scale``.

    log p(x) = -log(2 scale) - |x - loc| / scale; entropy = 1 + log(2 scale);
    rsample = loc - scale sign(u) log(1 - |u|) with u ~ U(eps - 1, 1) (PyTorch's inverse-cdf
    draw), differentiable in loc and scale.
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self._set_params(validate_args, loc=loc, scale=scale)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Laplace, batch_shape, _instance, "loc", "scale")

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        return 2 * self.scale.pow(2)

    @property
    def stddev(self):
        return (2 ** 0.5) * self.scale

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        eps = finfo_eps(self.loc)
        u = numtorch.empty(shape, dtype=self.loc.dtype).uniform_(eps - 1, 1)
        return self.loc - self.scale * u.sign() * numtorch.log1p(-u.abs())

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return -numtorch.log(2 * self.scale) - (value - self.loc).abs() / self.scale

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        z = value - self.loc
        return 0.5 - 0.5 * z.sign() * numtorch.expm1(-z.abs() / self.scale)

    def icdf(self, value):
        term = value - 0.5
        return self.loc - self.scale * term.sign() * numtorch.log1p(-2 * term.abs())

    def entropy(self):
        return 1 + numtorch.log(2 * self.scale)
