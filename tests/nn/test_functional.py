"""nn.functional: the façade, linear algebra helpers, distances, one_hot, softmax family."""

import numpy as np
import pytest
from parity import check_grad, parity, raises_like, requires_torch, rng

import numtorch
import numtorch.nn.functional as F
from numtorch.ops import conv, loss, normalization, pooling


def test_other_families_are_bound():
    for family in (conv, pooling, normalization, loss):
        for name in getattr(family, "FUNCTIONAL", ()):
            # (the functional form may check its tensor arguments first: the same function)
            f = getattr(F, name)
            assert getattr(f, "__wrapped__", f) is getattr(family, name)
            assert name in F.__all__
    for name in ("relu", "softmax", "log_softmax", "dropout", "linear", "embedding", "one_hot",
                 "pad", "sigmoid", "tanh", "gelu", "normalize"):
        assert callable(getattr(F, name))


@requires_torch
def test_linear_and_bilinear_parity():
    r = rng(2)
    x = r.standard_normal((4, 3)).astype(np.float32)
    w = r.standard_normal((2, 3)).astype(np.float32)
    b = r.standard_normal(2).astype(np.float32)
    parity(lambda lib, x, w, b: lib.nn.functional.linear(x, w, b), x, w, b)
    parity(lambda lib, x, w: lib.nn.functional.linear(x, w), x, w)
    w3 = r.standard_normal((2, 3, 5)).astype(np.float32)
    x2 = r.standard_normal((4, 5)).astype(np.float32)
    parity(lambda lib, x, y, w, b: lib.nn.functional.bilinear(x, y, w, b), x, x2, w3, b)
    err = raises_like(lambda lib, x, w: lib.nn.functional.linear(x, w),
                      np.zeros((64, 100), "f"), np.zeros((10, 50), "f"))
    assert "(64x100 and 50x10)" in str(err)


@requires_torch
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_family(dim):
    x = rng(1).standard_normal((3, 4, 5)).astype(np.float32) * 5
    parity(lambda lib, x: lib.nn.functional.softmax(x, dim=dim), x)
    parity(lambda lib, x: lib.nn.functional.log_softmax(x, dim), x)
    parity(lambda lib, x: lib.nn.functional.softmin(x, dim), x)
    parity(lambda lib, x: lib.nn.functional.softmax(x, dim, dtype=lib.float64), x)


def test_softmax_implicit_dim():
    for shape, dim in [((3,), 0), ((2, 3), 1), ((2, 3, 4), 0), ((2, 3, 4, 5), 1)]:
        x = numtorch.randn(*shape)
        with pytest.warns(UserWarning, match="Implicit dimension choice for log_softmax"):
            y = F.log_softmax(x)
        np.testing.assert_allclose(y.numpy(), F.log_softmax(x, dim).numpy())


@requires_torch
@pytest.mark.parametrize("p", [2.0, 1.0, 3.0])
def test_normalize_and_distances(p):
    r = rng(4)
    a = r.standard_normal((4, 5)).astype(np.float32)
    b = r.standard_normal((4, 5)).astype(np.float32)
    a[1] = 0
    parity(lambda lib, a: lib.nn.functional.normalize(a, p=p), a)
    parity(lambda lib, a: lib.nn.functional.normalize(a, p=p, dim=0), a)
    parity(lambda lib, a, b: lib.nn.functional.pairwise_distance(a, b, p=p), a, b)
    parity(lambda lib, a, b: lib.nn.functional.pairwise_distance(a, b, p=p, keepdim=True), a, b)


@requires_torch
def test_cosine_similarity():
    r = rng(5)
    a = r.standard_normal((4, 5)).astype(np.float32)
    b = r.standard_normal((1, 5)).astype(np.float32)
    parity(lambda lib, a, b: lib.nn.functional.cosine_similarity(a, b), a, b)
    parity(lambda lib, a, b: lib.nn.functional.cosine_similarity(a, b, dim=0), a, a[::-1].copy())
    parity(lambda lib, a, b: lib.nn.functional.cosine_similarity(a, b, dim=-1), a[0], b[0])
    check_grad(lambda lib, a, b: F.cosine_similarity(a, b), a.astype(np.float64),
               b.astype(np.float64))


def test_normalize_check_grad():
    check_grad(lambda lib, a: F.normalize(a), rng(6).standard_normal((3, 4)))
    check_grad(lambda lib, a: F.normalize(a, p=3.0, dim=0), rng(6).standard_normal((3, 4)))


@requires_torch
def test_one_hot_matches_torch():
    idx = np.array([[0, 2], [1, 3]])
    parity(lambda lib, i: lib.nn.functional.one_hot(i), idx)
    parity(lambda lib, i: lib.nn.functional.one_hot(i, 6), idx)
    raises_like(lambda lib, i: lib.nn.functional.one_hot(i, 2), idx)
    raises_like(lambda lib, i: lib.nn.functional.one_hot(i), np.array([-1, 0]))
    raises_like(lambda lib, i: lib.nn.functional.one_hot(i), idx.astype(np.float32))


@requires_torch
def test_embedding_functional():
    w = rng(8).standard_normal((6, 3)).astype(np.float32)
    idx = np.array([[0, 5, 5], [2, 0, 1]])
    parity(lambda lib, i, w: lib.nn.functional.embedding(i, w), idx, w)
    parity(lambda lib, i, w: lib.nn.functional.embedding(i, w, padding_idx=5), idx, w)


@requires_torch
def test_glu_and_inplace_variants():
    x = rng(9).standard_normal((2, 6)).astype(np.float32)
    parity(lambda lib, x: lib.nn.functional.glu(x), x)
    parity(lambda lib, x: lib.nn.functional.relu_(x * 1), x)
    parity(lambda lib, x: lib.nn.functional.elu_(x * 1, 0.5), x)
    parity(lambda lib, x: lib.nn.functional.leaky_relu(x * 1, 0.1, inplace=True), x)
    parity(lambda lib, x: lib.nn.functional.hardtanh_(x * 1, -0.5, 0.5), x)
    parity(lambda lib, x: lib.nn.functional.threshold_(x * 1, 0.1, 2.0), x)
    parity(lambda lib, x: lib.nn.functional.relu6(x * 1, inplace=True), x)
