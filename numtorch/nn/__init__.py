"""numtorch.nn: modules, layers, losses (PyTorch's ``torch.nn``)."""

from numtorch.nn import functional, init, modules, parameter, utils
from numtorch.nn.modules import FAMILIES as _FAMILIES

__all__ = ["functional", "init", "utils", "modules", "parameter"]
for _family in _FAMILIES:
    for _name in _family.__all__:
        globals()[_name] = getattr(_family, _name)
        __all__.append(_name)
# torch.nn.DataParallel; nn.parallel imports nn.modules, so it comes after them.
from numtorch.nn import parallel  # noqa: E402
from numtorch.nn.parallel import DataParallel  # noqa: E402

__all__ += ["parallel", "DataParallel"]
for _name in parameter.__all__:
    globals()[_name] = getattr(parameter, _name)
    __all__.append(_name)
