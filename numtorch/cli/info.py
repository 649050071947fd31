"""``numtorch info``: versions, BLAS and threads, and which data sets are present."""

import os
import platform
import sys

import numpy as np

import numtorch

__all__ = ["info"]

_OPTIONAL = ("safetensors", "threadpoolctl", "tqdm", "matplotlib", "sklearn", "PIL", "torch",
             "mpi4py")

_DATA = {
    "MNIST": ("MNIST/raw", ["train-images-idx3-ubyte", "t10k-images-idx3-ubyte"]),
    "FashionMNIST": ("FashionMNIST/raw", ["train-images-idx3-ubyte", "t10k-images-idx3-ubyte"]),
    "KMNIST": ("KMNIST/raw", ["train-images-idx3-ubyte", "t10k-images-idx3-ubyte"]),
    "CIFAR10": ("cifar-10-batches-py", ["data_batch_1", "test_batch"]),
    "CIFAR100": ("cifar-100-python", ["train", "test"]),
}


def _version(name):
    try:
        module = __import__(name)
    except ImportError:
        return "not installed"
    return getattr(module, "__version__", "installed")


def _mpi_launcher():
    from numtorch.distributed import is_available
    from numtorch.distributed.run import find_mpiexec

    if not is_available():
        return 'unavailable (pip install "numtorch[distributed]")'
    try:
        return f"mpiexec {find_mpiexec()}"
    except FileNotFoundError:
        return 'mpi4py without mpiexec (pip install "numtorch[distributed]")'


def info(root="data"):
    lines = [f"numtorch {numtorch.__version__}", f"python {platform.python_version()} "
             f"({sys.executable})", f"numpy {np.__version__}"]
    for name in _OPTIONAL:
        lines.append(f"{name} {_version(name)}")
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            lines.append(f"thread pool: {pool.get('user_api')} {pool.get('internal_api')} "
                         f"{pool.get('version', '')} {pool.get('architecture', '') or ''}, "
                         f"{pool.get('num_threads')} threads")
    except ImportError:
        lines.append("thread pool: threadpoolctl not installed")
    lines.append(f"numtorch.get_num_threads() = {numtorch.get_num_threads()}, "
                 f"CPU cores: {os.cpu_count()}")
    lines.append(f"several processes (numtorch.distributed): {_mpi_launcher()}")
    lines.append(f"data sets under {os.path.abspath(root)}:")
    for name, (sub, files) in _DATA.items():
        folder = os.path.join(root, sub)
        present = all(os.path.isfile(os.path.join(folder, f)) or
                      os.path.isfile(os.path.join(folder, f + ".gz")) for f in files)
        lines.append(f"  {name:<13} {'present' if present else 'missing'} ({folder})")
    try:
        import sklearn  # noqa: F401

        lines.append("  Digits        present (bundled with scikit-learn)")
    except ImportError:
        lines.append("  Digits        missing (pip install scikit-learn)")
    text = "\n".join(lines)
    print(text)
    return text
