"""numtorch.nn.init."""

__all__ = []
