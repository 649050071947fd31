"""Helpers shared by the model families: input-shape parsing."""

import math

__all__ = ["image_shape", "num_features"]


def image_shape(input_shape, name):
    """``(C, H, W)`` from an image shape ``(C, H, W)`` or ``(H, W)`` (one channel)."""
    shape = tuple(int(s) for s in input_shape)
    if len(shape) == 2:
        shape = (1,) + shape
    if len(shape) != 3 or min(shape) < 1:
        raise ValueError(f"{name} needs an image input_shape (C, H, W) or (H, W), "
                         f"got {tuple(input_shape)}")
    return shape


def num_features(in_features, name):
    """The flattened size of an ``int`` or of a shape tuple such as ``(1, 28, 28)``."""
    if isinstance(in_features, int):
        n = in_features
    else:
        n = math.prod(int(s) for s in in_features)
    if n < 1:
        raise ValueError(f"{name}: in_features must be positive, got {in_features!r}")
    return n
