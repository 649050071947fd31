"""BLAS thread control through threadpoolctl (``set_num_threads``/``get_num_threads``)."""

import os

__all__ = ["set_num_threads", "get_num_threads", "set_num_interop_threads",
           "get_num_interop_threads"]

_limiter = [None]
_interop = [1]


def _controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def set_num_threads(n):
    """Limit the threads BLAS (and any OpenMP pool NumPy uses) may run to ``n``."""
    n = int(n)
    if n < 1:
        raise RuntimeError(f"set_num_threads expects a positive integer, but got {n}")
    _limiter[0] = _controller().limit(limits=n)


def get_num_threads():
    """The number of threads BLAS uses (the largest of the loaded thread pools)."""
    try:
        info = _controller().info()
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency
        return os.cpu_count() or 1
    counts = [p["num_threads"] for p in info if p.get("user_api") == "blas"]
    return max(counts) if counts else (os.cpu_count() or 1)


def set_num_interop_threads(n):
    _interop[0] = int(n)


def get_num_interop_threads():
    return _interop[0]
