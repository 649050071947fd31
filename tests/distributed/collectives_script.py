"""Run by test_collectives.py on 2 processes: every collective, checked against NumPy."""

import datetime

import numpy as np

import numtorch
import numtorch.distributed as dist
from numtorch.distributed import ReduceOp


def data(r, dtype=np.float32):
    """Rank r's tensor: different on every rank, exact in float32."""
    return (np.arange(6).reshape(2, 3) + 1 + 10 * r).astype(dtype)


def expect(out, want, what):
    got = out.numpy() if hasattr(out, "numpy") else np.asarray(out)
    assert got.dtype == np.asarray(want).dtype, (what, got.dtype, np.asarray(want).dtype)
    assert np.array_equal(got, want), f"{what}: {got} != {want}"


def raises(kind, needle, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except kind as exc:
        assert needle in str(exc), f"{needle!r} not in {exc!r}"
        return
    raise AssertionError(f"{fn.__name__} did not raise {kind.__name__}")


def main():
    raises(ValueError, "not been initialized", dist.all_reduce, numtorch.ones(2))
    raises(RuntimeError, "nccl", dist.init_process_group, "nccl")
    dist.init_process_group("mpi", timeout=datetime.timedelta(seconds=60))
    raises(ValueError, "twice", dist.init_process_group, "gloo")
    r, n = dist.get_rank(), dist.get_world_size()
    assert dist.is_initialized() and dist.get_backend() == "mpi" and n == 2
    all_data = np.stack([data(k) for k in range(n)])

    # all_reduce with every op, sync and async, float and int
    ops = {ReduceOp.SUM: all_data.sum(0), ReduceOp.AVG: all_data.mean(0),
           ReduceOp.PRODUCT: all_data.prod(0), ReduceOp.MIN: all_data.min(0),
           ReduceOp.MAX: all_data.max(0)}
    for op, want in ops.items():
        t = numtorch.from_numpy(data(r))
        dist.all_reduce(t, op=op)
        expect(t, want.astype(np.float32), f"all_reduce {op!r}")
        t = numtorch.from_numpy(data(r))
        work = dist.all_reduce(t, op=op, async_op=True)
        work.wait()
        assert work.is_completed()
        expect(t, want.astype(np.float32), f"async all_reduce {op!r}")
    for op in (ReduceOp.SUM, ReduceOp.MAX, ReduceOp.BAND, ReduceOp.BOR, ReduceOp.BXOR):
        t = numtorch.from_numpy(data(r, np.int64))
        dist.all_reduce(t, op=op)
        ints = all_data.astype(np.int64)
        want = {ReduceOp.SUM: ints.sum(0), ReduceOp.MAX: ints.max(0),
                ReduceOp.BAND: ints[0] & ints[1], ReduceOp.BOR: ints[0] | ints[1],
                ReduceOp.BXOR: ints[0] ^ ints[1]}[op]
        expect(t, want, f"int64 all_reduce {op!r}")
    t = numtorch.tensor([True, r == 0, False])
    dist.all_reduce(t)  # SUM on bool: logical or
    expect(t, np.array([True, True, False]), "bool all_reduce")
    t = numtorch.from_numpy(data(r, np.float16))
    dist.all_reduce(t)
    expect(t, all_data.sum(0).astype(np.float16), "float16 all_reduce")
    view = numtorch.from_numpy(data(r)).t()  # a non-contiguous view is reduced in place
    dist.all_reduce(view)
    expect(view, all_data.sum(0).T.astype(np.float32), "strided all_reduce")
    raises(RuntimeError, "AVG needs a floating-point", dist.all_reduce,
           numtorch.ones(2, dtype=numtorch.int64), op=ReduceOp.AVG)

    # reduce, broadcast
    for dst in range(n):
        t = numtorch.from_numpy(data(r))
        work = dist.reduce(t, dst=dst, op=ReduceOp.SUM, async_op=True)
        work.wait()
        expect(t, all_data.sum(0) if r == dst else data(r), f"reduce to {dst}")
        t = numtorch.from_numpy(data(r))
        dist.broadcast(t, src=dst)
        expect(t, data(dst), f"broadcast from {dst}")

    # gathers and scatters
    out = [numtorch.zeros(2, 3) for _ in range(n)]
    dist.all_gather(out, numtorch.from_numpy(data(r)))
    for k in range(n):
        expect(out[k], data(k), "all_gather")
    for shape in ((n * 2, 3), (n, 2, 3)):
        big = numtorch.zeros(*shape)
        dist.all_gather_into_tensor(big, numtorch.from_numpy(data(r)), async_op=True).wait()
        expect(big, all_data.reshape(shape), f"all_gather_into_tensor {shape}")
    gathered = [numtorch.zeros(2, 3) for _ in range(n)] if r == 1 else None
    dist.gather(numtorch.from_numpy(data(r)), gathered, dst=1)
    if r == 1:
        for k in range(n):
            expect(gathered[k], data(k), "gather")
    t = numtorch.zeros(2, 3)
    dist.scatter(t, [numtorch.from_numpy(data(k) * 2) for k in range(n)] if r == 0 else None,
                 src=0)
    expect(t, data(r) * 2, "scatter")
    for op, fold in ((ReduceOp.SUM, np.sum), (ReduceOp.MAX, np.max), (ReduceOp.AVG, np.mean)):
        # rank k sends data(k) + 100 * i to rank i
        t = numtorch.zeros(2, 3)
        dist.reduce_scatter(t, [numtorch.from_numpy(data(r) + 100 * i) for i in range(n)], op=op)
        want = fold(np.stack([data(k) + 100 * r for k in range(n)]), axis=0).astype(np.float32)
        expect(t, want, f"reduce_scatter {op!r}")
        t = numtorch.zeros(2, 3)
        dist.reduce_scatter_tensor(
            t, numtorch.from_numpy(np.concatenate([data(r) + 100 * i for i in range(n)])), op=op)
        expect(t, want, f"reduce_scatter_tensor {op!r}")
    dist.barrier()
    dist.barrier(async_op=True).wait()
    dist.monitored_barrier(timeout=datetime.timedelta(seconds=30))

    # all to all: rank k sends 10 * k + j to rank j
    out = numtorch.zeros(n * 2)
    src = numtorch.tensor([10.0 * r + j for j in range(n) for _ in range(2)])
    dist.all_to_all_single(out, src)
    expect(out, np.repeat([10.0 * k + r for k in range(n)], 2).astype(np.float32),
           "all_to_all_single")
    # uneven: rank k sends k + 1 rows to each rank
    src = numtorch.full((n * (r + 1), 3), float(r))
    out = numtorch.zeros(sum(k + 1 for k in range(n)), 3)
    dist.all_to_all_single(out, src, [k + 1 for k in range(n)], [r + 1] * n, async_op=True).wait()
    expect(out, np.concatenate([np.full((k + 1, 3), k, np.float32) for k in range(n)]),
           "uneven all_to_all_single")
    outs = [numtorch.zeros(k + 1) for k in range(n)]
    dist.all_to_all(outs, [numtorch.full((r + 1,), 100.0 * r + j) for j in range(n)])
    for k in range(n):
        expect(outs[k], np.full(k + 1, 100.0 * k + r, np.float32), "all_to_all")

    # point to point
    peer = 1 - r
    if r == 0:
        dist.send(numtorch.from_numpy(data(0)), dst=1, tag=3)
        t = numtorch.zeros(2, 3)
        assert dist.recv(t) == 1  # from any source
        expect(t, data(1), "recv")
    else:
        t = numtorch.zeros(2, 3)
        work = dist.irecv(t, src=0, tag=3)
        work.wait()
        expect(t, data(0), "irecv")
        dist.isend(numtorch.from_numpy(data(1)), dst=0).wait()
    raises(ValueError, "same as the rank", dist.send, numtorch.ones(1), dst=r)
    del peer

    # objects
    objs = [None] * n
    dist.all_gather_object(objs, {"rank": r, "text": "x" * (5 + r)})
    assert objs == [{"rank": k, "text": "x" * (5 + k)} for k in range(n)], objs
    lst = [f"from {r}", r, None]
    dist.broadcast_object_list(lst, src=1)
    assert lst == ["from 1", 1, None], lst
    got = [None] * n if r == 0 else None
    dist.gather_object(("obj", r), got, dst=0)
    if r == 0:
        assert got == [("obj", k) for k in range(n)], got
    one = [None]
    dist.scatter_object_list(one, [{"for": k} for k in range(n)] if r == 1 else None, src=1)
    assert one == [{"for": r}], one

    # groups
    pair = dist.new_group([0, 1])
    solo = dist.new_group([1])
    assert dist.get_world_size(pair) == 2 and dist.get_process_group_ranks(pair) == [0, 1]
    t = numtorch.from_numpy(data(r))
    dist.all_reduce(t, group=pair)
    expect(t, all_data.sum(0), "all_reduce on a group")
    t = numtorch.from_numpy(data(r))
    assert dist.all_reduce(t, group=solo) is None  # rank 0 is not in the group: no-op
    expect(t, data(r), "all_reduce on a group of one")
    assert dist.get_rank(solo) == (0 if r == 1 else -1)
    rev = dist.new_group([1, 0], sort_ranks=False)  # group rank 0 is global rank 1
    assert dist.get_rank(rev) == 1 - r and dist.get_global_rank(rev, 0) == 1
    t = numtorch.from_numpy(data(r))
    dist.broadcast(t, group=rev, group_src=0)
    expect(t, data(1), "broadcast from group rank 0 of a reordered group")

    # errors: mismatches across ranks raise on every rank instead of hanging
    raises(RuntimeError, "rank 0 has float32 [2], rank 1 has float32 [3]", dist.all_reduce,
           numtorch.zeros(2 + r))
    raises(RuntimeError, "rank 0 has float32 [4], rank 1 has float64 [4]", dist.broadcast,
           numtorch.zeros(4, dtype=numtorch.float32 if r == 0 else numtorch.float64), src=0)
    raises(RuntimeError, "different collectives", dist.all_reduce if r == 0 else dist.broadcast,
           numtorch.zeros(2))
    raises(RuntimeError, "disagree on the root", dist.broadcast, numtorch.zeros(2), src=r)
    if r == 0:
        raises(ValueError, "list of 2 tensors", dist.all_gather, [numtorch.zeros(2)],
               numtorch.zeros(2))
    else:
        raises(RuntimeError, "rank(s) [0] passed invalid arguments", dist.all_gather,
               [numtorch.zeros(2)] * 2, numtorch.zeros(2))
    raises(TypeError, "must be a Tensor", dist.all_reduce, np.zeros(2))
    dist.barrier()
    everyone = [None] * n  # rank 0 prints for all (lines of two processes can interleave)
    dist.all_gather_object(everyone, f"rank {r}: all collectives OK")
    dist.destroy_process_group()
    assert not dist.is_initialized()
    raises(ValueError, "not been initialized", dist.get_rank)
    if r == 0:
        print("\n".join(everyone), flush=True)


if __name__ == "__main__":
    main()
