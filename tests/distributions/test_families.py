"""numtorch.distributions against torch.distributions: values and gradients of log_prob,
entropy, cdf/icdf and moments, with broadcast parameter and value shapes, and float64
finite-difference gradient checks of everything differentiable."""

import numpy as np
import pytest
from parity import check_grad, parity, rng

import numtorch
from numtorch import distributions as D


def _positive(*shape, seed=0):
    return rng(seed).uniform(0.5, 2.0, shape)


def _spd(*batch, n=3, seed=0):
    a = rng(seed).standard_normal(batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def _tril(*batch, n=3, seed=0):
    a = np.tril(rng(seed).standard_normal(batch + (n, n)), -1)
    return a + np.eye(n) * rng(seed + 1).uniform(0.5, 2.0, batch + (n,))[..., None]


# ---------------------------------------------------------------- Normal
NORMAL_SHAPES = [((), (), ()), ((3,), (3,), (3,)), ((4, 1), (3,), (2, 4, 3)), ((2, 3), (1,), (3,))]


@pytest.mark.parametrize("loc_s,scale_s,value_s", NORMAL_SHAPES)
def test_normal_values_and_grads(loc_s, scale_s, value_s):
    r = rng(1)
    loc, value = r.standard_normal(loc_s), r.standard_normal(value_s)
    p = r.uniform(0.05, 0.95, value_s)
    scale = _positive(*scale_s)

    def fn(lib, loc, scale, value, p):
        d = lib.distributions.Normal(loc, scale)
        return (d.log_prob(value), d.entropy(), d.cdf(value), d.icdf(p), d.mean, d.mode,
                d.variance, d.stddev)

    parity(fn, loc.astype(np.float32), scale.astype(np.float32), value.astype(np.float32),
           p.astype(np.float32), grad_inputs=(0, 1))
    check_grad(lambda lib, a, b, v, q: fn(lib, a, b, v, q)[:4], loc, scale, value, p)


def test_normal_numbers_and_batch_shape():
    d = D.Normal(0.0, 1.0)
    assert d.batch_shape == () and d.event_shape == ()
    assert d.loc.dtype == numtorch.float32
    d = D.Normal(numtorch.zeros(2, 1, dtype=numtorch.float64), 2.0)
    assert d.scale.dtype == numtorch.float64 and tuple(d.batch_shape) == (2, 1)
    assert tuple(d.sample((5, 3)).shape) == (5, 3, 2, 1)
    assert tuple(d.expand((2, 4)).sample().shape) == (2, 4)
    np.testing.assert_allclose(D.Normal(0.0, 1.0).log_prob(numtorch.tensor(0.0)).item(),
                               -0.5 * np.log(2 * np.pi), rtol=1e-6)


# ---------------------------------------------------------------- Uniform
def test_uniform_values_and_grads():
    r = rng(2)
    low = r.uniform(-2, 0, (2, 3))
    high = low + r.uniform(0.5, 2, (3,))
    value = low + (high - low) * r.uniform(0.01, 0.99, (4, 2, 3))
    p = r.uniform(0, 1, (2, 3))

    def fn(lib, low, high, value, p):
        d = lib.distributions.Uniform(low, high)
        return (d.log_prob(value), d.entropy(), d.cdf(value), d.icdf(p), d.mean, d.variance,
                d.stddev)

    parity(fn, low.astype(np.float32), high.astype(np.float32), value.astype(np.float32),
           p.astype(np.float32), grad_inputs=(0, 1))
    check_grad(fn, low, high, value, p)


def test_uniform_outside_support_without_validation():
    def fn(lib, low, high, value):
        d = lib.distributions.Uniform(low, high, validate_args=False)
        return d.log_prob(value), d.cdf(value), d.mode

    parity(fn, np.zeros(3, np.float32), np.ones(3, np.float32),
           np.array([-0.5, 0.5, 1.0], np.float32), grad=False)


# ---------------------------------------------------------------- Bernoulli
@pytest.mark.parametrize("param", ["probs", "logits"])
def test_bernoulli_values_and_grads(param):
    r = rng(3)
    theta = r.uniform(0.05, 0.95, (2, 3)) if param == "probs" else r.standard_normal((2, 3))
    value = (r.uniform(0, 1, (5, 2, 3)) < 0.5).astype(np.float64)

    def fn(lib, theta, value):
        d = lib.distributions.Bernoulli(**{param: theta})
        return (d.log_prob(value), d.entropy(), d.mean, d.variance, d.probs, d.logits, d.mode,
                d.enumerate_support(), d.enumerate_support(expand=False))

    parity(fn, theta.astype(np.float32), value.astype(np.float32), grad_inputs=(0,))
    check_grad(lambda lib, t, v: fn(lib, t, v)[:6], theta, value, grad_inputs=(0,))


def test_bernoulli_scalar_and_extreme_logits():
    parity(lambda lib, x: lib.distributions.Bernoulli(logits=x).log_prob(lib.ones(3) * 0 + 1),
           np.array([-60.0, 0.0, 60.0], np.float32))
    d = D.Bernoulli(0.3)
    assert d.batch_shape == () and tuple(d.sample((7,)).shape) == (7,)


# ---------------------------------------------------------------- Categorical
@pytest.mark.parametrize("param", ["probs", "logits"])
def test_categorical_values_and_grads(param):
    r = rng(4)
    theta = r.uniform(0.1, 1.0, (2, 4)) if param == "probs" else r.standard_normal((2, 4))
    value = r.integers(0, 4, (3, 2))

    def fn(lib, theta, value):
        d = lib.distributions.Categorical(**{param: theta})
        return (d.log_prob(value), d.log_prob(value[:1, :1]), d.entropy(), d.probs, d.logits,
                d.mode, d.mean, d.enumerate_support())

    parity(fn, theta.astype(np.float32), value)
    check_grad(lambda lib, t, v: fn(lib, t, v)[:5], theta, value)


def test_categorical_zero_probability_entropy_and_shapes():
    def fn(lib, p):
        d = lib.distributions.Categorical(probs=p)
        return d.entropy(), d.logits

    parity(fn, np.array([[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]], np.float32))
    d = D.Categorical(logits=numtorch.zeros(5))
    assert d.batch_shape == () and d.event_shape == () and d.param_shape == (5,)
    assert tuple(d.sample().shape) == () and d.sample().dtype == numtorch.int64
    e = d.expand((2, 3))
    assert tuple(e.sample((4,)).shape) == (4, 2, 3)
    assert tuple(e.logits.shape) == (2, 3, 5)


# ---------------------------------------------------------------- MultivariateNormal
@pytest.mark.parametrize("kind", ["covariance_matrix", "precision_matrix", "scale_tril"])
def test_mvn_values_and_grads(kind):
    r = rng(5)
    loc = r.standard_normal((2, 3))
    matrix = _tril(n=3) if kind == "scale_tril" else _spd(n=3)
    value = r.standard_normal((4, 1, 3))

    def fn(lib, loc, matrix, value):
        d = lib.distributions.MultivariateNormal(loc, **{kind: matrix})
        return (d.log_prob(value), d.entropy(), d.mean, d.variance, d.scale_tril,
                d.covariance_matrix, d.precision_matrix)

    parity(fn, loc.astype(np.float32), matrix.astype(np.float32), value.astype(np.float32),
           grad_inputs=(0, 1), atol=1e-4)
    parity(fn, loc, matrix, value, grad_inputs=(0, 1), atol=1e-8, rtol=1e-7)
    if kind == "scale_tril":
        # Along lower-triangular directions: the upper triangle must stay zero.
        check_grad(lambda lib, a, m, v: fn(lib, a, m.tril(), v), loc, matrix, value)
    else:
        # The gradient is taken along symmetric directions: the matrix is read as symmetric.
        check_grad(lambda lib, a, m, v: fn(lib, a, (m + m.mT) / 2, v), loc, matrix, value)


def test_mvn_batched_matrix_and_shapes():
    def fn(lib, loc, cov, value):
        d = lib.distributions.MultivariateNormal(loc, covariance_matrix=cov)
        return d.log_prob(value), d.entropy(), d.scale_tril

    parity(fn, rng(6).standard_normal((3,)), np.stack([_spd(n=3, seed=s) for s in range(2)])
           [:, None], rng(7).standard_normal((5, 2, 4, 3)))
    d = D.MultivariateNormal(numtorch.zeros(4, 3), scale_tril=numtorch.eye(3))
    assert tuple(d.batch_shape) == (4,) and tuple(d.event_shape) == (3,)
    assert tuple(d.sample((2,)).shape) == (2, 4, 3)
    assert tuple(d.expand((5, 4)).rsample().shape) == (5, 4, 3)
    assert tuple(d.expand((5, 4)).log_prob(numtorch.zeros(3)).shape) == (5, 4)


# ---------------------------------------------------------------- rsample
def _seeded_rsample(dist_fn, shape=(6,)):
    def f(*params):
        numtorch.manual_seed(7)
        return dist_fn(*params).rsample(shape)
    return f


def test_rsample_is_reparameterized():
    loc = numtorch.tensor([0.5, -1.0], dtype=numtorch.float64, requires_grad=True)
    scale = numtorch.tensor([1.5, 0.3], dtype=numtorch.float64, requires_grad=True)
    numtorch.manual_seed(3)
    x = D.Normal(loc, scale).rsample((1000,))
    eps = (x.detach() - loc.detach()) / scale.detach()
    x.sum().backward()
    np.testing.assert_allclose(loc.grad.numpy(), [1000, 1000])
    np.testing.assert_allclose(scale.grad.numpy(), eps.sum(0).numpy(), rtol=1e-10)
    assert not D.Normal(loc, scale).sample().requires_grad
    f64 = dict(dtype=numtorch.float64, requires_grad=True)
    assert numtorch.autograd.gradcheck(_seeded_rsample(D.Normal), (
        numtorch.tensor([0.2, 1.0], **f64), numtorch.tensor([0.7, 2.0], **f64)))
    assert numtorch.autograd.gradcheck(_seeded_rsample(D.Uniform), (
        numtorch.tensor([0.2, 1.0], **f64), numtorch.tensor([0.7, 2.0], **f64)))
    mvn = _seeded_rsample(lambda m, s: D.MultivariateNormal(m, scale_tril=s.tril()))
    assert numtorch.autograd.gradcheck(mvn, (numtorch.tensor([0.2, 1.0], **f64),
                                             numtorch.tensor(_tril(n=2), **f64)))
    cov = _seeded_rsample(lambda m, c: D.MultivariateNormal(m, covariance_matrix=(c + c.mT) / 2))
    assert numtorch.autograd.gradcheck(cov, (numtorch.tensor([0.2, 1.0], **f64),
                                             numtorch.tensor(_spd(n=2), **f64)))


# ---------------------------------------------------------------- Independent
def test_independent_normal_values_shapes_and_grads():
    r = rng(11)
    loc, scale = r.standard_normal((4, 3)), _positive(4, 3)
    value = r.standard_normal((5, 4, 3))

    def fn(lib, loc, scale, value):
        d = lib.distributions.Independent(lib.distributions.Normal(loc, scale), 1)
        return d.log_prob(value), d.entropy(), d.mean, d.variance, d.mode

    parity(fn, *(a.astype(np.float32) for a in (loc, scale, value)), grad_inputs=(0, 1))
    check_grad(fn, loc, scale, value, grad_inputs=(0, 1))
    d = D.Independent(D.Normal(numtorch.tensor(loc), numtorch.tensor(scale)), 2)
    assert d.batch_shape == () and tuple(d.event_shape) == (4, 3)
    assert tuple(d.rsample((2,)).shape) == (2, 4, 3) and d.has_rsample
    assert tuple(d.log_prob(numtorch.tensor(value)).shape) == (5,)
    e = D.Independent(D.Normal(numtorch.zeros(4, 3), 1.0), 1).expand((2, 4))
    assert tuple(e.batch_shape) == (2, 4) and tuple(e.sample().shape) == (2, 4, 3)
    with pytest.raises(ValueError, match="Expected reinterpreted_batch_ndims <= "):
        D.Independent(D.Normal(0.0, 1.0), 1)
    b = D.Independent(D.Bernoulli(numtorch.full((2, 3), 0.5)), 1)
    with pytest.raises(ValueError, match="within the support"):
        b.log_prob(numtorch.full((2, 3), 0.5))
    assert repr(b).startswith("Independent(Bernoulli(probs: ")
