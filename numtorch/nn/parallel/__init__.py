"""``numtorch.nn.parallel``: ``DataParallel`` / ``data_parallel`` (one process; on the CPU they
run the module) and ``DistributedDataParallel`` (several processes on ``numtorch.distributed``;
mpi4py is imported only when a process group is initialized)."""

from numtorch.nn.parallel.data_parallel import DataParallel, data_parallel
from numtorch.nn.parallel.distributed import DistributedDataParallel

__all__ = ["DataParallel", "data_parallel", "DistributedDataParallel"]
