"""kl_divergence and register_kl against torch.distributions.kl."""

import math

import numpy as np
import pytest
from parity import check_grad, parity, rng

import numtorch
from numtorch import distributions as D


def _spd(n, seed):
    a = rng(seed).standard_normal((n, n))
    return a @ a.T + n * np.eye(n)


def _kl(lib, make_p, make_q):
    return lib.distributions.kl_divergence(make_p(lib), make_q(lib))


def test_kl_normal_normal():
    def fn(lib, a, s, b, t):
        return lib.distributions.kl_divergence(lib.distributions.Normal(a, s),
                                               lib.distributions.Normal(b, t))

    r = rng(0)
    args = (r.standard_normal((2, 3)), r.uniform(0.5, 2, (2, 3)), r.standard_normal(3),
            r.uniform(0.5, 2, 3))
    parity(fn, *(a.astype(np.float32) for a in args))
    check_grad(fn, *args)


def test_kl_uniform_uniform_and_mixed():
    def fn(lib, a, b, c, d, m, s):
        u1 = lib.distributions.Uniform(a, b)
        u2 = lib.distributions.Uniform(c, d)
        n = lib.distributions.Normal(m, s)
        kl = lib.distributions.kl_divergence
        return kl(u1, u2), kl(u1, n), kl(n, u1)

    a = np.array([0.0, 0.0, -1.0])
    b = np.array([1.0, 2.0, 1.0])
    c = np.array([-1.0, 0.5, -2.0])       # the second q misses part of p: infinite
    d = np.array([2.0, 3.0, 1.5])
    m, s = np.array([0.3, -0.2, 1.0]), np.array([1.0, 0.5, 2.0])
    out = parity(fn, *(x.astype(np.float32) for x in (a, b, c, d, m, s)))
    assert math.isinf(out[0][1].item())
    check_grad(lambda lib, *xs: fn(lib, *xs)[1], a, b, c, d, m, s)


@pytest.mark.parametrize("param", ["probs", "logits"])
def test_kl_bernoulli_bernoulli(param):
    def fn(lib, x, y):
        return lib.distributions.kl_divergence(lib.distributions.Bernoulli(**{param: x}),
                                               lib.distributions.Bernoulli(**{param: y}))

    r = rng(1)
    if param == "probs":
        x, y = r.uniform(0.1, 0.9, 4), r.uniform(0.1, 0.9, 4)
    else:
        x, y = r.standard_normal(4), r.standard_normal(4)
    parity(fn, x.astype(np.float32), y.astype(np.float32))
    check_grad(fn, x, y)


def test_kl_bernoulli_edges():
    # p = 0 or 1 contributes nothing for the impossible outcome; q = 0 or 1 makes KL infinite.
    def fn(lib, x, y):
        return lib.distributions.kl_divergence(lib.distributions.Bernoulli(x),
                                               lib.distributions.Bernoulli(y))

    parity(fn, np.array([0.0, 1.0, 0.3, 0.3, 0.0], np.float32),
           np.array([0.4, 0.4, 0.0, 1.0, 0.0], np.float32), grad=False)


def test_kl_categorical_categorical():
    def fn(lib, x, y):
        return lib.distributions.kl_divergence(lib.distributions.Categorical(logits=x),
                                               lib.distributions.Categorical(logits=y))

    r = rng(2)
    x, y = r.standard_normal((2, 5)), r.standard_normal(5)
    parity(fn, x.astype(np.float32), y.astype(np.float32))
    check_grad(fn, x, y)

    def zeros(lib, p, q):
        return lib.distributions.kl_divergence(lib.distributions.Categorical(probs=p),
                                               lib.distributions.Categorical(probs=q))

    parity(zeros, np.array([[0.5, 0.5, 0.0], [0.5, 0.5, 0.0]], np.float32),
           np.array([[0.2, 0.0, 0.8], [0.2, 0.3, 0.5]], np.float32), grad=False)


def test_kl_mvn_mvn():
    def fn(lib, m1, c1, m2, l2):
        p = lib.distributions.MultivariateNormal(m1, covariance_matrix=(c1 + c1.mT) / 2)
        q = lib.distributions.MultivariateNormal(m2, scale_tril=l2.tril())
        return lib.distributions.kl_divergence(p, q), lib.distributions.kl_divergence(q, p)

    r = rng(3)
    l2 = np.linalg.cholesky(_spd(3, 4))
    args = (r.standard_normal((2, 3)), _spd(3, 5), r.standard_normal(3), l2)
    parity(fn, *args, atol=1e-8, rtol=1e-7)
    parity(fn, *(a.astype(np.float32) for a in args), atol=1e-4)
    check_grad(fn, *args)
    p = D.MultivariateNormal(numtorch.zeros(2), numtorch.eye(2))
    q = D.MultivariateNormal(numtorch.zeros(3), numtorch.eye(3))
    with pytest.raises(ValueError, match="different event shapes"):
        D.kl_divergence(p, q)


def test_kl_unregistered_and_register_kl():
    with pytest.raises(NotImplementedError,
                       match="No KL\\(p \\|\\| q\\) is implemented for p type Bernoulli and q "
                             "type Normal"):
        D.kl_divergence(D.Bernoulli(0.3), D.Normal(0.0, 1.0))

    class MyNormal(D.Normal):
        pass

    # A subclass uses its parent's rule until it registers its own.
    p, q = MyNormal(0.0, 1.0), D.Normal(1.0, 2.0)
    expected = D.kl_divergence(D.Normal(0.0, 1.0), q).item()
    assert D.kl_divergence(p, q).item() == pytest.approx(expected)

    @D.register_kl(MyNormal, D.Normal)
    def _kl_mine(p, q):
        return numtorch.tensor(-1.0)

    assert D.kl_divergence(p, q).item() == -1.0
    assert D.kl_divergence(q, p).item() == pytest.approx(
        D.kl_divergence(q, D.Normal(0.0, 1.0)).item())
    with pytest.raises(TypeError):
        D.register_kl(int, D.Normal)


def test_kl_independent_independent():
    def fn(lib, a, s, b, t):
        D_ = lib.distributions
        p = D_.Independent(D_.Normal(a, s), 1)
        q = D_.Independent(D_.Normal(b, t), 1)
        return D_.kl_divergence(p, q)

    r = rng(8)
    args = (r.standard_normal((2, 3)), r.uniform(0.5, 2, (2, 3)), r.standard_normal(3),
            r.uniform(0.5, 2, 3))
    out = parity(fn, *(a.astype(np.float32) for a in args))
    assert tuple(out[0].shape) == (2,)
    check_grad(fn, *args)
    p = D.Independent(D.Normal(numtorch.zeros(2, 3), 1.0), 1)
    q = D.Independent(D.Normal(numtorch.zeros(2, 3), 1.0), 2)
    with pytest.raises(NotImplementedError):
        D.kl_divergence(p, q)
