"""numtorch.linalg: norms, inverse, det, solve, decompositions, pinv, rank, multi_dot."""

import numpy as np
import pytest
from parity import check_grad, parity, raises_like, rng, torch

import numtorch

F64 = np.float64
INF = float("inf")


def arr(*shape, dtype=np.float32, seed=0):
    return rng(seed + sum(shape)).standard_normal(shape).astype(dtype)


def well_conditioned(*shape, dtype=F64, seed=0):
    n = shape[-1]
    return (arr(*shape, dtype=dtype, seed=seed) + 3 * np.eye(n)).astype(dtype)


def spd(*shape, dtype=F64, seed=0):
    a = arr(*shape, dtype=F64, seed=seed)
    return (a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])).astype(dtype)


def same_error(fn, *arrays):
    exc = raises_like(fn, *arrays)
    try:
        fn(torch, *[torch.tensor(a) if isinstance(a, np.ndarray) else a for a in arrays])
    except Exception as th:  # noqa: BLE001 - any torch error is compared
        assert str(exc).splitlines()[0] == str(th).splitlines()[0]
    return exc


# ====================================================================== norms
@pytest.mark.parametrize("ord", [2, 1, INF, -INF, 0, 3, 0.5])
@pytest.mark.parametrize("dim,keepdim", [(None, False), (1, False), ((0, 2), True), (-1, True)])
def test_vector_norm(ord, dim, keepdim):
    x = arr(2, 3, 4)
    parity(lambda lib, a: lib.linalg.vector_norm(a, ord, dim, keepdim), x, atol=1e-4)
    if ord != 0:
        check_grad(lambda lib, a: lib.linalg.vector_norm(a, ord, dim, keepdim),
                   x.astype(F64))


def test_vector_norm_zero_and_ties_gradients():
    parity(lambda lib, a: lib.linalg.vector_norm(a), np.zeros(3, "f4"))
    parity(lambda lib, a: lib.linalg.vector_norm(a, INF), np.array([1.0, -3.0, 3.0], "f4"))
    parity(lambda lib, a: lib.linalg.vector_norm(a, 0.5), np.array([0.0, -3.0, 3.0], "f4"))
    parity(lambda lib, a: lib.linalg.vector_norm(a, dtype=lib.float64), arr(3))
    check_grad(lambda lib, a: lib.linalg.vector_norm(a), arr(4, dtype=F64), gradgrad=True)


@pytest.mark.parametrize("ord", ["fro", "nuc", 1, -1, INF, -INF, 2, -2])
@pytest.mark.parametrize("dim,keepdim", [((-2, -1), False), ((0, 2), True)])
def test_matrix_norm(ord, dim, keepdim):
    x = arr(3, 2, 4)
    parity(lambda lib, a: lib.linalg.matrix_norm(a, ord, dim, keepdim), x, atol=1e-4)
    check_grad(lambda lib, a: lib.linalg.matrix_norm(a, ord, dim, keepdim), x.astype(F64))


@pytest.mark.parametrize("args", [{}, {"ord": 1}, {"ord": "fro"}, {"ord": "nuc"}, {"dim": 1},
                                  {"ord": INF, "dim": (0, 1)}, {"dim": (0, 1), "keepdim": True}])
def test_norm(args):
    parity(lambda lib, a: lib.linalg.norm(a, **args), arr(3, 4), atol=1e-4)


def test_norm_vector_input():
    parity(lambda lib, a: lib.linalg.norm(a, 3), arr(5))
    parity(lambda lib, a, b: lib.linalg.vecdot(a, b), arr(2, 3), arr(3, seed=1))


def test_norm_errors():
    same_error(lambda lib, a: lib.linalg.vector_norm(a), np.zeros(3, "i8"))
    same_error(lambda lib, a: lib.linalg.matrix_norm(a), np.zeros(3, "f4"))
    same_error(lambda lib, a: lib.linalg.matrix_norm(a, 3), np.zeros((3, 3), "f4"))
    same_error(lambda lib, a: lib.linalg.norm(a, 2), np.zeros((3, 3, 3), "f4"))
    same_error(lambda lib, a: lib.linalg.vector_norm(a, dim=(0, 0)), np.zeros((2, 3), "f4"))
    same_error(lambda lib, a: lib.linalg.vector_norm(a, "fro"), np.zeros(3, "f4"))


# ====================================================================== inv, det, solve
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (1, 1)])
def test_inv_det_slogdet(shape):
    a = well_conditioned(*shape)
    parity(lambda lib, x: lib.linalg.inv(x), a)
    parity(lambda lib, x: lib.linalg.det(x), a)
    parity(lambda lib, x: lib.linalg.slogdet(x), a)
    parity(lambda lib, x: lib.inverse(x), a.astype("f4"), atol=1e-4)
    parity(lambda lib, x: (lib.det(x), lib.logdet(x), lib.slogdet(x)), a)
    check_grad(lambda lib, x: lib.linalg.inv(x), a, gradgrad=True)
    check_grad(lambda lib, x: lib.linalg.det(x), a, gradgrad=True)
    check_grad(lambda lib, x: lib.linalg.slogdet(x)[1], a)


def test_det_negative():
    a = np.array([[0.0, 1.0], [1.0, 0.0]]) + 0.1
    parity(lambda lib, x: (lib.linalg.det(x), lib.linalg.slogdet(x), lib.logdet(x)), a)


@pytest.mark.parametrize("sa,sb,left", [((3, 3), (3,), True), ((3, 3), (3, 2), True),
                                        ((2, 3, 3), (3, 4), True), ((3, 3), (2, 3, 1), True),
                                        ((2, 3, 3), (2, 3), True), ((3, 3), (2, 3), False)])
def test_solve(sa, sb, left):
    a, b = well_conditioned(*sa), arr(*sb, dtype=F64, seed=1)
    parity(lambda lib, x, y: lib.linalg.solve(x, y, left=left), a, b)
    check_grad(lambda lib, x, y: lib.linalg.solve(x, y, left=left), a, b, gradgrad=True)


def test_inv_det_solve_errors():
    z = np.zeros
    same_error(lambda lib, a: lib.linalg.inv(a), z((3, 4), "f4"))
    same_error(lambda lib, a: lib.linalg.inv(a), z((3, 3), "f4"))
    same_error(lambda lib, a: lib.linalg.inv(a), z((2, 3, 3), "f4"))
    same_error(lambda lib, a: lib.linalg.inv(a), np.array([[1.0, 2.0], [2.0, 4.0]], "f4"))
    same_error(lambda lib, a: lib.linalg.inv(a), np.array([[0.0, 1.0], [0.0, 1.0]], "f4"))
    same_error(lambda lib, a: lib.linalg.inv(a), z((3, 3), "i8"))
    same_error(lambda lib, a: lib.linalg.det(a), z((3, 4), "f4"))
    same_error(lambda lib, a: lib.linalg.det(a), z(3, "f4"))
    same_error(lambda lib, a: lib.linalg.det(a), z((3, 3), "i8"))
    same_error(lambda lib, a, b: lib.linalg.solve(a, b), z((3, 3), "f4"), z(4, "f4"))
    same_error(lambda lib, a, b: lib.linalg.solve(a, b), z((3, 3), "f4"), z((2, 3), "f4"))
    same_error(lambda lib, a, b: lib.linalg.solve(a, b), z((3, 3), "f4"), z(3, "f8"))
    same_error(lambda lib, a, b: lib.linalg.solve(a, b), z((3, 3), "f4"), z((2, 3, 4), "f4"))
    same_error(lambda lib, a, b: lib.linalg.solve(a, b, left=False), np.eye(3, dtype="f4"),
               z(3, "f4"))
    exc = same_error(lambda lib, a, b: lib.linalg.solve(a, b), z((2, 3, 3), "f4"), z(3, "f4"))
    assert isinstance(exc, numtorch.linalg.LinAlgError)


# ====================================================================== decompositions
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4)])
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky(shape, upper):
    a = spd(*shape)
    parity(lambda lib, x: lib.linalg.cholesky(x, upper=upper), a)
    # Only one triangle is read: the finite differences go through a symmetric input.
    check_grad(lambda lib, x: lib.linalg.cholesky((x + x.mT) / 2, upper=upper), a,
               gradgrad=True)


def test_cholesky_errors():
    same_error(lambda lib, a: lib.linalg.cholesky(a), np.zeros((3, 3), "f4"))
    same_error(lambda lib, a: lib.linalg.cholesky(a), -np.eye(3, dtype="f4"))
    bad = np.stack([np.eye(3), np.diag([1.0, 1.0, -1.0])]).astype("f4")
    same_error(lambda lib, a: lib.linalg.cholesky(a), bad)
    same_error(lambda lib, a: lib.linalg.cholesky(a), np.zeros((3, 4), "f4"))


@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (2, 5, 2)])
def test_qr(shape):
    a = arr(*shape, dtype=F64)
    parity(lambda lib, x: lib.linalg.qr(x), a)
    check_grad(lambda lib, x: lib.linalg.qr(x), a)
    q, r = numtorch.linalg.qr(numtorch.tensor(a), mode="complete")
    assert np.allclose((q @ r).numpy(), a)
    parity(lambda lib, x: lib.linalg.qr(x, mode="r")[1], a, grad=False)


def test_qr_unsupported_gradient_raises():
    x = numtorch.randn(2, 4, dtype=numtorch.float64, requires_grad=True)
    q, r = numtorch.linalg.qr(x)
    with pytest.raises(RuntimeError, match="gradient"):
        (q.sum() + r.sum()).backward()


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4)])
def test_eigh(shape):
    a = spd(*shape)
    c = np.arange(1.0, shape[-1] + 1)

    def fn(lib, x):
        w, v = lib.linalg.eigh(x)
        return w, (v * lib.tensor(c, dtype=x.dtype)) @ v.mT  # invariant to eigenvector signs

    parity(fn, a)
    check_grad(lambda lib, x: fn(lib, (x + x.mT) / 2), a)
    parity(lambda lib, x: lib.linalg.eigvalsh(x, UPLO="U"), a)
    check_grad(lambda lib, x: lib.linalg.eigvalsh((x + x.mT) / 2), a, gradgrad=True)


@pytest.mark.parametrize("shape", [(3, 4), (4, 3), (2, 3, 3)])
def test_svd(shape):
    a = arr(*shape, dtype=F64)
    parity(lambda lib, x: lib.linalg.svdvals(x), a)
    check_grad(lambda lib, x: lib.linalg.svdvals(x), a)
    parity(lambda lib, x: lib.linalg.svd(x)[1], a)
    for full in (True, False):
        u, s, vh = numtorch.linalg.svd(numtorch.tensor(a), full_matrices=full)
        k = s.shape[-1]
        rec = (u[..., :k] * s.unsqueeze(-2)) @ vh[..., :k, :]
        assert np.allclose(rec.numpy(), a)
    u, s, v = numtorch.svd(numtorch.tensor(a))
    assert np.allclose(((u * s.unsqueeze(-2)) @ v.mT).numpy(), a)


def test_svd_gradient_through_u_raises():
    x = numtorch.randn(3, 3, dtype=numtorch.float64, requires_grad=True)
    u, s, vh = numtorch.linalg.svd(x)
    s.sum().backward()  # S alone is fine
    with pytest.raises(RuntimeError, match="U and Vh"):
        u, s, vh = numtorch.linalg.svd(x)
        u.sum().backward()


def test_decomposition_errors():
    same_error(lambda lib, a: lib.linalg.eigh(a), np.zeros((3, 4), "f4"))
    same_error(lambda lib, a: lib.linalg.svd(a), np.zeros(3, "f4"))
    same_error(lambda lib, a: lib.linalg.qr(a), np.zeros(3, "f4"))
    same_error(lambda lib, a: lib.linalg.svd(a), np.zeros((3, 3), "i8"))


# ====================================================================== pinv, rank, multi_dot
@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (2, 3, 3)])
def test_pinv(shape):
    a = arr(*shape, dtype=F64)
    parity(lambda lib, x: lib.linalg.pinv(x), a)
    parity(lambda lib, x: lib.pinverse(x), a)
    check_grad(lambda lib, x: lib.linalg.pinv(x), a, gradgrad=True)


def test_pinv_rank_deficient_and_tolerances():
    a = np.outer(np.arange(1.0, 4.0), np.arange(1.0, 5.0))
    parity(lambda lib, x: lib.linalg.pinv(x), a, grad=False)
    parity(lambda lib, x: lib.linalg.pinv(x, atol=0.5, rtol=0.0), arr(3, 3, dtype=F64),
           grad=False)
    parity(lambda lib, x: lib.linalg.matrix_rank(x), a)
    parity(lambda lib, x: lib.linalg.matrix_rank(x), arr(2, 3, 4))
    parity(lambda lib, x: lib.linalg.matrix_rank(x, atol=1.0), arr(3, 3, dtype=F64))
    same_error(lambda lib, x: lib.linalg.pinv(x), np.zeros((3, 4), "i8"))


@pytest.mark.parametrize("shapes", [[(2, 3), (3, 4)], [(3,), (3, 4), (4, 5), (5,)],
                                    [(6, 2), (2, 7), (7, 3), (3, 1)], [(4, 3), (3,)]])
def test_multi_dot(shapes):
    arrays = [arr(*s, seed=k) for k, s in enumerate(shapes)]
    parity(lambda lib, *xs: lib.linalg.multi_dot(list(xs)), *arrays, atol=1e-4)
    check_grad(lambda lib, *xs: lib.linalg.multi_dot(xs),
               *[a.astype(F64) for a in arrays])


@pytest.mark.parametrize("shapes,dts", [([(2, 3)], "f"), ([(2, 3, 3), (3,)], "ff"),
                                        ([(2, 3), (3, 3, 3)], "ff"), ([(2, 3), (4, 5)], "ff"),
                                        ([(2, 3), (3,)], "fd"), ([(2, 3), (3,), (2, 2)], "fff")])
def test_multi_dot_errors(shapes, dts):
    code = {"f": "f4", "d": "f8"}
    arrays = [np.zeros(s, code[d]) for s, d in zip(shapes, dts)]
    same_error(lambda lib, *xs: lib.linalg.multi_dot(list(xs)), *arrays)


def test_namespace_aliases():
    parity(lambda lib, a, b: lib.linalg.matmul(a, b), arr(2, 3), arr(3, 2))
    parity(lambda lib, a: lib.linalg.matrix_power(a, 2), arr(3, 3))
    parity(lambda lib, a, b: lib.linalg.cross(a, b), arr(2, 3), arr(2, 3, seed=1))
    parity(lambda lib, a: lib.cholesky_inverse(lib.linalg.cholesky(a)), spd(3, 3), atol=1e-6)
