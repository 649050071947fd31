"""examples/ddp_digits.py on 2 MPI processes, and as one plain process."""

import os
import re

import pytest
from distributed.launch import launch, python

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "ddp_digits.py")


@pytest.mark.parametrize("nproc", [1, 2])
def test_ddp_digits_example(nproc):
    pytest.importorskip("sklearn", reason="the Digits data ship with scikit-learn")
    res = launch(EXAMPLE, "--quick") if nproc == 2 else python(EXAMPLE, "--quick")
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.count("epoch 3: train loss") == 1  # rank 0 only
    assert f"1442 samples on {nproc} processes" in res.stdout
    acc = float(re.search(r"test accuracy (\d\.\d+) \(355 images\)", res.stdout).group(1))
    assert acc > 0.9
