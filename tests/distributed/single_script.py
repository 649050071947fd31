"""Run by test_launcher.py as one plain process (a world of one): init checks and errors."""

import datetime
import os

import numtorch
import numtorch.distributed as dist


def raises(kind, needle, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except kind as exc:
        assert needle in str(exc), f"{needle!r} not in {exc!r}"
        return
    raise AssertionError(f"{fn.__name__} did not raise {kind.__name__}")


assert dist.is_available() and not dist.is_initialized()
raises(ValueError, "not been initialized", dist.get_world_size)
raises(RuntimeError, "needs CUDA", dist.init_process_group, "nccl")
raises(ValueError, "Invalid backend", dist.init_process_group, "smoke-signals")
raises(TypeError, "timedelta", dist.init_process_group, "gloo", timeout=30)
raises(ValueError, "world_size is 4 but the MPI launcher started 1 process",
       dist.init_process_group, "gloo", world_size=4, rank=0)
raises(ValueError, "rank is 1 but the MPI launcher made this process rank 0",
       dist.init_process_group, "gloo", world_size=1, rank=1)
os.environ["WORLD_SIZE"] = "3"
raises(ValueError, "WORLD_SIZE is 3", dist.init_process_group, "gloo")
del os.environ["WORLD_SIZE"]
dist.init_process_group("cpu:gloo,cuda:nccl", world_size=1, rank=0,
                        timeout=datetime.timedelta(seconds=5))
assert dist.get_backend() == "gloo" and dist.get_rank() == 0 and dist.get_world_size() == 1
t = numtorch.tensor([1.0, 2.0])
dist.all_reduce(t, op=dist.ReduceOp.AVG)
assert t.tolist() == [1.0, 2.0]
dist.destroy_process_group()
dist.init_process_group("mpi")  # again after destroy
dist.destroy_process_group()
print("single process OK")
