"""A small Transformer encoder classifies the 8x8 handwritten digits, read row by row.

    python examples/transformer_classifier.py [--epochs 40] [--d-model 32] [--layers 2]
                                              [--data digits|synthetic] [--quick]

Each 8x8 image is a sequence of 8 tokens (its rows), each token 8 pixel values. A linear
embedding to ``d_model`` plus a learned position embedding feeds a ``TransformerEncoder`` of
``--layers`` post-norm layers (batch first); the tokens' mean goes through a linear head to
10 classes. Adam with a cosine learning-rate schedule; prints the train loss per epoch and
the test accuracy. The Digits data ship with scikit-learn. ``--data synthetic`` instead
classifies random sequences by which of two marker tokens comes first (an order task that a
bag of tokens cannot solve), needing nothing but numtorch. ``--quick`` runs a few steps.
"""

import argparse
import time

import numpy as np

import numtorch as torch
from numtorch import nn
from numtorch.utils.data import DataLoader, TensorDataset


class RowTransformer(nn.Module):
    """(N, L, features) -> (N, classes): embed, add positions, encode, average, classify."""

    def __init__(self, features, length, classes, d_model=32, nhead=4, layers=2,
                 dim_feedforward=64, dropout=0.1):
        super().__init__()
        self.embed = nn.Linear(features, d_model)
        self.pos = nn.Parameter(torch.zeros(1, length, d_model))
        nn.init.normal_(self.pos, std=0.02)
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout,
                                           batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = nn.Linear(d_model, classes)

    def forward(self, x):
        h = self.embed(x) + self.pos  # (N, L, d_model)
        h = self.encoder(h)  # (N, L, d_model)
        return self.head(h.mean(1))  # (N, classes)


def digits_data():
    """Digits train / test as (N, 8 rows, 8 pixels) float tensors in [0, 1] and labels."""
    from numtorch.vision.datasets import Digits

    splits = []
    for train in (True, False):
        ds = Digits(train=train)
        splits.append((ds.data.float() / 255.0, ds.targets))  # (N, 8, 8), (N,)
    return splits, 10


def synthetic_data(n_train=2000, n_test=500, length=12, features=8, seed=0):
    """Random token sequences with two marker tokens A and B at random positions; the label
    is 1 when A comes before B."""
    rng = np.random.default_rng(seed)
    markers = rng.standard_normal((2, features)) * 2.0

    def make(n):
        x = rng.standard_normal((n, length, features)) * 0.5
        pos = np.stack([rng.choice(length, 2, replace=False) for _ in range(n)])  # (n, 2)
        rows = np.arange(n)
        x[rows, pos[:, 0]] = markers[0]
        x[rows, pos[:, 1]] = markers[1]
        y = (pos[:, 0] < pos[:, 1]).astype(np.int64)
        return torch.tensor(x.astype(np.float32)), torch.tensor(y)

    return [make(n_train), make(n_test)], 2


def evaluate(model, x, y):
    model.eval()
    with torch.no_grad():
        accuracy = (model(x).argmax(1) == y).float().mean().item()
    model.train()
    return accuracy


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=["digits", "synthetic"], default="digits")
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--d-model", type=int, default=32)
    parser.add_argument("--nhead", type=int, default=4)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--dropout", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="a few steps, for tests")
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs = 2

    # ---- data
    torch.manual_seed(args.seed)
    if args.data == "digits":
        ((x_train, y_train), (x_test, y_test)), classes = digits_data()
    else:
        ((x_train, y_train), (x_test, y_test)), classes = synthetic_data(seed=args.seed)
    if args.quick:
        x_train, y_train = x_train[:256], y_train[:256]
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=args.batch_size,
                        shuffle=True)
    _, length, features = x_train.shape
    print(f"data: {args.data}, {len(x_train)} train / {len(x_test)} test sequences of "
          f"{length} tokens x {features} features, {classes} classes")

    # ---- model and optimizer
    model = RowTransformer(features, length, classes, args.d_model, args.nhead, args.layers,
                           2 * args.d_model, args.dropout)
    print(f"model: {sum(p.numel() for p in model.parameters())} parameters")
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer,
                                                           args.epochs * len(loader))
    loss_fn = nn.CrossEntropyLoss()

    # ---- training loop
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        total, count = 0.0, 0
        for x, y in loader:
            loss = loss_fn(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            total += loss.item() * len(y)
            count += len(y)
        if epoch == 1 or epoch % 5 == 0 or epoch == args.epochs:
            print(f"epoch {epoch:3d}  train loss {total / count:.4f}  "
                  f"test accuracy {evaluate(model, x_test, y_test):.4f}")

    # ---- evaluate
    accuracy = evaluate(model, x_test, y_test)
    print(f"test accuracy {accuracy:.4f} ({time.perf_counter() - start:.1f} s)")
    return accuracy


if __name__ == "__main__":
    main()
