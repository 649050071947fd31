"""Shape primitives: views and copies that move elements without changing them."""

import numpy as np

from numtorch._tensor import _wrap
from numtorch.autograd.function import Primitive

__all__ = ["reshape", "view", "expand", "permute", "transpose"]


def _view_of(out, x_tensor):
    """Views share their base's version counter, so in-place writes through either are seen."""
    return out


class Reshape(Primitive):
    """d reshape(x) = reshape(grad, x.shape)."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output.reshape(ctx.shape), None


def _infer_shape(numel, shape, src_shape):
    shape = list(shape)
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"invalid shape dimension {s}")
            known *= s
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '[{', '.join(map(str, shape))}]' is invalid for input of "
                               f"size {numel}")
        shape[neg[0]] = numel // known
    elif known != numel:
        raise RuntimeError(f"shape '[{', '.join(map(str, shape))}]' is invalid for input of size "
                           f"{numel}")
    return tuple(shape)


def _shape_args(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(int(s) for s in shape[0])
    return tuple(int(s) for s in shape)


def reshape(input, *shape):
    shape = _infer_shape(input._data.size, _shape_args(shape), input._data.shape)
    if shape == input._data.shape:
        return Reshape.apply(input, shape) if input._requires_grad else _alias(input)
    return Reshape.apply(input, shape)


def _alias(t):
    out = _wrap(t._data)
    out._vc = t._ensure_vc()
    return out


def view(input, *shape):
    """Like ``reshape``; PyTorch raises when the memory layout does not allow a view, numtorch
    copies silently in that case."""
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer, tuple, list)):
        return input.to(shape[0])
    return reshape(input, *shape)


class Expand(Primitive):
    """d expand(x) = sum of grad over the expanded axes (done by the engine's sum_to_shape)."""

    @staticmethod
    def forward(ctx, x, shape):
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output, None


def expand(input, *sizes):
    sizes = _shape_args(sizes)
    src = input._data.shape
    if len(sizes) < len(src):
        raise RuntimeError(
            f"expand(torch.FloatTensor{{[{', '.join(map(str, src))}]}}, size=[{', '.join(map(str, sizes))}]): the number of sizes provided ({len(sizes)}) must be greater or equal to the number of dimensions in the tensor ({len(src)})")
    lead = len(sizes) - len(src)
    shape = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a "
                                   "leading, non-existing dimension 0")
            shape.append(s)
            continue
        cur = src[i - lead]
        if s == -1:
            shape.append(cur)
        elif cur == 1 or cur == s:
            shape.append(s)
        else:
            raise RuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                f"non-singleton dimension {i}.  Target sizes: [{', '.join(map(str, sizes))}].  "
                f"Tensor sizes: [{', '.join(map(str, src))}]")
    return Expand.apply(input, tuple(shape))


class Permute(Primitive):
    """d permute(x, p) = permute(grad, inverse(p))."""

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return np.transpose(x, dims)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output.permute(*np.argsort(ctx.dims).tolist()), None


def permute(input, *dims):
    dims = _shape_args(dims)
    n = input._data.ndim
    if len(dims) != n:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {n} is not equal to "
            f"len(dims) = {len(dims)}")
    dims = tuple(input._wrap_dim(d) for d in dims)
    if len(set(dims)) != n:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return Permute.apply(input, dims)


def transpose(input, dim0, dim1):
    n = input._data.ndim
    if n == 0:
        return _alias(input)
    d0, d1 = input._wrap_dim(dim0), input._wrap_dim(dim1)
    dims = list(range(n))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return Permute.apply(input, tuple(dims))


TENSOR_METHODS = {
    "reshape": reshape, "view": view, "expand": expand, "permute": permute,
    "transpose": transpose, "swapaxes": transpose, "swapdims": transpose,
    "expand_as": lambda self, other: expand(self, other.shape),
    "view_as": lambda self, other: reshape(self, other.shape),
    "reshape_as": lambda self, other: reshape(self, other.shape),
    "t": lambda self: transpose(self, 0, 1) if self.ndim == 2 else _alias(self),
}
