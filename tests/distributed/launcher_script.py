"""Run by test_launcher.py: the launcher's environment, and ranks that die, hang or raise."""

import datetime
import json
import os
import signal
import sys
import time

import numtorch
import numtorch.distributed as dist


def report_env(folder):
    keys = ("RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT",
            "OMP_NUM_THREADS")
    dist.init_process_group("gloo", init_method="env://")
    info = {k: os.environ.get(k) for k in keys}
    info.update(name=__name__, argv=sys.argv[1:], rank=dist.get_rank())
    with open(os.path.join(folder, f"rank{dist.get_rank()}.json"), "w") as f:
        json.dump(info, f)
    dist.destroy_process_group()


def failing(mode):
    dist.init_process_group("gloo", timeout=datetime.timedelta(seconds=3))
    rank = dist.get_rank()
    t = numtorch.ones(4)
    for step in range(1000):
        if rank == 1 and step == 3:
            if mode == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            elif mode == "hang":
                time.sleep(300)  # alive, but never joins the next all_reduce
            elif mode == "raise":
                raise ValueError("boom on rank 1")
        dist.all_reduce(t)
        t.fill_(1.0)
        time.sleep(0.01)
    print(f"rank {rank} finished", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "env":
        report_env(sys.argv[2])
    else:
        failing(sys.argv[1])
