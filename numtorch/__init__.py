"""numtorch: PyTorch's public API on NumPy. ``import numtorch as torch``.

The top-level namespace holds what ``torch`` holds: tensor creation, dtypes, random numbers,
grad modes, and every op family's functions (each family module lists them in ``__all__``).
"""

import builtins as _builtins

import numpy as _np

from numtorch import _dtype, _random
from numtorch._creation import (arange, as_tensor, asarray, cartesian_prod, empty, empty_like,
                                empty_strided, eye, from_numpy, full, full_like,
                                is_floating_point, is_same_size, is_signed, is_tensor, isreal,
                                linspace, logspace, meshgrid, numel, ones, ones_like,
                                scalar_tensor, tensor, tril_indices, triu_indices, zeros,
                                zeros_like)
from numtorch._creation import range  # noqa: A004 - torch.range
from numtorch._dtype import (bool, double, dtype, float, float16, float32, float64,  # noqa: A004
                             get_default_dtype, half, int, int8, int16, int32, int64, long,
                             promote_types, set_default_dtype, short, uint8)
from numtorch._dtype import finfo, iinfo
from numtorch._dtype import result_type as _result_type
from numtorch._random import (Generator, bernoulli, default_generator, get_rng_state,
                              initial_seed, manual_seed, multinomial, normal, poisson, rand,
                              rand_like, randint, randint_like, randn, randn_like, randperm, seed,
                              set_rng_state)
from numtorch._legacy_tensor import (BoolTensor, ByteTensor, CharTensor, DoubleTensor,
                                     FloatTensor, HalfTensor, IntTensor, LongTensor, ShortTensor)
from numtorch._tensor import Size, Tensor, device
from numtorch._tensor_str import set_printoptions
from numtorch._layout import (channels_last, channels_last_3d, contiguous_format,
                             memory_format, preserve_format)
from numtorch._determinism import (are_deterministic_algorithms_enabled,
                                   is_deterministic_algorithms_warn_only_enabled,
                                   use_deterministic_algorithms)
from numtorch import _tensor_methods
from numtorch import autograd
from numtorch.autograd.grad_mode import (enable_grad, inference_mode, is_grad_enabled,
                                         is_inference_mode_enabled, no_grad, set_grad_enabled)
from numtorch.ops import conv as _conv
from numtorch.ops import elementwise as _elementwise
from numtorch.ops import indexing as _indexing
from numtorch.ops import linalg as _linalg
from numtorch.ops import loss as _loss
from numtorch.ops import normalization as _normalization
from numtorch.ops import pooling as _pooling
from numtorch.ops import reduction as _reduction
from numtorch.ops import join as _join
from numtorch.ops import padding as _padding
from numtorch.ops import shape as _shape
from numtorch.ops import sorting as _sorting
from numtorch.ops import statistics as _statistics
from numtorch.ops import _scalars
from numtorch.ops._broadcast import broadcast_shapes
from numtorch.ops.activation import celu, hardshrink, prelu, selu, threshold
from numtorch.ops.random import alpha_dropout, dropout, feature_alpha_dropout, feature_dropout
from numtorch.ops import aliases as _aliases
from numtorch.ops import index_reduce as _index_reduce
from numtorch.ops import numeric as _numeric
from numtorch.ops import strided as _strided
from numtorch.ops import windows as _windows
from numtorch import cuda, backends
from numtorch import accelerator, amp, multiprocessing, special, testing
from numtorch.amp import autocast, is_autocast_enabled
from numtorch._import_hook import install_as_torch
from numtorch import nn, optim, utils
from numtorch.nn.functional import cosine_similarity, pairwise_distance  # torch.* has them too
from numtorch import distributions
from numtorch import onnx
from numtorch import linalg
from numtorch import metrics
from numtorch import distributed  # torch.distributed on MPI (mpi4py is imported lazily)
from numtorch.serialization import load, save
from numtorch import hub, serialization
from numtorch import _torch_functions
from numtorch._threads import get_num_threads, set_num_threads, get_num_interop_threads, \
    set_num_interop_threads

__version__ = "0.1.0"

_tensor_methods.bind()
# Methods whose arguments after ``self`` must be tensors raise PyTorch's TypeError for numbers
# (the functions check theirs in their own modules: ``numtorch/ops/_scalars.py``).
_scalars.check_tensor_methods(Tensor)

# The op families' public functions, re-exported as ``numtorch.<name>`` like ``torch.<name>``.
for _module in (_elementwise, _reduction, _shape, _join, _padding, _indexing, _sorting, _linalg,
                _conv, _pooling, _normalization, _loss, _statistics, _aliases, _index_reduce,
                _numeric, _strided, _windows, _torch_functions):
    for _name in _module.__all__:
        globals()[_name] = getattr(_module, _name)
del _module, _name


def result_type(tensor1, tensor2):
    """The dtype PyTorch's promotion gives an op on these two operands."""
    return _result_type(tensor1, tensor2)


def typename(obj):
    if isinstance(obj, Tensor):
        return obj.type()
    return type(obj).__name__


def is_nonzero(input):
    """The truth value of a one-element tensor (RuntimeError otherwise)."""
    return input.__bool__()


_flags = {"matmul_precision": "highest"}


def set_float32_matmul_precision(precision):
    """Recorded (``get_float32_matmul_precision``); numtorch's float32 products are always full
    float32 (PyTorch's "highest"). Other values than "highest", "high", "medium" warn."""
    if precision not in ("highest", "high", "medium"):
        import warnings

        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
                      "set_float32_matmul_precision call has no effect.", UserWarning,
                      stacklevel=2)
        return
    _flags["matmul_precision"] = precision


def get_float32_matmul_precision():
    return _flags["matmul_precision"]


def get_default_device():
    return device("cpu")


def set_default_device(device):
    """Only the CPU (or None) is accepted: numtorch has no other device."""
    from numtorch._tensor import _check_device

    _check_device(device)


def compile(model=None, **kwargs):
    """Accepted for compatibility: returns the model (or a decorator) unchanged."""
    if model is None:
        return lambda m: m
    return model


e = _np.e
pi = _np.pi
inf = _np.inf
nan = _np.nan
newaxis = None
