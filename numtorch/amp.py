"""``numtorch.amp``: ``autocast`` and ``GradScaler`` (PyTorch's automatic mixed precision).

numtorch computes every op in its inputs' dtype; it has no autocast kernels. ``autocast`` is
therefore always disabled, with PyTorch's own warnings: for ``device_type="cuda"`` (no CUDA,
as in a CPU-only PyTorch) and for ``"cpu"`` (where PyTorch would compute matmuls and
convolutions in bfloat16/float16). Code written for mixed precision runs in full precision.

``GradScaler`` is complete: it multiplies the loss by a scale, divides the gradients back
before the optimizer step, skips steps whose gradients hold inf/NaN and adapts the scale
(``backoff_factor`` after an overflow, ``growth_factor`` after ``growth_interval`` clean steps).
For ``device="cuda"`` it disables itself, with PyTorch's warning, as on a CPU-only PyTorch.
"""

import functools
import warnings

import numpy as np

from numtorch._tensor import Tensor

__all__ = ["autocast", "GradScaler", "is_autocast_available", "custom_fwd", "custom_bwd"]

_state = {"enabled": False}


def is_autocast_available(device_type):
    """Whether autocast can be enabled for ``device_type``: never in numtorch."""
    return False


def is_autocast_enabled(device_type=None):
    return _state["enabled"]


class autocast:
    """``with autocast(device_type, dtype=None, enabled=True):`` (also a decorator). Always
    disabled in numtorch (see the module's docstring); warns when asked to enable."""

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        self.device = device_type
        self.fast_dtype = dtype
        self._enabled = False
        if enabled:
            if device_type == "cuda":
                warnings.warn("CUDA is not available or torch_xla is imported. Disabling "
                              "autocast.", UserWarning, stacklevel=2)
            elif device_type == "cpu":
                warnings.warn("numtorch has no CPU autocast (PyTorch would compute some ops in "
                              f"{'bfloat16' if dtype is None else dtype}); running in full "
                              "precision. Disabling autocast.", UserWarning, stacklevel=2)
            else:
                raise RuntimeError(f"User specified an unsupported autocast device_type "
                                   f"'{device_type}'")

    def __enter__(self):
        self._previous = _state["enabled"]
        _state["enabled"] = self._enabled
        return self

    def __exit__(self, *exc):
        _state["enabled"] = self._previous
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self:
                return fn(*args, **kwargs)
        return wrapper


def custom_fwd(fwd=None, *, device_type, cast_inputs=None):
    """Decorator for a custom Function's forward under autocast: autocast is never enabled in
    numtorch, so the forward runs as written."""
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)
    return fwd


def custom_bwd(bwd=None, *, device_type):
    """Decorator for a custom Function's backward under autocast (runs as written)."""
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)
    return bwd


class GradScaler:
    """Loss scaling for mixed-precision training::

        loss' = loss * scale;  grad = grad' / scale;  skip the step if any grad is inf/NaN
        after an overflow: scale *= backoff_factor;  after growth_interval clean steps:
        scale *= growth_factor
    """

    def __init__(self, device="cuda", init_scale=2.0 ** 16, growth_factor=2.0,
                 backoff_factor=0.5, growth_interval=2000, enabled=True):
        self._device = device
        self._enabled = enabled
        if enabled and device == "cuda":
            warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  "
                          "Disabling.", UserWarning, stacklevel=2)
            self._enabled = False
        if self._enabled:
            if growth_factor <= 1.0:
                raise AssertionError("The growth factor must be > 1.0.")
            if backoff_factor >= 1.0:
                raise AssertionError("The backoff factor must be < 1.0.")
        self._scale = float(init_scale)
        self._growth_factor = float(growth_factor)
        self._backoff_factor = float(backoff_factor)
        self._growth_interval = int(growth_interval)
        self._growth_tracker = 0
        self._per_optimizer = {}  # id(optimizer) -> {"unscaled": bool, "found_inf": bool}

    def is_enabled(self):
        return self._enabled

    def get_scale(self):
        return self._scale if self._enabled else 1.0

    def get_growth_factor(self):
        return self._growth_factor

    def get_backoff_factor(self):
        return self._backoff_factor

    def get_growth_interval(self):
        return self._growth_interval

    def scale(self, outputs):
        """``outputs`` (a tensor, or nested lists/tuples of them) times the scale."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, Tensor):
            return outputs * self._scale
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        raise ValueError("outputs must be a Tensor or an iterable of Tensors")

    def _params(self, optimizer):
        for group in optimizer.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    yield p

    def unscale_(self, optimizer):
        """Divide ``optimizer``'s gradients by the scale, in place (e.g. before clipping), and
        note whether any is inf/NaN."""
        if not self._enabled:
            return
        state = self._per_optimizer.setdefault(id(optimizer), {"unscaled": False,
                                                               "found_inf": False})
        if state["unscaled"]:
            raise RuntimeError("unscale_() has already been called on this optimizer since the "
                               "last update().")
        inv = 1.0 / self._scale
        found = False
        for p in self._params(optimizer):
            g = p.grad._data
            g *= np.asarray(inv, dtype=g.dtype) if g.dtype.kind == "f" else inv
            if not np.isfinite(g).all():
                found = True
        state.update(unscaled=True, found_inf=found)

    def step(self, optimizer, *args, **kwargs):
        """Unscale (unless ``unscale_`` was called) and run ``optimizer.step`` unless a
        gradient is inf/NaN; returns what the step returns (None when skipped)."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is "
                               "enabled.")
        state = self._per_optimizer.get(id(optimizer))
        if state is None or not state["unscaled"]:
            self.unscale_(optimizer)
            state = self._per_optimizer[id(optimizer)]
        if state["found_inf"]:
            return None
        return optimizer.step(*args, **kwargs)

    def update(self, new_scale=None):
        """Adapt the scale after the step(s) of this iteration (or set ``new_scale``)."""
        if not self._enabled:
            return
        if new_scale is not None:
            self._scale = float(new_scale.item() if isinstance(new_scale, Tensor)
                                else new_scale)
        else:
            found = any(s["found_inf"] for s in self._per_optimizer.values())
            if found:
                self._scale *= self._backoff_factor
                self._growth_tracker = 0
            else:
                self._growth_tracker += 1
                if self._growth_tracker == self._growth_interval:
                    self._scale *= self._growth_factor
                    self._growth_tracker = 0
        self._per_optimizer = {}

    def state_dict(self):
        if not self._enabled:
            return {}
        return {"scale": self._scale, "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor,
                "growth_interval": self._growth_interval,
                "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state_dict):
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved "
                               "from a disabled instance of GradScaler.")
        self._scale = float(state_dict["scale"])
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._growth_tracker = int(state_dict["_growth_tracker"])


