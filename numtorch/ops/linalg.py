"""Linear algebra primitives: matmul in every shape combination, and what builds on it."""

import numpy as np

from numtorch.autograd.function import Primitive

__all__ = ["matmul"]


def _dims_str(shape):
    return "x".join(map(str, shape))


class MatMul(Primitive):
    """d(x @ y) = grad @ y^T dx + x^T @ grad dy, with 1-D operands treated as a row (x) or a
    column (y) vector and batch dimensions broadcast (the engine sums them back)."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return np.matmul(x, y)

    @staticmethod
    def backward(ctx, grad_output):
        x, y = ctx.saved_tensors
        g = grad_output
        need_x, need_y = ctx.needs_input_grad
        gx = gy = None
        if x.ndim == 1 and y.ndim == 1:
            gx = g * y if need_x else None
            gy = g * x if need_y else None
        elif x.ndim == 1:  # (n) @ (..., n, m) -> (..., m)
            if need_x:
                gx = (g.unsqueeze(-2) @ y.mT).squeeze(-2)  # (..., n)
            if need_y:
                gy = x.unsqueeze(-1) * g.unsqueeze(-2)  # (..., n, m)
        elif y.ndim == 1:  # (..., n, k) @ (k) -> (..., n)
            if need_x:
                gx = g.unsqueeze(-1) * y  # (..., n, k)
            if need_y:
                gy = (x.mT @ g.unsqueeze(-1)).squeeze(-1)  # (..., k)
        else:
            gx = g @ y.mT if need_x else None
            gy = x.mT @ g if need_y else None
        return gx, gy


def _check_matmul(a, b):
    sa, sb = a._data.shape, b._data.shape
    if not sa or not sb:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{len(sa)}D and {len(sb)}D")
    k_a = sa[-1]
    k_b = sb[0] if len(sb) == 1 else sb[-2]
    if k_a != k_b:
        if len(sa) == 1 and len(sb) == 1:
            raise RuntimeError(
                f"inconsistent tensor size, expected tensor [{sa[0]}] and src [{sb[0]}] to have "
                f"the same number of elements, but got {sa[0]} and {sb[0]} elements respectively")
        # PyTorch folds a batched first operand into rows when the second is a matrix.
        rows = int(np.prod(sa[:-1])) if len(sb) <= 2 else sa[-2] if len(sa) > 1 else 1
        rb = sb if len(sb) > 1 else sb + (1,)
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                           f"({rows}x{k_a} and {_dims_str(rb[-2:])})")
    if len(sa) > 2 or len(sb) > 2:
        ba, bb = sa[:-2], sb[:-2]
        from numtorch.ops._broadcast import check_broadcast

        check_broadcast(ba, bb)


def matmul(input, other, *, out=None):
    """``input @ other`` for 1-D, 2-D and batched operands (batch dims broadcast), PyTorch's
    rules and error messages."""
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{input.dtype.name} != {other.dtype.name}")
    _check_matmul(input, other)
    from numtorch.ops.elementwise import _out

    return _out(MatMul.apply(input, other), out)


TENSOR_METHODS = {"matmul": matmul}
