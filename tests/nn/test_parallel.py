"""nn.parallel.DataParallel and data_parallel on the CPU: they run the wrapped module."""

import numpy as np
import pytest
from parity import requires_torch, rng, to_numpy, torch

import numtorch
from numtorch import nn


def test_data_parallel_wraps_and_runs_the_module():
    numtorch.manual_seed(0)
    inner = nn.Linear(4, 3)
    model = nn.DataParallel(inner, device_ids=[0, 1], output_device=0)
    assert nn.DataParallel is nn.parallel.DataParallel
    assert model.module is inner and model.device_ids == [] and model.dim == 0
    x = numtorch.randn(5, 4)
    assert numtorch.equal(model(x), inner(x))
    model(x).sum().backward()
    assert inner.weight.grad is not None
    assert list(model.state_dict()) == ["module.weight", "module.bias"]
    assert [n for n, _ in model.named_parameters()] == ["module.weight", "module.bias"]


def test_data_parallel_passes_keyword_arguments():
    class Scale(nn.Module):
        def forward(self, x, factor=1.0):
            return x * factor

    assert nn.DataParallel(Scale())(numtorch.ones(2), factor=3.0).tolist() == [3.0, 3.0]
    out = nn.parallel.data_parallel(Scale(), numtorch.ones(2), module_kwargs={"factor": 2.0})
    assert out.tolist() == [2.0, 2.0]


def test_functional_data_parallel_runs_the_module_on_the_cpu():
    # NOTE: PyTorch without CUDA raises "device type could not be determined" here.
    inner = nn.Linear(2, 2)
    x = numtorch.ones(3, 2)
    assert numtorch.equal(nn.parallel.data_parallel(inner, x, device_ids=range(2)), inner(x))
    assert numtorch.equal(nn.parallel.data_parallel(inner, (x,)), inner(x))


def test_data_parallel_needs_a_module():
    with pytest.raises(TypeError, match="nn.Module"):
        nn.DataParallel(lambda x: x)


@requires_torch
def test_data_parallel_matches_torch_repr_and_checkpoint_keys():
    th = torch.nn.DataParallel(torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU()))
    nt = nn.DataParallel(nn.Sequential(nn.Linear(3, 2), nn.ReLU()))
    assert repr(nt) == repr(th)
    nt.load_state_dict({k: v.numpy() for k, v in th.state_dict().items()})
    x = rng().standard_normal((4, 3)).astype(np.float32)
    np.testing.assert_allclose(to_numpy(nt(numtorch.tensor(x))), to_numpy(th(torch.tensor(x))),
                               rtol=1e-6)


def test_distributed_data_parallel_is_looked_up_lazily():
    import importlib.util

    if importlib.util.find_spec("numtorch.nn.parallel.distributed") is None:
        with pytest.raises(AttributeError, match="DistributedDataParallel"):
            nn.parallel.DistributedDataParallel
    with pytest.raises(AttributeError, match="no_such_name"):
        nn.parallel.no_such_name
