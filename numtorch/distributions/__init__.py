"""``numtorch.distributions``: PyTorch's ``torch.distributions`` for the families training
scripts use: Normal, Uniform, Bernoulli, Categorical and MultivariateNormal, and Independent
(batch dims read as event dims); the location-scale families Exponential, Laplace, Cauchy and
Gumbel, and HalfNormal and LogNormal (PyTorch's transformed distributions, written out with its
formulas and keeping the normal as ``base_dist``); the discrete Poisson, Geometric, Binomial and
OneHotCategorical; and the gamma family Gamma, Chi2, Beta, Dirichlet and StudentT (Gamma, Chi2
and StudentT reparameterized through the gamma's implicit inverse-cdf derivative; Beta and
Dirichlet sample without gradient: ``has_rsample`` is False). Each has sampling (``rsample``,
differentiable, where PyTorch has it), ``log_prob``, ``entropy``, moments, ``cdf``/``icdf``
where PyTorch has them, ``expand``, argument validation, and ``kl_divergence``/``register_kl``.

Samples are drawn from numtorch's generators (``numtorch.manual_seed``): a seeded program gets
different numbers than under PyTorch, with the same distribution.
"""

from numtorch.distributions import constraints
from numtorch.distributions.bernoulli import Bernoulli
from numtorch.distributions.beta import Beta
from numtorch.distributions.binomial import Binomial
from numtorch.distributions.categorical import Categorical
from numtorch.distributions.cauchy import Cauchy
from numtorch.distributions.dirichlet import Dirichlet
from numtorch.distributions.distribution import Distribution
from numtorch.distributions.exponential import Exponential
from numtorch.distributions.gamma import Chi2, Gamma
from numtorch.distributions.geometric import Geometric
from numtorch.distributions.gumbel import Gumbel
from numtorch.distributions.half_normal import HalfNormal
from numtorch.distributions.independent import Independent
from numtorch.distributions.kl import kl_divergence, register_kl
from numtorch.distributions.laplace import Laplace
from numtorch.distributions.log_normal import LogNormal
from numtorch.distributions.multivariate_normal import MultivariateNormal
from numtorch.distributions.normal import Normal
from numtorch.distributions.one_hot_categorical import OneHotCategorical
from numtorch.distributions.poisson import Poisson
from numtorch.distributions.student_t import StudentT
from numtorch.distributions.uniform import Uniform

__all__ = ["Bernoulli", "Beta", "Binomial", "Categorical", "Cauchy", "Chi2", "Dirichlet",
           "Distribution", "Exponential", "Gamma", "Geometric", "Gumbel", "HalfNormal",
           "Independent", "Laplace", "LogNormal", "MultivariateNormal", "Normal",
           "OneHotCategorical", "Poisson", "StudentT", "Uniform", "constraints", "kl_divergence",
           "register_kl"]
