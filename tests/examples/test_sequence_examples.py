"""The sequence-model examples run end to end in reduced form (``--quick``) and print what they
promise: the character LSTM's training loss falls below the uniform baseline, it reports a
held-out perplexity and samples text; the seq2seq model trains, reports exact-match accuracy
on held-out strings and saves an attention heat map (when matplotlib is there)."""

import importlib.util
import math
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


def test_char_lstm_example(capsys):
    valid_loss = load_example("char_lstm").main(["--quick", "--temperature", "0.5"])
    out = capsys.readouterr().out
    vocab = int(re.search(r"vocabulary (\d+)", out).group(1))
    losses = [float(v) for v in re.findall(r"train loss (\d+\.\d+)", out)]
    assert len(losses) >= 2 and losses[-1] < losses[0] < math.log(vocab) + 0.2
    match = re.search(r"held-out loss (\d+\.\d+), perplexity (\d+\.\d+)", out)
    assert float(match.group(1)) == pytest.approx(valid_loss, abs=1e-3)
    assert float(match.group(2)) == pytest.approx(math.exp(valid_loss), rel=1e-3)
    assert math.exp(valid_loss) < vocab  # better than guessing uniformly
    sample = out.split("sample (temperature 0.5):\n", 1)[1]
    assert sample.startswith("The ") and len(sample.rstrip("\n")) >= 60


def test_char_lstm_reads_a_text_file(tmp_path, capsys):
    text = tmp_path / "abc.txt"
    text.write_text("abcabcabd " * 400, encoding="utf-8")
    load_example("char_lstm").main(["--quick", "--text", str(text), "--prime", "ab",
                                    "--generate", "20"])
    out = capsys.readouterr().out
    assert f"text: {text}, 4000 characters, vocabulary 5" in out
    sample = out.split("):\n", 1)[1].strip()
    assert sample.startswith("ab") and set(sample) <= set("abcd ")


@pytest.mark.parametrize("attention,task", [("additive", "reverse"), ("dot", "sort")])
def test_seq2seq_attention_example(tmp_path, capsys, attention, task):
    png = tmp_path / "attention.png"
    accuracy = load_example("seq2seq_attention").main(
        ["--quick", "--attention", attention, "--task", task, "--plot", str(png)])
    out = capsys.readouterr().out
    assert f"{attention} attention" in out
    losses = [float(v) for v in re.findall(r"step +\d+ +loss (\d+\.\d+)", out)]
    assert len(losses) == 2 and losses[1] < losses[0]
    printed = float(re.search(r"held-out exact-match accuracy: (\d\.\d+)", out).group(1))
    assert printed == pytest.approx(accuracy, abs=1e-3) and 0.0 <= accuracy <= 1.0
    assert len(re.findall(r"-> .* \(target \d+\)", out)) == 5
    if importlib.util.find_spec("matplotlib") is not None:
        assert "attention heat map saved" in out
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    else:
        assert "no attention heat map" in out
