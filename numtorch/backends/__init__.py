"""``numtorch.backends``: PyTorch's backend switches, answered as a CPU-only build without
cuDNN, MPS, oneDNN (mkldnn) or OpenMP answers. The flags course code and example scripts set
(``cudnn.benchmark = True``, ``cudnn.deterministic``...) are accepted and change nothing: every
numtorch op is deterministic and runs on NumPy. ``backends.cpu.reuse_freed_memory()`` is
numtorch's own (see ``numtorch/_allocator.py``)."""

from numtorch.backends import cpu, cuda, cudnn, mkldnn, mps, openmp

__all__ = ["cudnn", "mps", "cuda", "mkldnn", "openmp", "cpu"]
