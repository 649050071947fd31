"""Products: matmul in every shape combination, mm/bmm/mv/dot/..., einsum, cross, cdist."""

import numpy as np
import pytest
from parity import check_grad, parity, raises_like, rng, torch

import numtorch

F64 = np.float64


def arr(*shape, dtype=np.float32, seed=0):
    return rng(seed + sum(shape)).standard_normal(shape).astype(dtype)


def same_error(fn, *arrays):
    """Both libraries raise related exception types with the same first line of message."""
    exc = raises_like(fn, *arrays)
    try:
        fn(torch, *[torch.tensor(a) if isinstance(a, np.ndarray) else a for a in arrays])
    except Exception as th:  # noqa: BLE001 - any torch error is compared
        assert str(exc).splitlines()[0] == str(th).splitlines()[0]


# ====================================================================== matmul
MATMUL_SHAPES = [
    ((3,), (3,)), ((3,), (3, 4)), ((3, 4), (4,)), ((3, 4), (4, 5)),
    ((2, 3, 4), (2, 4, 5)), ((2, 1, 3, 4), (5, 4, 2)), ((3, 4), (2, 4, 5)), ((2, 3, 4), (4, 5)),
    ((2, 3, 4), (4,)), ((4,), (2, 4, 5)), ((1, 3, 4), (6, 4, 2)), ((0, 3), (3, 2)),
    ((3, 0), (0, 2)), ((2, 0, 4), (4, 3)),
]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
def test_matmul_parity(sa, sb):
    parity(lambda lib, a, b: a @ b, arr(*sa), arr(*sb, seed=1))
    parity(lambda lib, a, b: lib.matmul(a, b), arr(*sa), arr(*sb, seed=1))


@pytest.mark.parametrize("sa,sb", [s for s in MATMUL_SHAPES if 0 not in s[0] + s[1]])
def test_matmul_gradcheck(sa, sb):
    check_grad(lambda lib, a, b: a @ b, arr(*sa, dtype=F64), arr(*sb, dtype=F64, seed=1),
               gradgrad=True)


def test_matmul_integer_and_other_dtypes():
    for dt in (np.int64, np.int32, np.uint8):
        a = rng(0).integers(0, 5, (3, 4)).astype(dt)
        b = rng(1).integers(0, 5, (4, 2)).astype(dt)
        out = parity(lambda lib, x, y: x @ y, a, b)
        assert out[0].dtype == numtorch.from_numpy(a).dtype
    parity(lambda lib, x, y: x @ y, arr(2, 3, 4, dtype=F64), arr(4, dtype=F64))


@pytest.mark.parametrize("sa,sb,da,db", [
    ((3,), (4,), "f4", "f4"), ((3,), (4, 5), "f4", "f4"), ((3, 4), (5,), "f4", "f4"),
    ((3, 4), (5, 6), "f4", "f4"), ((2, 3, 4), (5, 6), "f4", "f4"), ((2, 3, 4), (5,), "f4", "f4"),
    ((3,), (2, 4, 5), "f4", "f4"), ((2, 3, 4), (2, 5, 6), "f4", "f4"),
    ((2, 3, 4), (3, 4, 5), "f4", "f4"), ((6, 2, 3, 4), (3, 4, 5), "f4", "f4"),
    ((2, 1, 3, 4), (5, 6, 7), "f4", "f4"), ((), (3,), "f4", "f4"), ((0, 3), (4, 2), "f4", "f4"),
    ((3,), (3,), "f8", "f4"), ((3, 4), (4,), "f4", "f8"), ((3, 4), (4,), "f8", "f4"),
    ((3,), (3, 2), "f4", "f8"), ((3, 4), (4, 2), "f4", "f8"), ((3, 4), (4, 2), "i8", "f4"),
    ((3, 4), (4, 2), "i8", "i4"), ((3, 4), (4, 2), "f2", "f4"), ((3, 4), (4, 2), "u1", "f4"),
    ((2, 3, 4), (2, 4, 2), "f4", "f8"), ((2, 3, 4), (2, 4, 2), "f8", "f4"),
    ((2, 3, 4), (4, 2), "f4", "f8"), ((3, 4), (4, 2), "?", "?"), ((3,), (3,), "?", "?"),
    ((3, 2), (2,), "?", "?"), ((2, 3, 4), (2, 4, 2), "?", "?"),
])
def test_matmul_errors(sa, sb, da, db):
    same_error(lambda lib, a, b: a @ b, np.zeros(sa, da), np.zeros(sb, db))


def test_matmul_out_and_rmatmul():
    out = numtorch.zeros(1)
    a, b = numtorch.ones(2, 3), numtorch.ones(3, 2)
    r = numtorch.matmul(a, b, out=out)
    assert r is out and out.shape == (2, 2) and float(out[0, 0]) == 3.0
    assert np.allclose((a.__rmatmul__(b)).numpy(), (b @ a).numpy())


def test_transposes():
    parity(lambda lib, a: a.t() @ a.T @ a.mT, arr(3, 3))
    parity(lambda lib, a: a.mT @ a, arr(2, 3, 4))
    parity(lambda lib, a: a.t(), arr(3))


def test_matmul_backward_makes_no_copies():
    """The 2-D gradients are BLAS products of the saved operands and transposed views."""
    a = numtorch.randn(4, 5, requires_grad=True)
    b = numtorch.randn(5, 3, requires_grad=True)
    y = a @ b
    assert y.grad_fn.saved_tensors[0]._data is a._data
    y.backward(numtorch.ones(4, 3))
    assert np.allclose(a.grad.numpy(), np.ones((4, 3)) @ b.detach().numpy().T, atol=1e-5)


# ====================================================================== mm, bmm, mv, dot...
def test_mm_bmm_mv_dot_parity():
    parity(lambda lib, a, b: lib.mm(a, b), arr(3, 4), arr(4, 2))
    parity(lambda lib, a, b: a.mm(b), arr(3, 4), arr(4, 2))
    parity(lambda lib, a, b: lib.bmm(a, b), arr(2, 3, 4), arr(2, 4, 5))
    parity(lambda lib, a, b: lib.mv(a, b), arr(3, 4), arr(4))
    parity(lambda lib, a, b: lib.dot(a, b), arr(4), arr(4, seed=1))
    parity(lambda lib, a, b: lib.vdot(a, b), arr(4), arr(4, seed=1))
    parity(lambda lib, a, b: lib.dot(a, b), np.arange(3), np.arange(3))
    parity(lambda lib, a, b: lib.dot(a, b), np.arange(3, dtype=np.int32),
           np.arange(3, dtype=np.int32))


@pytest.mark.parametrize("fn,sa,sb,da,db", [
    ("mm", (3,), (3, 4), "f4", "f4"), ("mm", (3, 4), (4,), "f4", "f4"),
    ("mm", (3, 4), (5, 4), "f4", "f4"), ("mm", (3, 4), (4, 2), "f4", "f8"),
    ("bmm", (3, 4), (4, 5), "f4", "f4"), ("bmm", (2, 3, 4), (4, 5), "f4", "f4"),
    ("bmm", (2, 3, 4), (3, 4, 5), "f4", "f4"), ("bmm", (2, 3, 4), (2, 5, 5), "f4", "f4"),
    ("bmm", (2, 3, 4), (2, 4, 5), "f4", "f8"), ("bmm", (2, 3, 4), (2, 4, 5), "?", "?"),
    ("mv", (3, 4), (5,), "f4", "f4"), ("mv", (3, 4), (4, 1), "f4", "f4"),
    ("mv", (4,), (4,), "f4", "f4"), ("mv", (3, 4), (4,), "f4", "f8"),
    ("dot", (3,), (4,), "f4", "f4"), ("dot", (3, 1), (3,), "f4", "f4"),
    ("dot", (3,), (3,), "f4", "f8"), ("dot", (3,), (3,), "?", "?"),
    ("vdot", (2, 2), (4,), "f4", "f4"), ("vdot", (3,), (3,), "i8", "f4"),
    ("inner", (3, 4), (5,), "f4", "f4"), ("inner", (3,), (3,), "f4", "f8"),
    ("outer", (3, 1), (4,), "f4", "f4"), ("outer", (3,), (4, 1), "f4", "f4"),
])
def test_product_errors(fn, sa, sb, da, db):
    same_error(lambda lib, a, b: getattr(lib, fn)(a, b), np.zeros(sa, da), np.zeros(sb, db))


def test_inner_outer_parity():
    parity(lambda lib, a, b: lib.inner(a, b), arr(3, 4), arr(2, 5, 4))
    parity(lambda lib, a, b: lib.inner(a, b), arr(4), arr(4, seed=1))
    parity(lambda lib, a, b: lib.inner(a, b), np.float32(2.0), arr(5, 4))
    parity(lambda lib, a, b: lib.outer(a, b), arr(3), arr(4))
    parity(lambda lib, a, b: lib.ger(a, b), arr(3), arr(4))
    parity(lambda lib, a, b: lib.outer(a, b), np.arange(3), arr(4))  # promotes to float32


def test_add_products_parity():
    parity(lambda lib, c, a, b: lib.addmm(c, a, b), arr(3, 2), arr(3, 4), arr(4, 2))
    parity(lambda lib, c, a, b: lib.addmm(c, a, b, beta=0.5, alpha=2), arr(2), arr(3, 4),
           arr(4, 2))
    parity(lambda lib, c, a, b: c.addmm(a, b, beta=0), arr(1), arr(3, 4), arr(4, 2))
    parity(lambda lib, c, a, b: lib.addmv(c, a, b, alpha=3), arr(3), arr(3, 4), arr(4))
    parity(lambda lib, c, a, b: lib.addbmm(c, a, b, beta=2), arr(3, 5), arr(2, 3, 4),
           arr(2, 4, 5))
    parity(lambda lib, c, a, b: lib.baddbmm(c, a, b, alpha=0.5), arr(3, 5), arr(2, 3, 4),
           arr(2, 4, 5))
    parity(lambda lib, c, a, b: lib.addr(c, a, b), arr(3, 4), arr(3), arr(4))
    parity(lambda lib, c, a, b: c.clone().addmm_(a, b), arr(3, 2), arr(3, 4), arr(4, 2))


def test_add_products_errors():
    same_error(lambda lib, c, a, b: lib.addmm(c, a, b), np.zeros(4, "f4"), np.zeros((3, 4), "f4"),
               np.zeros((4, 2), "f4"))
    same_error(lambda lib, c, a, b: lib.addmm(c, a, b), np.zeros((3, 2)), np.zeros((3, 4), "f4"),
               np.zeros((4, 2), "f4"))
    same_error(lambda lib, c, a, b: lib.addmv(c, a, b), np.zeros(3, "f4"), np.zeros((3, 4), "f4"),
               np.zeros(5, "f4"))


def test_add_products_gradcheck():
    check_grad(lambda lib, c, a, b: lib.addmm(c, a, b, beta=0.5, alpha=2), arr(3, dtype=F64),
               arr(2, 4, dtype=F64), arr(4, 3, dtype=F64))
    check_grad(lambda lib, c, a, b: lib.baddbmm(c, a, b), arr(1, 3, dtype=F64),
               arr(2, 3, 4, dtype=F64), arr(2, 4, 3, dtype=F64))
    check_grad(lambda lib, c, a, b: lib.addbmm(c, a, b), arr(3, 3, dtype=F64),
               arr(2, 3, 4, dtype=F64), arr(2, 4, 3, dtype=F64))


# ====================================================================== matrix_power, kron...
@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, -1, -2])
def test_matrix_power(n):
    a = arr(2, 3, 3, dtype=F64) + 3 * np.eye(3)
    parity(lambda lib, x: lib.matrix_power(x, n), a)
    parity(lambda lib, x: x.matrix_power(n), a[0])
    if n:
        check_grad(lambda lib, x: lib.matrix_power(x, n), a)


def test_matrix_power_int_and_errors():
    parity(lambda lib, x: lib.matrix_power(x, 3), rng(0).integers(0, 3, (2, 3, 3)))
    same_error(lambda lib, x: lib.matrix_power(x, 2), np.zeros((3, 4), "f4"))
    same_error(lambda lib, x: lib.matrix_power(x, 2), np.zeros(3, "f4"))
    same_error(lambda lib, x: lib.matrix_power(x, -1), np.zeros((3, 3), "i8"))


@pytest.mark.parametrize("sa,sb", [((2, 3), (4, 5)), ((2, 3), (4,)), ((2,), (3, 2, 2)),
                                   ((2,), ()), ((2, 1, 3), (1, 2, 2))])
def test_kron(sa, sb):
    parity(lambda lib, a, b: lib.kron(a, b), arr(*sa), arr(*sb, seed=1))
    check_grad(lambda lib, a, b: lib.kron(a, b), arr(*sa, dtype=F64), arr(*sb, dtype=F64))


def test_kron_promotes():
    parity(lambda lib, a, b: lib.kron(a, b), np.arange(6).reshape(2, 3), arr(2, 2))


@pytest.mark.parametrize("sa,sb,dims", [
    ((2, 3, 4), (3, 4, 5), 2), ((2, 3), (3, 5), 1), ((2, 3), (4, 5), 0),
    ((2, 3, 4), (4, 3, 5), ([1, 2], [1, 0])), ((3, 4), (4, 3), [[0], [1]]),
])
def test_tensordot(sa, sb, dims):
    parity(lambda lib, a, b: lib.tensordot(a, b, dims=dims), arr(*sa), arr(*sb, seed=1))
    check_grad(lambda lib, a, b: lib.tensordot(a, b, dims=dims), arr(*sa, dtype=F64),
               arr(*sb, dtype=F64))


def test_tensordot_errors():
    z = np.zeros
    same_error(lambda lib, a, b: lib.tensordot(a, b, dims=1), z((2, 3), "f4"), z((4, 5), "f4"))
    same_error(lambda lib, a, b: lib.tensordot(a, b, dims=-1), z((2, 3), "f4"), z((3, 2), "f4"))
    same_error(lambda lib, a, b: lib.tensordot(a, b, dims=([0, 1], [1])), z((2, 3), "f4"),
               z((3, 2), "f4"))
    same_error(lambda lib, a, b: lib.tensordot(a, b, dims=1), z((2, 3), "f4"), z((3, 2), "f8"))


def test_chain_matmul():
    parity(lambda lib, a, b, c: lib.chain_matmul(a, b, c), arr(2, 3), arr(3, 6), arr(6, 2))
    parity(lambda lib, a: lib.chain_matmul(a), arr(2, 3))
    same_error(lambda lib, a, b: lib.chain_matmul(a, b), np.zeros((2, 3), "f4"),
               np.zeros((4, 5), "f4"))


# ====================================================================== cross
@pytest.mark.parametrize("sa,sb,dim", [((4, 3), (4, 3), None), ((3, 2), (3, 2), None),
                                       ((4, 3), (1, 3), -1), ((2, 3, 5), (2, 3, 1), 1)])
def test_cross(sa, sb, dim):
    kw = {} if dim is None else {"dim": dim}
    with _nowarn():
        parity(lambda lib, a, b: lib.cross(a, b, **kw), arr(*sa), arr(*sb, seed=1))
    check_grad(lambda lib, a, b: lib.cross(a, b, **kw), arr(*sa, dtype=F64),
               arr(*sb, dtype=F64), gradgrad=True)


class _nowarn:
    def __enter__(self):
        import warnings

        self._w = warnings.catch_warnings()
        self._w.__enter__()
        warnings.simplefilter("ignore")

    def __exit__(self, *exc):
        self._w.__exit__(*exc)


def test_cross_errors():
    z = np.zeros
    with _nowarn():
        same_error(lambda lib, a, b: lib.cross(a, b), z((4, 3), "f4"), z(3, "f4"))
        same_error(lambda lib, a, b: lib.cross(a, b, dim=1), z((4, 2), "f4"), z((4, 2), "f4"))
        same_error(lambda lib, a, b: lib.cross(a, b), z((2, 4), "f4"), z((2, 4), "f4"))
        same_error(lambda lib, a, b: lib.linalg.cross(a, b), z((4, 2), "f4"), z((4, 2), "f4"))
        same_error(lambda lib, a, b: lib.linalg.cross(a, b), z((2, 3), "f4"), z((2, 3), "f8"))


# ====================================================================== einsum
EINSUM_CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 4)]), ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]), ("ij->", [(2, 3)]), ("ij->j", [(2, 3)]), ("ba", [(2, 3)]),
    ("i,j->ij", [(2,), (3,)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]), ("i...->...", [(3, 2, 2)]),
    ("ij,ij->ij", [(1, 3), (2, 3)]), ("i,i->", [(1,), (3,)]), ("iij->j", [(2, 2, 3)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]), ("i j -> j i", [(2, 3)]),
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]), ("iJ", [(2, 3)]),
    ("...", [(2, 3)]), ("ii,ij->j", [(3, 3), (3, 2)]),
]


@pytest.mark.parametrize("eq,shapes", EINSUM_CASES)
def test_einsum(eq, shapes):
    arrays = [arr(*s, seed=k) for k, s in enumerate(shapes)]
    parity(lambda lib, *xs: lib.einsum(eq, *xs), *arrays)
    arrays = [arr(*s, dtype=F64, seed=k) for k, s in enumerate(shapes)]
    check_grad(lambda lib, *xs: lib.einsum(eq, *xs), *arrays, gradgrad=True)


def test_einsum_call_forms_and_int():
    parity(lambda lib, a, b: lib.einsum("ij,jk", [a, b]), arr(2, 3), arr(3, 4))
    parity(lambda lib, a, b: lib.einsum(a, [0, 1], b, [1, 2], [0, 2]), arr(2, 3), arr(3, 4))
    parity(lambda lib, a, b: lib.einsum(a, [Ellipsis, 0], b, [0]), arr(2, 3), arr(3))
    parity(lambda lib, a: lib.einsum("ij->ji", a), np.arange(6).reshape(2, 3))


@pytest.mark.parametrize("eq,shapes,dts", [
    ("ij,jk", [(2, 3), (4, 5)], "ff"), ("ijk", [(2, 3)], "f"), ("ij,jk->ik", [(2, 3)], "f"),
    ("ij,jk->ik", [(2, 3), (3, 4), (3,)], "fff"), ("ii", [(2, 3)], "f"),
    ("ij->k", [(2, 3)], "f"), ("i->ii", [(2,)], "f"), ("ij,jk", [(2, 3), (3, 5)], "fd"),
    ("...ij,...jk", [(2, 1, 3), (4, 3, 5)], "ff"), ("i,i", [(3,), (3,)], "bb"),
    ("i1", [(2, 2)], "f"),
])
def test_einsum_errors(eq, shapes, dts):
    code = {"f": "f4", "d": "f8", "b": "?"}
    arrays = [np.zeros(s, code[d]) for s, d in zip(shapes, dts)]
    same_error(lambda lib, *xs: lib.einsum(eq, *xs), *arrays)


def test_einsum_double_backward_matches_torch():
    a, b = arr(2, 3, dtype=F64), arr(3, 2, dtype=F64, seed=1)

    def fn(lib, x, y):
        out = lib.einsum("ij,jk->ik", x, y)
        (gx,) = lib.autograd.grad(out.pow(2).sum(), x, create_graph=True)
        return gx

    parity(fn, a, b)


# ====================================================================== cdist
@pytest.mark.parametrize("sa,sb,p", [((3, 4), (5, 4), 2.0), ((2, 3, 4), (5, 4), 2.0),
                                     ((2, 3, 4), (2, 5, 4), 1.0), ((3, 2), (4, 2), 3.0),
                                     ((3, 2), (4, 2), 0.5)])
def test_cdist(sa, sb, p):
    parity(lambda lib, a, b: lib.cdist(a, b, p=p), arr(*sa), arr(*sb, seed=1), atol=1e-4)
    check_grad(lambda lib, a, b: lib.cdist(a, b, p=p), arr(*sa, dtype=F64),
               arr(*sb, dtype=F64, seed=1))


def test_cdist_zero_distance_gradient():
    x = arr(3, 4)
    parity(lambda lib, a: lib.cdist(a, a), x, atol=1e-3)
    t = numtorch.tensor(x, requires_grad=True)
    numtorch.cdist(t, t).sum().backward()
    assert np.isfinite(t.grad.numpy()).all()


def test_cdist_gradgrad():
    check_grad(lambda lib, a, b: lib.cdist(a, b), arr(3, 2, dtype=F64), arr(4, 2, dtype=F64),
               gradgrad=True)


@pytest.mark.parametrize("sa,sb,da,db,p", [
    ((3, 4), (5, 3), "f4", "f4", 2.0), ((3,), (5, 3), "f4", "f4", 2.0),
    ((2, 3, 4), (3, 5, 4), "f4", "f4", 2.0), ((3, 4), (5, 4), "f4", "f4", -1.0),
    ((3, 4), (5, 4), "f8", "f4", 2.0), ((3, 4), (3, 4), "i8", "i8", 2.0),
])
def test_cdist_errors(sa, sb, da, db, p):
    same_error(lambda lib, a, b: lib.cdist(a, b, p=p), np.zeros(sa, da), np.zeros(sb, db))


# ---------------------------------------------------------------------- pdist
@pytest.mark.parametrize("p", [2, 1, 0, 3.0, float("inf")])
def test_pdist_matches_torch(p):
    x = arr(5, 3)
    parity(lambda t, a: t.pdist(a, p), x, grad=p != 0)  # (PyTorch's p=0 backward is None)
    parity(lambda t, a: t.nn.functional.pdist(a, p=p), x[:1], grad=False)
    if p != 0:
        check_grad(lambda t, a: t.pdist(a, p), arr(4, 2, dtype=F64), atol=1e-4)


def test_pdist_edge_cases_and_errors():
    x = numtorch.ones(3, 2, requires_grad=True)  # zero distances: zero gradient
    numtorch.pdist(x).sum().backward()
    assert not x.grad.numpy().any()
    assert numtorch.pdist(numtorch.ones(0, 3)).shape == (0,)
    for call in (lambda t, a: t.pdist(a[0]), lambda t, a: t.pdist(a, -1),
                 lambda t, a: t.pdist(a.long()), lambda t, a: t.pdist(a.reshape(1, 5, 3))):
        raises_like(call, arr(5, 3))


def test_distance_functions_at_the_top_level():
    assert numtorch.cosine_similarity is numtorch.nn.functional.cosine_similarity
    assert numtorch.pairwise_distance is numtorch.nn.functional.pairwise_distance
    a, b = arr(4, 3), arr(4, 3, seed=5)
    parity(lambda t, x, y: t.cosine_similarity(x, y), a, b)
    parity(lambda t, x, y: t.pairwise_distance(x, y, 1.5), a, b)
