"""numtorch.vision: datasets, transforms, models and image utilities (torchvision's API)."""

from numtorch.vision import datasets, transforms, utils

__all__ = ["datasets", "transforms", "utils", "models", "io"]


def __getattr__(name):
    # The model zoo imports numtorch.nn, io is for image files: load them on first use.
    if name in ("models", "io"):
        import importlib

        return importlib.import_module(f"numtorch.vision.{name}")
    raise AttributeError(f"module 'numtorch.vision' has no attribute {name!r}")
