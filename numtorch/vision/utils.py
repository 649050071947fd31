"""Look at a batch of images: ``make_grid`` tiles them, ``save_image`` writes the grid as PNG."""

import math

import numpy as np

from numtorch._tensor import Tensor, _wrap

__all__ = ["make_grid", "save_image"]


def make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False,
              pad_value=0.0):
    """Tile a batch (B, C, H, W) (or a list of (C, H, W) tensors) into one (3, H', W') image,
    ``nrow`` images per row, ``padding`` pixels of ``pad_value`` between them. One-channel
    images are repeated to 3 channels. ``normalize`` min-max scales to [0, 1] (over
    ``value_range`` if given, per image if ``scale_each``)."""
    if isinstance(tensor, (list, tuple)):
        arr = np.stack([t._data if isinstance(t, Tensor) else np.asarray(t) for t in tensor])
    else:
        arr = tensor._data if isinstance(tensor, Tensor) else np.asarray(tensor)
    arr = arr.astype(np.float32) if arr.dtype.kind != "f" else arr.copy()
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim == 3:
        arr = arr[None] if arr.shape[0] in (1, 3) else arr[:, None]
    if arr.ndim != 4:
        raise ValueError(f"make_grid expects a 4-D (B, C, H, W) batch, got shape {arr.shape}")
    if arr.shape[1] == 1:
        arr = np.repeat(arr, 3, axis=1)
    if normalize:
        def norm(x, lo, hi):
            np.clip(x, lo, hi, out=x)
            x -= lo
            x /= max(hi - lo, 1e-5)

        if scale_each:
            for img in arr:
                lo, hi = value_range if value_range else (img.min(), img.max())
                norm(img, lo, hi)
        else:
            lo, hi = value_range if value_range else (arr.min(), arr.max())
            norm(arr, lo, hi)
    b, c, h, w = arr.shape
    if b == 1:
        return _wrap(arr[0])
    xmaps = min(nrow, b)
    ymaps = int(math.ceil(b / xmaps))
    hh, ww = h + padding, w + padding
    grid = np.full((c, hh * ymaps + padding, ww * xmaps + padding), pad_value, dtype=arr.dtype)
    for k in range(b):
        y, x = divmod(k, xmaps)
        grid[:, y * hh + padding:y * hh + padding + h, x * ww + padding:x * ww + padding + w] = \
            arr[k]
    return _wrap(grid)


def save_image(tensor, fp, format=None, **kwargs):
    """Save a batch (through ``make_grid``) or one image (C, H, W) with values in [0, 1] as an
    image file (PNG unless ``format``/the file name says otherwise); needs Pillow."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("save_image needs Pillow: pip install pillow") from None
    grid = make_grid(tensor, **kwargs)._data
    arr = np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    Image.fromarray(np.ascontiguousarray(arr)).save(fp, format=format)
