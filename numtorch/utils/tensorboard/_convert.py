"""Values to NumPy and images to the layouts TensorBoard stores (HWC, a grid for batches)."""

import numpy as np

from numtorch._tensor import Tensor

__all__ = ["make_np", "convert_to_HWC", "make_grid", "figure_to_image", "InputError"]


class InputError(AssertionError, ValueError):
    """Input of the wrong shape or layout. PyTorch's writer raises AssertionError for these; this
    is both, so ``except AssertionError`` and ``except ValueError`` catch it."""


def make_np(x):
    """A NumPy array from a numtorch tensor, an array or a scalar (a scalar becomes shape (1,)).
    Objects with ``detach().cpu().numpy()`` (PyTorch tensors) are accepted too."""
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, Tensor):
        return x.detach().numpy()
    if np.isscalar(x):
        return np.array([x])
    if hasattr(x, "detach") and hasattr(x, "cpu"):
        return x.detach().cpu().numpy()
    raise NotImplementedError(f"Got {type(x)}, but numpy array or numtorch tensor are expected.")


def make_grid(images, ncols=8):
    """(N, C, H, W) images (C = 1 or 3) tiled row by row into one (3, H * rows, W * cols)."""
    if images.shape[1] == 1:
        images = np.concatenate([images] * 3, 1)
    if images.ndim != 4 or images.shape[1] != 3:
        raise InputError(f"make_grid expects a (N, 3, H, W) or (N, 1, H, W) batch, got shape "
                         f"{images.shape}")
    n, _, h, w = images.shape
    ncols = min(n, ncols)
    nrows = -(-n // ncols)
    canvas = np.zeros((3, h * nrows, w * ncols), dtype=images.dtype)
    for i in range(n):
        y, x = divmod(i, ncols)
        canvas[:, y * h:(y + 1) * h, x * w:(x + 1) * w] = images[i]
    return canvas


def convert_to_HWC(array, input_format):  # noqa: N802 - PyTorch's name
    """An image in ``input_format`` (NCHW/NHWC/CHW/HWC/HW or any order of those letters) as
    (H, W, C) with C = 3 (gray is repeated) or 4; batches become one grid."""
    fmt = input_format.upper()
    if len(set(fmt)) != len(fmt):
        raise InputError(f"You can not use the same dimension shorthand twice. "
                         f"input_format: {input_format}")
    if array.ndim != len(fmt):
        raise InputError(f"size of input tensor and input format are different. tensor shape: "
                         f"{array.shape}, input_format: {input_format}")
    if len(fmt) == 4:
        nchw = array.transpose([fmt.find(c) for c in "NCHW"])
        return make_grid(nchw).transpose(1, 2, 0)
    if len(fmt) == 3:
        hwc = array.transpose([fmt.find(c) for c in "HWC"])
        if hwc.shape[2] == 1:
            hwc = np.concatenate([hwc] * 3, 2)
        return hwc
    if len(fmt) == 2:
        hw = array.transpose([fmt.find(c) for c in "HW"])
        return np.stack([hw] * 3, 2)
    raise ValueError(f"input_format must have 2, 3 or 4 letters, got {input_format!r}")


def figure_to_image(figures, close=True):
    """A matplotlib figure rendered to a (3, H, W) uint8 array (a list: (N, 3, H, W))."""
    try:
        import matplotlib.backends.backend_agg as backend_agg
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError('add_figure needs matplotlib: pip install matplotlib') from None

    def render(figure):
        canvas = backend_agg.FigureCanvasAgg(figure)
        canvas.draw()
        rgba = np.asarray(canvas.buffer_rgba(), dtype=np.uint8)  # (H, W, 4)
        chw = np.ascontiguousarray(rgba[:, :, :3].transpose(2, 0, 1))  # (3, H, W)
        if close:
            plt.close(figure)
        return chw

    if isinstance(figures, list):
        return np.stack([render(f) for f in figures])
    return render(figures)
