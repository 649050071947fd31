"""numtorch.ops.conv."""

__all__ = []
