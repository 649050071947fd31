"""diff (in ops/join.py; cat, stack and split are tested in test_shape.py)."""

import numpy as np
import pytest
from parity import check_grad, parity, raises_like, rng


@pytest.mark.parametrize("n,dim", [(1, -1), (2, -1), (1, 0), (3, 1), (0, 0)])
def test_diff_matches_torch(n, dim):
    parity(lambda t, x: t.diff(x, n=n, dim=dim), rng().standard_normal((3, 5)).astype(np.float32))


def test_diff_prepend_append_and_dtypes_match_torch():
    x = np.array([[1, 4, 9], [2, 2, 5]], np.int64)
    parity(lambda t, a, p, q: t.diff(a, dim=1, prepend=p, append=q), x,
           np.zeros((2, 1), np.int64), np.full((2, 2), 10, np.int64), grad=False)
    parity(lambda t, a: a.diff(), np.array([True, False, False, True]), grad=False)
    parity(lambda t, a: t.diff(a, n=5), np.arange(3, dtype=np.float32))


def test_diff_gradcheck():
    check_grad(lambda t, x, p: t.diff(x, n=2, dim=0, prepend=p),
               rng().standard_normal((4, 3)), rng(1).standard_normal((1, 3)))


def test_diff_of_a_scalar_raises_like_torch():
    raises_like(lambda t, a: t.diff(a), np.float32(2.0))


# ---------------------------------------------------------------------- hsplit, vsplit, dsplit
@pytest.mark.parametrize("name,shape", [("hsplit", (4,)), ("hsplit", (3, 4)),
                                        ("hsplit", (2, 4, 3)), ("vsplit", (4, 3)),
                                        ("vsplit", (4, 2, 2)), ("dsplit", (2, 3, 4))])
@pytest.mark.parametrize("arg", [2, [1, 3], [3, 1], [0, -1, 9]], ids=str)
def test_hsplit_vsplit_dsplit_match_torch(name, shape, arg):
    x = rng(1).standard_normal(shape).astype(np.float32)
    parity(lambda t, a: getattr(t, name)(a, arg), x)
    parity(lambda t, a: getattr(a, name)(arg), x.astype(np.float64))


@pytest.mark.parametrize("call", [
    lambda t, x: t.hsplit(x[0, 0], 2), lambda t, x: t.hsplit(x, 3),
    lambda t, x: t.hsplit(x, 0), lambda t, x: t.vsplit(x[0], 2), lambda t, x: t.vsplit(x, 3),
    lambda t, x: t.dsplit(x, 2), lambda t, x: t.hsplit(x, (1.5,)),
])
def test_hsplit_vsplit_dsplit_errors_like_torch(call):
    raises_like(call, np.ones((4, 4), np.float32))


# ---------------------------------------------------------------------- block_diag
def test_block_diag_matches_torch():
    a = rng(2).standard_normal((2, 3)).astype(np.float32)
    parity(lambda t, x, y, z, w: t.block_diag(x, y, z, w), a, np.array([1.0, 2.0], np.float32),
           np.float32(5.0), np.ones((0, 2), np.float32))
    # promotion across blocks; empty blocks still take rows or columns
    parity(lambda t, x, y: t.block_diag(x, y), a.astype(np.float64), np.array([[1, 2]]))
    parity(lambda t, x, y: t.block_diag(x, y), np.ones((2, 0), np.float32),
           np.ones((0, 3), np.float32))
    parity(lambda t: t.block_diag())
    check_grad(lambda t, x, y: t.block_diag(x, y, x), rng(3).standard_normal((2, 2)),
               rng(4).standard_normal(3))
    raises_like(lambda t, x: t.block_diag(x, x.reshape(1, 2, 3)), a)
