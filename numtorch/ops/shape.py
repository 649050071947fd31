"""Shape primitives: views and copies that move elements without changing them.

Every op here is linear in its input, so each backward rule is another op of this family (often
the primitive's adjoint: ``unfold``/its fold, the constant pad with negated widths, a diagonal
and its scatter) and double backward comes free. Joining and splitting (``cat``, ``stack``,
``split``...) live in ``ops/join.py``, padding modes in ``ops/padding.py``.

Views: when NumPy can give a view (reshape of a compatible layout, permute, expand, narrow,
split, unbind, diagonal, unfold) the result shares memory *and* the version counter ``_vc``
with its input, so an in-place change through either is seen by the other and detected by
backward's saved-tensor check. ``flip``, ``roll``, ``repeat``, ``cat``… return copies, as in
PyTorch.

An in-place op on a view in the graph also gives its base a new graph node (``CopySlices``,
see ``autograd/function.py``), so gradients through the base see the change, as in PyTorch.

The family's files, lowest first (each uses only those before it): ``views.py`` (reshape,
permute, expand and the other whole-tensor views; clone, which contiguous needs) ->
``slicing.py`` (narrow, select, diagonals, trace, unfold, the *_scatter copies) ->
``copies.py`` (repeat, tile, repeat_interleave, flip, roll, rot90, tril/triu, combinations) ->
this file, the family's public face (``__all__``, the Tensor methods, out=, the
scalar-argument checks).
"""

from numtorch.ops import _scalars
from numtorch.ops.copies import (  # noqa: F401
    combinations,
    flip,
    fliplr,
    flipud,
    repeat,
    repeat_interleave,
    roll,
    rot90,
    tile,
    tril,
    triu,
)
from numtorch.ops.slicing import (  # noqa: F401
    ConstantPad,
    diag,
    diag_embed,
    diagflat,
    diagonal,
    diagonal_scatter,
    narrow,
    select,
    select_scatter,
    slice_scatter,
    trace,
    unfold,
)
from numtorch.ops.views import (  # noqa: F401
    _format_like,
    _shape_str,
    _share_vc,
    _size_args,
    _tensor_list,
    _wrap_dim,
    broadcast_tensors,
    broadcast_to,
    clone,
    contiguous,
    expand,
    expand_as,
    flatten,
    moveaxis,
    movedim,
    permute,
    ravel,
    reshape,
    reshape_as,
    squeeze,
    swapaxes,
    swapdims,
    t,
    transpose,
    unflatten,
    unsqueeze,
    view,
    view_as,
)

__all__ = [
    "reshape", "flatten", "unflatten", "squeeze", "unsqueeze", "permute", "transpose",
    "swapaxes", "swapdims", "movedim", "moveaxis", "t", "broadcast_to", "broadcast_tensors",
    "tile", "repeat_interleave", "flip", "fliplr", "flipud", "roll", "rot90", "narrow", "tril",
    "triu", "diagonal", "diag", "diag_embed", "trace", "clone", "ravel", "select",
    "diagflat", "diagonal_scatter", "select_scatter", "slice_scatter", "combinations",
]


# ====================================================================== Tensor methods
def _size_method_arg(fn):
    """Methods that also take sizes as varargs (``x.repeat(2, 3)``, ``x.tile(2, 3)``)."""
    def method(self, *sizes):
        return fn(self, _size_args(sizes))

    method.__name__ = fn.__name__
    method.__doc__ = fn.__doc__
    return method


TENSOR_METHODS = {
    "reshape": reshape, "view": view, "view_as": view_as, "reshape_as": reshape_as,
    "flatten": flatten, "unflatten": unflatten, "squeeze": squeeze,
    "unsqueeze": unsqueeze, "permute": permute, "transpose": transpose, "swapaxes": swapaxes,
    "swapdims": swapdims, "movedim": movedim, "moveaxis": moveaxis, "t": t, "expand": expand,
    "expand_as": expand_as, "broadcast_to": broadcast_to, "repeat": repeat,
    "tile": _size_method_arg(tile), "repeat_interleave": repeat_interleave, "flip": flip,
    "fliplr": fliplr, "flipud": flipud, "roll": roll, "rot90": rot90, "narrow": narrow,
    "tril": tril, "triu": triu, "diagonal": diagonal, "diag": diag, "diag_embed": diag_embed,
    "trace": trace, "clone": clone, "contiguous": contiguous, "ravel": ravel, "unfold": unfold,
    "select": select, "diagflat": diagflat, "diagonal_scatter": diagonal_scatter,
    "select_scatter": select_scatter, "slice_scatter": slice_scatter,
}

INPLACE_METHODS = {"tril_": tril, "triu_": triu}

# PyTorch's out= on the functions (the Tensor methods above have none)
from numtorch.ops._out import accepts_out as _accepts_out  # noqa: E402

diag, tril, triu = map(_accepts_out, (diag, tril, triu))

# PyTorch's TypeError for Python numbers in the arguments it requires to be tensors
_scalars.check_tensor_args(globals())
