"""torch.autograd.Variable: a function returning tensors; every tensor is a Variable."""

import numpy as np
import pytest
from parity import requires_torch, torch

import numtorch
from numtorch.autograd import Variable


def test_variable_shares_memory_and_sets_requires_grad():
    x = numtorch.ones(3)
    v = Variable(x, requires_grad=True)
    assert type(v) is numtorch.Tensor and v is not x
    assert v.requires_grad and not x.requires_grad and v.is_leaf
    x.add_(1)
    assert v.tolist() == [2.0, 2.0, 2.0]
    (v * 2).sum().backward()
    assert v.grad.tolist() == [2.0, 2.0, 2.0]


def test_variable_of_a_graph_output_is_detached():
    w = numtorch.ones(2, requires_grad=True)
    v = Variable(w * 3)
    assert v.grad_fn is None and not v.requires_grad


def test_every_tensor_is_a_variable():
    assert isinstance(numtorch.zeros(1), Variable)
    assert isinstance(numtorch.nn.Parameter(numtorch.zeros(1)), Variable)
    assert not isinstance(np.zeros(1), Variable)


def test_volatile_warns_and_empty_variable():
    with pytest.warns(UserWarning, match="volatile was removed"):
        v = Variable(numtorch.ones(2), volatile=True)
    assert v.tolist() == [1.0, 1.0]
    assert tuple(Variable().shape) == (0,)


@requires_torch
@pytest.mark.parametrize("data", [[1, 2], np.ones(2)])
def test_non_tensor_data_raises_like_pytorch(data):
    with pytest.raises(TypeError):
        torch.autograd.Variable(data)
    with pytest.raises(TypeError, match="Variable data has to be a tensor"):
        Variable(data)
