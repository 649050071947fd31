"""numtorch.ops.normalization."""

__all__ = []
