"""numtorch.vision.models: every zoo model builds and runs, its state-dict keys and shapes equal
those of the torchvision architecture (rebuilt here in torch, since torchvision itself is not a
test dependency), outputs match torch with copied weights, parameter counts match torchvision's
published numbers, initialization follows torchvision, and the registry sizes models from the
input shape."""

import math
from collections import OrderedDict

import numpy as np
import pytest
from parity import requires_torch, to_numpy, torch

import numtorch
from numtorch.nn import init
from numtorch.vision import models
from numtorch.vision.models import get_model, list_models


@pytest.fixture(autouse=True, scope="module")
def _single_threaded():
    # Small matrices: thread start-up and contention cost more than they save, for torch's
    # pool and for NumPy's BLAS alike.
    from threadpoolctl import threadpool_limits

    saved = torch.get_num_threads() if torch is not None else None
    if torch is not None:
        torch.set_num_threads(1)
    with threadpool_limits(limits=1):
        yield
    if torch is not None:
        torch.set_num_threads(saved)


@pytest.fixture
def fast_init(monkeypatch):
    """No random fills (they dominate building the large models): parameters keep their
    zero-filled storage. For tests about shapes, keys and running, not values."""
    monkeypatch.setattr(init, "uniform_", lambda tensor, *args, **kwargs: tensor)
    monkeypatch.setattr(init, "normal_", lambda tensor, *args, **kwargs: tensor)


def meta_torch(build, *args, **kwargs):
    """A torch reference model without storage: only its state-dict keys and shapes count."""
    with torch.device("meta"):
        return build(*args, **kwargs)


def n_params(model):
    return sum(p.numel() for p in model.parameters())


def x_batch(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal((2,) + shape).astype(np.float32)


# ---------------------------------------------------------------------------------------------
# torch references: torchvision's architectures, written out (key names are the contract)
# ---------------------------------------------------------------------------------------------

if torch is not None:
    tnn = torch.nn

    class TorchBasicBlock(tnn.Module):
        expansion = 1

        def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64,
                     dilation=1):
            super().__init__()
            self.conv1 = tnn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
            self.bn1 = tnn.BatchNorm2d(planes)
            self.relu = tnn.ReLU(inplace=True)
            self.conv2 = tnn.Conv2d(planes, planes, 3, 1, 1, bias=False)
            self.bn2 = tnn.BatchNorm2d(planes)
            self.downsample = downsample

        def forward(self, x):
            shortcut = x if self.downsample is None else self.downsample(x)
            y = self.relu(self.bn1(self.conv1(x)))
            return self.relu(self.bn2(self.conv2(y)) + shortcut)

    class TorchBottleneck(tnn.Module):
        expansion = 4

        def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64,
                     dilation=1):
            super().__init__()
            width = int(planes * base_width / 64) * groups
            self.conv1 = tnn.Conv2d(inplanes, width, 1, bias=False)
            self.bn1 = tnn.BatchNorm2d(width)
            self.conv2 = tnn.Conv2d(width, width, 3, stride, dilation, dilation=dilation,
                                    groups=groups, bias=False)
            self.bn2 = tnn.BatchNorm2d(width)
            self.conv3 = tnn.Conv2d(width, planes * 4, 1, bias=False)
            self.bn3 = tnn.BatchNorm2d(planes * 4)
            self.relu = tnn.ReLU(inplace=True)
            self.downsample = downsample

        def forward(self, x):
            shortcut = x if self.downsample is None else self.downsample(x)
            y = self.relu(self.bn1(self.conv1(x)))
            y = self.relu(self.bn2(self.conv2(y)))
            return self.relu(self.bn3(self.conv3(y)) + shortcut)

    class TorchResNet(tnn.Module):
        def __init__(self, block, layers, num_classes=1000, in_channels=3, small_input=False,
                     groups=1, width_per_group=64, dilate=(False, False, False)):
            super().__init__()
            if small_input:
                self.conv1 = tnn.Conv2d(in_channels, 64, 3, 1, 1, bias=False)
            else:
                self.conv1 = tnn.Conv2d(in_channels, 64, 7, 2, 3, bias=False)
            self.bn1 = tnn.BatchNorm2d(64)
            self.relu = tnn.ReLU(inplace=True)
            self.maxpool = tnn.Identity() if small_input else tnn.MaxPool2d(3, 2, 1)
            self.inplanes, self.dilation = 64, 1
            self.groups, self.width = groups, width_per_group
            self.layer1 = self._stage(block, 64, layers[0], 1, False)
            self.layer2 = self._stage(block, 128, layers[1], 2, dilate[0])
            self.layer3 = self._stage(block, 256, layers[2], 2, dilate[1])
            self.layer4 = self._stage(block, 512, layers[3], 2, dilate[2])
            self.avgpool = tnn.AdaptiveAvgPool2d((1, 1))
            self.fc = tnn.Linear(512 * block.expansion, num_classes)

        def _stage(self, block, planes, blocks, stride, dilate):
            first_dilation = self.dilation
            if dilate:
                self.dilation *= stride
                stride = 1
            out = planes * block.expansion
            downsample = None
            if stride != 1 or self.inplanes != out:
                downsample = tnn.Sequential(tnn.Conv2d(self.inplanes, out, 1, stride, bias=False),
                                            tnn.BatchNorm2d(out))
            kw = dict(groups=self.groups, base_width=self.width)
            stage = [block(self.inplanes, planes, stride, downsample, dilation=first_dilation,
                           **kw)]
            self.inplanes = out
            stage += [block(out, planes, dilation=self.dilation, **kw) for _ in range(blocks - 1)]
            return tnn.Sequential(*stage)

        def forward(self, x):
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.fc(torch.flatten(self.avgpool(x), 1))

    class TorchVGG(tnn.Module):
        def __init__(self, cfg, batch_norm, num_classes=1000, in_channels=3, small_input=False):
            super().__init__()
            layers, c = [], in_channels
            for v in cfg:
                if v == "M":
                    layers.append(tnn.MaxPool2d(2, 2, ceil_mode=small_input))
                    continue
                layers.append(tnn.Conv2d(c, v, 3, padding=1))
                if batch_norm:
                    layers.append(tnn.BatchNorm2d(v))
                layers.append(tnn.ReLU(inplace=True))
                c = v
            self.features = tnn.Sequential(*layers)
            side, hidden = (1, 512) if small_input else (7, 4096)
            self.avgpool = tnn.AdaptiveAvgPool2d((side, side))
            self.classifier = tnn.Sequential(
                tnn.Linear(512 * side * side, hidden), tnn.ReLU(True), tnn.Dropout(),
                tnn.Linear(hidden, hidden), tnn.ReLU(True), tnn.Dropout(),
                tnn.Linear(hidden, num_classes))

        def forward(self, x):
            return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))

    class TorchPadShortcut(tnn.Module):
        def __init__(self, cin, cout):
            super().__init__()
            self.extra = cout - cin

        def forward(self, x):
            before = self.extra // 2
            return tnn.functional.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, before, self.extra - before))

    class TorchCifarResNet(tnn.Module):
        def __init__(self, depth, num_classes=10, in_channels=3, shortcut="A"):
            super().__init__()
            n = (depth - 2) // 6
            self.conv1 = tnn.Conv2d(in_channels, 16, 3, 1, 1, bias=False)
            self.bn1 = tnn.BatchNorm2d(16)
            self.relu = tnn.ReLU(inplace=True)
            stages, cin = [], 16
            for planes, stride in ((16, 1), (32, 2), (64, 2)):
                down = None
                if stride != 1:
                    if shortcut == "A":
                        down = TorchPadShortcut(cin, planes)
                    else:
                        down = tnn.Sequential(tnn.Conv2d(cin, planes, 1, 2, bias=False),
                                              tnn.BatchNorm2d(planes))
                blocks = [TorchBasicBlock(cin, planes, stride, down)]
                blocks += [TorchBasicBlock(planes, planes) for _ in range(n - 1)]
                stages.append(tnn.Sequential(*blocks))
                cin = planes
            self.layer1, self.layer2, self.layer3 = stages
            self.avgpool = tnn.AdaptiveAvgPool2d((1, 1))
            self.fc = tnn.Linear(64, num_classes)

        def forward(self, x):
            x = self.relu(self.bn1(self.conv1(x)))
            x = self.layer3(self.layer2(self.layer1(x)))
            return self.fc(torch.flatten(self.avgpool(x), 1))

    class TorchCourseCNN(tnn.Module):
        def __init__(self, in_channels, num_classes, size):
            super().__init__()
            self.features = tnn.Sequential(
                tnn.Conv2d(in_channels, 32, 3, padding=1), tnn.ReLU(), tnn.MaxPool2d(2),
                tnn.Conv2d(32, 64, 3, padding=1), tnn.ReLU(), tnn.MaxPool2d(2))
            self.classifier = tnn.Sequential(
                tnn.Flatten(), tnn.Linear(64 * (size // 4) ** 2, 128), tnn.ReLU(),
                tnn.Linear(128, num_classes))

        def forward(self, x):
            return self.classifier(self.features(x))

    class TorchLeNet5(tnn.Module):
        def __init__(self, in_channels, num_classes, padding2, side):
            super().__init__()
            self.features = tnn.Sequential(
                tnn.Conv2d(in_channels, 6, 5, padding=2), tnn.Tanh(), tnn.AvgPool2d(2),
                tnn.Conv2d(6, 16, 5, padding=padding2), tnn.Tanh(), tnn.AvgPool2d(2))
            self.classifier = tnn.Sequential(
                tnn.Flatten(), tnn.Linear(16 * side * side, 120), tnn.Tanh(),
                tnn.Linear(120, 84), tnn.Tanh(), tnn.Linear(84, num_classes))

        def forward(self, x):
            return self.classifier(self.features(x))

    class TorchMLP(tnn.Module):
        def __init__(self, sizes):
            super().__init__()
            self.flatten = tnn.Flatten()
            layers = []
            for a, b in zip(sizes[:-2], sizes[1:-1]):
                layers += [tnn.Linear(a, b), tnn.ReLU()]
            self.net = tnn.Sequential(*layers, tnn.Linear(sizes[-2], sizes[-1]))

        def forward(self, x):
            return self.net(self.flatten(x))


VGG_A = [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"]


def assert_same_layout(nt_model, th_model):
    nt_sd, th_sd = nt_model.state_dict(), th_model.state_dict()
    assert list(nt_sd) == list(th_sd)
    for key, value in th_sd.items():
        assert tuple(nt_sd[key].shape) == tuple(value.shape), key


def copy_weights(nt_model, th_model):
    result = nt_model.load_state_dict({k: v.detach().numpy()
                                       for k, v in th_model.state_dict().items()})
    assert not result.missing_keys and not result.unexpected_keys


def assert_conforms(nt_model, th_model, x, train=False, grad=False, double=False, atol=1e-4):
    """Same output (and, with ``grad``, the same input and parameter gradients) as torch with
    the same weights; in training mode also the same updated batch-norm statistics.

    NOTE: training-mode batch norm on the small maps of a batch of 2 normalizes few values per
    channel, which amplifies float32 rounding through a deep net's backward pass (float32 and
    float64 gradients differ by ~3% there), so those checks run in float64 (``double``)."""
    copy_weights(nt_model, th_model)
    nt_model.train(train)
    th_model.train(train)
    if double:
        nt_model.double()
        th_model.double()
        x = x.astype(np.float64)
        atol = 1e-9
    xn = numtorch.tensor(x, requires_grad=grad)
    xt = torch.tensor(x, requires_grad=grad)
    yn, yt = nt_model(xn), th_model(xt)
    assert yn.dtype == (numtorch.float64 if double else numtorch.float32)
    np.testing.assert_allclose(to_numpy(yn), to_numpy(yt), atol=atol, rtol=1e-4)
    if train:
        th_buffers = dict(th_model.named_buffers())
        for name, buf in nt_model.named_buffers():
            np.testing.assert_allclose(to_numpy(buf), to_numpy(th_buffers[name]),
                                       atol=atol, rtol=1e-4, err_msg=name)
    if grad:
        w = np.random.default_rng(1).standard_normal(tuple(yt.shape)).astype(np.float32)
        (yn * numtorch.tensor(w)).sum().backward()
        (yt * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(to_numpy(xn.grad), to_numpy(xt.grad), atol=atol, rtol=1e-3)
        th_params = dict(th_model.named_parameters())
        for name, p in nt_model.named_parameters():
            np.testing.assert_allclose(to_numpy(p.grad), to_numpy(th_params[name].grad),
                                       atol=atol, rtol=1e-3, err_msg=name)


# ---------------------------------------------------------------------------------------------
# every model builds and runs
# ---------------------------------------------------------------------------------------------

# The deepest variants (same blocks, more of them) are left to the layout and parameter-count
# tests.
FORWARD_NAMES = [n for n in list_models()
                 if n not in ("resnet101", "resnet152", "vgg13", "vgg13_bn", "vgg16_bn", "vgg19",
                              "vgg19_bn", "cifar_resnet44", "cifar_resnet56", "cifar_resnet110")]


# Large models, built with fast_init for their forward test.
HEAVY = ("resnet34", "resnet50", "vgg16")


@pytest.mark.parametrize("name", FORWARD_NAMES)
def test_registry_model_forward_on_digits_shape(request, name):
    if name in HEAVY:
        request.getfixturevalue("fast_init")
    model = get_model(name, (1, 8, 8), 10)
    model.eval()
    with numtorch.no_grad():
        y = model(numtorch.tensor(x_batch(1, 8, 8)))
    assert tuple(y.shape) == (2, 10)
    assert y.dtype == numtorch.float32
    assert np.isfinite(to_numpy(y)).all()


@pytest.mark.parametrize("name,shape", [("cnn", (1, 28, 28)), ("lenet5", (1, 28, 28)),
                                        ("lenet5", (3, 32, 32)), ("cifar_resnet20", (3, 32, 32)),
                                        ("mlp", (3, 32, 32)), ("logreg", (1, 28, 28))])
def test_registry_model_forward_on_mnist_and_cifar_shapes(name, shape):
    model = get_model(name, shape, 7)
    y = model(numtorch.tensor(x_batch(*shape)))
    assert tuple(y.shape) == (2, 7)


@pytest.mark.parametrize("name", ["cifar_resnet20", "cnn", "lenet5", "mlp"])
def test_training_step_reaches_every_parameter(name):
    model = get_model(name, (3, 8, 8), 4)
    model.train()
    loss = numtorch.nn.functional.cross_entropy(model(numtorch.tensor(x_batch(3, 8, 8))),
                                                numtorch.tensor([1, 3]))
    loss.backward()
    for pname, p in model.named_parameters():
        assert p.grad is not None and p.grad.shape == p.shape, pname
        assert np.isfinite(to_numpy(p.grad)).all(), pname


def test_imagenet_layout_runs_at_small_resolution(fast_init):
    # torchvision's layouts at 32x32: ResNet's stem leaves 8x8, VGG's features 1x1 (pooled
    # back up to 7x7 for the classifier).
    for build in (models.resnet50, models.vgg11):
        model = build(num_classes=5)
        model.eval()
        with numtorch.no_grad():
            assert tuple(model(numtorch.tensor(x_batch(3, 32, 32))).shape) == (2, 5)


def test_vgg_small_input_pools_in_ceil_mode():
    model = models.vgg11(num_classes=3, in_channels=1, small_input=True)
    model.eval()
    assert all(m.ceil_mode for m in model.features if isinstance(m, numtorch.nn.MaxPool2d))
    with numtorch.no_grad():  # 28 -> 14 -> 7 -> 4 -> 2 -> 1
        assert tuple(model.features(numtorch.tensor(x_batch(1, 28, 28))).shape) == (2, 512, 1, 1)


# ---------------------------------------------------------------------------------------------
# torchvision layout: keys and shapes
# ---------------------------------------------------------------------------------------------

@requires_torch
def test_resnet18_layout(fast_init):
    assert_same_layout(models.resnet18(), meta_torch(TorchResNet, TorchBasicBlock, [2, 2, 2, 2]))


@requires_torch
def test_resnet50_layout(fast_init):
    assert_same_layout(models.resnet50(), meta_torch(TorchResNet, TorchBottleneck, [3, 4, 6, 3]))


@requires_torch
def test_resnext_and_wide_resnet_layout(fast_init):
    assert_same_layout(models.resnext50_32x4d(),
                       meta_torch(TorchResNet, TorchBottleneck, [3, 4, 6, 3], groups=32,
                                  width_per_group=4))
    assert_same_layout(models.wide_resnet50_2(),
                       meta_torch(TorchResNet, TorchBottleneck, [3, 4, 6, 3],
                                  width_per_group=128))


@requires_torch
def test_resnet_small_input_layout_keeps_keys(fast_init):
    nt = models.resnet18(num_classes=10, in_channels=1, small_input=True)
    assert_same_layout(nt, meta_torch(TorchResNet, TorchBasicBlock, [2, 2, 2, 2], 10, 1,
                                      small_input=True))
    assert list(nt.state_dict()) == list(models.resnet18().state_dict())


@requires_torch
def test_vgg11_bn_layout(fast_init):
    assert_same_layout(models.vgg11_bn(), meta_torch(TorchVGG, VGG_A, True))


@requires_torch
def test_vgg11_small_input_layout():
    assert_same_layout(models.vgg11(num_classes=10, small_input=True),
                       TorchVGG(VGG_A, False, 10, small_input=True))


@requires_torch
@pytest.mark.parametrize("size", [28, 8])
def test_course_cnn_layout(size):
    assert_same_layout(models.CourseCNN(1, 10, size), TorchCourseCNN(1, 10, size))


@requires_torch
@pytest.mark.parametrize("size,padding2,side", [(28, 0, 5), (32, 0, 6), (8, 2, 2)])
def test_lenet5_layout(size, padding2, side):
    assert_same_layout(models.LeNet5(1, 10, size), TorchLeNet5(1, 10, padding2, side))


@requires_torch
@pytest.mark.parametrize("shortcut", ["A", "B"])
def test_cifar_resnet_layout(shortcut):
    assert_same_layout(models.cifar_resnet(20, shortcut=shortcut),
                       TorchCifarResNet(20, shortcut=shortcut))


@requires_torch
def test_mlp_and_logreg_layout():
    assert_same_layout(models.MLP((1, 8, 8), num_classes=10), TorchMLP([64, 256, 128, 10]))
    nt = models.LogisticRegression(64, 10)
    assert list(nt.state_dict()) == ["linear.weight", "linear.bias"]
    assert tuple(nt.linear.weight.shape) == (10, 64)


# ---------------------------------------------------------------------------------------------
# conformance with torch on copied weights
# ---------------------------------------------------------------------------------------------

@requires_torch
@pytest.mark.parametrize("channels,size", [(1, 28), (1, 8), (3, 32)])
def test_course_cnn_matches_torch(channels, size):
    assert_conforms(models.CourseCNN(channels, 10, size), TorchCourseCNN(channels, 10, size),
                    x_batch(channels, size, size), grad=True)


@requires_torch
@pytest.mark.parametrize("size,padding2,side", [(28, 0, 5), (8, 2, 2)])
def test_lenet5_matches_torch(size, padding2, side):
    assert_conforms(models.LeNet5(1, 10, size), TorchLeNet5(1, 10, padding2, side),
                    x_batch(1, size, size), grad=True)


@requires_torch
def test_mlp_matches_torch():
    assert_conforms(models.MLP((1, 8, 8), hidden=(16, 8), num_classes=3),
                    TorchMLP([64, 16, 8, 3]), x_batch(1, 8, 8), grad=True)


@requires_torch
def test_resnet18_matches_torch():
    # Eval mode: in training mode batch norm over layer4's 1x1 maps of a batch of 2 would
    # normalize 2 values per channel (the CIFAR ResNet tests below cover training mode).
    # float64: with unseeded random weights, float32 rounding through 18 layers' backward put
    # a parameter gradient just past 1e-4 now and then; float64 compares the computation.
    assert_conforms(models.resnet18(num_classes=10),
                    TorchResNet(TorchBasicBlock, [2, 2, 2, 2], 10), x_batch(3, 32, 32),
                    grad=True, double=True)


@requires_torch
def test_resnet50_small_input_with_dilation_matches_torch():
    nt = models.resnet50(num_classes=10, small_input=True,
                         replace_stride_with_dilation=[False, False, True])
    th = TorchResNet(TorchBottleneck, [3, 4, 6, 3], 10, small_input=True,
                     dilate=(False, False, True))
    assert_conforms(nt, th, x_batch(3, 8, 8))


@requires_torch
def test_vgg11_bn_small_input_matches_torch():
    assert_conforms(models.vgg11_bn(num_classes=10, small_input=True),
                    TorchVGG(VGG_A, True, 10, small_input=True), x_batch(3, 28, 28), grad=True)


@requires_torch
@pytest.mark.parametrize("shortcut", ["A", "B"])
def test_cifar_resnet20_matches_torch(shortcut):
    assert_conforms(models.cifar_resnet(20, shortcut=shortcut),
                    TorchCifarResNet(20, shortcut=shortcut), x_batch(3, 16, 16), train=True,
                    grad=True, double=True)


@requires_torch
def test_cifar_resnet20_float32_eval_matches_torch():
    assert_conforms(models.cifar_resnet(20), TorchCifarResNet(20), x_batch(3, 16, 16),
                    grad=True)


# ---------------------------------------------------------------------------------------------
# parameter counts (torchvision's published numbers, 1000 classes) and initialization
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("build,count", [
    (models.resnet18, 11_689_512), (models.resnet34, 21_797_672),
    (models.resnet50, 25_557_032), (models.resnet101, 44_549_160),
    (models.vgg11, 132_863_336), (models.vgg11_bn, 132_868_840), (models.vgg16, 138_357_544),
])
def test_parameter_counts(fast_init, build, count):
    assert n_params(build()) == count


def test_cifar_resnet_parameter_counts():
    assert n_params(models.cifar_resnet20()) == 269_722  # "0.27M" in the paper's table 6
    assert n_params(models.cifar_resnet20(shortcut="B")) == 272_474
    assert round(n_params(models.cifar_resnet56()) / 1e6, 2) == 0.85


def test_resnet_initialization():
    model = models.resnet18(num_classes=10, small_input=True)
    w = to_numpy(model.layer3[1].conv1.weight)  # (256, 256, 3, 3): fan_out = 256 * 9
    assert abs(w.mean()) < 1e-3
    assert w.std() == pytest.approx(math.sqrt(2.0 / (256 * 9)), rel=0.02)
    for m in model.modules():
        if isinstance(m, numtorch.nn.BatchNorm2d):
            assert (to_numpy(m.weight) == 1).all() and (to_numpy(m.bias) == 0).all()
    fc = to_numpy(model.fc.weight)  # Linear's default: U(-1/sqrt(512), 1/sqrt(512))
    assert np.abs(fc).max() <= 1 / math.sqrt(512)
    assert np.abs(fc).max() > 0.8 / math.sqrt(512)


@pytest.mark.parametrize("build,last_bn", [(models.resnet18, "bn2"), (models.resnet50, "bn3")])
def test_zero_init_residual(build, last_bn):
    model = build(num_classes=2, small_input=True, zero_init_residual=True)
    for layer in (model.layer1, model.layer4):
        for block in layer:
            assert (to_numpy(getattr(block, last_bn).weight) == 0).all()
            assert (to_numpy(block.bn1.weight) == 1).all()
    # A block without downsample then starts as relu(x + 0): the identity on the non-negative
    # activations it receives inside the network.
    block = model.layer1[1]
    x = numtorch.relu(numtorch.tensor(x_batch(block.conv1.in_channels, 4, 4)))
    block.eval()
    np.testing.assert_allclose(to_numpy(block(x)), to_numpy(x))


def test_vgg_initialization():
    model = models.vgg11(num_classes=10, small_input=True)
    for m in model.modules():
        if isinstance(m, numtorch.nn.Linear):
            w = to_numpy(m.weight)
            assert (to_numpy(m.bias) == 0).all()
            if w.size > 100_000:
                assert w.std() == pytest.approx(0.01, rel=0.02)
        if isinstance(m, numtorch.nn.Conv2d):
            assert (to_numpy(m.bias) == 0).all()
    conv = to_numpy(model.features[-3].weight)  # (512, 512, 3, 3): fan_out = 512 * 9
    assert conv.std() == pytest.approx(math.sqrt(2.0 / (512 * 9)), rel=0.02)


# ---------------------------------------------------------------------------------------------
# pretrained weights: torchvision's API, found in torchvision's cache without the network
# ---------------------------------------------------------------------------------------------

def test_weights_enums_follow_torchvision():
    w = models.ResNet50_Weights
    assert w.DEFAULT is w.IMAGENET1K_V2
    assert repr(w.IMAGENET1K_V1) == "ResNet50_Weights.IMAGENET1K_V1"
    assert w.IMAGENET1K_V1.url == "https://download.pytorch.org/models/resnet50-0676ba61.pth"
    assert w.IMAGENET1K_V2.file_name == "resnet50-11ad3fa6.pth"
    assert w.verify("IMAGENET1K_V2") is w.verify("ResNet50_Weights.DEFAULT") is w.DEFAULT
    assert models.get_weight("ResNet50_Weights.IMAGENET1K_V1") is w.IMAGENET1K_V1
    assert models.get_model_weights("resnet50") is w
    assert models.get_model_weights(models.resnet50) is w
    assert models.ResNet18_Weights.DEFAULT.url.endswith("/resnet18-f37072fd.pth")
    assert models.ResNet34_Weights.DEFAULT.url.endswith("/resnet34-b627a593.pth")
    assert models.VGG11_Weights.DEFAULT.url.endswith("/vgg11-8a719046.pth")
    assert models.VGG16_Weights.DEFAULT.url.endswith("/vgg16-397923af.pth")
    meta = models.ResNet18_Weights.IMAGENET1K_V1.meta
    cats = meta["categories"]
    assert len(cats) == len(set(cats)) == 1000
    assert cats[0] == "tench" and cats[1] == "goldfish" and cats[-1] == "toilet tissue"
    assert meta["num_params"] == 11689512 and meta["_metrics"]["ImageNet-1K"]["acc@1"] == 69.758
    assert models.VGG16_Weights.IMAGENET1K_FEATURES.meta["categories"] is None
    with pytest.raises(ValueError, match="IMAGENET1K_V3"):
        w.verify("IMAGENET1K_V3")
    with pytest.raises(TypeError, match="ResNet50_Weights"):
        w.verify(models.VGG16_Weights.DEFAULT)
    with pytest.raises(ValueError, match="Unknown model"):
        models.get_model_weights("lenet5")


def test_weights_transforms():
    preset = models.ResNet50_Weights.IMAGENET1K_V2.transforms()
    assert preset.crop_size == [224] and preset.resize_size == [232]
    assert models.ResNet18_Weights.DEFAULT.transforms().resize_size == [256]
    img = numtorch.tensor(np.random.default_rng(0).integers(0, 256, (3, 300, 260)),
                          dtype=numtorch.uint8)
    out = preset(img)
    assert out.shape == (3, 224, 224) and out.dtype == numtorch.float32
    Image = pytest.importorskip("PIL.Image")
    pil = Image.fromarray(np.full((300, 400, 3), 255, dtype=np.uint8))
    white = preset(pil)  # a PIL image: resized, cropped, scaled to [0, 1], normalized
    assert white.shape == (3, 224, 224)
    np.testing.assert_allclose(to_numpy(white)[:, 100, 100], (1 - np.array([0.485, 0.456, 0.406]))
                               / np.array([0.229, 0.224, 0.225]), rtol=1e-5)
    # Normalized with ImageNet's statistics: a mid-grey image maps to (0.5 - mean) / std.
    grey = preset(numtorch.full((3, 256, 256), 0.5))
    np.testing.assert_allclose(to_numpy(grey)[:, 0, 0], (0.5 - np.array([0.485, 0.456, 0.406]))
                               / np.array([0.229, 0.224, 0.225]), rtol=1e-5)


@pytest.fixture
def torch_home(tmp_path, monkeypatch):
    """An empty ``$TORCH_HOME`` whose ``hub/checkpoints`` the test fills; downloads fail."""
    from numtorch import hub

    home = tmp_path / "torch_home"
    (home / "hub" / "checkpoints").mkdir(parents=True)
    monkeypatch.setenv("TORCH_HOME", str(home))
    monkeypatch.setattr(hub, "_hub_dir", [None])

    def no_network(url, *args, **kwargs):
        raise AssertionError(f"tried to download {url}")

    monkeypatch.setattr(hub, "download_url_to_file", no_network)
    return home / "hub" / "checkpoints"


def _randomize_batch_norms(th_model):
    gen = torch.Generator().manual_seed(1)
    for m in th_model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            n = m.num_features
            m.running_mean.copy_(torch.randn(n, generator=gen) * 0.1)
            m.running_var.copy_(torch.rand(n, generator=gen) + 0.5)
            m.weight.data.copy_(torch.rand(n, generator=gen) + 0.5)
            m.bias.data.copy_(torch.randn(n, generator=gen) * 0.1)
            m.num_batches_tracked.fill_(7)


def _assert_loaded_like(nt_model, th_model, x, atol=1e-4, part=None):
    """Every state-dict entry equal (keys in order, dtypes, values), and the same output on
    ``x`` in eval mode (of submodule ``part`` of both models, if given)."""
    nt_sd, th_sd = nt_model.state_dict(), th_model.state_dict()
    assert list(nt_sd) == list(th_sd)
    for key, value in th_sd.items():
        assert nt_sd[key].dtype.name == str(value.dtype).replace("torch.", ""), key
        assert np.array_equal(to_numpy(nt_sd[key]), value.numpy()), key  # (fast on 100M)
    nt_model.eval()
    th_model.eval()
    if part is not None:
        nt_model, th_model = getattr(nt_model, part), getattr(th_model, part)
    with torch.no_grad():
        expected = th_model(torch.tensor(x)).numpy()
    np.testing.assert_allclose(to_numpy(nt_model(numtorch.tensor(x))), expected, atol=atol,
                               rtol=1e-4)


@requires_torch
@pytest.mark.parametrize("name, block, layers", [
    ("resnet18", "basic", [2, 2, 2, 2]), ("resnet34", "basic", [3, 4, 6, 3]),
    ("resnet50", "bottleneck", [3, 4, 6, 3])])
def test_pretrained_resnet_from_the_torchvision_cache(name, block, layers, torch_home,
                                                      fast_init):
    torch.manual_seed(0)
    th_model = TorchResNet(TorchBasicBlock if block == "basic" else TorchBottleneck, layers)
    _randomize_batch_norms(th_model)
    weights = models.get_model_weights(name).DEFAULT
    torch.save(th_model.state_dict(), torch_home / weights.file_name)
    model = getattr(models, name)(weights=weights)
    _assert_loaded_like(model, th_model, x_batch(3, 64, 64))
    assert int(model.bn1.num_batches_tracked) == 7


@requires_torch
def test_pretrained_spellings_and_legacy_flag(torch_home, fast_init):
    torch.manual_seed(0)
    th_model = TorchResNet(TorchBasicBlock, [2, 2, 2, 2])
    sd = th_model.state_dict()
    # torchvision's oldest files predate num_batches_tracked: they load with a count of 0.
    old = OrderedDict((k, v) for k, v in sd.items() if not k.endswith("num_batches_tracked"))
    torch.save(old, torch_home / "resnet18-f37072fd.pth")
    fc = to_numpy(sd["fc.weight"])
    for spelling in ("DEFAULT", "IMAGENET1K_V1", "ResNet18_Weights.IMAGENET1K_V1",
                     models.ResNet18_Weights.IMAGENET1K_V1):
        model = models.resnet18(weights=spelling)
        np.testing.assert_array_equal(to_numpy(model.fc.weight), fc)
        assert int(model.layer1[0].bn2.num_batches_tracked) == 0
    with pytest.warns(UserWarning, match="'pretrained' is deprecated"):
        model = models.resnet18(pretrained=True)
    np.testing.assert_array_equal(to_numpy(model.fc.weight), fc)
    with pytest.warns(UserWarning, match="'pretrained' is deprecated"):
        assert models.resnet18(pretrained=False).fc.weight.shape == (1000, 512)
    with pytest.raises(ValueError, match="'num_classes' expected value 1000 but got 10"):
        models.resnet18(weights="DEFAULT", num_classes=10)
    # Transfer learning: replace the head, keep the pretrained body.
    model = models.resnet18(weights="DEFAULT")
    model.fc = numtorch.nn.Linear(512, 5)
    assert model(numtorch.tensor(x_batch(3, 32, 32))).shape == (2, 5)
    with pytest.raises(AssertionError, match="tried to download .*resnet34-b627a593.pth"):
        models.resnet34(weights="DEFAULT")


def _large_tensor_light_state_dict(th_meta_model, seed=0):
    """Random values of the full shapes, stored small: a tensor of more than a million elements is
    a random slice broadcast over its trailing dimensions (stride 0), so the file stays small;
    numtorch must read those strides back."""
    gen = torch.Generator().manual_seed(seed)
    sd = OrderedDict()
    for key, meta in th_meta_model.state_dict().items():
        shape = tuple(meta.shape)
        if meta.numel() > 1_000_000:
            small = torch.randn(shape[:2] if len(shape) == 4 else shape[:1], generator=gen)
            small = small.reshape(small.shape + (1,) * (len(shape) - small.dim()))
            sd[key] = (small * 0.01).expand(shape)
        else:
            sd[key] = torch.randn(shape, generator=gen) * (0.05 if len(shape) > 1 else 0.1)
    return sd


@requires_torch
@pytest.mark.parametrize("name, cfg, part", [("vgg11", VGG_A, None), ("vgg16", [
    64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "features")])
def test_pretrained_vgg_from_the_torchvision_cache(name, cfg, part, torch_home, fast_init):
    # NOTE: VGG-16's classifier is VGG-11's (checked end to end above it); comparing its output
    # again would only make torch expand the 25088x4096 broadcast weight once more.
    th_model = meta_torch(TorchVGG, cfg, False)
    sd = _large_tensor_light_state_dict(th_model)
    weights = models.get_model_weights(name).DEFAULT
    torch.save(sd, torch_home / weights.file_name)
    assert (torch_home / weights.file_name).stat().st_size < 60_000_000
    th_model.load_state_dict(sd, assign=True)
    model = getattr(models, name)(weights=weights)
    _assert_loaded_like(model, th_model, x_batch(3, 32, 32), atol=1e-5, part=part)


def test_constructor_errors():
    with pytest.raises(ValueError, match="BasicBlock only supports groups=1"):
        models.resnet18(groups=2)
    with pytest.raises(ValueError, match="replace_stride_with_dilation"):
        models.resnet50(replace_stride_with_dilation=[False, True])
    with pytest.raises(ValueError, match="6n \\+ 2"):
        models.cifar_resnet(21)
    with pytest.raises(ValueError, match="shortcut"):
        models.cifar_resnet(20, shortcut="C")
    with pytest.raises(ValueError, match="input_size >= 4"):
        models.CourseCNN(input_size=3)
    with pytest.raises(ValueError, match="input_size >= 4"):
        models.LeNet5(input_size=(28, 2))
    with pytest.raises(ValueError, match="activation"):
        models.MLP(10, activation="swish-ish")
    with pytest.raises(ValueError, match="dropout"):
        models.MLP(10, dropout=1.0)


# ---------------------------------------------------------------------------------------------
# the course models' sizing
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("size,flat", [(28, 64 * 7 * 7), (8, 64 * 2 * 2), (32, 64 * 8 * 8),
                                       ((28, 32), 64 * 7 * 8)])
def test_course_cnn_is_sized_from_the_input(size, flat):
    model = models.CourseCNN(in_channels=1, num_classes=10, input_size=size)
    assert model.classifier[1].in_features == flat
    h, w = (size, size) if isinstance(size, int) else size
    assert tuple(model(numtorch.tensor(x_batch(1, h, w))).shape) == (2, 10)


@pytest.mark.parametrize("size,flat", [(28, 16 * 5 * 5), (32, 16 * 6 * 6), (8, 16 * 2 * 2),
                                       (12, 16), (4, 16), ((28, 8), 16 * 7 * 2)])
def test_lenet5_is_sized_from_the_input(size, flat):
    model = models.LeNet5(in_channels=1, num_classes=10, input_size=size)
    assert model.classifier[1].in_features == flat
    h, w = (size, size) if isinstance(size, int) else size
    assert tuple(model(numtorch.tensor(x_batch(1, h, w))).shape) == (2, 10)


def test_mlp_options():
    model = models.MLP(12, hidden=(5,), num_classes=2, activation="tanh", dropout=0.25)
    kinds = [type(m).__name__ for m in model.net]
    assert kinds == ["Linear", "Tanh", "Dropout", "Linear"]
    assert models.MLP(12, hidden=(), num_classes=3).net[0].in_features == 12
    assert models.MLP((2, 3), hidden=4).net[0].out_features == 4
    logreg = models.LogisticRegression((1, 8, 8), 2)
    assert tuple(logreg(numtorch.tensor(x_batch(1, 8, 8))).shape) == (2, 2)


# ---------------------------------------------------------------------------------------------
# registry
# ---------------------------------------------------------------------------------------------

def test_list_models():
    names = list_models()
    for required in ["logreg", "mlp", "cnn", "lenet5", "vgg11", "vgg16", "resnet18",
                     "resnet34", "resnet50", "cifar_resnet20", "cifar_resnet32",
                     "cifar_resnet44", "cifar_resnet56"]:
        assert required in names
    assert "perceptron" not in names
    assert len(set(names)) == len(names)


def test_unknown_model_lists_the_names():
    with pytest.raises(ValueError, match="unknown model 'alexnet'.*resnet18.*cifar_resnet20"):
        get_model("alexnet", (3, 32, 32), 10)
    with pytest.raises(ValueError, match="numtorch.classic.Perceptron"):
        get_model("perceptron", (2,), 2)


def test_registry_sizes_models_from_the_input_shape():
    cnn = get_model("cnn", (3, 28, 28), 5)
    assert cnn.features[0].in_channels == 3 and cnn.classifier[-1].out_features == 5
    assert get_model("lenet5", (8, 8), 10).features[0].in_channels == 1
    assert get_model("mlp", 64, 10, hidden=(32,)).net[0].in_features == 64
    assert get_model("logreg", (1, 28, 28), 10).linear.in_features == 784
    assert get_model("cifar_resnet32", (1, 32, 32), 10, shortcut="B").conv1.in_channels == 1
    assert get_model("cifar_resnet32", (3, 32, 32), 10).depth == 32
    with pytest.raises(ValueError, match="input_shape"):
        get_model("cnn", (64,), 10)


def test_registry_small_input_default(fast_init):
    assert get_model("resnet18", (3, 32, 32), 10).conv1.kernel_size == (3, 3)
    assert isinstance(get_model("resnet18", (1, 28, 28), 10).maxpool, numtorch.nn.Identity)
    big = get_model("resnet18", (3, 224, 224), 10)
    assert big.conv1.kernel_size == (7, 7) and isinstance(big.maxpool, numtorch.nn.MaxPool2d)
    forced = get_model("resnet18", (3, 32, 32), 10, small_input=False)
    assert forced.conv1.kernel_size == (7, 7)
    vgg = get_model("vgg11", (1, 8, 8), 10)
    assert vgg.classifier[0].in_features == 512 and vgg.features[0].in_channels == 1
