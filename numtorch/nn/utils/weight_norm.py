"""``nn.utils.weight_norm`` / ``remove_weight_norm``: a weight reparameterized as a direction
and a magnitude (Salimans and Kingma, 2016)::

    weight = g * v / ||v||      (the norm over every dim but ``dim``; over all when dim=None)

``weight_norm(module, name="weight", dim=0)`` replaces the parameter ``name`` by two
parameters ``name_g`` (the norms, shaped to broadcast) and ``name_v`` (the direction, the old
values), and recomputes ``name`` from them before every forward (a forward pre-hook), so the
gradients reach ``g`` and ``v``. ``remove_weight_norm`` folds them back into one parameter.
"""

from numtorch.nn.parameter import Parameter

__all__ = ["weight_norm", "remove_weight_norm", "WeightNorm"]


def _norm_except_dim(v, dim):
    """||v|| over every dim but ``dim``, keeping dims (so it broadcasts against ``v``)."""
    if dim is None:
        return (v * v).sum().sqrt()
    dims = tuple(d for d in range(v.dim()) if d != dim)
    return (v * v).sum(dims, keepdim=True).sqrt()


class WeightNorm:
    """The forward pre-hook that recomputes ``name`` from ``name_g`` and ``name_v``."""

    def __init__(self, name, dim):
        self.name = name
        self.dim = dim

    def compute_weight(self, module):
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return v * (g / _norm_except_dim(v, self.dim))

    @staticmethod
    def apply(module, name, dim):
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two weight_norm hooks on the same "
                                   f"parameter {name}")
        if dim is None:
            dim = -1
        weight = getattr(module, name)
        if dim < -1 or dim >= weight.dim():
            raise IndexError(f"Dimension out of range (expected to be in range of "
                             f"[-1, {weight.dim() - 1}], but got {dim})")
        fn = WeightNorm(name, None if dim == -1 else dim)
        del module._parameters[name]
        module.register_parameter(name + "_g",
                                  Parameter(_norm_except_dim(weight, fn.dim).detach()))
        module.register_parameter(name + "_v", Parameter(weight.detach()))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module):
        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module, name="weight", dim=0):
    """Reparameterize ``module.<name>`` as ``g * v / ||v||`` (see the module's docstring);
    returns the module."""
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module, name="weight"):
    """Undo ``weight_norm``: one parameter ``name`` again, with the current values."""
    for key, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, WeightNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {module}")
