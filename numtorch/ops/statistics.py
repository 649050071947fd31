"""Statistics and integrals of sampled data: ``cov``, ``corrcoef``, ``trapezoid`` (``trapz``),
``cumulative_trapezoid`` and ``dist``.

Each is a composite of the reductions, products and slices below it, written as PyTorch
defines it, so its gradient (and the gradient of that) comes from theirs.
"""

import warnings

import numpy as np

from numtorch import _dtype
from numtorch._tensor import Tensor, _wrap
from numtorch.ops import _scalars
from numtorch.ops._reduce_dims import _wrap_dim
from numtorch.ops.matmul import _mm
from numtorch.ops.sums import norm

__all__ = ["cov", "corrcoef", "trapezoid", "trapz", "cumulative_trapezoid", "dist"]


# ====================================================================== covariance
def _check_weights(name, w, kind, n):
    wd = w._data
    if wd.ndim > 1:
        raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but got "
                           f"{name} with {wd.ndim} dimensions")
    if wd.size != n:
        raise RuntimeError(f"cov(): expected {name} to have the same numel as there are "
                           f"observations in the input but got {wd.size} != {n}")
    if kind == "integral" and wd.dtype.kind not in "iu":
        raise RuntimeError(f"cov(): expected {name} to have integral dtype but got {name} "
                           f"with {_dtype.scalar_type_name(wd.dtype.name)} dtype")
    if kind == "floating" and wd.dtype.kind != "f":
        raise RuntimeError(f"cov(): expected {name} to have floating point dtype but got "
                           f"{name} with {_dtype.scalar_type_name(wd.dtype.name)} dtype")
    if wd.size and wd.min() < 0:
        raise RuntimeError(f"cov(): {name} cannot be negative")


def cov(input, *, correction=1, fweights=None, aweights=None):
    """Covariance matrix of the variables in the rows of ``input`` (2-D: variables x
    observations; 1-D: one variable), as PyTorch computes it: with ``w = fweights * aweights``
    (either may be absent), ``avg = sum(x * w) / sum(w)`` and

        cov = (x - avg) (w * (x - avg))^T / (sum(w) - correction * sum(w * aweights) / sum(w))

    (the denominator is ``sum(w) - correction`` without ``aweights``). A denominator at or below
    zero warns and divides by zero. The result is squeezed (a 0-d tensor for one variable)."""
    xd = input._data
    if xd.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an "
                           f"input with {xd.ndim} dimensions")
    if xd.dtype == np.bool_:
        raise RuntimeError("cov(): bool dtype is not supported for input")
    if isinstance(correction, (float, np.floating, bool)):
        raise TypeError(f"cov(): argument 'correction' must be int, not "
                        f"{type(correction).__name__}")
    x = input.reshape(1, -1) if xd.ndim < 2 else input  # (variables, observations)
    n = x._data.shape[1]
    w = None
    if fweights is not None:
        _check_weights("fweights", fweights, "integral", n)
        w = fweights
    if aweights is not None:
        _check_weights("aweights", aweights, "floating", n)
        w = aweights if w is None else w * aweights
    if w is None:
        w_sum = _wrap(np.asarray(n, dtype=np.int64))
    else:
        w_sum = w.sum()
        if not np.all(w_sum._data != 0):
            raise RuntimeError("cov(): weights sum to zero, can't be normalized")
    avg = (x if w is None else x * w).sum(1) / w_sum  # (variables,)
    if w is not None and aweights is not None and correction != 0:
        norm_factor = w_sum - correction * (w * aweights).sum() / w_sum
    else:
        norm_factor = w_sum - correction
    if np.all(norm_factor._data <= 0):
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the number of observations.", UserWarning, stacklevel=2)
        norm_factor = _wrap(np.zeros_like(norm_factor._data))  # (+0: PyTorch's zero_())
    centered = x - avg.unsqueeze(1)
    c = _mm(centered, (centered if w is None else centered * w).mT)
    return (c / norm_factor).squeeze()


def corrcoef(input):
    """Pearson correlation coefficients of the rows of ``input`` (as ``cov``): the covariance
    divided by the outer product of the standard deviations, clipped to [-1, 1]. A variable
    of zero variance gives NaN; one variable gives 1 (NaN for zero variance)."""
    c = cov(input)
    if c._data.ndim == 0:
        return c / c  # 1, or NaN for a covariance of 0, NaN or inf
    stddev = c.diagonal().sqrt()
    c = c / stddev.reshape(-1, 1)
    c = c / stddev.reshape(1, -1)
    return c.clip(-1, 1)


# ====================================================================== integrals
def _integrand(name, y, dim):
    if y._data.dtype == np.bool_:
        raise RuntimeError(f"{name}: received a bool input for `y`, but bool is not supported")
    return _wrap_dim(y._data.ndim, dim)


def _check_dx(name, dx):
    if isinstance(dx, (bool, np.bool_, complex)) or not isinstance(
            dx, (int, float, np.integer, np.floating)):
        raise RuntimeError(f"{name}: Currently, we only support dx as a real number.")
    return float(dx)


def _spacing(name, y, x, dim):
    """The widths ``x[1:] - x[:-1]`` along ``dim``, shaped to broadcast against ``y``'s
    intervals: a 1-D ``x`` lies along ``dim``, an ``x`` of fewer dims gets leading ones."""
    if not isinstance(x, Tensor):  # a number goes in dx (PyTorch's overloads say so)
        raise TypeError(f"{name}() received an invalid combination of arguments - got (Tensor, "
                        f"{type(x).__name__}), but expected one of: (Tensor y, Tensor x, *, int "
                        f"dim = -1) or (Tensor y, *, Number dx = 1, int dim = -1)")
    if x._data.dtype == np.bool_:
        raise RuntimeError(f"{name}: received a bool input for `x`, but bool is not supported")
    ndim = y._data.ndim
    if x._data.ndim == 1:
        if x._data.shape[0] != y._data.shape[dim]:
            raise RuntimeError(f"{name}: There must be one `x` value for each sample point")
        shape = [1] * ndim
        shape[dim] = x._data.shape[0]
        x = x.reshape(shape)  # (1, ..., n, ..., 1)
    elif x._data.ndim < ndim:
        x = x.reshape((1,) * (ndim - x._data.ndim) + x._data.shape)
    left, right = _sides(x, dim)
    return right - left


def _sides(y, dim):
    """``y[:-1]`` and ``y[1:]`` along ``dim`` (both empty when it has no samples)."""
    size = y._data.shape[dim]
    return y.narrow(dim, 0, max(size - 1, 0)), y.narrow(dim, min(size, 1), max(size - 1, 0))


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The trapezoidal rule along ``dim``: ``sum((x[i+1] - x[i]) * (y[i] + y[i+1]) / 2)``
    with sample points ``x`` (a tensor), or with a constant spacing ``dx`` (default 1):
    ``(sum(y) - (y[0] + y[-1]) / 2) * dx``. No samples give zeros."""
    if x is not None and dx is not None:
        raise TypeError("trapezoid() received an invalid combination of arguments - got both "
                        "x and dx")
    dim = _integrand("trapezoid", y, dim)
    if y._data.shape[dim] == 0:
        shape = y._data.shape[:dim] + y._data.shape[dim + 1:]
        return _wrap(np.zeros(shape, dtype=y._data.dtype))  # (y's dtype, as PyTorch)
    if x is not None:
        left, right = _sides(y, dim)
        return (_spacing("trapezoid", y, x, dim) * (left + right)).sum(dim) / 2.0
    dx = _check_dx("trapezoid", 1 if dx is None else dx)
    size = y._data.shape[dim]
    ends = y.select(dim, 0) + y.select(dim, size - 1)
    # (a dense result, as PyTorch's, whatever the layout of y)
    return ((y.sum(dim) - ends * 0.5) * dx).contiguous()


def trapz(y, x=None, *, dx=None, dim=-1):
    """``trapezoid`` under its older name (``trapz(y, x, dim=-1)`` or ``trapz(y, dx=1)``)."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """The running trapezoidal integral along ``dim`` (one fewer element there): the
    ``cumsum`` of ``(x[i+1] - x[i]) * (y[i] + y[i+1]) / 2``, or of ``dx / 2 * (y[i] +
    y[i+1])`` for a constant spacing ``dx`` (default 1)."""
    if x is not None and dx is not None:
        raise TypeError("cumulative_trapezoid() received an invalid combination of arguments - "
                        "got both x and dx")
    if y._data.ndim == 0:
        raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    dim = _integrand("cumulative_trapezoid", y, dim)
    left, right = _sides(y, dim)
    if x is not None:
        return (_spacing("cumulative_trapezoid", y, x, dim) * (left + right) / 2.0).cumsum(dim)
    dx = _check_dx("cumulative_trapezoid", 1 if dx is None else dx)
    return (dx / 2.0 * (left + right)).cumsum(dim)


# ====================================================================== distance
def dist(input, other, p=2):
    """The ``p``-norm of ``input - other`` (broadcast), a 0-d tensor."""
    return norm(input - other, p)


TENSOR_METHODS = {"cov": cov, "corrcoef": corrcoef, "dist": dist}

# PyTorch's TypeError for Python numbers in the arguments it requires to be tensors
_scalars.check_tensor_args(globals())
