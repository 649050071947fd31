"""The differential fuzzer: generated calls over the op table, on numtorch and on PyTorch.

One test per op family draws an op, its arguments (shapes with 0-d, size-1 and empty dims,
broadcast pairs, dtypes across the promotion table, dims, layouts, scalars), a variant (call,
method, in-place, ``out=``) and grad mode, and compares results, exceptions and gradients
(``harness.run_case``). The ``ci`` profile runs a fixed derandomized budget; on failure
hypothesis prints the shrunk case and a ``@reproduce_failure`` blob. ``--hypothesis-profile=long``
runs about an hour with fresh seeds.

``NUMTORCH_FUZZ_SURVEY=path`` (triage): mismatches are appended to ``path`` instead of failing,
so one long run lists every class of difference.
"""

import os

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("hypothesis")

from hypothesis import given, note, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from .harness import Case, Mismatch, run_case  # noqa: E402
from .optable import FAMILIES, OPS  # noqa: E402

# Share of the profile's budget per family (the CI budget is ``max_examples`` x weight).
WEIGHTS = {"elementwise": 8, "activation": 3, "binary": 10, "operator": 4, "reduction": 8,
           "shape": 5, "indexing": 5, "linalg": 4, "loss": 3, "conv": 3, "chain": 10}

_SURVEY = os.environ.get("NUMTORCH_FUZZ_SURVEY")


_COUNT = {}


def _check(case):
    if _SURVEY:  # triage: how many cases ran, by family
        fam = case.op.family
        _COUNT[fam] = _COUNT.get(fam, 0) + 1
        if sum(_COUNT.values()) % 100 == 0:
            with open(_SURVEY + ".count", "w") as f:
                f.write(f"{sum(_COUNT.values())} {_COUNT}\n")
    try:
        return run_case(case)
    except Mismatch as e:
        if not _SURVEY:
            raise
        with open(_SURVEY, "a") as f:
            f.write(str(e).replace("\n", " | ")[:2000] + "\n")
        return "mismatch"


def _family_test(family):
    ops = [op for op in OPS if op.family == family]
    budget = int(settings.default.max_examples * WEIGHTS[family])

    @pytest.mark.filterwarnings("ignore")
    @settings(max_examples=budget)
    @given(st.data())
    def test(data):
        op = data.draw(st.sampled_from(ops), label="op")
        seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
        args, kwargs = op.gen(data.draw, np.random.default_rng(seed))
        variant = data.draw(st.sampled_from(op.variants()), label="variant")
        grad = data.draw(st.sampled_from([True, True, False]), label="grad")
        inf_grad = grad and data.draw(st.integers(0, 7), label="inf_grad") == 0
        case = Case(op, args, kwargs, variant, grad, seed, inf_grad)
        note(repr(case))
        _check(case)

    test.__name__ = f"test_{family}"
    return test


for _family in FAMILIES:
    globals()[f"test_{_family}"] = _family_test(_family)
del _family
