"""numtorch.nn.modules.normalization."""

__all__ = []
