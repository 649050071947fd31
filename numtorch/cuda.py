"""``numtorch.cuda``: numtorch computes on the CPU only, so CUDA is never available."""

__all__ = ["is_available", "device_count", "manual_seed", "manual_seed_all", "synchronize",
           "empty_cache", "current_device"]


def is_available():
    return False


def device_count():
    return 0


def manual_seed(seed):
    """No-op (no CUDA generators), like PyTorch's when CUDA is unavailable."""


def manual_seed_all(seed):
    """No-op (no CUDA generators)."""


def synchronize(device=None):
    """No-op: there is no asynchronous device."""


def empty_cache():
    """No-op: there is no device memory cache."""


def current_device():
    raise RuntimeError("numtorch runs on the CPU only: no CUDA device is available.")
