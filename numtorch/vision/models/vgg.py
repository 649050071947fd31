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

from numtorch import nn
from numtorch.nn import init
from numtorch.vision.models._utils import check_no_weights

__all__ = ["VGG", "make_layers", "cfgs", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16",
           "vgg16_bn", "vgg19", "vgg19_bn"]

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


def _vgg(name, cfg, batch_norm, weights, in_channels=3, small_input=False, **kwargs):
    check_no_weights(name, weights)
    features = make_layers(cfgs[cfg], batch_norm, in_channels=in_channels,
                           ceil_mode=small_input)
    return VGG(features, small_input=small_input, **kwargs)


def vgg11(*, weights=None, progress=True, **kwargs):
    """VGG-11 (configuration "A"); 132,863,336 parameters with 1000 classes. ``kwargs`` go to
    ``VGG`` (``num_classes``, ``dropout``) plus ``in_channels`` and ``small_input``."""
    return _vgg("vgg11", "A", False, weights, **kwargs)


def vgg11_bn(*, weights=None, progress=True, **kwargs):
    """VGG-11 with batch normalization; 132,868,840 parameters with 1000 classes."""
    return _vgg("vgg11_bn", "A", True, weights, **kwargs)


def vgg13(*, weights=None, progress=True, **kwargs):
    """VGG-13 (configuration "B"); 133,047,848 parameters with 1000 classes."""
    return _vgg("vgg13", "B", False, weights, **kwargs)


def vgg13_bn(*, weights=None, progress=True, **kwargs):
    """VGG-13 with batch normalization; 133,053,736 parameters with 1000 classes."""
    return _vgg("vgg13_bn", "B", True, weights, **kwargs)


def vgg16(*, weights=None, progress=True, **kwargs):
    """VGG-16 (configuration "D"); 138,357,544 parameters with 1000 classes."""
    return _vgg("vgg16", "D", False, weights, **kwargs)


def vgg16_bn(*, weights=None, progress=True, **kwargs):
    """VGG-16 with batch normalization; 138,365,992 parameters with 1000 classes."""
    return _vgg("vgg16_bn", "D", True, weights, **kwargs)


def vgg19(*, weights=None, progress=True, **kwargs):
    """VGG-19 (configuration "E"); 143,667,240 parameters with 1000 classes."""
    return _vgg("vgg19", "E", False, weights, **kwargs)


def vgg19_bn(*, weights=None, progress=True, **kwargs):
    """VGG-19 with batch normalization; 143,678,248 parameters with 1000 classes."""
    return _vgg("vgg19_bn", "E", True, weights, **kwargs)
