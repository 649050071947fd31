"""as_strided, storages, resize_, set_, new_empty_strided and frombuffer
(numtorch/ops/strided.py): float64 gradient checks and parity with PyTorch."""

import array
import warnings

import numpy as np
import pytest
from parity import check_grad, parity, raises_like, rng

import numtorch

torch = pytest.importorskip("torch")

GEOMETRIES = [
    ((2, 2), (1, 2), None),       # a transpose
    ((3,), (2,), 1),              # every other element, from the second
    ((2, 3), (0, 1), 2),          # a row repeated: overlapping elements
    ((3, 2), (1, 1), 0),          # sliding windows: overlapping
    ((0, 3), (3, 1), 0),          # empty
    ((), (), 5),                  # one element
]


@pytest.mark.parametrize("size,stride,offset", GEOMETRIES)
def test_as_strided_parity_and_gradcheck(size, stride, offset):
    a = rng().standard_normal(8)
    parity(lambda lib, x: lib.as_strided(x, size, stride, offset), a)
    parity(lambda lib, x: (x * 1).as_strided(size, stride, offset), a)
    check_grad(lambda lib, x: lib.as_strided(x, size, stride, offset), a)


def test_as_strided_of_a_view_uses_the_storage():
    a = rng().standard_normal((3, 4))
    # offset None: the view's own offset; an explicit offset counts from the storage's start
    parity(lambda lib, x: (x * 1)[1:, 1:].as_strided((2, 2), (4, 1)), a)
    parity(lambda lib, x: (x * 1)[1:].as_strided((2,), (1,), 0), a)
    parity(lambda lib, x: (x * 1).t().as_strided((3,), (5,)), a)
    check_grad(lambda lib, x: (x * 1)[1:, 1:].as_strided((2, 2), (4, 1)), a)


def test_as_strided_of_an_expanded_input_shares_the_gradient():
    a = rng().standard_normal((1, 3))
    parity(lambda lib, x: (x * 1).expand(4, 3).as_strided((2, 2), (1, 1), 0), a)
    check_grad(lambda lib, x: (x * 1).expand(4, 3).as_strided((2, 2), (1, 1), 0), a)


def test_as_strided_double_backward():
    a = rng().standard_normal(6)
    check_grad(lambda lib, x: lib.as_strided(x * x, (2, 2), (1, 2), 1), a, gradgrad=True)


def test_as_strided_is_a_view():
    for lib in (numtorch, torch):
        x = lib.arange(6.0)
        v = x.as_strided((2, 2), (1, 2), 1)
        v[0, 0] = 100.0
        assert x[1].item() == 100.0
        assert v.storage_offset() == 1 and v.stride() == (1, 2)
        assert v._version == x._version == 1
        y = lib.arange(6.0)
        assert y.as_strided_((3,), (2,)) is y and y.tolist() == [0.0, 2.0, 4.0]


def test_as_strided_errors():
    raises_like(lambda lib: lib.as_strided(lib.ones(4), (3,), (2,)), match="out of bounds")
    raises_like(lambda lib: lib.as_strided(lib.ones(4), (3,), (-1,)), match="Negative strides")
    raises_like(lambda lib: lib.as_strided(lib.ones(4), (3,), (1,), -1), match="-1")
    raises_like(lambda lib: lib.as_strided(lib.ones(4), (3, 2), (1,)), match="mismatch")
    raises_like(lambda lib: lib.ones(2, requires_grad=True).as_strided_((2,), (1,)))


def test_storages():
    for lib in (numtorch, torch):
        y = lib.arange(6.0)
        s = y.untyped_storage()
        assert len(s) == s.nbytes() == s.size() == 24 and s.element_size() == 1
        assert s.data_ptr() == y.data_ptr()
        assert y[2:].untyped_storage().data_ptr() == y.data_ptr()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ts = y.storage()
        assert len(ts) == 6 and ts.dtype == lib.float32 and ts[1] == 1.0
        assert ts.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0] and ts.element_size() == 4
        ts[0] = 7.0
        assert y[0].item() == 7.0
        assert lib.is_storage(s) and lib.is_storage(ts) and not lib.is_storage(y)


def test_set_forms():
    for lib in (numtorch, torch):
        y = lib.arange(6.0)
        z = lib.zeros(1)
        assert z.set_(y.untyped_storage(), 1, (2, 2), (1, 2)) is z
        assert z.tolist() == [[1.0, 3.0], [2.0, 4.0]] and z.storage_offset() == 1
        z2 = lib.zeros(1)
        z2.set_(y)
        assert z2.data_ptr() == y.data_ptr() and z2._version == 1 and y._version == 0
        z3 = lib.zeros(1)
        assert z3.set_(y, 2, (2,), (1,)).tolist() == [2.0, 3.0]
        assert lib.zeros(3, 3).set_().shape == (0,)
        z4 = lib.zeros(1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert z4.set_(y.storage()).tolist() == y.tolist()
    raises_like(lambda lib: lib.zeros(1).set_(lib.zeros(2, dtype=lib.int64)), match="long")
    raises_like(lambda lib: lib.ones(3, requires_grad=True).set_(lib.zeros(2)),
                match="leaf Variable")


def test_resize():
    for lib in (numtorch, torch):
        x = lib.arange(6.0)
        assert x.resize_(2, 2) is x and x.tolist() == [[0.0, 1.0], [2.0, 3.0]]
        assert x._version == 1
        big = lib.arange(4.0)
        big.resize_(3, 3)
        assert big.shape == (3, 3) and big.flatten()[:4].tolist() == [0.0, 1.0, 2.0, 3.0]
        t = lib.arange(6.0)
        assert t.resize_as_(lib.ones(3, 2)).tolist() == [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]
        assert lib.resize_as_(lib.arange(6.0), lib.ones(2)).tolist() == [0.0, 1.0]
        assert lib.ones(2, 3, 4, 5).resize_(2, 3, 4, 5, memory_format=lib.channels_last) \
            .is_contiguous(memory_format=lib.channels_last)
    raises_like(lambda lib: lib.ones(2, requires_grad=True).resize_(4), match="resize")
    raises_like(lambda lib: (lib.ones(2, requires_grad=True) * 1).resize_(4), match="resize")
    raises_like(lambda lib: lib.ones(2).resize_(-1, 2), match="negative dimension")


def test_new_empty_strided():
    for lib in (numtorch, torch):
        x = lib.ones(2, dtype=lib.float64)
        t = x.new_empty_strided((2, 3), (1, 2))
        assert t.shape == (2, 3) and t.stride() == (1, 2) and t.dtype == lib.float64
        u = x.new_empty_strided((2,), (3,), dtype=lib.int32, requires_grad=False)
        assert u.stride() == (3,) and u.dtype == lib.int32
        assert x.new_empty_strided((2, 2), (2, 1), requires_grad=True).requires_grad


def test_frombuffer():
    for lib in (numtorch, torch):
        b = bytearray(np.arange(4, dtype=np.float32).tobytes())
        t = lib.frombuffer(b, dtype=lib.float32)
        assert t.tolist() == [0.0, 1.0, 2.0, 3.0]
        t[0] = 9.0  # shared with the buffer
        assert np.frombuffer(b, dtype=np.float32)[0] == 9.0
        assert lib.frombuffer(b, dtype=lib.float32, count=2, offset=4).tolist() == [1.0, 2.0]
        assert lib.frombuffer(array.array("i", [5, 6]), dtype=lib.int32).tolist() == [5, 6]
        assert lib.frombuffer(b, dtype=lib.float32, requires_grad=True).requires_grad
        with pytest.warns(UserWarning, match="not writable"):
            assert lib.frombuffer(b"ab", dtype=lib.uint8).tolist() == [97, 98]
    b = bytearray(12)
    raises_like(lambda lib: lib.frombuffer(b, dtype=lib.float32, offset=20),
                match="offset \\(20 bytes\\)")
    raises_like(lambda lib: lib.frombuffer(b, dtype=lib.float32, count=5), match="5 \\* 4")
    raises_like(lambda lib: lib.frombuffer(b, dtype=lib.float32, offset=2), match="multiple")
    raises_like(lambda lib: lib.frombuffer(bytearray(0), dtype=lib.float32), match="must not")
    raises_like(lambda lib: lib.frombuffer([1, 2], dtype=lib.uint8), match="buffer protocol")


def test_in_place_change_of_an_as_strided_view_reaches_its_base():
    a = rng().standard_normal(6)

    def fn(lib, x):
        y = x * 1
        v = y.as_strided((2, 2), (1, 2), 1)
        v.mul_(3)
        return y * y

    parity(fn, a)

    def of_a_view(lib, x):
        y = (x * 1)[1:]
        v = y.as_strided((2,), (2,))
        v.mul_(3)
        return y * y

    parity(of_a_view, a)


@pytest.mark.parametrize("make,size,stride,offset", [
    (lambda y: y.t(), (2,), (1,), None),          # a transposed base: its first column
    (lambda y: y.t(), (2, 2), (3, 1), 0),
    (lambda y: y[1:], (2,), (1,), 4),             # an explicit offset
    (lambda y: y[:, 1:], (2, 2), (3, 1), None),
])
def test_in_place_change_through_a_view_of_another_layout(make, size, stride, offset):
    a = rng().standard_normal((2, 3))

    def fn(lib, x):
        y = x * 1
        base = make(y)
        v = base.as_strided(size, stride, offset)
        v.mul_(3)
        return base * base, y * 1

    parity(fn, a)


def test_in_place_change_that_cannot_be_followed():
    x = numtorch.ones(2, 3, requires_grad=True) * 1
    base = x.t()
    # storage elements 0, 1, 2, 3 are the base's elements 0, 2, 4, 1: not strided in it
    v = base.as_strided((4,), (1,), 0)
    with pytest.raises(RuntimeError, match="clone"):
        v.mul_(3)
    y = numtorch.ones(2, 3, requires_grad=True) * 1
    # memory before the view's own start: not one of its elements
    outside = y[1:].as_strided((2,), (1,), 0)
    with pytest.raises(RuntimeError, match="clone"):
        outside.mul_(3)


@pytest.mark.parametrize("make,size,stride,offset", [
    (lambda x: x, (2,), (2,), 1),
    (lambda x: x.reshape(2, 3), (2, 2), (3, 1), None),
    (lambda x: x.reshape(2, 3).t(), (2,), (1,), 0),
    (lambda x: x, (2, 2), (1, 1), 0),  # overlapping: later writes win, as in PyTorch
])
def test_as_strided_scatter_and_copy(make, size, stride, offset):
    a = rng().standard_normal(6)
    src = rng(1).standard_normal(size)
    if stride == (1, 1):
        src = np.array([[1.0, 2.0], [2.0, 3.0]])  # the shared element gets one value
    scatter = lambda lib, x, s: lib.as_strided_scatter(make(x), s, size, stride, offset)  # noqa
    # NOTE: PyTorch 2.13 sends ``input`` the gradient of the scattered elements instead of the
    # others' (and refuses a non-contiguous input that requires grad): values and ``src``'s
    # gradient are compared with it, ``input``'s checked by finite differences.
    parity(scatter, a, src, grad=False)
    parity(lambda lib, x, s: make(x).as_strided_scatter(s, size, stride, offset), a, src,
           grad=False)
    if stride != (1, 1):
        if make(numtorch.ones(6)).is_contiguous():
            parity(scatter, a, src, grad_inputs=(1,))
        check_grad(scatter, a, src)
    parity(lambda lib, x: lib.as_strided_copy(make(x), size, stride, offset), a)
    raises_like(lambda lib: lib.as_strided_scatter(lib.ones(6), lib.ones(3), (2,), (2,)),
                match="size equal to the slice")


def test_is_set_to():
    for lib in (numtorch, torch):
        x = lib.arange(6.0)
        assert x.is_set_to(x) and x.is_set_to(x[:]) and x[1:].is_set_to(x[1:])
        assert not x.is_set_to(x.view(2, 3)) and not x.is_set_to(x.clone())
        assert not x[1:].is_set_to(x[:5])
    raises_like(lambda lib: lib.ones(2).is_set_to(3))


def test_deterministic_fill_of_new_memory():
    for lib in (numtorch, torch):
        lib.use_deterministic_algorithms(True)
        try:
            x = lib.arange(2.0)
            x.resize_(4)
            assert x[:2].tolist() == [0.0, 1.0] and bool(x[2:].isnan().all())
            i = lib.arange(2)
            i.resize_(3)
            assert i.tolist()[2] == 2**63 - 1
            assert bool(lib.ones(1).new_empty_strided((2,), (1,)).isnan().all())
        finally:
            lib.use_deterministic_algorithms(False)


def test_storage_warns_once_unless_warn_always(monkeypatch):
    from numtorch import _warnings

    monkeypatch.setattr(_warnings, "_given", set())
    with pytest.warns(UserWarning, match="TypedStorage is deprecated"):
        numtorch.ones(2).storage()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        numtorch.ones(2).storage()
    numtorch.set_warn_always(True)
    try:
        assert numtorch.is_warn_always_enabled()
        with pytest.warns(UserWarning, match="TypedStorage is deprecated"):
            numtorch.ones(2).storage()
    finally:
        numtorch.set_warn_always(False)
