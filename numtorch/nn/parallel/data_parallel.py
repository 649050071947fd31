"""``torch.nn.parallel.DataParallel`` on a machine without GPUs.

PyTorch's DataParallel splits each batch across GPUs, runs a replica of the module on each and
gathers the outputs. Without an accelerator PyTorch keeps no devices (``device_ids == []``) and
``forward`` simply calls the wrapped module; numtorch, CPU only, does exactly that. The wrapper
is a real ``Module``: the wrapped one is its child ``module``, so its ``state_dict`` keys start
with ``module.`` as in PyTorch (checkpoints written through DataParallel load the same way).
For several processes use ``DistributedDataParallel``.
"""

from numtorch.nn.modules.module import Module

__all__ = ["DataParallel", "data_parallel"]


class DataParallel(Module):
    """``DataParallel(module, device_ids=None, output_device=None, dim=0)``: calls ``module``
    on the whole batch (there are no GPUs to split it over)."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DataParallel expects an nn.Module, got {type(module).__name__}")
        self.module = module
        self.device_ids = []
        self.dim = dim

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0,
                  module_kwargs=None):
    """``module(*inputs, **module_kwargs)``: the functional DataParallel, on the CPU.

    NOTE: PyTorch built without CUDA raises "device type could not be determined" here; numtorch
    runs the module, as DataParallel does, so scripts written for GPUs run unchanged."""
    if not isinstance(inputs, tuple):
        inputs = (inputs,)
    return module(*inputs, **(module_kwargs or {}))
