"""The Dirichlet distribution on the simplex (``torch.distributions.Dirichlet``)."""

import math

import numpy as np

import numtorch
from numtorch._tensor import Size
from numtorch.distributions import constraints
from numtorch.distributions.distribution import Distribution
from numtorch.distributions.gamma import standard_gamma_sample
from numtorch.nn.functional import one_hot

__all__ = ["Dirichlet"]


class Dirichlet(Distribution):
    """Dirichlet distribution with positive ``concentration`` (at least one-dimensional; its
    last dim is the event).

    log p(x) = sum((a - 1) log x) + lgamma(sum a) - sum(lgamma(a));
    samples are normalized gamma draws, without gradient (no ``rsample``: PyTorch's implicit
    reparameterization is not implemented).
    """

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex

    def __init__(self, concentration, validate_args=None):
        if concentration.dim() < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        shape = concentration.shape
        super().__init__(shape[:-1], shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Dirichlet, _instance)
        batch_shape = Size(batch_shape)
        new.concentration = self.concentration.expand(tuple(batch_shape) +
                                                      tuple(self.event_shape))
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def sample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        g = standard_gamma_sample(self.concentration.expand(shape))
        x = g / g.sum(-1, keepdim=True)
        finfo = np.finfo(x._data.dtype)
        return x.clamp(min=float(finfo.tiny), max=1 - float(finfo.eps))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        a = self.concentration
        return numtorch.xlogy(a - 1.0, value).sum(-1) + numtorch.lgamma(a.sum(-1)) - \
            numtorch.lgamma(a).sum(-1)

    @property
    def mean(self):
        return self.concentration / self.concentration.sum(-1, True)

    @property
    def mode(self):
        """(a - 1)_+ normalized; where every a < 1, the one-hot vector at the largest entry
        of that (NaN) ratio, as PyTorch picks it."""
        am1 = (self.concentration - 1).clamp(min=0.0)
        total = am1.sum(-1, True)
        # 0 / 0 is NaN, as in PyTorch (dividing by NaN says so without a warning)
        mode = am1 / numtorch.where(total == 0, numtorch.full_like(total, math.nan), total)
        mask = (self.concentration < 1).all(dim=-1, keepdim=True)
        corner = one_hot(mode.argmax(dim=-1), am1.shape[-1]).to(mode.dtype)
        return numtorch.where(mask, corner, mode)

    @property
    def variance(self):
        a0 = self.concentration.sum(-1, True)
        return self.concentration * (a0 - self.concentration) / (a0.pow(2) * (a0 + 1))

    def entropy(self):
        a = self.concentration
        k = a.size(-1)
        a0 = a.sum(-1)
        return numtorch.lgamma(a).sum(-1) - numtorch.lgamma(a0) - \
            (k - a0) * numtorch.digamma(a0) - ((a - 1.0) * numtorch.digamma(a)).sum(-1)
