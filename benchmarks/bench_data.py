"""DataLoader throughput (images/s), numtorch, with 0 and 2 worker processes.

    python benchmarks/bench_data.py [--n 20000] [--workers 0 2]

Two workloads at batch 128:
- MNIST-shaped samples: a TensorDataset of (N, 1, 28, 28) float32 images and labels, shuffled
  (collation dominates); PyTorch's DataLoader on the same data for reference.
- CIFAR-shaped samples through RandomCrop(32, padding=4) + RandomHorizontalFlip + Normalize,
  applied per sample (the transforms dominate: workers should help).
"""

import argparse
import time

import numpy as np

import numtorch
from numtorch.utils.data import DataLoader, Dataset, TensorDataset
from numtorch.vision import transforms as T


class Augmented(Dataset):
    def __init__(self, images, labels, transform):
        self.images = images
        self.labels = labels
        self.transform = transform

    def __getitem__(self, i):
        return self.transform(numtorch.from_numpy(self.images[i])), int(self.labels[i])

    def __len__(self):
        return len(self.images)


def images_per_second(loader, n):
    t0 = time.perf_counter()
    seen = 0
    for x, _ in loader:
        seen += len(x)
    elapsed = time.perf_counter() - t0
    assert seen == n, (seen, n)
    return n / elapsed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 2])
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    n = args.n
    mnist_x = rng.random((n, 1, 28, 28), dtype=np.float32)
    labels = rng.integers(0, 10, n)
    cifar_x = rng.random((n // 4, 3, 32, 32), dtype=np.float32)
    aug = T.Compose([T.RandomCrop(32, padding=4), T.RandomHorizontalFlip(),
                     T.Normalize((0.49, 0.48, 0.45), (0.25, 0.24, 0.26))])
    try:
        import torch
        import torch.utils.data as tud
    except ImportError:
        torch = None
    print(f"{'workload':<44}{'workers':>8}{'images/s':>12}")
    for w in args.workers:
        ds = TensorDataset(numtorch.from_numpy(mnist_x), numtorch.from_numpy(labels))
        rate = images_per_second(DataLoader(ds, batch_size=128, shuffle=True, num_workers=w), n)
        print(f"{'MNIST-shaped tensors (numtorch)':<44}{w:>8}{rate:>12,.0f}")
        if torch is not None:
            tds = tud.TensorDataset(torch.from_numpy(mnist_x), torch.from_numpy(labels))
            rate = images_per_second(tud.DataLoader(tds, batch_size=128, shuffle=True,
                                                    num_workers=w), n)
            print(f"{'MNIST-shaped tensors (PyTorch)':<44}{w:>8}{rate:>12,.0f}")
    for w in args.workers:
        ds = Augmented(cifar_x, labels, aug)
        rate = images_per_second(DataLoader(ds, batch_size=128, shuffle=True, num_workers=w),
                                 len(cifar_x))
        print(f"{'32x32 RandomCrop+Flip+Normalize (numtorch)':<44}{w:>8}{rate:>12,.0f}")


if __name__ == "__main__":
    main()
