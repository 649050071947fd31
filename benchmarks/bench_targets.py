"""Every row of the speed targets (issue 13) in one run: numtorch against PyTorch, side by side.

    python benchmarks/bench_targets.py [--threads 1] [--blocks 7] [--block-time 0.3]
                                       [--rows mlp64 lstm ...] [--rss-steps 50] [--no-rss]

Training rows: one step = zero_grad, forward, cross-entropy, backward, SGD step (lr 0.01,
momentum 0.9), for
  mlp64, mlp256   MLP 784-256-256-10 (ReLU) at batch 64 and 256 (results.py's ``mlp``);
  course, lenet, cifar, resnet20   bench_nn.py's models at batch 64 (the CIFAR CNN has BN);
  lstm            LSTM(64 -> 256), T=35, batch 64, Linear(256, 10) head (bench_rnn.py's model).
Inference rows (eval mode, no_grad, forward only): course CNN at batch 256 (course-infer), CIFAR
CNN at batch 64 (cifar-infer).

Each row builds its model in both libraries (numtorch loads PyTorch's initial weights), checks
that the two losses (or outputs) agree, then times blocks of steps, alternating PyTorch's block
and numtorch's (so that other load on the machine slows both alike); a block repeats the step
until it has run for ``--block-time`` seconds (at least once). The printed time is the median
over ``--blocks`` blocks of the mean step time; the ratio is numtorch / PyTorch (below 1.0:
numtorch is faster). Both libraries run with N threads (torch.set_num_threads and
threadpoolctl's limit on BLAS / OpenMP, via numtorch.set_num_threads).

Peak memory: a 50-step training run of the CIFAR CNN at batch 256 (SGD momentum, one fixed
random batch), once per library, each in its own fresh process that imports only that library;
the figure is the process's peak resident set size (VmHWM).

Freed memory is kept for reuse (numtorch.backends.cpu.reuse_freed_memory, as ``numtorch
train`` does) in every process, for both libraries, unless ``--default-malloc`` is given.
"""

import argparse
import os
import platform
import resource
import subprocess
import sys
import time

import numpy as np
from _timing import paired_loop_times  # benchmarks/_timing.py (run as a script)
from bench_nn import cifar_cnn, course_cnn, lenet5, resnet20  # benchmarks/bench_nn.py

# bench_rnn.py and results.py import numtorch: they are imported where used, so that the
# peak-memory process of PyTorch imports PyTorch only.
HERE = os.path.dirname(os.path.abspath(__file__))


def mlp_784(lib):
    from results import mlp  # benchmarks/results.py

    return mlp(lib, 1, 10, 28, hidden=(256, 256))  # Flatten, 784-256-256-10


# name: (label, builder, input shape, batch, mode, target ratio)
ROWS = {
    "mlp64": ("MLP 784-256-256-10", mlp_784, (1, 28, 28), 64, "train", 1.0),
    "mlp256": ("MLP 784-256-256-10", mlp_784, (1, 28, 28), 256, "train", 1.0),
    "course": ("course CNN", course_cnn, (1, 28, 28), 64, "train", 1.3),
    "lenet": ("LeNet-5", lenet5, (1, 28, 28), 64, "train", 1.3),
    "cifar": ("CIFAR CNN 64-512 + BN", cifar_cnn, (3, 32, 32), 64, "train", 1.3),
    "resnet20": ("CIFAR ResNet-20", resnet20, (3, 32, 32), 64, "train", 1.3),
    "lstm": ("LSTM 64->256, T=35", None, (35, 64), 64, "train", 1.3),
    "course-infer": ("course CNN inference", course_cnn, (1, 28, 28), 256, "infer", 1.2),
    "cifar-infer": ("CIFAR CNN inference", cifar_cnn, (3, 32, 32), 64, "infer", 1.2),
}


def _lstm(lib):
    from bench_rnn import Model  # benchmarks/bench_rnn.py

    return Model(lib, "LSTM", 64, 256)


def _modules(model):
    """The nn.Modules of a row's model (bench_rnn's Model is a pair of them)."""
    return [model.rnn, model.head] if hasattr(model, "rnn") else [model]


def build(lib, name):
    """The row's model, built in ``lib``."""
    builder = ROWS[name][1]
    return _lstm(lib) if builder is None else builder(lib)


def make_data(name):
    _, _, shape, batch, _, _ = ROWS[name]
    rng = np.random.default_rng(0)
    if name == "lstm":
        x = rng.standard_normal((shape[0], batch, shape[1])).astype(np.float32)  # (T, N, I)
    else:
        x = rng.standard_normal((batch,) + shape).astype(np.float32)  # (N, C, H, W)
    return x, rng.integers(0, 10, batch)


def make_step(lib, model, x, y, mode):
    """A closure running one training step (returns the loss) or one inference forward."""
    if mode == "infer":
        for m in _modules(model):
            m.eval()

        def infer():
            with lib.no_grad():
                return model(x)

        return infer
    opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = lib.nn.CrossEntropyLoss()

    def train():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return train


def build_pair(name, torch, numtorch):
    """PyTorch's and numtorch's step of one row, numtorch holding PyTorch's weights."""
    mode = ROWS[name][4]
    torch.manual_seed(0)
    t_model, n_model = build(torch, name), build(numtorch, name)
    for t_part, n_part in zip(_modules(t_model), _modules(n_model)):
        n_part.load_state_dict({k: numtorch.tensor(v.detach().numpy())
                                for k, v in t_part.state_dict().items()})
    x, y = make_data(name)
    t_step = make_step(torch, t_model, torch.tensor(x), torch.tensor(y), mode)
    n_step = make_step(numtorch, n_model, numtorch.tensor(x), numtorch.tensor(y), mode)
    return t_step, n_step


def check_agree(name, t_step, n_step):
    """The first step's losses (training) or outputs (inference) of the two libraries agree."""
    t_out, n_out = t_step().detach().numpy(), n_step().detach().numpy()
    diff = float(np.max(np.abs(t_out - n_out)))
    if diff > 1e-3 * max(1.0, float(np.max(np.abs(t_out)))):
        raise SystemExit(f"{name}: numtorch and PyTorch differ by {diff:.3g}")
    return diff


def _peak_rss_kb():
    """This process's peak resident set size in KB: VmHWM, since ``ru_maxrss`` also counts the
    parent's memory when the process was forked from it (Linux keeps the pre-exec peak)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def rss_child(lib_name, steps, threads, default_malloc):
    """Run in a fresh process: ``steps`` CIFAR-CNN training steps at batch 256 in one library;
    prints the peak resident set size in MB."""
    if not default_malloc:
        # numtorch/_allocator.py is plain ctypes: load the file alone, without numtorch.
        import importlib.util

        path = os.path.join(HERE, os.pardir, "numtorch", "_allocator.py")
        spec = importlib.util.spec_from_file_location("_allocator", path)
        allocator = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(allocator)
        allocator.reuse_freed_memory()
    if lib_name == "torch":
        import torch as lib

        lib.set_num_threads(threads)
        lib.manual_seed(0)
    else:
        import numtorch as lib

        lib.manual_seed(0)
    from threadpoolctl import threadpool_limits

    limiter = threadpool_limits(limits=threads)
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((256, 3, 32, 32)).astype(np.float32))
    y = lib.tensor(rng.integers(0, 10, 256))
    step = make_step(lib, cifar_cnn(lib), x, y, "train")
    if lib_name == "torch":
        assert "numtorch" not in sys.modules
    start = _peak_rss_kb()
    loss = None
    for _ in range(steps):
        loss = step()
    peak = _peak_rss_kb()
    print(f"{peak / 1024:.1f} {start / 1024:.1f} {float(loss.item()):.4f}")
    del limiter


def peak_rss(lib_name, args):
    """(peak MB, MB before the first step) of ``rss_child`` in a fresh process."""
    cmd = [sys.executable, os.path.join(HERE, "bench_targets.py"), "--rss-child", lib_name,
           "--rss-steps", str(args.rss_steps), "--threads", str(args.threads)]
    if args.default_malloc:
        cmd.append("--default-malloc")
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.split()
    return float(out[0]), float(out[1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="threads of each library")
    parser.add_argument("--blocks", type=int, default=7, help="timed blocks of each library")
    parser.add_argument("--block-time", type=float, default=0.3,
                        help="seconds a block runs for at least (whole steps)")
    parser.add_argument("--rows", nargs="*", default=list(ROWS), choices=list(ROWS),
                        help="rows to time (none: only the peak-memory runs)")
    parser.add_argument("--rss-steps", type=int, default=50)
    parser.add_argument("--no-rss", action="store_true", help="skip the peak-memory runs")
    parser.add_argument("--default-malloc", action="store_true",
                        help="leave glibc's allocator settings alone")
    parser.add_argument("--rss-child", choices=["numtorch", "torch"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rss_child:
        rss_child(args.rss_child, args.rss_steps, args.threads, args.default_malloc)
        return

    import torch

    import numtorch
    from numtorch.backends import cpu as numtorch_cpu

    if not args.default_malloc:
        numtorch_cpu.reuse_freed_memory()
    torch.set_num_threads(args.threads)
    numtorch.set_num_threads(args.threads)
    print(f"{platform.machine()} {platform.processor() or ''}, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.1f}; Python {platform.python_version()}, NumPy "
          f"{np.__version__}, PyTorch {torch.__version__}; {args.threads} thread(s), "
          f"median of {args.blocks} blocks of >= {args.block_time} s")
    # NumPy's BLAS kernels (OPENBLAS_CORETYPE can force older ones than the CPU supports);
    # PyTorch's CPU build uses MKL / oneDNN, which pick their own.
    from threadpoolctl import threadpool_info

    blas = [f"{d['internal_api']} {d.get('version') or ''} ({d.get('architecture') or '?'})"
            for d in threadpool_info() if d.get("user_api") == "blas"]
    print(f"NumPy's BLAS: {', '.join(blas) or 'unknown'}; OPENBLAS_CORETYPE="
          f"{os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
    print(f"{'row':<36}{'batch':>6}{'PyTorch ms':>12}{'numtorch ms':>13}{'ratio':>7}"
          f"{'target':>8}")
    t_start = time.perf_counter()
    for name in args.rows:
        label, _, _, batch, mode, target = ROWS[name]
        t_step, n_step = build_pair(name, torch, numtorch)
        check_agree(name, t_step, n_step)
        n, t = paired_loop_times(n_step, t_step, args.blocks, args.block_time * args.blocks)
        tag = "training step" if mode == "train" else ""
        print(f"{label + (', ' + tag if tag else ''):<36}{batch:>6}{t * 1e3:>12.2f}"
              f"{n * 1e3:>13.2f}{n / t:>7.2f}{'<= ' + str(target):>8}", flush=True)
        del t_step, n_step
    if not args.no_rss:
        t_peak, t_base = peak_rss("torch", args)
        n_peak, n_base = peak_rss("numtorch", args)
        print(f"peak RSS, {args.rss_steps}-step CIFAR CNN b256 run (MB; before the first step):"
              f" PyTorch {t_peak:.0f} ({t_base:.0f}), numtorch {n_peak:.0f} ({n_base:.0f}),"
              f" ratio {n_peak / t_peak:.2f}", flush=True)
    print(f"total {time.perf_counter() - t_start:.0f} s")


if __name__ == "__main__":
    main()
