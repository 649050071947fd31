"""A two-layer network learns XOR, trained with numtorch's autograd.

    python examples/mlp_xor.py [--epochs 1000] [--hidden 8] [--plot xor.png] [--quick]

XOR's four points cannot be split by one line (a perceptron fails on them); one hidden layer
of tanh units bends the decision boundary. The script trains with binary cross-entropy and
Adam, prints the network's output for each of the four inputs, and with ``--plot`` saves the
decision boundary as a PNG (needs matplotlib).
"""

import argparse

import numpy as np

import numtorch
from numtorch import nn

X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
Y = [0.0, 1.0, 1.0, 0.0]


class XORNet(nn.Module):
    """Linear(2, hidden) - Tanh - Linear(hidden, 1): one logit per input pair."""

    def __init__(self, hidden=8):
        super().__init__()
        self.hidden = nn.Linear(2, hidden)
        self.act = nn.Tanh()
        self.out = nn.Linear(hidden, 1)

    def forward(self, x):
        return self.out(self.act(self.hidden(x))).squeeze(1)  # (N, 1) -> (N,)


def train(epochs, hidden, lr, seed):
    numtorch.manual_seed(seed)
    model = XORNet(hidden)
    x, y = numtorch.tensor(X), numtorch.tensor(Y)
    optimizer = numtorch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(epochs):
        loss = nn.functional.binary_cross_entropy_with_logits(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model, loss.item()


def plot_boundary(model, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grid = np.linspace(-0.5, 1.5, 101)
    gx, gy = np.meshgrid(grid, grid)
    points = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)  # (101*101, 2)
    with numtorch.no_grad():
        p = numtorch.sigmoid(model(numtorch.tensor(points))).numpy().reshape(gx.shape)
    fig, ax = plt.subplots(figsize=(4, 4))
    ax.contourf(gx, gy, p, levels=20, cmap="RdBu_r", alpha=0.8)
    ax.contour(gx, gy, p, levels=[0.5], colors="k")
    xs = np.array(X)
    ax.scatter(xs[:, 0], xs[:, 1], c=Y, cmap="RdBu_r", edgecolors="k", s=120)
    ax.set_title("XOR: p(y = 1 | x)")
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=1000)
    parser.add_argument("--hidden", type=int, default=8)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", metavar="PNG", help="save the decision boundary here")
    parser.add_argument("--quick", action="store_true", help="300 epochs")
    args = parser.parse_args(argv)
    epochs = min(args.epochs, 300) if args.quick else args.epochs

    model, loss = train(epochs, args.hidden, args.lr, args.seed)
    with numtorch.no_grad():
        probs = numtorch.sigmoid(model(numtorch.tensor(X))).numpy()
    print(f"final loss {loss:.4f}")
    for (a, b), target, p in zip(X, Y, probs):
        print(f"{int(a)} XOR {int(b)} = {int(target)}: predicted {p:.3f} -> {int(p > 0.5)}")
    solved = all((p > 0.5) == (t > 0.5) for p, t in zip(probs, Y))
    print(f"XOR solved: {solved}")
    if args.plot:
        try:
            plot_boundary(model, args.plot)
            print(f"decision boundary saved to {args.plot}")
        except ImportError:
            print("matplotlib is not installed: no plot")
    return solved


if __name__ == "__main__":
    main()
