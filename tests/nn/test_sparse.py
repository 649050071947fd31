"""Embedding."""

import numpy as np
import pytest
from parity import raises_like, requires_torch, rng, to_numpy, torch

import numtorch
from numtorch import nn

from .module_parity import module_parity

IDX = np.array([[1, 0, 3, 3], [2, 9, 0, 1]], dtype=np.int64)


@pytest.mark.parametrize("kwargs", [{}, {"padding_idx": 0}, {"padding_idx": -1},
                                    {"scale_grad_by_freq": True},
                                    {"padding_idx": 3, "scale_grad_by_freq": True}])
def test_embedding_matches_torch(kwargs):
    nt, th, _ = module_parity(lambda lib: lib.nn.Embedding(10, 4, **kwargs), IDX)
    assert repr(nt) == repr(th)


def test_padding_row_is_zero_and_gets_no_gradient():
    m = nn.Embedding(5, 3, padding_idx=2)
    assert not to_numpy(m.weight)[2].any()
    out = m(numtorch.tensor([2, 2, 1]))
    assert not to_numpy(out)[:2].any()
    out.sum().backward()
    assert not to_numpy(m.weight.grad)[2].any() and to_numpy(m.weight.grad)[1].all()


def test_default_init_is_standard_normal():
    w = to_numpy(nn.Embedding(1000, 50).weight)
    assert abs(w.mean()) < 0.02 and abs(w.std() - 1) < 0.02


@requires_torch
def test_max_norm_matches_torch():
    w = rng().standard_normal((6, 3)).astype(np.float32) * 3
    idx = np.array([0, 2, 2, 5])
    e_nt = nn.Embedding.from_pretrained(numtorch.tensor(w.copy()), max_norm=1.0)
    e_th = torch.nn.Embedding.from_pretrained(torch.tensor(w.copy()), max_norm=1.0)
    y_nt, y_th = e_nt(numtorch.tensor(idx)), e_th(torch.tensor(idx))
    np.testing.assert_allclose(to_numpy(y_nt), to_numpy(y_th), rtol=1e-5)
    np.testing.assert_allclose(to_numpy(e_nt.weight), to_numpy(e_th.weight), rtol=1e-5)


@requires_torch
def test_from_pretrained():
    w = numtorch.tensor([[1.0, 2.0], [3.0, 4.0]])
    e = nn.Embedding.from_pretrained(w)
    assert not e.weight.requires_grad
    assert e(numtorch.tensor([1])).tolist() == [[3.0, 4.0]]
    assert repr(e) == repr(torch.nn.Embedding.from_pretrained(torch.tensor([[1.0, 2.0],
                                                                            [3.0, 4.0]])))
    assert nn.Embedding.from_pretrained(w, freeze=False).weight.requires_grad


@requires_torch
def test_errors_match_torch():
    raises_like(lambda lib, i: lib.nn.Embedding(3, 2)(i), np.array([0, 3]))
    raises_like(lambda lib, i: lib.nn.Embedding(3, 2)(i), np.array([0.0, 1.0]))
    with pytest.raises(AssertionError):
        nn.Embedding(3, 2, padding_idx=3)
