"""``torch.onnx``: export a model to ONNX, the file format onnxruntime (and many other engines)
runs.

``export(model, args, f)`` runs one forward pass of ``model`` on ``args``, records the
primitives that ran (``numtorch.onnx._trace``), maps each to ONNX operators
(``numtorch.onnx._symbolic``) and writes the model with the ``onnx`` package (the optional
extra ``pip install "numtorch[onnx]"``). See docs/onnx.md.
"""

from numtorch.onnx import errors
from numtorch.onnx._options import (
    DEFAULT_OPSET,
    SUPPORTED_OPSETS,
    OperatorExportTypes,
    TrainingMode,
)
from numtorch.onnx._trace import is_tracing

__all__ = ["export", "TrainingMode", "OperatorExportTypes", "is_in_onnx_export", "errors",
           "DEFAULT_OPSET", "SUPPORTED_OPSETS"]


def is_in_onnx_export():
    """True while ``export`` is tracing a forward pass."""
    return is_tracing()


def _require_onnx():
    try:
        import onnx  # noqa: F401
    except ImportError:
        raise ImportError('numtorch.onnx.export needs the onnx package: pip install '
                          '"numtorch[onnx]"') from None


def export(model, args=(), f=None, export_params=True, verbose=False,
           training=TrainingMode.EVAL, input_names=None, output_names=None,
           operator_export_type=OperatorExportTypes.ONNX, opset_version=None,
           do_constant_folding=True, dynamic_axes=None, keep_initializers_as_inputs=None,
           custom_opsets=None, export_modules_as_functions=False, autograd_inlining=True, *,
           kwargs=None, dynamo=False, **options):
    """Export ``model`` to ONNX, as ``torch.onnx.export``.

    ``args`` is a tensor or a tuple of arguments for ``model.forward`` (a dict as its last
    element holds keyword arguments; so does ``kwargs``); ``f`` a path or a binary file
    object. ``input_names`` and ``output_names`` name the graph's inputs and outputs (in
    flattened order);
    ``dynamic_axes`` maps a name to the dims that stay symbolic, ``{"x": {0: "batch"}}`` or
    ``{"x": [0]}``. The parameters and buffers the forward pass uses become the graph's
    initializers under their state-dict names (graph inputs with ``export_params=False``).
    ``opset_version`` defaults to ``DEFAULT_OPSET`` (17).

    Accepted for compatibility and without effect: ``operator_export_type``,
    ``custom_opsets``, ``export_modules_as_functions``, ``autograd_inlining``, ``dynamo``
    (there is one exporter: the tracer) and PyTorch's dynamo-only options. Constants are
    always folded (``do_constant_folding``): an op whose inputs are all constants is run once
    while tracing. Returns None; the model is written to ``f``.
    """
    _require_onnx()
    from numtorch.onnx._export import build_model, write_model

    if f is None:
        raise ValueError("export() needs an output: pass f, a path or a binary file object")
    dynamic_shapes = options.pop("dynamic_shapes", None)
    if dynamic_axes is None and isinstance(dynamic_shapes, dict):
        dynamic_axes = dynamic_shapes
    proto = build_model(model, args, kwargs, export_params=export_params, training=training,
                        input_names=input_names, output_names=output_names,
                        opset_version=opset_version, dynamic_axes=dynamic_axes,
                        keep_initializers_as_inputs=bool(keep_initializers_as_inputs))
    if verbose:
        import onnx

        print(onnx.printer.to_text(proto.graph))
    write_model(proto, f)
    return None
