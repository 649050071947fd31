import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))


@pytest.fixture(autouse=True)
def _seed():
    import numtorch

    numtorch.manual_seed(0)
    np.random.seed(0)
    yield


# Hypothesis profiles of the differential fuzzer (tests/fuzz): "ci" (the default) is a fixed,
# derandomized budget; ``--hypothesis-profile=long`` searches for about an hour with fresh seeds.
# Registered here so that the option works whichever test paths pytest is given.
try:
    from hypothesis import HealthCheck, settings
except ImportError:  # the fuzz tests skip without hypothesis
    pass
else:
    _fuzz_checks = [HealthCheck.too_slow, HealthCheck.data_too_large,
                    HealthCheck.filter_too_much]
    settings.register_profile("ci", max_examples=100, derandomize=True, deadline=None,
                              print_blob=True, database=None,
                              suppress_health_check=_fuzz_checks)
    settings.register_profile("long", max_examples=5_000, derandomize=False, deadline=None,
                              print_blob=True, suppress_health_check=_fuzz_checks)
    settings.load_profile(os.environ.get("NUMTORCH_HYPOTHESIS_PROFILE", "ci"))
