"""KL divergences between distributions (``torch.distributions.kl``).

``kl_divergence(p, q)`` dispatches on the pair of types to a function registered with
``@register_kl(TypeP, TypeQ)``; subclasses match their most specific registered ancestors, as in
PyTorch. Registered here, as in PyTorch: Bernoulli-Bernoulli, Categorical-Categorical,
Normal-Normal, Uniform-Uniform, MultivariateNormal-MultivariateNormal, Normal-Uniform (always
infinite), Uniform-Normal, Independent-Independent, and same-family Exponential, Laplace, Gumbel,
HalfNormal and LogNormal (the KL of the underlying normals, as PyTorch's transformed-distribution
rule gives), Poisson, Geometric, Binomial (infinite where p has more trials than q; q with more
trials is not implemented, as in PyTorch), OneHotCategorical, Gamma, Beta and Dirichlet.
"""

import math
import warnings

import numtorch
from numtorch.distributions.bernoulli import Bernoulli
from numtorch.distributions.beta import Beta
from numtorch.distributions.binomial import Binomial
from numtorch.distributions.categorical import Categorical
from numtorch.distributions.dirichlet import Dirichlet
from numtorch.distributions.distribution import Distribution
from numtorch.distributions.exponential import Exponential
from numtorch.distributions.gamma import Gamma
from numtorch.distributions.geometric import Geometric
from numtorch.distributions.gumbel import _EULER_GAMMA, Gumbel
from numtorch.distributions.half_normal import HalfNormal
from numtorch.distributions.independent import Independent, _sum_rightmost
from numtorch.distributions.laplace import Laplace
from numtorch.distributions.log_normal import LogNormal
from numtorch.distributions.multivariate_normal import MultivariateNormal, _batch_mahalanobis
from numtorch.distributions.normal import Normal
from numtorch.distributions.one_hot_categorical import OneHotCategorical
from numtorch.distributions.poisson import Poisson
from numtorch.distributions.uniform import Uniform
from numtorch.distributions.utils import solve_tril
from numtorch.nn.functional import softplus

__all__ = ["register_kl", "kl_divergence"]

_KL_REGISTRY = {}   # (type_p, type_q) -> fn
_KL_MEMOIZE = {}    # (type(p), type(q)) -> fn or NotImplemented, cleared on registration


def register_kl(type_p, type_q):
    """Decorator registering ``fn(p, q)`` as KL(p || q) for instances of these two types."""
    if not isinstance(type_p, type) or not issubclass(type_p, Distribution):
        raise TypeError(f"Expected type_p to be a Distribution subclass but got {type_p}")
    if not isinstance(type_q, type) or not issubclass(type_q, Distribution):
        raise TypeError(f"Expected type_q to be a Distribution subclass but got {type_q}")

    def decorator(fun):
        _KL_REGISTRY[type_p, type_q] = fun
        _KL_MEMOIZE.clear()
        return fun

    return decorator


def _more_specific(a, b):
    """Lexicographic order on pairs of types by subclassing: is pair ``a`` at least as
    specific as ``b``?"""
    for x, y in zip(a, b):
        if not issubclass(x, y):
            return False
        if x is not y:
            break
    return True


def _most_specific(pairs):
    best = pairs[0]
    for pair in pairs[1:]:
        if _more_specific(pair, best) and pair != best:
            best = pair
    return best


def _dispatch_kl(type_p, type_q):
    matches = [(sp, sq) for sp, sq in _KL_REGISTRY
               if issubclass(type_p, sp) and issubclass(type_q, sq)]
    if not matches:
        return NotImplemented
    left = _most_specific(matches)
    right = _most_specific([(sq, sp) for sp, sq in matches])
    left_fun = _KL_REGISTRY[left]
    right_fun = _KL_REGISTRY[right[1], right[0]]
    if left_fun is not right_fun:
        warnings.warn(f"Ambiguous kl_divergence({type_p.__name__}, {type_q.__name__}). Please "
                      f"register_kl({left[0].__name__}, {right[0].__name__})", RuntimeWarning,
                      stacklevel=3)
    return left_fun


def kl_divergence(p, q):
    """KL(p || q) = E_p[log p(x) - log q(x)], one value per batch element (shape
    ``batch_shape``). ``NotImplementedError`` for a pair of types without a registered rule."""
    key = (type(p), type(q))
    if key not in _KL_MEMOIZE:
        _KL_MEMOIZE[key] = _dispatch_kl(*key)
    fun = _KL_MEMOIZE[key]
    if fun is NotImplemented:
        raise NotImplementedError(f"No KL(p || q) is implemented for p type "
                                  f"{type(p).__name__} and q type {type(q).__name__}")
    return fun(p, q)


def _inf_where(mask, t):
    return numtorch.where(mask, numtorch.full_like(t, math.inf), t)


def _zero_where(mask, t):
    return numtorch.where(mask, numtorch.zeros_like(t), t)


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p, q):
    # p log(p/q) = p (softplus(-lq) - softplus(-lp)), stable in the logits; infinite where q
    # gives zero probability to an outcome p can produce, zero where p cannot produce it.
    t1 = p.probs * (softplus(-q.logits) - softplus(-p.logits))
    t1 = _zero_where(p.probs == 0, _inf_where(q.probs == 0, t1))
    t2 = (1 - p.probs) * (softplus(q.logits) - softplus(p.logits))
    t2 = _zero_where(p.probs == 1, _inf_where(q.probs == 1, t2))
    return t1 + t2


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p, q):
    t = p.probs * (p.logits - q.logits)
    shape = tuple(t.shape)
    t = _inf_where((q.probs == 0).expand(shape), t)
    t = _zero_where((p.probs == 0).expand(shape), t)
    return t.sum(-1)


@register_kl(Normal, Normal)
def _kl_normal_normal(p, q):
    var_ratio = (p.scale / q.scale).pow(2)
    t1 = ((p.loc - q.loc) / q.scale).pow(2)
    return 0.5 * (var_ratio + t1 - 1 - var_ratio.log())


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p, q):
    result = ((q.high - q.low) / (p.high - p.low)).log()
    return _inf_where((q.low > p.low) | (q.high < p.high), result)


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_multivariatenormal_multivariatenormal(p, q):
    # (log|Sq| - log|Sp| + tr(Sq^-1 Sp) + (mq - mp)^T Sq^-1 (mq - mp) - n) / 2, with
    # tr(Sq^-1 Sp) = |Lq^-1 Lp|_F^2.
    if p.event_shape != q.event_shape:
        raise ValueError("KL-divergence between two Multivariate Normals with different event "
                         "shapes cannot be computed")
    lp, lq = p._unbroadcasted_scale_tril, q._unbroadcasted_scale_tril
    half_term1 = lq.diagonal(dim1=-2, dim2=-1).log().sum(-1) - \
        lp.diagonal(dim1=-2, dim2=-1).log().sum(-1)
    n = p.event_shape[0]
    term2 = solve_tril(lq, lp).pow(2).sum((-2, -1))
    term3 = _batch_mahalanobis(lq, q.loc - p.loc)
    return half_term1 + 0.5 * (term2 + term3 - n)


@register_kl(Normal, Uniform)
def _kl_normal_uniform(p, q):
    # A normal puts mass outside every bounded interval.
    return numtorch.full_like(p.loc, math.inf)


@register_kl(Uniform, Normal)
def _kl_uniform_normal(p, q):
    width = p.high - p.low
    t1 = (math.sqrt(math.pi * 2) * q.scale / width).log()
    t2 = width.pow(2) / 12
    t3 = ((p.high + p.low - 2 * q.loc) / 2).pow(2)
    return t1 + 0.5 * (t2 + t3) / q.scale.pow(2)


@register_kl(Independent, Independent)
def _kl_independent_independent(p, q):
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError
    return _sum_rightmost(kl_divergence(p.base_dist, q.base_dist), p.reinterpreted_batch_ndims)


@register_kl(Exponential, Exponential)
def _kl_exponential_exponential(p, q):
    rate_ratio = q.rate / p.rate
    return -rate_ratio.log() + rate_ratio - 1


@register_kl(Laplace, Laplace)
def _kl_laplace_laplace(p, q):
    # log(bq / bp) + |mp - mq| / bq + (bp / bq) exp(-|mp - mq| / bp) - 1
    scale_ratio = p.scale / q.scale
    loc_abs_diff = (p.loc - q.loc).abs()
    return -scale_ratio.log() + loc_abs_diff / q.scale + \
        scale_ratio * numtorch.exp(-loc_abs_diff / p.scale) - 1


@register_kl(Gumbel, Gumbel)
def _kl_gumbel_gumbel(p, q):
    ct1 = p.scale / q.scale
    ct2 = q.loc / q.scale
    ct3 = p.loc / q.scale
    t1 = -ct1.log() - ct2 + ct3
    t2 = ct1 * _EULER_GAMMA
    t3 = numtorch.exp(ct2 + numtorch.lgamma(1 + ct1) - ct3)
    return t1 + t2 + t3 - (1 + _EULER_GAMMA)


@register_kl(HalfNormal, HalfNormal)
def _kl_halfnormal_halfnormal(p, q):
    return _kl_normal_normal(p.base_dist, q.base_dist)


@register_kl(LogNormal, LogNormal)
def _kl_lognormal_lognormal(p, q):
    # PyTorch's rule for two transformed distributions with the same transforms
    return _kl_normal_normal(p.base_dist, q.base_dist)


@register_kl(Poisson, Poisson)
def _kl_poisson_poisson(p, q):
    return p.rate * (p.rate.log() - q.rate.log()) - (p.rate - q.rate)


@register_kl(Geometric, Geometric)
def _kl_geometric_geometric(p, q):
    return -p.entropy() - numtorch.log1p(-q.probs) / p.probs - q.logits


@register_kl(Binomial, Binomial)
def _kl_binomial_binomial(p, q):
    if bool((p.total_count < q.total_count).any()):
        raise NotImplementedError("KL between Binomials where q.total_count > p.total_count is "
                                  "not implemented")
    kl = p.total_count * (p.probs * (p.logits - q.logits) + (-p.probs).log1p() -
                          (-q.probs).log1p())
    return _inf_where(p.total_count > q.total_count, kl)


@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_onehotcategorical_onehotcategorical(p, q):
    return _kl_categorical_categorical(p._categorical, q._categorical)


@register_kl(Gamma, Gamma)
def _kl_gamma_gamma(p, q):
    t1 = q.concentration * (p.rate / q.rate).log()
    t2 = numtorch.lgamma(q.concentration) - numtorch.lgamma(p.concentration)
    t3 = (p.concentration - q.concentration) * numtorch.digamma(p.concentration)
    t4 = (q.rate - p.rate) * (p.concentration / p.rate)
    return t1 + t2 + t3 + t4


@register_kl(Beta, Beta)
def _kl_beta_beta(p, q):
    sum_p = p.concentration1 + p.concentration0
    sum_q = q.concentration1 + q.concentration0
    t1 = q.concentration1.lgamma() + q.concentration0.lgamma() + sum_p.lgamma()
    t2 = p.concentration1.lgamma() + p.concentration0.lgamma() + sum_q.lgamma()
    t3 = (p.concentration1 - q.concentration1) * numtorch.digamma(p.concentration1)
    t4 = (p.concentration0 - q.concentration0) * numtorch.digamma(p.concentration0)
    t5 = (sum_q - sum_p) * numtorch.digamma(sum_p)
    return t1 - t2 + t3 + t4 + t5


@register_kl(Dirichlet, Dirichlet)
def _kl_dirichlet_dirichlet(p, q):
    sum_p = p.concentration.sum(-1)
    sum_q = q.concentration.sum(-1)
    t1 = sum_p.lgamma() - sum_q.lgamma()
    t2 = (p.concentration.lgamma() - q.concentration.lgamma()).sum(-1)
    t3 = p.concentration - q.concentration
    t4 = p.concentration.digamma() - sum_p.digamma().unsqueeze(-1)
    return t1 - t2 + (t3 * t4).sum(-1)
