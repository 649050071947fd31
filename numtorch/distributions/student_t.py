"""Student's t distribution (``torch.distributions.StudentT``)."""

import math

import numtorch
from numtorch._tensor import Size
from numtorch.distributions import constraints
from numtorch.distributions.distribution import Distribution
from numtorch.distributions.gamma import Chi2
from numtorch.distributions.utils import broadcast_all

__all__ = ["StudentT"]


class StudentT(Distribution):
    """Student's t with ``df`` degrees of freedom, location ``loc`` and scale ``scale``.

    log p(x) = -(df + 1)/2 log(1 + y^2 / df) - log(scale) - log(df)/2 - log(pi)/2
    - lgamma(df/2) + lgamma((df + 1)/2), y = (x - loc) / scale. The mean is NaN for df <= 1;
    the variance is infinite for 1 < df <= 2 and NaN for df <= 1, as PyTorch reports them.
    rsample = loc + scale X / sqrt(Z / df) (X normal, Z a chi-squared rsample), differentiable
    in df (through the gamma's implicit derivative), loc and scale.
    """

    arg_constraints = {"df": constraints.positive, "loc": constraints.real,
                       "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, df, loc=0.0, scale=1.0, validate_args=None):
        self.df, self.loc, self.scale = broadcast_all(df, loc, scale)
        self._chi2 = Chi2(self.df)
        super().__init__(self.df.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(StudentT, batch_shape, _instance, "df", "loc", "scale", "_chi2")

    @property
    def mean(self):
        return numtorch.where(self.df <= 1, numtorch.full_like(self.loc, math.nan), self.loc)

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        big = self.df > 2
        df = numtorch.where(big, self.df, numtorch.full_like(self.df, 3.0))  # finite gradients
        v = self.scale.pow(2) * df / (df - 2)
        v = numtorch.where(big, v, numtorch.full_like(v, math.inf))
        return numtorch.where(self.df <= 1, numtorch.full_like(v, math.nan), v)

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        x = numtorch.randn(shape, dtype=self.df.dtype)
        z = self._chi2.rsample(sample_shape)
        return self.loc + self.scale * x * numtorch.rsqrt(z / self.df)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        y = (value - self.loc) / self.scale
        z = self.scale.log() + 0.5 * self.df.log() + 0.5 * math.log(math.pi) + \
            numtorch.lgamma(0.5 * self.df) - numtorch.lgamma(0.5 * (self.df + 1.0))
        return -0.5 * (self.df + 1.0) * numtorch.log1p(y ** 2.0 / self.df) - z

    def entropy(self):
        df = self.df
        lbeta = numtorch.lgamma(0.5 * df) + math.lgamma(0.5) - numtorch.lgamma(0.5 * (df + 1))
        return self.scale.log() + 0.5 * (df + 1) * (numtorch.digamma(0.5 * (df + 1)) -
                                                    numtorch.digamma(0.5 * df)) + \
            0.5 * df.log() + lbeta
