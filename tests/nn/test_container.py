"""Containers: Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict."""

from collections import OrderedDict

import numpy as np
import pytest
from parity import requires_torch, to_numpy, torch

import numtorch
from numtorch import nn


def test_sequential_indexing_and_editing():
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    s = nn.Sequential(a, b, c)
    assert len(s) == 3 and s[0] is a and s[-1] is c and s[-3] is a
    assert list(s) == [a, b, c]
    sub = s[1:]
    assert isinstance(sub, nn.Sequential) and list(sub) == [b, c]
    assert list(sub._modules) == ["1", "2"]
    with pytest.raises(IndexError, match="index 3 is out of range"):
        s[3]
    with pytest.raises(IndexError):
        s[-4]
    d = nn.Tanh()
    s[1] = d
    assert s[1] is d
    s.append(nn.Sigmoid())
    assert len(s) == 4 and isinstance(s[3], nn.Sigmoid)
    s.insert(0, nn.Identity())
    assert isinstance(s[0], nn.Identity) and s[1] is a and list(s._modules) == list("01234")
    s.insert(-1, nn.ReLU())
    assert isinstance(s[4], nn.ReLU) and isinstance(s[5], nn.Sigmoid)
    with pytest.raises(IndexError):
        s.insert(10, nn.ReLU())
    popped = s.pop(0)
    assert isinstance(popped, nn.Identity) and s[0] is a
    del s[1]
    assert list(s._modules) == ["0", "1", "2", "3"]
    del s[1:3]
    assert len(s) == 2 and s[0] is a
    s.extend([nn.ReLU(), nn.ReLU()])
    assert len(s) == 4
    assert "0" not in dir(s)


def test_sequential_forward_ordered_dict_add_mul():
    s = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert isinstance(s.fc, nn.Linear) and list(s.state_dict()) == ["fc.weight", "fc.bias"]
    x = numtorch.randn(4, 2)
    np.testing.assert_allclose(to_numpy(s(x)), to_numpy(s.act(s.fc(x))))
    t = s + nn.Sequential(nn.Tanh())
    assert len(t) == 3 and list(t._modules) == ["0", "1", "2"] and t[0] is s.fc
    r = nn.Sequential(nn.ReLU()) * 3
    assert len(r) == 3 and r[0] is r[2]
    with pytest.raises(ValueError):
        s + nn.ReLU()
    empty = nn.Sequential()
    assert empty(x) is x


def test_module_list():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(layers) == 3 and len(list(layers.parameters())) == 6
    assert [k for k, _ in layers.named_parameters()][:2] == ["0.weight", "0.bias"]
    layers.append(nn.ReLU())
    layers.extend([nn.Tanh()])
    layers.insert(0, nn.Identity())
    assert isinstance(layers[0], nn.Identity) and isinstance(layers[-1], nn.Tanh)
    assert isinstance(layers[1:3], nn.ModuleList) and len(layers[1:3]) == 2
    del layers[0]
    assert list(layers._modules) == ["0", "1", "2", "3", "4"]
    assert isinstance(layers.pop(-1), nn.Tanh) and len(layers) == 4
    layers[0] = nn.Sigmoid()
    assert isinstance(layers[0], nn.Sigmoid)
    both = layers + nn.ModuleList([nn.ReLU()])
    assert len(both) == 5
    layers += [nn.ReLU()]
    assert len(layers) == 5
    with pytest.raises(TypeError, match="should be called with an iterable"):
        layers.extend(nn.ReLU() if False else 3)
    with pytest.raises(IndexError):
        layers[7]
    with pytest.raises(NotImplementedError):
        layers(numtorch.ones(1))


def test_module_dict():
    d = nn.ModuleDict({"b": nn.ReLU(), "a": nn.Linear(1, 1)})
    assert list(d.keys()) == ["b", "a"] and "a" in d and len(d) == 2
    d["c"] = nn.Tanh()
    d.update([("e", nn.ReLU())])
    assert list(d) == ["b", "a", "c", "e"]
    assert isinstance(d.pop("c"), nn.Tanh) and "c" not in d
    del d["e"]
    assert [k for k, _ in d.items()] == ["b", "a"] and len(list(d.values())) == 2
    assert list(d.state_dict()) == ["a.weight", "a.bias"]
    with pytest.raises(ValueError, match="has length 1; 2 is required"):
        d.update([("x",)])
    with pytest.raises(TypeError):
        d.update(3)
    d.clear()
    assert len(d) == 0


def test_parameter_list_and_dict():
    pl = nn.ParameterList([nn.Parameter(numtorch.ones(2)), numtorch.zeros(3)])
    assert all(isinstance(p, nn.Parameter) for p in pl) and len(pl) == 2
    pl.append(numtorch.ones(1))
    assert list(pl.state_dict()) == ["0", "1", "2"] and len(list(pl.parameters())) == 3
    assert pl[-1].shape == (1,) and len(pl[1:]) == 2
    pd = nn.ParameterDict({"w": numtorch.ones(2)})
    pd["b"] = nn.Parameter(numtorch.zeros(1))
    assert isinstance(pd["w"], nn.Parameter) and list(pd) == ["w", "b"]
    assert list(pd.state_dict()) == ["w", "b"] and "w" in pd
    assert pd.get("zz") is None and isinstance(pd.pop("b"), nn.Parameter) and len(pd) == 1
    with pytest.raises(RuntimeError, match="should not be called"):
        pl(1)


@requires_torch
def test_container_reprs_match_torch():
    def nets(lib):
        lin = lib.nn.Linear(2, 3)
        return [
            lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.Sequential(lib.nn.ReLU(),
                                                                     lib.nn.Linear(3, 3))),
            lib.nn.ModuleList([lin, lin, lin, lib.nn.ReLU(), lib.nn.ReLU(), lin]),
            lib.nn.ModuleList([]),
            lib.nn.ModuleDict(OrderedDict(a=lib.nn.ReLU(), b=lib.nn.Sequential(
                lib.nn.Dropout(0.3), lib.nn.Flatten())), ),
            lib.nn.ParameterList([lib.nn.Parameter(lib.ones(2, 3)), lib.ones(3)]),
            lib.nn.ParameterDict({"b": lib.nn.Parameter(lib.ones(2, 3)), "a": lib.zeros(1)}),
            lib.nn.Sequential(),
        ]

    for a, b in zip(nets(numtorch), nets(torch)):
        assert repr(a) == repr(b)
        assert list(a.state_dict()) == list(b.state_dict())
