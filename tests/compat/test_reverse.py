"""The reverse direction: ``NUMTORCH_BACKEND=torch numtorch run`` makes ``import numtorch`` the
real PyTorch, so numtorch programs (the course's examples, the models ``numtorch train``
builds) run on PyTorch unchanged and give the same results. Skipped without PyTorch."""

import json
import os
import re

import numpy as np
import pytest

from .runner import ROOT, numtorch_run, python_code

pytest.importorskip("torch")

EXAMPLES = os.path.join(ROOT, "examples")
SAME_OUTPUTS = os.path.join(os.path.dirname(__file__), "numtorch_programs", "same_outputs.py")


def both_ways(script, *args, cwd=None):
    outs = {}
    for backend in ("numtorch", "torch"):
        res = numtorch_run(script, *args, env={"NUMTORCH_BACKEND": backend}, cwd=cwd)
        assert res.returncode == 0, f"{backend}:\n{res.stderr[-3000:]}"
        outs[backend] = res.stdout
    return outs


def test_zoo_models_give_the_same_outputs_on_both_backends():
    outs = {k: json.loads(v.strip().splitlines()[-1]) for k, v in both_ways(SAME_OUTPUTS).items()}
    assert outs["numtorch"].pop("backend") == "numtorch"
    assert outs["torch"].pop("backend") == "torch"
    for name, nt in outs["numtorch"].items():
        th = outs["torch"][name]
        assert nt["loss"] == pytest.approx(th["loss"], rel=1e-4), name
        np.testing.assert_allclose(nt["out"], th["out"], rtol=1e-3, atol=1e-3, err_msg=name)
        assert nt["acc"] == th["acc"]


def test_quickstart_example_trains_on_both_backends(tmp_path):
    outs = both_ways(os.path.join(EXAMPLES, "quickstart.py"), cwd=tmp_path)
    for backend, out in outs.items():
        loss, acc = map(float, re.search(r"loss (\S+), accuracy (\S+)", out).groups())
        assert loss < 0.1 and acc >= 0.97, (backend, out)


def test_mlp_xor_example_is_solved_on_both_backends(tmp_path):
    outs = both_ways(os.path.join(EXAMPLES, "mlp_xor.py"), "--quick", cwd=tmp_path)
    for backend, out in outs.items():
        assert "XOR solved: True" in out, (backend, out)


def test_reverse_mode_loads_numtorch_own_packages_on_torch():
    res = python_code(
        "from numtorch._import_hook import install_numtorch_as_torch\n"
        "install_numtorch_as_torch()\n"
        "import sys, torch, numtorch, numtorch.nn as nn\n"
        "from numtorch.vision import transforms, models\n"
        "from numtorch.metrics import accuracy\n"
        "assert numtorch is torch and nn is torch.nn\n"
        "img = transforms.ToTensor()(__import__('numpy').zeros((4, 4, 3), 'uint8'))\n"
        "assert isinstance(img, torch.Tensor) and tuple(img.shape) == (3, 4, 4)\n"
        "m = models.get_model('cnn', (1, 8, 8), 3)\n"
        "assert isinstance(m, torch.nn.Module) and isinstance(m.fc1 if hasattr(m, 'fc1') "
        "else next(m.parameters()), (torch.nn.Module, torch.Tensor))\n"
        "print(accuracy(torch.eye(3), torch.tensor([0, 1, 1])))\n"
        "try:\n"
        "    import numtorch.cli\n"
        "except ModuleNotFoundError as exc:\n"
        "    print('missing:', exc.name)\n")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.split("\n")
    assert float(lines[0]) == pytest.approx(2 / 3)
    assert lines[1] == "missing: numtorch.cli"


def test_spawned_children_get_the_reverse_alias_too(tmp_path):
    script = tmp_path / "spawner.py"
    script.write_text(
        "import multiprocessing as mp\n"
        "import numtorch\n\n"
        "def child(q):\n"
        "    q.put((numtorch.__name__, numtorch.ones(2).sum().item()))\n\n"
        "if __name__ == '__main__':\n"
        "    ctx = mp.get_context('spawn')\n"
        "    q = ctx.SimpleQueue()\n"
        "    p = ctx.Process(target=child, args=(q,))\n"
        "    p.start()\n"
        "    p.join()\n"
        "    print(q.get(), numtorch.__name__)\n")
    res = numtorch_run(str(script), env={"NUMTORCH_BACKEND": "torch"})
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "('torch', 2.0) torch"
