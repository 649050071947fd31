"""PyTorch-style programs (``tests/compat/programs``, plain ``import torch`` / ``torchvision``,
in the manner of the public examples and tutorials) run unchanged through ``numtorch run``, and
print what they should. Each trains for seconds on tiny data it generates itself."""

import importlib.util
import os
import re

import pytest

from .runner import ROOT, numtorch_run


def run(program, *args):
    res = numtorch_run(program, *args)
    assert res.returncode == 0, f"{program} failed:\n{res.stdout[-2000:]}\n{res.stderr[-4000:]}"
    return res.stdout


def floats(pattern, text):
    """Every number the pattern's groups catch, in order."""
    out = []
    for match in re.finditer(pattern, text):
        out.extend(float(v) for v in match.groups())
    return out


def test_mnist_cnn(tmp_path):
    out = run("mnist_cnn.py", "--root", tmp_path)
    assert "Train Epoch: 2" in out
    assert floats(r"final accuracy (\d\.\d+)", out)[0] >= 0.9
    assert "lr 0.490" in out  # StepLR: 1.0 * 0.7 * 0.7
    assert "reloaded model agrees: True" in out
    assert (tmp_path / "mnist_cnn.pt").is_file()


@pytest.mark.parametrize("method", ["spawn", "fork"])
def test_hogwild(method):
    out = run("hogwild.py", "--start-method", method)
    assert "shared: True" in out and "exit codes: [0, 0]" in out
    before, after = floats(r"loss before (\S+) after (\S+)", out)
    assert after < 0.2 * before
    assert floats(r"accuracy after (\S+)", out)[0] > 0.9


def test_regression():
    out = run("regression.py")
    assert floats(r"Loss: (\S+) after", out)[0] < 1e-3
    assert floats(r"max coefficient error (\S+)", out)[0] < 0.2


def test_time_sequence_prediction():
    out = run("time_sequence.py", "--steps", "3")
    first, last = floats(r"first loss (\S+) last loss (\S+)", out)
    assert last < 0.1 * first
    assert "prediction shape (3, 69) dtype torch.float64" in out


def test_vae(tmp_path):
    out = run("vae.py", "--out", tmp_path)
    losses = floats(r"Average loss: (\S+)", out)
    assert len(losses) == 3 and losses[-1] < losses[0]
    assert "saved True" in out and (tmp_path / "sample.png").is_file()


@pytest.mark.parametrize("model,epochs,limit", [("LSTM", 6, 3.0), ("Transformer", 2, 3.0)])
def test_word_language_model(tmp_path, model, epochs, limit):
    out = run("word_language_model.py", "--save", tmp_path / "model.pt", "--model", model,
              "--epochs", epochs)
    first, last = floats(r"perplexity first (\S+) last (\S+)", out)
    assert last < limit and "vocabulary 13" in out and "saved: True" in out


def test_super_resolution():
    out = run("super_resolution.py")
    first, last = floats(r"loss first (\S+) last (\S+)", out)
    assert last < 0.2 * first
    assert "output shape (1, 1, 16, 16)" in out
    assert 10 < floats(r"Avg. PSNR: (\S+) dB", out)[0] < 60


def test_fast_neural_style():
    out = run("fast_neural_style.py")
    first, last = floats(r"total loss first (\S+) last (\S+)", out)
    assert last < first
    assert "output shape (4, 3, 16, 16)" in out and "frozen features have no grad: True" in out


def test_dcgan(tmp_path):
    out = run("dcgan.py", "--outf", tmp_path)
    assert len(re.findall(r"Loss_D: \d", out)) == 8
    assert "fake shape (16, 1, 16, 16) range ok True" in out
    assert sorted(os.listdir(tmp_path)) == ["fake_samples_epoch_000.png",
                                            "fake_samples_epoch_001.png", "netG_epoch_0.pth",
                                            "netG_epoch_1.pth"]


def test_siamese_network():
    out = run("siamese_network.py")
    assert floats(r"epoch 1 loss (\S+)", out)[0] < 10
    assert "feature size 512 pairs 12" in out and "torch.Size([1])" in out


def test_tutorial_basics(tmp_path):
    out = run("tutorial_basics.py", tmp_path)
    assert "Shape of tensor: torch.Size([3, 4])" in out
    assert "Datatype of tensor: torch.float32" in out
    assert "t: tensor([3., 3., 3., 3., 3.])" in out and "n: [3. 3. 3. 3. 3.]" in out
    assert "t1 (4, 12) agg 12.0 float products agree True" in out
    assert "Feature batch shape: torch.Size([64, 1, 8, 8])" in out
    assert "(0): Linear(in_features=64, out_features=64, bias=True)" in out
    assert "accumulated twice: True" in out and "after zero_: True" in out
    assert "loaded weights agree: True" in out
    assert floats(r"final accuracy (\S+)", out)[0] > 0.9


def test_text_classification():
    out = run("text_classification.py")
    assert floats(r"valid accuracy\s+(\S+)", out)[-1] > 0.8
    assert "This is a 0 news" in out and "sizes 600 200" in out


def test_reinforce():
    if not os.path.isdir(os.path.join(ROOT, "numtorch", "distributions")):
        pytest.skip("numtorch.distributions is not in this tree")
    out = run("reinforce.py")
    assert min(floats(r"(\d\.\d+)", out.split("P(right) in the corridor:")[1])[:5]) > 0.6
    assert "entropy of a fair coin: 0.6931" in out


def test_transfer_learning(tmp_path):
    if importlib.util.find_spec("PIL") is None:
        pytest.skip("Pillow is not installed")
    out = run("transfer_learning.py", tmp_path)
    assert "classes ['ants', 'bees'] sizes {'train': 16, 'val': 16}" in out
    assert "trainable 1026" in out and "frozen layer has no grad: True" in out
    assert len(floats(r"val Loss: (\S+)", out)) == 2


def test_legacy_and_devices():
    out = run("legacy_and_devices.py")
    for line in ["cudnn False None True", "mps False False", "cuda False 0 0 False",
                 "get_device_name: AssertionError", "accelerator False None",
                 "DataParallel keys ['module.fc.weight', 'module.fc.bias']",
                 "isinstance Variable True loss is 0-d True", "data False True",
                 "w [5.0, 5.0, 5.0] True torch.FloatTensor torch.int64 torch.float64",
                 "index 30 [0, 1] 7 0.5 3 items", "data_parallel agrees True",
                 "pickled class Net numtorch.nn.parallel.data_parallel True",
                 "spawned workers wrote [10.0, 20.0, 30.0] True",
                 "amp False torch.float32 32"]:
        assert line in out, line


def test_imagenet_dummy(tmp_path):
    out = run("imagenet_dummy.py", "--dummy", "--out", tmp_path)
    assert len(re.findall(r"Epoch: \[0\]\[\d/2\] Loss", out)) == 2
    assert re.search(r"archs \d+ True True", out)
    assert "checkpoint resnet18 1 ['arch', 'best_acc1', 'epoch']" in out
    assert "top5 >= top1: True" in out and (tmp_path / "checkpoint.pth.tar").is_file()


def test_spatial_transformer():
    out = run("spatial_transformer.py")
    assert "identity warp keeps the image: True" in out
    assert floats(r"Epoch 8: Average loss: \S+, Accuracy: (\S+)", out)[0] > 0.9
    assert "warped shape (8, 1, 16, 16) loc grad ok True" in out


def test_blitz_neural_networks():
    out = run("blitz_neural_networks.py")
    for line in ["(conv1): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))", "10",
                 "torch.Size([6, 1, 5, 5])", "conv1.bias.grad before backward", "None",
                 "<AddBackward0 object at", "False\nTrue\n<SumBackward0 object at",
                 "torch.Size([3])\nTrue\nTrue\nFalse\nTrue\nFalse\ntensor(True)",
                 "updated: True"]:
        assert line in out, line
    assert "grad_fn=<AddmmBackward0>" in out
