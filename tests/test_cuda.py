"""numtorch.cuda answers as PyTorch built without CUDA does."""

import pytest
from parity import torch

import numtorch

QUERIES = ["is_available", "device_count", "is_initialized", "get_arch_list",
           "is_bf16_supported", "memory_allocated", "max_memory_allocated", "memory_reserved",
           "max_memory_reserved"]
NO_OPS = [("manual_seed", (1,)), ("manual_seed_all", (1,)), ("seed", ()), ("seed_all", ()),
          ("empty_cache", ())]
NEEDS_DEVICE = [("current_device", ()), ("synchronize", ()), ("get_device_name", (0,)),
                ("get_device_capability", (0,)), ("get_device_properties", (0,)),
                ("initial_seed", ()), ("get_rng_state", ()), ("mem_get_info", (0,)),
                ("init", ())]


@pytest.mark.parametrize("name", QUERIES)
def test_queries_report_no_device(name):
    value = getattr(numtorch.cuda, name)()
    assert value in (False, 0, [])
    if torch is not None and not torch.cuda.is_available():
        assert value == getattr(torch.cuda, name)()


@pytest.mark.parametrize("name,args", NO_OPS)
def test_seeding_and_cache_are_no_ops(name, args):
    state = numtorch.get_rng_state()
    assert getattr(numtorch.cuda, name)(*args) is None
    assert numtorch.equal(numtorch.get_rng_state(), state)


@pytest.mark.parametrize("name,args", NEEDS_DEVICE)
def test_what_needs_a_device_raises_assertion_error_like_pytorch(name, args):
    with pytest.raises(AssertionError, match="not compiled with CUDA"):
        getattr(numtorch.cuda, name)(*args)
    if torch is not None and not torch.cuda.is_available():
        with pytest.raises(AssertionError):
            getattr(torch.cuda, name)(*args)


def test_device_context_needs_a_device():
    with pytest.raises(AssertionError):
        with numtorch.cuda.device(0):
            pass
