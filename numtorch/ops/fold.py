"""``nn.functional.unfold`` / ``fold`` (im2col and col2im as functions of their own): the
``Unfold`` / ``Fold`` primitives, each the other's gradient, and their argument checks.
"""

import math

import numpy as np

from numtorch.autograd.function import Primitive
from numtorch.ops._conv_geometry import (
    _col2im,
    _Geom,
    _im2col,
    _tuple,
    _unsqueeze0,
)


class Unfold(Primitive):
    """im2col: (N, C, *S) -> (N, C*k, L). Its adjoint is ``Fold`` (col2im) and vice versa."""

    @staticmethod
    def forward(ctx, x, geom):
        ctx.geom = geom
        ctx.c = x.shape[1]
        n, c = x.shape[:2]
        kk = math.prod(geom.k)
        cols = _im2col(x, geom).reshape(n, -1, kk, c)  # (N, L, k, C)
        return cols.transpose(0, 3, 2, 1).reshape(n, c * kk, -1)  # (N, C*k, L)

    @staticmethod
    def backward(ctx, grad_output):
        return Fold.apply(grad_output, ctx.geom, ctx.c), None


class Fold(Primitive):
    """col2im: (N, C*k, L) -> (N, C, *S), summing overlapping values."""

    @staticmethod
    def forward(ctx, cols, geom, c):
        ctx.geom = geom
        n, l = cols.shape[0], cols.shape[2]
        kk = math.prod(geom.k)
        rows = cols.reshape(n, c, kk, l).transpose(0, 3, 2, 1).reshape(n * l, kk * c)  # (N*L, k*C)
        return np.ascontiguousarray(_col2im(rows, n, c, geom, cols.dtype))

    @staticmethod
    def backward(ctx, grad_output):
        return Unfold.apply(grad_output, ctx.geom), None, None


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """im2col: (N, C, H, W) -> (N, C*kh*kw, L) with the patches as columns (PyTorch's
    ``F.unfold``; 4-D or unbatched 3-D input)."""
    x, unbatched = input, False
    if input.dim() == 3:
        x, unbatched = _unsqueeze0(input), True
    elif input.dim() != 4:
        raise RuntimeError(f"Input Error: Only 3D or 4D input Tensors are supported (got "
                           f"{input.dim()}D)")
    k = _tuple(kernel_size, 2, "kernel_size")
    pad = tuple((p, p) for p in _tuple(padding, 2, "padding"))
    geom = _Geom(k, _tuple(stride, 2, "stride"), pad, _tuple(dilation, 2, "dilation"), 1,
                 x.shape[2:])
    if any(o <= 0 for o in geom.out):
        raise RuntimeError(f"Given input with spatial size ({x.shape[2]}, {x.shape[3]}), "
                           f"kernel_size=({k[0]}, {k[1]}), dilation={geom.dilation}, "
                           f"padding={tuple(p for p, _ in pad)}, calculated shape of the array "
                           f"of sliding blocks as ({geom.out[0]}, {geom.out[1]}), but its "
                           "components must be at least one.")
    out = Unfold.apply(x, geom)
    return out.reshape(tuple(out.shape[1:])) if unbatched else out


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """col2im: (N, C*kh*kw, L) -> (N, C, *output_size), summing overlapping values (PyTorch's
    ``F.fold``; 3-D or unbatched 2-D input)."""
    x, unbatched = input, False
    if input.dim() == 2:
        x, unbatched = _unsqueeze0(input), True
    elif input.dim() != 3:
        raise RuntimeError(f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are "
                           f"supported (got {input.dim()}D)")
    k = _tuple(kernel_size, 2, "kernel_size")
    pad = tuple((p, p) for p in _tuple(padding, 2, "padding"))
    geom = _Geom(k, _tuple(stride, 2, "stride"), pad, _tuple(dilation, 2, "dilation"), 1,
                 _tuple(output_size, 2, "output_size"))
    kk = k[0] * k[1]
    if x.shape[1] % kk:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product "
                           f"of kernel_size, but got input.size(1)={x.shape[1]} and "
                           f"kernel_size=({k[0]}, {k[1]})")
    blocks = geom.out[0] * geom.out[1]
    if x.shape[2] != blocks:
        raise RuntimeError(f"Given output_size=({geom.size[0]}, {geom.size[1]}), "
                           f"kernel_size=({k[0]}, {k[1]}), dilation={geom.dilation}, "
                           f"padding={tuple(p for p, _ in pad)}, stride={geom.stride}, expected "
                           f"size of input's dimension 2 to match the calculated number of "
                           f"sliding blocks {geom.out[0]} * {geom.out[1]} = {blocks}, but got "
                           f"input.size(2)={x.shape[2]}.")
    out = Fold.apply(x, geom, x.shape[1] // kk)
    return out.reshape(tuple(out.shape[1:])) if unbatched else out
