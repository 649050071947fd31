"""The Tensor: a NumPy array plus autograd metadata.

``_data`` is the ndarray (``Tensor.data`` is PyTorch's detached *tensor* view of it);
``_requires_grad``, ``grad``, ``grad_fn`` and ``_output_nr`` place the tensor in the graph;
``_vc`` is a version counter shared with views, bumped by every in-place op, so that backward can
tell a saved tensor was overwritten. Operator and method definitions that call the op families
are bound at the end of ``numtorch/_tensor_methods.py``.

The file is longer than the ~500 lines a family aims for because ``Tensor`` is one class: its
own attributes, the autograd fields, conversions and the in-place machinery (``_set_from``,
``_snapshot``) all read and write the same few slots. ``Size`` and ``device`` are in
``_device.py``, the legacy ``FloatTensor``... types in ``_legacy_tensor.py``.
"""

import numbers
import weakref

import numpy as np

from numtorch import _dtype, _layout
from numtorch._device import (  # noqa: F401  (Size, device, _check_device: imported from here)
    _CPU,
    Size,
    _check_device,
    _DeviceUnavailableError,
    device,
)
from numtorch.autograd import function as _function
from numtorch.autograd import grad_mode

__all__ = ["Tensor", "Size", "device"]


_new = object.__new__


def _wrap(arr):
    """A new tensor around ``arr`` (no copy), outside the graph. The fast internal factory."""
    if type(arr) is not np.ndarray:
        arr = np.asarray(arr)
    t = _new(Tensor)
    t._data = arr
    t._requires_grad = False
    t.grad = None
    t.grad_fn = None
    t._output_nr = 0
    t._vc = None
    t._accumulator = None
    t._view_of = None
    return t


def _as_array(data, dtype=None):
    """Turn Python data, NumPy arrays or tensors into an ndarray with PyTorch's dtype inference:
    Python floats become the default float dtype (float32), ints int64, bools bool."""
    if isinstance(data, Tensor):
        arr = data._data
    elif isinstance(data, np.ndarray):
        arr = data
    elif isinstance(data, (np.generic,)):
        arr = np.asarray(data)
    else:
        try:
            arr = np.array(_unwrap_nested(data))
        except ValueError:
            _check_ragged(data)
            raise
        if _first_leaf(data) is not None:
            pass  # NumPy scalars or arrays inside a list keep their dtype, as in PyTorch
        elif arr.dtype == np.float64 and dtype is None:
            # (with a dtype given, Python floats go to it directly: float64 keeps all digits)
            arr = arr.astype(_dtype.get_default_dtype().np_dtype)
        elif arr.dtype.kind in "iu" and arr.dtype != np.uint8:
            arr = arr.astype(np.int64)
        elif arr.dtype.kind not in "biuf":
            if arr.dtype == object or arr.dtype.kind in "USV":
                raise TypeError(
                    f"Could not infer dtype of {type(data).__name__}: expected numbers, nested "
                    "sequences of numbers, arrays or tensors")
    if dtype is not None:
        dt = _dtype.dtype_arg(dtype)
        if arr.dtype != dt.np_dtype:
            arr = arr.astype(dt.np_dtype)
    else:
        _dtype.from_numpy_dtype(arr.dtype)  # raises TypeError for unsupported NumPy types
    return arr


def _check_ragged(data):
    """Raise PyTorch's ValueError for nested sequences whose lengths differ: the expected length
    of each dimension is the length of its first sequence."""
    shape = []
    x = data
    while isinstance(x, (list, tuple)):
        shape.append(len(x))
        if not x:
            break
        x = x[0]

    def walk(x, d):
        if d == len(shape):
            return
        if isinstance(x, (int, float, complex, np.generic)):
            raise TypeError(f"not a sequence: expected a sequence of length {shape[d]} at dim "
                            f"{d}, got {type(x).__name__} {x!r}")
        if not isinstance(x, (list, tuple)):
            return
        if len(x) != shape[d]:
            raise ValueError(f"expected sequence of length {shape[d]} at dim {d} (got {len(x)})")
        for e in x:
            walk(e, d + 1)

    walk(data, 0)


def _first_leaf(data):
    """The first element of nested lists when it is a NumPy scalar/array or a tensor (whose
    dtype then decides), else None."""
    while isinstance(data, (list, tuple)) and data:
        data = data[0]
    return data if isinstance(data, (np.generic, np.ndarray, Tensor)) else None


def _unwrap_nested(data):
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (list, tuple)):
        if any(isinstance(d, (Tensor, list, tuple)) for d in data):
            return [_unwrap_nested(d) for d in data]
    return data


class Tensor:
    """A multi-dimensional array with reverse-mode autograd, like ``torch.Tensor``.

    Calling ``Tensor(...)`` directly is PyTorch's legacy constructor: ``Tensor([[1, 0, 2]])``
    makes a float32 tensor from data, ``Tensor(2, 3)`` an uninitialized float32 tensor of that
    shape (numtorch fills it with zeros). Prefer ``numtorch.tensor``.
    """

    __slots__ = ("_data", "_requires_grad", "grad", "grad_fn", "_output_nr", "_vc",
                 "_accumulator", "_view_of", "__weakref__")

    _legacy_dtype = _dtype.float32

    def __init__(self, *args, device=None):
        _check_device(device)
        np_dt = self._legacy_dtype.np_dtype
        if not args:
            arr = np.zeros((0,), dtype=np_dt)
        elif len(args) == 1 and not isinstance(args[0], numbers.Integral):
            data = args[0]
            if isinstance(data, Size) or (isinstance(data, tuple) and not data):
                arr = np.zeros(tuple(data), dtype=np_dt)
            else:
                arr = np.array(_unwrap_nested(data), dtype=np_dt)
        elif all(isinstance(a, numbers.Integral) for a in args):
            arr = np.zeros(tuple(int(a) for a in args), dtype=np_dt)
        else:
            raise TypeError(f"new(): invalid arguments {args!r}")
        self._data = arr
        self._requires_grad = False
        self.grad = None
        self.grad_fn = None
        self._output_nr = 0
        self._vc = None
        self._accumulator = None
        self._view_of = None

    # ------------------------------------------------------------------ metadata
    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        """``size()`` is the shape; ``size(d)`` one of its entries (negative ``d`` counts back)."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[self._wrap_dim(dim)]

    @property
    def dtype(self):
        return _dtype._NP_TO_DTYPE[self._data.dtype]

    @property
    def device(self):
        return _CPU

    @property
    def is_cuda(self):
        return False

    @property
    def layout(self):
        return "torch.strided"

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    ndimension = dim

    def numel(self):
        return self._data.size

    nelement = numel

    def element_size(self):
        return self._data.itemsize

    @property
    def itemsize(self):
        return self._data.itemsize

    @property
    def nbytes(self):
        return self._data.nbytes

    def stride(self, dim=None):
        """Strides in elements, as PyTorch counts them."""
        st = tuple(s // self._data.itemsize for s in self._data.strides)
        return st if dim is None else st[self._wrap_dim(dim)]

    def is_contiguous(self, memory_format=_layout.contiguous_format):
        """Whether the strides are the dense strides of ``memory_format`` (dims of size 1
        ignored), as PyTorch decides it."""
        return _layout.is_format(self._data, memory_format)

    def contiguous(self, memory_format=_layout.contiguous_format):
        """``self`` when it already is in ``memory_format``, else a copy in that format
        (differentiable)."""
        from numtorch.ops.shape import contiguous

        return contiguous(self, memory_format)

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    def is_complex(self):
        return False

    def is_signed(self):
        """Whether the dtype holds negative values (False for uint8 and bool)."""
        return self._data.dtype.kind in "fi"

    def is_same_size(self, other):
        return self._data.shape == other._data.shape

    def is_nonzero(self):
        """The truth value of a one-element tensor (RuntimeError otherwise)."""
        return self.__bool__()

    def isreal(self):
        """True everywhere: numtorch's dtypes are all real."""
        return _wrap(np.ones(self._data.shape, dtype=bool))

    def data_ptr(self):
        return self._data.__array_interface__["data"][0]

    def storage_offset(self):
        base = _function._root(self._data)  # (the array owning the memory)
        return (self.data_ptr() - base.__array_interface__["data"][0]) // self._data.itemsize

    def _wrap_dim(self, dim):
        n = self._data.ndim
        lo, hi = (-1, 0) if n == 0 else (-n, n - 1)
        if not lo <= dim <= hi:
            raise IndexError(
                f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {dim})")
        return dim % n if n else 0

    # ------------------------------------------------------------------ autograd
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad=True):
        """Set ``requires_grad`` on a leaf; floating dtypes only, as PyTorch."""
        requires_grad = bool(requires_grad)
        if self.grad_fn is not None:
            if requires_grad:
                return self
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach().")
        if requires_grad and self._data.dtype.kind != "f":
            raise RuntimeError(f"only Tensors of floating point and complex dtype can require "
                               f"gradients (got {_dtype.scalar_type_name(self.dtype)})")
        self._requires_grad = requires_grad
        return self

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def retains_grad(self):
        fn = self.grad_fn
        return bool(fn is not None and fn._retain and self._output_nr in fn._retain)

    def _get_accumulator(self):
        acc = self._accumulator
        if acc is None:
            from numtorch.autograd.engine import AccumulateGrad

            acc = self._accumulator = AccumulateGrad(self)
        return acc

    def _ensure_vc(self):
        vc = self._vc
        if vc is None:
            vc = self._vc = [0]
        return vc

    def _bump(self):
        vc = self._vc
        if vc is None:
            self._vc = [1]
        else:
            vc[0] += 1

    @property
    def _version(self):
        return 0 if self._vc is None else self._vc[0]

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``; ``gradient`` is required
        unless ``self`` has one element. The graph is freed unless ``retain_graph``."""
        from numtorch.autograd.engine import run_backward

        if retain_graph is None:
            retain_graph = create_graph
        if inputs is not None:
            inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
            grads = run_backward([self], [gradient], retain_graph, create_graph, inputs=inputs,
                                 allow_unused=True, accumulate=False)
            for x, g in zip(inputs, grads):
                if g is not None:
                    x.grad = g if x.grad is None else x.grad + g
            return
        run_backward([self], [gradient], retain_graph, create_graph)

    def register_hook(self, hook):
        """``hook(grad)`` runs when this tensor's gradient is computed; it may return a
        replacement. Returns a handle with ``remove()``."""
        from numtorch.autograd.function import _RemovableHandle

        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        node = self.grad_fn if self.grad_fn is not None else self._get_accumulator()
        nr = self._output_nr if self.grad_fn is not None else 0
        if node._tensor_hooks is None:
            node._tensor_hooks = {}
        node._tensor_hooks.setdefault(nr, []).append(hook)
        return _RemovableHandle(node._tensor_hooks, hook, key=nr)

    def register_post_accumulate_grad_hook(self, hook):
        """``hook(tensor)`` after the gradient was accumulated into this leaf's ``.grad``."""
        from numtorch.autograd.function import _RemovableHandle

        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf "
                               "tensors")
        acc = self._get_accumulator()
        if acc._post_acc_hooks is None:
            acc._post_acc_hooks = []
        acc._post_acc_hooks.append(hook)
        return _RemovableHandle(acc._post_acc_hooks, hook)

    def retain_grad(self):
        """Keep ``.grad`` for this non-leaf tensor after backward (leaves always keep it)."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        fn = self.grad_fn
        if fn is None:
            return
        if fn._retain is None:
            fn._retain = {}
        fn._retain[self._output_nr] = weakref.ref(self)

    def detach(self):
        """A new tensor sharing this one's memory (and version counter), outside the graph."""
        t = _wrap(self._data)
        t._vc = self._ensure_vc()
        return t

    def detach_(self):
        """Detach this tensor from the graph in place: it becomes a leaf."""
        if self._data.base is not None and self.grad_fn is not None:
            pass  # PyTorch forbids this on some views; numtorch has no view tracking to check
        self.grad_fn = None
        self._output_nr = 0
        self._requires_grad = False
        return self

    @property
    def data(self):
        """The tensor's values as a tensor outside the graph, sharing memory (PyTorch's
        ``.data``). Assigning ``t.data = other`` swaps the values without touching the graph."""
        return _wrap(self._data)

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, got {type(value).__name__}")
        if self._requires_grad and value._data.dtype.kind not in "fc":
            raise RuntimeError("data set to a tensor that requires gradients must be floating "
                               f"point or complex dtype, got {value.dtype}")
        self._data = value._data

    @property
    def T(self):
        if self._data.ndim not in (0, 2):
            import warnings

            warnings.warn("The use of `x.T` on tensors of dimension other than 2 to reverse their "
                          "shape is deprecated.", UserWarning, stacklevel=2)
        return self.permute(*reversed(range(self._data.ndim)))

    @property
    def mT(self):
        if self._data.ndim < 2:
            raise RuntimeError(
                f"tensor.mT is only supported on matrices or batches of matrices. Got "
                f"{self._data.ndim}-D tensor.")
        return self.transpose(-2, -1)

    @property
    def H(self):
        return self.T

    @property
    def mH(self):
        return self.mT

    # ------------------------------------------------------------------ conversion
    def numpy(self, *, force=False):
        """The NumPy array behind this tensor (shared memory). Raises on a tensor that requires
        grad while grad mode is on, like PyTorch, unless ``force=True`` (which returns a copy)."""
        if self._requires_grad and not force and grad_mode._state.enabled:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        return self._data.copy() if force else self._data

    def __array__(self, dtype=None, copy=None):
        if self._requires_grad and grad_mode._state.enabled:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        arr = self._data
        if dtype is not None and arr.dtype != dtype:
            return arr.astype(dtype)
        return arr.copy() if copy else arr

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def __float__(self):
        return float(self._scalar("float"))

    def __int__(self):
        return int(self._scalar("int"))

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return int(self._data.reshape(()).item())

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(
                "Boolean value of Tensor with more than one value is ambiguous"
                if self._data.size else "Boolean value of Tensor with no values is ambiguous")
        return bool(self._data.reshape(()).item())

    def __complex__(self):
        return complex(self._scalar("complex"))

    def _scalar(self, kind):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars, got "
                             f"a tensor of shape {list(self._data.shape)}")
        return self._data.reshape(()).item()

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __hash__(self):
        return id(self)

    def __contains__(self, element):
        if isinstance(element, (Tensor, numbers.Number)):
            return bool((self == element).any())
        raise RuntimeError("Tensor.__contains__ only supports Tensor or scalar, but you passed "
                           f"in a {type(element)}.")

    def __reduce_ex__(self, protocol):
        # Plain pickling (used by DataLoader worker processes) carries values, not the graph.
        return (_rebuild, (self._data, self._requires_grad, type(self)))

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               "support the deepcopy protocol at the moment.")
        new = _wrap(self._data.copy())
        new.__class__ = type(self)
        new._requires_grad = self._requires_grad
        if self.grad is not None:
            new.grad = _wrap(self.grad._data.copy())
        memo[id(self)] = new
        return new

    # ------------------------------------------------------------------ dtype and device
    def to(self, *args, **kwargs):
        """``to(dtype)``, ``to(device)``, ``to(other_tensor)``, ``to(device, dtype)``;
        ``copy=True`` forces a copy. A conversion is differentiable (grad casts back)."""
        dt = kwargs.pop("dtype", None)
        dev = kwargs.pop("device", None)
        copy = kwargs.pop("copy", False)
        kwargs.pop("non_blocking", None)
        fmt = kwargs.pop("memory_format", _layout.preserve_format)
        if kwargs:
            raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
        for a in args:
            if isinstance(a, _dtype.dtype) or a is float or a is int or a is bool:
                dt = a
            elif isinstance(a, Tensor):
                dt = a.dtype
            elif isinstance(a, (str, device)) or a is None:
                dev = a
            elif isinstance(a, bool):
                copy = copy or False
            else:
                raise TypeError(f"to() received an invalid combination of arguments: {args}")
        _check_device(dev)
        if fmt is not _layout.preserve_format and (
                copy or _layout.suggest_memory_format(self._data) is not fmt):
            from numtorch.ops.shape import clone

            out = clone(self, memory_format=fmt)
            return out if dt is None else out.to(dt)
        if dt is None or _dtype.to_dtype(dt).np_dtype == self._data.dtype:
            return self.clone() if copy else self
        from numtorch.ops.elementwise import cast

        return cast(self, _dtype.to_dtype(dt))

    def type(self, dtype=None, non_blocking=False, **kwargs):
        """``type()`` is the type name (``'torch.FloatTensor'``); ``type(t)`` casts to ``t``, a
        dtype, a legacy class (``torch.LongTensor``) or its name (``'torch.LongTensor'``), and
        returns ``self`` when nothing changes."""
        from numtorch._legacy_tensor import _LEGACY_NAMES, _LegacyTensor
        from numtorch.autograd.function import type_name

        if dtype is None:
            return type_name(self.dtype)
        if isinstance(dtype, str):
            dt = _LEGACY_NAMES.get(dtype.replace("numtorch.", "torch.", 1))
            if dt is None:
                if dtype.startswith(("torch.cuda.", "numtorch.cuda.")):
                    _check_device("cuda")
                raise ValueError(f"invalid type: {dtype!r}")
            dtype = dt
        elif isinstance(dtype, type) and issubclass(dtype, _LegacyTensor):
            dtype = dtype._legacy_dtype
        dtype = _dtype.to_dtype(dtype)
        if dtype.np_dtype == self._data.dtype:
            return self
        return self.to(dtype)

    def type_as(self, other):
        return self.to(other.dtype)

    def cpu(self):
        return self

    def cuda(self, device=None, non_blocking=False):
        _check_device("cuda")

    def float(self):
        return self.to(_dtype.float32)

    def double(self):
        return self.to(_dtype.float64)

    def half(self):
        return self.to(_dtype.float16)

    def long(self):
        return self.to(_dtype.int64)

    def int(self):
        return self.to(_dtype.int32)

    def short(self):
        return self.to(_dtype.int16)

    def char(self):
        return self.to(_dtype.int8)

    def byte(self):
        return self.to(_dtype.uint8)

    def bool(self):
        return self.to(_dtype.bool)

    def pin_memory(self):
        return self

    def is_pinned(self):
        return False

    def share_memory_(self):
        """Move the values into shared memory (in place; a no-op if they are there already), so
        processes of ``numtorch.multiprocessing`` that receive this tensor read and write the
        same memory. Other tensors viewing the old memory keep it (PyTorch moves them too)."""
        from numtorch import _shared_memory

        _shared_memory.register_reductions()
        if not _shared_memory.is_shared(self._data):
            self._data = _shared_memory.share(self._data)
        return self

    def is_shared(self):
        """True when the values live in shared memory (``share_memory_``)."""
        from numtorch import _shared_memory

        return _shared_memory.is_shared(self._data)

    # ------------------------------------------------------------------ in place
    def _check_inplace(self):
        if self._requires_grad and self.grad_fn is None and grad_mode._state.enabled:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                               "operation.")
        view_of = self._view_of
        if view_of is not None and self._requires_grad and grad_mode._state.enabled and \
                _from_multi_output_view(self):
            name = getattr(view_of[1], "node_name", None) or view_of[1].__name__
            raise RuntimeError(
                f"Output {view_of[4] or 0} of {name} is a view and is being modified "
                "inplace. This view is the output of a function that returns multiple views. "
                "Such functions do not allow the output views to be modified inplace. You "
                "should replace the inplace operation by an out-of-place one.")
        self._check_overlap()

    def _check_overlap(self):
        d = self._data
        if not d.flags.writeable and d.size and any(s == 0 and n > 1
                                                    for s, n in zip(d.strides, d.shape)):
            raise RuntimeError("unsupported operation: more than one element of the written-to "
                               "tensor refers to a single memory location. Please clone() the "
                               "tensor before performing the operation.")

    def _set_from(self, result):
        """Make ``self`` hold ``result`` in place: its values are written into ``self``'s memory
        (views see them) and, when ``result`` is in the graph, ``self`` takes its place there.

        ``result`` must have been computed from a *snapshot* of ``self`` (see ``_snapshot``) so
        that what the new node saved is not the memory being overwritten here.
        """
        arr = result._data
        if arr.shape != self._data.shape:
            raise RuntimeError(
                f"output with shape [{', '.join(map(str, self._data.shape))}] doesn't match the "
                f"broadcast shape [{', '.join(map(str, arr.shape))}]")
        if arr.dtype != self._data.dtype:
            if _dtype.from_numpy_dtype(arr.dtype).category > self.dtype.category:
                raise RuntimeError(
                    f"result type {_dtype.scalar_type_name(arr.dtype)} can't "
                    f"be cast to the desired output type {_dtype.scalar_type_name(self.dtype)}")
        if (result.grad_fn is None and self._requires_grad and grad_mode._state.enabled
                and self.grad_fn is not None):
            # constant values replace values in the graph: they send no gradient back
            result = _function.overwrite(self, arr.astype(self._data.dtype, copy=False))
        if self._data.size:  # (an empty broadcast view is read-only, and nothing to write)
            np.copyto(self._data, arr, casting="unsafe")
        self._bump()
        if result.grad_fn is not None:
            self.grad_fn = result.grad_fn
            self._output_nr = result._output_nr
            self._requires_grad = True
            result._data = self._data  # later readers of ``result`` see the same memory
            if self._view_of is not None:
                # ``self`` is a view: its base changed too, and must know it in the graph.
                _function.rebase_view(self, result)
            _function.adopt_saved_output(result.grad_fn, result, self)
            _function.refresh_views(self)
        return self

    def _snapshot(self):
        """What an in-place op reads as its input: ``self`` itself when no graph is recorded,
        otherwise a copy standing at the same place in the graph (so backward can still read
        the old values after they are overwritten)."""
        self._check_inplace()
        if self._view_of is not None and grad_mode._state.enabled:
            base = self._view_of[0]
            while base is not None:
                if base._requires_grad and base.grad_fn is None:
                    raise RuntimeError("a view of a leaf Variable that requires grad is being "
                                       "used in an in-place operation.")
                base = base._view_of[0] if base._view_of is not None else None
        if not (grad_mode._state.enabled and self._requires_grad):
            return self
        snap = _wrap(self._data.copy())
        snap._requires_grad = True
        snap.grad_fn = self.grad_fn
        snap._output_nr = self._output_nr
        if snap.grad_fn is None:
            snap._accumulator = self._get_accumulator()
        return snap

    # ------------------------------------------------------------------ printing
    def __repr__(self, *, tensor_contents=None):
        from numtorch._tensor_str import tensor_repr

        return tensor_repr(self)

    def __str__(self):
        return self.__repr__()

    def __format__(self, spec):
        if self._data.ndim == 0:
            return self._data.item().__format__(spec)
        return object.__format__(self, spec)


# The autograd core needs the tensor type on its hot path, without an import per call (this
# module imports numtorch.autograd, so the reverse import cannot happen at load time).
_function.Tensor = Tensor
_function._wrap = _wrap


def _rebuild(arr, requires_grad, cls=None):
    t = _wrap(arr)
    if cls is not None and cls is not Tensor:
        t.__class__ = cls
    t._requires_grad = requires_grad
    return t


def _from_multi_output_view(t):
    """Whether ``t`` is, or is a view of, one of the views a multi-output function (split,
    unbind, chunk) returned: PyTorch refuses in-place changes of those."""
    while t._view_of is not None:
        if t._view_of[4] is not None:
            return True
        t = t._view_of[0]
    return False
