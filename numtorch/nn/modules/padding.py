"""Padding layers: ``ConstantPadNd`` / ``ZeroPadNd`` / ``ReflectionPadNd`` / ``ReplicationPadNd``
/ ``CircularPadNd`` for N = 1, 2, 3. Each is ``F.pad`` with a fixed mode over the last N dims.

``padding`` is an int (the same width on every side) or a tuple ``(left, right, top, bottom,
front, back)`` of 2N widths, as in PyTorch; bad widths are reported by ``F.pad`` at forward."""

from numtorch.nn import functional as F
from numtorch.nn.modules.module import Module

__all__ = [
    "ConstantPad1d", "ConstantPad2d", "ConstantPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d",
    "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d",
    "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d",
]


def _widths(padding, n):
    if isinstance(padding, int):
        return (padding,) * (2 * n)
    return tuple(padding)


class _PadNd(Module):
    """Shared by every padding layer: ``mode`` and the number of padded dims are class-level."""

    mode = "constant"
    n = 1

    def __init__(self, padding):
        super().__init__()
        self.padding = _widths(padding, self.n)

    def forward(self, input):
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    n = 1


class ConstantPad2d(_ConstantPadNd):
    n = 2


class ConstantPad3d(_ConstantPadNd):
    n = 3


class ZeroPad1d(ConstantPad1d):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


def _layer(name, mode, n, doc):
    return type(name, (_PadNd,), {"mode": mode, "n": n, "__doc__": doc,
                                  "__module__": __name__, "__qualname__": name})


ReflectionPad1d = _layer("ReflectionPad1d", "reflect", 1, "Mirror the last dim at its edges.")
ReflectionPad2d = _layer("ReflectionPad2d", "reflect", 2,
                         "Mirror the last two dims at their edges.")
ReflectionPad3d = _layer("ReflectionPad3d", "reflect", 3,
                         "Mirror the last three dims at their edges.")
ReplicationPad1d = _layer("ReplicationPad1d", "replicate", 1, "Repeat the last dim's edges.")
ReplicationPad2d = _layer("ReplicationPad2d", "replicate", 2,
                          "Repeat the edges of the last two dims.")
ReplicationPad3d = _layer("ReplicationPad3d", "replicate", 3,
                          "Repeat the edges of the last three dims.")
CircularPad1d = _layer("CircularPad1d", "circular", 1, "Wrap the last dim around.")
CircularPad2d = _layer("CircularPad2d", "circular", 2, "Wrap the last two dims around.")
CircularPad3d = _layer("CircularPad3d", "circular", 3, "Wrap the last three dims around.")
