"""``torch.backends.mkldnn``: numtorch has no oneDNN kernels (NumPy's BLAS does the work), so
``is_available()`` is False; ``enabled`` is accepted and changes nothing."""

__all__ = ["is_available", "enabled"]

enabled = True


def is_available():
    return False
