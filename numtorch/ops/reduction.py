"""The reduction family as PyTorch's top level sees it: its ``__all__``, the Tensor methods, and
PyTorch's ``out=`` on the functions.

The family lives in five files, lowest first (each uses only those before it):
``_reduce_dims.py`` (``dim`` arguments, reduced shapes, the even split of a tied gradient) ->
``sums.py`` (sum, mean, prod, var/std, norm, all/any) -> ``minmax.py`` (max/min, amax/amin,
argmax/argmin, median, mode), ``softmax.py`` (logsumexp, softmax, log_softmax) -> ``scans.py``
(cumsum, cumprod, logcumsumexp, cummax, cummin).

``dim`` is an int or, where PyTorch accepts one, a tuple of ints; ``dim=None`` reduces over every
dimension. Integer and bool inputs sum to int64 as in PyTorch; ``mean``, ``var`` and ``norm``
accept floating tensors only. Every backward rule is written with numtorch ops, so gradients can
be differentiated again. A selection with ``dim`` sends the gradient to the index it chose; a
full ``max()``/``min()``/``median()``/``amax``/``amin`` splits it evenly among tied elements, as
PyTorch does.
"""

from numtorch.ops import _scalars
from numtorch.ops._reduce_dims import (  # noqa: F401
    _check_nonempty,
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
    _wrap_dim,
)
from numtorch.ops.minmax import (  # noqa: F401
    Amax,
    GatherDim,
    MedianAll,
    ScatterAddDim,
    _amaxmin,
    _arg,
    _argmax_index,
    _argmin_index,
    _median_index,
    _minmax,
    _mode_index,
    _select,
    amax,
    amin,
    aminmax,
    argmax,
    argmin,
    max,
    median,
    min,
    mode,
    nanmedian,
)
from numtorch.ops.scans import (  # noqa: F401
    Cumprod,
    Cumsum,
    LogCumsumExp,
    _cum_input,
    _cum_select,
    cummax,
    cummin,
    cumprod,
    cumsum,
    logcumsumexp,
)
from numtorch.ops.softmax import (  # noqa: F401
    LogSoftmax,
    LogSumExp,
    Softmax,
    _float_or_default,
    _shifted,
    _softmax_input,
    log_softmax,
    logsumexp,
    softmax,
)
from numtorch.ops.sums import (  # noqa: F401
    Mean,
    Norm,
    Prod,
    Sum,
    Var,
    _logical,
    _sum_dtype,
    _var_args,
    all,
    any,
    count_nonzero,
    mean,
    nanmean,
    nansum,
    norm,
    prod,
    std,
    std_mean,
    sum,
    var,
    var_mean,
)

__all__ = [
    "sum", "nansum", "mean", "nanmean", "prod", "cumsum", "cumprod", "max", "min", "amax",
    "amin", "aminmax", "argmax", "argmin", "median", "mode", "cummax", "cummin", "var", "std",
    "var_mean", "std_mean", "logsumexp", "softmax", "log_softmax", "norm", "all", "any",
    "count_nonzero", "logcumsumexp", "nanmedian",
]

TENSOR_METHODS = {
    "sum": sum, "nansum": nansum, "mean": mean, "nanmean": nanmean, "prod": prod,
    "cumsum": cumsum, "cumprod": cumprod, "max": max, "min": min, "amax": amax, "amin": amin,
    "aminmax": aminmax, "argmax": argmax, "argmin": argmin, "median": median, "mode": mode,
    "cummax": cummax, "cummin": cummin, "var": var, "std": std, "logsumexp": logsumexp,
    "softmax": softmax, "log_softmax": log_softmax, "all": all, "any": any,
    "count_nonzero": count_nonzero, "logcumsumexp": logcumsumexp, "nanmedian": nanmedian,
    # Tensor.norm has no positional out= (torch.norm has)
    "norm": lambda self, p="fro", dim=None, keepdim=False, dtype=None: norm(
        self, p, dim, keepdim, dtype=dtype),
}

INPLACE_METHODS = {"cumsum_": cumsum, "cumprod_": cumprod}

# PyTorch's out= on the functions (the Tensor methods above have none)
from numtorch.ops._out import accepts_out as _accepts_out  # noqa: E402

(all, amax, amin, aminmax, any, cummax, cummin, cumprod, cumsum, logsumexp, max, mean,
 median, min, mode, nanmean, nanmedian, std, std_mean, var, var_mean, logcumsumexp) = map(
    _accepts_out, (all, amax, amin, aminmax, any, cummax, cummin, cumprod, cumsum, logsumexp,
                   max, mean, median, min, mode, nanmean, nanmedian, std, std_mean, var,
                   var_mean, logcumsumexp))

# PyTorch's TypeError for Python numbers in the arguments it requires to be tensors
_scalars.check_tensor_args(globals())
