"""``numtorch run script.py [args...]``: run a PyTorch program on numtorch.

The script runs as ``__main__`` with ``sys.argv = [script.py, args...]`` and its folder first on
``sys.path``, as ``python script.py`` would run it, after ``numtorch.install_as_torch()``:
``import torch`` / ``import torchvision`` and their submodules are numtorch's. The command exits
with the script's exit status (``sys.exit(n)``; 1 after an uncaught exception, whose traceback
is printed from the script's first frame on).

``NUMTORCH_BACKEND=torch`` reverses the alias: ``import numtorch`` is the real torch, so a
numtorch program runs on PyTorch unchanged. ``--nproc N`` starts N processes of the script
through ``numtorch.distributed.run.launch`` (MPI), optionally on the hosts of ``--hostfile``.
"""

import os
import runpy
import sys
import traceback

__all__ = ["add_arguments", "run_command", "run_script"]

BACKENDS = ("numtorch", "torch")


def add_arguments(parser):
    parser.add_argument("--nproc", type=int, default=None, metavar="N",
                        help="start N processes of the script (torch.distributed on MPI)")
    parser.add_argument("--hostfile", default=None, metavar="FILE",
                        help="hosts for --nproc (MPI hostfile)")
    parser.add_argument("script", help="the Python program to run")
    parser.add_argument("script_args", nargs="...", metavar="ARG",
                        help="arguments passed to the program")


def run_command(args):
    """The ``run`` subcommand: an int exit status."""
    if args.nproc is not None:
        if args.nproc < 1:
            print(f"numtorch run: error: --nproc must be at least 1, got {args.nproc}",
                  file=sys.stderr)
            return 2
        try:
            from numtorch.distributed.run import launch
        except ImportError as exc:
            print(f"numtorch run: error: --nproc needs numtorch.distributed.run ({exc})",
                  file=sys.stderr)
            return 2
        return launch(args.nproc, args.hostfile, args.script, list(args.script_args))
    if args.hostfile is not None:
        print("numtorch run: error: --hostfile goes with --nproc N", file=sys.stderr)
        return 2
    return run_script(args.script, list(args.script_args))


def run_script(script, script_args, backend=None):
    """Run ``script`` as ``__main__`` with ``script_args``; ``backend`` is ``"numtorch"``
    (``import torch`` is numtorch, the default) or ``"torch"`` (``import numtorch`` is torch;
    default from ``$NUMTORCH_BACKEND``). Returns the exit status."""
    from numtorch import _import_hook

    if backend is None:
        backend = os.environ.get("NUMTORCH_BACKEND", "numtorch") or "numtorch"
    if backend not in BACKENDS:
        print(f"numtorch run: error: NUMTORCH_BACKEND must be one of {', '.join(BACKENDS)}, "
              f"got {backend!r}", file=sys.stderr)
        return 2
    if not os.path.isfile(script):
        print(f"numtorch run: error: can't open file {script!r}: no such file",
              file=sys.stderr)
        return 2
    try:
        if backend == "torch":
            _import_hook.install_numtorch_as_torch()
        else:
            _import_hook.install_as_torch()
    except (ImportError, RuntimeError) as exc:
        print(f"numtorch run: error: {exc}", file=sys.stderr)
        return 2
    sys.argv = [script] + list(script_args)
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as exc:
        return _exit_status(exc.code)
    except BaseException as exc:  # noqa: BLE001 - reported like the interpreter does
        _print_from_script(exc, script)
        return 130 if isinstance(exc, KeyboardInterrupt) else 1
    finally:
        sys.stdout.flush()
    return 0


def _exit_status(code):
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _print_from_script(exc, script):
    """The traceback without numtorch's own runner frames (it starts at the script)."""
    tb = exc.__traceback__
    target = os.path.abspath(script)
    while tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename) != target:
        tb = tb.tb_next
    traceback.print_exception(type(exc), exc, tb or exc.__traceback__)
