"""The reductions that add up: ``sum``, ``mean`` (and their NaN-skipping forms), ``prod``, the
statistics ``var``/``std`` (and ``*_mean``), ``norm``, and the boolean ``all``/``any``/
``count_nonzero``. Integer and bool inputs sum to int64 as in PyTorch; ``mean``, ``var`` and
``norm`` accept floating tensors only."""

import builtins
import math
import warnings

import numpy as np

from numtorch import _dtype
from numtorch._tensor import _wrap
from numtorch.autograd.function import Primitive
from numtorch.ops import elementwise as ew
from numtorch.ops._reduce_dims import (
    _count,
    _dims,
    _even_split,
    _expand_back,
    _int_dim,
    _keep_shape,
    _out_shape,
    _require_float,
    _scalar_name,
    _unsqueeze,
)

__all__ = [
    "sum", "nansum", "mean", "nanmean", "prod", "var", "std", "var_mean", "std_mean", "norm",
    "all", "any", "count_nonzero",
]


# ====================================================================== sums
class Sum(Primitive):
    """d sum(x) = ones_like(x) * grad: the gradient is expanded back over the summed axes."""

    @staticmethod
    def forward(ctx, x, axes, keepdim, np_dtype=None):
        ctx.shape = x.shape
        ctx.axes = axes
        ctx.keepdim = keepdim
        if x.dtype == np.float16 and np_dtype is None:
            # NOTE: half precision accumulates in float32, as PyTorch does on the CPU.
            return np.sum(x, axis=axes, keepdims=keepdim, dtype=np.float32).astype(np.float16)
        return np.asarray(np.sum(x, axis=axes, keepdims=keepdim, dtype=np_dtype))

    @staticmethod
    def backward(ctx, grad_output):
        return _expand_back(grad_output, ctx.shape, ctx.axes, ctx.keepdim), None, None, None


class Mean(Primitive):
    """d mean(x) = grad / N, expanded back over the N reduced elements."""

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape = x.shape
        ctx.axes = axes
        ctx.keepdim = keepdim
        ctx.n = _count(x.shape, axes)
        if ctx.n == 0:  # NOTE: the mean of nothing is NaN, silently, as in PyTorch
            return np.full(_out_shape(x.shape, axes, keepdim), np.nan, dtype=x.dtype)
        return np.asarray(np.mean(x, axis=axes, keepdims=keepdim))

    @staticmethod
    def backward(ctx, grad_output):
        return _expand_back(grad_output / (ctx.n or 1), ctx.shape, ctx.axes, ctx.keepdim), \
            None, None


def _sum_dtype(x, dtype):
    """The dtype a sum/prod/cumsum accumulates in: ``dtype`` if given, int64 for integer and
    bool inputs, the input's own otherwise."""
    if dtype is not None:
        return _dtype.to_dtype(dtype)
    if x._data.dtype.kind in "biu":
        return _dtype.int64
    return None


def sum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum over ``dim`` (every dim when None or ``()``). Integer and bool tensors sum to int64,
    as in PyTorch; ``dtype`` casts the input before summing."""
    x = input
    dt = _sum_dtype(x, dtype)
    if dt is not None and dt.is_floating_point and x._data.dtype.kind != "f":
        x = x.to(dt)  # an int tensor summed as float: cast first (it has no gradient anyway)
        dt = None
    elif dt is not None and dt.np_dtype == x._data.dtype and dt.is_floating_point:
        dt = None  # (NumPy sums small integers in int64: their dtype is passed on)
    axes = _dims(x._data.ndim, dim)
    return Sum.apply(x, axes, keepdim, None if dt is None else dt.np_dtype)


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """``sum`` treating NaN as zero; NaN elements get zero gradient."""
    x = input
    if x._data.dtype.kind == "f":
        x = ew.where(ew.isnan(x), 0.0, x)
    return sum(x, dim, keepdim, dtype=dtype)


def mean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean over ``dim``; floating dtypes only (PyTorch raises RuntimeError for integers unless
    ``dtype`` is a floating dtype). The mean over zero elements is NaN."""
    x = input if dtype is None else input.to(dtype)
    if x._data.dtype.kind != "f":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {_scalar_name(x._data)}")
    return Mean.apply(x, _dims(x._data.ndim, dim), keepdim)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean of the non-NaN elements over ``dim`` (NaN where all are NaN)."""
    x = input if dtype is None else input.to(dtype)
    _require_float("nanmean", x)
    axes = _dims(x._data.ndim, dim)
    count = np.sum(~np.isnan(x._data), axis=axes, keepdims=keepdim).astype(x._data.dtype)
    with np.errstate(invalid="ignore"):  # an all-NaN slice is 0 / 0: NaN, silently
        return nansum(x, axes, keepdim) / _wrap(count)


class Prod(Primitive):
    """d prod(x)_i = prod_{j != i} x_j.

    NOTE: computed as ``prod / x`` only when no reduced element is zero; otherwise from the
    product of the non-zero elements: an element that is the only zero of its slice gets that
    product, every other element of a slice with a zero gets 0. Exact with zeros, as in
    PyTorch."""

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.axes = axes
        ctx.keepdim = keepdim
        # (in the input's dtype: NumPy would widen small integers, uint8 to uint64)
        out = np.asarray(np.prod(x, axis=axes, keepdims=keepdim, dtype=x.dtype))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, out = ctx.saved_tensors
        shape, axes = x._data.shape, ctx.axes
        g = _unsqueeze(grad_output, shape, axes, ctx.keepdim)
        zero = x._data == 0
        if not zero.any():
            return g * _unsqueeze(out, shape, axes, ctx.keepdim) / x, None, None
        nzeros = np.sum(zero, axis=axes, keepdims=True)
        zero_t = _wrap(zero)
        x_safe = ew.where(zero_t, 1.0, x)
        prod_nonzero = Prod.apply(x_safe, axes, True)
        only_zero = _wrap(zero & (nzeros == 1))
        others = ew.where(only_zero, prod_nonzero, 0.0)
        grad = ew.where(_wrap(nzeros == 0), prod_nonzero / x_safe, others)
        return g * grad, None, None


def prod(input, dim=None, keepdim=False, *, dtype=None):
    """Product over one ``dim`` (an int, as in PyTorch) or over everything. Integer and bool
    tensors multiply in int64. The gradient is exact when the input has zeros."""
    x = input
    dt = _sum_dtype(x, dtype)
    if dt is not None and dt.np_dtype != x._data.dtype:
        x = x.to(dt)
    if dim is None:
        axes = tuple(range(x._data.ndim))
    else:
        axes = _dims(x._data.ndim, _int_dim("prod", dim))
    return Prod.apply(x, axes, keepdim)


# ====================================================================== statistics
class Var(Primitive):
    """var = sum((x - mean)^2) / max(0, N - correction); with ``take_sqrt``, std = sqrt(var).

    d var = 2 (x - mean) / (N - correction) dx (the unclamped degrees of freedom: inf at 0);
    d std = d var / (2 std), 0 where std is 0 (a constant slice). NOTE: PyTorch's rule for
    N - correction <= 0 in a reduction over the whole tensor (no ``dim``, or a 0-d input) is
    followed: the gradient is inf, NaN where x equals the mean (``whole``)."""

    @staticmethod
    def forward(ctx, x, axes, correction, keepdim, take_sqrt, whole=False):
        n = _count(x.shape, axes)
        dof = builtins.max(0, n - correction)
        ctx.axes = axes
        ctx.keepdim = keepdim
        ctx.dof = n - correction  # NOTE: the gradient divides by n - correction, unclamped
        ctx.take_sqrt = take_sqrt
        ctx.whole = whole
        xf = x.astype(np.float32) if x.dtype == np.float16 else x
        with np.errstate(divide="ignore", invalid="ignore"):
            if n:
                mean_ = np.mean(xf, axis=axes, keepdims=True)
            else:
                mean_ = np.full(_keep_shape(x.shape, axes), np.nan, dtype=xf.dtype)
            d = np.asarray(xf - mean_)
            out = np.sum(np.square(d, out=d), axis=axes, keepdims=keepdim)
            out = np.true_divide(out, dof, out=out if isinstance(out, np.ndarray) else None)
            if take_sqrt:
                out = np.sqrt(out)
        out = np.asarray(out).astype(x.dtype, copy=False)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, out = ctx.saved_tensors
        shape, axes = x._data.shape, ctx.axes
        g = _unsqueeze(grad_output, shape, axes, ctx.keepdim)
        if ctx.take_sqrt:
            std_ = _unsqueeze(out, shape, axes, ctx.keepdim)
            g = ew.where(_wrap(std_._data == 0), 0.0, g / (std_ * 2))
        mean_ = Mean.apply(x, axes, True)
        if ctx.whole and ctx.dof <= 0:
            spike = np.where(x._data == mean_._data, np.nan, np.inf).astype(x._data.dtype)
            return g * _wrap(spike), None, None, None, None, None
        scale = 2.0 / ctx.dof if ctx.dof else math.inf
        return g * (x - mean_) * scale, None, None, None, None, None


def _var_args(name, input, dim, unbiased, keepdim, correction):
    """PyTorch's overloads: ``var(x, unbiased)``, ``var(x, dim, unbiased, keepdim)`` and
    ``var(x, dim, *, correction, keepdim)``."""
    if isinstance(dim, bool):
        if unbiased is not None:
            raise TypeError(f"{name}() received an invalid combination of arguments")
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{name}() received an invalid combination of arguments - got both "
                        "'unbiased' and 'correction'")
    if correction is None:
        correction = 0 if unbiased is False else 1
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"std and var only support floating point and complex dtypes, got "
                           f"{_scalar_name(input._data)}")
    axes = _dims(input._data.ndim, dim)
    whole = dim is None or input._data.ndim == 0
    if _count(input._data.shape, axes) - correction <= 0:
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=3)
    return axes, correction, whole


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance over ``dim`` with Bessel's ``correction`` (default 1; ``unbiased=False`` means
    0). Zero or negative degrees of freedom give NaN/inf with a warning, as in PyTorch."""
    axes, correction, whole = _var_args("var", input, dim, unbiased, keepdim, correction)
    return Var.apply(input, axes, correction, keepdim, False, whole)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Standard deviation: ``sqrt(var)`` (same arguments); gradient 0 where it is 0."""
    axes, correction, whole = _var_args("std", input, dim, unbiased, keepdim, correction)
    return Var.apply(input, axes, correction, keepdim, True, whole)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(var, mean)`` over the same ``dim`` (a plain tuple, as in PyTorch)."""
    axes, correction, whole = _var_args("var_mean", input, dim, unbiased, keepdim, correction)
    return (Var.apply(input, axes, correction, keepdim, False, whole),
            Mean.apply(input, axes, keepdim))


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(std, mean)`` over the same ``dim`` (a plain tuple, as in PyTorch)."""
    axes, correction, whole = _var_args("std_mean", input, dim, unbiased, keepdim, correction)
    return (Var.apply(input, axes, correction, keepdim, True, whole),
            Mean.apply(input, axes, keepdim))


# ====================================================================== norms
class Norm(Primitive):
    """The vector p-norm over ``axes``: (sum |x|^p)^(1/p); max|x| for p = inf, min|x| for
    -inf, the count of non-zeros for p = 0.

    d = sign(x) |x|^(p-1) / norm^(p-1) dx (x / norm for p = 2, sign(x) for p = 1; for +-inf
    split evenly among the tied extremes, like amax). NOTE: the gradient is 0 where the norm is
    0, and at x = 0 when p < 1, as in PyTorch (not NaN)."""

    @staticmethod
    def forward(ctx, x, p, axes, keepdim):
        ctx.p = p
        ctx.axes = axes
        ctx.keepdim = keepdim
        a = np.asarray(np.abs(x))
        if p == 2:
            out = np.sqrt(np.sum(np.square(a, out=a), axis=axes, keepdims=keepdim))
        elif p == 1:
            out = np.sum(a, axis=axes, keepdims=keepdim)
        elif p == math.inf:
            out = np.amax(a, axis=axes, keepdims=keepdim)
        elif p == -math.inf:
            out = np.amin(a, axis=axes, keepdims=keepdim)
        elif p == 0:
            out = np.sum(a != 0, axis=axes, keepdims=keepdim)
        else:
            with np.errstate(divide="ignore"):
                out = np.sum(a ** p, axis=axes, keepdims=keepdim) ** (1.0 / p)
        out = np.asarray(out).astype(x.dtype, copy=False)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, out = ctx.saved_tensors
        p, shape, axes = ctx.p, x._data.shape, ctx.axes
        g = _unsqueeze(grad_output, shape, axes, ctx.keepdim)
        out_k = _unsqueeze(out, shape, axes, ctx.keepdim)
        if p == 0:
            return _wrap(np.zeros_like(x._data)), None, None, None
        if p == 1:
            return g * ew.sign(x), None, None, None
        if p in (math.inf, -math.inf):
            return _even_split(g * ew.sign(x), ew.abs(x), out_k._data, axes), None, None, None
        flat = _wrap(out_k._data == 0)
        safe = ew.where(flat, 1.0, out_k)
        if p == 2:
            return ew.where(flat, 0.0, g * x / safe), None, None, None
        if p < 1:
            at_zero = _wrap(x._data == 0)
            term = ew.where(at_zero, 0.0, ew.sign(x) * ew.where(at_zero, 1.0, ew.abs(x)) ** (p - 1))
        else:
            term = ew.sign(x) * ew.abs(x) ** (p - 1)
        return ew.where(flat, 0.0, g * term / safe ** (p - 1)), None, None, None


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """The vector p-norm over ``dim`` (every dim when None): p = 2 ('fro', the default), 1,
    inf, -inf, 0, or any other number. Floating inputs only, as PyTorch. numtorch has no
    nuclear norm ('nuc' raises RuntimeError)."""
    x = input if dtype is None else input.to(dtype)
    if x._data.dtype.kind != "f":
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {_scalar_name(x._data)}")
    if isinstance(p, str) and isinstance(dim, (tuple, list)) and len(dim) > 2:
        # ('fro' and 'nuc' are matrix norms: two dims, as in PyTorch)
        raise RuntimeError("linalg.matrix_norm: dim must be a 2-tuple. Got "
                           + " ".join(str(d) for d in dim))
    if p is None or p == "fro":
        p = 2.0
    elif p == "nuc":
        raise RuntimeError("norm(): the nuclear norm (p='nuc') is not supported by numtorch; "
                           "use p='fro' or a vector p-norm")
    elif isinstance(p, str):
        raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
    p = float(p)
    shape = x._data.shape
    axes = _dims(len(shape), dim)
    if p < 0 or p == math.inf:
        if dim is None and math.prod(shape) == 0:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {p:g} norm on an empty "
                               "tensor because the operation does not have an identity")
        for a in axes:
            if shape[a] == 0:
                raise RuntimeError(f"linalg.vector_norm cannot compute the {p:g} norm on the "
                                   f"dimension {a} because this dimension is empty and the "
                                   "operation does not have an identity")
    res = Norm.apply(x, p, axes, keepdim)
    if out is not None:
        return ew._out(res, out)
    return res


# ====================================================================== logical
def _logical(name, fn, input, dim, keepdim):
    xd = input._data
    axes = _dims(xd.ndim, dim, empty_all=False)
    res = np.asarray(fn(xd, axis=axes, keepdims=keepdim))
    if xd.dtype == np.uint8:  # NOTE: uint8 in, uint8 out: PyTorch's legacy behaviour
        res = res.astype(np.uint8)
    return _wrap(res)


def all(input, dim=None, keepdim=False):
    """True where every element along ``dim`` is non-zero (bool; uint8 for uint8 input)."""
    return _logical("all", np.all, input, dim, keepdim)


def any(input, dim=None, keepdim=False):
    """True where some element along ``dim`` is non-zero (bool; uint8 for uint8 input)."""
    return _logical("any", np.any, input, dim, keepdim)


def count_nonzero(input, dim=None):
    """The number of non-zero elements over ``dim`` (int64)."""
    xd = input._data
    axes = _dims(xd.ndim, dim)
    return _wrap(np.asarray(np.sum(xd != 0, axis=axes, dtype=np.int64)))
