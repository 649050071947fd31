"""The README's TensorBoard snippet runs and writes the curve it promises."""

import pathlib
import re

import pytest

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402

README = pathlib.Path(__file__).resolve().parents[3] / "README.md"


def _snippet():
    text = README.read_text()
    section = text.split("## Watching training in TensorBoard", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert blocks, "no python block in the README's TensorBoard section"
    return blocks[0]


def test_readme_snippet_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exec(compile(_snippet(), "README.md", "exec"), {"__name__": "__main__"})
    acc = EventAccumulator(str(tmp_path / "runs" / "xor"), size_guidance={"scalars": 0})
    acc.Reload()
    losses = [e.value for e in acc.Scalars("Loss/train")]
    assert len(losses) == 100 and losses[-1] < 0.5 * losses[0]
    assert set(acc.Tags()["histograms"]) == {"0.weight", "0.bias", "2.weight", "2.bias"}
