"""What each process started by ``numtorch.distributed.run`` runs first.

    python -m numtorch.distributed._bootstrap script.py args...
    python -m numtorch.distributed._bootstrap -m module args...

With MPI the rank is known only inside the process, so this sets PyTorch's launcher variables
from MPI (``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE``, ``LOCAL_WORLD_SIZE``, ``MASTER_ADDR``,
``MASTER_PORT``), installs the ``torch`` alias when numtorch offers one, and runs the target as
``__main__``. An uncaught exception on one rank aborts the whole MPI job (after printing its
traceback), so that the other ranks do not wait for it until their timeout.
"""

import os
import runpy
import sys
import time
import traceback

__all__ = ["set_launcher_env", "main"]


def set_launcher_env():
    """Set the launcher variables of this process from MPI; returns (rank, world size)."""
    from numtorch.distributed._mpi import mpi

    MPI = mpi()
    world = MPI.COMM_WORLD
    rank, size = world.Get_rank(), world.Get_size()
    node = world.Split_type(MPI.COMM_TYPE_SHARED)
    local_rank, local_size = node.Get_rank(), node.Get_size()
    node.Free()
    # MASTER_ADDR: the launcher's choice, else loopback on one machine, else rank 0's host.
    host = world.bcast(MPI.Get_processor_name(), root=0)
    os.environ.update({"RANK": str(rank), "WORLD_SIZE": str(size),
                       "LOCAL_RANK": str(local_rank), "LOCAL_WORLD_SIZE": str(local_size)})
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1" if local_size == size else host)
    os.environ.setdefault("MASTER_PORT", "29500")
    return rank, size


def _run_target(argv):
    if argv[0] == "-m":
        if len(argv) < 2:
            raise SystemExit("numtorch.distributed._bootstrap: -m needs a module name")
        sys.argv = [argv[1], *argv[2:]]
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
        return
    script = argv[0]
    sys.argv = list(argv)
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    import numtorch

    install = getattr(numtorch, "install_as_torch", None)
    if install is not None:
        install()
    runpy.run_path(script, run_name="__main__")


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        print("usage: python -m numtorch.distributed._bootstrap (script.py | -m module) "
              "[args...]", file=sys.stderr)
        return 2
    rank, size = set_launcher_env()
    try:
        _run_target(argv)
    except SystemExit as exc:
        code = exc.code
        if code is None or code == 0:
            return 0
        if size > 1:
            if not isinstance(code, int):
                print(code, file=sys.stderr, flush=True)
            _abort(rank, f"exit status {code}", code if isinstance(code, int) else 1)
        raise
    except BaseException:
        traceback.print_exc()
        sys.stderr.flush()
        if size > 1:
            _abort(rank, "an uncaught exception", 1)
        return 1
    return 0


def _abort(rank, why, code):
    from numtorch.distributed._mpi import mpi

    sys.stdout.flush()
    print(f"numtorch.distributed: rank {rank} ended with {why}; aborting the other ranks",
          file=sys.stderr, flush=True)
    # The launcher forwards each rank's output through a pipe; an abort tears the job down at
    # once and can drop what is still in it (the traceback above), so give it a moment.
    time.sleep(0.5)
    mpi().COMM_WORLD.Abort(code)


if __name__ == "__main__":
    sys.exit(main())
