"""Where a tensor lives and what its shape is: ``Size`` (the tuple ``tensor.shape`` returns) and
``device``, with the one check every constructor makes: numtorch computes on the CPU only, so any
other device raises PyTorch's error (``_check_device``). Plain values, below the tensor itself.
"""

from numtorch import _dtype

__all__ = ["Size", "device"]


class Size(tuple):
    """``tensor.shape``: a tuple that prints as ``numtorch.Size([2, 3])``."""

    __slots__ = ()

    def __repr__(self):
        return f"{_dtype.REPR_NAMESPACE[0]}.Size([{', '.join(map(str, self))}])"

    __str__ = __repr__

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, item):
        out = tuple.__getitem__(self, item)
        return Size(out) if isinstance(item, slice) else out

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))

    def __radd__(self, other):
        return Size(tuple(other) + tuple(self))


class device:
    """``numtorch.device('cpu')``; numtorch computes on the CPU only."""

    __slots__ = ("type", "index")

    def __init__(self, type="cpu", index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        name = str(type)
        if ":" in name:
            name, idx = name.split(":", 1)
            if not (idx.isdigit() and (idx == "0" or not idx.startswith("0"))):
                raise RuntimeError(f"Invalid device string: '{type}'")
            index = int(idx)
        if name not in ("cpu", "cuda", "mps", "meta"):
            raise RuntimeError(
                "Expected one of cpu, cuda, mps, meta device type at start of device string: "
                f"{type}")
        self.type = name
        self.index = index

    def __repr__(self):
        idx = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{idx})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))


_CPU = device("cpu")


class _DeviceUnavailableError(RuntimeError, AssertionError):
    """A GPU device asked of numtorch, which computes on the CPU only. PyTorch's CPU-only build
    raises AssertionError ("Torch not compiled with CUDA enabled") when a tensor is created on or
    moved to "cuda", and RuntimeError elsewhere (``load(map_location="cuda")``): this error is
    both, so code written for either catches it."""


def _check_device(dev):
    """Raise for any device but the CPU: numtorch has no GPU backend and no meta tensors."""
    if dev is None:
        return
    d = dev if isinstance(dev, device) else device(dev)
    if d.type == "meta":
        raise NotImplementedError(
            "numtorch does not implement the 'meta' device (tensors without data): create the "
            "tensor on the CPU")
    if d.type != "cpu":
        raise _DeviceUnavailableError(
            f"numtorch runs on the CPU only: device '{d}' is not available "
            "(numtorch.cuda.is_available() is False; Torch not compiled with CUDA enabled). "
            "Use device='cpu'.")
