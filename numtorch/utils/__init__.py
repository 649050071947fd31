"""numtorch.utils: data loading (``numtorch.utils.data``) and ``model_zoo`` (weights download)."""

from numtorch.utils import data, model_zoo

__all__ = ["data", "model_zoo"]
