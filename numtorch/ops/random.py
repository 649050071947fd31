"""numtorch.ops.random."""

__all__ = []
