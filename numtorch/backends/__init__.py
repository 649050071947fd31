"""``numtorch.backends``: the flags course code sets (``cudnn.deterministic``...) are accepted and
have no effect; ``mps.is_available()`` and ``cuda.is_built()`` are False.
``backends.cpu.reuse_freed_memory()`` is numtorch's own: see ``numtorch/_allocator.py``."""

from types import SimpleNamespace

from numtorch._allocator import reuse_freed_memory

__all__ = ["cudnn", "mps", "cuda", "mkldnn", "openmp", "cpu"]

cudnn = SimpleNamespace(deterministic=False, benchmark=False, enabled=True,
                        allow_tf32=True, is_available=lambda: False)
mps = SimpleNamespace(is_available=lambda: False, is_built=lambda: False)
cuda = SimpleNamespace(is_built=lambda: False,
                       matmul=SimpleNamespace(allow_tf32=False))
mkldnn = SimpleNamespace(is_available=lambda: False, enabled=False)
openmp = SimpleNamespace(is_available=lambda: False)
# numtorch's own CPU switch (PyTorch has no counterpart): keep freed memory for reuse.
cpu = SimpleNamespace(reuse_freed_memory=reuse_freed_memory)
