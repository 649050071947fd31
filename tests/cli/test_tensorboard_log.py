"""``numtorch train --tensorboard``: the run's TensorBoard logs, read back with TensorBoard's
EventAccumulator, match metrics.csv; a resumed run continues its curves."""

import csv
import importlib.util

import numpy as np
import pytest

from numtorch.cli import main

pytest.importorskip("matplotlib")
pytest.importorskip("sklearn")
pytest.importorskip("tensorboard")
pytest.importorskip("PIL")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402

COMMON = ["train", "--data", "toy:moons", "--model", "mlp", "--hidden", "8", "--lr", "0.1",
          "--quiet", "--tensorboard"]


def _acc(run):
    acc = EventAccumulator(str(run / "tensorboard"), size_guidance={"scalars": 0,
                                                                   "histograms": 0})
    acc.Reload()
    return acc


def _f32(x):
    return float(np.float32(float(x)))


def test_train_logs_losses_accuracy_lr_histograms_and_confusion(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(COMMON + ["--epochs", "3", "--out", str(run)]) == 0
    capsys.readouterr()
    rows = list(csv.DictReader(open(run / "metrics.csv")))
    acc = _acc(run)
    tags = acc.Tags()
    for tag, key in (("Loss/train", "train_loss"), ("Loss/val", "val_loss"),
                     ("Accuracy/train", "train_acc"), ("Accuracy/val", "val_acc"),
                     ("LearningRate", "lr")):
        events = acc.Scalars(tag)
        assert [e.step for e in events] == [1, 2, 3], tag
        assert [e.value for e in events] == [_f32(r[key]) for r in rows], tag
    assert sorted(tags["histograms"]) == ["weights/net.0.bias", "weights/net.0.weight",
                                          "weights/net.2.bias", "weights/net.2.weight"]
    assert [h.step for h in acc.Histograms("weights/net.0.weight")] == [1, 2, 3]
    assert acc.Histograms("weights/net.0.weight")[0].histogram_value.num == 16
    assert tags["images"] == ["ConfusionMatrix"]
    assert acc.Images("ConfusionMatrix")[0].step == 3
    report = (run / "report.txt").read_text()
    test_acc = float(report.split("test accuracy: ")[1].split()[0])
    assert acc.Scalars("Accuracy/test")[0].value == pytest.approx(test_acc, abs=5e-5)
    assert "config/text_summary" in tags["tensors"]


def test_resume_continues_the_curves(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(COMMON + ["--epochs", "2", "--out", str(run)]) == 0
    assert main(["train", "--resume", str(run), "--epochs", "4", "--quiet"]) == 0
    capsys.readouterr()
    assert [e.step for e in _acc(run).Scalars("Loss/train")] == [1, 2, 3, 4]


def test_without_tensorboard_package_exits_2(tmp_path, capsys, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "tensorboard" else real(name, *a))
    assert main(COMMON + ["--epochs", "1", "--out", str(tmp_path / "r")]) == 2
    assert 'pip install "numtorch[tensorboard]"' in capsys.readouterr().err
    assert not (tmp_path / "r").exists()
