"""The CIFAR-10 ResNets of He et al. 2016 ("Deep Residual Learning", section 4.2).

A 3x3 convolution with 16 filters, then three stages of ``n`` BasicBlocks with 16, 32 and 64
channels on 32x32, 16x16 and 8x8 maps (the first block of stages 2 and 3 has stride 2), global
average pooling and a linear classifier: depth = 6n + 2 layers (20, 32, 44, 56, 110).

Shortcuts: option "A" (the paper's choice for CIFAR, and the default here) is parameter-free:
where the shape changes, the shortcut subsamples ``x[:, :, ::2, ::2]`` and zero-pads the new
channels (half before, half after), so ResNet-20 has 0.27M parameters (269,722 with 10 classes).
Option "B" uses a 1x1 convolution + batch norm projection there instead (like
torchvision's ``downsample``; 272,474 parameters for ResNet-20).

Initialization: convolutions ``kaiming_normal_(mode="fan_out", nonlinearity="relu")``, batch norms
weight 1 / bias 0, the classifier ``Linear``'s default (as torchvision's ResNet).
"""

from numtorch import nn
from numtorch.nn import functional as F
from numtorch.nn import init
from numtorch.vision.models.resnet import BasicBlock, conv1x1, conv3x3

__all__ = ["CifarResNet", "PadShortcut", "cifar_resnet", "cifar_resnet20", "cifar_resnet32",
           "cifar_resnet44", "cifar_resnet56", "cifar_resnet110"]


class PadShortcut(nn.Module):
    """Option-A shortcut: ``x[:, :, ::stride, ::stride]`` with ``out_channels - in_channels``
    zero channels added (``(out - in) // 2`` before, the rest after). No parameters."""

    def __init__(self, in_channels, out_channels, stride):
        super().__init__()
        if out_channels < in_channels:
            raise ValueError(f"PadShortcut cannot reduce channels ({in_channels} -> "
                             f"{out_channels})")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.stride = stride

    def forward(self, x):
        if self.stride != 1:
            x = x[:, :, ::self.stride, ::self.stride]  # (N, C, ceil(H/s), ceil(W/s))
        extra = self.out_channels - self.in_channels
        before = extra // 2
        return F.pad(x, (0, 0, 0, 0, before, extra - before))  # (N, C_out, H', W')

    def extra_repr(self):
        return (f"in_channels={self.in_channels}, out_channels={self.out_channels}, "
                f"stride={self.stride}")


class CifarResNet(nn.Module):
    """``CifarResNet(depth=20, num_classes=10, in_channels=3, shortcut="A")``: ``conv1``,
    ``bn1``, ``relu``, ``layer1`` .. ``layer3`` (Sequentials of ``BasicBlock``), ``avgpool``,
    ``fc`` — torchvision's ResNet naming with three stages. Works for any input of at least 1x1
    (32x32 in the paper)."""

    def __init__(self, depth=20, num_classes=10, in_channels=3, shortcut="A"):
        super().__init__()
        if depth < 8 or (depth - 2) % 6 != 0:
            raise ValueError(f"CifarResNet depth must be 6n + 2 with n >= 1 (20, 32, 44, 56, "
                             f"110 ...), got {depth}")
        if shortcut not in ("A", "B"):
            raise ValueError(f"shortcut must be 'A' (zero-padding) or 'B' (projection), "
                             f"got {shortcut!r}")
        n = (depth - 2) // 6
        self.depth = depth
        self.shortcut = shortcut
        self.inplanes = 16
        self.conv1 = conv3x3(in_channels, 16)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = self._make_layer(16, n, stride=1)
        self.layer2 = self._make_layer(32, n, stride=2)
        self.layer3 = self._make_layer(64, n, stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(64, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                init.constant_(m.weight, 1)
                init.constant_(m.bias, 0)

    def _make_layer(self, planes, blocks, stride):
        downsample = None
        if stride != 1 or self.inplanes != planes:
            if self.shortcut == "A":
                downsample = PadShortcut(self.inplanes, planes, stride)
            else:
                downsample = nn.Sequential(conv1x1(self.inplanes, planes, stride),
                                           nn.BatchNorm2d(planes))
        layers = [BasicBlock(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes
        for _ in range(1, blocks):
            layers.append(BasicBlock(planes, planes))
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        x = self.avgpool(x)  # (N, 64, 1, 1)
        x = x.flatten(1)  # (N, 64)
        return self.fc(x)

    def extra_repr(self):
        return f"depth={self.depth}, shortcut={self.shortcut!r}"


def cifar_resnet(depth=20, num_classes=10, in_channels=3, shortcut="A"):
    """The CIFAR ResNet of the given depth (6n + 2); see ``CifarResNet``."""
    return CifarResNet(depth, num_classes=num_classes, in_channels=in_channels,
                       shortcut=shortcut)


def cifar_resnet20(**kwargs):
    """CIFAR ResNet-20 (n = 3), 0.27M parameters."""
    return cifar_resnet(20, **kwargs)


def cifar_resnet32(**kwargs):
    """CIFAR ResNet-32 (n = 5), 0.46M parameters."""
    return cifar_resnet(32, **kwargs)


def cifar_resnet44(**kwargs):
    """CIFAR ResNet-44 (n = 7), 0.66M parameters."""
    return cifar_resnet(44, **kwargs)


def cifar_resnet56(**kwargs):
    """CIFAR ResNet-56 (n = 9), 0.85M parameters."""
    return cifar_resnet(56, **kwargs)


def cifar_resnet110(**kwargs):
    """CIFAR ResNet-110 (n = 18), 1.7M parameters."""
    return cifar_resnet(110, **kwargs)
