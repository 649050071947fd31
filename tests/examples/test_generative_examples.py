"""The attention and generative-model examples run end to end in reduced form (``--quick``)
and print and save what they promise."""

import importlib.util
import os
import re

import pytest

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples")
PNG = b"\x89PNG\r\n\x1a\n"


def _load(name):
    spec = importlib.util.spec_from_file_location(f"_example_{name}",
                                                  os.path.join(EXAMPLES, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _needs_sklearn():
    pytest.importorskip("sklearn", reason="the Digits data ship with scikit-learn")


def _needs_pillow():
    pytest.importorskip("PIL", reason="save_image writes PNG files with Pillow")


def test_transformer_classifier_digits(capsys):
    _needs_sklearn()
    acc = _load("transformer_classifier").main(["--quick"])
    out = capsys.readouterr().out
    assert "8 tokens x 8 features, 10 classes" in out
    losses = [float(v) for v in re.findall(r"train loss (\d+\.\d+)", out)]
    assert len(losses) == 2 and all(0 < v < 5 for v in losses)
    printed = float(re.search(r"^test accuracy (\d\.\d+)", out, re.M).group(1))
    assert printed == pytest.approx(acc, abs=1e-4)
    assert acc > 0.1  # above chance after a few steps


def test_transformer_classifier_synthetic_learns_order(capsys):
    acc = _load("transformer_classifier").main(["--quick", "--data", "synthetic",
                                                "--epochs", "2"])
    assert "2 classes" in capsys.readouterr().out
    assert 0.0 <= acc <= 1.0


def test_dcgan_saves_sample_grid(capsys, tmp_path):
    _needs_sklearn()
    _needs_pillow()
    from PIL import Image

    path = _load("dcgan").main(["--quick", "--out-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert "images of 16x16" in out
    m = re.search(r"epoch\s+1\s+loss D (\d+\.\d+)\s+loss G (\d+\.\d+)\s+D\(real\) (\d\.\d+)", out)
    assert m and 0 < float(m.group(1)) < 10 and 0 < float(m.group(2)) < 10
    assert open(path, "rb").read(8) == PNG
    # 8 x 8 samples of 16x16, enlarged to 32x32, with 1-pixel padding
    assert Image.open(path).size == (8 * 33 + 1, 8 * 33 + 1)


def test_vae_saves_reconstructions_and_samples(capsys, tmp_path):
    _needs_sklearn()
    _needs_pillow()
    test_loss = _load("vae").main(["--quick", "--out-dir", str(tmp_path)])
    out = capsys.readouterr().out
    losses = [float(v) for v in re.findall(r"test loss (\d+\.\d+)", out)]
    assert len(losses) == 2 and losses[-1] == pytest.approx(test_loss, abs=0.01)
    assert losses[-1] < 44.4  # below the loss of predicting 0.5 everywhere (64 * log 2)
    for kind in ("reconstructions", "samples"):
        for epoch in (1, 2):
            f = tmp_path / f"{kind}_epoch_{epoch:03d}.png"
            assert f.read_bytes()[:8] == PNG
