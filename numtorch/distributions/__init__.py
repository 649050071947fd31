"""``numtorch.distributions``: PyTorch's ``torch.distributions`` for the families training
scripts use: Normal, Uniform, Bernoulli, Categorical and MultivariateNormal, and Independent
(batch dims read as event dims). Each has sampling (``rsample``, differentiable, where PyTorch
has it), ``log_prob``, ``entropy``, moments, ``cdf``/``icdf`` where PyTorch has them,
``expand``, argument validation, and ``kl_divergence``/``register_kl``.

Samples are drawn from numtorch's generators (``numtorch.manual_seed``): a seeded program gets
different numbers than under PyTorch, with the same distribution.
"""

from numtorch.distributions import constraints
from numtorch.distributions.bernoulli import Bernoulli
from numtorch.distributions.categorical import Categorical
from numtorch.distributions.distribution import Distribution
from numtorch.distributions.independent import Independent
from numtorch.distributions.kl import kl_divergence, register_kl
from numtorch.distributions.multivariate_normal import MultivariateNormal
from numtorch.distributions.normal import Normal
from numtorch.distributions.uniform import Uniform

__all__ = ["Bernoulli", "Categorical", "Distribution", "Independent", "MultivariateNormal",
           "Normal", "Uniform", "constraints", "kl_divergence", "register_kl"]
