"""``numtorch evaluate`` and ``numtorch predict``: reuse a run's weights."""

import os

import numpy as np

import numtorch
from numtorch.cli.config import ConfigError, TrainConfig, load_toml
from numtorch.cli.data import load_data, normalize
from numtorch.cli.models import build_model
from numtorch.cli.train import plots, predict_logits, write_report

__all__ = ["evaluate", "predict", "load_run"]


def _resolved(path):
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    with open(path, "rb") as f:
        return tomllib.load(f).get("resolved", {})


def load_run(run_or_weights, model=None, data=None):
    """(config, resolved facts, model with weights loaded, weights path) for a run folder, or
    for a ``.safetensors`` file inside one (its folder's config.toml describes the model)."""
    path = run_or_weights
    if os.path.isdir(path):
        folder, weights = path, os.path.join(path, "model.safetensors")
    elif os.path.isfile(path):
        folder, weights = os.path.dirname(os.path.abspath(path)), path
    else:
        raise ConfigError(f"{path} is neither a run folder nor a weights file")
    cfg_path = os.path.join(folder, "config.toml")
    if not os.path.isfile(cfg_path):
        raise ConfigError(f"{folder} has no config.toml: pass a run folder written by "
                          "numtorch train (or a weights file inside one)")
    if not os.path.isfile(weights):
        raise ConfigError(f"{folder} has no model.safetensors (did the run finish an epoch?)")
    cfg = TrainConfig(**load_toml(cfg_path))
    if model:
        cfg.model = model
    if data:
        cfg.data = data
    resolved = _resolved(cfg_path)
    if cfg.model == "perceptron":
        raise ConfigError("evaluate/predict work on nn models; the perceptron run's report is "
                          "in its report.txt")
    shape = tuple(resolved.get("input_shape", ()))
    classes = resolved.get("classes", [])
    net = build_model(cfg, shape, len(classes))
    try:
        net.load_state_dict(numtorch.load(weights))
    except (RuntimeError, ValueError) as exc:
        raise ConfigError(f"{weights} does not fit model {cfg.model}: "
                          f"{str(exc).splitlines()[0]}") from None
    net.eval()
    return cfg, resolved, net, weights


def evaluate(run_or_weights, data=None, root=None, out=None):
    """Accuracy, classification report and confusion matrix (text and PNG) on a test split."""
    cfg, resolved, net, weights = load_run(run_or_weights, data=data)
    if root:
        cfg.root = root
    bundle = load_data(cfg.data, cfg.root, cfg.val_fraction, cfg.seed)
    if list(bundle.input_shape) != list(resolved["input_shape"]):
        raise ConfigError(f"data set {cfg.data} has inputs of shape {bundle.input_shape}, the "
                          f"model was trained on {tuple(resolved['input_shape'])}")
    bundle.mean, bundle.std = resolved["mean"], resolved["std"]
    out_dir = out or os.path.join(os.path.dirname(os.path.abspath(weights)),
                                  f"eval-{cfg.data.replace(':', '-').replace('/', '_')}")
    os.makedirs(out_dir, exist_ok=True)
    pred = predict_logits(net, bundle.x_test, bundle).argmax(1)
    cm = write_report(out_dir, f"evaluate {weights} on {cfg.data} (test split)",
                      bundle.y_test, pred, resolved["classes"])
    if plots.have_matplotlib():
        plots.plot_confusion(cm, resolved["classes"],
                             os.path.join(out_dir, "confusion_matrix.png"))
    print(f"written: {out_dir}")
    return out_dir


def _load_image(path, shape):
    """An image file as uint8 (1, C, H, W) matching the model's input shape."""
    try:
        from PIL import Image
    except ImportError:
        raise ConfigError("predict needs Pillow to read images: pip install pillow") from None
    try:
        img = Image.open(path)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read image {path}: {exc}") from None
    c, h, w = shape
    img = img.convert("L" if c == 1 else "RGB").resize((w, h), Image.BILINEAR)
    arr = np.asarray(img)
    arr = arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1)
    return arr[None]


def predict(run_or_weights, images, topk=3):
    """Top-k classes with probabilities for each image file."""
    cfg, resolved, net, _ = load_run(run_or_weights)
    shape = tuple(resolved["input_shape"])
    if len(shape) != 3:
        raise ConfigError(f"model of {run_or_weights} takes {shape}-shaped inputs, not images")
    classes = resolved["classes"]
    k = max(1, min(topk, len(classes)))
    results = []
    for path in images:
        x = normalize(_load_image(path, shape), resolved["mean"], resolved["std"])
        with numtorch.no_grad():
            probs = numtorch.softmax(net(numtorch.from_numpy(x)), dim=1).numpy()[0]
        order = np.argsort(-probs)[:k]
        top = [(classes[i], float(probs[i])) for i in order]
        results.append((path, top))
        print(f"{path}: " + ", ".join(f"{name} {p:.3f}" for name, p in top))
    return results
