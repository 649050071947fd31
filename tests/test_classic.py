"""numtorch.classic: the perceptron's rules and convergence, softmax regression's hand-derived
gradient (against numtorch autograd and finite differences) and training."""

import numpy as np
import pytest

import numtorch
from numtorch.classic import Perceptron, SoftmaxRegression, one_hot, softmax
from numtorch.nn import functional as F


def blobs(centers, n=30, scale=0.3, seed=0):
    rng = np.random.default_rng(seed)
    X = np.concatenate([rng.normal(c, scale, (n, len(c))) for c in centers])
    y = np.repeat(np.arange(len(centers)), n)
    return X, y


# ---------------------------------------------------------------------------------------------
# Perceptron
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("rule", ["online", "batch"])
def test_perceptron_converges_on_separable_data(rule):
    X, y = blobs([(-2.0, -2.0), (2.0, 2.0)])
    y = 2 * y - 1  # {-1, +1}
    p = Perceptron().fit(X, y, epochs=100, rule=rule)
    assert p.converged_
    assert p.mistakes_[-1] == 0 and all(m > 0 for m in p.mistakes_[:-1])
    assert p.n_epochs_ == len(p.mistakes_) < 100
    assert p.score(X, y) == 1.0
    assert np.all(y * p.decision_function(X) > 0)
    assert set(np.unique(p.predict(X))) == {-1, 1}


@pytest.mark.parametrize("rule", ["online", "batch"])
def test_perceptron_stops_on_non_separable_data(rule):
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([-1, 1, 1, -1])
    p = Perceptron().fit(X, y, epochs=25, rule=rule)
    assert not p.converged_
    assert p.n_epochs_ == 25 and len(p.mistakes_) == 25
    assert all(m > 0 for m in p.mistakes_)
    assert p.score(X, y) < 1.0


def test_perceptron_online_rule_by_hand():
    # Samples in fixed order, lr = 0.5: the updates can be followed by hand.
    X = np.array([[1.0, 2.0], [-1.0, -1.0], [2.0, 0.5]])
    y = np.array([1, -1, 1])
    p = Perceptron().fit(X, y, epochs=1, lr=0.5, shuffle=False)
    # sample 0: margin 0 -> mistake: w = 0.5*(1, 2) = (0.5, 1), b = 0.5
    # sample 1: -1 * ((-0.5 - 1) + 0.5) = 1 > 0 -> fine
    # sample 2: 1 * (1 + 0.5 + 0.5) > 0 -> fine
    np.testing.assert_allclose(p.coef_, [0.5, 1.0])
    assert p.intercept_ == 0.5
    assert p.mistakes_ == [1]
    # A second epoch would be mistake-free: the run converges there.
    p = Perceptron().fit(X, y, epochs=10, lr=0.5, shuffle=False)
    assert p.mistakes_ == [1, 0] and p.converged_


def test_perceptron_batch_rule_by_hand():
    X = np.array([[1.0, 2.0], [-1.0, -1.0], [2.0, 0.5]])
    y = np.array([1, -1, 1])
    p = Perceptron().fit(X, y, epochs=1, lr=1.0, rule="batch")
    # All three are mistakes at w = 0: w = (1, 2) + (1, 1) + (2, 0.5), b = 1 - 1 + 1.
    np.testing.assert_allclose(p.coef_, [4.0, 3.5])
    assert p.intercept_ == 1.0
    assert p.mistakes_ == [3]


def test_perceptron_without_intercept_and_with_other_labels():
    X, y = blobs([(-2.0, -1.0), (2.0, 1.0)], seed=1)
    labels = np.array(["cat", "dog"])[y]
    p = Perceptron(fit_intercept=False).fit(X, labels, epochs=50)
    assert p.intercept_ == 0.0
    assert list(p.classes_) == ["cat", "dog"]
    assert p.score(X, labels) == 1.0
    assert set(p.predict(X)) == {"cat", "dog"}


@pytest.mark.parametrize("rule", ["online", "batch"])
def test_perceptron_one_vs_rest(rule):
    X, y = blobs([(-3.0, 0.0), (3.0, 0.0), (0.0, 4.0)], seed=2)
    p = Perceptron().fit(X, y, epochs=200, rule=rule, seed=3)
    assert p.coef_.shape == (3, 2) and p.intercept_.shape == (3,)
    assert p.decision_function(X).shape == (len(X), 3)
    assert p.converged_
    assert p.score(X, y) == 1.0


def test_perceptron_one_vs_rest_matches_independent_binary_perceptrons():
    X, y = blobs([(-3.0, 0.0), (3.0, 0.0), (0.0, 4.0)], scale=1.5, seed=4)
    ovr = Perceptron().fit(X, y, epochs=7, seed=5)
    assert not ovr.converged_
    for k in range(3):
        # Same seed, same sample order. A binary run that converges early stops, but its
        # weights would not have changed afterwards anyway (no more mistakes).
        single = Perceptron().fit(X, np.where(y == k, 1, -1), epochs=7, seed=5)
        np.testing.assert_allclose(ovr.coef_[k], single.coef_)
        assert ovr.intercept_[k] == single.intercept_


def test_perceptron_accepts_tensors_and_checks_arguments():
    X, y = blobs([(-2.0, -2.0), (2.0, 2.0)])
    p = Perceptron().fit(numtorch.tensor(X), numtorch.tensor(y), epochs=20)
    assert p.score(numtorch.tensor(X), y) == 1.0
    with pytest.raises(ValueError, match="rule"):
        Perceptron().fit(X, y, rule="stochastic")
    with pytest.raises(ValueError, match="two classes"):
        Perceptron().fit(X, np.ones(len(X)))
    with pytest.raises(ValueError, match="samples"):
        Perceptron().fit(X, y[:-1])
    with pytest.raises(RuntimeError, match="not fitted"):
        Perceptron().predict(X)


# ---------------------------------------------------------------------------------------------
# SoftmaxRegression
# ---------------------------------------------------------------------------------------------

def _random_model(d, k, l2, seed=0):
    rng = np.random.default_rng(seed)
    model = SoftmaxRegression(num_classes=k, l2=l2)
    model.W = rng.normal(0.0, 0.5, (d, k))
    model.b = rng.normal(0.0, 0.5, k)
    return model


@pytest.mark.parametrize("n,d,k,l2", [(1, 1, 2, 0.0), (7, 3, 4, 0.0), (20, 5, 3, 0.1),
                                      (16, 10, 10, 1e-3)])
def test_gradient_matches_numtorch_autograd(n, d, k, l2):
    rng = np.random.default_rng(n + d)
    X = rng.normal(size=(n, d))
    y = rng.integers(0, k, n)
    model = _random_model(d, k, l2)
    dW, db = model.gradient(X, y)

    W = numtorch.tensor(model.W, requires_grad=True)
    b = numtorch.tensor(model.b, requires_grad=True)
    loss = F.cross_entropy(numtorch.tensor(X) @ W + b, numtorch.tensor(y))
    loss = loss + 0.5 * l2 * (W ** 2).sum()
    loss.backward()
    assert W.grad.dtype == numtorch.float64
    np.testing.assert_allclose(dW, W.grad.numpy(), atol=1e-10, rtol=1e-6)
    np.testing.assert_allclose(db, b.grad.numpy(), atol=1e-10, rtol=1e-6)
    assert abs(model.loss(X, y) - loss.item()) < 1e-10


def test_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(12, 4)), rng.integers(0, 3, 12)
    model = _random_model(4, 3, l2=0.05)
    dW, db = model.gradient(X, y)
    eps = 1e-6
    for params, grad in ((model.W, dW), (model.b, db)):
        numeric = np.zeros_like(params)
        for idx in np.ndindex(params.shape):
            saved = params[idx]
            params[idx] = saved + eps
            up = model.loss(X, y)
            params[idx] = saved - eps
            down = model.loss(X, y)
            params[idx] = saved
            numeric[idx] = (up - down) / (2 * eps)
        np.testing.assert_allclose(grad, numeric, atol=1e-7)


def test_fit_learns_and_records_loss():
    X, y = blobs([(-2.0, 0.0), (2.0, 0.0), (0.0, 3.0)], scale=0.7, seed=3)
    model = SoftmaxRegression().fit(X, y, epochs=20, lr=0.5, batch_size=16)
    assert model.num_classes == 3 and model.W.shape == (2, 3) and model.b.shape == (3,)
    assert len(model.loss_history_) == 20
    assert model.loss_history_[-1] < 0.5 * model.loss_history_[0]
    assert model.score(X, y) > 0.95
    proba = model.predict_proba(X)
    assert proba.shape == (len(X), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(model.predict(X), proba.argmax(axis=1))


def test_fit_is_deterministic_and_accepts_tensors():
    X, y = blobs([(-1.0, 0.0), (1.0, 0.0)], scale=0.8, seed=5)
    a = SoftmaxRegression(l2=0.01).fit(X, y, epochs=3, seed=7)
    b = SoftmaxRegression(l2=0.01).fit(numtorch.tensor(X), numtorch.tensor(y), epochs=3, seed=7)
    np.testing.assert_allclose(a.W, b.W)
    assert a.score(numtorch.tensor(X), numtorch.tensor(y)) == b.score(X, y)


def test_l2_shrinks_weights():
    X, y = blobs([(-1.0, 0.0), (1.0, 0.0)], scale=0.3, seed=6)
    plain = SoftmaxRegression().fit(X, y, epochs=30, lr=0.5)
    ridge = SoftmaxRegression(l2=0.5).fit(X, y, epochs=30, lr=0.5)
    assert np.linalg.norm(ridge.W) < 0.5 * np.linalg.norm(plain.W)


def test_softmax_is_stable_and_one_hot():
    p = softmax(np.array([[1000.0, 0.0], [-1000.0, -1000.0]]))
    np.testing.assert_allclose(p, [[1.0, 0.0], [0.5, 0.5]])
    np.testing.assert_array_equal(one_hot(np.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]])


def test_softmax_regression_errors():
    X = np.zeros((3, 2))
    with pytest.raises(RuntimeError, match="not fitted"):
        SoftmaxRegression().predict(X)
    with pytest.raises(ValueError, match="labels"):
        SoftmaxRegression(num_classes=2).fit(X, [0, 1, 2])
    with pytest.raises(ValueError, match="labels"):
        SoftmaxRegression().fit(X, [0, -1, 1])
    with pytest.raises(ValueError, match="2-D"):
        SoftmaxRegression().fit(np.zeros(3), [0, 1, 1])
    with pytest.raises(ValueError, match="l2"):
        SoftmaxRegression(l2=-1.0)
