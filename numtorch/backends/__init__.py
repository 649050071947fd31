"""``numtorch.backends``: the flags course code sets (``cudnn.deterministic``...) are accepted and
have no effect; ``mps.is_available()`` and ``cuda.is_built()`` are False."""

from types import SimpleNamespace

__all__ = ["cudnn", "mps", "cuda", "mkldnn", "openmp"]

cudnn = SimpleNamespace(deterministic=False, benchmark=False, enabled=True,
                        allow_tf32=True, is_available=lambda: False)
mps = SimpleNamespace(is_available=lambda: False, is_built=lambda: False)
cuda = SimpleNamespace(is_built=lambda: False,
                       matmul=SimpleNamespace(allow_tf32=False))
mkldnn = SimpleNamespace(is_available=lambda: False, enabled=False)
openmp = SimpleNamespace(is_available=lambda: False)
