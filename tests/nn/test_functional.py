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


# ---------------------------------------------------------------------- gumbel_softmax
def test_gumbel_softmax_samples_and_straight_through_gradient():
    logits = numtorch.tensor([[1.0, 2.0, 0.5], [0.0, 0.0, 3.0]], requires_grad=True)
    numtorch.manual_seed(0)
    soft = F.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(soft.sum(1).detach().numpy(), [1.0, 1.0], rtol=1e-6)
    numtorch.manual_seed(0)
    hard = F.gumbel_softmax(logits, tau=0.5, hard=True)
    assert hard.detach().numpy().tolist() == np.eye(3)[soft.argmax(1).numpy()].tolist()
    w = numtorch.tensor([[1.0, -2.0, 0.5], [3.0, 0.0, 1.0]])
    (hard * w).sum().backward()
    g_hard = logits.grad.clone()
    logits.grad = None
    (soft * w).sum().backward()
    np.testing.assert_allclose(g_hard.numpy(), logits.grad.numpy(), rtol=1e-6)
    # The frequencies follow softmax(logits) (the Gumbel-max trick).
    numtorch.manual_seed(1)
    many = F.gumbel_softmax(numtorch.log(numtorch.tensor([0.2, 0.3, 0.5])).expand(4000, 3),
                            hard=True)
    np.testing.assert_allclose(many.mean(0).numpy(), [0.2, 0.3, 0.5], atol=0.03)


def test_gumbel_softmax_gradcheck_with_fixed_noise():
    def f(t, x):
        t.manual_seed(3)
        return F.gumbel_softmax(x, tau=0.7, dim=0)

    check_grad(f, rng().standard_normal((3, 2)))


# ---------------------------------------------------------------------- affine_grid, grid_sample
def _grid(shape, seed=1):
    return (rng(seed).random(shape) * 2.4 - 1.2).astype(np.float32)


@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid_matches_torch(align_corners):
    theta = rng().standard_normal((2, 2, 3)).astype(np.float32)
    parity(lambda t, th: t.nn.functional.affine_grid(th, (2, 3, 4, 5),
                                                     align_corners=align_corners), theta)


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_matches_torch(mode, padding_mode, align_corners):
    x = rng().standard_normal((2, 3, 5, 6)).astype(np.float32)
    parity(lambda t, a, g: t.nn.functional.grid_sample(a, g, mode=mode,
                                                       padding_mode=padding_mode,
                                                       align_corners=align_corners),
           x, _grid((2, 4, 7, 2)), atol=1e-5, rtol=1e-4,
           # nearest: PyTorch's grid gradient is all zeros, numtorch's None
           grad_inputs=(0,) if mode == "nearest" else None)


def test_grid_sample_and_affine_grid_gradcheck():
    x = rng().standard_normal((1, 2, 4, 5))
    theta = np.array([[[0.9, 0.2, 0.1], [-0.15, 1.1, -0.05]]])

    def f(t, a, th):
        return t.nn.functional.grid_sample(
            a, t.nn.functional.affine_grid(th, (1, 2, 3, 4), align_corners=False),
            align_corners=False)

    check_grad(f, x, theta)
    check_grad(lambda t, a, g: t.nn.functional.grid_sample(a, g, padding_mode="border",
                                                           align_corners=True),
               x, _grid((1, 3, 2, 2), seed=4).astype(np.float64))


def test_grid_sample_warns_without_align_corners():
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        F.grid_sample(numtorch.ones(1, 1, 2, 2), numtorch.zeros(1, 1, 1, 2))
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        F.affine_grid(numtorch.zeros(1, 2, 3), (1, 1, 2, 2))


@pytest.mark.parametrize("call", [
    lambda t, x, g: t.nn.functional.grid_sample(x, g[..., :1], align_corners=False),
    lambda t, x, g: t.nn.functional.grid_sample(x, g, mode="cubic", align_corners=False),
    lambda t, x, g: t.nn.functional.grid_sample(x, g, padding_mode="wrap", align_corners=False),
    lambda t, x, g: t.nn.functional.grid_sample(x[:1], g, align_corners=False),
    lambda t, x, g: t.nn.functional.affine_grid(g[:, 0, :2, :], (2, 1, 2), align_corners=False),
])
def test_sampling_bad_input_raises_like_torch(call):
    raises_like(call, np.ones((2, 1, 3, 3), np.float32), _grid((2, 2, 3, 2)))
