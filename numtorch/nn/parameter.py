"""numtorch.nn.parameter: Parameter (a leaf tensor a Module registers)."""

__all__ = []
