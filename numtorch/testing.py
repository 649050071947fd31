"""``numtorch.testing.assert_close``: PyTorch's comparison of tensors, numbers and nested
sequences / mappings of them, with its default tolerances and its failure messages."""

import math
import numbers
from collections.abc import Mapping, Sequence

import numpy as np

from numtorch import _dtype
from numtorch._tensor import Tensor

__all__ = ["assert_close"]

# (rtol, atol) by dtype when neither is given, as in PyTorch.
_TOLERANCES = {"float16": (1e-3, 1e-5), "float32": (1.3e-6, 1e-5), "float64": (1e-7, 1e-7)}


def _tolerances(dtype_name, rtol, atol):
    if (rtol is None) != (atol is None):
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got "
                         f"no {'rtol' if rtol is None else 'atol'}.")
    if rtol is not None:
        return rtol, atol
    return _TOLERANCES.get(dtype_name, (0.0, 0.0))


def _fail(default, msg):
    if callable(msg):
        raise AssertionError(msg(default))
    raise AssertionError(default if msg is None else msg)


def _compare_scalars(actual, expected, rtol, atol, equal_nan, msg):
    kind = "float64" if isinstance(actual, float) or isinstance(expected, float) else "int64"
    rtol, atol = _tolerances(kind, rtol, atol)
    if actual == expected or (equal_nan and math.isnan(actual) and math.isnan(expected)):
        return
    diff = abs(actual - expected)
    if diff <= atol + rtol * abs(expected):
        return
    rel = diff / abs(expected) if expected else math.inf
    _fail(f"Scalars are not close!\n\nExpected {expected} but got {actual}.\nAbsolute "
          f"difference: {diff} (up to {atol} allowed)\nRelative difference: {rel} (up to {rtol} "
          f"allowed)", msg)


def _compare_tensors(actual, expected, rtol, atol, equal_nan, check_dtype, msg):
    if actual.shape != expected.shape:
        _fail(f"The values for attribute 'shape' do not match: {actual.shape} != "
              f"{expected.shape}.", msg)
    if check_dtype and actual.dtype != expected.dtype:
        _fail(f"The values for attribute 'dtype' do not match: {actual.dtype} != "
              f"{expected.dtype}.", msg)
    a = actual.detach().numpy()
    b = expected.detach().numpy()
    name = _dtype.promote_types(actual.dtype, expected.dtype).name
    rtol, atol = _tolerances(name, rtol, atol)
    wide = np.float64 if a.dtype.kind == "f" or b.dtype.kind == "f" else np.int64
    a64 = a.astype(wide)
    b64 = b.astype(wide)
    with np.errstate(invalid="ignore", divide="ignore"):
        diff = np.abs(a64 - b64).astype(np.float64)
        ok = diff <= atol + rtol * np.abs(b64)
        ok |= a64 == b64
        if equal_nan:
            ok |= np.isnan(a64) & np.isnan(b64)
        if ok.all():
            return
        rel = diff / np.abs(b64)
    bad = ~ok
    equal = rtol == 0 and atol == 0
    diff_at = np.where(np.isnan(diff), np.inf, diff)
    rel_at = np.where(np.isnan(rel), np.inf, rel)
    i_abs = np.unravel_index(np.argmax(np.where(bad, diff_at, -1.0)), diff.shape)
    i_rel = np.unravel_index(np.argmax(np.where(bad, rel_at, -1.0)), diff.shape)
    total = a.size
    count = int(bad.sum())
    abs_val = diff[i_abs].item()
    abs_val = int(abs_val) if wide is np.int64 else abs_val
    lines = [f"Tensor-likes are not {'equal' if equal else 'close'}!", "",
             f"Mismatched elements: {count} / {total} ({100.0 * count / total:.1f}%)"]
    suffix_abs = "" if equal else f" (up to {atol} allowed)"
    suffix_rel = "" if equal else f" (up to {rtol} allowed)"
    lines.append(f"Greatest absolute difference: {abs_val} at index {tuple(map(int, i_abs))}"
                 f"{suffix_abs}")
    # PyTorch reports the relative difference in the floating dtype of the comparison.
    report = np.dtype(_dtype.from_numpy_dtype(name).np_dtype if wide is np.float64
                      else np.float32)
    rel_val = np.asarray(rel[i_rel]).astype(report).item()
    lines.append(f"Greatest relative difference: {rel_val} at index "
                 f"{tuple(map(int, i_rel))}{suffix_rel}")
    _fail("\n".join(lines), msg)


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None,
                 equal_nan=False, check_device=True, check_dtype=True, check_layout=True,
                 check_stride=False, msg=None):
    """Raise AssertionError unless ``actual`` and ``expected`` are close:
    ``|actual - expected| <= atol + rtol * |expected|`` elementwise, with equal shapes (and
    dtypes unless ``check_dtype=False``). Without ``rtol``/``atol`` the tolerances follow the
    dtype (float32: 1.3e-6 / 1e-5; float64: 1e-7 / 1e-7; float16: 1e-3 / 1e-5; integers and
    bool: exact). Sequences and mappings are compared item by item."""
    try:
        _assert_close(actual, expected, rtol, atol, equal_nan, check_dtype, msg, ())
    except AssertionError as exc:
        raise AssertionError(str(exc)) from None


def _assert_close(actual, expected, rtol, atol, equal_nan, check_dtype, msg, path):
    if isinstance(actual, Tensor) or isinstance(expected, Tensor):
        if not (isinstance(actual, Tensor) and isinstance(expected, Tensor)):
            raise AssertionError(f"Both inputs must be tensors, got {type(actual).__name__} and "
                                 f"{type(expected).__name__}.")
        try:
            _compare_tensors(actual, expected, rtol, atol, equal_nan, check_dtype, msg)
        except AssertionError as exc:
            where = "".join(f"[{p!r}]" for p in path)
            raise AssertionError(f"{exc}\n\nThe failure occurred for item {where}"
                                 if path and msg is None else str(exc)) from None
        return
    if isinstance(actual, numbers.Number) and isinstance(expected, numbers.Number):
        _compare_scalars(actual, expected, rtol, atol, equal_nan, msg)
        return
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        if set(actual) != set(expected):
            raise AssertionError(f"The keys of the mappings do not match: {sorted(actual)} != "
                                 f"{sorted(expected)}")
        for key in actual:
            _assert_close(actual[key], expected[key], rtol, atol, equal_nan, check_dtype, msg,
                          path + (key,))
        return
    if isinstance(actual, Sequence) and isinstance(expected, Sequence) and not isinstance(
            actual, str):
        if len(actual) != len(expected):
            raise AssertionError(f"The length of the sequences mismatch: {len(actual)} != "
                                 f"{len(expected)}")
        for i, (a, e) in enumerate(zip(actual, expected)):
            _assert_close(a, e, rtol, atol, equal_nan, check_dtype, msg, path + (i,))
        return
    if actual != expected:
        raise AssertionError(f"{actual!r} != {expected!r}")
