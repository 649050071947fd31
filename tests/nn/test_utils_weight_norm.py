"""nn.utils.weight_norm / remove_weight_norm against PyTorch's, and by finite differences."""

import numpy as np
import pytest
from parity import check_grad, requires_torch, rng, to_numpy, torch

import numtorch
from numtorch import nn


@requires_torch
@pytest.mark.parametrize("dim", [0, 1, None])
@pytest.mark.parametrize("make", [lambda lib: lib.nn.Linear(3, 4),
                                  lambda lib: lib.nn.Conv2d(2, 3, 3)])
def test_weight_norm_matches_torch(dim, make):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch deprecates this API for parametrizations
        th = torch.nn.utils.weight_norm(make(torch), dim=dim)
    nt = nn.utils.weight_norm(make(numtorch), dim=dim)
    th_sd = th.state_dict()
    assert sorted(nt.state_dict()) == sorted(th_sd)
    assert all(tuple(nt.state_dict()[k].shape) == tuple(v.shape) for k, v in th_sd.items())
    nt.load_state_dict({k: v.detach().numpy() for k, v in th_sd.items()})
    shape = (2, 3) if isinstance(nt, nn.Linear) else (2, 2, 5, 5)
    x = rng().standard_normal(shape).astype(np.float32)
    a, b = nt(numtorch.tensor(x)), th(torch.tensor(x))
    np.testing.assert_allclose(to_numpy(a), to_numpy(b), rtol=1e-5, atol=1e-6)
    a.pow(2).sum().backward()
    b.pow(2).sum().backward()
    for name in ("weight_g", "weight_v"):
        np.testing.assert_allclose(to_numpy(getattr(nt, name).grad),
                                   to_numpy(getattr(th, name).grad), rtol=1e-4, atol=1e-5)
    nn.utils.remove_weight_norm(nt)
    torch.nn.utils.remove_weight_norm(th)
    assert sorted(nt.state_dict()) == sorted(th.state_dict())
    np.testing.assert_allclose(to_numpy(nt.weight), to_numpy(th.weight), rtol=1e-5, atol=1e-6)


def test_weight_norm_keeps_the_function_and_trains_g_and_v():
    numtorch.manual_seed(0)
    plain = nn.Linear(3, 2)
    x = numtorch.randn(4, 3)
    want = plain(x)
    normed = nn.utils.weight_norm(plain)
    assert isinstance(normed.weight_g, nn.Parameter) and "weight" not in normed._parameters
    np.testing.assert_allclose(to_numpy(normed(x)), to_numpy(want), rtol=1e-6, atol=1e-6)
    names = [n for n, _ in normed.named_parameters()]
    assert sorted(names) == ["bias", "weight_g", "weight_v"]
    check_grad(lambda t, g, v: (v * (g / (v * v).sum(1, keepdim=True).sqrt())).sum(),
               np.abs(rng().standard_normal((2, 1))), rng(1).standard_normal((2, 3)))


def test_weight_norm_errors():
    m = nn.utils.weight_norm(nn.Linear(2, 2))
    with pytest.raises(RuntimeError, match="two weight_norm hooks"):
        nn.utils.weight_norm(m)
    with pytest.raises(IndexError, match="Dimension out of range"):
        nn.utils.weight_norm(nn.Linear(2, 2), dim=2)
    with pytest.raises(ValueError, match="weight_norm of 'bias' not found"):
        nn.utils.remove_weight_norm(m, "bias")
