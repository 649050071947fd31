"""Layout parity of every op family: each function of the op table (the families' ``__all__``
and the ``*_like`` creators) is called as PyTorch accepts it on 4-D tensors (one, two or three
tensor arguments, with or without a trailing ``1`` or ``0.5``), with the inputs contiguous,
channels-last, transposed in their last two dims, and non-dense (every other column); the
outputs must have torch's shape and ``stride()``. Generated over the table, not by hand."""

import warnings

import numpy as np
import pytest
from parity import requires_torch, torch

import numtorch
from ops.families import FAMILIES, LIKE

# NOTE: left out: the decompositions (LAPACK's column-major factors, whose strides PyTorch
# returns as they come) and kron's permuted result; their values are tested elsewhere.
# slice_scatter of a non-dense input: PyTorch's copy keeps the input's gaps (its strides), the
# copy numtorch writes into is dense.
NOT_COMPARED = {"qr", "svd", "lu", "kron", "slice_scatter"}

_R = np.random.default_rng(0)
A = _R.uniform(0.5, 2, (2, 3, 4, 5)).astype(np.float32)
B = _R.uniform(0.5, 2, (2, 3, 4, 5)).astype(np.float32)
M = _R.random((2, 3, 4, 5)) < 0.5
ARGUMENTS = [[A], [A, B], [M, A, B], [A, M]]
EXTRA = [(), (1,), (0.5,)]
LAYOUTS = ["contiguous", "channels_last", "transposed", "strided"]


def _in_layout(lib, arr, layout):
    t = lib.tensor(arr)
    if layout == "channels_last":
        return t.contiguous(memory_format=lib.channels_last)
    if layout == "transposed":
        return t.transpose(2, 3).contiguous().transpose(2, 3)
    if layout == "strided":
        return lib.tensor(np.concatenate([arr, arr], 3))[..., ::2]
    return t


def _info(out):
    if isinstance(out, (tuple, list)):
        return [_info(o) for o in out]
    if hasattr(out, "values") and hasattr(out, "indices") and not hasattr(out, "stride"):
        return [_info(out.values), _info(out.indices)]
    if not hasattr(out, "stride"):
        return type(out).__name__
    return tuple(out.shape), tuple(out.stride()), out.is_contiguous()


def _call(lib, name, arrays, extra, layout):
    args = [_in_layout(lib, a, layout) for a in arrays] + list(extra)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return "ok", _info(getattr(lib, name)(*args))
        except Exception as e:  # noqa: BLE001 - compared by type
            return type(e).__name__, None


def _names():
    if torch is None:
        return []
    names = {n for m in FAMILIES for n in m.__all__} | set(LIKE)
    return sorted(n for n in names - NOT_COMPARED
                  if hasattr(torch, n) and callable(getattr(numtorch, n, None)))


@requires_torch
@pytest.mark.parametrize("name", _names())
def test_op_layout(name):
    for arrays in ARGUMENTS:
        for extra in EXTRA:
            if _call(torch, name, arrays, extra, "contiguous")[0] != "ok":
                continue
            for layout in LAYOUTS:
                t = _call(torch, name, arrays, extra, layout)
                if t[0] != "ok":
                    continue
                n = _call(numtorch, name, arrays, extra, layout)
                assert n == t, f"{name}({len(arrays)} tensors, {extra}) on {layout} inputs"
            return  # the first call PyTorch accepts is the one compared
