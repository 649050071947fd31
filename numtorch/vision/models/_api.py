"""torchvision's pretrained-weights API: ``Weights``, ``WeightsEnum``, ``get_weight``,
``get_model_weights``, and the ``pretrained=True`` deprecation mapping.

Each model family defines an enum of its published weights (``ResNet18_Weights.IMAGENET1K_V1``,
``.DEFAULT``) with torchvision's URLs, so the file name is torchvision's and the file is looked
for in the cache torchvision uses (``$TORCH_HOME/hub/checkpoints/<file name>``) before any
download (see ``numtorch.hub``). A download is checked against the hash prefix in its name.
"""

import enum
import functools
import inspect
import warnings
from dataclasses import dataclass, field

__all__ = ["Weights", "WeightsEnum", "get_weight", "get_model_weights", "register_weights",
           "overwrite_named_param", "handle_legacy_interface"]


@dataclass(eq=False)
class Weights:
    """One set of weights: where to get it, the inference transforms that go with it (called as
    ``weights.transforms()``) and its metadata (``categories``, ``num_params``, ``_metrics``,
    ``min_size`` ...)."""

    url: str
    transforms: object
    meta: dict = field(default_factory=dict)


class WeightsEnum(enum.Enum):
    """An enum of ``Weights``; ``verify`` accepts a member, its name (``"IMAGENET1K_V1"``,
    ``"DEFAULT"``), its full name (``"ResNet18_Weights.IMAGENET1K_V1"``) or None."""

    @classmethod
    def verify(cls, obj):
        if obj is None or isinstance(obj, cls):
            return obj
        if isinstance(obj, str):
            name = obj.replace(cls.__name__ + ".", "")
            if name in cls.__members__:
                return cls.__members__[name]
            raise ValueError(f"Invalid value {obj!r} for {cls.__name__}: expected one of "
                             f"{list(cls.__members__)}")
        raise TypeError(f"Invalid Weight class provided; expected {cls.__name__} but received "
                        f"{type(obj).__name__}.")

    def get_state_dict(self, *args, **kwargs):
        """The state dict, from the hub cache or downloaded (``numtorch.hub``), loaded with
        ``weights_only=True`` unless told otherwise."""
        from numtorch.hub import load_state_dict_from_url

        kwargs.setdefault("weights_only", True)
        return load_state_dict_from_url(self.url, *args, **kwargs)

    @property
    def file_name(self):
        """The file's name in the cache (the URL's last part, as torchvision)."""
        return self.url.rsplit("/", 1)[-1]

    def __repr__(self):
        return f"{self.__class__.__name__}.{self._name_}"

    @property
    def url(self):
        return self._value_.url

    @property
    def transforms(self):
        return self._value_.transforms

    @property
    def meta(self):
        return self._value_.meta


_MODEL_WEIGHTS = {}


def register_weights(model_name, weights_enum):
    """Record that builder ``model_name`` takes ``weights_enum`` (for ``get_model_weights``)."""
    _MODEL_WEIGHTS[model_name] = weights_enum


def get_model_weights(name):
    """The weights enum of a model builder, by name (``"resnet18"``) or by the builder."""
    key = name if isinstance(name, str) else getattr(name, "__name__", None)
    key = key.lower() if isinstance(key, str) else key
    if key not in _MODEL_WEIGHTS:
        raise ValueError(f"Unknown model {name!r}: models with weights are "
                         f"{sorted(_MODEL_WEIGHTS)}")
    return _MODEL_WEIGHTS[key]


def get_weight(name):
    """A weights member by its full name: ``get_weight("ResNet50_Weights.IMAGENET1K_V2")``."""
    enum_name, sep, member = name.partition(".")
    if not sep:
        raise ValueError(f"Invalid weight name provided: {name!r}")
    for enum_cls in _MODEL_WEIGHTS.values():
        if enum_cls.__name__ == enum_name:
            return enum_cls.verify(member)
    raise ValueError(f"The weight enum {enum_name!r} for the specific method couldn't be "
                     "retrieved.")


def overwrite_named_param(kwargs, param, new_value):
    """Set ``kwargs[param]`` to what the weights need; a different value given raises."""
    if param in kwargs:
        if kwargs[param] != new_value:
            raise ValueError(f"The parameter '{param}' expected value {new_value} but got "
                             f"{kwargs[param]} instead.")
    else:
        kwargs[param] = new_value


def handle_legacy_interface(legacy_weights):
    """Decorator for a builder ``fn(*, weights=None, progress=True, **kwargs)``: maps the
    deprecated ``pretrained=True`` (keyword or first positional argument) to ``legacy_weights``
    and ``pretrained=False`` to None, with torchvision's deprecation warnings."""

    def decorate(builder):
        @functools.wraps(builder)
        def wrapper(*args, **kwargs):
            if args:
                if len(args) > 1 or "pretrained" in kwargs:
                    raise TypeError(f"{builder.__name__}() takes keyword arguments only")
                kwargs["pretrained"] = args[0]
            if "pretrained" in kwargs:
                pretrained = kwargs.pop("pretrained")
                warnings.warn("The parameter 'pretrained' is deprecated since 0.13 and may be "
                              "removed in the future, please use 'weights' instead.",
                              UserWarning, stacklevel=2)
                if kwargs.get("weights") is not None and pretrained:
                    raise ValueError("pass either pretrained= or weights=, not both")
                if pretrained:
                    enum_cls = type(legacy_weights)
                    warnings.warn(
                        "Arguments other than a weight enum or `None` for 'weights' are "
                        "deprecated since 0.13 and may be removed in the future. The current "
                        f"behavior is equivalent to passing `weights={legacy_weights!r}`. You "
                        f"can also use `weights={enum_cls.__name__}.DEFAULT` to get the most "
                        "up-to-date weights.", UserWarning, stacklevel=2)
                    kwargs["weights"] = legacy_weights
                else:
                    kwargs.setdefault("weights", None)
            return builder(**kwargs)

        wrapper.__signature__ = inspect.signature(builder)
        return wrapper

    return decorate
