"""Keep freed memory for reuse: glibc's ``mallopt`` settings that make large, short-lived
arrays (im2col matrices, activations, gradients) reuse the memory of the previous step instead
of getting fresh pages from the kernel every time.

Every training step allocates and frees arrays of tens to hundreds of megabytes. By default
glibc serves blocks above 128 KB with ``mmap`` and returns them to the kernel on ``free``, so
the next step's allocation page-faults through all of its memory again (about 0.4 ms per MB on
the machines we measured). PyTorch avoids this with its own caching allocator; NumPy has none,
so ``reuse_freed_memory()`` asks glibc to serve such blocks from its heap and to keep freed
memory instead of trimming it: the CIFAR-10 CNN's training step at batch 256 went from about
3.0 s to 1.6 s. The cost is that the process keeps its peak memory (as PyTorch's allocator
does). It is process-wide, so it is opt-in: the ``numtorch train`` command and the benchmarks
turn it on.
"""

import ctypes
import ctypes.util
import sys

__all__ = ["reuse_freed_memory"]

_M_TRIM_THRESHOLD = -1
_M_TOP_PAD = -2
_M_MMAP_THRESHOLD = -3


def reuse_freed_memory(enabled=True):
    """Make glibc keep and reuse freed memory (``enabled=False`` restores its defaults).
    Returns True when the settings were applied (Linux with glibc), False elsewhere."""
    if not sys.platform.startswith("linux"):
        return False
    name = ctypes.util.find_library("c") or "libc.so.6"
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    if enabled:
        settings = ((_M_MMAP_THRESHOLD, 1 << 30), (_M_TRIM_THRESHOLD, (1 << 31) - 1),
                    (_M_TOP_PAD, 1 << 26))
    else:  # glibc's defaults
        settings = ((_M_MMAP_THRESHOLD, 128 * 1024), (_M_TRIM_THRESHOLD, 128 * 1024),
                    (_M_TOP_PAD, 128 * 1024))
    return all(mallopt(param, value) == 1 for param, value in settings)
