"""numtorch.utils: data loading (``numtorch.utils.data``)."""

from numtorch.utils import data

__all__ = ["data"]
