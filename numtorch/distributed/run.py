"""Launch a script on several processes through MPI's launcher (``mpiexec``).

    python -m numtorch.distributed.run --nproc 2 train.py --epochs 5
    python -m numtorch.distributed.run --nproc 8 --hostfile hosts.txt train.py

Each process first runs ``numtorch.distributed._bootstrap``, which reads its rank from MPI and
sets the variables PyTorch's launchers set (``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE``,
``LOCAL_WORLD_SIZE``, ``MASTER_ADDR``, ``MASTER_PORT``), then runs the script as ``__main__``.
Like ``torchrun``, the launcher sets ``OMP_NUM_THREADS=1`` for several processes unless it is
set, so that the processes do not fight over the cores. Its module path is torchrun's
(``torch.distributed.run``), and torchrun's ``--nproc-per-node``, ``--standalone`` and
``--nnodes 1`` are accepted.
"""

import argparse
import importlib.metadata
import os
import shutil
import subprocess
import sys
import sysconfig

__all__ = ["launch", "find_mpiexec", "build_command", "main"]

_NAMES = ("mpiexec", "mpirun")


def find_mpiexec():
    """The path of ``mpiexec``: ``$NUMTORCH_MPIEXEC``, next to the Python executable (a venv
    with the mpich wheel), next to the ``mpicc`` mpi4py was built with, in the files of an
    installed MPI wheel, then on ``PATH``.
    FileNotFoundError with the install command when there is none."""
    given = os.environ.get("NUMTORCH_MPIEXEC")
    if given:
        if os.path.isfile(given) and os.access(given, os.X_OK):
            return given
        raise FileNotFoundError(f"NUMTORCH_MPIEXEC={given} is not an executable file")
    folders = [os.path.dirname(sys.executable), sysconfig.get_path("scripts")]
    for folder in folders:
        for name in _NAMES:
            path = os.path.join(folder, name)
            if os.path.isfile(path) and os.access(path, os.X_OK):
                return path
    try:  # the MPI mpi4py was built with: its mpiexec sits next to its mpicc
        import mpi4py

        mpicc = (mpi4py.get_config() or {}).get("mpicc", "")
    except (ImportError, AttributeError):
        mpicc = ""
    if mpicc:
        folder = os.path.dirname(shutil.which(mpicc) or mpicc)
        for name in _NAMES:
            path = os.path.join(folder, name)
            if os.path.isfile(path) and os.access(path, os.X_OK):
                return path
    for dist in ("mpich", "openmpi", "impi-rt"):
        try:
            files = importlib.metadata.files(dist) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        for f in files:
            if f.name in _NAMES and f.parent.name == "bin":
                path = str(f.locate())
                if os.path.isfile(path) and os.access(path, os.X_OK):
                    return path
    for name in _NAMES:
        path = shutil.which(name)
        if path:
            return path
    raise FileNotFoundError(
        "no MPI launcher (mpiexec) found next to the Python executable, in an MPI wheel or on "
        'PATH: pip install "numtorch[distributed]" (mpi4py and the mpich wheel), or set '
        "NUMTORCH_MPIEXEC to your MPI's mpiexec")


def _is_open_mpi(mpiexec):
    try:
        out = subprocess.run([mpiexec, "--version"], capture_output=True, text=True,
                             timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return "Open MPI" in out or "OpenRTE" in out


def _first_host(hostfile):
    with open(hostfile) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                return line.split()[0].split(":")[0]
    return None


def build_command(nproc, hostfile, target, mpiexec=None):
    """The ``mpiexec`` command line and environment that run ``target`` (``[script, *args]``
    or ``["-m", module, *args]``) on ``nproc`` processes."""
    mpiexec = mpiexec or find_mpiexec()
    env = dict(os.environ)
    env.setdefault("MASTER_PORT", "29500")
    if hostfile:
        env.setdefault("MASTER_ADDR", _first_host(hostfile) or "127.0.0.1")
    if nproc > 1:
        env.setdefault("OMP_NUM_THREADS", "1")
    env["NUMTORCH_LAUNCHED_NPROC"] = str(nproc)
    cmd = [mpiexec, "-n", str(nproc)]
    if hostfile:
        cmd += ["-hostfile", hostfile]
    if _is_open_mpi(mpiexec):
        # Open MPI does not forward the environment by default, refuses to run as root and to
        # start more processes than cores unless told to.
        for var in ("PYTHONPATH", "MASTER_ADDR", "MASTER_PORT", "OMP_NUM_THREADS", "PATH",
                    "NUMTORCH_LAUNCHED_NPROC"):
            if var in env:
                cmd += ["-x", var]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd += ["--allow-run-as-root"]
        if not hostfile and nproc > (os.cpu_count() or 1):
            cmd += ["--oversubscribe"]
    cmd += [sys.executable, "-m", "numtorch.distributed._bootstrap", *target]
    return cmd, env


def _error(prog, text):
    print(f"{prog}: error: {text}", file=sys.stderr, flush=True)
    return 2


def launch(nproc, hostfile, script, script_args=(), *, prog="numtorch run"):
    """Run ``script`` with ``script_args`` on ``nproc`` MPI processes and wait; returns the
    launcher's exit status (2 with a one-line message, prefixed by ``prog``, when it cannot
    start). ``script`` may also be ``["-m", "module"]``."""
    if isinstance(nproc, bool) or not isinstance(nproc, int) or nproc < 1:
        return _error(prog, f"--nproc must be a positive integer, got {nproc!r}")
    if hostfile and not os.path.isfile(hostfile):
        return _error(prog, f"hostfile {hostfile} does not exist")
    target = list(script) if isinstance(script, (list, tuple)) else [script]
    if target[0] != "-m" and not os.path.isfile(target[0]):
        return _error(prog, f"script {target[0]} does not exist")
    from numtorch.distributed import is_available

    if not is_available():
        return _error(prog, 'running on several processes needs mpi4py: pip install '
                      '"numtorch[distributed]" (mpi4py and the mpich wheel)')
    try:
        cmd, env = build_command(nproc, hostfile, target + [str(a) for a in script_args])
    except (FileNotFoundError, OSError) as exc:
        return _error(prog, str(exc))
    proc = subprocess.Popen(cmd, env=env)
    try:
        return proc.wait()
    except KeyboardInterrupt:  # mpiexec got the same Ctrl-C and stops the processes
        try:
            return proc.wait(timeout=30) or 130
        except subprocess.TimeoutExpired:
            proc.kill()
            return 130


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m numtorch.distributed.run",
        description="Run a script on several processes (numtorch.distributed on MPI).")
    parser.add_argument("--nproc", "--nproc-per-node", "--nproc_per_node", dest="nproc",
                        type=int, default=1, help="number of processes (default 1)")
    parser.add_argument("--hostfile", default=None,
                        help="MPI hostfile naming the machines (and their slots)")
    parser.add_argument("--standalone", action="store_true",
                        help="accepted for torchrun's command lines (one machine is the default)")
    parser.add_argument("--nnodes", default="1",
                        help="accepted for torchrun's command lines when 1; several machines "
                             "are named in --hostfile")
    parser.add_argument("-m", dest="module", action="store_true",
                        help="run the target as a module (python -m)")
    parser.add_argument("script", help="the Python script (or module with -m)")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="the script's arguments")
    args = parser.parse_args(argv)
    if str(args.nnodes) not in ("1", "1:1"):
        return _error("python -m numtorch.distributed.run",
                      f"--nnodes {args.nnodes}: name the machines in an MPI --hostfile, and give "
                      "--nproc the total number of processes")
    target = ["-m", args.script] if args.module else args.script
    return launch(args.nproc, args.hostfile, target, args.args)


if __name__ == "__main__":
    sys.exit(main())
