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


# ---------------------------------------------------------------------- EmbeddingBag
BAG_IDX = np.array([1, 2, 4, 5, 4, 3, 2, 9, 0], dtype=np.int64)
BAG_OFFSETS = np.array([0, 2, 2, 6], dtype=np.int64)  # bags of 2, 0, 4 and 3 indices


def _weight():
    return rng().standard_normal((10, 3)).astype(np.float32)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, 2])
def test_embedding_bag_with_offsets_matches_torch(mode, padding_idx):
    from parity import parity

    parity(lambda t, i, w, o: t.nn.functional.embedding_bag(i, w, o, mode=mode,
                                                           padding_idx=padding_idx),
           BAG_IDX, _weight(), BAG_OFFSETS)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_2d_input_and_last_offset_match_torch(mode):
    from parity import parity

    parity(lambda t, i, w: t.nn.functional.embedding_bag(i, w, mode=mode), IDX, _weight())
    offsets = np.append(BAG_OFFSETS, len(BAG_IDX))
    parity(lambda t, i, w, o: t.nn.functional.embedding_bag(i, w, o, mode=mode,
                                                           include_last_offset=True),
           BAG_IDX, _weight(), offsets)


def test_embedding_bag_per_sample_weights_match_torch():
    from parity import parity

    psw = rng(1).standard_normal(len(BAG_IDX)).astype(np.float32)
    parity(lambda t, i, w, o, p: t.nn.functional.embedding_bag(i, w, o, mode="sum",
                                                              per_sample_weights=p),
           BAG_IDX, _weight(), BAG_OFFSETS, psw)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_gradcheck(mode):
    from parity import check_grad

    psw = rng(1).standard_normal(len(BAG_IDX))
    if mode == "sum":
        check_grad(lambda t, w, p: t.nn.functional.embedding_bag(
            t.tensor(BAG_IDX), w, t.tensor(BAG_OFFSETS), mode=mode, per_sample_weights=p),
            _weight().astype(np.float64), psw)
    else:
        check_grad(lambda t, w: t.nn.functional.embedding_bag(
            t.tensor(BAG_IDX), w, t.tensor(BAG_OFFSETS), mode=mode, padding_idx=4),
            _weight().astype(np.float64))


@requires_torch
def test_embedding_bag_module_matches_torch():
    for kwargs in ({}, {"mode": "max", "padding_idx": 2}, {"mode": "sum", "max_norm": 1.0}):
        nt, th, _ = module_parity(lambda lib: lib.nn.EmbeddingBag(10, 4, **kwargs), IDX)
        assert repr(nt) == repr(th)
    w = _weight()
    nt = nn.EmbeddingBag.from_pretrained(numtorch.tensor(w), mode="sum")
    th = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(w), mode="sum")
    assert not nt.weight.requires_grad
    np.testing.assert_allclose(to_numpy(nt(numtorch.tensor(IDX))),
                               to_numpy(th(torch.tensor(IDX))), rtol=1e-6)


@pytest.mark.parametrize("call", [
    lambda t, i, w: t.nn.functional.embedding_bag(i, w),  # 1-D input without offsets
    lambda t, i, w: t.nn.functional.embedding_bag(i, w, t.tensor([1, 2])),
    lambda t, i, w: t.nn.functional.embedding_bag(i, w, t.tensor([0, 50])),
    lambda t, i, w: t.nn.functional.embedding_bag(i.view(3, 3), w, t.tensor([0])),
    lambda t, i, w: t.nn.functional.embedding_bag(i, w, t.tensor([0]), mode="mean",
                                                  per_sample_weights=t.ones(9)),
])
def test_embedding_bag_bad_input_raises_like_torch(call):
    raises_like(call, BAG_IDX, _weight())
