"""``numtorch.cuda``: numtorch computes on the CPU only, so it answers as PyTorch built without
CUDA does: queries report no device (``is_available()`` False, ``device_count()`` 0, memory
counters 0), seeding and ``empty_cache`` are no-ops, and what needs a device
(``current_device``, ``synchronize``, ``get_device_name``...) raises PyTorch's AssertionError
"Torch not compiled with CUDA enabled"."""

__all__ = ["is_available", "device_count", "is_initialized", "init", "manual_seed",
           "manual_seed_all", "seed", "seed_all", "initial_seed", "synchronize", "empty_cache",
           "current_device", "set_device", "get_device_name", "get_device_capability",
           "get_device_properties", "get_rng_state", "set_rng_state", "get_arch_list",
           "is_bf16_supported", "memory_allocated", "max_memory_allocated", "memory_reserved",
           "max_memory_reserved", "mem_get_info", "reset_peak_memory_stats", "device"]


def _not_compiled(*args, **kwargs):
    raise AssertionError("Torch not compiled with CUDA enabled (numtorch runs on the CPU only)")


def is_available():
    return False


def device_count():
    return 0


def is_initialized():
    return False


def get_arch_list():
    return []


def is_bf16_supported(including_emulation=True):
    return False


def manual_seed(seed):
    """No-op (there are no CUDA generators), as in PyTorch when CUDA is unavailable."""


def manual_seed_all(seed):
    """No-op (there are no CUDA generators)."""


def seed():
    """No-op (there are no CUDA generators)."""


def seed_all():
    """No-op (there are no CUDA generators)."""


def empty_cache():
    """No-op: there is no device memory cache."""


def memory_allocated(device=None):
    return 0


def max_memory_allocated(device=None):
    return 0


def memory_reserved(device=None):
    return 0


def max_memory_reserved(device=None):
    return 0


init = _not_compiled
synchronize = _not_compiled
current_device = _not_compiled
set_device = _not_compiled
get_device_name = _not_compiled
get_device_capability = _not_compiled
get_device_properties = _not_compiled
get_rng_state = _not_compiled
set_rng_state = _not_compiled
initial_seed = _not_compiled
mem_get_info = _not_compiled
reset_peak_memory_stats = _not_compiled


class device:
    """``with torch.cuda.device(i):`` context; entering it needs a device."""

    def __init__(self, device):
        self.idx = device

    def __enter__(self):
        _not_compiled()

    def __exit__(self, *exc):
        return False
