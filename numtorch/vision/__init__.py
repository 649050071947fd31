"""numtorch.vision: datasets, transforms, models and image utilities (torchvision's API)."""

from numtorch.vision import datasets, transforms, utils

__all__ = ["datasets", "transforms", "utils", "models"]


def __getattr__(name):
    # The model zoo imports numtorch.nn; load it on first use.
    if name == "models":
        import importlib

        return importlib.import_module("numtorch.vision.models")
    raise AttributeError(f"module 'numtorch.vision' has no attribute {name!r}")
