"""Gamma, Chi2, Beta, Dirichlet and StudentT against torch.distributions: log_prob, entropy,
moments, KL divergences and their parameter gradients, float64 finite-difference checks, sample
moments with fixed seeds, validation, and the implicit reparameterization gradient of the gamma
draw (Beta and Dirichlet have no rsample)."""

import math

import numpy as np
import pytest
from parity import check_grad, parity, raises_like, rng

import numtorch
from numtorch import distributions as D

R = rng(4)
A = R.uniform(0.5, 3.0, (2, 3))
B = R.uniform(0.5, 2.0, (3,))
POS = R.uniform(0.1, 3.0, (4, 2, 3))
UNIT = R.uniform(0.05, 0.95, (4, 2, 3))
REAL = R.standard_normal((4, 2, 3)) * 2
CONC = R.uniform(0.5, 3.0, (2, 4))
SIMPLEX = R.dirichlet(np.ones(4), (3, 2))


def _check(fn, *arrays, n_params):
    parity(fn, *(a.astype(np.float32) for a in arrays), grad_inputs=tuple(range(n_params)),
           rtol=3e-4, atol=2e-5)
    check_grad(fn, *arrays, grad_inputs=tuple(range(n_params)))


def test_gamma_as_torch():
    def fn(lib, a, b, v):
        d = lib.distributions.Gamma(a, b)
        return d.log_prob(v), d.entropy(), d.mean, d.mode, d.variance, d.stddev

    _check(fn, A, B, POS, n_params=2)


def test_chi2_as_torch():
    def fn(lib, df, v):
        d = lib.distributions.Chi2(df)
        return d.log_prob(v), d.entropy(), d.mean, d.variance, d.df

    _check(fn, A * 2, POS, n_params=1)


def test_beta_as_torch():
    def fn(lib, a, b, v):
        d = lib.distributions.Beta(a, b)
        return (d.log_prob(v), d.entropy(), d.mean, d.mode, d.variance, d.concentration1,
                d.concentration0)

    _check(fn, A + 1, B + 1, UNIT, n_params=2)   # concentrations > 1: an interior mode


def test_dirichlet_as_torch():
    def fn(lib, c, v):
        d = lib.distributions.Dirichlet(c)
        return d.log_prob(v), d.entropy(), d.mean, d.variance

    _check(fn, CONC, SIMPLEX, n_params=1)

    def mode(lib, c):
        return lib.distributions.Dirichlet(c).mode

    # rows with some and with all concentrations below 1 (a corner of the simplex)
    c = np.array([[2.0, 3.0, 0.5], [0.5, 0.9, 0.2], [1.5, 1.5, 4.0]])
    out = parity(mode, c.astype(np.float32), grad=False)
    np.testing.assert_array_equal(out[0].numpy()[1], [1.0, 0.0, 0.0])


def test_studentt_as_torch():
    def fn(lib, df, loc, scale, v):
        d = lib.distributions.StudentT(df, loc, scale)
        return d.log_prob(v), d.entropy(), d.mode

    df = np.array([0.7, 1.5, 3.0])
    loc, scale = R.standard_normal((2, 3)), R.uniform(0.5, 2, 3)
    _check(fn, df, loc, scale, REAL, n_params=3)

    def moments(lib, df, loc, scale):
        d = lib.distributions.StudentT(df, loc, scale)
        return d.mean, d.variance

    out = parity(moments, *(a.astype(np.float32) for a in (df, loc, scale)))
    mean, var = (o.detach().numpy() for o in out)
    assert np.isnan(mean[:, 0]).all() and np.isfinite(mean[:, 1:]).all()
    assert np.isnan(var[:, 0]).all() and np.isinf(var[:, 1]).all()
    check_grad(lambda lib, *a: tuple(o[:, 2] for o in moments(lib, *a)), df, loc, scale)


def test_number_parameters_and_shapes():
    for d in (D.Gamma(2.0, 1.0), D.Chi2(3.0), D.Beta(2.0, 3.0)):
        assert d.batch_shape == () and d.sample().shape == () and d.mean.dtype == numtorch.float32
    assert D.StudentT(3.0).batch_shape == ()
    d = D.Dirichlet(numtorch.ones(2, 3, dtype=numtorch.float64))
    assert tuple(d.batch_shape) == (2,) and tuple(d.event_shape) == (3,)
    e = d.expand((4, 2))
    assert tuple(e.sample((5,)).shape) == (5, 4, 2, 3)
    assert tuple(e.log_prob(e.sample()).shape) == (4, 2)
    for d in (D.Gamma(numtorch.ones(3), 1.0), D.Chi2(numtorch.ones(3)),
              D.Beta(numtorch.ones(3), 2.0), D.StudentT(numtorch.ones(3))):
        e = d.expand((2, 3))
        assert type(e) is type(d) and tuple(e.sample((4,)).shape) == (4, 2, 3)
        assert tuple(e.entropy().shape) == (2, 3)
        assert not e.sample().requires_grad


# ---------------------------------------------------------------- KL
def test_kl_as_torch():
    def fn(lib, a1, b1, a2, b2, c1, c2):
        dd = lib.distributions
        kl = dd.kl_divergence
        return (kl(dd.Gamma(a1, b1), dd.Gamma(a2, b2)), kl(dd.Beta(a1, b1), dd.Beta(a2, b2)),
                kl(dd.Dirichlet(c1), dd.Dirichlet(c2)), kl(dd.Chi2(a1), dd.Chi2(a2)))

    args = (A, B, A[::-1].copy() + 0.2, B + 0.5, CONC, CONC[::-1].copy() + 0.3)
    out = parity(fn, *(a.astype(np.float32) for a in args), rtol=5e-4, atol=5e-5)
    assert all((o.detach().numpy() > 0).all() for o in out)
    check_grad(fn, *args)
    same = fn(numtorch, *(numtorch.tensor(a) for a in (A, B, A, B, CONC, CONC)))
    for o in same:
        np.testing.assert_allclose(o.numpy(), 0, atol=1e-12)


# ---------------------------------------------------------------- sampling
N = 200000


def _within(x, mean, var, sigmas=6.0):
    se = np.sqrt(np.asarray(var) / x.shape[0])
    assert (np.abs(x.mean(0) - mean) < sigmas * se).all(), (x.mean(0), mean, se)


@pytest.mark.parametrize("name", ["Gamma", "Chi2", "Beta", "Dirichlet", "StudentT"])
def test_sample_moments(name):
    numtorch.manual_seed(12)
    f64 = dict(dtype=numtorch.float64)
    d = {"Gamma": lambda: D.Gamma(numtorch.tensor([0.3, 4.0], **f64), 2.0),
         "Chi2": lambda: D.Chi2(numtorch.tensor([1.0, 7.0], **f64)),
         "Beta": lambda: D.Beta(numtorch.tensor([0.5, 3.0], **f64), 2.0),
         "Dirichlet": lambda: D.Dirichlet(numtorch.tensor([[0.5, 1.0, 4.0]], **f64)),
         "StudentT": lambda: D.StudentT(numtorch.tensor([9.0, 12.0], **f64), 1.0, 2.0)}[name]()
    x = d.sample((N,))
    assert x.dtype == numtorch.float64 and not x.requires_grad
    assert tuple(x.shape) == (N,) + tuple(d.batch_shape) + tuple(d.event_shape)
    assert d.support.check(x).all().item()
    x = x.numpy()
    mean, var = d.mean.numpy(), d.variance.numpy()
    _within(x, mean, var)
    sq = (x - mean) ** 2
    _within(sq, var, sq.var(0))


# ---------------------------------------------------------------- validation
BAD_PARAMS = [
    ("concentration", lambda lib: lib.distributions.Gamma(lib.tensor([1.0, -1.0]), 1.0)),
    ("rate", lambda lib: lib.distributions.Gamma(1.0, lib.tensor([0.0]))),
    ("df", lambda lib: lib.distributions.Chi2(lib.tensor([-2.0]))),
    ("concentration0", lambda lib: lib.distributions.Beta(lib.tensor([1.0]), lib.tensor([0.0]))),
    ("concentration", lambda lib: lib.distributions.Dirichlet(lib.tensor([1.0, -1.0]))),
    ("df", lambda lib: lib.distributions.StudentT(lib.tensor([0.0]))),
    ("scale", lambda lib: lib.distributions.StudentT(3.0, 0.0, lib.tensor([-1.0]))),
]


@pytest.mark.parametrize("param,build", BAD_PARAMS)
def test_invalid_parameters_raise_like_torch(param, build):
    # Beta validates through its Dirichlet: both libraries name the stacked concentration
    if param == "concentration0":
        param = "concentration"
    err = raises_like(build, match=f"Expected parameter {param} .* to satisfy the constraint")
    assert isinstance(err, ValueError)


BAD = [
    (lambda lib: lib.distributions.Dirichlet(lib.tensor(1.0)), "at least one-dimensional"),
    (lambda lib: lib.distributions.Gamma(1.0, 1.0).log_prob(lib.tensor([-1.0])),
     r"within the support \(GreaterThanEq\(lower_bound=0.0\)\)"),
    (lambda lib: lib.distributions.Beta(1.0, 1.0).log_prob(lib.tensor([1.5])),
     r"within the support \(Interval\(lower_bound=0.0, upper_bound=1.0\)\)"),
    (lambda lib: lib.distributions.Dirichlet(lib.ones(3)).log_prob(lib.tensor([0.5, 0.6, 0.1])),
     r"within the support \(Simplex\(\)\)"),
    (lambda lib: lib.distributions.StudentT(3.0).log_prob(lib.tensor(math.nan)),
     r"within the support \(Real\(\)\)"),
]


@pytest.mark.parametrize("build,match", BAD)
def test_bad_calls_raise_like_torch(build, match):
    assert isinstance(raises_like(build, match=match), ValueError)


def test_constraints_as_torch():
    torch = pytest.importorskip("torch")
    for name in ("Gamma", "Chi2", "Beta", "Dirichlet", "StudentT"):
        a, b = getattr(D, name), getattr(torch.distributions, name)
        assert {k: repr(v) for k, v in a.arg_constraints.items()} == \
            {k: repr(v) for k, v in b.arg_constraints.items()}
        assert repr(a.support) == repr(b.support)
        # Beta and Dirichlet: PyTorch's True (listed in the README's differences)
        assert a.has_rsample is (name not in ("Beta", "Dirichlet"))


# ---------------------------------------------------------------- implicit rsample gradient
def _lower_incomplete_gamma(a, x, terms=3000):
    """P(a, x) as its series of positive terms e^-x x^(a+k) / Gamma(a+k+1), in float64."""
    k = np.arange(terms)
    log_terms = -x + (a + k) * math.log(x) - np.array([math.lgamma(a + j + 1) for j in k])
    return np.exp(log_terms).sum()


POINTS = [(0.3, 0.05), (0.3, 1.2), (2.0, 0.7), (2.0, 4.5), (7.5, 5.0), (7.5, 12.0),
          (40.0, 33.0), (40.0, 50.0)]


def test_standard_gamma_grad_is_the_inverse_cdf_derivative():
    # d x / d alpha = -(dP/dalpha) / (dP/dx) at x, dP/dalpha by central differences
    from numtorch.distributions.gamma import standard_gamma_grad
    a, x = (np.array(v) for v in zip(*POINTS))
    got = standard_gamma_grad(a, x)
    for ai, xi, g in zip(a, x, got):
        e = 1e-6 * ai
        p_up, p_down = _lower_incomplete_gamma(ai + e, xi), _lower_incomplete_gamma(ai - e, xi)
        dp_da = (p_up - p_down) / (2 * e)
        density = math.exp(-xi + (ai - 1) * math.log(xi) - math.lgamma(ai))
        assert abs(g + dp_da / density) < 1e-5 * abs(dp_da / density), (ai, xi)


def test_standard_gamma_grad_near_torchs():
    torch = pytest.importorskip("torch")
    from numtorch.distributions.gamma import standard_gamma_grad
    torch.manual_seed(0)
    a = torch.tensor([0.01, 0.2, 1.0, 3.0, 30.0, 1000.0], dtype=torch.float64).repeat(50)
    x = torch._standard_gamma(a)
    # PyTorch's derivative is an approximation (about 1e-4 relative, 1e-2 for tiny alpha)
    np.testing.assert_allclose(standard_gamma_grad(a.numpy(), x.numpy()),
                               torch._standard_gamma_grad(a, x).numpy(), rtol=2e-2)


def test_gamma_rsample_gradients():
    from numtorch.distributions.gamma import standard_gamma_grad
    f64 = dict(dtype=numtorch.float64, requires_grad=True)
    a = numtorch.tensor([0.4, 2.0, 9.0], **f64)
    b = numtorch.tensor([0.5, 1.0, 3.0], **f64)
    numtorch.manual_seed(13)
    x = D.Gamma(a, b).rsample((7,))
    weights = numtorch.tensor(rng(5).standard_normal((7, 3)))
    (x * weights).sum().backward()
    xs = x.detach().numpy() * b.detach().numpy()       # the standard gamma draws
    w = weights.numpy()
    expect_a = (w * standard_gamma_grad(np.broadcast_to(a.detach().numpy(), xs.shape), xs)).sum(0)
    np.testing.assert_allclose(a.grad.numpy(), expect_a / b.detach().numpy(), rtol=1e-10)
    expect_b = (-w * x.detach().numpy()).sum(0) / b.detach().numpy()
    np.testing.assert_allclose(b.grad.numpy(), expect_b, rtol=1e-10)
    assert D.Chi2(a).rsample().requires_grad and not D.Gamma(a, b).sample().requires_grad


def test_studentt_rsample_gradients():
    f64 = dict(dtype=numtorch.float64, requires_grad=True)
    df = numtorch.tensor([3.0, 8.0], dtype=numtorch.float64)

    def draw(loc, scale):
        numtorch.manual_seed(14)
        return D.StudentT(df, loc, scale).rsample((4,))

    assert numtorch.autograd.gradcheck(draw, (numtorch.tensor([0.5, -1.0], **f64),
                                              numtorch.tensor([1.5, 0.3], **f64)))
    d = numtorch.tensor([3.0, 8.0], **f64)
    numtorch.manual_seed(15)
    y = D.StudentT(d).rsample((100,))
    y.sum().backward()
    assert d.grad is not None and np.isfinite(d.grad.numpy()).all()
