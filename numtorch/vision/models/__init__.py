"""numtorch.vision.models: torchvision's ResNet and VGG (same names, module structure, state-dict
keys and initialization), the CIFAR ResNets of He et al., and the course's small models
(logistic regression, MLP, a two-convolution CNN, LeNet-5), with ``get_model`` / ``list_models``
to build any of them sized for a data set.

The ImageNet models follow torchvision's weights API: ``resnet50(weights="DEFAULT")``,
``vgg16(weights=VGG16_Weights.IMAGENET1K_V1)``, ``weights.transforms()``,
``weights.meta["categories"]``, ``get_weight``, ``get_model_weights`` and the deprecated
``pretrained=True``. The file is torchvision's own (same URL and file name), looked for first in
the cache torchvision uses, ``$TORCH_HOME/hub/checkpoints/`` (see ``numtorch.hub``).
"""

from numtorch.vision.models._api import Weights, WeightsEnum, get_model_weights, get_weight
from numtorch.vision.models.cnn import CourseCNN, LeNet5
from numtorch.vision.models.mlp import MLP, LogisticRegression
from numtorch.vision.models.registry import get_model, list_models
from numtorch.vision.models.resnet import (
    BasicBlock,
    Bottleneck,
    ResNet,
    ResNet18_Weights,
    ResNet34_Weights,
    ResNet50_Weights,
    ResNet101_Weights,
    ResNet152_Weights,
    ResNeXt50_32X4D_Weights,
    Wide_ResNet50_2_Weights,
    resnet18,
    resnet34,
    resnet50,
    resnet101,
    resnet152,
    resnext50_32x4d,
    wide_resnet50_2,
)
from numtorch.vision.models.resnet_cifar import (
    CifarResNet,
    PadShortcut,
    cifar_resnet,
    cifar_resnet20,
    cifar_resnet32,
    cifar_resnet44,
    cifar_resnet56,
    cifar_resnet110,
)
from numtorch.vision.models.vgg import (
    VGG,
    VGG11_BN_Weights,
    VGG11_Weights,
    VGG13_BN_Weights,
    VGG13_Weights,
    VGG16_BN_Weights,
    VGG16_Weights,
    VGG19_BN_Weights,
    VGG19_Weights,
    vgg11,
    vgg11_bn,
    vgg13,
    vgg13_bn,
    vgg16,
    vgg16_bn,
    vgg19,
    vgg19_bn,
)

__all__ = [
    "ResNet", "BasicBlock", "Bottleneck", "resnet18", "resnet34", "resnet50", "resnet101",
    "resnet152", "resnext50_32x4d", "wide_resnet50_2",
    "VGG", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn",
    "CifarResNet", "PadShortcut", "cifar_resnet", "cifar_resnet20", "cifar_resnet32",
    "cifar_resnet44", "cifar_resnet56", "cifar_resnet110",
    "CourseCNN", "LeNet5", "MLP", "LogisticRegression",
    "get_model", "list_models",
    "Weights", "WeightsEnum", "get_weight", "get_model_weights",
    "ResNet18_Weights", "ResNet34_Weights", "ResNet50_Weights", "ResNet101_Weights",
    "ResNet152_Weights", "ResNeXt50_32X4D_Weights", "Wide_ResNet50_2_Weights",
    "VGG11_Weights", "VGG11_BN_Weights", "VGG13_Weights", "VGG13_BN_Weights", "VGG16_Weights",
    "VGG16_BN_Weights", "VGG19_Weights", "VGG19_BN_Weights",
]
