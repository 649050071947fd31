"""PyTorch's keyword-only ``out=``: the copy into ``out`` and the wrapper that adds it.

Every op family honours ``out=`` through this one module, which uses only the tensor itself:
``_out`` copies a result into ``out``, ``accepts_out`` adds the keyword to a function, and
``_zeros_like`` / ``_kernel_name`` are the zero gradient and dtype spelling they share.

The result is computed as usual and copied into ``out`` by ``_out`` (resized when its shape
differs; refused under autograd and for casts PyTorch refuses). Functions returning
several tensors (``max(x, dim)``, ``sort``) take a tuple of tensors and return the same named
tuple of them, as PyTorch does.
"""

import functools
import inspect
import re
import sys

import numpy as np

from numtorch import _dtype
from numtorch._tensor import Tensor, _wrap
from numtorch.autograd import grad_mode

__all__ = ["accepts_out"]


def accepts_out(fn, composite=False):
    """``fn`` with PyTorch's ``out=``. ``composite``: PyTorch computes the function from other
    ops and copies the result into ``out`` as ``out.copy_(result)``, which autograd records
    (``_out_composite``) instead of refusing it."""
    name = fn.__name__
    copy = _out_composite if composite else _out

    @functools.wraps(fn)
    def wrapper(*args, out=None, **kwargs):
        res = fn(*args, **kwargs)
        if out is None:
            return res
        if isinstance(out, (tuple, list)):
            if not isinstance(res, tuple) or len(out) != len(res):
                raise TypeError(f"{name}(): argument 'out' must be a tensor, not a sequence of "
                                f"{len(out)}")
            done = [copy(r, o, name) for r, o in zip(res, out)]
            return type(res)(done) if type(res) is not tuple else tuple(done)
        if isinstance(res, tuple):
            raise TypeError(f"{name}(): argument 'out' must be a tuple of {len(res)} Tensors, "
                            f"not {type(out).__name__}")
        return copy(res, out, name)

    params = list(inspect.signature(fn).parameters.values())
    kw = inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY, default=None)
    if params and params[-1].kind == inspect.Parameter.VAR_KEYWORD:
        params.insert(len(params) - 1, kw)
    else:
        params.append(kw)
    wrapper.__signature__ = inspect.signature(fn).replace(parameters=params)
    return wrapper


def _out(result, out, name=None):
    """Honour ``out=``: copy the result into ``out`` (resized like PyTorch when shapes
    differ). As in PyTorch, refused under autograd (an input or ``out`` requiring grad) and
    when the result's dtype cannot be cast to ``out``'s."""
    if out is None:
        return result
    if not isinstance(out, Tensor):
        raise TypeError(f"argument 'out' must be Tensor, not {type(out).__name__}")
    # (a node without a derivative, like floor_divide's, does not count, as in PyTorch)
    if grad_mode.is_grad_enabled() and (out._requires_grad or result._requires_grad and getattr(
            result.grad_fn, "derivative", "zero") == "zero"):
        if name is None and result.grad_fn is not None:
            name = re.sub(r"(?<!^)(?=[A-Z])", "_", re.sub(r"Backward\d*$", "",
                                                         result.grad_fn.name())).lower()
        name = name or sys._getframe(1).f_code.co_name
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support "
                           "automatic differentiation, but one of the arguments requires grad.")
    src, dst = _dtype.from_numpy_dtype(result._data.dtype), _dtype.from_numpy_dtype(
        out._data.dtype)
    if src.category > dst.category:
        raise RuntimeError(f"result type {_kernel_name(result._data)} can't be cast to the "
                           f"desired output type {_kernel_name(out._data)}")
    out._check_inplace()
    if out._data.shape != result._data.shape:
        out._data = np.empty(result._data.shape, dtype=out._data.dtype)
    np.copyto(out._data, result._data, casting="unsafe")
    out._bump()
    return out


def _out_composite(result, out, name):
    """``out=`` of a function PyTorch composes from other ops: the result is copied with the
    differentiable ``out.copy_(result)`` (resized first when the shapes differ)."""
    if not isinstance(out, Tensor):
        raise TypeError(f"argument 'out' must be Tensor, not {type(out).__name__}")
    if not (grad_mode.is_grad_enabled() and result._requires_grad):
        return _out(result, out, name)
    src, dst = _dtype.from_numpy_dtype(result._data.dtype), _dtype.from_numpy_dtype(
        out._data.dtype)
    if src.category > dst.category:
        raise RuntimeError(f"result type {_kernel_name(result._data)} can't be cast to the "
                           f"desired output type {_kernel_name(out._data)}")
    if out._data.shape != result._data.shape:
        out._check_inplace()
        out._data = np.empty(result._data.shape, dtype=out._data.dtype)
    return out.copy_(result)


def _zeros_like(grad_output):
    """A zero gradient: zeros, not ``grad_output * 0``, so that an infinite incoming gradient
    does not turn into NaN (PyTorch's ``zeros_like(grad)``)."""
    return _wrap(np.zeros_like(grad_output._data))


def _kernel_name(x):
    """The dtype as PyTorch's kernel errors spell it ('Long', 'Float')."""
    return _dtype.scalar_type_name(x.dtype.name)  # (an array or a tensor)
