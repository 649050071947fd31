"""numtorch.backends and numtorch.accelerator: a CPU-only build's answers, settable flags."""

import importlib

import pytest
from parity import torch

import numtorch


def test_flags_are_module_attributes_scripts_can_set():
    import numtorch.backends.cudnn as cudnn

    assert cudnn is numtorch.backends.cudnn
    old = (cudnn.benchmark, cudnn.deterministic)
    try:
        cudnn.benchmark = True
        numtorch.backends.cudnn.deterministic = True
        assert importlib.import_module("numtorch.backends.cudnn").benchmark is True
        assert numtorch.backends.cudnn.deterministic is True
    finally:
        cudnn.benchmark, cudnn.deterministic = old
    with cudnn.flags(enabled=False, benchmark=True):
        assert cudnn.enabled is False and cudnn.benchmark is True
    assert cudnn.enabled is True and cudnn.benchmark is old[0]


@pytest.mark.parametrize("expr,value", [
    ("backends.cudnn.is_available()", False), ("backends.cudnn.version()", None),
    ("backends.cudnn.enabled", True), ("backends.cudnn.benchmark", False),
    ("backends.cudnn.deterministic", False), ("backends.mps.is_available()", False),
    ("backends.mps.is_built()", False), ("backends.cuda.is_built()", False),
    ("backends.cuda.matmul.allow_tf32", False), ("backends.mkldnn.enabled", True),
    ("accelerator.is_available()", False), ("accelerator.current_accelerator()", None),
    ("accelerator.device_count()", 0),
])
def test_answers_match_a_cpu_only_pytorch(expr, value):
    assert eval(f"numtorch.{expr}") == value
    if torch is not None and not torch.cuda.is_available():
        assert eval(f"torch.{expr}") == value


def test_numtorch_has_no_onednn_or_openmp_kernels():
    # PyTorch's CPU wheels ship oneDNN and OpenMP; numtorch's work is NumPy's.
    assert numtorch.backends.mkldnn.is_available() is False
    assert numtorch.backends.openmp.is_available() is False


@pytest.mark.parametrize("name", ["current_device_index", "synchronize", "empty_cache",
                                  "memory_allocated"])
def test_accelerator_calls_needing_a_device_raise_like_pytorch(name):
    with pytest.raises(RuntimeError, match="none is available"):
        getattr(numtorch.accelerator, name)()
    if torch is not None and not torch.accelerator.is_available():
        with pytest.raises(RuntimeError, match="none is available"):
            getattr(torch.accelerator, name)()
