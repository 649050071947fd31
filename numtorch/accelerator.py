"""``torch.accelerator``: numtorch has no accelerator, and answers as PyTorch does on a machine
without one: ``is_available()`` False, ``current_accelerator()`` None, ``device_count()`` 0;
what needs a device raises RuntimeError."""

__all__ = ["is_available", "current_accelerator", "device_count", "current_device_index",
           "set_device_index", "synchronize", "empty_cache", "memory_allocated"]


def is_available():
    return False


def current_accelerator(check_available=False):
    return None


def device_count():
    return 0


def _no_device(*args, **kwargs):
    raise RuntimeError("Cannot access accelerator device when none is available.")


current_device_index = _no_device
set_device_index = _no_device
synchronize = _no_device
empty_cache = _no_device
memory_allocated = _no_device
