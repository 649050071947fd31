"""Running test scripts on several MPI processes (skipping cleanly without mpi4py/mpiexec)."""

import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def require_mpi():
    """Skip the calling test unless mpi4py and an MPI launcher are installed."""
    pytest.importorskip("mpi4py", reason='needs mpi4py: pip install "numtorch[distributed]"')
    from numtorch.distributed.run import find_mpiexec

    try:
        find_mpiexec()
    except FileNotFoundError as exc:
        pytest.skip(f"needs an MPI launcher: {exc}")


def env():
    e = dict(os.environ)
    e["PYTHONPATH"] = ROOT + os.pathsep + e.get("PYTHONPATH", "")
    e.pop("RANK", None)
    e.pop("WORLD_SIZE", None)
    e["OMP_NUM_THREADS"] = "1"
    return e


def launch(script, *args, nproc=2, timeout=120, extra_env=None, hostfile=None):
    """``python -m numtorch.distributed.run --nproc N script args``: the CompletedProcess."""
    require_mpi()
    e = env()
    e.update(extra_env or {})
    e.pop("MASTER_ADDR", None)
    cmd = [sys.executable, "-m", "numtorch.distributed.run", "--nproc", str(nproc),
           *(["--hostfile", hostfile] if hostfile else []), script, *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=e, cwd=ROOT)


def python(script, *args, timeout=120, extra_env=None):
    """``python script args`` as one process (an MPI world of one)."""
    require_mpi()
    e = env()
    e.update(extra_env or {})
    return subprocess.run([sys.executable, script, *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, env=e, cwd=ROOT)


def script_path(name):
    return os.path.join(HERE, name)
