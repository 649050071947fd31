"""``numtorch train --nproc N``: the parts of data-parallel training that the training loop
calls. The command relaunches itself as N processes through the MPI launcher
(``numtorch.distributed.run``); each process joins the process group, trains its share of every
batch under DistributedDataParallel, and only rank 0 logs and writes the run folder."""

import dataclasses
import os

import numtorch
from numtorch.cli.config import ConfigError
from numtorch.cli.data import make_loader

__all__ = ["SilentLogger", "inside_launcher", "launched_world_size", "launch_processes",
           "join_process_group", "sum_over_ranks", "evaluate_sharded"]


class SilentLogger:
    """The log of ranks other than 0: nothing."""

    bars = False

    @staticmethod
    def progress(iterable, total, desc):
        return iterable

    @staticmethod
    def line(text):
        pass


def inside_launcher():
    """Whether this process was started by an MPI launcher (then it is one of the ranks)."""
    return any(v in os.environ for v in ("NUMTORCH_LAUNCHED_NPROC", "PMI_RANK",
                                         "OMPI_COMM_WORLD_RANK", "PMIX_RANK"))


def launched_world_size():
    """The number of processes an MPI launcher started this one with (1 outside a launcher)."""
    for var in ("WORLD_SIZE", "PMI_SIZE", "OMPI_COMM_WORLD_SIZE"):
        value = os.environ.get(var, "")
        if value.isdigit() and inside_launcher():
            return int(value)
    return 1


def launch_processes(cfg, given):
    """Run this training (``cfg``, whose ``out`` folder is already chosen) as ``cfg.nproc``
    processes through the MPI launcher and wait; returns the run folder."""
    from numtorch.distributed.run import launch

    if cfg.resume:  # the processes read the rest from the run folder
        names = sorted(given) if given else []
        args = ["train", "--resume", cfg.resume]
    else:
        names = [f.name for f in dataclasses.fields(cfg)]
        args = ["train"]
    for name in names:
        if name in ("resume", "config"):
            continue
        value = getattr(cfg, name)
        args += ["--" + name.replace("_", "-"),
                 ("true" if value else "false") if isinstance(value, bool) else str(value)]
    code = launch(cfg.nproc, cfg.hostfile or None, ["-m", "numtorch"], args,
                  prog="numtorch train")
    if code != 0:
        raise SystemExit(code)
    return cfg.out


def join_process_group(cfg):
    """Join the default process group; (rank, world size)."""
    from numtorch import distributed as dist

    try:
        dist.init_process_group("gloo")
    except ImportError as exc:
        raise ConfigError(str(exc)) from None
    nproc = dist.get_world_size()
    if nproc != cfg.nproc:
        raise ConfigError(f"--nproc {cfg.nproc} but the MPI launcher started {nproc} processes")
    return dist.get_rank(), nproc


def sum_over_ranks(*values):
    """The sums over all ranks of a few numbers (float64)."""
    from numtorch import distributed as dist

    t = numtorch.tensor([float(v) for v in values], dtype=numtorch.float64)
    dist.all_reduce(t)
    return t.tolist()


def evaluate_sharded(model, bundle, criterion, rank, nproc):
    """Mean loss and accuracy over the validation split, each rank evaluating every nproc-th
    sample with rank 0's batch-norm statistics; the same numbers on every rank."""
    from numtorch import distributed as dist

    for buf in model.buffers():
        dist.broadcast(buf, src=0)
    shard = dataclasses.replace(bundle, x_val=bundle.x_val[rank::nproc],
                                y_val=bundle.y_val[rank::nproc])
    model.eval()
    loss_sum = correct = 0.0
    with numtorch.no_grad():
        for xb, yb in make_loader(shard, "val", 256):
            out = model(xb)
            loss_sum += criterion(out, yb).item() * len(yb)
            correct += int((out.argmax(1) == yb).sum().item())
    loss_sum, correct, total = sum_over_ranks(loss_sum, correct, len(shard.y_val))
    if total == 0:
        return None, None
    return loss_sum / total, correct / total
