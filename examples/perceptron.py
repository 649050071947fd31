"""The perceptron: convergence on separable data, endless mistakes on XOR, and one-vs-rest
on the 8x8 digits.

    python examples/perceptron.py [--rule online|batch] [--epochs 50] [--lr 1.0] [--quick]

1. Two well-separated Gaussian blobs in 2-D: the perceptron stops after the first epoch
   without a mistake (Novikoff: at most (R / margin)^2 updates with the online rule).
2. XOR, which no line separates: every epoch still has mistakes, and training stops at
   ``--epochs``.
3. The 8x8 handwritten digits (shipped with scikit-learn), ten perceptrons one-vs-rest:
   prints the test accuracy. ``--quick`` trains for a few epochs only.
"""

import argparse

import numpy as np

from numtorch.classic import Perceptron


def blobs(n, seed):
    """``n`` points per class around (-2, -2) (label -1) and (2, 2) (label +1)."""
    rng = np.random.default_rng(seed)
    X = np.concatenate([rng.normal(-2.0, 0.6, (n, 2)), rng.normal(2.0, 0.6, (n, 2))])
    y = np.concatenate([-np.ones(n), np.ones(n)])
    return X, y


def load_digits():
    """Digits train / test splits as (X in [0, 1] of shape (n, 64), y)."""
    from numtorch.vision.datasets import Digits

    splits = []
    for train in (True, False):
        ds = Digits(train=train)
        X = ds.data.numpy().reshape(len(ds), -1) / 255.0  # (n, 64)
        splits.append((X, ds.targets.numpy()))
    return splits


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rule", choices=["online", "batch"], default="online")
    parser.add_argument("--epochs", type=int, default=50, help="epoch limit (default 50)")
    parser.add_argument("--lr", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="few epochs on the digits")
    args = parser.parse_args(argv)

    X, y = blobs(50, args.seed)
    p = Perceptron().fit(X, y, epochs=args.epochs, lr=args.lr, rule=args.rule, seed=args.seed)
    state = f"converged after {p.n_epochs_} epochs" if p.converged_ else "did not converge"
    print(f"blobs ({args.rule} rule): {state}; mistakes per epoch {p.mistakes_}; "
          f"train accuracy {p.score(X, y):.3f}")

    X_xor = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y_xor = np.array([-1, 1, 1, -1])
    xor_epochs = min(args.epochs, 20)
    p = Perceptron().fit(X_xor, y_xor, epochs=xor_epochs, lr=args.lr, rule=args.rule,
                         seed=args.seed)
    state = f"converged after {p.n_epochs_} epochs" if p.converged_ else (
        f"did not converge in {p.n_epochs_} epochs (not linearly separable)")
    print(f"xor ({args.rule} rule): {state}; mistakes in the last epochs {p.mistakes_[-5:]}")

    (X_train, y_train), (X_test, y_test) = load_digits()
    epochs = min(args.epochs, 5) if args.quick else args.epochs
    p = Perceptron().fit(X_train, y_train, epochs=epochs, lr=args.lr, rule=args.rule,
                         seed=args.seed)
    acc = p.score(X_test, y_test)
    print(f"digits one-vs-rest ({args.rule} rule, {p.n_epochs_} epochs): "
          f"test accuracy {acc:.3f}")
    return acc


if __name__ == "__main__":
    main()
