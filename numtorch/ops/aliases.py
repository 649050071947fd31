"""PyTorch's other names and forms of existing ops: ``rsub``, ``row_stack``,
``split_with_sizes``, the ``unsafe_*`` splits, ``sgn``; the in-place view methods
(``squeeze_``, ``t_``, ``transpose_``...), which change the tensor's shape in place; and the
legacy Tensor methods
``new``, ``apply_``, ``map_``, ``map2_``, with ``sum_to_size``, ``dim_order``, ``get_device``
and ``is_inference``.
"""

import numbers
import operator
import weakref

import numpy as np

from numtorch import _layout
from numtorch._device import Size, _check_device
from numtorch._tensor import Tensor, _wrap
from numtorch.autograd import grad_mode
from numtorch.autograd.function import _views_of
from numtorch.ops import activation, join
from numtorch.ops import elementwise as ew
from numtorch.ops import shape as _shape
from numtorch.ops._out import accepts_out
from numtorch.ops._scalars import require_tensors
from numtorch.ops.views import _shape_str, _size_args

__all__ = ["rsub", "row_stack", "split_with_sizes", "unsafe_chunk", "unsafe_split",
           "unsafe_split_with_sizes", "sgn", "is_complex", "is_inference", "get_device"]


# ====================================================================== other names
def rsub(input, other, *, alpha=1):
    """``other - alpha * input`` (``sub`` with its operands reversed)."""
    return ew.sub(other, input, alpha=alpha)


def row_stack(tensors):
    """``vstack``'s other name."""
    return join.vstack(tensors)


def split_with_sizes(input, split_sizes, dim=0):
    """Views of ``input`` of the listed sizes along ``dim`` (they must add up to its size)."""
    if isinstance(split_sizes, numbers.Integral):
        raise TypeError(f"split_with_sizes(): argument 'split_sizes' (position 2) must be tuple "
                        f"of ints, not {type(split_sizes).__name__}")
    return join.split(input, list(split_sizes), dim)


def unsafe_chunk(input, chunks, dim=0):
    """``chunk`` whose pieces are not tracked as views of ``input`` by PyTorch's autograd (its
    pieces may then be changed in place). numtorch's pieces are plain outputs either way."""
    return tuple(_unview(t) for t in join.chunk(input, chunks, dim))


def unsafe_split(input, split_size, dim=0):
    """``split`` by a size, with pieces that may be changed in place (``unsafe_chunk``)."""
    if not isinstance(split_size, (numbers.Integral, Tensor)):
        raise TypeError(f"unsafe_split(): argument 'split_size' (position 2) must be int, not "
                        f"{type(split_size).__name__}")
    return tuple(_unview(t) for t in join.split(input, split_size, dim))


def unsafe_split_with_sizes(input, split_sizes, dim=0):
    return tuple(_unview(t) for t in split_with_sizes(input, split_sizes, dim))


def _unview(t):
    """A piece of a split that autograd does not track as a view of its input (PyTorch's
    unsafe forms): it may be changed in place, and that change is not passed on to the input's
    history."""
    t._view_of = None
    return t


def is_complex(input):
    """False: numtorch has no complex dtypes."""
    if not isinstance(input, Tensor):
        raise TypeError(f"is_complex(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    return False


def sgn(input):
    """``sign`` for real tensors (for complex ones PyTorch's ``sgn`` is ``x / |x|``)."""
    return ew.sign(input)


def is_inference(input):
    """False: numtorch's ``inference_mode`` turns recording off but makes ordinary tensors."""
    if not isinstance(input, Tensor):
        raise TypeError(f"is_inference(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    return False


def get_device(input):
    """The CUDA device index of a tensor; -1 for a CPU tensor (numtorch's only kind)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"get_device(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    return -1


# ====================================================================== tensor methods
def sum_to_size(self, *size):
    """The sum of ``self`` down to ``size``, a shape ``self`` could be expanded from (the
    gradient rule of broadcasting)."""
    size = _size_args(size)
    shape = self._data.shape
    if len(size) > len(shape) or any(s != 1 and s != d for s, d in
                                      zip(size[::-1], shape[::-1])):
        raise RuntimeError(f"size {{{_shape_str(size)}}} is not expandable to size "
                           f"{{{_shape_str(shape)}}}.")
    lead = len(shape) - len(size)
    dims = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(size)
                                      if s == 1 and shape[lead + i] != 1)
    if not dims:
        return self
    return self.sum(dims, keepdim=True).reshape(size)


def dim_order(self, *, ambiguity_check=False):
    """The dims from outermost to innermost in memory, as PyTorch orders them: an insertion
    sort from the innermost dim by stride (dims of stride 0 are not compared; of equal stride,
    the longer dim is the outer one), so a contiguous tensor gives (0, 1, ...) and a
    channels-last one (0, 2, 3, 1). ``ambiguity_check=True`` raises when another order could
    be as valid (a dim of size 1, or neighbouring dims of equal stride); a list of memory
    formats raises in that case unless the tensor is in exactly one of them."""
    if not isinstance(ambiguity_check, bool) and (
            not isinstance(ambiguity_check, list) or not all(
                isinstance(f, _layout.memory_format) for f in ambiguity_check)):
        raise TypeError("The ambiguity_check argument must be a bool or a list of memory "
                        "formats.")
    arr, shape, strides = self._data, self._data.shape, self.stride()
    formats = ambiguity_check if isinstance(ambiguity_check, list) else []
    several = 1 in shape or any(a == b for a, b in zip(strides, strides[1:]))
    if (ambiguity_check is not False and several and
            sum(_layout.is_format(arr, f) for f in formats) != 1):
        raise RuntimeError("The tensor does not have unique dim order, or cannot map to exact "
                           "one of the given memory formats.")
    n = len(shape)
    if n <= 1:
        return tuple(range(n))
    contiguous = _layout.is_format(arr, _layout.contiguous_format)
    # (PyTorch's short cut asks for channels_last only: 4-D)
    channels_last = n == 4 and _layout.is_format(arr, _layout.channels_last)
    if contiguous and not channels_last:
        return tuple(range(n))
    if channels_last and not contiguous:
        return (0, *range(2, n), 1)

    def outer(a, b):  # 1: dim a lies outside dim b in memory, -1: inside, 0: no telling
        sa, sb = strides[a], strides[b]
        if sa == 0 or sb == 0:
            return 0
        if sa == sb:
            return 0 if _ge(shape[b], shape[a]) else 1
        if _ge(sb, sa):
            return -1
        return 1 if _ge(sa, sb) else 0

    perm = list(reversed(range(n)))  # innermost first
    for i in range(1, n):
        j = i
        for k in reversed(range(i)):
            c = outer(perm[k], perm[j])
            if c > 0:
                perm[k], perm[j] = perm[j], perm[k]
                j = k
            elif c < 0:
                break
    if ambiguity_check and any(outer(a, b) != -1 for a, b in zip(perm, perm[1:])):
        raise RuntimeError("The tensor does not have unique dim order.")
    return tuple(reversed(perm))


def _ge(a, b):
    """a >= b for PyTorch's stride comparison (0 is below everything; a multiple counts)."""
    if b == 0:
        return True
    if a == 0:
        return False
    return a >= b or a % b == 0


def new(self, *args, device=None):
    """PyTorch's legacy constructor, in ``self``'s dtype: ``x.new()`` is empty, ``x.new(2, 3)``
    or ``x.new(Size)`` uninitialized (numtorch: zeros) of that shape, ``x.new(data)`` a copy of
    a sequence, ``x.new(t)`` a tensor sharing ``t``'s memory (of ``self``'s dtype only)."""
    _check_device(device)
    np_dt = self._data.dtype
    if not args:
        return _wrap(np.zeros((0,), dtype=np_dt))
    if len(args) == 1:
        data = args[0]
        if isinstance(data, Tensor):
            if data._data.dtype != np_dt:
                raise TypeError(f"expected {self.dtype} (got {data.dtype})")
            alias = _wrap(data._data)
            alias._vc = data._ensure_vc()
            return alias
        if isinstance(data, Size):
            return _wrap(np.zeros(tuple(data), dtype=np_dt))
        if isinstance(data, numbers.Integral) and not isinstance(data, bool):
            return _wrap(np.zeros((operator.index(data),), dtype=np_dt))
        if not isinstance(data, (list, tuple, np.ndarray)):
            raise TypeError(f"new(): data must be a sequence (got {type(data).__name__})")
        from numtorch._creation import tensor

        return tensor(data, dtype=self.dtype)
    if all(isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in args):
        return _wrap(np.zeros(tuple(operator.index(a) for a in args), dtype=np_dt))
    raise TypeError(f"new() received an invalid combination of arguments - got "
                    f"({', '.join(type(a).__name__ for a in args)})")


def _no_autograd(self, name):
    if self._requires_grad and grad_mode._state.enabled:
        raise RuntimeError(f"Can't call {name}() on Variable that requires grad. Use "
                           f"var.detach().{name}() instead.")
    self._check_overlap()


def _write_values(self, values):
    """Write the Python callable's results into ``self`` (cast to its dtype, as PyTorch's
    CPU kernels store them)."""
    arr = np.asarray(values.tolist() if values.dtype == object else values)
    np.copyto(self._data, arr.astype(self._data.dtype, copy=False) if arr.size else arr,
              casting="unsafe")
    self._bump()
    return self


def apply_(self, callable):
    """Replace every element ``v`` by ``callable(v)`` (a Python callable: slow, CPU only, as in
    PyTorch)."""
    _no_autograd(self, "apply_")
    if self._data.size == 0:
        return self
    values = np.frompyfunc(callable, 1, 1)(self._data)
    return _write_values(self, values)


def map_(self, tensor, callable):
    """``self[i] = callable(self[i], tensor[i])``, with ``tensor`` broadcast to ``self``."""
    _no_autograd(self, "map_")
    other = _expand_to(tensor, self._data.shape)
    if self._data.size == 0:
        return self
    return _write_values(self, np.frompyfunc(callable, 2, 1)(self._data, other))


def map2_(self, x, y, callable):
    """``self[i] = callable(self[i], x[i], y[i])``, with ``x`` and ``y`` broadcast to ``self``."""
    _no_autograd(self, "map2_")
    a = _expand_to(x, self._data.shape)
    b = _expand_to(y, self._data.shape)
    if self._data.size == 0:
        return self
    return _write_values(self, np.frompyfunc(callable, 3, 1)(self._data, a, b))


def _expand_to(tensor, shape):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"map_(): argument 'tensor' must be Tensor, not {type(tensor).__name__}")
    return _shape.expand(tensor.detach(), shape)._data


# ====================================================================== in-place views
def _inplace_view(fn, name):
    """``x.squeeze_()`` and friends: ``x`` itself becomes the view ``fn(x)`` (same memory, new
    shape and strides), taking its place in the graph; its version counter is bumped."""
    def method(self, *args, **kwargs):
        self._check_inplace()
        alias = _wrap(self._data)
        alias._vc = self._ensure_vc()
        alias._requires_grad = self._requires_grad
        alias.grad_fn = self.grad_fn
        alias._output_nr = self._output_nr
        if self.grad_fn is None and self._requires_grad:
            alias._accumulator = self._get_accumulator()
        alias._view_of = self._view_of
        if self._view_of is not None:
            # the alias stands for ``self`` among its base's views, so that an in-place change
            # of the base reaches ``self`` through it (``refresh_views``)
            _views_of(self._view_of[0], create=True).append(weakref.ref(alias))
        out = fn(alias, *args, **kwargs)
        self._data = out._data
        if out.grad_fn is not None:
            self.grad_fn = out.grad_fn
            self._output_nr = out._output_nr
        self._view_of = out._view_of
        if out._view_of is not None:  # ``self``, not ``out``, is the alias's view now
            _views_of(alias, create=True).append(weakref.ref(self))
        self._bump()
        return self

    method.__name__ = name
    method.__doc__ = f"In-place ``{fn.__name__}``: this tensor becomes the view."
    return method


TENSOR_METHODS = {
    "sgn": sgn, "is_inference": is_inference, "get_device": get_device,
    "split_with_sizes": split_with_sizes, "unsafe_chunk": unsafe_chunk,
    "unsafe_split": unsafe_split, "unsafe_split_with_sizes": unsafe_split_with_sizes,
    "prelu": activation.prelu, "hardshrink": activation.hardshrink,
    "sum_to_size": sum_to_size, "dim_order": dim_order, "new": new, "apply_": apply_,
    "map_": map_, "map2_": map2_,
    "squeeze_": _inplace_view(_shape.squeeze, "squeeze_"),
    "unsqueeze_": _inplace_view(_shape.unsqueeze, "unsqueeze_"),
    "t_": _inplace_view(_shape.t, "t_"),
    "transpose_": _inplace_view(_shape.transpose, "transpose_"),
    "swapaxes_": _inplace_view(_shape.swapaxes, "swapaxes_"),
    "swapdims_": _inplace_view(_shape.swapdims, "swapdims_"),
}

INPLACE_METHODS = {"sgn_": sgn}

# PyTorch's out= on the functions (the Tensor methods above have none)
rsub, row_stack, sgn = map(accepts_out, (rsub, row_stack, sgn))
# PyTorch's TypeError, naming the argument, for anything but a tensor as ``input``
(rsub, split_with_sizes, unsafe_chunk, unsafe_split, unsafe_split_with_sizes,
 sgn) = (require_tensors(fn.__name__, fn, ("input",)) for fn in (
     rsub, split_with_sizes, unsafe_chunk, unsafe_split, unsafe_split_with_sizes, sgn))


def _tensors_of(fn):
    def checked(tensors, **kwargs):
        if isinstance(tensors, Tensor):
            raise TypeError(f"{fn.__name__}(): argument 'tensors' (position 1) must be tuple of "
                            "Tensors, not Tensor")
        return fn(tensors, **kwargs)

    checked.__name__ = fn.__name__
    checked.__doc__ = fn.__doc__
    checked.__wrapped__ = fn
    return checked


row_stack = _tensors_of(row_stack)
