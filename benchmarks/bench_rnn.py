"""LSTM training-step benchmark: numtorch against PyTorch, side by side, in one run.

    python benchmarks/bench_rnn.py [--threads N] [--repeat R] [--seq-len T] [--batch N]
                                   [--input-size I] [--hidden-size H] [--mode LSTM|GRU|RNN]
                                   [--default-malloc]

One training step = zero_grad, LSTM(I -> H) over T steps (default 64 -> 256, T=35, batch 64),
Linear(H, 10) on the last step's output, cross-entropy, backward, SGD step. The same model code
builds both libraries (``lib.nn``); numtorch gets PyTorch's initial weights through
``load_state_dict``, and both run with N BLAS / intra-op threads (default 1). Prints the median
step time of each, the ratio numtorch / PyTorch (below 1.0: numtorch is faster), and the
largest difference of the losses after the timed steps (the two runs train the same weights
on the same data). Freed memory is kept for reuse (numtorch.backends.cpu.reuse_freed_memory,
for both libraries, as in bench_targets.py) unless ``--default-malloc`` is given: with glibc's
defaults both libraries page-fault through fresh memory every step, which adds about the same
time to both and pulls the ratio towards 1.
"""

import argparse
import platform
import time

import numpy as np

import numtorch


class Model:
    """An ``lib.nn`` recurrent layer plus a linear classifier on the last step."""

    def __init__(self, lib, mode, input_size, hidden_size):
        nn = lib.nn
        layer = {"LSTM": nn.LSTM, "GRU": nn.GRU, "RNN": nn.RNN}[mode]
        self.rnn = layer(input_size, hidden_size)
        self.head = nn.Linear(hidden_size, 10)
        self.mode = mode

    def parameters(self):
        return list(self.rnn.parameters()) + list(self.head.parameters())

    def __call__(self, x):
        out, _ = self.rnn(x)  # (T, N, H)
        return self.head(out[-1])  # (N, 10)


def make_step(lib, model, x, y, lr=0.01):
    opt = lib.optim.SGD(model.parameters(), lr=lr)
    loss_fn = lib.nn.CrossEntropyLoss()
    losses = []

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        losses.append(float(loss.item()))

    return step, losses


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seq-len", type=int, default=35)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--input-size", type=int, default=64)
    parser.add_argument("--hidden-size", type=int, default=256)
    parser.add_argument("--mode", choices=["LSTM", "GRU", "RNN"], default="LSTM")
    parser.add_argument("--default-malloc", action="store_true",
                        help="leave glibc's allocator settings alone")
    args = parser.parse_args(argv)
    if not args.default_malloc:
        numtorch.backends.cpu.reuse_freed_memory()

    import torch

    numtorch.set_num_threads(args.threads)
    torch.set_num_threads(args.threads)
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"NumPy {np.__version__}, PyTorch {torch.__version__}, {args.threads} thread(s), "
          f"{'glibc malloc defaults' if args.default_malloc else 'freed memory kept'}")

    rng = np.random.default_rng(0)
    x = rng.standard_normal((args.seq_len, args.batch, args.input_size)).astype(np.float32)
    y = rng.integers(0, 10, args.batch)
    torch.manual_seed(0)
    th_model = Model(torch, args.mode, args.input_size, args.hidden_size)
    nt_model = Model(numtorch, args.mode, args.input_size, args.hidden_size)
    for part in ("rnn", "head"):
        state = {k: v.detach().numpy() for k, v in getattr(th_model, part).state_dict().items()}
        getattr(nt_model, part).load_state_dict(state)

    th_step, th_losses = make_step(torch, th_model, torch.tensor(x), torch.tensor(y))
    nt_step, nt_losses = make_step(numtorch, nt_model, numtorch.tensor(x), numtorch.tensor(y))
    # Interleave the two so that load on a shared machine affects both alike.
    th_times, nt_times = [], []
    for _ in range(2):
        th_step()
        nt_step()
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        th_step()
        th_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        nt_step()
        nt_times.append(time.perf_counter() - t0)
    th_t, nt_t = float(np.median(th_times)), float(np.median(nt_times))
    name = (f"{args.mode}({args.input_size} -> {args.hidden_size}), T={args.seq_len}, "
            f"batch {args.batch}, training step")
    print(f"{name}: numtorch {nt_t * 1e3:.1f} ms, PyTorch {th_t * 1e3:.1f} ms, "
          f"ratio {nt_t / th_t:.2f}")
    diff = max(abs(a - b) for a, b in zip(nt_losses, th_losses))
    print(f"largest loss difference over {len(nt_losses)} steps: {diff:.2e}")
    return nt_t / th_t


if __name__ == "__main__":
    main()
