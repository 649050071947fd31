"""docs/architecture.md's file map names every module of the core: the package's top level,
autograd/, ops/, onnx/ and the lr schedules (the other packages are described by family)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAPPED = ["numtorch", "numtorch/autograd", "numtorch/ops", "numtorch/onnx",
          "numtorch/optim/lr_scheduler"]


def test_file_map_names_every_core_module():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [str(p.relative_to(ROOT)) for folder in MAPPED
               for p in sorted((ROOT / folder).glob("*.py"))
               if p.name != "__init__.py" and p.stem not in text]
    assert missing == [], "not in docs/architecture.md's file map"
