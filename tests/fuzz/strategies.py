"""Hypothesis building blocks for the fuzzer: shapes, dtypes, layouts, values, dims.

Values are not drawn element by element (slow, and shrinking them teaches little): a drawn seed
fills each array from a NumPy generator in the op's domain. Shapes, dtypes, layouts, dims and
variants are drawn by hypothesis, so a failure shrinks to the smallest shape and simplest
layout that still fails.
"""

import numpy as np
from hypothesis import strategies as st

from .harness import DTYPES, FLOAT_DTYPES, Arg

__all__ = ["shape", "broadcast_shapes", "dtype", "tensor_arg", "dim", "dims", "values"]

# How the generated values look, by op domain (for floating dtypes; ints are clipped to the
# domain's integer range).
_DOMAINS = {
    "real": (-3.0, 3.0),
    "pos": (0.1, 3.0),
    "unit": (-0.95, 0.95),
    "unit01": (0.05, 0.95),
    "nonzero": (0.2, 3.0),   # sign drawn separately
    "small": (-1.0, 1.0),
    "ge1": (1.0, 4.0),       # acosh's domain
}
_INT_RANGES = {"real": (-5, 6), "pos": (1, 6), "unit": (0, 1), "unit01": (0, 1),
               "nonzero": (1, 6), "small": (-1, 2), "ge1": (1, 6)}


@st.composite
def shape(draw, min_dims=0, max_dims=4, min_side=0, max_side=4):
    n = draw(st.integers(min_dims, max_dims))
    # sizes 0 and 1 are the edge cases; keep them frequent
    side = st.one_of(st.sampled_from([1, 0, 2, 3]), st.integers(min_side, max_side))
    return tuple(max(min_side, draw(side)) for _ in range(n))


@st.composite
def broadcast_shapes(draw, n=2, min_dims=0, max_dims=4, min_side=0):
    """``n`` shapes that broadcast together: each drops leading dims of a full shape and sets
    some sizes to 1. Now and then one shape is left incompatible (the error is compared)."""
    full = draw(shape(min_dims=min_dims, max_dims=max_dims, min_side=min_side))
    out = []
    for _ in range(n):
        k = draw(st.integers(0, len(full)))
        s = list(full[len(full) - k:])
        for i in range(len(s)):
            if draw(st.booleans()) and draw(st.booleans()):
                s[i] = 1
        out.append(tuple(s))
    if full and draw(st.integers(0, 19)) == 0:
        s = list(out[-1]) or [1]
        s[-1] = s[-1] + 2 if s[-1] > 1 else 3
        out[-1] = tuple(s)
    return out


def dtype(allowed=DTYPES):
    """float32 most often, the rest of the promotion table as well."""
    allowed = tuple(allowed)
    weighted = [d for d in ("float32", "float32", "float64", "int64") if d in allowed]
    return st.sampled_from(weighted + list(allowed)) if weighted else st.sampled_from(allowed)


def values(rng, shape_, dtype_name, domain="real", specials=False):
    if dtype_name == "bool":
        return rng.random(shape_) < 0.5
    if dtype_name in FLOAT_DTYPES:
        lo, hi = _DOMAINS[domain]
        a = rng.uniform(lo, hi, size=shape_)
        if domain == "nonzero":
            a = a * np.where(rng.random(shape_) < 0.5, -1.0, 1.0)
        if specials and a.size:
            pick = rng.random(shape_) < 0.25
            a = np.where(pick, rng.choice([0.0, -0.0, np.inf, -np.inf, np.nan], size=shape_), a)
        return np.asarray(a, dtype=dtype_name)
    lo, hi = _INT_RANGES[domain]
    if dtype_name == "uint8":
        lo = max(lo, 0)
        hi = max(hi, lo + 1)
    return np.asarray(rng.integers(lo, hi, size=shape_), dtype=dtype_name)


@st.composite
def tensor_arg(draw, rng, shape_, dtype_name, domain="real", layouts=True, specials=False,
               requires_grad=True):
    layout = "contiguous"
    if layouts and len(shape_) >= 1:
        options = ["contiguous", "contiguous", "stepped", "expanded"]
        if len(shape_) >= 2:
            options.append("transposed")
        layout = draw(st.sampled_from(options))
    return Arg(values(rng, shape_, dtype_name, domain, specials), layout, requires_grad)


def dim(ndim, allow_none=True):
    """A dim for a tensor of ``ndim`` dims: positive or negative, None, and now and then one out
    of range (the IndexError is compared)."""
    n = max(ndim, 1)
    choices = st.integers(-n, n - 1)
    bad = st.sampled_from([n, -n - 1])
    opts = [choices, choices, choices]
    if allow_none:
        opts.append(st.none())
    return st.one_of(*opts, bad) if draw_bad_dims else st.one_of(*opts)


draw_bad_dims = True


@st.composite
def dims(draw, ndim):
    """A tuple of distinct dims (possibly empty), or a single int, or None."""
    n = max(ndim, 1)
    k = draw(st.integers(0, n))
    picked = draw(st.permutations(range(n)))[:k]
    picked = tuple(d - n if draw(st.booleans()) else d for d in picked)
    return draw(st.sampled_from([picked, picked[0] if picked else None, None]))
