"""The categorical distribution over ``{0, ..., K-1}`` (``torch.distributions.Categorical``)."""

import numpy as np

import numtorch
from numtorch._random import default_generator
from numtorch._tensor import Size
from numtorch.distributions import constraints
from numtorch.distributions.distribution import Distribution
from numtorch.distributions.utils import finfo_min, lazy_property, logits_to_probs, probs_to_logits

__all__ = ["Categorical"]


class Categorical(Distribution):
    """A draw from ``K`` categories; the last dim of ``probs`` or ``logits`` indexes them and
    the leading dims are the batch shape. ``probs`` need only be non-negative: they are divided
    by their sum. ``logits`` are normalized (``logits - logsumexp``), so ``logits.exp()`` equals
    ``probs``. Give exactly one of them.

    ``sample`` returns int64 indices of shape ``sample_shape + batch_shape``; ``log_prob(k)`` is
    ``logits[..., k]`` (differentiable in the parameters, the REINFORCE estimator's
    ``-log_prob(a) * return``); entropy = -sum p log p.
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            if probs.dim() < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / probs.sum(-1, keepdim=True)
        else:
            if logits.dim() < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = logits - logits.logsumexp(dim=-1, keepdim=True)
        self._param = self.probs if probs is not None else self.logits
        self._num_events = self._param.size()[-1]
        batch_shape = self._param.size()[:-1] if self._param.dim() > 1 else Size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Categorical, _instance)
        batch_shape = Size(batch_shape)
        param_shape = tuple(batch_shape) + (self._num_events,)
        if "probs" in self.__dict__:
            new.probs = self.probs.expand(param_shape)
            new._param = new.probs
        if "logits" in self.__dict__:
            new.logits = self.logits.expand(param_shape)
            new._param = new.logits
        new._num_events = self._num_events
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        return constraints.integer_interval(0, self._num_events - 1)

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits)

    @property
    def param_shape(self):
        return self._param.size()

    @property
    def mean(self):
        return numtorch.full(self._extended_shape(), float("nan"), dtype=self.probs.dtype)

    @property
    def mode(self):
        return self.probs.argmax(dim=-1)

    @property
    def variance(self):
        return numtorch.full(self._extended_shape(), float("nan"), dtype=self.probs.dtype)

    def sample(self, sample_shape=Size()):
        # Inverse-CDF sampling, vectorized over the batch: the index of the first cumulative
        # probability above a uniform draw (PyTorch draws through multinomial; same law).
        sample_shape = Size(sample_shape)
        probs = self.probs.detach().numpy().reshape(-1, self._num_events)  # (B, K)
        cdf = np.cumsum(probs, axis=-1, dtype=np.float64)
        cdf /= cdf[:, -1:]
        u = default_generator.rng.random((sample_shape.numel(), probs.shape[0]))  # (n, B)
        draws = (u[..., None] >= cdf).sum(-1)  # (n, B)
        draws = np.minimum(draws, self._num_events - 1).astype(np.int64)
        return numtorch.from_numpy(draws).reshape(self._extended_shape(sample_shape))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        value = value.long().unsqueeze(-1)
        value, log_pmf = numtorch.broadcast_tensors(value, self.logits)
        value = value[..., :1]
        return log_pmf.gather(-1, value).squeeze(-1)

    def entropy(self):
        # Clamping -inf logits (zero probabilities) keeps 0 * log 0 at 0.
        logits = self.logits.clamp(min=finfo_min(self.logits))
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand=True):
        values = numtorch.arange(self._num_events, dtype=numtorch.int64)
        values = values.view((-1,) + (1,) * len(self._batch_shape))
        if expand:
            values = values.expand((-1,) + tuple(self._batch_shape))
        return values
