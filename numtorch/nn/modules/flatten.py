"""numtorch.nn.modules.flatten."""

__all__ = []
