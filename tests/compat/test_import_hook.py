"""``numtorch run`` and ``install_as_torch``: ``import torch`` / ``torchvision`` resolve to the
very same module objects of numtorch, a real torch is never imported, missing names say so,
pickles and relative imports work, exit statuses are the script's. Each check runs in a fresh
interpreter (this test process may hold the real torch for the parity tests)."""

import json
import os
import pickle
import sys
import textwrap

import pytest

from .runner import numtorch_run, python_code


def write(tmp_path, name, code):
    path = tmp_path / name
    path.write_text(textwrap.dedent(code))
    return str(path)


def run_json(tmp_path, code, *args):
    script = write(tmp_path, "prog.py", "import json\n" + textwrap.dedent(code))
    res = numtorch_run(script, *args)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout.strip().splitlines()[-1])


def test_torch_names_are_numtorch_modules(tmp_path):
    out = run_json(tmp_path, """
        import sys
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        import torch.utils.data
        from torch import optim
        from torch.nn import functional
        from torch.utils.data import DataLoader
        import torchvision
        import torchvision.transforms as T
        from torchvision import datasets, models
        import numtorch, numtorch.vision
        same = {
            "torch": torch is numtorch, "nn": nn is numtorch.nn,
            "F": F is numtorch.nn.functional is functional,
            "data": torch.utils.data is numtorch.utils.data,
            "DataLoader": DataLoader is numtorch.utils.data.DataLoader,
            "optim": optim is numtorch.optim,
            "vision": torchvision is numtorch.vision,
            "transforms": T is numtorch.vision.transforms,
            "datasets": datasets is numtorch.vision.datasets,
            "models": models is numtorch.vision.models,
            "Linear": torch.nn.modules.linear.Linear is numtorch.nn.Linear,
            "sys.modules": sys.modules["torch.nn"] is sys.modules["numtorch.nn"],
        }
        # Every numtorch file is loaded once: one module object per file.
        files = {}
        for mod in list(sys.modules.values()):
            f = getattr(mod, "__file__", None)
            if f and os.sep + "numtorch" + os.sep in f:
                files.setdefault(f, set()).add(id(mod))
        same["one object per file"] = all(len(ids) == 1 for ids in files.values())
        same["spec kept"] = (torch.__spec__.name, nn.__spec__.name) == ("numtorch", "numtorch.nn")
        print(json.dumps(same))
    """.replace("import sys\n", "import os, sys\n", 1))
    assert out == {k: True for k in out} and len(out) == 14


def test_real_torch_is_never_imported(tmp_path):
    out = run_json(tmp_path, """
        import importlib.machinery, os, sys
        import torch, torch.nn, torch.optim, torchvision.transforms
        import torch.multiprocessing as mp
        spec = importlib.machinery.PathFinder.find_spec("torch")  # the real one, if installed
        real = os.path.dirname(spec.origin) if spec is not None else None
        loaded = [getattr(m, "__file__", None) or "" for m in list(sys.modules.values())]
        print(json.dumps({"real": real,
                          "leaks": [f for f in loaded if real and f.startswith(real + os.sep)],
                          "file": torch.__file__}))
    """)
    assert out["leaks"] == []
    assert os.path.join("numtorch", "__init__.py") in out["file"]


def test_script_runs_as_main_with_its_argv_and_folder(tmp_path):
    write(tmp_path, "helper_mod.py", "VALUE = 42\n")
    out = run_json(tmp_path, """
        import sys
        import helper_mod
        print(json.dumps({"name": __name__, "argv": sys.argv, "value": helper_mod.VALUE}))
    """, "a", "--flag", "3")
    assert out["name"] == "__main__"
    assert out["argv"][1:] == ["a", "--flag", "3"] and out["argv"][0].endswith("prog.py")
    assert out["value"] == 42


@pytest.mark.parametrize("body,code,err", [
    ("import sys\nsys.exit(3)\n", 3, ""),
    ("import sys\nsys.exit()\n", 0, ""),
    ("import sys\nsys.exit('bad config')\n", 1, "bad config"),
    ("import torch\nraise ValueError('boom')\n", 1, "ValueError: boom"),
    ("print('fine')\n", 0, ""),
])
def test_exit_status_is_the_scripts(tmp_path, body, code, err):
    res = numtorch_run(write(tmp_path, "prog.py", body))
    assert res.returncode == code, res.stderr
    assert err in res.stderr
    if "raise" in body:  # the traceback starts at the script, not in numtorch's runner
        assert "runpy" not in res.stderr and "prog.py" in res.stderr


def test_missing_submodule_and_attribute_name_pytorch(tmp_path):
    out = run_json(tmp_path, """
        import torch
        msgs = {}
        try:
            import torch.fx
        except ModuleNotFoundError as exc:
            msgs["module"] = [str(exc), exc.name]
        for expr in ("torch.xyz", "torch.nn.functional.no_such_fn",
                     "__import__('torchvision.transforms').transforms.NoSuchTransform"):
            try:
                eval(expr)
            except AttributeError as exc:
                msgs[expr] = str(exc)
        print(json.dumps(msgs))
    """)
    assert "torch.fx" in out["module"][0] and "numtorch does not provide" in out["module"][0]
    assert out["module"][1] == "torch.fx"
    assert "torch.xyz" in out["torch.xyz"] and "does not provide" in out["torch.xyz"]
    assert "torch.nn.functional.no_such_fn" in out["torch.nn.functional.no_such_fn"]
    assert "torchvision.transforms.NoSuchTransform" in out[
        "__import__('torchvision.transforms').transforms.NoSuchTransform"]


def test_from_import_of_a_missing_name_names_pytorch(tmp_path):
    # ``from torch import fx`` goes through the interpreter's IMPORT_FROM, which would otherwise
    # report "cannot import name 'fx' from 'numtorch'"; hasattr/getattr stay plain lookups
    out = run_json(tmp_path, """
        import torch
        msgs = {"hasattr": hasattr(torch, "fx"), "getattr": getattr(torch.nn, "nope", None)}
        for stmt in ("from torch import fx", "from torch import nn, fx",
                     "from torch.nn.functional import no_such_fn",
                     "from torchvision.transforms import NoSuchTransform"):
            try:
                exec(stmt)
            except ImportError as exc:
                msgs[stmt] = [type(exc).__name__, str(exc)]
        from torch.nn import functional
        msgs["ok"] = functional.__name__
        print(json.dumps(msgs))
    """)
    assert out["hasattr"] is False and out["getattr"] is None
    assert out["ok"] == "numtorch.nn.functional"
    for stmt, missing in (("from torch import fx", "torch.fx"),
                          ("from torch import nn, fx", "torch.fx"),
                          ("from torch.nn.functional import no_such_fn",
                           "torch.nn.functional.no_such_fn"),
                          ("from torchvision.transforms import NoSuchTransform",
                           "torchvision.transforms.NoSuchTransform")):
        kind, msg = out[stmt]
        assert kind == "ImportError", (stmt, kind, msg)
        assert f"numtorch does not provide {missing} yet" in msg, msg
        assert "'numtorch" not in msg, msg


def test_relative_imports_and_lazy_submodules(tmp_path):
    out = run_json(tmp_path, """
        import importlib
        import torch
        import numtorch.nn.functional
        rel = importlib.import_module(".functional", "torch.nn")
        sub = importlib.import_module("..init", "torch.nn.modules")
        print(json.dumps({"rel": rel is numtorch.nn.functional,
                          "sub": sub is numtorch.nn.init,
                          "package": torch.nn.modules.linear.__package__,
                          "lazy": torch.classic.__name__}))
    """)
    assert out["rel"] and out["sub"]
    assert out["package"] == "numtorch.nn.modules"
    assert out["lazy"] == "numtorch.classic"  # imported on first attribute access


def test_pickles_use_numtorch_names_and_load_without_the_alias(tmp_path):
    path = tmp_path / "model.pkl"
    out = run_json(tmp_path, f"""
        import pickle
        import torch
        import torch.nn as nn

        class Head(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(3, 2)

        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
        blob = pickle.dumps(model)
        head = pickle.loads(pickle.dumps(Head()))  # a class of the script's __main__
        with open({str(path)!r}, "wb") as f:
            pickle.dump(model, f)
        print(json.dumps({{"head": type(head).__name__, "torch_in_pickle": b"torch" in
                          blob.replace(b"numtorch", b""), "dtype": repr(torch.float32),
                          "size": repr(torch.zeros(2, 3).shape)}}))
    """)
    assert out["head"] == "Head" and not out["torch_in_pickle"]
    assert out["dtype"] == "torch.float32" and out["size"] == "torch.Size([2, 3])"
    import numtorch

    with open(path, "rb") as f:
        model = pickle.load(f)
    assert isinstance(model[0], numtorch.nn.Linear)
    assert tuple(model(numtorch.ones(1, 4)).shape) == (1, 3)


def test_children_of_every_start_method_see_the_alias(tmp_path):
    out = run_json(tmp_path, """
        import importlib.machinery, os, sys
        import torch
        import torch.multiprocessing as mp

        def child(q):
            spec = importlib.machinery.PathFinder.find_spec("torch")
            real = os.path.dirname(spec.origin) if spec is not None else "/nonexistent"
            leaks = [n for n, m in list(sys.modules.items())
                     if (getattr(m, "__file__", None) or "").startswith(real + os.sep)]
            q.put((torch.__name__, len(leaks)))

        if __name__ == "__main__":
            seen = {}
            for method in ("spawn", "forkserver", "fork"):
                ctx = mp.get_context(method)
                q = ctx.SimpleQueue()
                p = ctx.Process(target=child, args=(q,))
                p.start()
                p.join()
                seen[method] = q.get()
            print(json.dumps(seen))
    """)
    assert out == {m: ["numtorch", 0] for m in ("spawn", "forkserver", "fork")}


def test_install_as_torch_in_a_running_interpreter():
    res = python_code(textwrap.dedent("""
        import numtorch
        numtorch.install_as_torch()
        numtorch.install_as_torch()  # twice is harmless
        import torch, torchvision.transforms as T
        from torch import nn
        assert torch is numtorch and nn is numtorch.nn and T is numtorch.vision.transforms
        from numtorch import _import_hook
        _import_hook.uninstall_as_torch()
        import sys
        assert "torch" not in sys.modules or sys.modules["torch"] is not numtorch
        print("ok", repr(numtorch.float32))
    """))
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["ok", "numtorch.float32"]


def test_install_as_torch_refuses_after_the_real_torch():
    pytest.importorskip("torch")
    res = python_code("import torch, numtorch\nnumtorch.install_as_torch()")
    assert res.returncode == 1
    assert "RuntimeError" in res.stderr and "before any `import torch`" in res.stderr


@pytest.mark.parametrize("args,env,message", [
    (["no_such_script.py"], {}, "can't open file"),
    (["--hostfile", "hosts", "prog.py"], {}, "--hostfile goes with --nproc"),
    (["--nproc", "0", "prog.py"], {}, "--nproc must be at least 1"),
    (["prog.py"], {"NUMTORCH_BACKEND": "jax"}, "NUMTORCH_BACKEND must be one of"),
])
def test_run_command_errors(tmp_path, args, env, message):
    import subprocess

    from .runner import ROOT

    write(tmp_path, "prog.py", "print('should not run')\n")
    full_env = dict(os.environ, PYTHONPATH=ROOT, **env)
    res = subprocess.run([sys.executable, "-m", "numtorch", "run", *args], capture_output=True,
                         text=True, cwd=tmp_path, env=full_env, timeout=120)
    assert res.returncode == 2
    assert message in res.stderr and "should not run" not in res.stdout
