"""numtorch.nn.utils."""

__all__ = []
