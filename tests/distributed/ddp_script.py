"""Run by test_ddp.py on 2 processes: DDP against single-process SGD on the union batches."""

import sys

import numpy as np

import numtorch
import numtorch.distributed as dist
from numtorch import nn
from numtorch.nn.parallel import DistributedDataParallel as DDP

MESSAGES = []


def report(message):
    """Collected, and printed by rank 0 at the end (two processes printing at once can
    interleave their lines)."""
    MESSAGES.append(message)


def print_reports():
    everyone = [None] * dist.get_world_size()
    dist.all_gather_object(everyone, MESSAGES)
    if dist.get_rank() == 0:
        print("\n".join(m for messages in everyone for m in messages), flush=True)


def make_model(seed):
    numtorch.manual_seed(seed)
    return nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(),
                         nn.Linear(16, 3))


class TwoHeads(nn.Module):
    """Head ``b`` is used on rank 1 only; ``never`` on no rank."""

    def __init__(self):
        super().__init__()
        self.body = nn.Linear(6, 16)
        self.a = nn.Linear(16, 3)
        self.b = nn.Linear(16, 3)
        self.never = nn.Linear(3, 3)

    def forward(self, x, use_b):
        h = self.body(x).tanh()
        out = self.a(h)
        return out + self.b(h) if use_b else out


class Reordered(nn.Module):
    """Registers its last layer first: backward's order is not the reverse of parameters()."""

    def __init__(self):
        super().__init__()
        self.last = nn.Linear(16, 3)
        self.first = nn.Linear(6, 16)

    def forward(self, x):
        return self.last(self.first(x).tanh())


def check_rebuild(xs, ys, per_rank, loss_fn):
    rank = dist.get_rank()
    ddp = DDP(Reordered(), bucket_cap_mb=1e-6)  # one parameter per bucket
    opt = numtorch.optim.SGD(ddp.parameters(), lr=0.1)
    names = [n for n, _ in ddp.module.named_parameters()]
    first_bucket = []
    for s in range(3):
        first_bucket.append(names[ddp._buckets[0].indices[0]])
        x = numtorch.from_numpy(xs[s][rank * per_rank:(rank + 1) * per_rank])
        y = numtorch.from_numpy(ys[s][rank * per_rank:(rank + 1) * per_rank])
        opt.zero_grad()
        loss_fn(ddp(x), y).backward()
        opt.step()
    # before: reverse registration order (first.bias); rebuilt at the second forward: the
    # parameter whose gradient was ready first (one of the last layer's)
    assert first_bucket[:2] == ["first.bias"] * 2 and first_bucket[2].startswith("last."), \
        first_bucket
    check_equal_across_ranks(ddp.module, "rebuild")
    report(f"rank {rank}: rebuild: buckets follow the gradients' order")


def check_buffers(xs, per_rank):
    """broadcast_buffers: each training forward starts from rank 0's batch-norm statistics."""
    rank = dist.get_rank()
    numtorch.manual_seed(3)
    model = nn.Sequential(nn.Linear(6, 4), nn.BatchNorm1d(4))
    ddp = DDP(model)
    bn = model[1]
    if rank == 1:
        bn.running_mean.fill_(100.0)  # replaced by rank 0's at the next forward
    before = [None] * dist.get_world_size()
    dist.all_gather_object(before, bn.running_mean.numpy().copy())
    x = numtorch.from_numpy(xs[0][rank * per_rank:(rank + 1) * per_rank])
    ddp(x)
    with numtorch.no_grad():
        batch_mean = model[0](x).mean(0).numpy()
    expected = (1 - bn.momentum) * before[0] + bn.momentum * batch_mean
    np.testing.assert_allclose(bn.running_mean.numpy(), expected, rtol=1e-5, atol=1e-6)
    assert int(bn.num_batches_tracked.item()) == 1
    report(f"rank {rank}: buffers: broadcast from rank 0 before the forward")


def weights(model):
    return [p.detach().numpy().copy() for p in model.parameters()]


def check_equal_across_ranks(model, what):
    everyone = [None] * dist.get_world_size()
    dist.all_gather_object(everyone, weights(model))
    for w in everyone[1:]:
        for a, b in zip(everyone[0], w):
            assert a.dtype == b.dtype and np.array_equal(a, b), f"{what}: ranks differ"
    report(f"rank {dist.get_rank()}: {what}: bitwise equal across ranks")


def check_unused(mode, xs, ys, per_rank, loss_fn):
    rank, world = dist.get_rank(), dist.get_world_size()
    numtorch.manual_seed(7)
    model = TwoHeads()
    numtorch.manual_seed(7)
    ref = TwoHeads()
    ddp = DDP(model, find_unused_parameters=(mode == "unused"))
    opt = numtorch.optim.SGD(ddp.parameters(), lr=0.1)
    ref_opt = numtorch.optim.SGD(ref.parameters(), lr=0.1)
    x, y = numtorch.from_numpy(xs[0]), numtorch.from_numpy(ys[0])
    mine = slice(rank * per_rank, (rank + 1) * per_rank)
    for _ in range(2):
        opt.zero_grad()
        loss_fn(ddp(x[mine], use_b=(rank == 1)), y[mine]).backward()
        if mode == "unused_error":
            try:
                ddp(x[mine], use_b=(rank == 1))
            except RuntimeError as exc:
                assert "find_unused_parameters=True" in str(exc) and "never.weight" in str(exc)
                report(f"rank {rank}: unused_error: raised")
                return
            raise AssertionError("the unfinished reduction was not detected")
        assert model.never.weight.grad is None and model.b.weight.grad is not None
        opt.step()
        ref_opt.zero_grad()
        losses = [loss_fn(ref(x[r * per_rank:(r + 1) * per_rank], use_b=(r == 1)),
                          y[r * per_rank:(r + 1) * per_rank]) for r in range(world)]
        (sum(losses) / world).backward()
        ref_opt.step()
    check_equal_across_ranks(model, mode)
    for a, b in zip(weights(model), weights(ref)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    report(f"rank {rank}: {mode}: equal to single-process SGD on the union")


def main():
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    steps, per_rank = 4, 5
    gen = np.random.default_rng(0)  # the same global data on every rank
    xs = gen.standard_normal((steps, world * per_rank, 6)).astype(np.float32)
    ys = gen.integers(0, 3, (steps, world * per_rank))
    mine = slice(rank * per_rank, (rank + 1) * per_rank)
    loss_fn = nn.CrossEntropyLoss()

    for mode in sys.argv[1:]:
        if mode == "buffers":
            check_buffers(xs, per_rank)
            continue
        if mode == "rebuild":
            check_rebuild(xs, ys, per_rank, loss_fn)
            continue
        if mode in ("unused", "unused_error"):
            check_unused(mode, xs, ys, per_rank, loss_fn)
            continue
        kwargs = {"bucket_cap_mb": 0.0005}  # several buckets
        if mode == "view":
            kwargs["gradient_as_bucket_view"] = True
        ddp = DDP(make_model(100 + rank), **kwargs)  # different inits: DDP broadcasts rank 0's
        assert len(ddp._get_bucket_sizes()) > 1
        ref = make_model(100)
        opt = numtorch.optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
        ref_opt = numtorch.optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)
        for s in range(steps):
            x, y = numtorch.from_numpy(xs[s]), numtorch.from_numpy(ys[s])
            opt.zero_grad()
            if mode == "no_sync":  # two local micro-batches, one synchronized at the end
                half = per_rank // 2
                with ddp.no_sync():
                    (loss_fn(ddp(x[mine][:half]), y[mine][:half]) * half / per_rank).backward()
                part = slice(rank * per_rank + half, (rank + 1) * per_rank)
                (loss_fn(ddp(x[part]), y[part]) * (per_rank - half) / per_rank).backward()
            else:
                loss_fn(ddp(x[mine]), y[mine]).backward()
            opt.step()
            ref_opt.zero_grad()
            loss_fn(ref(x), y).backward()  # the union of the ranks' batches
            ref_opt.step()
        check_equal_across_ranks(ddp.module, mode)
        for a, b in zip(weights(ddp.module), weights(ref)):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
        report(f"rank {rank}: {mode}: equal to single-process SGD on the union")
        assert all(k.startswith("module.") for k in ddp.state_dict())
    print_reports()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
