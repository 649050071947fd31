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

The family's files, lowest first (each uses only those before it): ``getitem.py`` (the key,
``Index``, ``IndexGrad``, ``IndexPut``, ``x[key]`` and ``x[key] = value``) ->
``gather_scatter.py`` (gather, scatter, the ``index_*`` ops) -> ``masking.py`` (masked ops,
take/put, nonzero, one_hot) -> this file, the family's public face (``__all__``, the Tensor
methods, out=, the scalar-argument checks).
"""

from numtorch.ops import _scalars
from numtorch.ops.gather_scatter import (  # noqa: F401
    Gather,
    gather,
    index_add,
    index_copy,
    index_fill,
    index_select,
    scatter,
    scatter_add,
    scatter_reduce,
)
from numtorch.ops.getitem import (  # noqa: F401
    _arr,
    _getitem,
    _setitem,
    _shape_str,
    _wrap_dim,
    index_put,
)
from numtorch.ops.masking import (  # noqa: F401
    _fill_diagonal,
    argwhere,
    masked_fill,
    masked_scatter,
    masked_select,
    nonzero,
    one_hot,
    put,
    take,
    take_along_dim,
)

__all__ = [
    "gather", "scatter", "scatter_add", "scatter_reduce", "index_select", "index_add",
    "index_copy", "index_fill", "index_put", "masked_fill", "masked_scatter", "masked_select",
    "take", "take_along_dim", "put", "nonzero", "argwhere",
]

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
