"""The README's "Deploying a model" snippet runs as printed and prints what it promises."""

import contextlib
import io
import os
import re

import pytest

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

README = os.path.join(os.path.dirname(__file__), "..", "..", "README.md")


def deploying_snippet():
    text = open(README, encoding="utf-8").read()
    section = text.split("## Deploying a model", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1
    return blocks[0]


def test_deploying_a_model_snippet_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(deploying_snippet(), "README.md", "exec"), {"__name__": "__readme__"})
    assert out.getvalue().strip() == "(5, 10) True"
    assert (tmp_path / "model.onnx").is_file()
