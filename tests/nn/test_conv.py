"""Tests of numtorch/nn/modules/conv.py: Conv1d/2d/3d, ConvTranspose1d/2d/3d, LazyConv2d,
Fold/Unfold against PyTorch with the same weights (outputs, gradients of input and of every
parameter), parameter shapes, default initialization, ``repr`` strings and constructor
errors; and a course-style ``Net``."""

import math

import numpy as np
import pytest
from parity import raises_like, requires_torch, rng, to_numpy, torch

import numtorch
from numtorch import nn

from .module_parity import module_parity

R = rng(2)


def arr(*shape):
    return R.standard_normal(shape).astype(np.float32)


LAYERS = [
    (lambda lib: lib.nn.Conv2d(3, 4, 3), (2, 3, 6, 7)),
    (lambda lib: lib.nn.Conv2d(3, 4, (3, 2), stride=(2, 1), padding=1, bias=False),
     (2, 3, 6, 7)),
    (lambda lib: lib.nn.Conv2d(4, 6, 3, padding="same", dilation=2, groups=2), (2, 4, 6, 5)),
    (lambda lib: lib.nn.Conv2d(3, 4, 3, padding=1, padding_mode="reflect"), (2, 3, 5, 6)),
    (lambda lib: lib.nn.Conv2d(3, 4, 3, padding=(1, 2), padding_mode="replicate"),
     (2, 3, 5, 6)),
    (lambda lib: lib.nn.Conv2d(3, 4, 3, padding=1, padding_mode="circular"), (2, 3, 5, 6)),
    (lambda lib: lib.nn.Conv2d(3, 4, 4, padding="same", padding_mode="reflect"), (2, 3, 6, 6)),
    (lambda lib: lib.nn.Conv2d(3, 4, 3), (3, 6, 7)),  # unbatched
    (lambda lib: lib.nn.Conv1d(3, 4, 3, stride=2, padding=1), (2, 3, 9)),
    (lambda lib: lib.nn.Conv1d(3, 4, 3, padding=2, padding_mode="circular"), (2, 3, 9)),
    (lambda lib: lib.nn.Conv3d(2, 3, 2, padding=1), (1, 2, 3, 4, 3)),
    (lambda lib: lib.nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1,
                                        groups=2), (2, 4, 3, 4)),
    (lambda lib: lib.nn.ConvTranspose2d(4, 2, 4, stride=2, padding=1, bias=False),
     (2, 4, 3, 3)),
    (lambda lib: lib.nn.ConvTranspose1d(4, 3, 3, stride=3, dilation=2), (2, 4, 5)),
    (lambda lib: lib.nn.ConvTranspose3d(2, 3, 2, stride=2), (1, 2, 2, 3, 2)),
    (lambda lib: lib.nn.Unfold((2, 3), padding=1, stride=2), (2, 3, 5, 6)),
    (lambda lib: lib.nn.Fold((4, 5), 2), (2, 8, 12)),
]


@requires_torch
@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("make,shape", LAYERS)
def test_layer_parity(make, shape):
    module_parity(make, arr(*shape))


@requires_torch
def test_conv_transpose_output_size():
    """``output_size`` picks one of the stride's possible output sizes."""
    xin = arr(1, 3, 4, 5)
    th = torch.nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    nt = nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    nt.load_state_dict({k: v.detach().numpy() for k, v in th.state_dict().items()})
    assert tuple(nt(numtorch.tensor(xin)).shape) == (1, 2, 7, 9)
    yt = th(torch.tensor(xin), output_size=[8, 9])
    yn = nt(numtorch.tensor(xin), output_size=[8, 9])
    assert tuple(yn.shape) == tuple(yt.shape) == (1, 2, 8, 9)
    np.testing.assert_allclose(to_numpy(yn), to_numpy(yt), atol=1e-5)
    raises_like(lambda lib, x: lib.nn.ConvTranspose2d(3, 2, 3, stride=2)(x, output_size=[20, 9]),
                xin)


@requires_torch
@pytest.mark.parametrize("spec", [
    "Conv2d(3, 8, 3)", "Conv2d(3, 8, (3, 5), stride=2, padding=1, bias=False)",
    "Conv2d(4, 8, 3, padding='same', dilation=2, groups=2, padding_mode='reflect')",
    "Conv1d(3, 4, 5, padding='valid')", "Conv3d(2, 4, 3)",
    "ConvTranspose2d(4, 6, 3, stride=2, output_padding=1, groups=2)", "ConvTranspose1d(4, 6, 3)",
    "LazyConv2d(8, 3)", "Fold((4, 5), 2)", "Unfold(3, padding=1)",
])
def test_repr_like_torch(spec):
    assert repr(eval("nn." + spec)) == repr(eval("torch.nn." + spec))


def test_parameter_shapes_and_names():
    m = nn.Conv2d(4, 6, (3, 2), groups=2)
    assert tuple(m.weight.shape) == (6, 2, 3, 2) and tuple(m.bias.shape) == (6,)
    t = nn.ConvTranspose2d(4, 6, 3, groups=2)
    assert tuple(t.weight.shape) == (4, 3, 3, 3) and tuple(t.bias.shape) == (6,)
    assert [n for n, _ in nn.Conv1d(2, 3, 3, bias=False).named_parameters()] == ["weight"]
    assert nn.Conv2d(2, 3, 3).kernel_size == (3, 3) and nn.Conv2d(2, 3, 3).padding == (0, 0)
    assert nn.Conv2d(2, 3, 3, padding="same").padding == "same"


def test_default_init_bounds():
    numtorch.manual_seed(0)
    m = nn.Conv2d(16, 32, 3)
    bound = 1 / math.sqrt(16 * 9)  # kaiming_uniform(a=sqrt(5)) on fan_in = 144
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert np.abs(b).max() <= bound and w.std() > 0.5 * bound / math.sqrt(3)
    t = nn.ConvTranspose2d(16, 8, 3)  # fan_in of a transposed weight: out/groups * k
    assert np.abs(t.weight.detach().numpy()).max() <= 1 / math.sqrt(8 * 9)


def test_reset_parameters_reinitializes():
    m = nn.Conv2d(2, 3, 3)
    before = m.weight.detach().numpy().copy()
    m.reset_parameters()
    assert not np.allclose(before, m.weight.detach().numpy())


def test_lazy_conv2d():
    m = nn.LazyConv2d(5, 3, padding=1)
    y = m(numtorch.randn(2, 4, 6, 6))
    assert type(m) is nn.Conv2d and m.in_channels == 4
    assert tuple(m.weight.shape) == (5, 4, 3, 3) and tuple(y.shape) == (2, 5, 6, 6)
    u = nn.LazyConv2d(3, 2)
    assert tuple(u(numtorch.randn(6, 4, 4)).shape) == (3, 3, 3)  # unbatched: C from dim 0


@requires_torch
@pytest.mark.parametrize("ctor", [
    lambda lib: lib.nn.Conv2d(3, 4, 3, groups=2),
    lambda lib: lib.nn.Conv2d(4, 3, 3, groups=2),
    lambda lib: lib.nn.Conv2d(4, 4, 3, groups=0),
    lambda lib: lib.nn.Conv2d(4, 4, 3, padding="full"),
    lambda lib: lib.nn.Conv2d(4, 4, 3, stride=2, padding="same"),
    lambda lib: lib.nn.Conv2d(4, 4, 3, padding_mode="mirror"),
    lambda lib: lib.nn.ConvTranspose2d(4, 4, 3, padding_mode="reflect"),
])
def test_constructor_errors_like_torch(ctor):
    raises_like(lambda lib: ctor(lib))


@requires_torch
def test_channel_mismatch_in_layer():
    e = raises_like(lambda lib, x: lib.nn.Conv2d(1, 32, 3)(x), arr(64, 3, 32, 32))
    assert str(e) == ("Given groups=1, weight of size [32, 1, 3, 3], expected input[64, 3, 32, 32]"
                      " to have 1 channels, but got 3 channels instead")
    raises_like(lambda lib, x: lib.nn.Conv2d(1, 2, 5)(x), arr(1, 1, 3, 3))


def _course_net(lib):
    F = lib.nn.functional

    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = lib.nn.Conv2d(1, 6, 5)
            self.conv2 = lib.nn.Conv2d(6, 16, 5)
            self.fc1 = lib.nn.Linear(16 * 4 * 4, 120)
            self.fc2 = lib.nn.Linear(120, 84)
            self.fc3 = lib.nn.Linear(84, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), 2)  # (N, 6, 12, 12)
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)  # (N, 16, 4, 4)
            x = lib.flatten(x, 1)  # (N, 256)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)

    return Net()


@requires_torch
def test_course_net_matches_torch():
    module_parity(_course_net, arr(4, 1, 28, 28), atol=1e-4)


@requires_torch
def test_course_net_training_step_matches_torch():
    """Forward, cross-entropy, backward and one SGD step: the same parameters afterwards."""
    x, y = arr(8, 1, 28, 28), R.integers(0, 10, 8)
    torch.manual_seed(0)
    th = _course_net(torch)
    nt = _course_net(numtorch)
    nt.load_state_dict({k: v.detach().numpy() for k, v in th.state_dict().items()})
    for lib, m in ((torch, th), (numtorch, nt)):
        loss = lib.nn.functional.cross_entropy(m(lib.tensor(x)), lib.tensor(y))
        loss.backward()
        with lib.no_grad():
            for p in m.parameters():
                p -= 0.1 * p.grad
    for k, v in th.state_dict().items():
        np.testing.assert_allclose(to_numpy(nt.state_dict()[k]), v.numpy(), atol=1e-5,
                                   err_msg=k)
