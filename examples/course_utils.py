"""What the course-outline examples share: the Digits split as tensors, the course CNN trained
the way ``numtorch train`` trains it, and the command-line options every example takes
(``--seed``, ``--out-dir``, ``--threads``, ``--quick``).

The examples import it by name (``from course_utils import digits``): Python puts a script's
own folder first on ``sys.path``, so ``python examples/vit.py`` finds it from any directory.
"""

import os

import numtorch as torch
from numtorch.nn import functional as F
from numtorch.utils.data import DataLoader, TensorDataset
from numtorch.vision.models import CourseCNN

__all__ = ["digits", "train_cnn", "add_run_arguments", "run_with_threads"]


def digits():
    """(train, test) pairs of images (N, 1, 8, 8) in [0, 1] and labels (N,)."""
    from numtorch.vision.datasets import Digits

    splits = []
    for train in (True, False):
        ds = Digits(train=train)
        splits.append((ds.data.float().unsqueeze(1) / 255.0, ds.targets))
    return splits


def train_cnn(x, y, epochs, lr=0.05, batch_size=32):
    """The course CNN trained with SGD and momentum, as ``numtorch train`` does; in eval mode."""
    model = CourseCNN(in_channels=1, num_classes=10, input_size=8)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    loader = DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True)
    for _ in range(epochs):
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model.eval()


def add_run_arguments(parser, name):
    """``--seed``, ``--out-dir`` (default ``runs/<name>``), ``--threads`` and ``--quick``."""
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out-dir", default=os.path.join("runs", name))
    # One BLAS thread by default: the matrix products here are small, and thread hand-offs
    # cost more than they save, badly so on a machine shared with other jobs.
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads")
    parser.add_argument("--quick", action="store_true", help="a short run, for tests")


def run_with_threads(run, args):
    """``run(args)`` with ``args.threads`` BLAS threads, restoring the previous count after."""
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    try:
        return run(args)
    finally:
        torch.set_num_threads(previous_threads)
