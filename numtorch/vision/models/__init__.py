"""numtorch.vision.models: torchvision's ResNet and VGG (same names, module structure, state-dict
keys and initialization), the CIFAR ResNets of He et al., and the course's small models
(logistic regression, MLP, a two-convolution CNN, LeNet-5), with ``get_model`` / ``list_models``
to build any of them sized for a data set.

``weights=`` other than None raises ValueError: nothing is downloaded. Pretrained weights
converted to a numtorch state dict load with ``model.load_state_dict(numtorch.load(path))``.
"""

from numtorch.vision.models.cnn import CourseCNN, LeNet5
from numtorch.vision.models.mlp import MLP, LogisticRegression
from numtorch.vision.models.registry import get_model, list_models
from numtorch.vision.models.resnet import (
    BasicBlock,
    Bottleneck,
    ResNet,
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
]
