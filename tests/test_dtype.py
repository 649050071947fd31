"""dtypes as objects and PyTorch's type promotion, pair by pair against torch."""

import itertools
import pickle

import numpy as np
import pytest
from parity import requires_torch, torch

import numtorch
from numtorch import _dtype

NAMES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]


def test_dtype_objects():
    assert numtorch.float is numtorch.float32 and numtorch.double is numtorch.float64
    assert numtorch.long is numtorch.int64 and numtorch.int is numtorch.int32
    assert numtorch.half is numtorch.float16 and numtorch.short is numtorch.int16
    assert repr(numtorch.float32) == "numtorch.float32"
    assert numtorch.float64.is_floating_point and not numtorch.int8.is_floating_point
    assert numtorch.int8.is_signed and not numtorch.uint8.is_signed
    assert numtorch.int16.itemsize == 2
    assert pickle.loads(pickle.dumps(numtorch.float16)) is numtorch.float16
    assert numtorch.ones(1).dtype == numtorch.float32


def test_to_dtype_accepts_python_and_numpy_types():
    assert _dtype.to_dtype(float) is numtorch.float64  # as PyTorch maps Python's float
    assert _dtype.to_dtype(int) is numtorch.int64 and _dtype.to_dtype(bool) is numtorch.bool
    assert _dtype.to_dtype(np.float64) is numtorch.float64
    assert numtorch.ones(2).to(float).dtype is numtorch.float64
    assert numtorch.ones(2).to(int).dtype is numtorch.int64
    assert numtorch.tensor([1], dtype=float).dtype is numtorch.float64
    with pytest.raises(TypeError, match="can't convert np.ndarray of type numpy.complex128"):
        numtorch.tensor(np.array([1j]))


@requires_torch
@pytest.mark.parametrize("a,b", list(itertools.product(NAMES, NAMES)))
def test_promote_types_table(a, b):
    ours = numtorch.promote_types(getattr(numtorch, a), getattr(numtorch, b))
    theirs = torch.promote_types(getattr(torch, a), getattr(torch, b))
    assert ours.name == str(theirs).split(".")[-1]


def _np(name):
    return np.bool_ if name == "bool" else getattr(np, name)


@requires_torch
@pytest.mark.parametrize("a,b", list(itertools.product(NAMES, NAMES)))
def test_result_type_tiers(a, b):
    for sa, sb in [((2,), (2,)), ((), (2,)), ((2,), ()), ((), ())]:
        x, y = np.ones(sa, _np(a)), np.ones(sb, _np(b))
        ours = numtorch.result_type(numtorch.tensor(x), numtorch.tensor(y))
        theirs = torch.result_type(torch.tensor(x), torch.tensor(y))
        assert ours.name == str(theirs).split(".")[-1], (sa, sb)


@requires_torch
@pytest.mark.parametrize("a", NAMES)
@pytest.mark.parametrize("scalar", [1, 2.5, True])
def test_result_type_with_python_numbers(a, scalar):
    for shape in [(2,), ()]:
        x = np.ones(shape, _np(a))
        ours = numtorch.result_type(numtorch.tensor(x), scalar)
        theirs = torch.result_type(torch.tensor(x), scalar)
        assert ours.name == str(theirs).split(".")[-1]


def test_promotion_examples_without_torch():
    i = numtorch.tensor([1, 2])
    assert (i / i).dtype is numtorch.float32
    assert (i * 1.5).dtype is numtorch.float32
    assert (numtorch.ones(2) + numtorch.tensor(1.0, dtype=numtorch.float64)).dtype is \
        numtorch.float32
    assert (numtorch.ones(2, dtype=numtorch.int32) + numtorch.tensor(1)).dtype is numtorch.int32
    assert (numtorch.ones(2, dtype=numtorch.int32) + numtorch.tensor(1.0)).dtype is \
        numtorch.float32
    assert (numtorch.ones(2, dtype=numtorch.uint8) + numtorch.ones(2, dtype=numtorch.int8)
            ).dtype is numtorch.int16
    assert (numtorch.ones(2, dtype=numtorch.int32) + numtorch.ones(2, dtype=numtorch.float16)
            ).dtype is numtorch.float16


# ---------------------------------------------------------------------- finfo / iinfo and flags
@pytest.mark.parametrize("name", ["float32", "float64", "float16", None])
def test_finfo_matches_torch(name):
    nt = numtorch.finfo() if name is None else numtorch.finfo(getattr(numtorch, name))
    for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(nt, attr) is not None
    if torch is not None:
        th = torch.finfo() if name is None else torch.finfo(getattr(torch, name))
        for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution",
                     "dtype"):
            assert getattr(nt, attr) == getattr(th, attr), attr
        assert repr(nt) == repr(th)


@pytest.mark.parametrize("name", ["int64", "int32", "int16", "int8", "uint8"])
def test_iinfo_matches_torch(name):
    nt = numtorch.iinfo(getattr(numtorch, name))
    if torch is not None:
        th = torch.iinfo(getattr(torch, name))
        assert (nt.bits, nt.max, nt.min, nt.dtype) == (th.bits, th.max, th.min, th.dtype)
        assert repr(nt) == repr(th)
    assert nt.max == np.iinfo(name).max


def test_finfo_and_iinfo_reject_the_other_kind():
    with pytest.raises(TypeError, match="floating point"):
        numtorch.finfo(numtorch.int64)
    with pytest.raises(TypeError, match="integer"):
        numtorch.iinfo(numtorch.float32)


def test_global_flags_are_recorded():
    assert numtorch.get_float32_matmul_precision() == "highest"
    numtorch.set_float32_matmul_precision("high")
    try:
        assert numtorch.get_float32_matmul_precision() == "high"
        with pytest.warns(UserWarning, match="not one of"):
            numtorch.set_float32_matmul_precision("fast")
        assert numtorch.get_float32_matmul_precision() == "high"
    finally:
        numtorch.set_float32_matmul_precision("highest")
    numtorch.use_deterministic_algorithms(True, warn_only=True)
    try:
        assert numtorch.are_deterministic_algorithms_enabled()
        assert numtorch.is_deterministic_algorithms_warn_only_enabled()
    finally:
        numtorch.use_deterministic_algorithms(False)
    assert not numtorch.are_deterministic_algorithms_enabled()
    assert numtorch.get_default_device() == numtorch.device("cpu")
    numtorch.set_default_device("cpu")
    with pytest.raises(RuntimeError, match="CPU only"):
        numtorch.set_default_device("cuda")
