"""dtypes as objects (``numtorch.float32``) and PyTorch's type-promotion rules.

PyTorch promotes differently from NumPy: operands fall into three tiers (tensors with at least
one dimension, zero-dim tensors, Python numbers) and three categories (bool < integer < floating).
A lower tier only changes the result when it brings a higher category, and a Python number that
does so contributes the *default* dtype of its category (float32, int64), not float64.
So ``int_tensor / int_tensor`` is float32 and ``int_tensor * 1.5`` is float32.
"""

import builtins

import numpy as np

__all__ = [
    "dtype", "float32", "float", "float64", "double", "float16", "half", "int64", "long",
    "int32", "int", "int16", "short", "int8", "uint8", "bool", "get_default_dtype",
    "set_default_dtype", "promote_types", "result_type", "to_dtype", "from_numpy_dtype",
    "finfo", "iinfo",
]

_BOOL, _INT, _FLOAT = 0, 1, 2


# The namespace dtypes and sizes print with: "numtorch", or "torch" while PyTorch programs run
# on numtorch (``install_as_torch``), so that their output reads as it does under PyTorch.
REPR_NAMESPACE = ["numtorch"]


class dtype:
    """A tensor element type. ``numtorch.float32.is_floating_point`` is True; ``itemsize`` bytes."""

    __slots__ = ("name", "np_dtype", "is_floating_point", "is_signed", "itemsize", "category")

    is_complex = False

    def __init__(self, name, np_dtype, category):
        self.name = name
        self.np_dtype = np.dtype(np_dtype)
        self.category = category
        self.is_floating_point = category == _FLOAT
        self.is_signed = self.np_dtype.kind in "fi"
        self.itemsize = self.np_dtype.itemsize

    def __repr__(self):
        return f"{REPR_NAMESPACE[0]}.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))

    def to_real(self):
        return self


float32 = dtype("float32", np.float32, _FLOAT)
float64 = dtype("float64", np.float64, _FLOAT)
float16 = dtype("float16", np.float16, _FLOAT)
int64 = dtype("int64", np.int64, _INT)
int32 = dtype("int32", np.int32, _INT)
int16 = dtype("int16", np.int16, _INT)
int8 = dtype("int8", np.int8, _INT)
uint8 = dtype("uint8", np.uint8, _INT)
bool = dtype("bool", np.bool_, _BOOL)  # noqa: A001 - PyTorch's name
# PyTorch's aliases.
float = float32  # noqa: A001
double = float64
half = float16
long = int64
int = int32  # noqa: A001
short = int16

_ALL = (float32, float64, float16, int64, int32, int16, int8, uint8, bool)
_NP_TO_DTYPE = {d.np_dtype: d for d in _ALL}


def _by_name(name):
    return {d.name: d for d in _ALL}[name]


_default_float = [float32]


def get_default_dtype():
    """The dtype of floating tensors created from Python floats (float32 unless changed)."""
    return _default_float[0]


def set_default_dtype(d):
    """Set the default floating dtype; like PyTorch, only float32 and float64 (and float16)."""
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default_float[0] = d


def from_numpy_dtype(np_dtype):
    """The numtorch dtype of a NumPy dtype; TypeError for types numtorch does not have."""
    try:
        return _NP_TO_DTYPE[np.dtype(np_dtype)]
    except (KeyError, TypeError):
        try:  # NumPy's scalar type names the kind: numpy.str_, numpy.object_, numpy.uint16
            name = f"numpy.{np.dtype(np_dtype).type.__name__}"
        except TypeError:
            name = repr(np_dtype)
        raise TypeError(
            f"can't convert np.ndarray of type {name}. The only supported types "
            "are: float64, float32, float16, int64, int32, int16, int8, uint8, and bool."
        ) from None


def to_dtype(d):
    """Accept a numtorch dtype, a NumPy dtype, or a Python type: ``float`` is float64,
    ``int`` int64, ``bool`` bool, as PyTorch maps them."""
    if isinstance(d, dtype):
        return d
    if d is builtins.float:
        return float64
    if d is builtins.int:
        return int64
    if d is builtins.bool:
        return bool
    return from_numpy_dtype(d)


def dtype_arg(d):
    """A user's ``dtype=`` argument of a factory: ``to_dtype``, refusing a string, which NumPy
    would read ("float32") but PyTorch rejects (a program would run on numtorch only)."""
    if isinstance(d, str):
        raise TypeError(f"argument 'dtype' must be numtorch.dtype, not str ({d!r})")
    return to_dtype(d)


_SCALAR_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half",
                      "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
                      "uint8": "Byte", "bool": "Bool"}


def scalar_type_name(d):
    """PyTorch's name of a dtype in its messages: 'Float', 'Long', 'Byte' (not 'Float32')."""
    d = to_dtype(d)
    return _SCALAR_TYPE_NAMES.get(d.name, d.name)


def promote_types(type1, type2):
    """The smallest dtype both ``type1`` and ``type2`` convert to, PyTorch's table.

    Across categories the higher category's dtype wins whole (int32 with float16 -> float16;
    NumPy would give float32). Within a category it is NumPy's promotion (uint8 with int8 ->
    int16), which agrees with PyTorch's there.
    """
    a, b = type1, type2
    if a is b:
        return a
    if a.category != b.category:
        return a if a.category > b.category else b
    return _NP_TO_DTYPE[np.promote_types(a.np_dtype, b.np_dtype)]


def _scalar_dtype(x):
    if isinstance(x, builtins.bool):
        return bool
    if isinstance(x, builtins.int):
        return int64
    return get_default_dtype()


def result_type(*operands):
    """The dtype of an elementwise op over tensors and Python numbers, by PyTorch's three tiers."""
    dim_dt = zero_dt = scalar_dt = None
    for x in operands:
        t = getattr(x, "_data", None)
        if t is None:
            if isinstance(x, np.ndarray):  # an array stands for a dimensioned tensor
                d = from_numpy_dtype(x.dtype)
                dim_dt = d if dim_dt is None else promote_types(dim_dt, d)
                continue
            d = _scalar_dtype(x)
            scalar_dt = d if scalar_dt is None else promote_types(scalar_dt, d)
        elif t.ndim:
            d = x.dtype
            dim_dt = d if dim_dt is None else promote_types(dim_dt, d)
        else:
            d = x.dtype
            zero_dt = d if zero_dt is None else promote_types(zero_dt, d)
    out = dim_dt
    if zero_dt is not None and (out is None or zero_dt.category > out.category):
        out = zero_dt
    if scalar_dt is not None and (out is None or scalar_dt.category > out.category):
        out = scalar_dt
    return out


# ---------------------------------------------------------------------- finfo / iinfo
def _g(x):
    return f"{x:g}"


class finfo:
    """Machine limits of a floating dtype (default: the default dtype), as ``torch.finfo``:
    ``bits``, ``eps``, ``max``, ``min``, ``tiny`` (= ``smallest_normal``), ``resolution`` and
    ``dtype`` (its name), all Python numbers."""

    def __init__(self, type=None):
        dt = get_default_dtype() if type is None else to_dtype(type)
        if dt.np_dtype.kind != "f":
            raise TypeError("torch.finfo() requires a floating point input type. Use "
                            "torch.iinfo to handle 'torch.finfo'")
        info = np.finfo(dt.np_dtype)
        self.bits = info.bits
        self.eps = builtins.float(info.eps)
        self.max = builtins.float(info.max)
        self.min = builtins.float(info.min)
        self.tiny = self.smallest_normal = builtins.float(info.tiny)
        self.resolution = 10.0 ** -builtins.int(info.precision)
        self.dtype = dt.name

    def __repr__(self):
        return (f"finfo(resolution={_g(self.resolution)}, min={_g(self.min)}, "
                f"max={_g(self.max)}, eps={_g(self.eps)}, "
                f"smallest_normal={_g(self.smallest_normal)}, tiny={_g(self.tiny)}, "
                f"dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype, as ``torch.iinfo``: ``bits``, ``max``, ``min``, ``dtype``."""

    def __init__(self, type):
        dt = to_dtype(type)
        if dt.np_dtype.kind not in "iu" or dt is bool:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo "
                            "to handle 'torch.iinfo'")
        info = np.iinfo(dt.np_dtype)
        self.bits = info.bits
        self.max = builtins.int(info.max)
        self.min = builtins.int(info.min)
        self.dtype = dt.name

    def __repr__(self):
        return f"iinfo(min={_g(self.min)}, max={_g(self.max)}, dtype={self.dtype})"
