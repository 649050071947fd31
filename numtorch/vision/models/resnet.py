"""ResNet (He et al., 2015) for ImageNet-sized inputs, as ``torchvision.models.resnet``.

Module names, attribute structure and default initialization are torchvision's, so a torchvision
state dict loads key for key (``conv1``, ``bn1``, ``layer1.0.conv1``, ``layer2.0.downsample.0``,
``fc`` ...). The bottleneck puts its stride on the 3x3 convolution ("ResNet v1.5"), as torchvision
does.

numtorch extensions (keyword arguments of ``ResNet`` and every constructor):
- ``in_channels`` (default 3): channels of the input image (1 for MNIST);
- ``small_input`` (default False): for small images (CIFAR's 32x32, MNIST's 28x28, 8x8 digits),
  replace the 7x7/stride-2 stem convolution and its max pool by a 3x3/stride-1 convolution and an
  ``Identity``, the usual CIFAR adaptation. The state-dict keys stay the same (only ``conv1``'s
  weight shape changes), so a small-input model still follows torchvision's layout.
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

__all__ = ["ResNet", "BasicBlock", "Bottleneck", "resnet18", "resnet34", "resnet50",
           "resnet101", "resnet152", "resnext50_32x4d", "wide_resnet50_2",
           "ResNet18_Weights", "ResNet34_Weights", "ResNet50_Weights", "ResNet101_Weights",
           "ResNet152_Weights", "ResNeXt50_32X4D_Weights", "Wide_ResNet50_2_Weights"]


def conv3x3(in_planes, out_planes, stride=1, groups=1, dilation=1):
    """3x3 convolution, padded to keep the size at stride 1, without bias (a BN follows)."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=dilation,
                  groups=groups, bias=False, dilation=dilation)


def conv1x1(in_planes, out_planes, stride=1):
    """1x1 convolution without bias."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with a residual connection: ``relu(bn2(conv2(relu(bn1(conv1(x)))))
    + shortcut(x))``. ``downsample`` (or identity) maps ``x`` to the output's shape.

    Differences from torchvision: ``dilation > 1`` raises ValueError (torchvision raises
    NotImplementedError).
    """

    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64,
                 dilation=1, norm_layer=None):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        if groups != 1 or base_width != 64:
            raise ValueError("BasicBlock only supports groups=1 and base_width=64")
        if dilation > 1:
            raise ValueError("Dilation > 1 not supported in BasicBlock")
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = norm_layer(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = norm_layer(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    """1x1 (reduce) - 3x3 (stride, groups, dilation) - 1x1 (expand by 4) with a residual
    connection; ``width = int(planes * base_width / 64) * groups`` channels inside."""

    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64,
                 dilation=1, norm_layer=None):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        width = int(planes * (base_width / 64.0)) * groups
        self.conv1 = conv1x1(inplanes, width)
        self.bn1 = norm_layer(width)
        self.conv2 = conv3x3(width, width, stride, groups, dilation)
        self.bn2 = norm_layer(width)
        self.conv3 = conv1x1(width, planes * self.expansion)
        self.bn3 = norm_layer(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


class ResNet(nn.Module):
    """``ResNet(block, layers, num_classes=1000, zero_init_residual=False, groups=1,
    width_per_group=64, replace_stride_with_dilation=None, norm_layer=None, *, in_channels=3,
    small_input=False)``.

    Stem (``conv1`` 7x7/2, ``bn1``, ``relu``, ``maxpool`` 3x3/2), four stages ``layer1`` ..
    ``layer4`` of ``layers[i]`` blocks with 64, 128, 256, 512 planes (stride 2 from the second
    stage on), ``avgpool`` to 1x1, ``fc``. Initialization as torchvision: convolutions
    ``kaiming_normal_(mode="fan_out", nonlinearity="relu")``, batch norms weight 1 / bias 0,
    ``fc`` keeps ``Linear``'s default; with ``zero_init_residual`` the last BN of each block
    starts at weight 0, so every block starts as the identity.
    """

    def __init__(self, block, layers, num_classes=1000, zero_init_residual=False, groups=1,
                 width_per_group=64, replace_stride_with_dilation=None, norm_layer=None, *,
                 in_channels=3, small_input=False):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        self._norm_layer = norm_layer
        self.inplanes = 64
        self.dilation = 1
        if replace_stride_with_dilation is None:
            replace_stride_with_dilation = [False, False, False]
        if len(replace_stride_with_dilation) != 3:
            raise ValueError("replace_stride_with_dilation should be None or a 3-element tuple, "
                             f"got {replace_stride_with_dilation}")
        self.groups = groups
        self.base_width = width_per_group
        if small_input:
            # NOTE: the CIFAR adaptation keeps full resolution into layer1 (32x32 stays 32x32).
            self.conv1 = nn.Conv2d(in_channels, self.inplanes, kernel_size=3, stride=1,
                                   padding=1, bias=False)
        else:
            self.conv1 = nn.Conv2d(in_channels, self.inplanes, kernel_size=7, stride=2,
                                   padding=3, bias=False)
        self.bn1 = norm_layer(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        if small_input:
            self.maxpool = nn.Identity()
        else:
            self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2,
                                       dilate=replace_stride_with_dilation[0])
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2,
                                       dilate=replace_stride_with_dilation[1])
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2,
                                       dilate=replace_stride_with_dilation[2])
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)

        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                init.constant_(m.weight, 1)
                init.constant_(m.bias, 0)
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, Bottleneck) and m.bn3.weight is not None:
                    init.constant_(m.bn3.weight, 0)
                elif isinstance(m, BasicBlock) and m.bn2.weight is not None:
                    init.constant_(m.bn2.weight, 0)

    def _make_layer(self, block, planes, blocks, stride=1, dilate=False):
        norm_layer = self._norm_layer
        downsample = None
        previous_dilation = self.dilation
        if dilate:
            self.dilation *= stride
            stride = 1
        if stride != 1 or self.inplanes != planes * block.expansion:
            # A projection shortcut (option B of the paper) where the shape changes.
            downsample = nn.Sequential(conv1x1(self.inplanes, planes * block.expansion, stride),
                                    norm_layer(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, downsample, self.groups, self.base_width,
                        previous_dilation, norm_layer)]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes, groups=self.groups,
                                base_width=self.base_width, dilation=self.dilation,
                                norm_layer=norm_layer))
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = self.avgpool(x)  # (N, C, 1, 1)
        x = x.flatten(1)  # (N, C)
        return self.fc(x)


# ------------------------------------------------------------------------ pretrained weights
_URL = "https://download.pytorch.org/models/"
_RECIPE_V1 = "https://github.com/pytorch/vision/tree/main/references/classification#resnet"
_RECIPE_V2 = "https://github.com/pytorch/vision/issues/3995#issuecomment-1013906621"


def _imagenet(file, num_params, acc1, acc5, ops, size_mb, v2=False):
    """torchvision's ImageNet-1k weights: file name, parameter count, top-1/top-5 accuracy (%),
    GFLOPs and file size (MB) as torchvision reports them."""
    return Weights(
        url=_URL + file,
        transforms=partial(ImageClassification, crop_size=224, resize_size=232 if v2 else 256),
        meta={"min_size": (1, 1), "categories": list(IMAGENET_CATEGORIES),
              "num_params": num_params,
              "recipe": _RECIPE_V2 if v2 else _RECIPE_V1,
              "_metrics": {"ImageNet-1K": {"acc@1": acc1, "acc@5": acc5}},
              "_ops": ops, "_file_size": size_mb,
              "_docs": ("Weights trained with torchvision's newer recipe." if v2 else
                        "Weights close to the paper's results, with a simple recipe.")})


class ResNet18_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("resnet18-f37072fd.pth", 11689512, 69.758, 89.078, 1.814, 44.661)
    DEFAULT = IMAGENET1K_V1


class ResNet34_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("resnet34-b627a593.pth", 21797672, 73.314, 91.420, 3.664, 83.275)
    DEFAULT = IMAGENET1K_V1


class ResNet50_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("resnet50-0676ba61.pth", 25557032, 76.130, 92.862, 4.089, 97.781)
    IMAGENET1K_V2 = _imagenet("resnet50-11ad3fa6.pth", 25557032, 80.858, 95.434, 4.089, 97.79,
                              v2=True)
    DEFAULT = IMAGENET1K_V2


class ResNet101_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("resnet101-63fe2227.pth", 44549160, 77.374, 93.546, 7.801,
                              170.511)
    IMAGENET1K_V2 = _imagenet("resnet101-cd907fc2.pth", 44549160, 81.886, 95.780, 7.801, 170.53,
                              v2=True)
    DEFAULT = IMAGENET1K_V2


class ResNet152_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("resnet152-394f9c45.pth", 60192808, 78.312, 94.046, 11.514,
                              230.434)
    IMAGENET1K_V2 = _imagenet("resnet152-f82ba261.pth", 60192808, 82.284, 96.002, 11.514,
                              230.474, v2=True)
    DEFAULT = IMAGENET1K_V2


class ResNeXt50_32X4D_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("resnext50_32x4d-7cdf4587.pth", 25028904, 77.618, 93.698, 4.23,
                              95.789)
    IMAGENET1K_V2 = _imagenet("resnext50_32x4d-1a0047aa.pth", 25028904, 81.198, 95.340, 4.23,
                              95.833, v2=True)
    DEFAULT = IMAGENET1K_V2


class Wide_ResNet50_2_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("wide_resnet50_2-95faca4d.pth", 68883240, 78.468, 94.086, 11.398,
                              131.82)
    IMAGENET1K_V2 = _imagenet("wide_resnet50_2-9ba9bcbe.pth", 68883240, 81.602, 95.758, 11.398,
                              263.124, v2=True)
    DEFAULT = IMAGENET1K_V2


def _resnet(block, layers, weights, progress, **kwargs):
    """torchvision's builder: with ``weights``, ``num_classes`` follows the weights' categories
    and the state dict is loaded (from the hub cache, or downloaded and hash-checked)."""
    if weights is not None:
        overwrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    model = ResNet(block, layers, **kwargs)
    if weights is not None:
        model.load_state_dict(weights.get_state_dict(progress=progress, check_hash=True))
    return model


@handle_legacy_interface(ResNet18_Weights.IMAGENET1K_V1)
def resnet18(*, weights=None, progress=True, **kwargs):
    """ResNet-18: BasicBlock x (2, 2, 2, 2); 11,689,512 parameters with 1000 classes.
    ``weights``: a ``ResNet18_Weights`` member (or its name) loads torchvision's pretrained
    weights. ``kwargs`` go to ``ResNet`` (``num_classes``, ``in_channels``, ``small_input``
    ...)."""
    weights = ResNet18_Weights.verify(weights)
    return _resnet(BasicBlock, [2, 2, 2, 2], weights, progress, **kwargs)


@handle_legacy_interface(ResNet34_Weights.IMAGENET1K_V1)
def resnet34(*, weights=None, progress=True, **kwargs):
    """ResNet-34: BasicBlock x (3, 4, 6, 3); 21,797,672 parameters with 1000 classes."""
    weights = ResNet34_Weights.verify(weights)
    return _resnet(BasicBlock, [3, 4, 6, 3], weights, progress, **kwargs)


@handle_legacy_interface(ResNet50_Weights.IMAGENET1K_V1)
def resnet50(*, weights=None, progress=True, **kwargs):
    """ResNet-50: Bottleneck x (3, 4, 6, 3); 25,557,032 parameters with 1000 classes."""
    weights = ResNet50_Weights.verify(weights)
    return _resnet(Bottleneck, [3, 4, 6, 3], weights, progress, **kwargs)


@handle_legacy_interface(ResNet101_Weights.IMAGENET1K_V1)
def resnet101(*, weights=None, progress=True, **kwargs):
    """ResNet-101: Bottleneck x (3, 4, 23, 3); 44,549,160 parameters with 1000 classes."""
    weights = ResNet101_Weights.verify(weights)
    return _resnet(Bottleneck, [3, 4, 23, 3], weights, progress, **kwargs)


@handle_legacy_interface(ResNet152_Weights.IMAGENET1K_V1)
def resnet152(*, weights=None, progress=True, **kwargs):
    """ResNet-152: Bottleneck x (3, 8, 36, 3); 60,192,808 parameters with 1000 classes."""
    weights = ResNet152_Weights.verify(weights)
    return _resnet(Bottleneck, [3, 8, 36, 3], weights, progress, **kwargs)


@handle_legacy_interface(ResNeXt50_32X4D_Weights.IMAGENET1K_V1)
def resnext50_32x4d(*, weights=None, progress=True, **kwargs):
    """ResNeXt-50 32x4d: ResNet-50 with 32 groups of width 4 in the 3x3 convolutions."""
    weights = ResNeXt50_32X4D_Weights.verify(weights)
    overwrite_named_param(kwargs, "groups", 32)
    overwrite_named_param(kwargs, "width_per_group", 4)
    return _resnet(Bottleneck, [3, 4, 6, 3], weights, progress, **kwargs)


@handle_legacy_interface(Wide_ResNet50_2_Weights.IMAGENET1K_V1)
def wide_resnet50_2(*, weights=None, progress=True, **kwargs):
    """Wide ResNet-50-2: ResNet-50 with bottlenecks twice as wide inside."""
    weights = Wide_ResNet50_2_Weights.verify(weights)
    overwrite_named_param(kwargs, "width_per_group", 64 * 2)
    return _resnet(Bottleneck, [3, 4, 6, 3], weights, progress, **kwargs)


for _name, _enum in [("resnet18", ResNet18_Weights), ("resnet34", ResNet34_Weights),
                     ("resnet50", ResNet50_Weights), ("resnet101", ResNet101_Weights),
                     ("resnet152", ResNet152_Weights),
                     ("resnext50_32x4d", ResNeXt50_32X4D_Weights),
                     ("wide_resnet50_2", Wide_ResNet50_2_Weights)]:
    register_weights(_name, _enum)
del _name, _enum
