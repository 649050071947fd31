"""VGG (Simonyan and Zisserman, 2014), as ``torchvision.models.vgg``.

``features`` is a ``Sequential`` of 3x3 convolutions (each followed by ``BatchNorm2d`` in the
``_bn`` variants) and ReLUs, with a 2x2 max pool after each of the five blocks; ``avgpool`` is
``AdaptiveAvgPool2d((7, 7))``; ``classifier`` is Linear(512*7*7, 4096) - ReLU - Dropout -
Linear(4096, 4096) - ReLU - Dropout - Linear(4096, num_classes). State-dict keys are
torchvision's (``features.0.weight``, ``classifier.6.bias`` ...).

numtorch extensions (keyword arguments of ``VGG`` and every constructor):
- ``in_channels`` (default 3);
- ``small_input`` (default False): for small images (32x32 CIFAR, 28x28 MNIST, 8x8 digits) the
  max pools use ``ceil_mode=True`` (so 1x1 maps stay 1x1 and 7x7 becomes 4x4 instead of 3x3:
  every input of at least 1x1 works), ``avgpool`` is ``AdaptiveAvgPool2d((1, 1))`` and the
  classifier is 512 - 512 - 512 - num_classes (the usual CIFAR head) instead of 25088 - 4096 -
  4096. The key names are unchanged; only the classifier's shapes differ.
"""

from functools import partial

from numtorch import nn
from numtorch.nn import init
from numtorch.vision.models._api import (
    Weights,
    WeightsEnum,
    handle_legacy_interface,
    overwrite_named_param,
    register_weights,
)
from numtorch.vision.models._categories import IMAGENET_CATEGORIES
from numtorch.vision.transforms._presets import ImageClassification

__all__ = ["VGG", "make_layers", "cfgs", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16",
           "vgg16_bn", "vgg19", "vgg19_bn", "VGG11_Weights", "VGG11_BN_Weights", "VGG13_Weights",
           "VGG13_BN_Weights", "VGG16_Weights", "VGG16_BN_Weights", "VGG19_Weights",
           "VGG19_BN_Weights"]

# Output channels of each 3x3 convolution; "M" is a 2x2 max pool.
cfgs = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512,
          "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512,
          512, 512, "M"],
}


class VGG(nn.Module):
    """``VGG(features, num_classes=1000, init_weights=True, dropout=0.5, *,
    small_input=False)``: ``features`` (from ``make_layers``), ``avgpool``, ``classifier``.

    Initialization (``init_weights``) as torchvision: convolutions
    ``kaiming_normal_(mode="fan_out", nonlinearity="relu")`` with zero bias, batch norms weight 1
    / bias 0, linear layers ``normal_(0, 0.01)`` with zero bias.
    """

    def __init__(self, features, num_classes=1000, init_weights=True, dropout=0.5, *,
                 small_input=False):
        super().__init__()
        self.features = features
        if small_input:
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            in_features, hidden = 512, 512
        else:
            self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
            in_features, hidden = 512 * 7 * 7, 4096
        self.classifier = nn.Sequential(
            nn.Linear(in_features, hidden), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(hidden, hidden), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(hidden, num_classes),
        )
        if init_weights:
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    if m.bias is not None:
                        init.constant_(m.bias, 0)
                elif isinstance(m, nn.BatchNorm2d):
                    init.constant_(m.weight, 1)
                    init.constant_(m.bias, 0)
                elif isinstance(m, nn.Linear):
                    init.normal_(m.weight, 0, 0.01)
                    init.constant_(m.bias, 0)

    def forward(self, x):
        x = self.avgpool(self.features(x))  # (N, 512, 7, 7), or (N, 512, 1, 1) if small_input
        x = x.flatten(1)  # (N, 512*7*7)
        return self.classifier(x)


def make_layers(cfg, batch_norm=False, *, in_channels=3, ceil_mode=False):
    """The ``features`` Sequential for a configuration list (numbers: 3x3 conv output channels,
    "M": 2x2 max pool). ``in_channels`` and ``ceil_mode`` (of the pools) are numtorch
    extensions."""
    layers = []
    channels = in_channels
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2, ceil_mode=ceil_mode))
            continue
        layers.append(nn.Conv2d(channels, v, kernel_size=3, padding=1))
        if batch_norm:
            layers.append(nn.BatchNorm2d(v))
        layers.append(nn.ReLU(inplace=True))
        channels = v
    return nn.Sequential(*layers)


# ------------------------------------------------------------------------ pretrained weights
_URL = "https://download.pytorch.org/models/"
_RECIPE = "https://github.com/pytorch/vision/tree/main/references/classification#alexnet-and-vgg"


def _imagenet(file, num_params, acc1, acc5, ops, size_mb):
    """torchvision's ImageNet-1k weights (figures as torchvision reports them)."""
    return Weights(
        url=_URL + file, transforms=partial(ImageClassification, crop_size=224),
        meta={"min_size": (32, 32), "categories": list(IMAGENET_CATEGORIES),
              "num_params": num_params,
              "recipe": _RECIPE, "_metrics": {"ImageNet-1K": {"acc@1": acc1, "acc@5": acc5}},
              "_ops": ops, "_file_size": size_mb,
              "_docs": "Weights close to the paper's results, with a simple recipe."})


class VGG11_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("vgg11-8a719046.pth", 132863336, 69.020, 88.628, 7.609, 506.84)
    DEFAULT = IMAGENET1K_V1


class VGG11_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("vgg11_bn-6002323d.pth", 132868840, 70.370, 89.810, 7.609,
                              506.881)
    DEFAULT = IMAGENET1K_V1


class VGG13_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("vgg13-19584684.pth", 133047848, 69.928, 89.246, 11.308, 507.545)
    DEFAULT = IMAGENET1K_V1


class VGG13_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("vgg13_bn-abd245e5.pth", 133053736, 71.586, 90.374, 11.308,
                              507.59)
    DEFAULT = IMAGENET1K_V1


class VGG16_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("vgg16-397923af.pth", 138357544, 71.592, 90.382, 15.47, 527.796)
    # Feature-extractor weights (ported from the SSD authors): no classifier, so no categories;
    # inputs in [0, 255] minus the per-channel mean.
    IMAGENET1K_FEATURES = Weights(
        url=_URL + "vgg16_features-amdegroot-88682ab5.pth",
        transforms=partial(ImageClassification, crop_size=224, mean=(0.48235, 0.45882, 0.40784),
                           std=(1.0 / 255.0, 1.0 / 255.0, 1.0 / 255.0)),
        meta={"min_size": (32, 32), "categories": None, "num_params": 138357544,
              "recipe": "https://github.com/amdegroot/ssd.pytorch#training-ssd",
              "_metrics": {"ImageNet-1K": {"acc@1": float("nan"), "acc@5": float("nan")}},
              "_ops": 15.47, "_file_size": 527.802,
              "_docs": "Feature-extractor weights: the classifier's values are not usable."})
    DEFAULT = IMAGENET1K_V1


class VGG16_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("vgg16_bn-6c64b313.pth", 138365992, 73.360, 91.516, 15.47,
                              527.866)
    DEFAULT = IMAGENET1K_V1


class VGG19_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("vgg19-dcbb9e9d.pth", 143667240, 72.376, 90.876, 19.632, 548.051)
    DEFAULT = IMAGENET1K_V1


class VGG19_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("vgg19_bn-c79401a0.pth", 143678248, 74.218, 91.842, 19.632,
                              548.143)
    DEFAULT = IMAGENET1K_V1


def _vgg(cfg, batch_norm, weights, progress, in_channels=3, small_input=False, **kwargs):
    """torchvision's builder: with ``weights``, no initialization is run, ``num_classes``
    follows the weights' categories and the state dict is loaded (hub cache or download)."""
    if weights is not None:
        kwargs["init_weights"] = False
        if weights.meta["categories"] is not None:
            overwrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    features = make_layers(cfgs[cfg], batch_norm, in_channels=in_channels,
                           ceil_mode=small_input)
    model = VGG(features, small_input=small_input, **kwargs)
    if weights is not None:
        model.load_state_dict(weights.get_state_dict(progress=progress, check_hash=True))
    return model


@handle_legacy_interface(VGG11_Weights.IMAGENET1K_V1)
def vgg11(*, weights=None, progress=True, **kwargs):
    """VGG-11 (configuration "A"); 132,863,336 parameters with 1000 classes. ``weights``: a
    ``VGG11_Weights`` member (or its name) loads torchvision's pretrained weights. ``kwargs`` go
    to ``VGG`` (``num_classes``, ``dropout``) plus ``in_channels`` and ``small_input``."""
    return _vgg("A", False, VGG11_Weights.verify(weights), progress, **kwargs)


@handle_legacy_interface(VGG11_BN_Weights.IMAGENET1K_V1)
def vgg11_bn(*, weights=None, progress=True, **kwargs):
    """VGG-11 with batch normalization; 132,868,840 parameters with 1000 classes."""
    return _vgg("A", True, VGG11_BN_Weights.verify(weights), progress, **kwargs)


@handle_legacy_interface(VGG13_Weights.IMAGENET1K_V1)
def vgg13(*, weights=None, progress=True, **kwargs):
    """VGG-13 (configuration "B"); 133,047,848 parameters with 1000 classes."""
    return _vgg("B", False, VGG13_Weights.verify(weights), progress, **kwargs)


@handle_legacy_interface(VGG13_BN_Weights.IMAGENET1K_V1)
def vgg13_bn(*, weights=None, progress=True, **kwargs):
    """VGG-13 with batch normalization; 133,053,736 parameters with 1000 classes."""
    return _vgg("B", True, VGG13_BN_Weights.verify(weights), progress, **kwargs)


@handle_legacy_interface(VGG16_Weights.IMAGENET1K_V1)
def vgg16(*, weights=None, progress=True, **kwargs):
    """VGG-16 (configuration "D"); 138,357,544 parameters with 1000 classes."""
    return _vgg("D", False, VGG16_Weights.verify(weights), progress, **kwargs)


@handle_legacy_interface(VGG16_BN_Weights.IMAGENET1K_V1)
def vgg16_bn(*, weights=None, progress=True, **kwargs):
    """VGG-16 with batch normalization; 138,365,992 parameters with 1000 classes."""
    return _vgg("D", True, VGG16_BN_Weights.verify(weights), progress, **kwargs)


@handle_legacy_interface(VGG19_Weights.IMAGENET1K_V1)
def vgg19(*, weights=None, progress=True, **kwargs):
    """VGG-19 (configuration "E"); 143,667,240 parameters with 1000 classes."""
    return _vgg("E", False, VGG19_Weights.verify(weights), progress, **kwargs)


@handle_legacy_interface(VGG19_BN_Weights.IMAGENET1K_V1)
def vgg19_bn(*, weights=None, progress=True, **kwargs):
    """VGG-19 with batch normalization; 143,678,248 parameters with 1000 classes."""
    return _vgg("E", True, VGG19_BN_Weights.verify(weights), progress, **kwargs)


for _name, _enum in [("vgg11", VGG11_Weights), ("vgg11_bn", VGG11_BN_Weights),
                     ("vgg13", VGG13_Weights), ("vgg13_bn", VGG13_BN_Weights),
                     ("vgg16", VGG16_Weights), ("vgg16_bn", VGG16_BN_Weights),
                     ("vgg19", VGG19_Weights), ("vgg19_bn", VGG19_BN_Weights)]:
    register_weights(_name, _enum)
del _name, _enum
