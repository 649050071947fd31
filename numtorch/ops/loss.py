"""numtorch.ops.loss."""

__all__ = []
