"""One ``Adam.step()`` (and one SGD-with-momentum step) over the parameters of the CIFAR-10 CNN,
numtorch's per-parameter loop and its ``foreach=True`` path vs PyTorch's foreach
implementation, side by side in one run.

    python benchmarks/bench_optim.py [--threads 1] [--repeats 30]

The CNN is Conv 3-64-128-256-512 (3x3, with BatchNorm) and Linear(512, 10): 1.57 M parameters
in 18 tensors. Gradients are random and fixed; only ``step()`` is timed.
"""

import argparse

import numpy as np
from _timing import median_time, paired_loop_times  # benchmarks/_timing.py (a script)

SHAPES = []
for cin, cout in ((3, 64), (64, 128), (128, 256), (256, 512)):
    SHAPES += [(cout, cin, 3, 3), (cout,), (cout,), (cout,)]  # conv weight, bias, bn weight/bias
SHAPES += [(10, 512), (10,)]


def make(lib, rng_seed=0):
    rng = np.random.default_rng(rng_seed)
    params = []
    for s in SHAPES:
        p = lib.tensor(rng.standard_normal(s).astype(np.float32) * 0.05, requires_grad=True)
        p.grad = lib.tensor(rng.standard_normal(s).astype(np.float32) * 0.01)
        params.append(p)
    return params


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args(argv)

    import numtorch

    numtorch.set_num_threads(args.threads)
    n = sum(int(np.prod(s)) for s in SHAPES)
    print(f"Adam.step() over {len(SHAPES)} tensors, {n / 1e6:.2f} M parameters, "
          f"{args.threads} thread(s)")
    # numtorch's loop and flat path alternate (paired), so that machine load hits both alike.
    nt, nt_flat = paired_loop_times(
        numtorch.optim.Adam(make(numtorch), lr=1e-3, foreach=False).step,
        numtorch.optim.Adam(make(numtorch), lr=1e-3, foreach=True).step, args.repeats, 1.0)
    nt_sgd, nt_sgd_flat = paired_loop_times(
        numtorch.optim.SGD(make(numtorch), lr=1e-3, momentum=0.9, foreach=False).step,
        numtorch.optim.SGD(make(numtorch), lr=1e-3, momentum=0.9, foreach=True).step,
        args.repeats, 1.0)
    try:
        import torch
    except ImportError:
        print(f"numtorch {nt * 1e3:8.2f} ms   (PyTorch not installed: no ratio)")
        return
    torch.set_num_threads(args.threads)
    th_params = make(torch)
    th_opt = torch.optim.Adam(th_params, lr=1e-3, foreach=True)
    th = median_time(th_opt.step, args.repeats)
    th_sgd = median_time(torch.optim.SGD(make(torch), lr=1e-3, momentum=0.9, foreach=True).step,
                         args.repeats)
    print(f"{'workload (PyTorch: foreach)':<36}{'numtorch ms':>12}{'PyTorch ms':>12}{'ratio':>8}")
    for name, n, t in (("Adam step, per-parameter loop", nt, th),
                       ("Adam step, foreach=True", nt_flat, th),
                       ("SGD momentum step, loop", nt_sgd, th_sgd),
                       ("SGD momentum step, foreach=True", nt_sgd_flat, th_sgd)):
        print(f"{name:<36}{n * 1e3:>12.2f}{t * 1e3:>12.2f}{n / t:>8.2f}")


if __name__ == "__main__":
    main()
