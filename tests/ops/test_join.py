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
