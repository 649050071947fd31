"""``torch.backends.openmp``: numtorch's own code uses no OpenMP (BLAS threads are set with
``numtorch.set_num_threads``)."""

__all__ = ["is_available"]


def is_available():
    return False
