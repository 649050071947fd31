"""Exponential, Laplace, Cauchy, Gumbel, HalfNormal and LogNormal against torch.distributions:
log_prob, entropy, cdf/icdf, moments and their parameter gradients, their KL divergences,
float64 finite-difference checks, seeded rsample gradients, sample moments and validation."""

import math

import numpy as np
import pytest
from parity import check_grad, parity, raises_like, rng

import numtorch
from numtorch import distributions as D

# name -> (parameter builders from a numpy Generator, value builder, two-parameter?)
R = rng(0)
LOC = R.standard_normal((2, 3))
SCALE = R.uniform(0.5, 2.0, (3,))
REAL = R.standard_normal((4, 2, 3)) * 2
POS = R.uniform(0.1, 3.0, (4, 2, 3))
PROB = R.uniform(0.05, 0.95, (2, 3))

FAMILIES = {
    "Exponential": ((SCALE,), POS),
    "Laplace": ((LOC, SCALE), REAL),
    "Cauchy": ((LOC, SCALE), REAL),
    "Gumbel": ((LOC, SCALE), REAL),
    "HalfNormal": ((SCALE,), POS),
    "LogNormal": ((LOC, SCALE), POS),
}


def _first(out):
    return out[0] if isinstance(out, (tuple, list)) else out


def _outputs(name, with_moments=True):
    def fn(lib, *args):
        *params, value, p = args
        d = getattr(lib.distributions, name)(*params)
        out = [d.log_prob(value), d.entropy(), d.cdf(value), d.icdf(p)]
        if with_moments:
            out += [d.mean, d.mode, d.variance, d.stddev]
        return tuple(out)
    return fn


@pytest.mark.parametrize("name", list(FAMILIES))
def test_values_and_grads_as_torch(name):
    params, value = FAMILIES[name]
    args = [a.astype(np.float32) for a in (*params, value, PROB)]
    parity(_outputs(name), *args, grad_inputs=tuple(range(len(params))), rtol=2e-4)
    moments = name != "Cauchy"  # NaN mean, infinite variance
    check_grad(_outputs(name, moments), *params, value, PROB)


def test_cauchy_moments_and_number_parameters():
    d = D.Cauchy(0.0, 1.0)
    assert d.batch_shape == () and d.loc.dtype == numtorch.float32
    assert math.isnan(d.mean.item()) and math.isinf(d.variance.item())
    assert tuple(D.Cauchy(numtorch.zeros(2, 3), 1.0).mean.shape) == (2, 3)
    for cls, args in [(D.Exponential, (2.0,)), (D.HalfNormal, (2.0,)), (D.Laplace, (0.0, 2.0)),
                      (D.Gumbel, (0.0, 2.0)), (D.LogNormal, (0.0, 2.0))]:
        d = cls(*args)
        assert d.batch_shape == () and d.sample().shape == () and d.mean.dtype == numtorch.float32


def test_halfnormal_below_zero_without_validation():
    def fn(lib, s, v):
        return lib.distributions.HalfNormal(s, validate_args=False).log_prob(v)

    out = _first(parity(fn, np.float32([1.0, 2.0]), np.float32([-0.5, 0.5])))
    assert out[0].item() == -math.inf and math.isfinite(out[1].item())


# ---------------------------------------------------------------- KL
KL_PAIRS = {
    "Exponential": ((SCALE,), (SCALE[::-1].copy() + 0.3,)),
    "Laplace": ((LOC, SCALE), (LOC[::-1].copy(), SCALE + 0.2)),
    "Gumbel": ((LOC, SCALE), (LOC[::-1].copy(), SCALE + 0.2)),
    "HalfNormal": ((SCALE,), (SCALE[::-1].copy() + 0.3,)),
    "LogNormal": ((LOC, SCALE), (LOC[::-1].copy(), SCALE + 0.2)),
}


@pytest.mark.parametrize("name", list(KL_PAIRS))
def test_kl_as_torch(name):
    pp, qp = KL_PAIRS[name]
    n = len(pp)

    def fn(lib, *args):
        cls = getattr(lib.distributions, name)
        return lib.distributions.kl_divergence(cls(*args[:n]), cls(*args[n:]))

    out = _first(parity(fn, *(a.astype(np.float32) for a in (*pp, *qp))))
    assert (out.detach().numpy() > 0).all()
    check_grad(fn, *pp, *qp)
    same = fn(numtorch, *(numtorch.tensor(a) for a in (*pp, *pp)))
    np.testing.assert_allclose(same.numpy(), 0, atol=1e-12)


def test_kl_across_families_is_not_implemented():
    with pytest.raises(NotImplementedError):
        D.kl_divergence(D.Laplace(0.0, 1.0), D.Gumbel(0.0, 1.0))


# ---------------------------------------------------------------- rsample
def _seeded_rsample(dist_fn, shape=(5,)):
    def f(*params):
        numtorch.manual_seed(11)
        return dist_fn(*params).rsample(shape)
    return f


@pytest.mark.parametrize("name", list(FAMILIES))
def test_rsample_gradcheck(name):
    f64 = dict(dtype=numtorch.float64, requires_grad=True)
    params = FAMILIES[name][0]
    ins = tuple(numtorch.tensor(np.broadcast_to(p, (2, 3)).copy(), **f64) for p in params)
    cls = getattr(D, name)
    assert cls.has_rsample
    assert numtorch.autograd.gradcheck(_seeded_rsample(cls), ins)
    x = cls(*ins).rsample((2,))
    assert x.requires_grad and not cls(*ins).sample((2,)).requires_grad


def test_rsample_is_the_location_scale_transform():
    loc = numtorch.tensor([0.5, -1.0], dtype=numtorch.float64)
    scale = numtorch.tensor([1.5, 0.3], dtype=numtorch.float64)
    for cls in (D.Laplace, D.Cauchy, D.Gumbel):
        numtorch.manual_seed(4)
        x = cls(loc, scale).rsample((50,))
        numtorch.manual_seed(4)
        z = cls(numtorch.zeros(2, dtype=numtorch.float64), 1.0).rsample((50,))
        np.testing.assert_allclose(x.numpy(), (loc + scale * z).numpy(), rtol=1e-6, atol=1e-6)


# ---------------------------------------------------------------- sampling
N = 200000


def _within(x, mean, var, sigmas=6.0):
    """The sample mean lies within ``sigmas`` standard errors of ``mean``."""
    se = np.sqrt(np.asarray(var) / x.shape[0])
    assert (np.abs(x.mean(0) - mean) < sigmas * se).all(), (x.mean(0), mean, se)


@pytest.mark.parametrize("name", ["Exponential", "Laplace", "Gumbel", "HalfNormal", "LogNormal"])
def test_sample_moments(name):
    numtorch.manual_seed(5)
    two = name in ("Laplace", "Gumbel", "LogNormal")
    loc = numtorch.tensor([0.3, -1.0], dtype=numtorch.float64)
    scale = numtorch.tensor([0.5, 1.2], dtype=numtorch.float64)
    d = getattr(D, name)(*((loc, scale) if two else (scale,)))
    x = d.sample((N,))
    assert x.dtype == numtorch.float64 and tuple(x.shape) == (N, 2)
    x = x.numpy()
    assert d.support.check(numtorch.tensor(x)).all().item()
    _within(x, d.mean.numpy(), d.variance.numpy())
    # the variance: the standard error of a sample variance needs the fourth moment; the
    # squares' own sample variance estimates it
    sq = (x - d.mean.numpy()) ** 2
    _within(sq, d.variance.numpy(), sq.var(0))


def test_cauchy_sample_quartiles():
    numtorch.manual_seed(6)
    x = D.Cauchy(numtorch.tensor([1.0, -2.0], dtype=numtorch.float64),
                 numtorch.tensor([0.5, 3.0], dtype=numtorch.float64)).sample((N,)).numpy()
    q = np.quantile(x, [0.25, 0.5, 0.75], axis=0)
    # quartiles at loc -/+ scale; the sample quartile's standard error is
    # sqrt(p (1 - p) / n) / density, density at the quartile = 1 / (2 pi scale)
    se = np.sqrt(0.1875 / N) * 2 * np.pi * np.array([0.5, 3.0])
    expect = np.array([[0.5, -5.0], [1.0, -2.0], [1.5, 1.0]])
    assert (np.abs(q - expect) < 6 * se).all()


def test_expand_shapes():
    z = numtorch.zeros(3)
    for cls, args in [(D.Exponential, (z + 1,)), (D.HalfNormal, (z + 1,)), (D.Laplace, (z, 1.0)),
                      (D.Cauchy, (z, 1.0)), (D.Gumbel, (z, 1.0)), (D.LogNormal, (z, 1.0))]:
        d = cls(*args, validate_args=False).expand((4, 3))
        assert tuple(d.batch_shape) == (4, 3) and d._validate_args is False
        assert tuple(d.sample((2,)).shape) == (2, 4, 3)
        assert tuple(d.log_prob(d.sample()).shape) == (4, 3)
        assert tuple(d.entropy().shape) == (4, 3)


# ---------------------------------------------------------------- validation
BAD_PARAMS = [
    ("rate", lambda lib: lib.distributions.Exponential(lib.tensor([1.0, 0.0]))),
    ("scale", lambda lib: lib.distributions.Laplace(0.0, lib.tensor([-1.0]))),
    ("loc", lambda lib: lib.distributions.Cauchy(lib.tensor(float("nan")), 1.0)),
    ("scale", lambda lib: lib.distributions.Gumbel(lib.zeros(2), lib.tensor([1.0, -2.0]))),
    ("scale", lambda lib: lib.distributions.HalfNormal(lib.tensor([-1.0]))),
    ("scale", lambda lib: lib.distributions.LogNormal(0.0, lib.tensor(0.0))),
]


@pytest.mark.parametrize("param,build", BAD_PARAMS)
def test_invalid_parameters_raise_like_torch(param, build):
    err = raises_like(build, match=f"Expected parameter {param} .* to satisfy the constraint")
    assert isinstance(err, ValueError)


BAD_VALUES = [
    (lambda lib: lib.distributions.Exponential(1.0).log_prob(lib.tensor([-1.0])),
     r"within the support \(GreaterThanEq\(lower_bound=0.0\)\)"),
    (lambda lib: lib.distributions.HalfNormal(1.0).cdf(lib.tensor([-1.0])),
     r"within the support \(GreaterThanEq\(lower_bound=0.0\)\)"),
    (lambda lib: lib.distributions.LogNormal(0.0, 1.0).log_prob(lib.tensor([0.0])),
     r"within the support \(GreaterThan\(lower_bound=0.0\)\)"),
    (lambda lib: lib.distributions.Laplace(0.0, 1.0).log_prob(lib.tensor(float("nan"))),
     r"within the support \(Real\(\)\)"),
    (lambda lib: lib.distributions.Gumbel(lib.zeros(3), 1.0).log_prob(lib.zeros(2)),
     "Value is not broadcastable"),
]


@pytest.mark.parametrize("build,match", BAD_VALUES)
def test_invalid_values_raise_like_torch(build, match):
    assert isinstance(raises_like(build, match=match), ValueError)


def test_repr_and_constraints_as_torch():
    torch = pytest.importorskip("torch")
    for name in FAMILIES:
        a, b = getattr(D, name), getattr(torch.distributions, name)
        params = [1.0] * len(FAMILIES[name][0])
        assert a(*params).has_rsample == b(*params).has_rsample is True
        assert repr(a.support) == repr(b.support)
        assert {k: repr(v) for k, v in a.arg_constraints.items()} == \
            {k: repr(v) for k, v in b.arg_constraints.items()}
    assert repr(D.HalfNormal(1.0)) == repr(torch.distributions.HalfNormal(1.0))
    assert repr(D.Laplace(numtorch.zeros(2), 1.0)).replace("numtorch", "torch") == \
        repr(torch.distributions.Laplace(torch.zeros(2), 1.0))
