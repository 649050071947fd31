"""What every loss shares: PyTorch's ``reduction`` ('none', 'mean', 'sum') and the
deprecated ``size_average`` / ``reduce`` arguments mapped onto it with PyTorch's warning, and
the small argument checks and messages (dtype names, shapes, target size warnings).
"""

import warnings

from numtorch.autograd import grad_mode

_SCALAR_NAMES = {
    "float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
    "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
}


# ====================================================================== reductions
def _legacy_reduction(size_average, reduce, emit_warning=True):
    """PyTorch's mapping of the deprecated ``size_average``/``reduce`` flags."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if size_average and reduce:
        ret = "mean"
    elif reduce:
        ret = "sum"
    else:
        ret = "none"
    if emit_warning:
        warnings.warn(f"size_average and reduce args will be deprecated, please use "
                      f"reduction='{ret}' instead.", UserWarning, stacklevel=3)
    return ret


def _reduction(size_average, reduce, reduction):
    if size_average is not None or reduce is not None:
        return _legacy_reduction(size_average, reduce)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _scalar_name(t):
    return _SCALAR_NAMES[t._data.dtype.name]


def _no_grad_arg(t, fn_name, arg):
    """PyTorch's fused losses do not differentiate their class weights: refuse, as it does."""
    if t is not None and t._requires_grad and grad_mode.is_grad_enabled():
        raise RuntimeError(f"The function '{fn_name}' is not differentiable with respect to "
                           f"argument '{arg}'. This input cannot have requires_grad True.")


def _warn_size(input, target):
    if input._data.shape != target._data.shape:
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}). This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.", UserWarning, stacklevel=3)


def _shape_list(shape):
    return f"[{', '.join(map(str, shape))}]"
