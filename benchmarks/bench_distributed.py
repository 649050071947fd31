"""Data-parallel training benchmark: CIFAR ResNet-20 epoch time on 1 and on 2 processes.

    python benchmarks/bench_distributed.py [--data /work/shared/data/cifar10] [--nproc 1 2]
                                           [--batch 128] [--steps S]

One epoch = every image of ``<data>/train`` (a CIFAR-10 image folder) once, in global batches
of ``--batch`` (SGD, momentum 0.9), on 1 process (the plain model) and on N processes
(DistributedDataParallel, each process ``batch / N`` images per step, launched with
``python -m numtorch.distributed.run``). Every process uses 1 BLAS thread. ``--steps`` caps the
epoch at S steps (the epoch time is then extrapolated, and the output says so).

Printed per process count: the epoch time, the speedup over 1 process, and the communication
share: the time inside DistributedDataParallel's communication (copying gradients into
buckets, starting the all-reduces, waiting for them at the end of backward, broadcasting the
batch-norm buffers) over the epoch time. Waiting includes waiting for the slower rank.
"""

import argparse
import json
import os
import struct
import subprocess
import sys
import time
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


# ---------------------------------------------------------------------- data
def _png_chunks(data):
    pos, header, idat = 8, None, []
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + n
    return header, zlib.decompress(b"".join(idat))


def _read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def read_pngs(paths):
    """8-bit RGB PNGs of one size as a (N, 3, H, W) uint8 array; the five PNG row filters are
    undone pixel by pixel for all images at once (no Pillow needed)."""
    headers, raws = zip(*(_png_chunks(_read_bytes(p)) for p in paths))
    w, h, depth, colour, _, _, interlace = headers[0]
    if any(hd != headers[0] for hd in headers) or (depth, colour, interlace) != (8, 2, 0):
        raise ValueError("read_pngs reads non-interlaced 8-bit RGB PNGs of one size only")
    rows = np.frombuffer(b"".join(raws), np.uint8).reshape(len(paths), h, 1 + 3 * w)
    kinds, filt = rows[:, :, 0], rows[:, :, 1:].reshape(len(paths), h, w, 3).astype(np.int32)
    out = np.zeros((len(paths), h, w, 3), np.int32)
    zero = np.zeros((len(paths), 3), np.int32)
    for y in range(h):
        kind = kinds[:, y][:, None]
        for x in range(w):
            a = out[:, y, x - 1] if x else zero
            b = out[:, y - 1, x] if y else zero
            c = out[:, y - 1, x - 1] if x and y else zero
            p = a + b - c
            pa, pb, pc = np.abs(p - a), np.abs(p - b), np.abs(p - c)
            paeth = np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))
            pred = np.select([kind == 1, kind == 2, kind == 3, kind == 4],
                             [a, b, (a + b) // 2, paeth], 0)
            out[:, y, x] = (filt[:, y, x] + pred) & 255
    return out.astype(np.uint8).transpose(0, 3, 1, 2)  # (N, 3, H, W)


def load_train(folder, indices):
    classes = sorted(os.listdir(folder))
    samples = [(os.path.join(folder, c, f), k) for k, c in enumerate(classes)
               for f in sorted(os.listdir(os.path.join(folder, c)))]
    chosen = [samples[i] for i in indices]
    x = read_pngs([p for p, _ in chosen]).astype(np.float32) / 255.0
    mean = np.array([0.4914, 0.4822, 0.4465], np.float32).reshape(1, 3, 1, 1)
    std = np.array([0.2470, 0.2435, 0.2616], np.float32).reshape(1, 3, 1, 1)
    return (x - mean) / std, np.array([k for _, k in chosen], np.int64), len(samples)


# ---------------------------------------------------------------------- one process
def worker(args):
    sys.path.insert(0, HERE)
    from results import cifar_resnet20  # benchmarks/results.py

    import numtorch
    import numtorch.distributed as dist
    from numtorch.nn.parallel import DistributedDataParallel
    from numtorch.utils.data import DistributedSampler

    dist.init_process_group("gloo")
    rank, n = dist.get_rank(), dist.get_world_size()
    numtorch.set_num_threads(1)
    numtorch.backends.cpu.reuse_freed_memory()
    folder = os.path.join(args.data, "train")
    total = sum(len(os.listdir(os.path.join(folder, c))) for c in os.listdir(folder))
    steps = total // args.batch
    if args.steps:
        steps = min(steps, args.steps)
    sampler = DistributedSampler(range(total), n, rank, shuffle=True, seed=0)
    mine = list(sampler)[:steps * (args.batch // n)]
    x, y, _ = load_train(folder, mine)
    per = args.batch // n

    numtorch.manual_seed(0)
    model = cifar_resnet20(numtorch, 3, 10, 32)
    comm = [0.0]
    if n > 1:
        class TimedDDP(DistributedDataParallel):
            def _launch(self, bucket):
                t0 = time.perf_counter()
                super()._launch(bucket)
                comm[0] += time.perf_counter() - t0

            def _finalize(self):
                t0 = time.perf_counter()
                super()._finalize()
                comm[0] += time.perf_counter() - t0

            def _broadcast_coalesced(self, tensors):
                t0 = time.perf_counter()
                super()._broadcast_coalesced(tensors)
                comm[0] += time.perf_counter() - t0

        net = TimedDDP(model)
    else:
        net = model
    opt = numtorch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = numtorch.nn.CrossEntropyLoss()

    def step(i):
        xb = numtorch.from_numpy(x[i * per:(i + 1) * per])
        yb = numtorch.from_numpy(y[i * per:(i + 1) * per])
        opt.zero_grad()
        loss_fn(net(xb), yb).backward()
        opt.step()

    for i in range(2):  # warm-up (allocator, first-call costs), not timed
        step(i)
    comm[0] = 0.0
    dist.barrier()
    t0 = time.perf_counter()
    for i in range(steps):
        step(i)
    dist.barrier()
    seconds = time.perf_counter() - t0
    grads = sum(p.numel() for p in model.parameters())
    # the all-reduce of every gradient alone, for scale
    flat = numtorch.zeros(grads)
    t1 = time.perf_counter()
    for _ in range(10):
        dist.all_reduce(flat)
    allreduce = (time.perf_counter() - t1) / 10
    mine = {"nproc": n, "rank": rank, "seconds": seconds, "comm": comm[0], "steps": steps,
            "epoch_steps": total // args.batch, "images": total, "allreduce": allreduce,
            "params": grads}
    everyone = [None] * n  # rank 0 prints for all (two processes' lines can interleave)
    dist.all_gather_object(everyone, mine)
    if rank == 0:
        print("RESULT " + json.dumps(everyone), flush=True)
    dist.destroy_process_group()


# ---------------------------------------------------------------------- the comparison
def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="/work/shared/data/cifar10")
    parser.add_argument("--nproc", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--steps", type=int, default=0, help="cap the epoch at S steps")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    rows = {}
    for n in args.nproc:
        cmd = [sys.executable, "-m", "numtorch.distributed.run", "--nproc", str(n), __file__,
               "--worker", "--data", args.data, "--batch", str(args.batch), "--steps",
               str(args.steps)]
        res = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
        if res.returncode != 0:
            print(res.stdout, res.stderr, file=sys.stderr)
            return res.returncode
        rows[n] = [json.loads(line[7:]) for line in res.stdout.splitlines()
                   if line.startswith("RESULT ")][0]
    base = None
    print(f"CIFAR ResNet-20, global batch {args.batch}, 1 BLAS thread per process, "
          f"{os.cpu_count()} cores")
    print(f"{'processes':>9} {'steps':>6} {'epoch (s)':>10} {'speedup':>8} {'comm share':>11}"
          f" {'all-reduce alone (ms)':>22}")
    for n, results in rows.items():
        r0 = results[0]
        seconds = max(r["seconds"] for r in results)
        epoch = seconds * r0["epoch_steps"] / r0["steps"]
        base = epoch if base is None and n == 1 else base
        speedup = f"{base / epoch:.2f}x" if base else "-"
        share = np.mean([r["comm"] / r["seconds"] for r in results]) if n > 1 else 0.0
        note = "" if r0["steps"] == r0["epoch_steps"] else \
            f"  (extrapolated from {r0['steps']} of {r0['epoch_steps']} steps)"
        print(f"{n:>9} {r0['steps']:>6} {epoch:>10.1f} {speedup:>8} {share:>10.1%} "
              f"{r0['allreduce'] * 1e3:>22.2f}{note}")
    print(f"epoch = {rows[args.nproc[0]][0]['images']} images of {args.data}/train; "
          f"{rows[args.nproc[0]][0]['params']:,} parameters")
    return 0


if __name__ == "__main__":
    sys.exit(main())
