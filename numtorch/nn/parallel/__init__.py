"""numtorch.nn.parallel: data-parallel wrappers (PyTorch's ``torch.nn.parallel``)."""

from numtorch.nn.parallel.distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
