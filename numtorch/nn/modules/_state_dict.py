"""``Module``'s state dict: ``state_dict`` (parameters and persistent buffers, by dotted
name), ``load_state_dict`` (with PyTorch's strict/assign semantics and its error messages) and
the state-dict hooks.

``Module`` takes these methods from ``_ModuleStateDict``; the hook registries themselves are
created in ``Module.__init__`` (``module.py``).
"""

import functools
import itertools
import warnings
from collections import OrderedDict, namedtuple
from collections.abc import Mapping

import numpy as np

from numtorch._tensor import Tensor, _wrap
from numtorch.nn.modules._hooks import RemovableHandle
from numtorch.nn.parameter import Parameter, UninitializedBuffer, UninitializedParameter

__all__ = []


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns: the keys it could not match."""

    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def _to_array(value):
    """The ndarray behind a state-dict value: a numtorch tensor, a NumPy array, a torch tensor
    (through ``detach().cpu().numpy()``) or anything ``np.asarray`` accepts."""
    if isinstance(value, Tensor):
        return value._data
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "detach") and hasattr(value, "numpy"):
        v = value.detach()
        if hasattr(v, "cpu"):
            v = v.cpu()
        return np.asarray(v.numpy())
    return np.asarray(value)


def _shape_str(shape):
    # NOTE: PyTorch's wording, so that messages read the same as the checkpoints' origin.
    return f"torch.Size([{', '.join(str(int(s)) for s in shape)}])"


class _ModuleStateDict:
    """The state-dict methods of ``Module``."""

    # ------------------------------------------------------------------ state dict
    def _save_to_state_dict(self, destination, prefix, keep_vars):
        """Put this module's own parameters and persistent buffers into ``destination``."""
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buf in self._buffers.items():
            if buf is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buf if keep_vars else buf.detach()

    def state_dict(self, *args, destination=None, prefix="", keep_vars=False):
        """An ``OrderedDict`` of every parameter and persistent buffer under PyTorch's dotted
        keys (``"0.weight"``, ``"bn.running_mean"``). Values are detached tensors sharing the
        module's memory (``keep_vars=True``: the parameters themselves)."""
        if args:
            # PyTorch's deprecated positional form: state_dict(destination, prefix, keep_vars).
            warnings.warn("Positional args are being deprecated, use kwargs instead.",
                          FutureWarning, stacklevel=2)
            names = ("destination", "prefix", "keep_vars")
            given = dict(zip(names, args))
            destination = given.get("destination", destination)
            prefix = given.get("prefix", prefix)
            keep_vars = given.get("keep_vars", keep_vars)
        if destination is None:
            destination = OrderedDict()
            destination._metadata = OrderedDict()
        metadata = getattr(destination, "_metadata", None)
        if metadata is not None:
            metadata[prefix[:-1]] = {"version": self._version}
        for hook in self._state_dict_pre_hooks.values():
            hook(self, prefix, keep_vars)
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=prefix + name + ".",
                                  keep_vars=keep_vars)
        for hook in self._state_dict_hooks.values():
            res = hook(self, destination, prefix, {"version": self._version})
            if res is not None:
                destination = res
        return destination

    def _register_state_dict_hook(self, hook):
        handle = RemovableHandle(self._state_dict_hooks)
        self._state_dict_hooks[handle.id] = hook
        return handle

    def register_state_dict_pre_hook(self, hook):
        handle = RemovableHandle(self._state_dict_pre_hooks)
        self._state_dict_pre_hooks[handle.id] = hook
        return handle

    def _register_load_state_dict_pre_hook(self, hook, with_module=False):
        """``hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
        error_msgs)`` before this module loads its entries (``module`` first with
        ``with_module``)."""
        handle = RemovableHandle(self._load_state_dict_pre_hooks)
        self._load_state_dict_pre_hooks[handle.id] = \
            functools.partial(hook, self) if with_module else hook
        return handle

    def register_load_state_dict_pre_hook(self, hook):
        """``hook(module, state_dict, prefix, local_metadata, strict, missing_keys,
        unexpected_keys, error_msgs)``."""
        return self._register_load_state_dict_pre_hook(hook, with_module=True)

    def register_load_state_dict_post_hook(self, hook):
        """``hook(module, incompatible_keys)`` after ``load_state_dict``; it may edit the key
        lists in place."""
        handle = RemovableHandle(self._load_state_dict_post_hooks)
        self._load_state_dict_post_hooks[handle.id] = hook
        return handle

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs):
        """Copy this module's own entries from ``state_dict`` into its parameters and persistent
        buffers (in place), recording missing/unexpected keys and size mismatches."""
        for hook in self._load_state_dict_pre_hooks.values():
            hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                 error_msgs)
        persistent = {k: v for k, v in self._buffers.items()
                      if k not in self._non_persistent_buffers_set}
        local_state = {k: v for k, v in itertools.chain(self._parameters.items(),
                                                        persistent.items()) if v is not None}
        assign = bool(local_metadata.get("assign_to_params_buffers", False))
        for name, param in local_state.items():
            key = prefix + name
            if key not in state_dict:
                if strict:
                    missing_keys.append(key)
                continue
            value = state_dict[key]
            try:
                arr = _to_array(value)
            except Exception as exc:  # noqa: BLE001 - reported like PyTorch, not raised here
                error_msgs.append(f'While copying the parameter named "{key}", expected '
                                  f"torch.Tensor or Tensor-like object from checkpoint but "
                                  f"received {type(value)} ({exc})")
                continue
            lazy = isinstance(param, (UninitializedParameter, UninitializedBuffer))
            if lazy:
                param.materialize(arr.shape)
            cur = param._data.shape
            if not lazy and len(cur) == 0 and arr.shape == (1,):
                arr = arr.reshape(())  # PyTorch's legacy: 1-element 1-d into a 0-d tensor
            if not lazy and arr.shape != cur:
                error_msgs.append(
                    f"size mismatch for {key}: copying a param with shape {_shape_str(arr.shape)}"
                    f" from checkpoint, the shape in current model is {_shape_str(cur)}.")
                continue
            if assign:
                new = _wrap(np.array(arr, dtype=arr.dtype))
                if isinstance(param, Parameter):
                    new = Parameter(new, requires_grad=param.requires_grad)
                    self._parameters[name] = new
                else:
                    self._buffers[name] = new
                continue
            try:
                np.copyto(param._data, arr, casting="unsafe")
            except (TypeError, ValueError) as exc:
                error_msgs.append(
                    f'While copying the parameter named "{key}", whose dimensions in the model '
                    f"are {_shape_str(cur)} and whose dimensions in the checkpoint are "
                    f"{_shape_str(arr.shape)}, an exception occurred : {exc.args}.")
                continue
            param._bump()
        if strict:
            for key in state_dict:
                if not key.startswith(prefix):
                    continue
                input_name = key[len(prefix):].split(".", 1)
                if len(input_name) > 1:
                    # a dotted key must belong to a child module
                    if input_name[0] not in self._modules:
                        unexpected_keys.append(key)
                elif input_name[0] not in local_state:
                    unexpected_keys.append(key)

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy parameters and buffers from ``state_dict`` (values may be numtorch tensors,
        NumPy arrays or PyTorch tensors) into this module, in place, so optimizers holding the
        parameters keep working. With ``strict`` missing or unexpected keys raise
        RuntimeError; size mismatches always do. Returns ``(missing_keys, unexpected_keys)``."""
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        missing_keys = []
        unexpected_keys = []
        error_msgs = []
        metadata = getattr(state_dict, "_metadata", None)

        def load(module, local_state_dict, prefix=""):
            local_metadata = {} if metadata is None else dict(metadata.get(prefix[:-1], {}))
            if assign:
                local_metadata["assign_to_params_buffers"] = True
            # Keys are always collected; only raising depends on ``strict`` (PyTorch).
            module._load_from_state_dict(local_state_dict, prefix, local_metadata, True,
                                         missing_keys, unexpected_keys, error_msgs)
            for name, child in module._modules.items():
                if child is not None:
                    child_prefix = prefix + name + "."
                    child_state = {k: v for k, v in local_state_dict.items()
                                   if k.startswith(child_prefix)}
                    load(child, child_state, child_prefix)
            keys = _IncompatibleKeys(missing_keys, unexpected_keys)
            for hook in module._load_state_dict_post_hooks.values():
                hook(module, keys)

        load(self, OrderedDict(state_dict))
        if strict:
            if unexpected_keys:
                error_msgs.insert(0, "Unexpected key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in unexpected_keys)))
            if missing_keys:
                error_msgs.insert(0, "Missing key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in missing_keys)))
        if error_msgs:
            raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(
                type(self).__name__, "\n\t".join(error_msgs)))
        return _IncompatibleKeys(missing_keys, unexpected_keys)
