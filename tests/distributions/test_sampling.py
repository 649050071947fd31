"""Samples: shapes for every sample/batch/event shape combination, moments of many seeded
draws, argument and value validation with PyTorch's errors, and a REINFORCE step."""

import numpy as np
import pytest
from parity import parity, raises_like, requires_torch, rng, torch

import numtorch
from numtorch import distributions as D


def _dists():
    return {
        "normal": D.Normal(numtorch.zeros(2, 3), numtorch.ones(3)),
        "uniform": D.Uniform(numtorch.zeros(2, 3), 2.0),
        "bernoulli": D.Bernoulli(numtorch.full((2, 3), 0.3)),
        "categorical": D.Categorical(logits=numtorch.zeros(2, 3, 4)),
        "mvn": D.MultivariateNormal(numtorch.zeros(2, 3, 5), numtorch.eye(5)),
    }


@pytest.mark.parametrize("name", ["normal", "uniform", "bernoulli", "categorical", "mvn"])
@pytest.mark.parametrize("sample_shape", [(), (4,), (2, 1)])
def test_sample_shapes(name, sample_shape):
    d = _dists()[name]
    assert tuple(d.batch_shape) == (2, 3)
    event = (5,) if name == "mvn" else ()
    assert tuple(d.event_shape) == event
    x = d.sample(sample_shape)
    assert tuple(x.shape) == sample_shape + (2, 3) + event
    assert not x.requires_grad
    if d.has_rsample:
        assert tuple(d.rsample(sample_shape).shape) == sample_shape + (2, 3) + event
    assert tuple(d.log_prob(x).shape) == sample_shape + (2, 3)
    assert tuple(d.entropy().shape) == (2, 3)
    e = d.expand((4, 2, 3))
    assert tuple(e.batch_shape) == (4, 2, 3) and tuple(e.sample().shape) == (4, 2, 3) + event
    assert tuple(e.log_prob(x).shape)[-3:] == (4, 2, 3)


@requires_torch
@pytest.mark.parametrize("name", ["normal", "uniform", "bernoulli", "categorical", "mvn"])
def test_shapes_and_dtypes_as_torch(name):
    def build(lib):
        f = lib.tensor
        return {
            "normal": lambda: lib.distributions.Normal(f([[0.0], [1.0]]), f([1.0, 2.0, 3.0])),
            "uniform": lambda: lib.distributions.Uniform(0.0, f([1.0, 2.0])),
            "bernoulli": lambda: lib.distributions.Bernoulli(logits=f([[0.0, 1.0]])),
            "categorical": lambda: lib.distributions.Categorical(f([[0.2, 0.8], [0.5, 0.5]])),
            "mvn": lambda: lib.distributions.MultivariateNormal(f([0.0, 1.0]),
                                                                lib.eye(2).expand(3, 2, 2)),
        }[name]()

    a, b = build(numtorch), build(torch)
    for shape in ((), (3,), (2, 2)):
        xa, xb = a.sample(shape), b.sample(shape)
        assert tuple(xa.shape) == tuple(xb.shape) and str(xa.dtype)[9:] == str(xb.dtype)[6:]
        assert tuple(a.log_prob(xa).shape) == tuple(b.log_prob(xb).shape)
    assert tuple(a.batch_shape) == tuple(b.batch_shape)
    assert tuple(a.event_shape) == tuple(b.event_shape)
    assert tuple(a.expand((4,) + tuple(a.batch_shape)).batch_shape) == \
        tuple(b.expand((4,) + tuple(b.batch_shape)).batch_shape)


# ---------------------------------------------------------------- moments
N = 40000


def test_normal_and_uniform_moments():
    numtorch.manual_seed(0)
    d = D.Normal(numtorch.tensor([1.0, -2.0], dtype=numtorch.float64),
                 numtorch.tensor([0.5, 3.0], dtype=numtorch.float64))
    x = d.sample((N,)).numpy()
    # within 4 standard errors
    assert (np.abs(x.mean(0) - [1.0, -2.0]) < 4 * np.array([0.5, 3.0]) / N ** .5).all()
    np.testing.assert_allclose(x.std(0), [0.5, 3.0], rtol=0.02)
    u = D.Uniform(numtorch.tensor([0.0, -1.0]), numtorch.tensor([1.0, 3.0])).sample((N,))
    u = u.numpy()
    assert (u[:, 0] >= 0).all() and (u[:, 0] < 1).all() and (u[:, 1] >= -1).all()
    np.testing.assert_allclose(u.mean(0), [0.5, 1.0], atol=0.03)
    np.testing.assert_allclose(u.var(0), [1 / 12, 16 / 12], rtol=0.03)


def test_discrete_frequencies():
    numtorch.manual_seed(1)
    b = D.Bernoulli(numtorch.tensor([0.1, 0.5, 0.9])).sample((N,)).numpy()
    assert set(np.unique(b)) <= {0.0, 1.0}
    np.testing.assert_allclose(b.mean(0), [0.1, 0.5, 0.9], atol=0.01)
    p = np.array([[0.1, 0.0, 0.6, 0.3], [0.25, 0.25, 0.25, 0.25]])
    c = D.Categorical(probs=numtorch.tensor(p * 7)).sample((N,)).numpy()  # unnormalized
    assert c.dtype == np.int64 and c.shape == (N, 2)
    freq = np.stack([np.bincount(c[:, i], minlength=4) / N for i in range(2)])
    np.testing.assert_allclose(freq, p, atol=0.01)
    assert freq[0, 1] == 0.0


def test_mvn_sample_covariance():
    numtorch.manual_seed(2)
    cov = np.array([[2.0, 0.6, 0.0], [0.6, 1.0, -0.3], [0.0, -0.3, 0.5]])
    loc = np.array([1.0, 0.0, -1.0])
    for kw in ({"covariance_matrix": cov}, {"precision_matrix": np.linalg.inv(cov)}):
        d = D.MultivariateNormal(numtorch.tensor(loc),
                                 **{k: numtorch.tensor(v) for k, v in kw.items()})
        x = d.sample((N,)).numpy()
        np.testing.assert_allclose(x.mean(0), loc, atol=0.03)
        np.testing.assert_allclose(np.cov(x.T), cov, atol=0.04)


def test_seeded_sampling_repeats():
    d = D.Categorical(logits=numtorch.zeros(3, 5))
    numtorch.manual_seed(5)
    a = d.sample((10,))
    numtorch.manual_seed(5)
    assert numtorch.equal(a, d.sample((10,)))


# ---------------------------------------------------------------- validation
BAD_PARAMS = [
    ("scale", lambda lib: lib.distributions.Normal(lib.zeros(2), lib.tensor([1.0, -1.0]))),
    ("loc", lambda lib: lib.distributions.Normal(lib.tensor(float("nan")), 1.0)),
    ("low", lambda lib: lib.distributions.Uniform(lib.tensor([0.0, 2.0]), lib.tensor([1.0, 1.0]))),
    ("probs", lambda lib: lib.distributions.Bernoulli(lib.tensor([0.5, 1.5]))),
    ("probs", lambda lib: lib.distributions.Categorical(lib.tensor([0.5, -0.5, 1.0]))),
    ("covariance_matrix", lambda lib: lib.distributions.MultivariateNormal(
        lib.zeros(2), lib.tensor([[1.0, 2.0], [2.0, 1.0]]))),
    ("scale_tril", lambda lib: lib.distributions.MultivariateNormal(
        lib.zeros(2), scale_tril=lib.tensor([[1.0, 0.5], [0.0, 1.0]]))),
]


@pytest.mark.parametrize("param,build", BAD_PARAMS)
def test_invalid_parameters_raise_like_torch(param, build):
    err = raises_like(build, match=f"Expected parameter {param} .* to satisfy the constraint")
    assert isinstance(err, ValueError)


BAD_ARGS = [
    (lambda lib: lib.distributions.Bernoulli(), "Either `probs` or `logits`"),
    (lambda lib: lib.distributions.Bernoulli(0.5, 0.0), "Either `probs` or `logits`"),
    (lambda lib: lib.distributions.Categorical(lib.tensor(0.5)), "at least one-dimensional"),
    (lambda lib: lib.distributions.MultivariateNormal(lib.tensor(0.0), lib.eye(1)),
     "loc must be at least one-dimensional"),
    (lambda lib: lib.distributions.MultivariateNormal(lib.zeros(2)), "Exactly one of"),
    (lambda lib: lib.distributions.MultivariateNormal(lib.zeros(2), scale_tril=lib.ones(2)),
     "scale_tril matrix must be at least two-dimensional"),
    (lambda lib: lib.distributions.Normal([0.0], 1.0), "Input arguments must all be"),
]


@pytest.mark.parametrize("build,match", BAD_ARGS)
def test_bad_arguments_raise_like_torch(build, match):
    assert isinstance(raises_like(build, match=match), ValueError)


BAD_VALUES = [
    (lambda lib: lib.distributions.Bernoulli(lib.full((3,), 0.5)).log_prob(lib.tensor([0.5])),
     r"Expected value argument .* to be within the support \(Boolean\(\)\)"),
    (lambda lib: lib.distributions.Categorical(lib.ones(3)).log_prob(lib.tensor(3)),
     r"within the support \(IntegerInterval\(lower_bound=0, upper_bound=2\)\)"),
    (lambda lib: lib.distributions.Uniform(0.0, 1.0).log_prob(lib.tensor(1.5)),
     "to be within the support"),
    (lambda lib: lib.distributions.MultivariateNormal(lib.zeros(3), lib.eye(3)).log_prob(
        lib.zeros(2)), "The right-most size of value must match event_shape"),
    (lambda lib: lib.distributions.Normal(lib.zeros(3), 1.0).log_prob(lib.zeros(2)),
     "Value is not broadcastable with batch_shape\\+event_shape"),
    (lambda lib: lib.distributions.Normal(0.0, 1.0).log_prob(0.5),
     "The value argument to log_prob must be a Tensor"),
    (lambda lib: lib.distributions.Normal(0.0, 1.0).cdf(lib.tensor(float("nan"))),
     "to be within the support"),
]


@pytest.mark.parametrize("build,match", BAD_VALUES)
def test_invalid_values_raise_like_torch(build, match):
    assert isinstance(raises_like(build, match=match), ValueError)


def test_validate_args_switches():
    D.Normal(0.0, -1.0, validate_args=False)  # no check
    D.Bernoulli(numtorch.tensor([0.5]), validate_args=False).log_prob(numtorch.tensor([0.3]))
    try:
        D.Distribution.set_default_validate_args(False)
        D.Normal(0.0, -1.0)
        with pytest.raises(ValueError):
            D.Normal(0.0, -1.0, validate_args=True)
    finally:
        D.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        D.Normal(0.0, -1.0)
    with pytest.raises(ValueError):
        D.Distribution.set_default_validate_args("yes")
    # expand keeps the setting
    assert D.Normal(0.0, 1.0, validate_args=False).expand((2,))._validate_args is False


@requires_torch
def test_repr_as_torch():
    def build(lib):
        return lib.distributions.Normal(lib.tensor([0.0, 1.0]), 1.0)

    assert repr(build(numtorch)).replace("numtorch", "torch") == repr(build(torch))
    assert repr(numtorch.distributions.constraints.positive) == \
        repr(torch.distributions.constraints.positive)
    assert repr(numtorch.distributions.constraints.real_vector) == \
        repr(torch.distributions.constraints.real_vector)


# ---------------------------------------------------------------- policy gradient
def _policy_step(lib, w, obs, actions, returns):
    """One REINFORCE step: loss = -mean(log pi(a|s) * G)."""
    probs = lib.softmax(obs @ w, dim=-1)
    dist = lib.distributions.Categorical(probs)
    loss = -(dist.log_prob(actions) * returns).mean()
    return loss, dist.entropy().mean()


def test_reinforce_step_matches_torch_and_trains():
    r = rng(9)
    w = r.standard_normal((4, 3)).astype(np.float32) * 0.1
    obs = r.standard_normal((8, 4)).astype(np.float32)
    returns = r.standard_normal(8).astype(np.float32)
    # The actions are sampled by numtorch and fed to both libraries.
    probs = numtorch.softmax(numtorch.tensor(obs) @ numtorch.tensor(w), dim=-1)
    actions = D.Categorical(probs).sample().numpy()
    assert actions.shape == (8,) and actions.dtype == np.int64
    parity(_policy_step, w, obs, actions, returns, grad_inputs=(0,))

    # The gradient is that of the log-softmax at the taken actions.
    wt = numtorch.tensor(w, requires_grad=True)
    loss, _ = _policy_step(numtorch, wt, numtorch.tensor(obs), numtorch.tensor(actions),
                           numtorch.tensor(returns))
    loss.backward()
    p = probs.numpy()
    onehot = np.eye(3)[actions]
    expected = -obs.T @ ((onehot - p) * returns[:, None]) / 8
    np.testing.assert_allclose(wt.grad.numpy(), expected, rtol=1e-4, atol=1e-6)

    # A few steps of SGD make the rewarded action more likely.
    numtorch.manual_seed(0)
    wt = numtorch.zeros(2, 2, requires_grad=True)
    opt = numtorch.optim.SGD([wt], lr=0.5)
    state = numtorch.eye(2)
    for _ in range(30):
        dist = D.Categorical(logits=state @ wt)
        a = dist.sample()
        reward = (a == numtorch.tensor([1, 0])).float()  # state 0 wants 1, state 1 wants 0
        loss = -(dist.log_prob(a) * (reward - 0.5)).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
    final = numtorch.softmax(wt.detach(), dim=-1).numpy()
    assert final[0, 1] > 0.9 and final[1, 0] > 0.9
