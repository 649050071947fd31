"""Products of vectors, matrices and batches of matrices (``matmul`` and its family).

``MatMul`` carries every product here (``@`` in every shape combination, and ``mm``/``bmm``/
``mv``/``dot``/``addmm``... as checked front ends); ``Linear`` fuses ``x @ W^T + b``; ``Cross``
is the cross product. ``kron``, ``tensordot``, ``outer``, ``inner`` and ``multi_dot`` are
composites. The dtype names of PyTorch's messages (``_cname``, ``_sname``) and the ``out=``
helper live here for the other linear-algebra files. The file runs a little over ~500 lines:
the checks of ``matmul`` (PyTorch's messages for each shape combination) are shared by every
front end here, and belong next to them.
"""

import math

import numpy as np

from numtorch._tensor import Tensor, _wrap
from numtorch.autograd.function import Primitive, _grad_state
from numtorch.ops._broadcast import check_broadcast

__all__ = [
    "matmul", "mm", "bmm", "mv", "dot", "vdot", "inner", "outer", "ger", "addmm", "addmv",
    "addbmm", "baddbmm", "addr", "kron", "tensordot", "cross", "multi_dot",
]

# PyTorch names dtypes by their C++ type in some messages and by their scalar name in others.
_CNAME = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
          "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
          "bool": "bool"}
_SNAME = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
          "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _cname(t):
    return _CNAME[t._data.dtype.name]


def _sname(t):
    return _SNAME[t._data.dtype.name]


def _dims_str(shape):
    return "x".join(map(str, shape))


def _no_bool(t, kernel):
    if t._data.dtype == np.bool_:
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')


# ====================================================================== matmul
def _products(*tensors):
    """How a backward computes its products: with no graph being recorded (the usual backward)
    on the tensors' arrays in NumPy; under ``create_graph`` with differentiable numtorch ops.
    Returns ``(matmul, transpose, operands, done)``; ``done(*grads)`` gives the gradients as
    tensors."""
    if _grad_state.enabled:
        return _mm, _mT, tensors, _as_is
    return np.matmul, _swap_last, [t._data for t in tensors], _wrap_all


def _as_is(*grads):
    return grads


def _wrap_all(*grads):
    return tuple(None if g is None else _wrap(g) for g in grads)


def _mT(t):
    return t.mT


def _swap_last(a):
    return np.swapaxes(a, -1, -2)


class MatMul(Primitive):
    """d(x @ y) = grad @ y^T dx + x^T @ grad dy, with a 1-D ``x`` read as a row and a 1-D ``y``
    as a column, and batch dimensions broadcast (the engine sums the broadcast ones back).

    A batch of matrices times one matrix is computed as one GEMM over the folded batch
    ``(B*n, k) @ (k, m)``, forward and backward, as PyTorch does."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        if x.ndim > 2 and y.ndim == 2 and x.flags.c_contiguous:
            k = x.shape[-1]
            return np.matmul(x.reshape(math.prod(x.shape[:-1]), k), y).reshape(
                x.shape[:-1] + y.shape[-1:])
        return np.matmul(x, y)

    @staticmethod
    def backward(ctx, grad_output):
        x, y = ctx.saved_tensors
        g = grad_output
        need_x, need_y = ctx.needs_input_grad
        gx = gy = None
        xs, ys, gs = x._data.shape, y._data.shape, g._data.shape
        if len(xs) == 1 and len(ys) == 1:
            gx = g * y if need_x else None
            gy = g * x if need_y else None
        elif len(xs) == 1:  # (n) @ (..., n, m) -> (..., m)
            if need_x:
                gx = _mm(y, g.reshape(gs + (1,))).reshape(gs[:-1] + xs)  # (..., n)
            if need_y:
                gy = x.reshape(xs + (1,)) * g.reshape(gs[:-1] + (1, gs[-1]))  # (..., n, m)
        elif len(ys) == 1:  # (..., n, k) @ (k) -> (..., n)
            if need_x:
                gx = g.reshape(gs + (1,)) * y  # (..., n, k)
            if need_y:
                rows = math.prod(xs[:-1])  # explicit sizes: -1 is ambiguous when empty
                gy = _mm(g.reshape(1, rows), x.reshape(rows, ys[0])).reshape(ys)  # (k)
        else:
            mm, tr, (g, x, y), done = _products(g, x, y)
            if need_x:
                gx = mm(g, tr(y))
            if need_y:
                if len(ys) == 2 and len(xs) > 2:  # fold the batch: one (k, B*n) @ (B*n, m)
                    rows = math.prod(xs[:-1])
                    gy = mm(tr(x.reshape(rows, xs[-1])), g.reshape(rows, gs[-1]))
                else:
                    gy = mm(tr(x), g)
            return done(gx, gy)
        return gx, gy


class Linear(Primitive):
    """y = x @ w^T + b for x (*, in), w (out, in), b (out,) or None: one node, as PyTorch's
    addmm (F.linear), instead of a transpose, a matmul and a broadcast add.

    dL/dx = g @ w, dL/dw = g^T @ x and dL/db = g summed over the batch, with the batch dims of
    x and g folded into rows. Without a graph being recorded the three products are NumPy
    calls; under ``create_graph`` they are numtorch ops (double backward).

    The node is named as PyTorch's for a 2-D input (``AddmmBackward0``, ``MmBackward0`` without
    bias); for other inputs PyTorch's output comes from a view node (``ViewBackward0``)."""

    node_name = "AddmmBackward0"

    @staticmethod
    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w)
        if b is None:
            ctx._node_name = "MmBackward0"
        x2 = x.reshape(math.prod(x.shape[:-1]), x.shape[-1]) if x.ndim != 2 else x
        y = x2 @ w.T
        if b is not None:
            y += b
        return y.reshape(x.shape[:-1] + (w.shape[0],)) if x.ndim != 2 else y

    @staticmethod
    def backward(ctx, grad_output):
        x, w = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        gx = gw = gb = None
        rows = math.prod(x.shape[:-1])
        mm, tr, (g, x, w), done = _products(grad_output, x, w)
        g2 = g.reshape(rows, w.shape[0])
        if need_x:
            gx = mm(g2, w).reshape(x.shape)
        if need_w:
            gw = mm(tr(g2), x.reshape(rows, w.shape[1]))
        if need_b:
            gb = g2.sum(0)
        return done(gx, gw, gb)


def linear_fast(input, weight, bias):
    """F.linear's common case on one node (``Linear``), or None when the arguments need the
    general path (its checks and errors): float input and weight of one dtype, a 2-D weight
    matching the input's last dim, a matching 1-D bias or None."""
    x, w = input._data, weight._data
    if (w.ndim == 2 and x.ndim >= 1 and x.dtype == w.dtype and x.dtype.kind == "f"
            and x.shape[-1] == w.shape[1]
            and (bias is None or (bias._data.shape == w.shape[:1]
                                  and bias._data.dtype == w.dtype))):
        return Linear.apply(input, weight, bias)
    return None


def _mm(a, b):
    """``a @ b`` without the argument checks (shapes are known to agree)."""
    return MatMul.apply(a, b)


def _check_matmul(a, b):
    """PyTorch's checks for ``a @ b``, in its order: dimensions, sizes, then dtypes."""
    sa, sb = a._data.shape, b._data.shape
    na, nb = len(sa), len(sb)
    if not na or not nb:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{na}D and {nb}D")
    if na == 1 and nb == 1:
        if sa[0] != sb[0]:
            raise RuntimeError(
                f"inconsistent tensor size, expected tensor [{sa[0]}] and src [{sb[0]}] to have "
                f"the same number of elements, but got {sa[0]} and {sb[0]} elements respectively")
        if a._data.dtype != b._data.dtype:
            raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                               f"{_sname(a)} and {_sname(b)}")
        _no_bool(a, "dot")
        return
    if nb == 1:  # matrix (or folded batch) times vector
        rows = int(np.prod(sa[:-1]))
        if sa[-1] != sb[0]:
            raise RuntimeError(f"size mismatch, got input ({rows}), mat ({rows}x{sa[-1]}), "
                               f"vec ({sb[0]})")
        if a._data.dtype != b._data.dtype:
            raise RuntimeError(f"addmv input tensors must have the same dtype, but got "
                               f"{_sname(b)}, {_sname(a)}, and {_sname(b)}")
        _no_bool(a, "addmv_impl_cpu")
        return
    if nb == 2:  # (vector | matrix | folded batch) times matrix
        rows = 1 if na == 1 else int(np.prod(sa[:-1]))
        if sa[-1] != sb[0]:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                               f"({rows}x{sa[-1]} and {_dims_str(sb)})")
        _check_mm_dtype(a, b)
        _no_bool(a, "addmm_impl_cpu_")
        return
    # A batched second operand: batch dims broadcast, then one bmm over the flattened batch.
    ba = sa[:-2]
    bb = sb[:-2]
    check_broadcast(ba, bb)
    batch = int(np.prod(np.broadcast_shapes(ba, bb)))
    if sa[-1] != sb[-2]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{batch}, {sa[-1]}] but got: [{batch}, {sb[-2]}].")
    _check_bmm_dtype(a, b)
    _no_bool(a, "bmm")


def _check_mm_dtype(a, b):
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_cname(a)} != "
                           f"{_cname(b)}")


def _check_bmm_dtype(a, b):
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"expected scalar type {_sname(a)} but found {_sname(b)}")


def _out(result, out):
    from numtorch.ops._out import _out as out_

    return out_(result, out)


def matmul(input, other, *, out=None):
    """``input @ other`` for 1-D, 2-D and batched operands, as ``torch.matmul``: a 1-D first
    operand is a row vector and a 1-D second operand a column vector (the added dimension is
    removed from the result); batch dimensions broadcast. Both operands must have one dtype
    (integer products give that integer dtype); errors name the shapes as PyTorch does."""
    if not isinstance(other, Tensor):
        raise TypeError(f"matmul(): argument 'other' (position 2) must be Tensor, not "
                        f"{type(other).__name__}")
    _check_matmul(input, other)
    res = MatMul.apply(input, other)
    return res if out is None else _out(res, out)


def mm(input, mat2, *, out=None):
    """Matrix product of two 2-D tensors (no broadcasting)."""
    if input._data.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2._data.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    return matmul(input, mat2, out=out)


def bmm(input, mat2, *, out=None):
    """Batched matrix product of two 3-D tensors with equal batch sizes (no broadcasting)."""
    if input._data.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2._data.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    b, _, k = input._data.shape
    if mat2._data.shape[:2] != (b, k):
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{b}, {k}] but got: [{mat2._data.shape[0]}, {mat2._data.shape[1]}].")
    _check_bmm_dtype(input, mat2)
    _no_bool(input, "bmm")
    return _out(MatMul.apply(input, mat2), out)


def mv(input, vec, *, out=None):
    """Matrix (2-D) times vector (1-D)."""
    if input._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input._data.ndim}, "
                           f"{vec._data.ndim}")
    return matmul(input, vec, out=out)


def dot(input, tensor, *, out=None):
    """Inner product of two 1-D tensors of one dtype and length."""
    if input._data.ndim != 1 or tensor._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input._data.ndim}D and "
                           f"{tensor._data.ndim}D tensors")
    return matmul(input, tensor, out=out)


def vdot(input, other, *, out=None):
    """``dot`` with the first argument conjugated; numtorch tensors are real, so ``dot``."""
    return dot(input, other, out=out)


def inner(input, other, *, out=None):
    """Sum of products over the last dimension: shape ``input.shape[:-1] + other.shape[:-1]``;
    a 0-D operand multiplies the other."""
    if input._data.ndim == 0 or other._data.ndim == 0:
        return _out(input * other, out)
    sa, sb = input._data.shape, other._data.shape
    if sa[-1] != sb[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but "
                           f"got shapes {list(sa)} and {list(sb)}")
    return _out(tensordot(input, other, dims=([input.ndim - 1], [other.ndim - 1])), out)


def outer(input, vec2, *, out=None):
    """``input[:, None] * vec2[None, :]`` for two 1-D tensors (dtypes promote)."""
    if input._data.ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument self, but got {input._data.ndim}-D")
    if vec2._data.ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument vec2, but got {vec2._data.ndim}-D")
    return _out(input.reshape(-1, 1) * vec2, out)  # (n, 1) * (m) -> (n, m)


ger = outer


def _scaled_sum(input, product, beta, alpha):
    """``beta * input + alpha * product`` with ``input`` broadcast to the product's shape;
    ``beta == 0`` ignores ``input`` (NaN in it does not propagate), as PyTorch."""
    if alpha != 1:
        product = product * alpha
    shape = product._data.shape
    if input._data.shape != shape:
        input = input.expand(shape)  # raises PyTorch's expand message
    if beta == 0:
        if input._requires_grad:  # a zero gradient for input, without propagating its NaNs
            return product + (input * 0).nan_to_num(0.0, 0.0, 0.0)
        return product
    return product + (input if beta == 1 else input * beta)


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * (mat1 @ mat2)``."""
    if input._data.dtype != mat2._data.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {_sname(input)} and "
                           f"{_sname(mat2)}")
    return _out(_scaled_sum(input, mm(mat1, mat2), beta, alpha), out)


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * (mat @ vec)``."""
    return _out(_scaled_sum(input, mv(mat, vec), beta, alpha), out)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * sum_b batch1[b] @ batch2[b]``."""
    product = bmm(batch1, batch2).sum(0)
    return _out(_scaled_sum(input, product, beta, alpha), out)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * bmm(batch1, batch2)``."""
    return _out(_scaled_sum(input, bmm(batch1, batch2), beta, alpha), out)


def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * outer(vec1, vec2)``."""
    return _out(_scaled_sum(input, outer(vec1, vec2), beta, alpha), out)


def kron(input, other, *, out=None):
    """Kronecker product: block ``(i, j, ...)`` of the result is ``input[i, j, ...] * other``.
    Operands of fewer dimensions are padded with leading 1s; dtypes promote."""
    nd = max(input._data.ndim, other._data.ndim)
    sa = (1,) * (nd - input._data.ndim) + input._data.shape
    sb = (1,) * (nd - other._data.ndim) + other._data.shape
    a = input.reshape([d for s in sa for d in (s, 1)])  # (a0, 1, a1, 1, ...)
    b = other.reshape([d for s in sb for d in (1, s)])  # (1, b0, 1, b1, ...)
    return _out((a * b).reshape([x * y for x, y in zip(sa, sb)]), out)  # (a0*b0, a1*b1, ...)


def _dims_list(dims, ndim_a):
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (int, np.integer)):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        return list(range(-dims, 0)), list(range(dims))
    da, db = dims
    da = [da] if isinstance(da, (int, np.integer)) else list(da)
    db = [db] if isinstance(db, (int, np.integer)) else list(db)
    if len(da) != len(db):
        raise RuntimeError("both dimension lists should have same length")
    return da, db


def tensordot(a, b, dims=2, out=None):
    """Contract ``a``'s dims ``dims[0]`` with ``b``'s dims ``dims[1]`` (an int ``n``: the last
    ``n`` of ``a`` with the first ``n`` of ``b``). Done as one matrix product of the permuted,
    flattened operands."""
    da, db = _dims_list(dims, a._data.ndim)
    if a._data.dtype != b._data.dtype:
        raise RuntimeError("both inputs should have same dtype")
    sa, sb = a._data.shape, b._data.shape
    for x, y in zip(da, db):
        if sa[x] != sb[y]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {sa[x]} "
                               f"in dim {x} and second has size {sb[y]} in dim {y}")
    ca = [a._wrap_dim(d) for d in da]
    cb = [b._wrap_dim(d) for d in db]
    fa = [i for i in range(len(sa)) if i not in ca]
    fb = [i for i in range(len(sb)) if i not in cb]
    k = int(np.prod([sa[i] for i in ca]))
    free_a, free_b = math.prod(sa[i] for i in fa), math.prod(sb[i] for i in fb)
    x = a.permute(fa + ca).reshape(free_a, k)  # (free_a, contracted)
    y = b.permute(cb + fb).reshape(k, free_b)  # (contracted, free_b)
    res = _mm(x, y).reshape([sa[i] for i in fa] + [sb[i] for i in fb])
    return _out(res, out)


# ====================================================================== cross
class Cross(Primitive):
    """d(a x b) = da x b + a x db, so grad_a = b x g and grad_b = g x a."""

    @staticmethod
    def forward(ctx, a, b, axis):
        ctx.save_for_backward(a, b)
        ctx.axis = axis
        return np.cross(a, b, axis=axis)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        ga = Cross.apply(b, grad_output, ctx.axis) if ctx.needs_input_grad[0] else None
        gb = Cross.apply(grad_output, a, ctx.axis) if ctx.needs_input_grad[1] else None
        return ga, gb, None


def cross(input, other, dim=None, *, out=None):
    """Cross product of 3-vectors along ``dim`` (batch dims broadcast). ``dim=None`` takes the
    first dimension of size 3 (``torch.cross``; ``linalg.cross`` defaults to -1)."""
    if input._data.ndim != other._data.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    if dim is None:
        dims = [i for i, s in enumerate(np.broadcast_shapes(input._data.shape,
                                                           other._data.shape)) if s == 3]
        if not dims:
            raise RuntimeError("no dimension of size 3 in input")
        dim = dims[0]
    sa, sb = input._data.shape, other._data.shape
    d = input._wrap_dim(dim)
    if sa[d] != 3 or sb[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{sa[d]} and {sb[d]}")
    _check_bmm_dtype(input, other)
    check_broadcast(sa, sb)
    res = Cross.apply(input, other, d - input._data.ndim).contiguous()  # PyTorch's layout
    return _out(res, out)


# ====================================================================== products
def _chain_order(dims):
    """Matrix-chain dynamic programme: split[i][j] is where the cheapest product of matrices
    i..j splits (dims[i] x dims[i+1] is matrix i)."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def multi_dot(tensors, *, out=None):
    """The product of a chain of matrices, multiplied in the cheapest order. The first may be
    1-D (a row vector) and the last 1-D (a column vector); the result drops those dims."""
    tensors = list(tensors)
    n = len(tensors)
    if n < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {n}")
    first, last = tensors[0], tensors[-1]
    if first._data.ndim not in (1, 2):
        raise RuntimeError(f"multi_dot(): the first tensor must be 1D or 2D but got "
                           f"{first._data.ndim}D")
    if last._data.ndim not in (1, 2):
        raise RuntimeError(f"multi_dot(): the last tensor must be 1D or 2D but got "
                           f"{last._data.ndim}D")
    for i, t in enumerate(tensors[1:-1], 1):
        if t._data.ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t._data.ndim}D")
    for i, t in enumerate(tensors[1:], 1):
        if t._data.dtype != first._data.dtype:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but tensor "
                               f"0 is {_cname(first)} and tensor {i} {_cname(t)}")
    mats = list(tensors)
    if first._data.ndim == 1:
        mats[0] = first.reshape(1, -1)  # (1, n)
    if last._data.ndim == 1:
        mats[-1] = last.reshape(-1, 1)  # (n, 1)
    for i in range(n - 1):
        if mats[i]._data.shape[1] != mats[i + 1]._data.shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes "
                               f"{list(tensors[i]._data.shape)} and "
                               f"{list(tensors[i + 1]._data.shape)} cannot be multiplied")
    split = _chain_order([m._data.shape[0] for m in mats] + [mats[-1]._data.shape[1]])

    def product(i, j):
        if i == j:
            return mats[i]
        k = split[i][j]
        return _mm(product(i, k), product(k + 1, j))

    res = product(0, n - 1)
    shape = [s for s, keep in zip(res._data.shape, (first._data.ndim == 2, last._data.ndim == 2))
             if keep]
    return _out(res.reshape(shape), out)

