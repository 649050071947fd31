"""The course's classic learners in plain NumPy: the perceptron and multinomial logistic
(softmax) regression with a hand-derived gradient.

They are not ``nn.Module``s and use no autograd: their learning rules are the point. Both take
NumPy arrays or numtorch tensors (converted with ``.numpy()``) and return NumPy arrays.
"""

import numpy as np

__all__ = ["Perceptron", "SoftmaxRegression", "softmax", "one_hot"]


def _as_array(x, dtype=None):
    """A NumPy array from an array-like or a numtorch tensor (detached)."""
    if hasattr(x, "detach") and hasattr(x, "numpy"):
        x = x.detach().numpy()
    return np.asarray(x, dtype=dtype)


def _as_matrix(X, name):
    X = _as_array(X, np.float64)
    if X.ndim == 1:
        raise ValueError(f"{name}: X must be 2-D (n_samples, n_features), got shape {X.shape}; "
                         f"reshape a single feature with X.reshape(-1, 1)")
    return X.reshape(X.shape[0], -1)  # (n, d): images are flattened


def softmax(z):
    """Row-wise softmax of ``z`` (n, K). NOTE: the row maximum is subtracted first so that
    ``exp`` cannot overflow; the result is unchanged because softmax is shift-invariant."""
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def one_hot(y, num_classes):
    """``(n, num_classes)`` float array with a 1 at ``[i, y[i]]``."""
    out = np.zeros((len(y), num_classes))
    out[np.arange(len(y)), y] = 1.0
    return out


class Perceptron:
    """Rosenblatt's perceptron: ``predict(x) = sign(w . x + b)``.

    Binary problems use labels -1 and +1 (any two labels work: the smaller is mapped to -1, the
    larger to +1, and ``predict`` returns the original labels). A sample is a mistake when
    ``y_i (w . x_i + b) <= 0`` (so the all-zero start counts every sample as a mistake). Rules:

    - ``"online"``: for each sample in turn (shuffled per epoch when ``shuffle``), on a mistake
      ``w <- w + lr * y_i * x_i`` and ``b <- b + lr * y_i``;
    - ``"batch"``: per epoch, add the updates of all samples misclassified by the current
      weights at once: ``w <- w + lr * sum_{mistakes} y_i x_i``.

    Training stops after the first epoch without a mistake (``converged_`` is True) or after
    ``epochs`` epochs. If the data are linearly separable the online rule converges (Novikoff's
    theorem); otherwise it never does, and ``mistakes_`` shows the count per epoch.

    More than two classes: one-vs-rest. One perceptron per class ``k`` learns ``class k``
    (+1) against all the others (-1); the K perceptrons are trained side by side on the same
    sample order (each sees only its own mistakes, so this is exactly K independent
    perceptrons), ``mistakes_`` counts the mistakes of all K per epoch, and ``predict`` picks
    the class with the largest ``w_k . x + b_k``. ``coef_`` is ``(d,)`` for two classes and
    ``(K, d)`` otherwise; ``intercept_`` is a float or ``(K,)``.
    """

    def __init__(self, fit_intercept=True):
        self.fit_intercept = fit_intercept
        self.classes_ = None
        self.coef_ = None
        self.intercept_ = None
        self.mistakes_ = []
        self.converged_ = False
        self.n_epochs_ = 0

    def _targets(self, y):
        """Labels -> a (n, K) matrix of +-1 targets (K = 1 for binary problems)."""
        y = _as_array(y).reshape(-1)  # (n,)
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError(f"Perceptron needs at least two classes, got {self.classes_}")
        if len(self.classes_) == 2:
            return np.where(y == self.classes_[1], 1.0, -1.0)[:, None]  # (n, 1)
        return np.where(y[:, None] == self.classes_[None, :], 1.0, -1.0)  # (n, K)

    def fit(self, X, y, epochs=100, lr=1.0, rule="online", shuffle=True, seed=0):
        """Train from zero weights; returns ``self``. ``mistakes_[e]`` is the number of
        mistakes in epoch ``e`` (for the online rule, made during the pass; for the batch rule,
        by the weights at the start of the epoch)."""
        if rule not in ("online", "batch"):
            raise ValueError(f"rule must be 'online' or 'batch', got {rule!r}")
        if epochs < 1:
            raise ValueError(f"epochs must be at least 1, got {epochs}")
        X = _as_matrix(X, "Perceptron.fit")
        T = self._targets(y)  # (n, K)
        if len(T) != len(X):
            raise ValueError(f"X has {len(X)} samples but y has {len(T)}")
        n, d = X.shape
        W = np.zeros((T.shape[1], d))  # (K, d)
        b = np.zeros(T.shape[1])  # (K,)
        rng = np.random.default_rng(seed)
        self.mistakes_ = []
        self.converged_ = False
        for _ in range(epochs):
            if rule == "batch":
                wrong = T * (X @ W.T + b) <= 0  # (n, K)
                update = np.where(wrong, T, 0.0)  # (n, K): y_i where misclassified
                W += lr * update.T @ X
                if self.fit_intercept:
                    b += lr * update.sum(axis=0)
                mistakes = int(wrong.sum())
            else:
                order = rng.permutation(n) if shuffle else np.arange(n)
                mistakes = 0
                # NOTE: the online rule is sequential by definition (each update changes the
                # margin of the next sample), so this loop runs over samples.
                for i in order:
                    wrong = T[i] * (W @ X[i] + b) <= 0  # (K,)
                    if wrong.any():
                        step = lr * np.where(wrong, T[i], 0.0)  # (K,)
                        W += step[:, None] * X[i][None, :]
                        if self.fit_intercept:
                            b += step
                        mistakes += int(wrong.sum())
            self.mistakes_.append(mistakes)
            if mistakes == 0:
                self.converged_ = True
                break
        self.n_epochs_ = len(self.mistakes_)
        if T.shape[1] == 1:
            self.coef_, self.intercept_ = W[0], float(b[0])
        else:
            self.coef_, self.intercept_ = W, b
        return self

    def _check_fitted(self):
        if self.coef_ is None:
            raise RuntimeError("this Perceptron is not fitted yet: call fit(X, y) first")

    def decision_function(self, X):
        """``w . x + b``: shape (n,) for two classes, (n, K) for one-vs-rest."""
        self._check_fitted()
        X = _as_matrix(X, "Perceptron.decision_function")
        if self.coef_.ndim == 1:
            return X @ self.coef_ + self.intercept_
        return X @ self.coef_.T + self.intercept_

    def predict(self, X):
        """The predicted labels (from ``classes_``)."""
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(np.int64)]
        return self.classes_[scores.argmax(axis=1)]

    def score(self, X, y):
        """Accuracy of ``predict(X)`` against ``y``."""
        return float(np.mean(self.predict(X) == _as_array(y).reshape(-1)))


class SoftmaxRegression:
    """Multinomial logistic regression trained by mini-batch SGD, in pure NumPy.

    Model: ``p(y = k | x) = softmax(x W + b)_k`` with ``W`` (d, K) and ``b`` (K,). Loss: mean
    cross-entropy plus an L2 penalty on ``W`` (not ``b``):

        L = -1/n sum_i log p(y_i | x_i) + (l2 / 2) ||W||^2

    and its gradient, derived by hand (``P = softmax(X W + b)``, ``Y = onehot(y)``):

        dL/dW = X^T (P - Y) / n + l2 * W        dL/db = sum_i (P - Y)_i / n

    Labels are integers ``0 .. num_classes - 1``. ``fit`` starts from zero weights (the loss is
    convex, so the start does not matter) unless ``warm_start``; ``loss_history_`` holds the
    full-data training loss after each epoch; ``dtype`` is float64 by default.
    """

    def __init__(self, num_classes=None, l2=0.0, dtype=np.float64):
        if l2 < 0:
            raise ValueError(f"l2 must be non-negative, got {l2}")
        self.num_classes = num_classes
        self.l2 = l2
        self.dtype = np.dtype(dtype)
        self.W = None
        self.b = None
        self.loss_history_ = []

    def _data(self, X, y=None):
        X = _as_matrix(X, "SoftmaxRegression").astype(self.dtype, copy=False)
        if y is None:
            return X, None
        y = _as_array(y).reshape(-1)
        if not np.issubdtype(y.dtype, np.integer):
            if not np.all(np.mod(y, 1) == 0):
                raise ValueError("SoftmaxRegression labels must be integers 0 .. K-1")
            y = y.astype(np.int64)
        if len(y) != len(X):
            raise ValueError(f"X has {len(X)} samples but y has {len(y)}")
        if len(y) and y.min() < 0:
            raise ValueError(f"labels must be integers 0 .. K-1, got {y.min()}")
        if len(y) and self.num_classes is not None and y.max() >= self.num_classes:
            raise ValueError(f"labels must be in [0, {self.num_classes}), got {y.max()}")
        return X, y

    def _init(self, d, y):
        if self.num_classes is None:
            self.num_classes = int(y.max()) + 1
        self.W = np.zeros((d, self.num_classes), dtype=self.dtype)
        self.b = np.zeros(self.num_classes, dtype=self.dtype)

    def _check_fitted(self):
        if self.W is None:
            raise RuntimeError("this SoftmaxRegression is not fitted yet: call fit(X, y) first")

    def predict_proba(self, X):
        """Class probabilities ``softmax(X W + b)``, shape (n, K)."""
        self._check_fitted()
        X, _ = self._data(X)
        return softmax(X @ self.W + self.b)

    def predict(self, X):
        """The most probable class of each row."""
        return self.predict_proba(X).argmax(axis=1)

    def score(self, X, y):
        """Accuracy of ``predict(X)`` against ``y``."""
        return float(np.mean(self.predict(X) == _as_array(y).reshape(-1)))

    def loss(self, X, y):
        """Mean cross-entropy plus ``l2 / 2 * ||W||^2`` at the current weights."""
        self._check_fitted()
        X, y = self._data(X, y)
        z = X @ self.W + self.b  # (n, K)
        z = z - z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))  # stable log-softmax
        nll = -log_p[np.arange(len(y)), y].mean()
        return float(nll + 0.5 * self.l2 * np.sum(self.W ** 2))

    def gradient(self, X, y):
        """``(dL/dW, dL/db)`` at the current weights (formulas in the class docstring)."""
        self._check_fitted()
        X, y = self._data(X, y)
        n = len(X)
        residual = (softmax(X @ self.W + self.b) - one_hot(y, self.num_classes)) / n  # (n, K)
        dW = X.T @ residual + self.l2 * self.W  # (d, K)
        db = residual.sum(axis=0)  # (K,)
        return dW, db

    def fit(self, X, y, epochs=100, lr=0.1, batch_size=32, shuffle=True, seed=0,
            warm_start=False):
        """Mini-batch SGD: each epoch visits the samples in (shuffled) batches of
        ``batch_size`` and steps ``W -= lr * dL/dW``, ``b -= lr * dL/db`` on each batch's
        loss. Returns ``self``."""
        if epochs < 0 or batch_size < 1 or lr <= 0:
            raise ValueError(f"need epochs >= 0, batch_size >= 1 and lr > 0, got epochs={epochs}, "
                             f"batch_size={batch_size}, lr={lr}")
        X, y = self._data(X, y)
        if not warm_start or self.W is None:
            self._init(X.shape[1], y)
        rng = np.random.default_rng(seed)
        n = len(X)
        self.loss_history_ = []
        for _ in range(epochs):
            order = rng.permutation(n) if shuffle else np.arange(n)
            for start in range(0, n, batch_size):
                idx = order[start:start + batch_size]
                dW, db = self.gradient(X[idx], y[idx])
                self.W -= lr * dW
                self.b -= lr * db
            self.loss_history_.append(self.loss(X, y))
        return self
