"""numtorch.backends.cpu.reuse_freed_memory: glibc's mallopt settings, on and off."""

import sys

import numpy as np
import pytest

import numtorch


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_reuse_freed_memory_applies_and_restores():
    assert numtorch.backends.cpu.reuse_freed_memory() is True
    # Large arrays still allocate, free and compute as before.
    a = np.ones((4096, 1024), dtype=np.float32)
    b = a * 2
    del a
    assert float(b.sum()) == 2 * 4096 * 1024
    assert numtorch.backends.cpu.reuse_freed_memory(False) is True
