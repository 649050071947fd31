"""Poisson, Geometric, Binomial and OneHotCategorical against torch.distributions: log_prob,
entropy, moments, enumerate_support, KL divergences and their parameter gradients, float64
finite-difference checks, sample frequencies and validation."""

import math

import numpy as np
import pytest
from parity import check_grad, parity, raises_like, rng

import numtorch
from numtorch import distributions as D

R = rng(3)
COUNTS = R.integers(0, 6, (4, 2, 3)).astype(np.float64)


def _first(out):
    return out[0] if isinstance(out, (tuple, list)) else out


def _build(lib, name, param, x, n=None):
    cls = getattr(lib.distributions, name)
    if name == "Binomial":
        return cls(n, **{param: x})
    if name == "Poisson":
        return cls(x)
    return cls(**{param: x})


CASES = [("Poisson", "rate"), ("Geometric", "probs"), ("Geometric", "logits"),
         ("Binomial", "probs"), ("Binomial", "logits")]


def _param_values(name, param):
    if param == "rate":
        return R.uniform(0.3, 4.0, (2, 3))
    if param == "probs":
        return R.uniform(0.1, 0.9, (2, 3))
    return R.normal(0.0, 1.5, (2, 3))


@pytest.mark.parametrize("name,param", CASES)
def test_values_and_grads_as_torch(name, param):
    x = _param_values(name, param)
    total = np.float64(7.0)

    def fn(lib, x, value, moments=True):
        d = _build(lib, name, param, x, total.item() if name == "Binomial" else None)
        out = [d.log_prob(value), d.mean, d.variance]
        if name != "Poisson":
            out.append(d.entropy())
        if moments:
            out.append(d.mode)
        return tuple(out)

    parity(fn, x.astype(np.float32), COUNTS.astype(np.float32), grad_inputs=(0,), rtol=2e-4)
    check_grad(lambda lib, a, v: fn(lib, a, v, False), x, COUNTS, grad_inputs=(0,))


def test_binomial_tensor_total_count_and_support():
    def fn(lib, n, p, k):
        d = lib.distributions.Binomial(n, probs=p)
        return d.log_prob(k), d.mean, d.mode, d.variance

    n = np.array([[3.0], [10.0]])
    p = R.uniform(0.1, 0.9, (2, 4))
    k = np.minimum(R.integers(0, 11, (2, 4)), n).astype(np.float64)
    parity(fn, n.astype(np.float32), p.astype(np.float32), k.astype(np.float32),
           grad_inputs=(1,))
    d = D.Binomial(numtorch.tensor(n), numtorch.tensor(p))
    assert d.total_count.dtype == numtorch.float64 and tuple(d.batch_shape) == (2, 4)
    with pytest.raises(NotImplementedError, match="Inhomogeneous total count"):
        d.entropy()
    assert D.Binomial(5, numtorch.tensor(0.3)).batch_shape == ()


def test_enumerate_support_as_torch():
    def fn(lib, p):
        b = lib.distributions.Binomial(4, probs=p)
        o = lib.distributions.OneHotCategorical(probs=p)
        return (b.enumerate_support(), b.enumerate_support(False), o.enumerate_support(),
                o.enumerate_support(False))

    parity(fn, R.uniform(0.1, 0.9, (2, 3)).astype(np.float32), grad=False)
    b = D.Binomial(4, numtorch.full((2, 3), 0.4, dtype=numtorch.float64))
    total = b.log_prob(b.enumerate_support()).exp().sum(0)
    np.testing.assert_allclose(total.detach().numpy(), 1.0, rtol=1e-12)


@pytest.mark.parametrize("param", ["probs", "logits"])
def test_one_hot_categorical_as_torch(param):
    x = R.uniform(0.1, 1.0, (2, 4)) if param == "probs" else R.normal(0, 1, (2, 4))
    value = np.eye(4)[R.integers(0, 4, (3, 2))]

    def fn(lib, x, v):
        d = lib.distributions.OneHotCategorical(**{param: x})
        return d.log_prob(v), d.entropy(), d.mean, d.mode, d.variance, d.probs, d.logits

    parity(fn, x.astype(np.float32), value.astype(np.float32), grad_inputs=(0,))
    check_grad(lambda lib, a, v: fn(lib, a, v)[:3], x, value, grad_inputs=(0,))
    d = D.OneHotCategorical(**{param: numtorch.tensor(x)})
    assert tuple(d.batch_shape) == (2,) and tuple(d.event_shape) == (4,)
    s = d.sample((5,))
    assert tuple(s.shape) == (5, 2, 4) and s.dtype == numtorch.float64
    assert (s.sum(-1) == 1).all().item()
    assert tuple(d.log_prob(s).shape) == (5, 2)
    e = d.expand((3, 2))
    assert tuple(e.sample().shape) == (3, 2, 4) and tuple(e.entropy().shape) == (3, 2)


# ---------------------------------------------------------------- KL
def test_kl_poisson_geometric_onehot_as_torch():
    def fn(lib, r1, r2, g1, g2, c1, c2):
        dd = lib.distributions
        kl = dd.kl_divergence
        return (kl(dd.Poisson(r1), dd.Poisson(r2)),
                kl(dd.Geometric(probs=g1), dd.Geometric(probs=g2)),
                kl(dd.Geometric(logits=g1), dd.Geometric(logits=g2)),
                kl(dd.OneHotCategorical(c1), dd.OneHotCategorical(c2)))

    args = (R.uniform(0.3, 4, 3), R.uniform(0.3, 4, 3), R.uniform(0.1, 0.9, 3),
            R.uniform(0.1, 0.9, 3), R.uniform(0.1, 1, (3, 4)), R.uniform(0.1, 1, (3, 4)))
    out = parity(fn, *(a.astype(np.float32) for a in args))
    assert all((o.detach().numpy() > 0).all() for o in out)
    check_grad(fn, *args)


@pytest.mark.parametrize("param", ["probs", "logits"])
def test_kl_binomial_as_torch(param):
    def fn(lib, n1, n2, a, b):
        dd = lib.distributions
        return dd.kl_divergence(dd.Binomial(n1, **{param: a}), dd.Binomial(n2, **{param: b}))

    lo, hi = (0.1, 0.9) if param == "probs" else (-2, 2)
    n1, n2 = np.array([5.0, 5.0, 8.0]), np.array([5.0, 5.0, 3.0])
    a, b = R.uniform(lo, hi, 3), R.uniform(lo, hi, 3)
    out = _first(parity(fn, n1.astype(np.float32), n2.astype(np.float32), a.astype(np.float32),
                        b.astype(np.float32), grad_inputs=(2, 3)))
    assert math.isinf(out[2].item())
    check_grad(lambda lib, x, y: fn(lib, 5.0, 5.0, x, y), a, b)
    half = numtorch.tensor([0.5])
    with pytest.raises(NotImplementedError, match="q.total_count > p.total_count"):
        D.kl_divergence(D.Binomial(2, half), D.Binomial(3, half))


# ---------------------------------------------------------------- sampling
N = 200000


def _within(x, mean, var, sigmas=6.0):
    se = np.sqrt(np.asarray(var) / x.shape[0])
    assert (np.abs(x.mean(0) - mean) < sigmas * se).all(), (x.mean(0), mean, se)


@pytest.mark.parametrize("name", ["Poisson", "Geometric", "Binomial"])
def test_sample_moments(name):
    numtorch.manual_seed(8)
    p = numtorch.tensor([0.2, 0.75], dtype=numtorch.float64)
    d = {"Poisson": lambda: D.Poisson(numtorch.tensor([0.5, 6.0], dtype=numtorch.float64)),
         "Geometric": lambda: D.Geometric(p),
         "Binomial": lambda: D.Binomial(numtorch.tensor([3.0, 12.0], dtype=numtorch.float64),
                                        p)}[name]()
    x = d.sample((N,))
    assert x.dtype == numtorch.float64 and tuple(x.shape) == (N, 2) and not x.requires_grad
    assert d.support.check(x).all().item()
    x = x.numpy()
    _within(x, d.mean.numpy(), d.variance.numpy())
    sq = (x - d.mean.numpy()) ** 2
    _within(sq, d.variance.numpy(), sq.var(0))
    if name != "Poisson":
        # the frequency of 0 against the pmf: a binomial proportion
        p0 = d.log_prob(numtorch.zeros(2, dtype=numtorch.float64)).exp().numpy()
        _within((x == 0).astype(np.float64), p0, p0 * (1 - p0))


def test_one_hot_frequencies():
    numtorch.manual_seed(9)
    p = np.array([0.1, 0.0, 0.6, 0.3])
    x = D.OneHotCategorical(numtorch.tensor(p)).sample((N,)).numpy()
    _within(x, p, p * (1 - p) + 1e-300)
    assert x[:, 1].sum() == 0


def test_sample_shapes_and_expand():
    for d in (D.Poisson(numtorch.ones(3)), D.Geometric(numtorch.full((3,), 0.5)),
              D.Binomial(4, numtorch.full((3,), 0.5)), D.Geometric(logits=0.0)):
        e = d.expand((2,) + tuple(d.batch_shape))
        assert tuple(e.sample((5,)).shape) == (5, 2) + tuple(d.batch_shape)
        assert tuple(e.log_prob(e.sample()).shape) == tuple(e.batch_shape)
        assert e.sample().dtype == numtorch.float32


# ---------------------------------------------------------------- validation
BAD_PARAMS = [
    ("rate", lambda lib: lib.distributions.Poisson(lib.tensor([1.0, -1.0]))),
    ("probs", lambda lib: lib.distributions.Geometric(lib.tensor([1.5]))),
    ("total_count", lambda lib: lib.distributions.Binomial(lib.tensor([2.5]), lib.tensor([0.5]))),
    ("probs", lambda lib: lib.distributions.Binomial(3, lib.tensor([-0.5]))),
    ("probs", lambda lib: lib.distributions.OneHotCategorical(lib.tensor([0.5, -0.5, 1.0]))),
]


@pytest.mark.parametrize("param,build", BAD_PARAMS)
def test_invalid_parameters_raise_like_torch(param, build):
    err = raises_like(build, match=f"Expected parameter {param} .* to satisfy the constraint")
    assert isinstance(err, ValueError)


BAD = [
    (lambda lib: lib.distributions.Geometric(lib.tensor([0.0, 0.5])),
     r"Expected parameter probs .* to be positive but found invalid values"),
    (lambda lib: lib.distributions.Geometric(), "Either `probs` or `logits`"),
    (lambda lib: lib.distributions.Binomial(3, lib.tensor([0.5]), lib.tensor([0.0])),
     "Either `probs` or `logits`"),
    (lambda lib: lib.distributions.Poisson(1.0).log_prob(lib.tensor([1.5])),
     r"within the support \(IntegerGreaterThan\(lower_bound=0\)\)"),
    (lambda lib: lib.distributions.Geometric(lib.tensor(0.5)).log_prob(lib.tensor([-1.0])),
     r"within the support \(IntegerGreaterThan\(lower_bound=0\)\)"),
    (lambda lib: lib.distributions.Binomial(3, lib.tensor(0.5)).log_prob(lib.tensor([4.0])),
     r"within the support \(IntegerInterval"),
    (lambda lib: lib.distributions.OneHotCategorical(lib.ones(3)).log_prob(
        lib.tensor([1.0, 1.0, 0.0])), r"within the support \(OneHot\(\)\)"),
]


@pytest.mark.parametrize("build,match", BAD)
def test_bad_calls_raise_like_torch(build, match):
    assert isinstance(raises_like(build, match=match), ValueError)


def test_constraints_and_repr_as_torch():
    torch = pytest.importorskip("torch")
    for name in ("Poisson", "Geometric", "Binomial", "OneHotCategorical"):
        a, b = getattr(D, name), getattr(torch.distributions, name)
        assert {k: repr(v) for k, v in a.arg_constraints.items()} == \
            {k: repr(v) for k, v in b.arg_constraints.items()}
        assert a.has_rsample == b.has_rsample and \
            a.has_enumerate_support == b.has_enumerate_support
    assert repr(D.Binomial(3, numtorch.tensor(0.5))) == \
        repr(torch.distributions.Binomial(3, torch.tensor(0.5)))
    assert repr(D.OneHotCategorical.support) == repr(torch.distributions.OneHotCategorical.support)
