"""Core benchmark: numtorch against PyTorch, side by side, in one run.

    python benchmarks/bench_core.py [--threads N] [--repeat R]

Times (median of R timed loops, after warm-up; numtorch's and PyTorch's loops alternate, so
that a change in machine load affects both alike) of:
  (a) per-op overhead: ``a + b`` on (8, 8) tensors, and ``a * b`` with requires_grad;
  (b) a (1024, 1024) matmul, forward + backward;
  (c) one forward + backward step of a 784-256-256-10 MLP at batch 128, written with raw
      tensors (x @ W1 + b1, relu, ..., cross-entropy).
Both libraries run with N BLAS/intra-op threads (default 1). Prints a table of median times
and the ratio numtorch / PyTorch (below 1.0: numtorch is faster).
"""

import argparse
import platform

import numpy as np
from _timing import paired_loop_times  # benchmarks/_timing.py (run as a script)

import numtorch


def tiny_add(lib):
    a = lib.randn(8, 8)
    b = lib.randn(8, 8)
    return lambda: a + b


def tiny_mul_grad(lib):
    a = lib.randn(8, 8, requires_grad=True)
    b = lib.randn(8, 8, requires_grad=True)
    return lambda: a * b


def tiny_mul_backward(lib):
    a = lib.randn(8, 8, requires_grad=True)
    b = lib.randn(8, 8, requires_grad=True)

    def step():
        (a * b).sum().backward()
        a.grad = b.grad = None

    return step


def big_matmul(lib):
    r = np.random.default_rng(0)
    a = lib.tensor(r.standard_normal((1024, 1024), dtype=np.float32), requires_grad=True)
    b = lib.tensor(r.standard_normal((1024, 1024), dtype=np.float32), requires_grad=True)
    g = lib.ones(1024, 1024)

    def step():
        (a @ b).backward(g)
        a.grad = b.grad = None

    return step


def mlp_step(lib):
    """784-256-256-10 MLP at batch 128: forward, cross-entropy, backward."""
    r = np.random.default_rng(0)

    def param(*shape):
        scale = 1.0 / np.sqrt(shape[0])
        return lib.tensor((r.standard_normal(shape) * scale).astype(np.float32),
                          requires_grad=True)

    w1, b1 = param(784, 256), param(256)
    w2, b2 = param(256, 256), param(256)
    w3, b3 = param(256, 10), param(10)
    params = [w1, b1, w2, b2, w3, b3]
    x = lib.tensor(r.standard_normal((128, 784), dtype=np.float32))
    y = lib.tensor(r.integers(0, 10, 128))
    loss_fn = lib.nn.functional.cross_entropy

    def step():
        h = (x @ w1 + b1).relu()
        h = (h @ w2 + b2).relu()
        loss = loss_fn(h @ w3 + b3, y)
        loss.backward()
        for p in params:
            p.grad = None

    return step


CASES = [
    ("a + b, (8, 8)", tiny_add),
    ("a * b, (8, 8), requires_grad", tiny_mul_grad),
    ("(a * b).sum().backward(), (8, 8)", tiny_mul_backward),
    ("matmul (1024, 1024) fwd+bwd", big_matmul),
    ("MLP 784-256-256-10, batch 128, fwd+bwd", mlp_step),
]


def fmt(seconds):
    if seconds < 1e-3:
        return f"{seconds * 1e6:8.1f} us"
    return f"{seconds * 1e3:8.2f} ms"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="BLAS / intra-op threads")
    parser.add_argument("--repeat", type=int, default=7, help="timed repeats per case")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    numtorch.set_num_threads(args.threads)
    print(f"machine: {platform.processor() or platform.machine()}, {platform.system()}, "
          f"python {platform.python_version()}, numpy {np.__version__}, torch {torch.__version__}")
    print(f"threads: {args.threads}   repeats: {args.repeat} (median)\n")
    print(f"{'case':42s} {'numtorch':>11s} {'PyTorch':>11s} {'ratio':>7s}")
    for name, make in CASES:
        t_nt, t_th = paired_loop_times(make(numtorch), make(torch), args.repeat)
        print(f"{name:42s} {fmt(t_nt)} {fmt(t_th)} {t_nt / t_th:7.2f}", flush=True)


if __name__ == "__main__":
    main()
