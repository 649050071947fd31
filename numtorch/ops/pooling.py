"""numtorch.ops.pooling."""

__all__ = []
