"""``numtorch train --nproc 2``: data-parallel training through the MPI launcher."""

import csv
import os
import subprocess
import sys

import numpy as np
import pytest
from distributed.launch import ROOT, env, require_mpi

import numtorch

pytest.importorskip("matplotlib")
pytest.importorskip("sklearn")

COMMON = ["train", "--data", "digits", "--model", "mlp", "--quiet", "--seed", "1"]


def _train(args):
    res = subprocess.run([sys.executable, "-m", "numtorch", *COMMON, *args],
                         capture_output=True, text=True, env=env(), cwd=ROOT, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    return res.stdout


def _accuracy(run_dir):
    with open(os.path.join(run_dir, "report.txt")) as f:
        for line in f:
            if line.startswith("test accuracy:"):
                return float(line.split()[2])
    raise AssertionError("no test accuracy in report.txt")


def _final_weights(run_dir):
    return numtorch.load(os.path.join(run_dir, "checkpoint", "state.safetensors"))["model"]


def test_two_processes_reach_the_single_process_accuracy_and_resume(tmp_path):
    require_mpi()
    one, two, part = tmp_path / "one", tmp_path / "two", tmp_path / "part"
    _train(["--epochs", "3", "--out", str(one)])
    out = _train(["--epochs", "3", "--nproc", "2", "--out", str(two)])
    assert out.count("numtorch train: mlp") == 1  # only rank 0 logs
    assert "on 2 processes" in out
    acc1, acc2 = _accuracy(one), _accuracy(two)
    assert acc1 > 0.93 and acc2 > 0.93 and abs(acc1 - acc2) <= 0.03, (acc1, acc2)
    rows = list(csv.DictReader(open(two / "metrics.csv")))
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3]
    assert "nproc = 2" in (two / "config.toml").read_text()

    # 2 epochs, then resumed to 3 (on 2 processes, from the saved configuration): the weights
    # of the uninterrupted run, bit for bit
    _train(["--epochs", "2", "--nproc", "2", "--out", str(part)])
    res = subprocess.run([sys.executable, "-m", "numtorch", "train", "--resume", str(part),
                          "--epochs", "3", "--quiet"], capture_output=True, text=True,
                         env=env(), cwd=ROOT, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "resuming" in res.stdout
    a, b = _final_weights(two), _final_weights(part)
    assert set(a) == set(b)
    for k in a:
        np.testing.assert_array_equal(a[k].numpy(), b[k].numpy())


def test_nproc_must_divide_the_batch(capsys):
    from numtorch.cli import main

    assert main(COMMON + ["--nproc", "3", "--batch-size", "32"]) == 2
    assert "must be divisible by --nproc 3" in capsys.readouterr().err
