"""The LeNet of the PyTorch MNIST tutorials, written as they write it (``x.view(-1, 320)`` after
conv -> max_pool2d -> relu), trained for a few SGD steps in numtorch and in torch from the same
weights: the losses and the weights after training must agree, and the intermediate tensors
must have torch's layout (``view``, ``stride()``, ``.numpy()``)."""

import numpy as np
import pytest
from parity import requires_torch, torch

import numtorch


def tutorial_net(lib, drop=0.5):
    nn, F = lib.nn, lib.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
            self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
            self.conv2_drop = nn.Dropout2d(drop)
            self.fc1 = nn.Linear(320, 50)
            self.fc2 = nn.Linear(50, 10)

        def forward(self, x):
            x = F.relu(F.max_pool2d(self.conv1(x), 2))  # (N, 10, 12, 12)
            x = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(x)), 2))  # (N, 20, 4, 4)
            x = x.view(-1, 320)
            x = F.relu(self.fc1(x))
            x = F.dropout(x, p=drop, training=self.training)
            x = self.fc2(x)
            return F.log_softmax(x, dim=1)

    return Net()


def _data(n=32, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 1, 28, 28)).astype(np.float32), rng.integers(0, 10, n)


def _train(lib, model, x, y, steps):
    opt = lib.optim.SGD(model.parameters(), lr=0.05, momentum=0.5)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = lib.nn.functional.nll_loss(model(lib.tensor(x)), lib.tensor(y))
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


@requires_torch
def test_lenet_with_view_trains_like_torch():
    torch.manual_seed(0)
    t_net = tutorial_net(torch, drop=0.0)
    n_net = tutorial_net(numtorch, drop=0.0)
    n_net.load_state_dict({k: v.detach().numpy() for k, v in t_net.state_dict().items()})
    x, y = _data()
    t_losses = _train(torch, t_net, x, y, 4)
    n_losses = _train(numtorch, n_net, x, y, 4)
    np.testing.assert_allclose(n_losses, t_losses, rtol=1e-4, atol=1e-5)
    assert n_losses[-1] < n_losses[0]
    t_state = t_net.state_dict()
    for name, v in n_net.state_dict().items():
        np.testing.assert_allclose(v.numpy(), t_state[name].numpy(), rtol=1e-3, atol=1e-5,
                                   err_msg=name)


def test_lenet_with_view_and_dropout_trains():
    numtorch.manual_seed(0)
    net = tutorial_net(numtorch)
    x, y = _data(64)
    losses = _train(numtorch, net, x, y, 6)
    assert np.isfinite(losses).all() and min(losses[3:]) < losses[0]
    net.eval()
    assert tuple(net(numtorch.tensor(x[:5])).shape) == (5, 10)


@requires_torch
@pytest.mark.parametrize("flatten", [lambda x: x.view(-1, 320),
                                     lambda x: x.view(x.size(0), -1),
                                     lambda x: x.view(x.shape[0], 20, -1),
                                     lambda x: x.flatten(1)],
                         ids=["view(-1, 320)", "view(N, -1)", "view(N, 20, -1)", "flatten"])
def test_tutorial_layouts_match_torch(flatten):
    x, _ = _data(4)
    outs = []
    for lib in (torch, numtorch):
        lib.manual_seed(0)
        net = tutorial_net(lib, drop=0.0)
        F = lib.nn.functional
        h1 = net.conv1(lib.tensor(x))
        p1 = F.relu(F.max_pool2d(h1, 2))
        h2 = F.relu(F.max_pool2d(net.conv2(p1), 2))
        flat = flatten(h2)
        outs.append([(tuple(t.shape), tuple(t.stride()), t.is_contiguous(),
                      t.detach().numpy().strides) for t in (h1, p1, h2, flat)])
    assert outs[1] == outs[0]
