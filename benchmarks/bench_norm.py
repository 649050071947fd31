"""Batch norm benchmark: BatchNorm2d in training mode, forward + backward, numtorch against
PyTorch, side by side in one run.

    python benchmarks/bench_norm.py [--threads 1] [--blocks 7] [--relu]

Shapes are the batch-norm inputs of the CIFAR CNN (64-128-256-512 channels at 32, 16, 8 and 4
pixels) and of CIFAR ResNet-20 (16-32-64 channels at 32, 16 and 8 pixels), batch 64. One call =
the module's forward on a leaf input that requires grad, then backward from a fixed output
gradient (``--relu``: a ReLU after the batch norm, as in Conv-BN-ReLU blocks). A third of the
channels get a mean about twice their standard deviation, as after a convolution of ReLU
outputs. Loops of calls alternate between the libraries (``_timing.paired_loop_times``); the
ratio is numtorch / PyTorch (below 1.0: numtorch is faster). Freed memory is kept for reuse on
both sides, as in bench_targets.py.
"""

import argparse
import os
import platform

import numpy as np
from _timing import paired_loop_times  # benchmarks/_timing.py (run as a script)

SHAPES = [(64, 64, 32, 32), (64, 128, 16, 16), (64, 256, 8, 8), (64, 512, 4, 4),
          (64, 16, 32, 32), (64, 32, 16, 16), (64, 64, 8, 8)]


def make_call(lib, x, g, relu):
    """Forward + backward of a fresh BatchNorm2d on ``x`` (as a leaf requiring grad)."""
    bn = lib.nn.BatchNorm2d(x.shape[1])
    xt = lib.tensor(x, requires_grad=True)
    gt = lib.tensor(g)

    def call():
        y = bn(xt)
        if relu:
            y = lib.relu(y)
        y.backward(gt)

    return call


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--blocks", type=int, default=7)
    parser.add_argument("--relu", action="store_true", help="BN followed by ReLU")
    args = parser.parse_args(argv)

    import torch

    import numtorch
    from numtorch.backends import cpu

    cpu.reuse_freed_memory()
    torch.set_num_threads(args.threads)
    numtorch.set_num_threads(args.threads)
    print(f"{platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; "
          f"NumPy {np.__version__}, PyTorch {torch.__version__}; {args.threads} thread(s)")
    print(f"{'input (N, C, H, W)':<22}{'PyTorch ms':>12}{'numtorch ms':>13}{'ratio':>7}")
    for shape in SHAPES:
        rng = np.random.default_rng(0)
        x = rng.standard_normal(shape).astype(np.float32)
        x[:, ::3] += 2.0  # mean^2 / var about 4 in a third of the channels
        g = rng.standard_normal(shape).astype(np.float32)
        n, t = paired_loop_times(make_call(numtorch, x, g, args.relu),
                                 make_call(torch, x, g, args.relu), args.blocks, 2.0)
        print(f"{str(shape):<22}{t * 1e3:>12.2f}{n * 1e3:>13.2f}{n / t:>7.2f}", flush=True)


if __name__ == "__main__":
    main()
