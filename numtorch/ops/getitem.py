"""``x[key]`` and ``x[key] = value``: PyTorch's index parsed once into a ``_Key``, the
``Index`` / ``IndexGrad`` / ``IndexPut`` primitives (each the other's gradient), and the
accumulation of duplicate positions they share with the scatter family. The rules are in
``ops/indexing.py``'s docstring.
"""

import numbers
import warnings

import numpy as np

from numtorch import _dtype
from numtorch._tensor import Tensor, _wrap
from numtorch.autograd import grad_mode
from numtorch.autograd.function import Primitive

_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
               "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _tname(arr):
    """PyTorch's scalar-type name of an array's dtype ('Float', 'Long', ...)."""
    return _TYPE_NAMES[_dtype.from_numpy_dtype(arr.dtype).name]


def _arr(x):
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def _shape_str(shape):
    return "[" + ", ".join(map(str, shape)) + "]"


def _wrap_dim(dim, ndim):
    lo, hi = (-1, 0) if ndim == 0 else (-ndim, ndim - 1)
    if not lo <= dim <= hi:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {dim})")
    return dim % ndim if ndim else 0


# ====================================================================== accumulation
def _group_sum(lin, vals):
    """Sum the rows of ``vals`` (n, m) that share a linear position in ``lin`` (n,).
    Returns (unique positions, their sums) — a stable sort and one ``np.add.reduceat``."""
    order = np.argsort(lin, kind="stable")
    s = lin[order]
    first = np.empty(s.shape, dtype=bool)
    first[:1] = True
    np.not_equal(s[1:], s[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    return s[starts], np.add.reduceat(vals[order], starts, axis=0)


def _accumulate_rows(out2d, lin, vals):
    """``out2d[lin] += vals`` with duplicates in ``lin`` summed (out2d: (N, m), vals: (n, m)).

    NOTE: measured on an embedding gradient (indices (64, 35) into a (10000, 128) weight), on
    an idle machine: sort + reduceat 1.5 ms, a weighted bincount over (row, column) positions
    2.0 ms, ``np.add.at`` 3.6 ms; on a loaded one bincount came first (4.8 vs 6.0 vs 10.6 ms).
    Sort + reduceat is kept: its memory is proportional to the values, while bincount builds
    a float64 array as large as the whole target (200 MB for a 50000 x 512 embedding). For
    single elements (m == 1) a weighted ``np.bincount`` is fastest when the target is not much
    larger than the number of values (0.12 ms vs 6.5 ms for 1e5 values into 1000 slots); its
    float64 sums are exact enough for floats only.
    """
    if lin.size == 0:
        return
    n_rows, m = out2d.shape
    if m == 1 and out2d.dtype.kind == "f" and n_rows <= 4 * lin.size:
        sums = np.bincount(lin, weights=vals[:, 0].astype(np.float64), minlength=n_rows)
        out2d[:, 0] += sums.astype(out2d.dtype, copy=False)
        return
    pos, sums = _group_sum(lin, vals)
    out2d[pos] += sums.astype(out2d.dtype, copy=False)


# ====================================================================== parsing an index
def _treat_as_tuple(index):
    """PyTorch reads a short list holding slices, None, Ellipsis, tensors or sequences as a
    tuple of indices (deprecated there, with a warning)."""
    if not isinstance(index, list) or len(index) >= 32:
        return False
    for item in index:
        if item is None or item is Ellipsis or isinstance(
                item, (slice, Tensor, list, tuple, np.ndarray)):
            warnings.warn("Using a non-tuple sequence for multidimensional indexing is "
                          "deprecated; use x[tuple(seq)] instead of x[seq].", UserWarning,
                          stacklevel=4)
            return True
    return False


def _index_array(item):
    """An index tensor/array/list as an ndarray; raises PyTorch's IndexError for bad dtypes."""
    if isinstance(item, Tensor):
        arr = item._data
    elif isinstance(item, np.ndarray):
        arr = item
    else:
        arr = np.array(item._data if isinstance(item, Tensor) else item)
        if arr.dtype.kind == "f" or arr.size == 0:
            arr = arr.astype(np.int64)  # sequences become long tensors, as in PyTorch
    if arr.dtype.type not in (np.int64, np.int32, np.uint8, np.bool_):
        raise IndexError(f"tensors used as indices must be long, int, byte or bool tensors, "
                         f"got {arr.dtype.name}")
    return arr


def _scalar_kind(item):
    """'bool', 'int' or None: how PyTorch reads a scalar-like index item."""
    if isinstance(item, (bool, np.bool_)):
        return "bool"
    if isinstance(item, numbers.Integral):
        return "int"
    if isinstance(item, (Tensor, np.ndarray)) and _arr(item).ndim == 0:
        kind = _arr(item).dtype.kind
        if kind == "b":
            return "bool"
        if kind in "iu":
            return "int"
    return None


class _Key:
    """A parsed index over a tensor of a given shape (see the module docstring).

    ``basic``: tuple of ints, slices and None, ending with Ellipsis (so NumPy always returns a
    view, never a scalar). ``adv``: None, or a tuple over the view's dims of ``slice(None)`` and
    non-negative intp arrays. ``shape``: the result shape.
    """

    __slots__ = ("basic", "adv", "view_shape", "shape", "_pos", "_arrays", "_bshape", "_front")

    def __init__(self, shape, index, data=None):
        ndim = len(shape)
        items = index if isinstance(index, tuple) or _treat_as_tuple(index) else (index,)
        parsed = []
        consumed = 0
        for item in items:
            kind = None if item is None or item is Ellipsis else _scalar_kind(item)
            if item is None or item is Ellipsis:
                parsed.append((item, None))
            elif kind == "bool":
                parsed.append(("bool", bool(_arr(item))))
            elif kind == "int":
                parsed.append(("int", int(_arr(item))))
                consumed += 1
            elif isinstance(item, slice):
                parsed.append(("slice", _check_slice(item)))
                consumed += 1
            elif isinstance(item, (Tensor, np.ndarray, list, tuple)):
                arr = _index_array(item)
                if arr.dtype.kind == "b" or arr.dtype == np.uint8:
                    parsed.append(("mask", arr.astype(bool, copy=False)))
                    consumed += arr.ndim
                else:
                    parsed.append(("array", arr))
                    consumed += 1
            else:
                raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long "
                                 "or byte Variables are valid indices (got "
                                 f"{type(item).__name__})")
        if consumed > ndim:
            raise IndexError(f"too many indices for tensor of dimension {ndim}")
        basic = []
        adv = []   # (view dim, array, original dim)
        d = vd = 0
        ellipsis_done = False
        for kind, val in parsed:
            if kind is None:
                basic.append(None)
                vd += 1
            elif kind is Ellipsis:
                n = 0 if ellipsis_done else ndim - consumed
                ellipsis_done = True
                basic.extend([slice(None)] * n)
                d += n
                vd += n
            elif kind == "bool":
                # x[True] adds a dim of size 1; x[False] also indexes it with an empty index.
                basic.append(None)
                adv.append((vd, np.zeros(1 if val else 0, dtype=np.intp), d))
                vd += 1
            elif kind == "int":
                size = shape[d]
                if not -size <= val < size:
                    raise IndexError(f"index {val} is out of bounds for dimension {d} with "
                                     f"size {size}")
                basic.append(val)
                d += 1
            elif kind == "slice":
                basic.append(val)
                d += 1
                vd += 1
            elif kind == "mask":
                for j in range(val.ndim):
                    if val.shape[j] != shape[d + j]:
                        raise IndexError(
                            f"The shape of the mask {_shape_str(val.shape)} at index {j} does "
                            f"not match the shape of the indexed tensor {_shape_str(shape)} at "
                            f"index {d + j}")
                for j, nz in enumerate(np.nonzero(val)):
                    basic.append(slice(None))
                    adv.append((vd, nz, d + j))
                    vd += 1
                d += val.ndim
            else:
                basic.append(slice(None))
                adv.append((vd, val, d))
                d += 1
                vd += 1
        self.basic = tuple(basic) + (Ellipsis,)
        if data is None:  # a stand-in array of the shape, without memory
            data = np.broadcast_to(np.empty((), np.int8), shape)
        view_shape = data[self.basic].shape
        self.view_shape = view_shape
        if not adv:
            self.adv = None
            self.shape = view_shape
            return
        arrays = []
        for k, (vdim, arr, _) in enumerate(adv):
            size = view_shape[vdim]
            if arr.size:
                lo, hi = int(arr.min()), int(arr.max())
                if hi >= size or lo < -size:
                    bad = hi if hi >= size else lo
                    raise IndexError(f"index {bad} is out of bounds for dimension {k} with "
                                     f"size {size}")
                arr = np.where(arr < 0, arr + size, arr) if lo < 0 else arr
            arrays.append(arr.astype(np.intp, copy=False))
        try:
            bshape = np.broadcast_shapes(*(a.shape for a in arrays))
        except ValueError:
            raise IndexError("shape mismatch: indexing tensors could not be broadcast together "
                             "with shapes " + ", ".join(_shape_str(a.shape) for a in arrays)
                             ) from None
        pos = [vdim for vdim, _, _ in adv]
        full = [slice(None)] * len(view_shape)
        for p, a in zip(pos, arrays):
            full[p] = a
        self.adv = tuple(full)
        self._pos = pos
        self._arrays = arrays
        self._bshape = bshape
        # NumPy (and PyTorch) put the broadcast index dims first unless the indexed dims are
        # adjacent; then they replace those dims in place.
        self._front = pos != list(range(pos[0], pos[0] + len(pos)))
        rest = [s for i, s in enumerate(view_shape) if i not in pos]
        at = 0 if self._front else pos[0]
        self.shape = tuple(rest[:at]) + tuple(bshape) + tuple(rest[at:])

    @property
    def is_basic(self):
        return self.adv is None

    def apply(self, x):
        """``x[key]``: a view for basic keys, a copy otherwise."""
        v = x[self.basic]
        return v if self.adv is None else v[self.adv]

    def put(self, out, values, accumulate):
        """``out[key] = values`` (or ``+=``, summing duplicate positions), in place."""
        v = out[self.basic]
        if self.adv is None:
            if accumulate:
                v += values
            else:
                v[...] = values
            return
        if not accumulate:
            v[self.adv] = values
            return
        vals = np.broadcast_to(values, self.shape)
        if vals.size == 0:
            return
        nb = len(self._bshape)
        at = 0 if self._front else self._pos[0]
        # Move the broadcast index dims first: (B..., rest...), flattened to (nB, nrest).
        perm = list(range(at, at + nb)) + [i for i in range(len(self.shape))
                                           if not at <= i < at + nb]
        nbatch = int(np.prod(self._bshape, dtype=np.int64))
        vals2 = np.transpose(vals, perm).reshape(nbatch, -1)
        pshape = tuple(self.view_shape[p] for p in self._pos)
        arrays = np.broadcast_arrays(*self._arrays)
        lin = np.ravel_multi_index(arrays, pshape).reshape(-1)
        rest_axes = [i for i in range(len(self.view_shape)) if i not in self._pos]
        vt = np.transpose(v, self._pos + rest_axes)
        npos = int(np.prod(pshape, dtype=np.int64))
        if vt.flags.c_contiguous:
            _accumulate_rows(vt.reshape(npos, -1), lin, vals2)
            return
        pos, sums = _group_sum(lin, vals2)
        idx = np.unravel_index(pos, pshape)
        tgt = tuple(slice(None) if i not in self._pos else idx[self._pos.index(i)]
                    for i in range(len(self.view_shape)))
        rest_shape = tuple(self.view_shape[i] for i in rest_axes)
        sums = sums.reshape((len(pos),) + rest_shape)
        if not self._front:
            sums = np.moveaxis(sums, 0, self._pos[0])
        v[tgt] += sums.astype(v.dtype, copy=False)


def _check_slice(sl):
    start, stop, step = sl.start, sl.stop, sl.step
    conv = [None if s is None else int(_arr(s)) if isinstance(s, (Tensor, np.ndarray))
            else s.__index__() for s in (start, stop, step)]
    if conv[2] is not None and conv[2] <= 0:
        raise ValueError("step must be greater than zero")
    return slice(*conv)


# ====================================================================== getitem / setitem
class Index(Primitive):
    """y = x[key]. dx = zeros_like(x) with the gradient put at ``key``, summed where advanced
    indices repeat a position."""

    @staticmethod
    def forward(ctx, x, key):
        ctx.shape = x.shape
        ctx.key = key
        return key.apply(x)

    @staticmethod
    def backward(ctx, grad_output):
        return IndexGrad.apply(grad_output, ctx.shape, ctx.key), None


class IndexGrad(Primitive):
    """The gradient of ``Index``: zeros of ``shape`` with ``g`` accumulated at ``key``; its
    own gradient is ``gg[key]``."""

    @staticmethod
    def forward(ctx, g, shape, key):
        ctx.key = key
        out = np.zeros(shape, dtype=g.dtype)
        key.put(out, g, accumulate=True)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        return Index.apply(grad_output, ctx.key), None, None


class IndexPut(Primitive):
    """y = x with ``values`` put at ``key`` (``accumulate``: added, duplicates summed).
    dx = grad (accumulate) or grad zeroed at ``key``; dvalues = grad[key] (the engine sums it
    over the broadcast of ``values``)."""

    @staticmethod
    def forward(ctx, x, values, key, accumulate):
        ctx.key = key
        ctx.accumulate = accumulate
        out = x.copy()
        key.put(out, values, accumulate)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        gx = gv = None
        if ctx.needs_input_grad[0]:
            gx = grad_output if ctx.accumulate else \
                IndexPut.apply(grad_output, 0, ctx.key, False)
        if ctx.needs_input_grad[1]:
            gv = Index.apply(grad_output, ctx.key)
        return gx, gv, None, None


def _getitem(self, index):
    """``x[index]`` with PyTorch's rules; basic indexing (ints, slices, None, ...) returns a
    view sharing memory and version counter with ``x``; advanced indexing returns a copy."""
    key = _Key(self._data.shape, index, self._data)
    out = Index.apply(self, key)
    if key.adv is None:
        out._vc = self._ensure_vc()
    return out


def _value_for(self, key, value):
    """The value of ``x[key] = value`` as a tensor or array castable into ``x``, its leading
    size-1 dims dropped and its shape checked against the indexing result."""
    dt = self._data.dtype
    if isinstance(value, Tensor):
        if key.adv is not None and value._data.dtype != dt and value._data.ndim == 0:
            value = value.to(_dtype.from_numpy_dtype(dt))  # PyTorch casts a 0-d value
        if key.adv is not None and value._data.dtype != dt:
            raise RuntimeError(
                f"Index put requires the source and destination dtypes match, got "
                f"{_tname(self._data)} for the destination and {_tname(value._data)} for the "
                "source.")
        vshape = value._data.shape
    else:
        value = np.asarray(value._data if isinstance(value, Tensor) else value)
        vshape = value.shape
    target = key.shape
    lead = 0
    while len(vshape) - lead > len(target) and vshape[lead] == 1:
        lead += 1
    core = vshape[lead:]
    ok = len(core) <= len(target) and all(
        c == 1 or c == t for c, t in zip(core[::-1], target[::-1]))
    if not ok:
        if key.adv is not None:
            raise RuntimeError(f"shape mismatch: value tensor of shape {_shape_str(vshape)} "
                               f"cannot be broadcast to indexing result of shape "
                               f"{_shape_str(target)}")
        n = max(len(core), len(target))
        for i in range(1, n + 1):
            c = core[-i] if i <= len(core) else 1
            t = target[-i] if i <= len(target) else 1
            if c != 1 and c != t:
                raise RuntimeError(
                    f"The expanded size of the tensor ({t}) must match the existing size ({c}) "
                    f"at non-singleton dimension {n - i}.  Target sizes: {_shape_str(target)}."
                    f"  Tensor sizes: {_shape_str(vshape)}")
    if lead:
        value = value.reshape(core)
    if isinstance(value, Tensor) and value._data.dtype != dt:
        value = value.to(_dtype.from_numpy_dtype(dt))
    return value


def _setitem(self, index, value):
    """``x[index] = value`` in place: values broadcast and cast to ``x``'s dtype (advanced
    indexing requires equal dtypes, as PyTorch). In the graph, ``x`` takes the result's place:
    its old value gets zero gradient where overwritten, ``value`` the gradient at ``index``."""
    key = _Key(self._data.shape, index, self._data)
    value = _value_for(self, key, value)
    value_grad = isinstance(value, Tensor) and value._requires_grad
    if grad_mode._state.enabled and (self._requires_grad or value_grad):
        if self._requires_grad and self.grad_fn is None:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in "
                               "an in-place operation.")
        snap = self._snapshot()
        raw = value if isinstance(value, Tensor) else _wrap(value)
        self._set_from(IndexPut.apply(snap, raw, key, False))
        return
    self._check_overlap()
    key.put(self._data, _arr(value), False)
    self._bump()


def index_put(input, indices, values, accumulate=False):
    """``x`` with ``values`` put at ``x[indices]`` (a tuple of index tensors); with
    ``accumulate`` they are added, duplicates summed. ``values`` must have ``x``'s dtype."""
    key = _Key(input._data.shape, tuple(indices))
    if not isinstance(values, Tensor):
        values = _wrap(np.asarray(values, dtype=input._data.dtype))
    values = _value_for(input, key, values)
    return IndexPut.apply(input, values, key, bool(accumulate))
