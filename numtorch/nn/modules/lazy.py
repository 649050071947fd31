"""``LazyModuleMixin``: modules whose parameter shapes come from the first input they see
(``LazyLinear``, ``LazyConv2d``), as ``torch.nn.modules.lazy``."""

import itertools

from numtorch.autograd import grad_mode
from numtorch.nn.modules._state_dict import _ModuleStateDict
from numtorch.nn.parameter import UninitializedBuffer, UninitializedParameter

__all__ = ["LazyModuleMixin"]


class LazyModuleMixin:
    """Mixin for modules whose parameter shapes are inferred from the first input
    (``LazyLinear``). The subclass creates ``UninitializedParameter``s and defines
    ``initialize_parameters(*inputs)``; after the first call the module becomes
    ``cls_to_become`` (``Linear``)."""

    cls_to_become = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._lazy_handle = self.register_forward_pre_hook(_lazy_infer_hook)

    def has_uninitialized_params(self):
        params = itertools.chain(self._parameters.values(), self._buffers.values())
        return any(isinstance(p, (UninitializedParameter, UninitializedBuffer)) for p in params)

    def _finish_lazy(self):
        self._lazy_handle.remove()
        if self.cls_to_become is not None:
            self.__class__ = self.cls_to_become

    def _lazy_load_state(self, state_dict, prefix, local_metadata, strict, missing_keys,
                         unexpected_keys, error_msgs):
        _ModuleStateDict._load_from_state_dict(self, state_dict, prefix, local_metadata, strict,
                                               missing_keys, unexpected_keys, error_msgs)
        if not self.has_uninitialized_params():
            self._finish_lazy()

    def _load_from_state_dict(self, *args):
        self._lazy_load_state(*args)


def _lazy_infer_hook(module, args):
    with grad_mode.no_grad():
        module.initialize_parameters(*args)
    if module.has_uninitialized_params():
        raise RuntimeError(f"module {module._get_name()} has not been fully initialized")
    module._finish_lazy()
