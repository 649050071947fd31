"""The model registry used by the training command: ``get_model(name, input_shape,
num_classes, **kwargs)`` builds any zoo model sized for the data, ``list_models()`` names them.

- ``logreg``, ``mlp``: ``input_shape`` may be any shape (it is flattened) or an int;
- ``cnn``, ``lenet5``: ``input_shape`` (C, H, W) or (H, W) gives ``in_channels`` and
  ``input_size``;
- ``vgg*`` and ``resnet*``: ``in_channels`` from the shape; ``small_input`` defaults to True when
  the smaller image side is below ``SMALL_INPUT_SIDE`` (64), so 32x32, 28x28 and 8x8 images get
  the CIFAR-style stem / pooling (see ``resnet`` and ``vgg``); pass ``small_input=False`` to
  force torchvision's ImageNet layout;
- ``cifar_resnet20`` .. ``cifar_resnet110``: ``in_channels`` from the shape.

``kwargs`` go to the model's constructor (``hidden``, ``activation`` and ``dropout`` for ``mlp``,
``shortcut`` for the CIFAR ResNets, ``zero_init_residual`` for ResNets ...).
"""

from numtorch.vision.models import resnet as _resnet
from numtorch.vision.models import vgg as _vgg
from numtorch.vision.models._utils import image_shape
from numtorch.vision.models.cnn import CourseCNN, LeNet5
from numtorch.vision.models.mlp import MLP, LogisticRegression
from numtorch.vision.models.resnet_cifar import cifar_resnet

__all__ = ["get_model", "list_models", "SMALL_INPUT_SIDE"]

# Images whose smaller side is below this get small_input=True for the ImageNet models.
SMALL_INPUT_SIDE = 64


def _flat(cls):
    def build(input_shape, num_classes, **kwargs):
        return cls(input_shape, num_classes=num_classes, **kwargs)
    return build


def _course_cnn(cls):
    def build(input_shape, num_classes, **kwargs):
        c, h, w = image_shape(input_shape, cls.__name__)
        size = h if h == w else (h, w)
        return cls(in_channels=c, num_classes=num_classes, input_size=size, **kwargs)
    return build


def _imagenet(fn):
    def build(input_shape, num_classes, **kwargs):
        c, h, w = image_shape(input_shape, fn.__name__)
        kwargs.setdefault("small_input", min(h, w) < SMALL_INPUT_SIDE)
        return fn(num_classes=num_classes, in_channels=c, **kwargs)
    return build


def _cifar_resnet(depth):
    def build(input_shape, num_classes, **kwargs):
        c, _, _ = image_shape(input_shape, f"cifar_resnet{depth}")
        return cifar_resnet(depth, num_classes=num_classes, in_channels=c, **kwargs)
    return build


_REGISTRY = {
    "logreg": _flat(LogisticRegression),
    "mlp": _flat(MLP),
    "cnn": _course_cnn(CourseCNN),
    "lenet5": _course_cnn(LeNet5),
}
for _name in ["vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19",
              "vgg19_bn"]:
    _REGISTRY[_name] = _imagenet(getattr(_vgg, _name))
for _name in ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152"]:
    _REGISTRY[_name] = _imagenet(getattr(_resnet, _name))
for _depth in [20, 32, 44, 56, 110]:
    _REGISTRY[f"cifar_resnet{_depth}"] = _cifar_resnet(_depth)


def list_models():
    """The names ``get_model`` accepts, in registry order."""
    return list(_REGISTRY)


def get_model(name, input_shape, num_classes, **kwargs):
    """Build the model ``name`` for inputs of shape ``input_shape`` (one sample, without the
    batch dimension: ``(1, 28, 28)``, ``(3, 32, 32)``, ``(64,)``) and ``num_classes`` outputs.
    Unknown names raise ValueError listing the available ones."""
    key = name.lower()
    if key not in _REGISTRY:
        hint = ""
        if key == "perceptron":
            hint = ("the perceptron is not an nn model (it has its own learning rule): use "
                    "numtorch.classic.Perceptron. ")
        raise ValueError(f"unknown model {name!r}: {hint}available models are "
                         f"{', '.join(_REGISTRY)}")
    if isinstance(input_shape, int):
        input_shape = (input_shape,)
    return _REGISTRY[key](tuple(input_shape), num_classes, **kwargs)
