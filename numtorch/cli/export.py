"""``numtorch export`` (a run folder -> an ONNX file) and ``numtorch predict --onnx`` (that
file, run by onnxruntime, on image files).

The ONNX file carries what prediction needs besides the graph, in its ``metadata_props``:
the data set, the input shape of one sample, the per-channel normalization and the class
names (``numtorch.*`` keys, JSON values). So a deployed model needs only the file and
onnxruntime: neither numtorch's model code nor the run folder.
"""

import json
import os

import numpy as np

import numtorch
from numtorch.cli.config import ConfigError

__all__ = ["export_run", "predict_onnx", "read_metadata", "METADATA_KEYS"]

METADATA_KEYS = ("data", "model", "input_shape", "mean", "std", "classes", "preprocessing")
_PREPROCESSING = ("images: resize to input_shape (C, H, W), scale uint8 to [0, 1], subtract "
                  "mean and divide by std per channel; other inputs: subtract mean and divide "
                  "by std per feature. Output: logits, softmax for probabilities")


def export_run(run_or_weights, out, opset_version=None, batch_size=1):
    """Export the model of a ``numtorch train`` run to ``out`` with a symbolic batch dim;
    returns the ``onnx.ModelProto`` written."""
    try:
        import onnx  # noqa: F401
    except ImportError:
        raise ConfigError('export needs the onnx package: pip install "numtorch[onnx]"') \
            from None
    from numtorch.cli.evaluate import load_run
    from numtorch.onnx._export import build_model, write_model
    from numtorch.onnx.errors import OnnxExporterError

    cfg, resolved, net, weights = load_run(run_or_weights)
    shape = tuple(resolved.get("input_shape", ()))
    # A random example (its own generator: the global stream is left alone), so that the
    # export's second-trace check sees values that change when shuffled.
    x = numtorch.randn((batch_size,) + shape, generator=numtorch.Generator().manual_seed(0))
    try:
        proto = build_model(net, (x,), input_names=["input"], output_names=["logits"],
                            opset_version=opset_version,
                            dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    except (OnnxExporterError, ValueError) as exc:
        raise ConfigError(f"cannot export {cfg.model}: {exc}") from None
    facts = {"data": cfg.data, "model": cfg.model, "input_shape": list(shape),
             "mean": resolved.get("mean"), "std": resolved.get("std"),
             "classes": resolved.get("classes", []), "preprocessing": _PREPROCESSING}
    for key in METADATA_KEYS:
        entry = proto.metadata_props.add()
        entry.key = f"numtorch.{key}"
        entry.value = json.dumps(facts[key])
    proto.doc_string = f"{cfg.model} trained by numtorch on {cfg.data} ({weights})"
    parent = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(parent):
        raise ConfigError(f"folder {parent} does not exist")
    write_model(proto, out)
    print(f"written: {out} ({len(proto.graph.node)} nodes, opset "
          f"{proto.opset_import[0].version}, input {['batch'] + list(shape)}, "
          f"{len(facts['classes'])} classes)")
    return proto


def read_metadata(session):
    """The ``numtorch.*`` metadata of an onnxruntime session, decoded."""
    props = session.get_modelmeta().custom_metadata_map
    out = {}
    for key in METADATA_KEYS:
        value = props.get(f"numtorch.{key}")
        out[key] = json.loads(value) if value is not None else None
    return out


def predict_onnx(path, images, topk=3):
    """Top-k classes with probabilities for each image file, computed by onnxruntime."""
    try:
        import onnxruntime
    except ImportError:
        raise ConfigError("predict --onnx needs onnxruntime: pip install onnxruntime") from None
    from numtorch.cli.data import normalize
    from numtorch.cli.evaluate import _load_image

    if not os.path.isfile(path):
        raise ConfigError(f"{path} is not a file")
    try:
        session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own exception types
        raise ConfigError(f"onnxruntime cannot load {path}: {str(exc).splitlines()[0]}") \
            from None
    meta = read_metadata(session)
    if meta["input_shape"] is None or meta["classes"] is None:
        raise ConfigError(f"{path} has no numtorch metadata (input shape, classes): export it "
                          "with numtorch export")
    shape, classes = tuple(meta["input_shape"]), meta["classes"]
    if len(shape) != 3:
        raise ConfigError(f"model {path} takes {shape}-shaped inputs, not images")
    k = max(1, min(topk, len(classes)))
    name = session.get_inputs()[0].name
    results = []
    for image in images:
        x = normalize(_load_image(image, shape), meta["mean"], meta["std"])
        (logits,) = session.run(None, {name: x})
        z = logits[0] - logits[0].max()
        probs = np.exp(z) / np.exp(z).sum()
        order = np.argsort(-probs)[:k]
        top = [(classes[i], float(probs[i])) for i in order]
        results.append((image, top))
        print(f"{image}: " + ", ".join(f"{c} {p:.3f}" for c, p in top))
    return results
