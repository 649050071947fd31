"""``numtorch export`` and ``numtorch predict --onnx``: a real short training, exported, run by
onnxruntime; its predictions agree with ``numtorch predict`` on the run itself."""

import json
import os

import numpy as np
import pytest

from numtorch.cli import main

pytest.importorskip("PIL")
onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def _images(root, n_per_class=6, size=8):
    from PIL import Image

    rng = np.random.default_rng(0)
    for c, name in enumerate(["dot", "bar"]):
        os.makedirs(root / name, exist_ok=True)
        for i in range(n_per_class):
            img = rng.integers(0, 60, (size, size, 3)).astype(np.uint8)
            if c == 0:
                img[3:5, 3:5] = 230
            else:
                img[:, 6:] = 230
            Image.fromarray(img).save(root / name / f"{i}.png")


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("export")
    _images(tmp / "imgs")
    out = tmp / "run"
    code = main(["train", "--data", f"folder:{tmp / 'imgs'}", "--model", "cnn", "--epochs", "1",
                 "--batch-size", "4", "--quiet", "--out", str(out)])
    assert code == 0
    return tmp, out


def test_export_writes_a_checked_model_with_its_preprocessing(run_folder, capsys):
    tmp, run = run_folder
    path = tmp / "model.onnx"
    assert main(["export", str(run), str(path)]) == 0
    assert "written:" in capsys.readouterr().out
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto, full_check=True)
    meta = {p.key: json.loads(p.value) for p in proto.metadata_props}
    assert meta["numtorch.input_shape"] == [3, 8, 8]
    assert meta["numtorch.classes"] == ["bar", "dot"]
    assert meta["numtorch.model"] == "cnn" and meta["numtorch.data"].startswith("folder:")
    assert len(meta["numtorch.mean"]) == 3 and len(meta["numtorch.std"]) == 3
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"


def test_predict_onnx_agrees_with_predict(run_folder, capsys):
    tmp, run = run_folder
    path = tmp / "model2.onnx"
    assert main(["export", str(run / "model.safetensors"), str(path), "--opset", "18"]) == 0
    images = sorted(str(p) for p in (tmp / "imgs" / "bar").iterdir())[:2]
    capsys.readouterr()
    assert main(["predict", "--onnx", str(path)] + images + ["--topk", "2"]) == 0
    from_onnx = capsys.readouterr().out.strip().splitlines()
    assert main(["predict", str(run)] + images + ["--topk", "2"]) == 0
    from_run = capsys.readouterr().out.strip().splitlines()
    assert len(from_onnx) == len(from_run) == 2
    for a, b in zip(from_onnx, from_run):
        assert a.split(":")[0] == b.split(":")[0]
        names_a = [w for w in a.split(": ", 1)[1].split(", ")]
        names_b = [w for w in b.split(": ", 1)[1].split(", ")]
        for x, y in zip(names_a, names_b):
            (ca, pa), (cb, pb) = x.split(" "), y.split(" ")
            assert ca == cb and abs(float(pa) - float(pb)) <= 1e-3


def test_single_image_and_bad_input(run_folder, capsys):
    tmp, run = run_folder
    path = tmp / "model3.onnx"
    assert main(["export", str(run), str(path)]) == 0
    image = str(next((tmp / "imgs" / "dot").iterdir()))
    assert main(["predict", "--onnx", str(path), image]) == 0
    assert main(["predict", "--onnx", str(tmp / "missing.onnx"), image]) == 2
    assert "is not a file" in capsys.readouterr().err
    assert main(["export", str(tmp / "nowhere"), str(path)]) == 2
    assert main(["predict", str(run)]) == 2
    plain = tmp / "plain.onnx"
    import numtorch
    import numtorch.onnx

    numtorch.onnx.export(numtorch.nn.Linear(2, 2), numtorch.zeros(1, 2), str(plain))
    assert main(["predict", "--onnx", str(plain), image]) == 2
    assert "no numtorch metadata" in capsys.readouterr().err


def test_missing_packages_are_named(run_folder, capsys, monkeypatch):
    import sys

    tmp, run = run_folder
    image = str(next((tmp / "imgs" / "dot").iterdir()))
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    assert main(["predict", "--onnx", str(tmp / "model.onnx"), image]) == 2
    assert "pip install onnxruntime" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "onnx", None)
    assert main(["export", str(run), str(tmp / "never.onnx")]) == 2
    assert 'pip install "numtorch[onnx]"' in capsys.readouterr().err
    assert not (tmp / "never.onnx").exists()
