"""nn.utils: gradient clipping, parameters <-> vector."""

import math

import numpy as np
import pytest
from parity import requires_torch, to_numpy, torch

import numtorch
from numtorch import nn
from numtorch.nn import utils


def _with_grads(lib, grads):
    params = []
    for g in grads:
        p = lib.nn.Parameter(lib.zeros(*g.shape))
        p.grad = lib.tensor(g)
        params.append(p)
    return params


@requires_torch
@pytest.mark.parametrize("norm_type", [2.0, 1, 3.0, math.inf, "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    r = np.random.default_rng(0)
    grads = [r.standard_normal((3, 4)).astype(np.float32), r.standard_normal(5).astype("f")]
    nt, th = _with_grads(numtorch, grads), _with_grads(torch, grads)
    tn = utils.clip_grad_norm_(nt, max_norm, norm_type=float(norm_type))
    tt = torch.nn.utils.clip_grad_norm_(th, max_norm, norm_type=float(norm_type))
    assert tn.shape == () and tn.dtype == numtorch.float32
    np.testing.assert_allclose(tn.item(), tt.item(), rtol=1e-5)
    for a, b in zip(nt, th):
        np.testing.assert_allclose(to_numpy(a.grad), to_numpy(b.grad), rtol=1e-5, atol=1e-7)


def test_clip_grad_norm_single_tensor_none_grads_and_nonfinite():
    p = nn.Parameter(numtorch.zeros(2))
    p.grad = numtorch.tensor([3.0, 4.0])
    assert utils.clip_grad_norm_(p, 1.0).item() == pytest.approx(5.0)
    np.testing.assert_allclose(to_numpy(p.grad), [0.6, 0.8], rtol=1e-5)
    assert utils.clip_grad_norm_([nn.Parameter(numtorch.zeros(1))], 1.0).item() == 0.0
    p.grad = numtorch.tensor([float("nan"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)


@requires_torch
def test_clip_grad_value_matches_torch():
    grads = [np.array([[-3.0, 0.5], [2.0, -0.1]], dtype=np.float32)]
    nt, th = _with_grads(numtorch, grads), _with_grads(torch, grads)
    utils.clip_grad_value_(nt, 1.0)
    torch.nn.utils.clip_grad_value_(th, 1.0)
    np.testing.assert_array_equal(to_numpy(nt[0].grad), to_numpy(th[0].grad))


def test_parameters_vector_round_trip():
    m = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    vec = utils.parameters_to_vector(m.parameters())
    assert vec.shape == (11,)
    vec.sum().backward()
    assert to_numpy(m[0].weight.grad).tolist() == [[1.0] * 3] * 2
    new = numtorch.arange(11, dtype=numtorch.float32)
    utils.vector_to_parameters(new, m.parameters())
    assert to_numpy(m[0].weight).tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert to_numpy(m[1].bias).tolist() == [10.0]
    with pytest.raises(TypeError, match="expected torch.Tensor"):
        utils.vector_to_parameters([1.0], m.parameters())
