"""numtorch.nn.modules.sparse."""

__all__ = []
