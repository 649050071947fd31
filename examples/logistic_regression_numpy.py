"""Softmax (multinomial logistic) regression in pure NumPy on the 8x8 digits.

    python examples/logistic_regression_numpy.py [--epochs 30] [--lr 0.5] [--l2 1e-4] [--quick]

The gradient is derived by hand (``dL/dW = X^T (softmax(XW + b) - onehot(y)) / n + l2 W``, see
``numtorch.classic.SoftmaxRegression``); before training, the script compares it with central
finite differences on a few weights. Then mini-batch SGD, the loss per epoch, and the test
accuracy (about 0.95 after 30 epochs). The digits ship with scikit-learn.
"""

import argparse

import numpy as np

from numtorch.classic import SoftmaxRegression


def load_digits():
    """Digits train / test splits as (X in [0, 1] of shape (n, 64), y)."""
    from numtorch.vision.datasets import Digits

    splits = []
    for train in (True, False):
        ds = Digits(train=train)
        X = ds.data.numpy().reshape(len(ds), -1) / 255.0  # (n, 64)
        splits.append((X, ds.targets.numpy()))
    return splits


def finite_difference_error(model, X, y, n_checks=5, eps=1e-6, seed=0):
    """Largest |analytic - numeric| over ``n_checks`` random entries of W."""
    dW, _ = model.gradient(X, y)
    rng = np.random.default_rng(seed)
    worst = 0.0
    for _ in range(n_checks):
        i, k = rng.integers(model.W.shape[0]), rng.integers(model.W.shape[1])
        saved = model.W[i, k]
        model.W[i, k] = saved + eps
        up = model.loss(X, y)
        model.W[i, k] = saved - eps
        down = model.loss(X, y)
        model.W[i, k] = saved
        worst = max(worst, abs((up - down) / (2 * eps) - dW[i, k]))
    return worst


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--lr", type=float, default=0.5)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--l2", type=float, default=1e-4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="3 epochs")
    args = parser.parse_args(argv)
    epochs = min(args.epochs, 3) if args.quick else args.epochs

    (X_train, y_train), (X_test, y_test) = load_digits()
    model = SoftmaxRegression(num_classes=10, l2=args.l2)

    # Check the hand-derived gradient at small random weights before trusting it.
    model.fit(X_train, y_train, epochs=0)
    model.W = np.random.default_rng(args.seed).normal(0.0, 0.1, model.W.shape)
    print(f"gradient check: max |analytic - finite difference| = "
          f"{finite_difference_error(model, X_train[:100], y_train[:100]):.2e}")

    model.fit(X_train, y_train, epochs=epochs, lr=args.lr, batch_size=args.batch_size,
              seed=args.seed)
    for epoch, loss in enumerate(model.loss_history_, start=1):
        if epoch == 1 or epoch == epochs or epoch % 10 == 0:
            print(f"epoch {epoch:3d}  train loss {loss:.4f}")
    acc = model.score(X_test, y_test)
    print(f"train accuracy {model.score(X_train, y_train):.3f}")
    print(f"test accuracy {acc:.3f}")
    return acc


if __name__ == "__main__":
    main()
