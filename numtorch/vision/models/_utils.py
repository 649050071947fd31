"""Helpers shared by the model families: the ``weights=`` check and input-shape parsing."""

import math

__all__ = ["check_no_weights", "image_shape", "num_features"]


def check_no_weights(name, weights):
    """Raise unless ``weights`` is None: numtorch never downloads pretrained weights."""
    if weights is None:
        return
    raise ValueError(
        f"{name}(weights={weights!r}): numtorch does not download pretrained weights. Build the "
        f"model with weights=None and load converted weights with "
        f"model.load_state_dict(numtorch.load(path)); the state-dict keys are torchvision's.")


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
