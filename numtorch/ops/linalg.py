"""Linear algebra primitives: products of vectors, matrices and batches of matrices.

Three primitives carry every product here: ``MatMul`` (``@`` in every shape combination, and
``mm``/``bmm``/``mv``/``dot``/``addmm``... as checked front ends), ``Einsum`` (any contraction,
with a backward that is itself an einsum, so every order of derivative comes for free) and
``Cross``; ``Cdist`` is fused for its zero-distance gradient. ``kron``, ``tensordot``,
``outer``, ``inner``, ``matrix_power`` and ``multi_dot`` are composites. The functions of the
``numtorch.linalg`` namespace that PyTorch also exposes at the top level (``det``, ``inverse``,
``inverse``...) are forwarded from here to ``numtorch/linalg.py``.
"""

import math

import numpy as np

from numtorch._tensor import Tensor, _wrap
from numtorch.autograd.function import Primitive, _grad_state
from numtorch.ops import _scalars
from numtorch.ops._broadcast import check_broadcast

__all__ = [
    "matmul", "mm", "bmm", "mv", "dot", "vdot", "inner", "outer", "ger", "addmm", "addmv",
    "addbmm", "baddbmm", "addr", "matrix_power", "kron", "tensordot", "chain_matmul", "cross",
    "einsum", "cdist", "det", "logdet", "slogdet", "inverse", "pinverse", "cholesky", "qr",
    "svd", "cholesky_inverse",
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
    from numtorch.ops.elementwise import _out as out_

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


def matrix_power(input, n):
    """``input`` (square matrices, batched) to the integer power ``n`` by repeated squaring;
    ``n == 0`` gives identities, ``n < 0`` powers of the inverse."""
    shape = input._data.shape
    if len(shape) < 2:
        raise RuntimeError("linalg.matrix_power: The input tensor A must have at least 2 "
                           "dimensions.")
    if shape[-1] != shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but they "
                           f"are {shape[-2]} by {shape[-1]} matrices")
    n = int(n)
    if n == 0:
        eye = _wrap(np.broadcast_to(np.eye(shape[-1], dtype=input._data.dtype), shape).copy())
        if input._requires_grad:  # in the graph with a zero gradient, as PyTorch
            return eye + (input * 0).nan_to_num(0.0, 0.0, 0.0)
        return eye
    x = input
    if n < 0:
        from numtorch.linalg import inv

        x = inv(input)
        n = -n
    result = None
    while n:
        if n & 1:
            result = x if result is None else _mm(result, x)
        n >>= 1
        if n:
            x = _mm(x, x)
    return result


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


def chain_matmul(*matrices, out=None):
    """Product of 2-D matrices in the cheapest order (deprecated in PyTorch for
    ``linalg.multi_dot``)."""
    if len(matrices) == 1:
        return matrices[0]
    from numtorch.linalg import multi_dot

    return multi_dot(list(matrices), out=out)


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


# ====================================================================== einsum
class Einsum(Primitive):
    """``out[o] = sum over the other letters of prod_k A_k[s_k]``.

    d out / d A_k: the gradient of operand ``k`` is the einsum of the output gradient with every
    other operand, written to ``A_k``'s subscripts ``s_k``. Two cases make that einsum more
    general than NumPy's: a letter repeated in ``s_k`` (``'ii->'``: the gradient lives on the
    diagonal, zeros elsewhere) and a letter of ``s_k`` seen nowhere else (``'ij->i'``: the
    gradient is broadcast along it). ``forward`` handles both, so ``backward`` is one ``Einsum``
    per operand and double backward needs nothing more. Size-1 dimensions broadcast against the
    letter's size (the engine sums the gradient back).
    """

    @staticmethod
    def forward(ctx, *arrays, in_subs, out_sub, sizes):
        ctx.save_for_backward(*arrays)
        ctx.in_subs, ctx.out_sub, ctx.sizes = in_subs, out_sub, sizes
        return _einsum_arrays(in_subs, out_sub, arrays, sizes)

    @staticmethod
    def backward(ctx, grad_output):
        arrays = ctx.saved_tensors
        in_subs, sizes = ctx.in_subs, ctx.sizes
        grads = []
        for k, need in enumerate(ctx.needs_input_grad):
            if not need:
                grads.append(None)
                continue
            subs = (ctx.out_sub,) + in_subs[:k] + in_subs[k + 1:]
            ops = (grad_output,) + arrays[:k] + arrays[k + 1:]
            grads.append(Einsum.apply(*ops, in_subs=subs, out_sub=in_subs[k], sizes=sizes))
        return tuple(grads)


def _einsum_arrays(in_subs, out_sub, arrays, sizes):
    ops = []
    for s, a in zip(in_subs, arrays):
        shape = tuple(sizes[c] for c in s)
        ops.append(a if a.shape == shape else np.broadcast_to(a, shape))
    present = set("".join(in_subs))
    uniq = "".join(dict.fromkeys(out_sub))
    core = "".join(c for c in uniq if c in present)
    spec = ",".join(in_subs) + "->" + core
    if len(ops) == 1 and in_subs[0] == core:
        res = ops[0]
    else:
        res = np.einsum(spec, *ops, optimize=len(ops) > 1)
    if core == out_sub:
        return np.asarray(res)
    # Letters absent from the inputs broadcast; repeated letters index a diagonal.
    uniq_shape = tuple(sizes[c] for c in uniq)
    res = np.broadcast_to(np.reshape(res, tuple(sizes[c] if c in present else 1 for c in uniq)),
                          uniq_shape)
    if uniq == out_sub:
        return res
    out = np.zeros(tuple(sizes[c] for c in out_sub), dtype=res.dtype)
    strides = [sum(st for c2, st in zip(out_sub, out.strides) if c2 == c) for c in uniq]
    np.copyto(np.lib.stride_tricks.as_strided(out, uniq_shape, strides), res)
    return out


_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _sublist_to_str(sub):
    out = []
    for s in sub:
        if s is Ellipsis:
            out.append("...")
        else:
            if not 0 <= s < 52:
                raise ValueError(f"einsum(): expected subscript to be within the range [0, 52), "
                                 f"but got {s}")
            out.append(_LETTERS[s])
    return "".join(out)


def _einsum_args(args):
    """``einsum(eq, *ops)``, ``einsum(eq, [ops])`` or the sublist form ``einsum(op, [0, 1],
    op, [1, 2], [0, 2])`` -> (equation, operands)."""
    if isinstance(args[0], str):
        ops = args[1:]
        if len(ops) == 1 and isinstance(ops[0], (list, tuple)):
            ops = tuple(ops[0])
        return args[0], list(ops)
    ops = list(args[0::2][:len(args) // 2])
    subs = [_sublist_to_str(s) for s in args[1::2]]
    eq = ",".join(subs[:len(ops)])
    if len(args) % 2:
        eq += "->" + _sublist_to_str(args[-1])
    return eq, ops


def _parse_einsum(equation, shapes):
    """Resolve ellipses to letters and check the equation: (in_subs, out_sub, sizes)."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) > len(shapes):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the "
                           "equation")
    if len(terms) < len(shapes):
        raise RuntimeError("einsum(): more operands were provided than specified in the "
                           "equation")
    for i, ch in enumerate(eq):
        if ch not in _LETTERS and ch not in ".,->":
            raise RuntimeError(f"einsum(): invalid subscript given at index {i} in the equation "
                               f"string, subscripts must be in [a-zA-Z]")
    used = set(eq)
    spare = [c for c in _LETTERS if c not in used]
    ell_ndims = []
    for k, (t, shape) in enumerate(zip(terms, shapes)):
        n = len(t.replace("...", ""))
        if "..." in t:
            if n > len(shape):
                raise RuntimeError(f"einsum(): the number of subscripts in the equation ({n}) is "
                                   f"more than the number of dimensions ({len(shape)}) for "
                                   f"operand {k}")
            ell_ndims.append(len(shape) - n)
        else:
            if n != len(shape):
                raise RuntimeError(f"einsum(): the number of subscripts in the equation ({n}) "
                                   f"does not match the number of dimensions ({len(shape)}) for "
                                   f"operand {k} and no ellipsis was given")
            ell_ndims.append(0)
    n_ell = max(ell_ndims, default=0)
    ell = "".join(spare[:n_ell])
    sizes = {}
    ell_sizes = [1] * n_ell
    in_subs = []
    for k, (t, shape, e) in enumerate(zip(terms, shapes, ell_ndims)):
        sub = t.replace("...", ell[n_ell - e:]) if "..." in t else t
        for j, c in enumerate(sub):
            d = shape[j]
            if c in ell:
                pos = ell.index(c)
                if ell_sizes[pos] != 1 and d != 1 and d != ell_sizes[pos]:
                    raise RuntimeError(
                        f"einsum(): dimension {pos} covered by ellipsis in operand {k}has size "
                        f"{d} which does not broadcast with previously seen ellipsis with size "
                        f"{ell_sizes[pos]} for the respective dimension")
                ell_sizes[pos] = max(ell_sizes[pos], d) if d != 0 else 0
            first = sub.index(c)
            if first != j and shape[first] != d:
                raise RuntimeError(f"einsum(): subscript {c} is repeated for operand {k} but the "
                                   f"sizes don't match, {d} != {shape[first]}")
            prev = sizes.get(c)
            if prev is None or prev == 1:
                sizes[c] = d
            elif d != 1 and d != prev:
                raise RuntimeError(f"einsum(): subscript {c} has size {d} for operand {k} which "
                                   f"does not broadcast with previously seen size {prev}")
        in_subs.append(sub)
    if arrow:
        out_sub = rhs.replace("...", ell)
        for c in out_sub:
            if out_sub.count(c) > 1:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in "
                                   f"the output")
            if c not in sizes:
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the "
                                   f"equation for any input operand")
    else:
        counts = {}
        for c in "".join(in_subs):
            counts[c] = counts.get(c, 0) + 1
        out_sub = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    return tuple(in_subs), out_sub, sizes


def einsum(*args):
    """``torch.einsum``: sums of products over the letters of an equation, e.g.
    ``einsum('bij,bjk->bik', a, b)``. Supports repeated letters (diagonals), ``...``
    (broadcast batch dims), an omitted output (the letters seen once, sorted) and PyTorch's
    sublist form. Operands must share a dtype. Computed with ``numpy.einsum`` (with path
    optimization, which hands contractions to BLAS)."""
    equation, ops = _einsum_args(args)
    if not ops:
        raise RuntimeError("einsum(): must provide at least one operand")
    for t in ops[1:]:
        _check_bmm_dtype(ops[0], t)
    _no_bool(ops[0], "bmm")
    in_subs, out_sub, sizes = _parse_einsum(equation, [t._data.shape for t in ops])
    return Einsum.apply(*ops, in_subs=in_subs, out_sub=out_sub, sizes=sizes)


# ====================================================================== cdist
class Cdist(Primitive):
    """Euclidean distances ``d_ij = |x1_i - x2_j|``.

    d d_ij = (x1_i - x2_j) / d_ij (d x1_i - d x2_j), so with ``w = grad / d`` (0 where d = 0):
    grad_x1 = x1 * sum_j w_ij - w @ x2 and grad_x2 = x2 * sum_i w_ij - w^T @ x1.

    NOTE: fused (not a composite of sqrt) because d sqrt at a zero distance is infinite; like
    PyTorch, the gradient there is 0."""

    @staticmethod
    def forward(ctx, x1, x2):
        # |a - b|^2 = |a|^2 + |b|^2 - 2 a.b: one GEMM; rounding may make it slightly negative.
        sq1 = np.einsum("...ik,...ik->...i", x1, x1)[..., :, None]
        sq2 = np.einsum("...jk,...jk->...j", x2, x2)[..., None, :]
        d2 = sq1 + sq2 - 2 * np.matmul(x1, np.swapaxes(x2, -1, -2))
        out = np.sqrt(np.maximum(d2, 0, out=d2), out=d2)
        ctx.save_for_backward(x1, x2, out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x1, x2, d = ctx.saved_tensors
        from numtorch.ops.elementwise import where

        w = where(d == 0, 0.0, grad_output / where(d == 0, 1.0, d))
        g1 = g2 = None
        if ctx.needs_input_grad[0]:
            s = w.sum(-1, keepdim=True)
            g1 = x1 * s - _mm(w, x2)
        if ctx.needs_input_grad[1]:
            s = w.sum(-2).reshape(w.shape[:-2] + (w.shape[-1], 1))
            g2 = x2 * s - _mm(w.mT, x1)
        return g1, g2


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """Pairwise p-norm distances between the rows of ``x1`` (..., P, M) and ``x2`` (..., R, M):
    (..., P, R). Batch dims broadcast. p = 2 is computed through a matrix product (as PyTorch
    does for large inputs), other p through the differences."""
    for name, t in (("X1", x1), ("X2", x2)):
        if t._data.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: "
                               f"{t._data.ndim}D")
        if t._data.dtype.kind != "f":
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: "
                               f"{_sname(t)}")
    if x1._data.shape[-1] != x2._data.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: "
                           f"{x1._data.shape[-1]} X2: {x2._data.shape[-1]}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    _check_bmm_dtype(x1, x2)
    check_broadcast(x1._data.shape[:-2], x2._data.shape[:-2])
    if p == 2:
        return Cdist.apply(x1, x2)
    from numtorch.linalg import vector_norm

    s1, s2 = x1._data.shape, x2._data.shape
    diff = x1.reshape(s1[:-1] + (1, s1[-1])) - x2.reshape(s2[:-2] + (1,) + s2[-2:])  # (.., P, R, M)
    return vector_norm(diff, p, dim=-1)


# ====================================================================== torch.* forwards
def _la(name):
    import numtorch.linalg as la

    return getattr(la, name)


def det(input):
    """``torch.det``: ``linalg.det``."""
    return _la("det")(input)


def logdet(input):
    """log of the determinant: NaN for a negative determinant, -inf for a zero one."""
    sign, logabs = _la("slogdet")(input)
    from numtorch.ops.elementwise import where

    nan = float("nan")
    return where(sign < 0, nan, logabs)


def slogdet(input):
    """``torch.slogdet``: ``linalg.slogdet``."""
    from numtorch import return_types

    return return_types.slogdet(_la("slogdet")(input))


def inverse(input, *, out=None):
    """``torch.inverse``: ``linalg.inv``."""
    return _out(_la("inv")(input), out)


def pinverse(input, rcond=1e-15):
    """``torch.pinverse``: ``linalg.pinv`` with a relative cutoff ``rcond``."""
    return _la("pinv")(input, rtol=rcond)


def cholesky(input, upper=False, *, out=None):
    """``torch.cholesky`` (deprecated in PyTorch): ``linalg.cholesky``."""
    return _out(_la("cholesky")(input, upper=upper), out)


def cholesky_inverse(input, upper=False):
    """Inverse of ``A`` from its Cholesky factor ``L`` (``A = L L^T``, or ``U^T U``)."""
    u = input if upper else input.mT
    return _la("inv")(_mm(u.mT, u))


def qr(input, some=True, *, out=None):
    """``torch.qr`` (deprecated in PyTorch): ``linalg.qr`` with ``mode='reduced'`` when
    ``some`` else ``'complete'``."""
    q, r = _la("qr")(input, mode="reduced" if some else "complete")
    from numtorch import return_types

    return return_types.qr((q, r))


def svd(input, some=True, compute_uv=True, *, out=None):
    """``torch.svd`` (deprecated in PyTorch): returns ``(U, S, V)`` with V, not V^T."""
    u, s, vh = _la("svd")(input, full_matrices=not some)
    from numtorch import return_types

    return return_types.svd((u, s, vh.mT))


TENSOR_METHODS = {
    "matmul": matmul, "mm": mm, "bmm": bmm, "mv": mv, "dot": dot, "vdot": vdot, "inner": inner,
    "outer": outer, "ger": ger, "addmm": addmm, "addmv": addmv, "addbmm": addbmm,
    "baddbmm": baddbmm, "addr": addr, "matrix_power": matrix_power, "kron": kron,
    "cross": cross, "det": det, "logdet": logdet, "slogdet": slogdet, "inverse": inverse,
    "pinverse": pinverse, "cholesky": cholesky, "qr": qr, "svd": svd,
    "cholesky_inverse": cholesky_inverse,
}

INPLACE_METHODS = {"addmm_": addmm, "addmv_": addmv, "addbmm_": addbmm, "baddbmm_": baddbmm,
                   "addr_": addr}

# PyTorch's out= on the functions (the Tensor methods above have none)
from numtorch.ops._out import accepts_out as _accepts_out  # noqa: E402

cholesky_inverse, matrix_power = map(_accepts_out, (cholesky_inverse, matrix_power))

# PyTorch's TypeError for Python numbers in the arguments it requires to be tensors
_scalars.check_tensor_args(globals())
