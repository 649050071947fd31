"""Spatial sampling: ``affine_grid`` (the sampling grid of 2-D affine maps) and
``grid_sample`` (bilinear or nearest reads of an image at grid points, with PyTorch's padding
modes and ``align_corners``). Composites of tensor ops; ``nn.functional`` binds them.
"""

import warnings

import numpy as np

from numtorch._tensor import _wrap
from numtorch.ops import linalg as _linalg

# ====================================================================== spatial sampling
_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to "
                  "align_corners=False since 1.3.0. Please specify align_corners=True if the old "
                  "behavior is desired. See the documentation of grid_sample for details.")


def _base_coords(n, align_corners, dtype):
    """The normalized [-1, 1] coordinates of ``n`` pixel centres (or corners)."""
    if align_corners:
        return np.linspace(-1.0, 1.0, n, dtype=dtype) if n > 1 else np.zeros(1, dtype)
    return ((np.arange(n, dtype=np.float64) * 2 + 1) / n - 1).astype(dtype)


def affine_grid(theta, size, align_corners=None):
    """The sampling grid (N, H, W, 2) of the 2-D affine maps ``theta`` (N, 2, 3) for an output
    of ``size`` (N, C, H, W): each output pixel's normalized (x, y), times ``theta``.
    Differentiable w.r.t. ``theta`` (one batched matrix product)."""
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, UserWarning, stacklevel=2)
        align_corners = False
    size = tuple(size)
    if len(size) != 4:
        raise NotImplementedError(
            f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
            f"respectively. Got size {size}." if len(size) != 5 else
            "numtorch's affine_grid supports 2-D transforms (4-D sizes) only")
    if theta._data.dtype.kind != "f":
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    n, _, h, w = size
    if tuple(theta.shape) != (n, 2, 3):
        raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                         f"{size}. Got {tuple(theta.shape)}.")
    dt = theta._data.dtype
    xs = _base_coords(w, align_corners, dt)
    ys = _base_coords(h, align_corners, dt)
    base = np.stack([np.broadcast_to(xs[None, :], (h, w)), np.broadcast_to(ys[:, None], (h, w)),
                     np.ones((h, w), dt)], axis=-1)  # (H, W, 3): x, y, 1
    flat = _wrap(np.ascontiguousarray(base.reshape(1, h * w, 3)))
    grid = _linalg.matmul(flat, theta.transpose(1, 2))  # (N, H*W, 2)
    return grid.reshape(n, h, w, 2)


def _unnormalize(coord, size, align_corners):
    """Normalized [-1, 1] grid coordinates -> pixel coordinates."""
    if align_corners:
        return (coord + 1) * ((size - 1) / 2)
    return ((coord + 1) * size - 1) / 2


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Sample ``input`` (N, C, H, W) at the normalized locations ``grid`` (N, Ho, Wo, 2) (x, y
    in [-1, 1]; ``align_corners`` says whether -1 and 1 are the corner pixels' centres or
    their outer edges): (N, C, Ho, Wo). ``mode`` "bilinear" weighs the four neighbours,
    "nearest" takes the closest (ties to even); ``padding_mode`` "zeros" reads 0 outside,
    "border" the edge pixels. Composite of gathers and products: differentiable w.r.t. input
    and (for bilinear) grid. NOTE: "bicubic" and "reflection" are not implemented."""
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', "
                         f"'nearest' or 'bicubic', but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, UserWarning, stacklevel=2)
        align_corners = False
    if input.dim() != 4:
        raise NotImplementedError("numtorch's grid_sample supports 4-D input (N, C, H, W) only")
    if mode == "bicubic" or padding_mode == "reflection":
        raise NotImplementedError(f"numtorch's grid_sample has no mode='{mode}' with "
                                  f"padding_mode='{padding_mode}' yet (bilinear/nearest with "
                                  "zeros/border are available)")
    if grid.dim() != 4 or grid.shape[-1] != 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size 2 in last dimension, "
                           f"but got grid with sizes {list(grid.shape)}")
    if grid.shape[0] != input.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, "
                           f"but got input with sizes {list(input.shape)} and grid with sizes "
                           f"{list(grid.shape)}")
    n, c, h, w = input.shape
    _, ho, wo, _ = grid.shape
    if grid.dtype != input.dtype:
        grid = grid.to(input.dtype)
    ix = _unnormalize(grid[..., 0], w, align_corners)  # (N, Ho, Wo) in pixels
    iy = _unnormalize(grid[..., 1], h, align_corners)
    if padding_mode == "border":
        ix = ix.clamp(0, w - 1)
        iy = iy.clamp(0, h - 1)
    flat = input.reshape(n, c, h * w)

    def corner(xc, yc):
        """Values at integer pixel coordinates (arrays (N, Ho, Wo)); 0 outside the image."""
        inside = (xc >= 0) & (xc <= w - 1) & (yc >= 0) & (yc <= h - 1)
        idx = (np.clip(yc, 0, h - 1) * w + np.clip(xc, 0, w - 1)).astype(np.int64)
        idx = np.broadcast_to(idx.reshape(n, 1, ho * wo), (n, c, ho * wo))
        vals = flat.gather(2, _wrap(np.ascontiguousarray(idx))).reshape(n, c, ho, wo)
        return vals, _wrap(inside[:, None].astype(input._data.dtype))

    if mode == "nearest":
        xn = np.rint(ix._data)
        yn = np.rint(iy._data)
        vals, inside = corner(xn, yn)
        return vals * inside
    x0 = np.floor(ix._data)
    y0 = np.floor(iy._data)
    wx1 = (ix - _wrap(x0)).unsqueeze(1)  # (N, 1, Ho, Wo), differentiable w.r.t. grid
    wy1 = (iy - _wrap(y0)).unsqueeze(1)
    wx0 = 1 - wx1
    wy0 = 1 - wy1
    out = None
    for xc, yc, wgt in ((x0, y0, wx0 * wy0), (x0 + 1, y0, wx1 * wy0), (x0, y0 + 1, wx0 * wy1),
                        (x0 + 1, y0 + 1, wx1 * wy1)):
        vals, inside = corner(xc, yc)
        term = vals * (wgt * inside)
        out = term if out is None else out + term
    return out
