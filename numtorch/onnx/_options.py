"""The export's options as values: the opsets numtorch writes (``DEFAULT_OPSET``,
``SUPPORTED_OPSETS``) and PyTorch's ``TrainingMode`` and ``OperatorExportTypes``. Both the
package (``numtorch.onnx.export``) and ``_export.py`` read them, so they sit below both."""

import enum

__all__ = ["DEFAULT_OPSET", "SUPPORTED_OPSETS", "TrainingMode", "OperatorExportTypes"]

DEFAULT_OPSET = 17
SUPPORTED_OPSETS = range(11, 23)


class TrainingMode(enum.IntEnum):
    """How to export modules that behave differently in training (dropout, batch norm)."""

    EVAL = 0
    PRESERVE = 1
    TRAINING = 2


class OperatorExportTypes(enum.IntEnum):
    ONNX = 0
    ONNX_ATEN = 1
    ONNX_ATEN_FALLBACK = 2
    ONNX_FALLTHROUGH = 3
