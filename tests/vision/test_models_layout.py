"""Layout parity of the model zoo: every ``numtorch.vision.models`` model and the same model built
with torch's ``nn`` (the model source files are written against ``nn``/``F``/``init`` only, so
they are loaded a second time with those names bound to torch's), run on the same input: the
output of every submodule must have torch's ``stride()`` and ``is_contiguous()`` (also with
``memory_format=torch.channels_last``), for a contiguous and for a channels-last input and
model, and flattening the feature maps with ``view`` must work as in torch."""

import importlib.util
import pathlib
import re
import sys
import types

import numpy as np
import pytest
from parity import requires_torch, torch

import numtorch
import numtorch.vision.models as nt_models

_FILES = ["_utils", "cnn", "mlp", "resnet", "resnet_cifar", "vgg", "registry"]
# numtorch modules the model files may keep: the weights API and ImageNet class names, and the
# weights' inference transforms (they build no layer)
_KEEP = ("numtorch.vision.models._api", "numtorch.vision.models._categories",
         "numtorch.vision.transforms._presets")
_PACKAGE = "_torch_models"


def _torch_models():
    """The model files of ``numtorch.vision.models`` loaded with torch's nn."""
    if _PACKAGE in sys.modules:
        return sys.modules[_PACKAGE]
    package = types.ModuleType(_PACKAGE)
    package.__path__ = []
    sys.modules[_PACKAGE] = package
    folder = pathlib.Path(nt_models.__file__).parent
    for name in _FILES:
        src = (folder / f"{name}.py").read_text()
        for i, kept in enumerate(_KEEP):
            src = src.replace(kept, f"@KEEP{i}@")
        src = (src.replace("numtorch.vision.models.", f"{_PACKAGE}.")
               .replace("from numtorch.vision.models import", f"from {_PACKAGE} import")
               .replace("from numtorch import nn", "from torch import nn")
               .replace("from numtorch.nn import", "from torch.nn import"))
        assert not re.search(r"^\s*(from|import) numtorch", src, re.M), name
        for i, kept in enumerate(_KEEP):
            src = src.replace(f"@KEEP{i}@", kept)
        spec = importlib.util.spec_from_loader(f"{_PACKAGE}.{name}", loader=None)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        exec(compile(src, f"{_PACKAGE}/{name}.py", "exec"), module.__dict__)
        setattr(package, name, module)
    return package


# (registry name, input shape): every model family of the registry, at a small size; the
# "bottleneck" entry is a one-block-per-stage ResNet of Bottleneck blocks (resnet50's block)
MODELS = [("logreg", (1, 8, 8)), ("mlp", (1, 8, 8)), ("cnn", (1, 28, 28)), ("lenet5", (1, 28, 28)),
          ("vgg11_bn", (3, 32, 32)), ("resnet18", (3, 32, 32)), ("bottleneck", (3, 64, 64)),
          ("cifar_resnet20", (3, 32, 32))]


def test_models_cover_the_registry():
    names = {m for m, _ in MODELS}
    families = {"vgg": "vgg11_bn", "resnet": "resnet18", "cifar_resnet": "cifar_resnet20"}
    for name in nt_models.list_models():
        prefix = next((f for f in families if name.startswith(f) and name != f), None)
        covered = name in names or (prefix is not None and families[prefix] in names)
        assert covered, name


def _record(lib, model, x):
    """Every submodule's output layout, in call order."""
    seen = []

    def hook(module, inputs, output):
        if isinstance(output, lib.Tensor):
            info = [type(module).__name__, tuple(output.shape), tuple(output.stride()),
                    output.is_contiguous()]
            if output.dim() == 4:
                info.append(output.is_contiguous(memory_format=lib.channels_last))
            seen.append(info)

    handles = [m.register_forward_hook(hook) for m in model.modules()]
    out = model(x)
    for h in handles:
        h.remove()
    return out, seen


def _run(lib, registry, name, shape, channels_last):
    lib.manual_seed(0)
    if name == "bottleneck":
        resnet = sys.modules[registry.__name__.rsplit(".", 1)[0] + ".resnet"]
        model = resnet.ResNet(resnet.Bottleneck, [1, 1, 1, 1], num_classes=10,
                              width_per_group=16)
    else:
        model = registry.get_model(name, shape, 10)
    model.eval()
    x = lib.tensor(np.random.default_rng(0).standard_normal((2,) + shape).astype(np.float32))
    if channels_last:
        model = model.to(memory_format=lib.channels_last)
        x = x.contiguous(memory_format=lib.channels_last)
    with lib.no_grad():
        out, seen = _record(lib, model, x)
        features = getattr(model, "features", None)
        flat = None
        if features is not None:
            f = features(x)
            try:
                flat = tuple(f.view(f.size(0), -1).shape)
            except RuntimeError:
                flat = "view error"
    return out, seen, flat


@requires_torch
@pytest.mark.parametrize("channels_last", [False, True], ids=["contiguous", "channels_last"])
@pytest.mark.parametrize("name,shape", MODELS, ids=[f"{n}-{s[1]}" for n, s in MODELS])
def test_model_layout(name, shape, channels_last):
    t_out, t_seen, t_flat = _run(torch, _torch_models().registry, name, shape, channels_last)
    n_out, n_seen, n_flat = _run(numtorch, nt_models.registry, name, shape, channels_last)
    assert len(n_seen) == len(t_seen)
    for i, (a, b) in enumerate(zip(n_seen, t_seen)):
        assert a == b, f"submodule {i}: numtorch {a}, torch {b}"
    assert n_flat == t_flat
    assert tuple(n_out.stride()) == tuple(t_out.stride())
