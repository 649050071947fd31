"""The launcher: PyTorch's environment variables, clear errors, and ranks that die, hang or
raise making the others stop instead of waiting forever."""

import json
import os
import subprocess
import sys
import time

import pytest

from distributed.launch import ROOT, env, launch, require_mpi, script_path


@pytest.mark.parametrize("with_hostfile", [False, True])
def test_environment_of_the_launched_processes(tmp_path, with_hostfile):
    hostfile = None
    if with_hostfile:  # this machine, named in an MPI hostfile
        hostfile = tmp_path / "hosts"
        hostfile.write_text("# host:processes\nlocalhost:2\n")
    res = launch(script_path("launcher_script.py"), "env", tmp_path, "--flag", "x",
                 hostfile=str(hostfile) if hostfile else None)
    assert res.returncode == 0, res.stdout + res.stderr
    for r in range(2):
        info = json.loads((tmp_path / f"rank{r}.json").read_text())
        assert info["RANK"] == info["LOCAL_RANK"] == str(r)
        assert info["WORLD_SIZE"] == info["LOCAL_WORLD_SIZE"] == "2"
        assert info["MASTER_ADDR"] == ("localhost" if hostfile else "127.0.0.1")
        assert info["MASTER_PORT"] == "29500" and info["OMP_NUM_THREADS"] == "1"
        assert info["name"] == "__main__"
        assert info["argv"] == ["env", str(tmp_path), "--flag", "x"]


@pytest.mark.parametrize("mode", ["kill", "hang", "raise"])
def test_a_failing_rank_stops_the_others(mode):
    t0 = time.perf_counter()
    res = launch(script_path("launcher_script.py"), mode, timeout=90)
    elapsed = time.perf_counter() - t0
    assert res.returncode != 0
    assert "finished" not in res.stdout
    assert elapsed < 60  # the group timeout is 3 s
    if mode == "hang":
        # Rank 0 normally reports it; on a loaded machine a slow start can make rank 1's first
        # all_reduce time out first, which is the same guarantee.
        assert "all_reduce timed out after 3 s on rank " in res.stderr, res.stderr
    if mode == "raise":
        assert "boom on rank 1" in res.stderr and "aborting the other ranks" in res.stderr


def _run(args, extra_env=None):
    e = env()
    e.update(extra_env or {})
    return subprocess.run([sys.executable, "-m", "numtorch.distributed.run", *args],
                          capture_output=True, text=True, env=e, cwd=ROOT, timeout=60)


def test_missing_script_and_missing_launcher_are_one_line_errors(tmp_path):
    res = _run(["--nproc", "2", str(tmp_path / "nope.py")])
    assert res.returncode == 2 and "nope.py does not exist" in res.stderr
    script = tmp_path / "s.py"
    script.write_text("print('hi')\n")
    res = _run(["--nproc", "0", str(script)])
    assert res.returncode == 2 and "--nproc must be a positive integer" in res.stderr
    require_mpi()
    res = _run(["--nproc", "2", str(script)],
               {"NUMTORCH_MPIEXEC": os.path.join(str(tmp_path), "missing-mpiexec")})
    assert res.returncode == 2 and "NUMTORCH_MPIEXEC" in res.stderr
    assert "Traceback" not in res.stderr


def test_find_mpiexec_next_to_python_or_on_path(tmp_path, monkeypatch):
    require_mpi()
    from numtorch.distributed import run

    monkeypatch.delenv("NUMTORCH_MPIEXEC", raising=False)
    found = run.find_mpiexec()
    assert os.path.basename(found) in ("mpiexec", "mpirun") and os.access(found, os.X_OK)
    cmd, e = run.build_command(3, None, ["train.py", "--x"], mpiexec=found)
    assert cmd[:3] == [found, "-n", "3"]
    assert cmd[-4:] == ["-m", "numtorch.distributed._bootstrap", "train.py", "--x"]
    hosts = tmp_path / "hosts"
    hosts.write_text("# two machines\nnode1:2\nnode2 slots=2\n")
    monkeypatch.delenv("MASTER_ADDR", raising=False)
    cmd, e = run.build_command(4, str(hosts), ["t.py"], mpiexec=found)
    assert ["-hostfile", str(hosts)] == cmd[3:5]
    assert e["MASTER_ADDR"] == "node1" and e["OMP_NUM_THREADS"] == os.environ.get(
        "OMP_NUM_THREADS", "1")


def test_launch_function_runs_a_script_and_returns_its_status(tmp_path, monkeypatch):
    """``launch(nproc, hostfile, script, script_args) -> int``, as ``numtorch run --nproc``
    calls it."""
    require_mpi()
    from numtorch.distributed.run import launch

    for k, v in env().items():
        monkeypatch.setenv(k, v)
    script = tmp_path / "job.py"
    script.write_text(
        "import os, sys\n"
        "open(os.path.join(sys.argv[1], 'rank' + os.environ['RANK']), 'w').write(sys.argv[2])\n"
        "sys.exit(int(sys.argv[3]))\n")
    assert launch(2, None, str(script), [str(tmp_path), "hello", 0]) == 0
    assert sorted(p.name for p in tmp_path.glob("rank*")) == ["rank0", "rank1"]
    assert (tmp_path / "rank1").read_text() == "hello"
    assert launch(2, None, str(script), [str(tmp_path), "x", 3]) != 0


def test_find_mpiexec_search_order_and_error(tmp_path, monkeypatch):
    import importlib.metadata
    import sysconfig

    from numtorch.distributed import run

    def nowhere(name):
        raise importlib.metadata.PackageNotFoundError(name)

    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.delenv("NUMTORCH_MPIEXEC", raising=False)
    monkeypatch.setattr(sys, "executable", str(empty / "python"))
    monkeypatch.setattr(sysconfig, "get_path", lambda name: str(empty))
    monkeypatch.setattr(importlib.metadata, "files", nowhere)
    monkeypatch.setitem(sys.modules, "mpi4py", None)
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(FileNotFoundError, match=r'pip install "numtorch\[distributed\]"'):
        run.find_mpiexec()
    on_path = tmp_path / "bin"
    on_path.mkdir()
    fake = on_path / "mpirun"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(on_path))
    assert run.find_mpiexec() == str(fake)
    beside = empty / "mpiexec"  # next to the Python executable comes first
    beside.write_text("#!/bin/sh\n")
    beside.chmod(0o755)
    assert run.find_mpiexec() == str(beside)
    monkeypatch.setenv("NUMTORCH_MPIEXEC", str(fake))  # the variable wins
    assert run.find_mpiexec() == str(fake)


def test_numtorch_run_nproc_runs_a_torch_program_on_every_rank(tmp_path):
    """`numtorch run --nproc 2 prog.py` launches a plain `import torch` program on 2 ranks."""
    require_mpi()
    prog = tmp_path / "prog.py"
    prog.write_text(
        "import sys\n"
        "import torch\n"
        "import torch.distributed as dist\n"
        "from torch import nn\n"
        "dist.init_process_group('gloo')\n"
        "t = torch.tensor([float(dist.get_rank() + 1)])\n"
        "dist.all_reduce(t)\n"
        "model = nn.parallel.DistributedDataParallel(nn.Linear(3, 1))\n"
        "out = sys.argv[1] + f'/rank{dist.get_rank()}.txt'\n"
        "open(out, 'w').write(f'{dist.get_world_size()} {t.item()} {sys.argv[2:]}')\n"
        "dist.destroy_process_group()\n")
    res = subprocess.run([sys.executable, "-m", "numtorch", "run", "--nproc", "2", str(prog),
                          str(tmp_path), "--flag"],
                         capture_output=True, text=True, env=env(), cwd=ROOT, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    for r in range(2):
        assert (tmp_path / f"rank{r}.txt").read_text() == "2 3.0 ['--flag']"
