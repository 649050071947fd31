"""Winograd F(2x2, 3x3) convolution kernels: stride-1 3x3 convolutions as batched GEMMs.

The primitives of ``numtorch/ops/conv.py`` call these for the layers ``conv._algorithm``
gives to Winograd; ``docs/convolution.md`` explains the method, ``docs/performance.md`` what
it measured.

Each 2x2 block of outputs ("tile") of a 3x3 convolution reads a 4x4 block of the padded input,
and (Lavin and Gray's minimal filtering, 1-D: F(2, 3) takes 4 multiplications instead of 6)

    Y = A^T [ (G g G^T) * (B^T d B) ] A        (4x4 elementwise product, summed over channels)

with ``d`` the 4x4 input tile, ``g`` the 3x3 kernel and the constant matrices below. Summed
over input channels, the elementwise product at each of the 16 positions xi of the 4x4 tile is
a GEMM: M[xi] (tiles, O) = V[xi] (tiles, C) @ U[xi] (C, O). The 16 GEMMs do 16*C*O
multiply-adds per tile of 4 outputs where im2col does 36*C*O: 2.25x fewer. The transforms are
additions over strided views of whole arrays (a few NumPy calls per pass), channels-last inside
so that every pass runs over contiguous runs of C (or O) values, over blocks of images whose
transformed tiles stay in cache.

- forward: V = B^T d B of every tile, U = G g G^T, M = V @ U (16 GEMMs in one ``matmul``),
  y = A^T M A assembled channels-last and copied to the output's layout.
- input gradient: stride 1, so gx is the "full" correlation of gy with the kernel turned around
  and its in/out channels swapped: the forward again, over gy padded by 2 - padding.
- weight gradient: the adjoint of the forward in U: dU[xi] (O, C) = dM[xi]^T @ V[xi] with
  dM = A gY A^T, summed over the blocks, then dw = G^T dU G. V is kept from the forward pass
  (4x the input's size, where im2col keeps 9x).

Numerics: the transforms' coefficients are 0, +-1 and +-1/2, so F(2x2, 3x3) adds little
rounding error (float32 results stay within the torch-parity tolerances of the tests).
F(4x4, 3x3), 4x fewer multiplications, has coefficients up to 8 and 1/4 and a larger float32
error, and 36 values per tile to transform; it is not implemented.
"""

import numpy as np

# G (4, 3) transforms the kernel; the other two transforms are written out as additions below:
# B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]],
# A^T = [[1, 1, 1, 0], [0, 1, -1, -1]].
_G = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0.0, 0.0, 1.0]])


def usable(g):
    """Whether geometry ``g`` is a convolution this module computes: 2-D, 3x3, stride 1,
    dilation 1, one group, padding at most 2 on each side (so the input gradient is one too)."""
    return (len(g.k) == 2 and g.k == (3, 3) and g.stride == (1, 1) and g.dilation == (1, 1)
            and g.groups == 1 and all(lo <= 2 and hi <= 2 for lo, hi in g.pad))


def cost(c, o, g):
    """Estimated time of one image's forward pass, in GEMM multiply-adds (``conv._algorithm``
    compares it with the other kernels'): 16 multiply-adds per tile for each channel pair,
    and the transforms' passes over 16 values per tile and channel, in and out."""
    th, tw = _tiles(g.out)
    return 16 * th * tw * (c * o + _TRANSFORM_COST * (c + o))


# Multiply-adds that take as long as one transformed value's passes (fitted to the
# forward + backward times of 16- to 512-channel layers; docs/performance.md).
_TRANSFORM_COST = 23.0


def _tiles(out):
    """Tiles along each spatial dim for an output of size ``out``: ceil(out / 2)."""
    return tuple((o + 1) // 2 for o in out)


def _input_transform(x, pad, out, v=None):
    """x (N, C, H, W) -> V (16, N*T, C): B^T d B of every tile, tiles ordered (n, row, col),
    written into ``v`` (4, 4, N, th, tw, C) when given.

    The input is copied once into a zero-padded channels-last buffer (padded at the bottom
    and right as far as the last tile reads when the output size is odd), so that every pass
    below runs over whole runs of C contiguous values: the 4x4 tiles as strided views with
    the channels innermost."""
    n, c, h, w = x.shape
    th, tw = _tiles(out)
    hp, wp = 2 * th + 2, 2 * tw + 2
    (top, _), (left, _) = pad
    xp = np.zeros((n, hp, wp, c), dtype=x.dtype)  # (N, Hp, Wp, C)
    rows, cols = min(h, hp - top), min(w, wp - left)
    xp[:, top:top + rows, left:left + cols] = np.moveaxis(x[:, :, :rows, :cols], 1, -1)
    # Rows of B^T along the tile's first axis: row i of tile a is padded row 2a + i.
    d = [xp[:, i:i + 2 * th:2] for i in range(4)]  # each (N, th, Wp, C)
    r = np.empty((4, n, th, wp, c), dtype=x.dtype)
    np.subtract(d[0], d[2], out=r[0])
    np.add(d[1], d[2], out=r[1])
    np.subtract(d[2], d[1], out=r[2])
    np.subtract(d[1], d[3], out=r[3])
    # ... and along the second: column j of tile b is column 2b + j.
    e = [r[:, :, :, j:j + 2 * tw:2] for j in range(4)]  # each (4, N, th, tw, C)
    if v is None:
        v = np.empty((4, 4, n, th, tw, c), dtype=x.dtype)
    np.subtract(e[0], e[2], out=v[:, 0])
    np.add(e[1], e[2], out=v[:, 1])
    np.subtract(e[2], e[1], out=v[:, 2])
    np.subtract(e[1], e[3], out=v[:, 3])
    return v.reshape(16, n * th * tw, c)  # (16, N*T, C)


def input_transform(x, g):
    """V (16, N*T, C) of input ``x`` (N, C, H, W) for geometry ``g`` (the weight gradient's
    operand when the forward pass did not keep it)."""
    return _input_transform(x, g.pad, g.out)


# U = G g G^T as one GEMM over all kernels: U[i, j] = sum over (a, b) of G[i, a] G[j, b]
# g[a, b], i.e. (O*C, 9) @ _KRON (9, 16) (a batch of 3x3 products would be O*C tiny GEMMs).
_KRON = np.einsum("ia,jb->abij", _G, _G).reshape(9, 16)


def _weight_transform(w):
    """w (O, C, 3, 3) -> U (16, C, O) = G g G^T at each of the 16 tile positions."""
    o, c = w.shape[:2]
    u = w.reshape(o * c, 9) @ _KRON.astype(w.dtype)  # (O*C, 16)
    return np.ascontiguousarray(u.T).reshape(16, o, c).transpose(0, 2, 1)  # (16, C, O)


def _output_transform(m, n, out, y):
    """M (16, N*T, O) -> y = A^T M A, written into ``y`` (N, O, *out), any layout: the tiles
    are assembled channels-last (whole runs of O values) and copied to ``y`` once."""
    o = m.shape[2]
    th, tw = _tiles(out)
    m6 = m.reshape(4, 4, n, th, tw, o)
    p = np.empty((2, 4, n, th, tw, o), dtype=m.dtype)  # A^T along the first axis
    np.add(m6[0], m6[1], out=p[0])
    p[0] += m6[2]
    np.subtract(m6[1], m6[2], out=p[1])
    p[1] -= m6[3]
    full = np.empty((n, th, 2, tw, 2, o), dtype=m.dtype)  # (N, 2*th, 2*tw, O)
    yv = full.transpose(2, 4, 0, 1, 3, 5)  # (2, 2, N, th, tw, O) view: output (2a+i, 2b+j)
    np.add(p[:, 0], p[:, 1], out=yv[:, 0])
    yv[:, 0] += p[:, 2]
    np.subtract(p[:, 1], p[:, 2], out=yv[:, 1])
    yv[:, 1] -= p[:, 3]
    ho, wo = out
    y[...] = np.moveaxis(full.reshape(n, 2 * th, 2 * tw, o)[:, :ho, :wo], -1, 1)
    return y


# The images are taken in blocks whose transformed tiles (16 values per tile and channel, in
# and out) fit in the 1 MiB L2 cache or so: each block's input transform, GEMMs and output
# transform then run from cache. Over a whole batch these arrays are 4x the input and output
# and every transform pass went to memory (measured: the transforms took longer than the
# GEMMs on 16x16 maps at batch 64).
_BLOCK = 1 << 18  # values of a block's V and M together (C + O channels, 16 per tile)
_MIN_ROWS = 128  # tiles per block at least, so that the 16 GEMMs stay efficient


def _image_blocks(n, tiles, width):
    """(n0, n1) blocks of images: about _BLOCK / (16 * width) tiles each (``width``: the input
    and output channels), at least _MIN_ROWS tiles or one image."""
    rows = max(_MIN_ROWS, _BLOCK // (16 * width))
    b = max(1, min(n, rows // tiles))
    return [(i, min(n, i + b)) for i in range(0, n, b)]


def _transform_gemm(x, u, pad, out_size, y, keep):
    """y (N, O, *out_size) = A^T [U (*) (B^T d B)] A over blocks of images of x (N, C, H, W);
    returns V (16, N*T, C) whole when ``keep`` (for the weight gradient), else None."""
    n, c = x.shape[:2]
    o = u.shape[2]
    th, tw = _tiles(out_size)
    tiles = th * tw
    blocks = _image_blocks(n, tiles, c + o)
    if keep:
        v6 = np.empty((4, 4, n, th, tw, c), dtype=x.dtype)
    else:
        v6 = np.empty((4, 4, blocks[0][1], th, tw, c), dtype=x.dtype)  # one block's, reused
    for n0, n1 in blocks:
        vb = v6[:, :, n0:n1] if keep else v6[:, :, :n1 - n0]  # (4, 4, b, th, tw, C)
        _input_transform(x[n0:n1], pad, out_size, vb)
        m = np.matmul(vb.reshape(16, (n1 - n0) * tiles, c), u)  # (16, b*T, O)
        _output_transform(m, n1 - n0, out_size, y[n0:n1])
    return v6.reshape(16, n * tiles, c) if keep else None


def forward(x, w, g, out, keep=True):
    """y = conv(x, w) written into ``out`` (N, O, *g.out), any layout; returns ``out`` and V
    (16, N*T, C) for the weight gradient (None unless ``keep``)."""
    v = _transform_gemm(x, _weight_transform(w), g.pad, g.out, out, keep)
    return out, v


def input_grad(gy, w, g, out):
    """gx = conv_transpose(gy, w), written into ``out`` (N, C, *g.size), any layout: the
    forward over gy padded by 2 - padding, with the kernel flipped and transposed."""
    wf = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)  # (C, O, 3, 3)
    pad = tuple((2 - lo, 2 - hi) for lo, hi in g.pad)
    _transform_gemm(gy, _weight_transform(wf), pad, g.size, out, False)
    return out


def _grad_output_transform(gy):
    """gy (N, O, Ho, Wo) -> dM (16, N*T, O) = A gY A^T of every 2x2 output tile (the adjoint
    of ``_output_transform``); odd sizes are padded with zeros."""
    n, o, ho, wo = gy.shape
    th, tw = _tiles((ho, wo))
    full = np.zeros((n, th, 2, tw, 2, o), dtype=gy.dtype)  # (N, 2*th, 2*tw, O)
    full.reshape(n, 2 * th, 2 * tw, o)[:, :ho, :wo] = np.moveaxis(gy, 1, -1)
    gv = full.transpose(2, 4, 0, 1, 3, 5)  # (2, 2, N, th, tw, O) view
    # A along the first axis: rows (g0, g0 + g1, g0 - g1, -g1).
    q = np.empty((4, 2, n, th, tw, o), dtype=gy.dtype)
    q[0] = gv[0]
    np.add(gv[0], gv[1], out=q[1])
    np.subtract(gv[0], gv[1], out=q[2])
    np.negative(gv[1], out=q[3])
    dm = np.empty((4, 4, n, th, tw, o), dtype=gy.dtype)
    dm[:, 0] = q[:, 0]
    np.add(q[:, 0], q[:, 1], out=dm[:, 1])
    np.subtract(q[:, 0], q[:, 1], out=dm[:, 2])
    np.negative(q[:, 1], out=dm[:, 3])
    return dm.reshape(16, n * th * tw, o)


def weight_grad(v, gy):
    """dw (O, C, 3, 3) from the forward's V (16, N*T, C) and gy (N, O, Ho, Wo):
    dU[xi] = sum over blocks of images of dM[xi]^T @ V[xi], then dw = G^T dU G."""
    n, o = gy.shape[:2]
    c = v.shape[2]
    tiles = v.shape[1] // n
    du = np.zeros((16, o, c), dtype=gy.dtype)
    tmp = np.empty_like(du)
    for n0, n1 in _image_blocks(n, tiles, c + o):
        dm = _grad_output_transform(gy[n0:n1])  # (16, b*T, O)
        np.matmul(dm.transpose(0, 2, 1), v[:, n0 * tiles:n1 * tiles], out=tmp)  # (16, O, C)
        du += tmp
    dw = _KRON.astype(gy.dtype) @ du.reshape(16, o * c)  # (9, O*C): the adjoint of U's GEMM
    return np.ascontiguousarray(dw.T).reshape(o, c, 3, 3)
