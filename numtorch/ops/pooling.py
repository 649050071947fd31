"""Pooling, unpooling, interpolation and pixel shuffle.

Max and average pooling loop over the *kernel offsets* (kh*kw iterations), each one a
vectorized operation on a strided slab of the padded input that holds that offset's element of
every window: max pooling keeps a running maximum and the offset it came from, average pooling
a running sum. Their backward passes loop over the same offsets, adding each window's gradient
into the slab it was read from, so overlapping windows need no scatter-add over elements. The
common 2x2 / stride 2 max pooling takes a shorter road: two halving ``np.maximum`` stages
(columns then rows; rows first when no indices are needed). Outputs have PyTorch's layout
(contiguous, or channels-last for a channels-last input), and gradients are laid out in memory
like the pooled input, so the elementwise backward steps around them run in memory order.

Primitives come in adjoint pairs whose backward is the other member of the pair, so gradients
of gradients work: ``_MaxPoolScatter``/``_MaxPoolGather`` (by window offset),
``_AvgPool``/``_AvgPoolT``, ``_PlaneGather``/``_PlaneScatter`` (by flat index within each
channel plane: adaptive max pooling and max_unpool). Interpolation multiplies by small 1-D
interpolation matrices along each spatial axis (a composite of ``matmul``).

The family's files, lowest first (each uses only those before it): ``_pool_geometry.py``
(kernel/stride/padding checks, output sizes, layouts) -> ``pooling_max.py`` (max pooling,
max_unpool) -> ``pooling_fractional.py`` (fractional max pooling) -> ``pooling_avg.py``
(average, lp and adaptive pooling) -> ``interpolation.py`` (interpolate, upsample, pixel and
channel shuffle) -> this file, the family's public face (``__all__``,
``FUNCTIONAL``, the scalar-argument checks).
"""

from numtorch.ops import _scalars
from numtorch.ops.interpolation import (  # noqa: F401
    channel_shuffle,
    interpolate,
    native_channel_shuffle,
    pixel_shuffle,
    pixel_unshuffle,
    upsample,
    upsample_bilinear,
    upsample_nearest,
)
from numtorch.ops.pooling_avg import (  # noqa: F401
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_avg_pool3d,
    adaptive_max_pool1d,
    adaptive_max_pool1d_with_indices,
    adaptive_max_pool2d,
    adaptive_max_pool2d_with_indices,
    adaptive_max_pool3d,
    adaptive_max_pool3d_with_indices,
    avg_pool1d,
    avg_pool2d,
    avg_pool3d,
    lp_pool1d,
    lp_pool2d,
    lp_pool3d,
)
from numtorch.ops.pooling_fractional import (  # noqa: F401
    fractional_max_pool2d,
    fractional_max_pool2d_with_indices,
    fractional_max_pool3d,
    fractional_max_pool3d_with_indices,
)
from numtorch.ops.pooling_max import (  # noqa: F401
    max_pool1d,
    max_pool1d_with_indices,
    max_pool2d,
    max_pool2d_with_indices,
    max_pool3d,
    max_pool3d_with_indices,
    max_unpool1d,
    max_unpool2d,
    max_unpool3d,
)

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices", "avg_pool1d",
           "adaptive_avg_pool1d",
           "adaptive_max_pool1d", "pixel_shuffle", "pixel_unshuffle", "channel_shuffle",
           "native_channel_shuffle"]

FUNCTIONAL = ["max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices",
              "max_pool2d_with_indices", "max_pool3d_with_indices", "max_unpool1d",
              "max_unpool2d", "max_unpool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
              "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
              "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool1d_with_indices",
              "adaptive_max_pool2d_with_indices", "lp_pool1d", "lp_pool2d", "interpolate",
              "upsample", "upsample_nearest", "upsample_bilinear", "pixel_shuffle",
              "pixel_unshuffle", "adaptive_max_pool3d", "adaptive_max_pool3d_with_indices",
              "lp_pool3d", "channel_shuffle", "native_channel_shuffle", "fractional_max_pool2d",
              "fractional_max_pool2d_with_indices", "fractional_max_pool3d",
              "fractional_max_pool3d_with_indices"]


# PyTorch's TypeError for Python numbers in the arguments it requires to be tensors
_scalars.check_tensor_args(globals())
