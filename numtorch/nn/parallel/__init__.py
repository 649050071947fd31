"""``numtorch.nn.parallel``: ``DataParallel`` / ``data_parallel`` (one process; on the CPU they
run the module) and ``DistributedDataParallel`` (several processes, ``numtorch.distributed``;
in ``distributed.py``, imported on first use)."""

import importlib

from numtorch.nn.parallel.data_parallel import DataParallel, data_parallel

__all__ = ["DataParallel", "data_parallel", "DistributedDataParallel"]


def __getattr__(name):
    if name == "DistributedDataParallel":
        try:
            module = importlib.import_module("numtorch.nn.parallel.distributed")
        except ModuleNotFoundError as exc:
            if exc.name != "numtorch.nn.parallel.distributed":
                raise
            raise AttributeError("numtorch.nn.parallel.DistributedDataParallel is not available "
                                 "in this version of numtorch") from None
        return module.DistributedDataParallel
    raise AttributeError(f"module 'numtorch.nn.parallel' has no attribute {name!r}")
