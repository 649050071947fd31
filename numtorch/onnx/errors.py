"""The exceptions of ``numtorch.onnx`` (PyTorch's ``torch.onnx.errors``)."""

__all__ = ["OnnxExporterError", "UnsupportedOperatorError", "SymbolicValueError"]


class OnnxExporterError(RuntimeError):
    """Errors raised by the ONNX exporter."""


class UnsupportedOperatorError(OnnxExporterError):
    """An op of the traced forward pass has no ONNX mapping (for these attributes, or at this
    opset). The message names the op and the module it ran in (``model.block.0.act``)."""

    def __init__(self, name, version=None, supported_version=None, module=None, detail=""):
        self.op_name = name
        self.module = module
        where = f" in module '{module}'" if module else ""
        msg = f"Exporting the operator '{name}'{where} to ONNX"
        if version is not None:
            msg += f" opset version {version}"
        msg += " is not supported."
        if supported_version is not None:
            msg += f" Support for this operator was added in version {supported_version}, " \
                   "try exporting with this version."
        if detail:
            msg += f" {detail}"
        super().__init__(msg)


class SymbolicValueError(OnnxExporterError):
    """A value of the traced graph cannot be expressed in ONNX."""
