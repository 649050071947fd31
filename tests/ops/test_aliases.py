"""Other names and forms of existing ops (numtorch/ops/aliases.py), against PyTorch."""

import numpy as np
import pytest
from parity import parity, raises_like, rng

import numtorch

torch = pytest.importorskip("torch")


def _a(*shape, seed=0):
    return rng(seed).standard_normal(shape)


def test_rsub_row_stack_sgn():
    parity(lambda lib, x, y: lib.rsub(x, y, alpha=2), _a(2, 3), _a(3, seed=1))
    parity(lambda lib, x: lib.rsub(x, 3.0), _a(2, 3))
    parity(lambda lib, x, y: lib.row_stack([x, y]), _a(3), _a(2, 3))
    parity(lambda lib, x: lib.sgn(x) + x, np.array([-2.0, 0.0, 3.0]))
    parity(lambda lib, x: (x * 1).sgn_() + x, np.array([-2.0, 0.0, 3.0]))
    out = numtorch.empty(0)
    assert numtorch.sgn(numtorch.tensor([-3.0]), out=out) is out and out.tolist() == [-1.0]


@pytest.mark.parametrize("call", [
    lambda lib: lib.rsub([1.0], 2), lambda lib: lib.split_with_sizes([1.0], [1]),
    lambda lib: lib.unsafe_chunk([1.0], 1), lambda lib: lib.unsafe_split([1.0], 1),
    lambda lib: lib.sgn([1.0]), lambda lib: lib.renorm([[1.0]], 2, 0, 1.0),
    lambda lib: lib.row_stack(lib.ones(2)), lambda lib: lib.as_strided_scatter(
        [1.0], lib.ones(1), (1,), (1,)), lambda lib: lib.as_strided_copy([1.0], (1,), (1,))])
def test_not_tensors(call):
    raises_like(call, match="must be")


def test_row_stack_out():
    out = numtorch.empty(0)
    assert numtorch.row_stack([numtorch.ones(2), numtorch.zeros(2)], out=out) is out
    assert out.tolist() == [[1.0, 1.0], [0.0, 0.0]]


def test_splits():
    parity(lambda lib, x: lib.split_with_sizes(x, [1, 3], 1), _a(2, 4))
    parity(lambda lib, x: x.split_with_sizes([2, 0, 2], dim=-1), _a(2, 4))
    parity(lambda lib, x: lib.unsafe_chunk(x, 3, 1), _a(2, 7))
    parity(lambda lib, x: x.unsafe_split(2), _a(5, 2))
    parity(lambda lib, x: lib.unsafe_split_with_sizes(x, [3, 2]), _a(5, 2))
    raises_like(lambda lib: lib.split_with_sizes(lib.ones(3), [1, 1]), match="sum exactly to 3")
    raises_like(lambda lib: lib.ones(3).split_with_sizes(2))
    raises_like(lambda lib: lib.unsafe_split(lib.ones(3), [1, 2]))


def test_unsafe_pieces_may_be_changed_in_place():
    for lib in (numtorch, torch):
        x = lib.ones(4, requires_grad=True) * 1
        a, b = lib.unsafe_chunk(x, 2)
        a.mul_(3)  # a view of a multi-output function would refuse
        b.add_(1)
        assert a.tolist() == [3.0, 3.0] and b.tolist() == [2.0, 2.0]
    with pytest.raises(RuntimeError, match="multiple views"):
        numtorch.chunk(numtorch.ones(4, requires_grad=True) * 1, 2)[0].mul_(3)


def test_sum_to_size():
    parity(lambda lib, x: x.sum_to_size(1, 3), _a(2, 3))
    parity(lambda lib, x: x.sum_to_size((4, 1, 3)), _a(4, 2, 3))
    parity(lambda lib, x: x.sum_to_size(3), _a(2, 3))
    parity(lambda lib, x: x.sum_to_size(2, 3), _a(2, 3))
    raises_like(lambda lib: lib.ones(2, 3).sum_to_size(2), match="not expandable")
    raises_like(lambda lib: lib.ones(2, 3).sum_to_size(1, 2, 3))


def test_method_forms_of_activations():
    parity(lambda lib, x, w: x.prelu(w), _a(2, 3, 4), np.array([0.1, 0.2, 0.3]))
    parity(lambda lib, x: x.hardshrink(0.3), _a(3, 4))
    parity(lambda lib, x: x.hardshrink(), _a(3, 4))


@pytest.mark.parametrize("name", ["not_equal_", "greater_", "greater_equal_", "less_",
                                  "less_equal_"])
def test_in_place_comparisons(name):
    # (PyTorch sends ``y`` a zero gradient, numtorch none: the values do not depend on it)
    parity(lambda lib, x, y: getattr(x * 1, name)(y), np.array([1.0, 2.0, 3.0]),
           np.array([2.0, 2.0, 2.0]), grad_inputs=(0,))
    parity(lambda lib, x: getattr(x * 1, name)(2.0), np.array([1.0, 2.0, 3.0]))


@pytest.mark.parametrize("call", [
    lambda x: x.squeeze_(), lambda x: x.squeeze_(1), lambda x: x.unsqueeze_(-1),
    lambda x: x.t_(), lambda x: x.transpose_(0, 1), lambda x: x.swapaxes_(0, 1),
    lambda x: x.swapdims_(1, 0)])
def test_in_place_views(call):
    a = _a(3, 1)

    def fn(lib, x):
        y = x * 2
        r = call(y)
        assert r is y
        return y * y

    parity(fn, a)
    for lib in (numtorch, torch):
        y = lib.tensor(a) * 1
        before = y._version
        call(y)
        assert y._version == before + 1
    raises_like(lambda lib: call(lib.tensor(a, requires_grad=True)))


def test_in_place_view_without_grad_shares_memory():
    x = numtorch.arange(6.0).reshape(2, 3)
    base = x.view(6)
    x.t_()
    assert x.shape == (3, 2) and x.stride() == (1, 3)
    x[0, 1] = 100.0
    assert base.tolist()[3] == 100.0
    with numtorch.no_grad():
        leaf = numtorch.ones(2, 1, requires_grad=True)
        leaf.squeeze_()
    assert leaf.shape == (2,) and leaf.is_leaf and leaf.requires_grad


def test_new_legacy_constructor():
    for lib in (numtorch, torch):
        x = lib.ones(2, dtype=lib.float64)
        assert x.new(2, 3).shape == (2, 3) and x.new(2, 3).dtype == lib.float64
        assert x.new().shape == (0,)
        assert x.new(lib.Size([4])).shape == (4,)
        assert x.new((2, 3)).tolist() == [2.0, 3.0]
        assert x.new([1, 2]).dtype == lib.float64
        src = lib.zeros(3, dtype=lib.float64)
        alias = x.new(src)
        assert alias is not src and alias.data_ptr() == src.data_ptr()
        assert lib.ones(2, dtype=lib.int64).new(5).dtype == lib.int64
    raises_like(lambda lib: lib.ones(2).new(2.5))
    raises_like(lambda lib: lib.ones(2).new(lib.tensor([1, 2])))


def test_apply_map_map2():
    for lib in (numtorch, torch):
        a = lib.arange(6.0).reshape(2, 3)
        assert a.apply_(lambda v: v * 2) is a
        assert a.tolist() == [[0.0, 2.0, 4.0], [6.0, 8.0, 10.0]]
        a.map_(lib.tensor([1.0, 2.0, 3.0]), lambda p, q: p * q)
        assert a.tolist() == [[0.0, 4.0, 12.0], [6.0, 16.0, 30.0]]
        a.map2_(lib.ones(3), lib.ones(2, 1), lambda p, q, r: p + q + r)
        assert a.tolist() == [[2.0, 6.0, 14.0], [8.0, 18.0, 32.0]]
        i = lib.arange(4)
        assert i.apply_(lambda v: v / 3).tolist() == [0, 0, 0, 1]
    raises_like(lambda lib: lib.ones(2, requires_grad=True).apply_(abs), match="apply_")
    raises_like(lambda lib: (lib.ones(2, requires_grad=True) * 1).map_(lib.ones(2), max),
                match="map_")
    raises_like(lambda lib: lib.ones(2, 3).map_(lib.ones(2), max))


def test_dim_order_device_inference():
    for lib in (numtorch, torch):
        x = lib.ones(2, 3, 4)
        assert x.dim_order() == (0, 1, 2)
        assert x.permute(2, 0, 1).dim_order() == (1, 2, 0)
        assert x.get_device() == -1 and lib.get_device(x) == -1
        assert not x.is_inference() and not lib.is_inference(x)
        assert not lib.is_complex(x)
        nchw = lib.ones(2, 3, 4, 5).contiguous(memory_format=lib.channels_last)
        assert nchw.dim_order() == (0, 2, 3, 1)
        assert nchw.dim_order(ambiguity_check=[lib.channels_last, lib.contiguous_format]) == \
            (0, 2, 3, 1)
    raises_like(lambda lib: lib.ones(2, 1).dim_order(ambiguity_check=True))
    raises_like(lambda lib: lib.ones(1, 2, 1, 1).dim_order(
        ambiguity_check=[lib.channels_last, lib.contiguous_format]))


def test_dim_order_sweep():
    """Every permutation of a few shapes, plain and stepped: PyTorch's order and checks (where
    both libraries report the same strides)."""
    import itertools

    compared = 0
    for shape in [(2, 1, 3), (2, 3, 1, 4), (2, 2, 2), (2, 3, 4, 5), (1, 2, 3, 4)]:
        for perm in itertools.permutations(range(len(shape))):
            for stepped in (False, True):
                results, strides = [], []
                for lib in (numtorch, torch):
                    x = lib.ones(*shape).permute(*perm)
                    if stepped and x.shape[-1] > 1:
                        x = x[..., ::2]
                    strides.append(x.stride())
                    r = [x.dim_order()]
                    for check in (True, [lib.contiguous_format, lib.channels_last], []):
                        try:
                            r.append(x.dim_order(ambiguity_check=check))
                        except RuntimeError as e:
                            r.append(str(e))
                    results.append(r)
                if strides[0] == strides[1]:
                    compared += 1
                    assert results[0] == results[1], (shape, perm, stepped)
    assert compared > 150
    raises_like(lambda lib: lib.ones(2).dim_order(ambiguity_check="x"), match="must be a bool")


def test_in_place_view_of_a_view_follows_its_base():
    def fn(lib, x):
        y = x * 1
        v = y[1:]
        v.unsqueeze_(0)
        y.mul_(2)  # v's history must become a view of the new y
        w = y[:2]
        w.t_()
        w.add_(1)  # reaches y through the transposed view
        return v * v, y * 1

    parity(fn, rng().standard_normal((3, 2)))
