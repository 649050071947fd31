"""numtorch.nn.functional."""

__all__ = []
