"""Indexing primitives: getitem/setitem, gather/scatter, index_select, masked ops.

Four primitives carry every gradient of the family, in mutually differentiable pairs:

    Index      y = x[key]                       dx = put grad at key into zeros (accumulating)
    IndexPut   y = x with values put at key     dx = grad zeroed at key (or grad when
                                                accumulating), dvalues = grad[key]
    Gather     y = gather(x, dim, index)        dx = scatter_add of grad into zeros
    ScatterAdd y = x + scatter of src           dx = grad, dsrc = gather(grad, dim, index)

The backward of each is the other of its pair (or itself), so double backward is free. The
rest of the family (index_select, masked_fill, take...) and the sorting family
(``ops/sorting.py``: sort, topk...) are built on them.

A ``_Key`` is PyTorch's indexing, parsed once: ints, slices and None apply first as a NumPy
view (basic indexing), then the advanced part (integer arrays, masks as their nonzero indices)
applies to that view with NumPy's rule for where the broadcast index dims go (first when the
advanced indices are separated, in place otherwise) — PyTorch's rule once ints are applied
first (NumPy alone would count ints as advanced indices and move dims differently).

Accumulating puts (duplicate indices) never use ``np.add.at``: values are grouped by linear
position with a stable sort and summed with ``np.add.reduceat`` (fastest for rows of several
elements, e.g. an embedding gradient), or with ``np.bincount`` for single elements.
"""

import numbers
import warnings

import numpy as np

from numtorch import _dtype
from numtorch._tensor import Tensor, _wrap
from numtorch.autograd import grad_mode
from numtorch.autograd.function import Primitive
from numtorch.ops import _scalars
from numtorch.ops.elementwise import where

__all__ = [
    "gather", "scatter", "scatter_add", "scatter_reduce", "index_select", "index_add",
    "index_copy", "index_fill", "index_put", "masked_fill", "masked_scatter", "masked_select",
    "take", "take_along_dim", "put", "nonzero", "argwhere",
]

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


# ====================================================================== gather / scatter
def _check_index(name, index, allow_int32=True):
    kind = index._data.dtype
    if kind != np.int64 and not (allow_int32 and kind == np.int32):
        raise RuntimeError((f"{name}(): Expected dtype int32/int64 for index" if allow_int32
                            else f"{name}(): Expected dtype int64 for index")
                           + f", got {kind.name}")


def _scatter_lin(shape, dim, index):
    """Linear positions in an array of ``shape`` of every element of ``index`` along ``dim``
    (the other coordinates are the element's own)."""
    strides = np.cumprod((shape[1:] + (1,))[::-1])[::-1] if shape else np.ones(0, np.int64)
    lin = index.astype(np.intp) * int(strides[dim]) if shape else index.astype(np.intp)
    for a, n in enumerate(index.shape):
        if a != dim:
            sh = [1] * index.ndim
            sh[a] = n
            lin = lin + (np.arange(n, dtype=np.intp) * int(strides[a])).reshape(sh)
    return np.broadcast_to(lin, index.shape).reshape(-1)


def _check_bounds(index, size, dim):
    if index.size:
        lo, hi = int(index.min()), int(index.max())
        if lo < 0 or hi >= size:
            bad = lo if lo < 0 else hi
            raise RuntimeError(f"index {bad} is out of bounds for dimension {dim} with size "
                               f"{size}")


def _src_view(src, index):
    """``src`` restricted to ``index``'s extent (index may be smaller in every dim)."""
    return src[tuple(slice(0, n) for n in index.shape)]


class Gather(Primitive):
    """y[i][j] = x[index[i][j]][j] (dim 0). dx = scatter_add of grad into zeros."""

    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.shape = x.shape
        ctx.dim = dim
        ctx.index = index
        return x.reshape(-1)[_scatter_lin(x.shape, dim, index)].reshape(index.shape)

    @staticmethod
    def backward(ctx, grad_output):
        return None if not ctx.needs_input_grad[0] else \
            GatherGrad.apply(grad_output, ctx.shape, ctx.dim, ctx.index), None, None


class GatherGrad(Primitive):
    """Zeros of ``shape`` with ``g`` added at ``index`` along ``dim``; its gradient is
    ``gather(gg, dim, index)``."""

    @staticmethod
    def forward(ctx, g, shape, dim, index):
        ctx.dim = dim
        ctx.index = index
        out = np.zeros(shape, dtype=g.dtype)
        _scatter_into(out, dim, index, g, accumulate=True)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        return Gather.apply(grad_output, ctx.dim, ctx.index), None, None, None


def _scatter_into(out, dim, index, src, accumulate):
    """``out[index along dim] = src`` (or ``+=``, duplicates summed), in place; out contiguous."""
    if out.ndim == 0:
        if index.size:
            src0 = np.asarray(src).reshape(-1)
            out[...] = out + src0[0] if accumulate else src0[-1]
        return
    flat = out.reshape(-1)
    lin = _scatter_lin(out.shape, dim, index)
    vals = np.broadcast_to(src, index.shape) if np.ndim(src) == 0 else _src_view(src, index)
    vals = np.asarray(vals).reshape(-1)
    if accumulate:
        _accumulate_rows(flat[:, None], lin, vals[:, None])
    else:
        flat[lin] = vals


class ScatterAdd(Primitive):
    """y = x + src scattered along ``dim`` at ``index``. dx = grad; dsrc = gather(grad)."""

    @staticmethod
    def forward(ctx, x, src, dim, index):
        ctx.dim = dim
        ctx.index = index
        ctx.src_shape = src.shape
        out = np.array(x, copy=True, order="C")
        _scatter_into(out, dim, index, src, accumulate=True)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        gsrc = None
        if ctx.needs_input_grad[1]:
            gsrc = Gather.apply(grad_output, ctx.dim, ctx.index)
            if gsrc.shape != ctx.src_shape:
                gsrc = _pad_to(gsrc, ctx.src_shape)
        return grad_output, gsrc, None, None


class Scatter(Primitive):
    """y = x with src written along ``dim`` at ``index``. dx = grad with zeros where written;
    dsrc = gather(grad)."""

    @staticmethod
    def forward(ctx, x, src, dim, index):
        ctx.dim = dim
        ctx.index = index
        ctx.src_shape = np.shape(src)
        out = np.array(x, copy=True, order="C")
        _scatter_into(out, dim, index, src, accumulate=False)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        gx = gsrc = None
        if ctx.needs_input_grad[0]:
            gx = Scatter.apply(grad_output, 0, ctx.dim, ctx.index)
        if ctx.needs_input_grad[1]:
            gsrc = Gather.apply(grad_output, ctx.dim, ctx.index)
            if gsrc.shape != ctx.src_shape:
                gsrc = _pad_to(gsrc, ctx.src_shape)
        return gx, gsrc, None, None


def _pad_to(g, shape):
    """``g`` placed at the start of zeros of ``shape`` (src larger than index: the rest of src
    is unused and gets zero gradient)."""
    key = _Key(shape, tuple(slice(0, n) for n in g.shape))
    return IndexGrad.apply(g, shape, key)


def _gather_checks(name, input, dim, index):
    _check_index(name, index)
    x, idx = input._data, index._data
    if idx.ndim != x.ndim and not (max(idx.ndim, x.ndim) <= 1):
        raise RuntimeError(f"Index tensor must have the same number of dimensions as input "
                           f"tensor (index {list(idx.shape)}, input {list(x.shape)})")
    dim = _wrap_dim(dim, x.ndim)
    return dim


def gather(input, dim, index, *, sparse_grad=False):
    """``out[i][j] = input[index[i][j]][j]`` for dim 0 (likewise for other dims); ``index``
    may be smaller than ``input`` in the other dims. Gradient: scatter-add into zeros."""
    dim = _gather_checks("gather", input, dim, index)
    x, idx = input._data, index._data
    if x.ndim <= 1 and idx.ndim <= 1 and (x.ndim, idx.ndim) != (1, 1):
        # 0-d and 1-d mix: computed on 1-d views, shaped like the index.
        flat = gather(input.reshape(-1), 0, _wrap(idx.reshape(-1)))
        return flat.reshape(idx.shape)
    for d in range(x.ndim):
        if d != dim and idx.shape[d] > x.shape[d]:
            raise RuntimeError(
                f"Size does not match at dimension {d} expected index {_shape_str(idx.shape)} "
                f"to be no larger than self {_shape_str(x.shape)} apart from dimension {dim}")
    _check_bounds(idx, x.shape[dim], dim)
    return Gather.apply(input, dim, idx)


def _scatter_checks(input, dim, index, src):
    _check_index("scatter", index)
    x, idx = input._data, index._data
    if isinstance(src, Tensor) and src._data.dtype != x.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    if idx.ndim != x.ndim and not (max(idx.ndim, x.ndim) <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as self "
                           "tensor")
    dim = _wrap_dim(dim, x.ndim)
    src_shape = src._data.shape if isinstance(src, Tensor) else None
    for d in range(idx.ndim):
        too_big = (d != dim and idx.shape[d] > x.shape[d]) or (
            src_shape is not None and idx.shape[d] > src_shape[d])
        if too_big:
            tail = "" if src_shape is None else \
                f" and to be no larger size than src {_shape_str(src_shape)}"
            raise RuntimeError(f"Expected index {_shape_str(idx.shape)} to be no larger than "
                               f"self {_shape_str(x.shape)} apart from dimension {dim}{tail}")
    _check_bounds(idx, x.shape[dim] if x.ndim else 1, dim)
    return dim


def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    """``input`` with ``src`` (a tensor, or a scalar ``value``) written at ``index`` along
    ``dim``; ``reduce`` 'add' or 'multiply' combines with the existing values instead. Where
    ``index`` repeats a position without ``reduce``, the last write wins (PyTorch leaves it
    unspecified)."""
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter() missing 1 required argument: 'src' or 'value'")
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise RuntimeError(f"reduce argument must be either add or multiply, got {reduce}")
        if not isinstance(src, Tensor):
            src = _wrap(np.full(index._data.shape, src, dtype=input._data.dtype))
        return scatter_reduce(input, dim, index, src, "sum" if reduce == "add" else "prod")
    dim = _scatter_checks(input, dim, index, src)
    if not isinstance(src, Tensor):
        src = np.asarray(src, dtype=input._data.dtype)
    return Scatter.apply(input, src, dim, index._data)


def scatter_add(input, dim, index, src):
    """``input`` plus ``src`` added at ``index`` along ``dim`` (repeated positions sum)."""
    dim = _scatter_checks(input, dim, index, src)
    return ScatterAdd.apply(input, src, dim, index._data)


_REDUCES = ("sum", "prod", "mean", "amax", "amin")


class ScatterReduce(Primitive):
    """y = x with ``src`` reduced into it at ``index`` along ``dim`` (sum, prod, mean, amax,
    amin; ``include_self``: whether x's values take part). Backward (as PyTorch): sum passes
    grad; mean divides by the count; amax/amin split grad evenly among the elements equal to
    the result; prod multiplies by the product of the other elements (zeros handled exactly)."""

    @staticmethod
    def forward(ctx, x, src, dim, index, reduce, include_self):
        ctx.dim, ctx.index, ctx.reduce, ctx.include_self = dim, index, reduce, include_self
        out = np.array(x, copy=True, order="C")
        if index.size == 0:
            ctx.save_for_backward(x, src, out)
            return out
        flat = out.reshape(-1)
        lin = _scatter_lin(out.shape, dim, index)
        vals = np.asarray(_src_view(src, index)).reshape(-1)
        order = np.argsort(lin, kind="stable")
        s = lin[order]
        first = np.r_[True, s[1:] != s[:-1]]
        starts = np.flatnonzero(first)
        pos = s[starts]
        v = vals[order]
        ufunc = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum,
                 "amin": np.minimum}[reduce]
        red = ufunc.reduceat(v, starts)
        if include_self:
            red = ufunc(flat[pos], red)
        if reduce == "mean":
            count = np.diff(np.r_[starts, len(s)]) + (1 if include_self else 0)
            red = red / count if out.dtype.kind == "f" else red // count
        flat[pos] = red
        ctx.save_for_backward(x, src, out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, src, out = ctx.saved_tensors
        dim, index, reduce = ctx.dim, _wrap(ctx.index), ctx.reduce
        g = grad_output
        src_shape = src.shape
        src = _src_view_t(src, ctx.index)
        hit = scatter(_wrap(np.zeros(x.shape, bool)), dim, index, True) if \
            not ctx.include_self or reduce in ("mean", "amax", "amin") else None
        keep = 1.0 if ctx.include_self else (~hit).to(g.dtype)
        if reduce == "sum":
            gx, gs = g * keep, gather(g, dim, index)
        elif reduce == "mean":
            ones = _wrap(np.ones(index.shape, x._data.dtype))
            n = scatter_add(_wrap(np.ones(x.shape, x._data.dtype)) if ctx.include_self else
                            _wrap(np.zeros(x.shape, x._data.dtype)), dim, index, ones)
            n = _wrap(np.where(n._data == 0, 1, n._data))
            gx, gs = g * keep / n, gather(g / n, dim, index)
        elif reduce in ("amax", "amin"):
            x_is = (x == out).to(g.dtype) * keep
            s_is = (src == gather(out, dim, index)).to(g.dtype)
            n = scatter_add(x_is, dim, index, s_is)
            share = g / _wrap(np.where(n._data == 0, 1, n._data))
            gx, gs = share * x_is, gather(share, dim, index) * s_is
        else:
            gx, gs = _prod_grads(x, src, out, g, dim, index, ctx.include_self)
        if gs.shape != src_shape:
            gs = _pad_to(gs, tuple(src_shape))
        return gx, gs, None, None, None, None


def _src_view_t(src, index):
    return Index.apply(src, _Key(src._data.shape, tuple(slice(0, n) for n in index.shape))) \
        if src._data.shape != index.shape else src


def _prod_grads(x, src, out, g, dim, index, include_self):
    """Gradients of a product reduction: each factor gets grad times the product of the
    others — ``out / factor`` where the factor is nonzero; where it is the only zero at its
    position, the product of the nonzero others; otherwise 0."""
    zx = x == 0
    zs = src == 0
    # (constants, not x * 0 + 1: an infinite x must not turn them into NaN)
    nonzero_x = where(zx, 1.0, x) if include_self else _wrap(np.ones_like(x._data))
    nonzero_prod = scatter_reduce(nonzero_x, dim, index, where(zs, 1.0, src), "prod")
    zeros = scatter_add(zx.to(x.dtype) if include_self else _wrap(np.zeros_like(x._data)), dim,
                        index, zs.to(x.dtype))
    gx = None
    if include_self:
        gx = where(zx, where(zeros == 1, g * nonzero_prod, g * 0), g * out / where(zx, 1.0, x))
    else:
        hit = scatter(_wrap(np.zeros(x.shape, bool)), dim, index, True)
        gx = where(hit, _wrap(np.zeros_like(g._data)), g)
    go = gather(g * out, dim, index)
    gnp = gather(g * nonzero_prod, dim, index)
    gzc = gather(zeros, dim, index)
    gs = where(zs, where(gzc == 1, gnp, gnp * 0), go / where(zs, 1.0, src))
    return gx, gs


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """Reduce ``src`` into ``input`` at ``index`` along ``dim`` with ``reduce`` in 'sum',
    'prod', 'mean', 'amax', 'amin'; ``include_self=False`` leaves ``input``'s values out at
    the positions that receive values. Differentiable w.r.t. ``input`` and ``src``."""
    if reduce not in _REDUCES:
        raise RuntimeError("reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")
    dim = _scatter_checks(input, dim, index, src)
    return ScatterReduce.apply(input, src, dim, index._data, reduce, bool(include_self))


# ====================================================================== index_* along a dim
def _dim_key(input, dim, index, name, allow_int32=True, vector_error=IndexError,
             bound_error=None):
    """The key ``(:, ..., :, index)`` for the ``index_*`` ops, with their checks."""
    if not isinstance(index, Tensor):
        index = _wrap(np.asarray(index))
    idx = index._data
    if idx.dtype != np.int64 and not (allow_int32 and idx.dtype == np.int32):
        if name == "index_select":
            raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
        if name == "index_add_":
            raise RuntimeError("index_add_(): Expected dtype int32/int64 for index but got: "
                               f"{_tname(idx)}")
        if name == "index_copy_":
            raise RuntimeError("index_copy_(): Expected a long tensor for index, but got "
                               f"{_tname(idx)}")
        raise IndexError(f"{name}(): Expected dtype int64 for index.")
    if idx.ndim > 1:
        raise vector_error(f"{name}(): Index is supposed to be a vector, got an index of shape "
                           f"{list(idx.shape)}")
    idx = idx.reshape(-1)
    x = input._data
    dim = _wrap_dim(dim, x.ndim)
    size = x.shape[dim] if x.ndim else 1
    if idx.size and (idx.min() < -size or idx.max() >= size or
                     (name == "index_select" and idx.min() < 0)):
        if name == "index_select":
            bad = int(idx.max()) if idx.max() >= size else int(idx.min())
            raise IndexError(f"index out of range in self (index {bad}, size {size} of dim "
                             f"{dim})")
        bad = int(idx.max()) if idx.max() >= size else int(idx.min())
        msg = f"index {bad} is out of bounds for dimension {dim} with size {size}"
        raise (bound_error or IndexError)(f"{name}(): {msg}" if name == "index_copy_" else msg)
    if x.ndim == 0:
        return dim, _Key((1,), (idx,)), True
    return dim, _Key(x.shape, (slice(None),) * dim + (idx,)), False


def index_select(input, dim, index):
    """The slices of ``input`` at ``index`` (1-D) along ``dim``. Gradient: accumulated back."""
    dim, key, scalar = _dim_key(input, dim, index, "index_select")
    if scalar:
        return Index.apply(input.reshape(1), key).reshape(key.shape)
    return Index.apply(input, key)


def _dim_put(input, dim, index, source, name, accumulate, bound_error=IndexError):
    dim, key, scalar = _dim_key(input, dim, index, name, allow_int32=accumulate,
                                bound_error=bound_error)
    x = input.reshape(1) if scalar else input
    if isinstance(source, Tensor):
        if source._data.dtype != input._data.dtype:
            raise RuntimeError(f"{name}(): self ({_tname(input._data)}) and source "
                               f"({_tname(source._data)}) must have the same scalar type")
        n = key.shape[dim] if key.shape else 1
        if source._data.ndim and source._data.shape[dim] != n and name != "index_fill_":
            raise RuntimeError(f"{name}(): Number of indices ({n}) should be equal to "
                               f"source.size(dim): ({source._data.shape[dim]}), for dim: {dim}")
        if name != "index_fill_" and source._data.shape != key.shape and \
                source._data.size == int(np.prod(key.shape)):
            source = source.reshape(key.shape)
    out = IndexPut.apply(x, source, key, accumulate)
    return out.reshape(()) if scalar else out


def index_add(input, dim, index, source, *, alpha=1):
    """``input`` with ``alpha * source`` added at ``index`` along ``dim`` (repeats sum)."""
    if alpha != 1:
        source = source * alpha
    return _dim_put(input, dim, index, source, "index_add_", True, bound_error=RuntimeError)


def index_copy(input, dim, index, source):
    """``input`` with the slices of ``source`` copied to ``index`` along ``dim``."""
    return _dim_put(input, dim, index, source, "index_copy_", False)


def index_fill(input, dim, index, value):
    """``input`` with the slices at ``index`` along ``dim`` set to ``value`` (a number or 0-d
    tensor, which then receives the summed gradient)."""
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise IndexError("index_fill_ only supports a 0-dimensional value tensor, but got "
                             f"tensor with {value._data.ndim} dimension(s).")
        if value._data.dtype != input._data.dtype:
            value = value.to(input.dtype)
    else:
        value = np.asarray(value).astype(input._data.dtype)
    if isinstance(index, Tensor) and index._data.dtype.kind in "iu" and index._data.ndim <= 1:
        # A position filled twice is filled once: its gradient reaches ``value`` once.
        size = input._data.shape[_wrap_dim(dim, input._data.ndim)] if input._data.ndim else 1
        idx = index._data
        index = _wrap(np.unique(np.where(idx < 0, idx + size, idx)).astype(idx.dtype))
    return _dim_put(input, dim, index, value, "index_fill_", False)


# ====================================================================== masks, take, put
def _check_mask(mask, name, message=None):
    m = _arr(mask)
    if m.dtype != np.bool_:
        if message:
            raise RuntimeError(message)
        nm = {"int64": "long int", "int32": "int", "uint8": "unsigned char",
              "float32": "float", "float64": "double"}.get(m.dtype.name, m.dtype.name)
        raise RuntimeError(f"{name} only supports boolean masks, but got mask with dtype {nm}")
    return m


def masked_fill(input, mask, value):
    """``input`` with ``value`` where ``mask`` (bool, broadcast) is True; a 0-d tensor value
    receives the summed gradient. The result has ``input``'s dtype."""
    m = _check_mask(mask, "masked_fill_")
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but "
                               f"got tensor with {value._data.ndim} dimension(s).")
        if value._data.dtype != input._data.dtype:
            value = value.to(input.dtype)
    elif isinstance(value, (numbers.Number, np.generic)):
        value = _wrap(np.asarray(value).astype(input._data.dtype))
    else:
        raise TypeError(f"masked_fill() received an invalid combination of arguments - got "
                        f"(Tensor, Tensor, {type(value).__name__}): value must be a number or a "
                        "0-dim tensor")
    out = where(_wrap(m), value, input)
    if out._data.dtype != input._data.dtype:
        out = out.to(input.dtype)
    return out.contiguous()  # PyTorch's out-of-place masked_fill returns contiguous output


def _broadcast_pair(input, m):
    from numtorch.ops._broadcast import broadcast_shapes

    shape = broadcast_shapes(input._data.shape, m.shape)
    x = input if input._data.shape == shape else input.expand(shape)
    return x, np.broadcast_to(m, shape)


def masked_select(input, mask):
    """The elements of ``input`` where ``mask`` is True (both broadcast), as a 1-D tensor."""
    m = _check_mask(mask, "masked_select",
                    "masked_select: expected BoolTensor for mask")
    x, m = _broadcast_pair(input, m)
    if x._data.ndim == 0:
        return Index.apply(x.reshape(1), _Key((1,), (m.reshape(1),)))
    return Index.apply(x, _Key(x._data.shape, (m,)))


def masked_scatter(input, mask, source):
    """``input`` with the positions where ``mask`` is True filled, in row-major order, with
    consecutive elements of ``source``."""
    m = _check_mask(mask, "masked_scatter_",
                    "masked_scatter_ only supports boolean masks, but got mask with dtype "
                    f"{_arr(mask).dtype}")
    x, m = _broadcast_pair(input, m)
    n = int(m.sum())
    if source._data.size < n:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError("masked_scatter: expected self and source to have same dtypes but "
                           f"got {_tname(input._data)} and {_tname(source._data)}")
    flat = source.reshape(-1)
    vals = flat if flat._data.shape[0] == n else Index.apply(flat, _Key((flat.shape[0],),
                                                                       (slice(0, n),)))
    if x._data.ndim == 0:
        return IndexPut.apply(x.reshape(1), vals, _Key((1,), (m.reshape(1),)), False).reshape(())
    return IndexPut.apply(x, vals, _Key(x._data.shape, (m,)), False)


def _flat_index(input, index, name):
    idx = index._data
    if idx.dtype != np.int64:
        raise RuntimeError(f"{name}(): Expected a long tensor for index, but got "
                           f"{_tname(idx)}")
    n = input._data.size
    if idx.size and (idx.max() >= n or idx.min() < -n):
        bad = int(idx.max()) if idx.max() >= n else int(idx.min())
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} "
                         "elements.")
    return idx


def take(input, index):
    """``input`` viewed as 1-D, indexed by ``index`` (result shaped like ``index``)."""
    idx = _flat_index(input, index, "take")
    return Index.apply(input.reshape(-1), _Key((input._data.size,), (idx,)))


def put(input, index, source, accumulate=False):
    """``input`` (viewed as 1-D) with ``source`` written (or added) at ``index``."""
    idx = _flat_index(input, index, "put")
    flat = input.reshape(-1)
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"put_(): self ({_tname(input._data)}) and source "
                           f"({_tname(source._data)}) must have the same scalar type")
    key = _Key((input._data.size,), (idx,))
    return IndexPut.apply(flat, source.reshape(key.shape), key, bool(accumulate)).reshape(
        input.shape)


def take_along_dim(input, indices, dim=None):
    """Gather along ``dim`` after broadcasting ``input`` and ``indices`` in the other dims;
    with ``dim=None`` both are flattened first."""
    if dim is None:
        return take(input.reshape(-1), indices.reshape(-1))
    _check_index("take_along_dim", indices)
    x, idx = input._data, indices._data
    if x.ndim != idx.ndim:
        raise RuntimeError("torch.take_along_dim(): input and indices should have the same "
                           f"number of dimensions, but got {x.ndim} dimensions for input, and "
                           f"{idx.ndim} dimensions for indices")
    dim = _wrap_dim(dim, x.ndim)
    xs = list(x.shape)
    ids = list(idx.shape)
    xs[dim] = ids[dim] = 1
    from numtorch.ops._broadcast import broadcast_shapes

    b = list(broadcast_shapes(tuple(xs), tuple(ids)))
    bx, bi = list(b), list(b)
    bx[dim], bi[dim] = x.shape[dim], idx.shape[dim]
    if tuple(bx) != x.shape:
        input = input.expand(tuple(bx))
    if tuple(bi) != idx.shape:
        indices = _wrap(np.broadcast_to(idx, tuple(bi)))
    return gather(input, dim, indices)


def nonzero(input, *, as_tuple=False):
    """Indices of the nonzero elements: an (n, ndim) int64 tensor, or with ``as_tuple`` one
    1-D tensor per dim (a 0-d input counts as 1-D)."""
    if as_tuple:
        return where(input)
    return _wrap(np.argwhere(_arr(input)).astype(np.int64))


def argwhere(input):
    """``nonzero(input)``: an (n, ndim) int64 tensor."""
    return nonzero(input)


def one_hot(tensor, num_classes=-1):
    """``nn.functional.one_hot``: int64 tensor with a trailing dim of ``num_classes`` (the max
    class + 1 when -1), 1 at each value's class."""
    x = _arr(tensor)
    if x.dtype != np.int64:
        raise RuntimeError(f"one_hot is only applicable to index tensor of type LongTensor, got "
                           f"{x.dtype.name}.")
    if num_classes == -1:
        if x.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(x.max()) + 1
    if x.size:
        if x.min() < 0:
            raise RuntimeError(f"Class values must be non-negative, got {int(x.min())}.")
        if x.max() >= num_classes:
            raise RuntimeError(f"Class values must be smaller than num_classes, got "
                               f"{int(x.max())} for num_classes={num_classes}.")
    out = np.zeros(x.shape + (num_classes,), np.int64)
    np.put_along_axis(out, x[..., None], 1, axis=-1)
    return _wrap(out)


def _fill_diagonal(input, fill_value, wrap=False):
    """``input`` with its main diagonal (``input[i, i, ..., i]``) set to ``fill_value``; the
    out-of-place form of ``fill_diagonal_``. All dims must be equal, except that a 2-D tall
    matrix has its diagonal restarted every ``cols + 1`` rows when ``wrap`` is True."""
    shape = input._data.shape
    if len(shape) < 2:
        raise RuntimeError("dimensions must larger than 1")
    if len(shape) > 2 and len(set(shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    mask = np.zeros(shape, dtype=bool)
    if len(shape) == 2:
        rows, cols = shape
        flat = mask.reshape(-1)
        stop = rows * cols if wrap else min(rows, cols) * cols
        flat[0:stop:cols + 1] = True
    else:
        i = np.arange(shape[0])
        mask[(i,) * len(shape)] = True
    return masked_fill(input, _wrap(mask), fill_value)


TENSOR_METHODS = {
    "__getitem__": _getitem, "__setitem__": _setitem,
    "gather": gather, "scatter": scatter, "scatter_add": scatter_add,
    "scatter_reduce": scatter_reduce, "index_select": index_select, "index_add": index_add,
    "index_copy": index_copy, "index_fill": index_fill, "index_put": index_put,
    "masked_fill": masked_fill, "masked_scatter": masked_scatter,
    "masked_select": masked_select, "take": take, "take_along_dim": take_along_dim,
    "put": put, "nonzero": nonzero, "argwhere": argwhere,
}

INPLACE_METHODS = {
    "scatter_": scatter, "scatter_add_": scatter_add, "scatter_reduce_": scatter_reduce,
    "index_add_": index_add, "index_fill_": index_fill, "index_copy_": index_copy,
    "index_put_": index_put, "masked_fill_": masked_fill, "masked_scatter_": masked_scatter,
    "put_": put, "fill_diagonal_": _fill_diagonal,
}

# PyTorch's out= on the functions (the Tensor methods above have none)
from numtorch.ops._out import accepts_out as _accepts_out  # noqa: E402

(gather, index_add, index_copy, index_select, masked_select, nonzero,
 take_along_dim) = map(_accepts_out, (
    gather, index_add, index_copy, index_select, masked_select, nonzero, take_along_dim))

# PyTorch's TypeError for Python numbers in the arguments it requires to be tensors
_scalars.check_tensor_args(globals())
