"""The course examples run end to end in reduced form (``--quick``), and print what they
promise: the perceptron converges on blobs and not on XOR, NumPy softmax regression reaches a
useful digits accuracy, the MLP solves XOR."""

import importlib.util
import os
import re

import pytest

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples")


def load_example(name):
    path = os.path.join(EXAMPLES, f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"_example_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def needs_sklearn():
    pytest.importorskip("sklearn", reason="the Digits data ship with scikit-learn")


@pytest.mark.parametrize("rule", ["online", "batch"])
def test_perceptron_example(capsys, rule):
    needs_sklearn()
    acc = load_example("perceptron").main(["--quick", "--rule", rule])
    out = capsys.readouterr().out
    assert re.search(rf"blobs \({rule} rule\): converged after \d+ epochs", out)
    assert "xor" in out and "did not converge" in out
    printed = float(re.search(r"test accuracy (\d\.\d+)", out).group(1))
    assert printed == pytest.approx(acc, abs=1e-3)
    assert acc > 0.8


def test_logistic_regression_numpy_example(capsys):
    needs_sklearn()
    acc = load_example("logistic_regression_numpy").main(["--quick"])
    out = capsys.readouterr().out
    error = float(re.search(r"finite difference\| = (\S+)", out).group(1))
    assert error < 1e-6
    losses = [float(v) for v in re.findall(r"train loss (\d+\.\d+)", out)]
    assert len(losses) >= 2 and losses[-1] < losses[0]
    assert float(re.search(r"test accuracy (\d\.\d+)", out).group(1)) == pytest.approx(acc,
                                                                                     abs=1e-3)
    assert acc > 0.8


def test_mlp_xor_example(capsys, tmp_path):
    png = tmp_path / "xor.png"
    args = ["--quick"]
    has_matplotlib = importlib.util.find_spec("matplotlib") is not None
    if has_matplotlib:
        args += ["--plot", str(png)]
    solved = load_example("mlp_xor").main(args)
    out = capsys.readouterr().out
    predictions = re.findall(r"(\d) XOR (\d) = (\d): predicted (\d\.\d+) -> (\d)", out)
    assert len(predictions) == 4
    for a, b, target, _, predicted in predictions:
        assert int(target) == int(a) ^ int(b)
        assert predicted == target
    assert solved and "XOR solved: True" in out
    if has_matplotlib:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
