"""The numtorch command: real short trainings, its outputs, resume, and bad input."""

import csv
import os
import subprocess
import sys

import numpy as np
import pytest

import numtorch
from numtorch.cli import main

pytest.importorskip("matplotlib")
pytest.importorskip("sklearn")


def run(args, capsys=None):
    code = main(args)
    out = capsys.readouterr() if capsys is not None else None
    return code, out


def test_toy_training_writes_a_complete_run_folder(tmp_path, capsys):
    out = tmp_path / "run"
    code, res = run(["train", "--data", "toy:moons", "--model", "mlp", "--hidden", "16",
                     "--epochs", "4", "--lr", "0.1", "--quiet", "--out", str(out)], capsys)
    assert code == 0, res.err
    for name in ("config.toml", "metrics.csv", "curves.png", "confusion_matrix.png",
                 "report.txt", "decision_boundary.png", "model.safetensors",
                 os.path.join("checkpoint", "state.safetensors")):
        assert (out / name).is_file(), name
    rows = list(csv.DictReader(open(out / "metrics.csv")))
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3, 4]
    assert float(rows[-1]["train_acc"]) > 0.8
    assert "test accuracy" in res.out and "precision" in res.out and "recall" in res.out
    assert "confusion matrix" in res.out
    config = (out / "config.toml").read_text()
    assert 'data = "toy:moons"' in config and "epochs = 4" in config and "[resolved]" in config
    state = numtorch.load(str(out / "model.safetensors"))
    assert set(state) == {"net.0.weight", "net.0.bias", "net.2.weight", "net.2.bias"} or state
    # The run folder keeps safetensors files (no pickle), readable by the safetensors libraries.
    from safetensors.numpy import load_file

    assert set(load_file(str(out / "model.safetensors"))) == set(state)
    assert load_file(str(out / "checkpoint" / "state.safetensors"))


def _image_folder(root, n_per_class=12, size=8):
    from PIL import Image

    rng = np.random.default_rng(0)
    for c, name in enumerate(["circle", "square"]):
        os.makedirs(root / name, exist_ok=True)
        for i in range(n_per_class):
            img = rng.integers(0, 60, (size, size, 3)).astype(np.uint8)
            if c == 0:
                img[2:6, 2:6] = 220
            else:
                img[:, :2] = 220
            Image.fromarray(img).save(root / name / f"{i}.png")


def test_image_folder_training_and_evaluate_and_predict(tmp_path, capsys):
    data = tmp_path / "imgs"
    _image_folder(data)
    out = tmp_path / "run"
    code, res = run(["train", "--data", f"folder:{data}", "--model", "cnn", "--epochs", "3",
                     "--batch-size", "8", "--quiet", "--out", str(out)], capsys)
    assert code == 0, res.err
    assert (out / "misclassified.png").is_file()
    code, res = run(["evaluate", str(out)], capsys)
    assert code == 0, res.err
    assert "test accuracy" in res.out
    img = next((data / "square").iterdir())
    code, res = run(["predict", str(out / "model.safetensors"), str(img), "--topk", "2"],
                    capsys)
    assert code == 0, res.err
    line = res.out.strip().splitlines()[-1]
    assert line.startswith(str(img)) and ("square" in line and "circle" in line)


def test_interrupt_then_resume_reproduces_the_uninterrupted_weights(tmp_path, capsys,
                                                                     monkeypatch):
    import numtorch.cli.train as train_mod

    common = ["train", "--data", "toy:blobs", "--model", "mlp", "--hidden", "8",
              "--optimizer", "adam", "--scheduler", "cosine", "--epochs", "4", "--quiet",
              "--seed", "3"]
    full = tmp_path / "full"
    assert run(common + ["--out", str(full)], capsys)[0] == 0

    # Ctrl-C during epoch 3: the checkpoint of epoch 2 stays, the command exits with 130.
    save = train_mod._save_checkpoint

    def interrupt_after_two(out_dir, model, optimizer, scheduler, epoch, *rest):
        save(out_dir, model, optimizer, scheduler, epoch, *rest)
        if epoch == 2:
            raise KeyboardInterrupt

    part = tmp_path / "part"
    monkeypatch.setattr(train_mod, "_save_checkpoint", interrupt_after_two)
    with pytest.raises(SystemExit) as exc:
        main(common + ["--out", str(part)])
    assert exc.value.code == 130
    assert "--resume" in capsys.readouterr().err
    monkeypatch.setattr(train_mod, "_save_checkpoint", save)

    assert run(["train", "--resume", str(part), "--quiet"], capsys)[0] == 0
    a = numtorch.load(str(full / "checkpoint" / "state.safetensors"))["model"]
    b = numtorch.load(str(part / "checkpoint" / "state.safetensors"))["model"]
    assert set(a) == set(b)
    for k in a:
        np.testing.assert_array_equal(a[k].numpy(), b[k].numpy())
    rows = list(csv.DictReader(open(part / "metrics.csv")))
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3, 4]
    # an incompatible resume is refused in one line
    code, res = run(["train", "--resume", str(part), "--model", "cnn"], capsys)
    assert code == 2 and "incompatible --resume folder" in res.err


def test_perceptron_model(tmp_path, capsys):
    out = tmp_path / "p"
    code, res = run(["train", "--data", "toy:blobs", "--model", "perceptron", "--epochs", "5",
                     "--quiet", "--out", str(out)], capsys)
    assert code == 0, res.err
    assert (out / "decision_boundary.png").is_file() and (out / "report.txt").is_file()


@pytest.mark.parametrize("args,needle", [
    (["train", "--data", "nosuch"], "unknown data set 'nosuch'"),
    (["train", "--data", "toy:nosuch"], "unknown toy data set"),
    (["train", "--data", "toy:xor", "--model", "nosuch"], "unknown model 'nosuch'"),
    (["train", "--data", "toy:xor", "--optimizer", "lbfgs"], "unknown optimizer"),
    (["train", "--data", "toy:xor", "--val-fraction", "1.5"], "--val-fraction"),
])
def test_bad_input_exits_2_with_one_line(args, needle, capsys, tmp_path):
    code, res = run(args + ["--out", str(tmp_path / "x")], capsys)
    assert code == 2
    lines = res.err.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], res.err
    assert "Traceback" not in res.err


def test_bad_model_file_and_empty_folder_and_bad_resume(tmp_path, capsys):
    model_file = tmp_path / "mine.py"
    model_file.write_text("from numtorch import nn\nclass Other(nn.Module):\n    pass\n")
    code, res = run(["train", "--data", "toy:xor", "--model", f"{model_file}:Net"], capsys)
    assert code == 2 and "does not define Net" in res.err
    empty = tmp_path / "empty"
    empty.mkdir()
    code, res = run(["train", "--data", f"folder:{empty}"], capsys)
    assert code == 2 and "folder:" in res.err and len(res.err.strip().splitlines()) == 1
    code, res = run(["train", "--resume", str(tmp_path)], capsys)
    assert code == 2 and "cannot resume" in res.err


def test_user_model_file(tmp_path, capsys):
    model_file = tmp_path / "mine.py"
    model_file.write_text(
        "from numtorch import nn\n"
        "class Net(nn.Module):\n"
        "    def __init__(self, num_classes):\n"
        "        super().__init__()\n"
        "        self.fc = nn.Linear(2, num_classes)\n"
        "    def forward(self, x):\n"
        "        return self.fc(x)\n")
    code, res = run(["train", "--data", "toy:blobs", "--model", f"{model_file}:Net",
                     "--epochs", "2", "--quiet", "--out", str(tmp_path / "r")], capsys)
    assert code == 0, res.err


def test_config_file_and_command_line_override(tmp_path, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[train]\ndata = "toy:xor"\nmodel = "mlp"\nhidden = "8"\nepochs = 5\n')
    out = tmp_path / "r"
    code, res = run(["train", "--config", str(cfg), "--epochs", "2", "--quiet", "--out",
                     str(out)], capsys)
    assert code == 0, res.err
    text = (out / "config.toml").read_text()
    assert "epochs = 2" in text and 'data = "toy:xor"' in text
    bad = tmp_path / "bad.toml"
    bad.write_text("[train]\nnosuch = 1\n")
    code, res = run(["train", "--config", str(bad)], capsys)
    assert code == 2 and "unknown option(s) nosuch" in res.err


def test_info(capsys, tmp_path):
    code, res = run(["info", "--root", str(tmp_path)], capsys)
    assert code == 0 and "numtorch" in res.out and "MNIST" in res.out and "threads" in res.out


def test_python_dash_m_entry_point(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "numtorch", "train", "--data", "toy:nosuch"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "unknown toy data set" in proc.stderr
