"""``numtorch.backends.cpu``: numtorch's own CPU switch (PyTorch has no counterpart)."""

from numtorch._allocator import reuse_freed_memory

__all__ = ["reuse_freed_memory"]
