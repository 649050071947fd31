"""The ``Optimizer`` base class: parameter groups, per-parameter state, state dicts.

Subclasses implement ``step`` as one readable loop over ``param_groups`` and their parameters,
updating the parameter arrays in place (``p._data``) without building a graph — the update rule
is written in the class docstring as pseudo-code, and the loop mirrors it line by line. State
lives in ``self.state[p]`` under PyTorch's key names (``momentum_buffer``, ``exp_avg``,
``exp_avg_sq``, ``step``), so state dicts have PyTorch's layout.
"""

import copy
import functools
from collections import defaultdict

import numpy as np

from numtorch._tensor import Tensor, _wrap
from numtorch.autograd import grad_mode

__all__ = ["Optimizer", "required"]


class _Required:
    """The default of a hyper-parameter that has none (PyTorch's ``required``)."""

    def __repr__(self):
        return "<required parameter>"


required = _Required()


def _count_steps(step):
    """Wrap a subclass's ``step`` to count calls (lr schedulers warn when they step first)."""

    @functools.wraps(step)
    def wrapper(self, *args, **kwargs):
        self._opt_called = True
        with grad_mode.no_grad():
            return step(self, *args, **kwargs)

    wrapper._counted = True
    return wrapper


class Optimizer:
    """Base of all optimizers: ``Optimizer(params, defaults)``.

    ``params`` is an iterable of tensors, or of dicts (parameter groups) each with a
    ``"params"`` entry and optional per-group hyper-parameters overriding ``defaults``.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "_counted", False):
            cls.step = _count_steps(step)

    def __init__(self, params, defaults):
        self.defaults = defaults
        self.state = defaultdict(dict)
        self.param_groups = []
        self._opt_called = False
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            f"Tensors or dicts, but got {params.type()}")
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)

    def __repr__(self):
        lines = [self.__class__.__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)

    def add_param_group(self, param_group):
        """Add a group of parameters (a dict with ``"params"``); missing hyper-parameters take
        the optimizer's defaults. A parameter may belong to one group only."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        else:
            param_group["params"] = list(params)
        for p in param_group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                f"{type(p).__module__}.{type(p).__name__}")
            if p.grad_fn is not None:
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            param_group.setdefault(name, default)
        if len({id(p) for p in param_group["params"]}) != len(param_group["params"]):
            import warnings

            warnings.warn("optimizer contains a parameter group with duplicate parameters; in "
                          "future, this will cause an error; see github.com/pytorch/pytorch/"
                          "issues/40967 for more information", UserWarning, stacklevel=3)
        seen = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
        if any(id(p) in seen for p in param_group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all optimized parameters (to None by default)."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if p.grad.grad_fn is not None:
                        p.grad = p.grad.detach()
                    p.grad._data[...] = 0
                    p.grad._bump()

    def step(self, closure=None):
        raise NotImplementedError  # abstract: every optimizer defines its update

    def _closure_loss(self, closure):
        if closure is None:
            return None
        with grad_mode.enable_grad():
            return closure()

    # ------------------------------------------------------------------ state dicts
    def state_dict(self):
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}`` with
        parameters replaced by their position across groups, PyTorch's layout. Tensors in the
        state are the live ones (not copies), as in PyTorch."""
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            ids = []
            for p in group["params"]:
                if id(p) not in index:
                    index[id(p)] = len(index)
                ids.append(index[id(p)])
            packed["params"] = ids
            groups.append(packed)
        state = {index[id(p)]: s for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore state and hyper-parameters saved by ``state_dict`` (deep-copied; floating
        state tensors cast to their parameter's dtype, ``step`` kept as is)."""
        state_dict = copy.deepcopy(_plain(state_dict))
        groups = self.param_groups
        saved_groups = state_dict["param_groups"]
        if len(groups) != len(saved_groups):
            raise ValueError(f"loaded state dict has a different number of parameter groups "
                             f"({len(saved_groups)}, the optimizer has {len(groups)})")
        for g, sg in zip(groups, saved_groups):
            if len(g["params"]) != len(sg["params"]):
                raise ValueError(f"loaded state dict contains a parameter group that doesn't "
                                 f"match the size of optimizer's group ({len(sg['params'])} "
                                 f"parameters, the optimizer's group has {len(g['params'])})")
        id_map = {}
        for g, sg in zip(groups, saved_groups):
            for old, p in zip(sg["params"], g["params"]):
                id_map[int(old)] = p
        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            k = int(k)
            if k not in id_map:
                continue
            p = id_map[k]
            state[p] = {name: _cast_state(name, value, p) for name, value in v.items()}
        new_groups = []
        for g, sg in zip(groups, saved_groups):
            ng = dict(sg)
            ng["params"] = g["params"]
            if "betas" in ng and isinstance(ng["betas"], list):
                ng["betas"] = tuple(ng["betas"])
            new_groups.append(ng)
        self.state = state
        self.param_groups = new_groups


def _plain(sd):
    """Accept state dicts whose tensors came from elsewhere (NumPy arrays) unchanged."""
    return sd


def _cast_state(name, value, param):
    if isinstance(value, Tensor):
        if name == "step" or value._data.dtype.kind != "f":
            return _wrap(value._data.copy())
        return _wrap(value._data.astype(param._data.dtype, copy=True))
    if isinstance(value, np.ndarray):
        return _cast_state(name, _wrap(value), param)
    return value
