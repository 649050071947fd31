"""Building the model a run asks for: a zoo name, the perceptron, or a user's own class."""

import importlib.util
import inspect
import os

from numtorch.cli.config import ConfigError

__all__ = ["build_model", "is_user_model"]


def is_user_model(name):
    return ".py:" in name


def _user_model(spec, input_shape, num_classes):
    path, _, cls_name = spec.rpartition(":")
    if not os.path.isfile(path):
        raise ConfigError(f"model file {path} does not exist")
    module_spec = importlib.util.spec_from_file_location("numtorch_user_model", path)
    module = importlib.util.module_from_spec(module_spec)
    try:
        module_spec.loader.exec_module(module)
    except Exception as exc:
        raise ConfigError(f"could not import {path}: {type(exc).__name__}: {exc}") from None
    cls = getattr(module, cls_name, None)
    if cls is None:
        raise ConfigError(f"{path} does not define {cls_name}; define `class {cls_name}"
                          "(nn.Module)` there or name another class after the colon")
    from numtorch import nn

    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        raise ConfigError(f"{path}:{cls_name} is not an nn.Module subclass")
    params = inspect.signature(cls).parameters
    kwargs = {}
    if "num_classes" in params:
        kwargs["num_classes"] = num_classes
    if "input_shape" in params:
        kwargs["input_shape"] = input_shape
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise ConfigError(f"could not construct {cls_name}: {exc} (the class is built with "
                          "no arguments, or with num_classes= / input_shape= when its "
                          "__init__ takes them)") from None


def build_model(cfg, input_shape, num_classes):
    """The nn.Module for ``cfg.model`` (ConfigError for unknown names)."""
    if is_user_model(cfg.model):
        return _user_model(cfg.model, input_shape, num_classes)
    from numtorch.vision import models

    kwargs = {}
    if cfg.model == "mlp":
        kwargs["hidden"] = cfg.hidden_sizes()
    try:
        return models.get_model(cfg.model, input_shape=input_shape, num_classes=num_classes,
                                **kwargs)
    except ValueError as exc:
        names = ", ".join(["perceptron"] + list(models.list_models()))
        if "unknown" in str(exc).lower() or "available" in str(exc).lower():
            raise ConfigError(f"unknown model {cfg.model!r}; choose from {names} or "
                              "path/to/file.py:ClassName") from None
        raise ConfigError(f"model {cfg.model!r} does not fit input shape {input_shape}: "
                          f"{exc}") from None
