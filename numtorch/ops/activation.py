"""numtorch.ops.activation."""

__all__ = []
