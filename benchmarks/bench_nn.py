"""CNN training-step benchmark: numtorch against PyTorch, side by side, in one run.

    python benchmarks/bench_nn.py [--threads N] [--batch 64 256] [--repeat R] [--models ...]

One training step = zero_grad, forward, cross-entropy loss, backward (``--inference``: one
eval-mode forward pass under no_grad), for these models:
  course  Conv(1,32,3,p=1)-ReLU-MaxPool2-Conv(32,64,3,p=1)-ReLU-MaxPool2-Flatten-
          Linear(3136,128)-ReLU-Linear(128,10) on 1x28x28;
  lenet   LeNet-5 with tanh and average pooling on 1x28x28;
  cifar   four 3x3 conv blocks 3-64-128-256-512, each Conv-BatchNorm2d-ReLU-MaxPool2, global
          average pooling, Linear(512,10) on 3x32x32;
  resnet20  He et al.'s CIFAR ResNet-20 (16/32/64 channels, BatchNorm) on 3x32x32, as in
          results.py.
The same model code builds both libraries (``lib.nn``), numtorch gets PyTorch's initial weights
through ``load_state_dict``, and both run with N BLAS / intra-op threads (default 1). Prints the
median step time of each and the ratio numtorch / PyTorch (below 1.0: numtorch is faster).
"""

import argparse
import platform

import numpy as np
from _timing import paired_median_times  # benchmarks/_timing.py (run as a script)

# numtorch (and results.py, which imports it) is imported where it is used, so that a process
# measuring PyTorch alone (bench_targets.py's peak-memory run) can build these models without it.


def course_cnn(lib):
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # (N, 32, 14, 14)
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # (N, 64, 7, 7)
        nn.Flatten(),  # (N, 3136)
        nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))


def lenet5(lib):
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.Tanh(), nn.AvgPool2d(2),  # (N, 6, 14, 14)
        nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2),  # (N, 16, 5, 5)
        nn.Flatten(),  # (N, 400)
        nn.Linear(400, 120), nn.Tanh(), nn.Linear(120, 84), nn.Tanh(), nn.Linear(84, 10))


def cifar_cnn(lib):
    nn = lib.nn
    layers = []
    for c_in, c_out in [(3, 64), (64, 128), (128, 256), (256, 512)]:
        layers += [nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU(),
                   nn.MaxPool2d(2)]  # spatial 32 -> 16 -> 8 -> 4 -> 2
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, 10)]  # (N, 512) -> (N, 10)
    return nn.Sequential(*layers)


def resnet20(lib):
    from results import cifar_resnet20  # benchmarks/results.py

    return cifar_resnet20(lib, 3, 10, 32)


MODELS = {"course": (course_cnn, (1, 28, 28)), "lenet": (lenet5, (1, 28, 28)),
          "cifar": (cifar_cnn, (3, 32, 32)), "resnet20": (resnet20, (3, 32, 32))}


def make_step(lib, model, x, y, inference=False):
    if inference:
        model.eval()

        def forward():
            with lib.no_grad():
                return model(x)

        return forward
    loss_fn = lib.nn.CrossEntropyLoss()

    def step():
        model.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        return loss

    return step


def build_pair(name, batch, torch, inference=False):
    """The same model and batch in both libraries, numtorch holding PyTorch's weights."""
    import numtorch

    build, shape = MODELS[name]
    torch.manual_seed(0)
    t_model = build(torch)
    n_model = build(numtorch)
    n_model.load_state_dict({k: numtorch.tensor(v.detach().numpy())
                             for k, v in t_model.state_dict().items()})
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch,) + shape).astype(np.float32)
    y = rng.integers(0, 10, batch)
    t_step = make_step(torch, t_model, torch.tensor(x), torch.tensor(y), inference)
    n_step = make_step(numtorch, n_model, numtorch.tensor(x), numtorch.tensor(y), inference)
    return t_step, n_step


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="BLAS / intra-op threads")
    parser.add_argument("--batch", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--repeat", type=int, default=7, help="timed steps of each library")
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--profile", metavar="MODEL",
                        help="instead of timing, profile numtorch's step of MODEL (cProfile)")
    parser.add_argument("--default-malloc", action="store_true",
                        help="leave glibc's allocator settings alone (by default freed memory "
                             "is kept for reuse, for both libraries: this process's setting)")
    parser.add_argument("--inference", action="store_true",
                        help="time eval-mode forward passes under no_grad instead of steps")
    args = parser.parse_args(argv)
    import numtorch

    if not args.default_malloc:
        from numtorch.backends import cpu as _cpu

        _cpu.reuse_freed_memory()

    import torch

    torch.set_num_threads(args.threads)
    numtorch.set_num_threads(args.threads)
    if args.profile:
        import cProfile
        import pstats

        _, n_step = build_pair(args.profile, args.batch[0], torch, args.inference)
        n_step()
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(args.repeat):
            n_step()
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(25)
        return

    print(f"machine: {platform.machine()} {platform.processor() or ''}, python "
          f"{platform.python_version()}, numpy {np.__version__}, torch {torch.__version__}, "
          f"threads {args.threads}, repeat {args.repeat}")
    print(f"{'model':<8} {'batch':>5} {'torch ms':>10} {'numtorch ms':>12} {'ratio':>7}")
    for name in args.models:
        for batch in args.batch:
            t_step, n_step = build_pair(name, batch, torch, args.inference)
            t_out, n_out = t_step(), n_step()
            if args.inference:
                if not np.allclose(t_out.numpy(), n_out.numpy(), rtol=1e-3, atol=1e-3):
                    raise SystemExit(f"{name}: outputs differ")
            else:
                lt, ln = t_out.item(), n_out.item()
                if abs(lt - ln) > 1e-3 * max(1.0, abs(lt)):
                    raise SystemExit(f"{name}: losses differ (torch {lt:.6f}, numtorch {ln:.6f})")
            t, n = paired_median_times(t_step, n_step, args.repeat)
            print(f"{name:<8} {batch:>5} {t * 1e3:>10.2f} {n * 1e3:>12.2f} {n / t:>7.2f}")


if __name__ == "__main__":
    main()
