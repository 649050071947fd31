"""Running a program through ``python -m numtorch run`` in a fresh interpreter that imports
this tree's numtorch."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROGRAMS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "programs")

__all__ = ["ROOT", "PROGRAMS", "numtorch_run", "python_code"]


def _env(extra):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([ROOT] + [p for p in [env.get("PYTHONPATH")] if p])
    env.pop("NUMTORCH_BACKEND", None)
    env.update(extra or {})
    return env


def numtorch_run(script, *args, env=None, cwd=None, timeout=300):
    """``python -m numtorch run script args...``; returns the CompletedProcess (text)."""
    if not os.path.isabs(script):
        script = os.path.join(PROGRAMS, script)
    return subprocess.run([sys.executable, "-m", "numtorch", "run", script, *map(str, args)],
                          capture_output=True, text=True, env=_env(env), cwd=cwd or ROOT,
                          timeout=timeout)


def python_code(code, env=None, cwd=None, timeout=300):
    """``python -c code`` in a fresh interpreter; returns the CompletedProcess (text)."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=_env(env), cwd=cwd or ROOT, timeout=timeout)
