"""Tests of the shape families — numtorch/ops/shape.py, join.py (cat, stack, split...) and
padding.py — kept in one table-driven file: parity with PyTorch (values, dtypes, shapes, gradients),
float64 finite-difference gradients (and second derivatives), PyTorch's errors, view semantics,
and round-trip properties."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from parity import check_grad, parity, raises_like, requires_torch, rng

import numtorch
from numtorch.ops import join as join_ops
from numtorch.ops import padding as padding_ops
from numtorch.ops import shape as shape_ops

R = rng(0)


def arr(*shape, dtype=np.float32):
    return R.standard_normal(shape).astype(dtype)


def F(lib):
    """``nn.functional`` of either library (numtorch's pad lives in ops.padding)."""
    if lib is numtorch:
        return padding_ops
    return lib.nn.functional


# (id, fn(lib, x), input shapes): every case runs as a parity test and, in float64, as a
# finite-difference gradient check.
UNARY = [
    ("reshape", lambda L, x: x.reshape(3, -1), [(2, 3), (6,), (3, 1, 2), (3, 0)]),
    ("reshape_tuple", lambda L, x: L.reshape(x, (-1,)), [(2, 3), (), (0, 4)]),
    ("view", lambda L, x: x.view(-1, 2), [(2, 3), (4, 1), (2, 0)]),
    ("view_tuple", lambda L, x: x.view((x.shape[0], -1)), [(2, 3, 2), (1, 4)]),
    ("view_as", lambda L, x: x.view_as(L.zeros(x.numel())), [(2, 3)]),
    ("reshape_as", lambda L, x: x.t().reshape_as(L.zeros(x.numel())), [(2, 3)]),
    ("flatten", lambda L, x: L.flatten(x), [(2, 3, 4), (), (0, 2), (5,)]),
    ("flatten_mid", lambda L, x: x.flatten(1, -2), [(2, 3, 4, 1), (1, 0, 2, 3)]),
    ("flatten_same", lambda L, x: x.flatten(-1, -1), [(2, 3)]),
    ("unflatten", lambda L, x: x.unflatten(-1, (2, -1)), [(3, 4), (6,), (1, 0)]),
    ("unflatten0", lambda L, x: L.unflatten(x, 0, (1, x.shape[0], 1)), [(3, 2), (0,)]),
    ("squeeze", lambda L, x: x.squeeze(), [(1, 3, 1), (1,), (), (2, 0, 1)]),
    ("squeeze_dim", lambda L, x: L.squeeze(x, -1), [(2, 1), (2, 3), ()]),
    ("squeeze_dims", lambda L, x: x.squeeze((0, 2)), [(1, 2, 1), (2, 3, 1), (1, 1, 4)]),
    ("unsqueeze", lambda L, x: x.unsqueeze(-1), [(2, 3), (), (0,)]),
    ("unsqueeze0", lambda L, x: L.unsqueeze(x, 0), [(2, 3), ()]),
    ("unsqueeze_neg", lambda L, x: x.unsqueeze(-2), [(2, 3), (4,)]),
    ("permute", lambda L, x: x.permute(2, 0, 1), [(2, 3, 4), (1, 0, 2)]),
    ("permute_tuple", lambda L, x: L.permute(x, (-1, 0, -2)), [(2, 3, 4)]),
    ("permute0", lambda L, x: x.permute(()), [()]),
    ("transpose", lambda L, x: L.transpose(x, 0, -1), [(2, 3), (2, 3, 4), (1,), (0, 3)]),
    ("swapaxes", lambda L, x: L.swapaxes(x, 1, 2), [(2, 3, 4)]),
    ("swapdims", lambda L, x: x.swapdims(-1, -3), [(2, 3, 4)]),
    ("movedim", lambda L, x: L.movedim(x, 0, -1), [(2, 3, 4), (3,)]),
    ("movedim_tuple", lambda L, x: x.movedim((0, 1), (2, 0)), [(2, 3, 4), (1, 0, 2, 2)]),
    ("moveaxis", lambda L, x: L.moveaxis(x, -1, 1), [(2, 3, 4)]),
    ("t", lambda L, x: x.t(), [(2, 3), (3,), ()]),
    ("t_fn", lambda L, x: L.t(x), [(4, 1), (0, 2)]),
    ("T", lambda L, x: x.T, [(2, 3)]),
    ("mT", lambda L, x: x.mT, [(2, 3, 4)]),
    ("expand", lambda L, x: x.expand(2, -1, 3), [(1, 3), (4, 1)]),
    ("expand_tuple", lambda L, x: x.expand((3, 2, 4)), [(2, 1), (4,), (), (1, 1, 4)]),
    ("expand_zero", lambda L, x: x.expand(0, 3), [(1, 3)]),
    ("expand_as", lambda L, x: x.expand_as(L.zeros(2, 3, 4)), [(3, 1), (1,)]),
    ("broadcast_to", lambda L, x: L.broadcast_to(x, (2, 3)), [(3,), (2, 1), ()]),
    ("repeat", lambda L, x: x.repeat(2, 3), [(2, 3), (3,), (), (0, 2)]),
    ("repeat_lead", lambda L, x: x.repeat((2, 1, 2)), [(2, 3), (1, 1)]),
    ("repeat_zero", lambda L, x: x.repeat(0, 2), [(2, 3)]),
    ("tile", lambda L, x: L.tile(x, (2,)), [(2, 3), (3,), ()]),
    ("tile_long", lambda L, x: x.tile(2, 1, 2), [(2, 3)]),
    ("tile_varargs", lambda L, x: x.tile(2, 2), [(3,), (1, 2, 2)]),
    ("repeat_interleave", lambda L, x: x.repeat_interleave(2), [(2, 3), (), (0,)]),
    ("repeat_interleave_dim", lambda L, x: L.repeat_interleave(x, 3, dim=-1), [(2, 3)]),
    ("repeat_interleave_t",
     lambda L, x: x.repeat_interleave(L.tensor([1, 0, 3]), dim=1), [(2, 3), (0, 3)]),
    ("repeat_interleave_t1",
     lambda L, x: x.repeat_interleave(L.tensor([2]), dim=0), [(2, 3)]),
    ("repeat_interleave_flat",
     lambda L, x: x.repeat_interleave(L.tensor([2, 0, 1, 1])), [(2, 2)]),
    ("split", lambda L, x: x.split(2), [(5, 3), (4,), (0, 2)]),
    ("split_dim", lambda L, x: L.split(x, 2, dim=-1), [(2, 3), (2, 4)]),
    ("split_list", lambda L, x: x.split([1, 0, 2], 1), [(2, 3)]),
    ("split_first", lambda L, x: x.split(2, 1)[0], [(2, 5)]),
    ("split_last", lambda L, x: L.split(x, [2, 3])[1], [(5, 2)]),
    ("tensor_split_n", lambda L, x: L.tensor_split(x, 3), [(5, 2), (7,), (2,), (0,)]),
    ("tensor_split_idx", lambda L, x: x.tensor_split([1, 3], dim=1), [(2, 5), (2, 2)]),
    ("tensor_split_odd", lambda L, x: L.tensor_split(x, (-1, 2, 4, 9)), [(5,), (3, 2)]),
    ("tensor_split_tensor", lambda L, x: L.tensor_split(x, L.tensor([1, 2])), [(4, 2)]),
    ("tensor_split_tensor0", lambda L, x: x.tensor_split(L.tensor(2), 1), [(2, 5)]),
    ("chunk", lambda L, x: x.chunk(3), [(5, 2), (6,), (2, 3), (0, 1)]),
    ("chunk_dim", lambda L, x: L.chunk(x, 2, -1), [(2, 3), (3, 4, 1)]),
    ("chunk_one", lambda L, x: x.chunk(4, 1)[1], [(2, 8)]),
    ("unbind", lambda L, x: x.unbind(), [(3, 2), (2,), (0, 2)]),
    ("unbind_dim", lambda L, x: L.unbind(x, -1), [(2, 3), (2, 3, 2)]),
    ("unbind_some", lambda L, x: x.unbind(1)[2] * 3, [(2, 4)]),
    ("iter", lambda L, x: [r * 2 for r in x][1], [(3, 2)]),
    ("flip", lambda L, x: x.flip(0), [(2, 3), (4,), (0, 2)]),
    ("flip_many", lambda L, x: L.flip(x, (0, -1)), [(2, 3, 2), (3, 1)]),
    ("flip_varargs", lambda L, x: x.flip(-1, 1), [(2, 3, 2)]),
    ("flip_0d", lambda L, x: L.flip(x, ()), [(), (2,)]),
    ("fliplr", lambda L, x: L.fliplr(x), [(2, 3), (2, 3, 4)]),
    ("flipud", lambda L, x: x.flipud(), [(2, 3), (4,)]),
    ("roll", lambda L, x: x.roll(1, 0), [(3, 2), (4,), (0, 3)]),
    ("roll_flat", lambda L, x: L.roll(x, -2), [(3, 2), (5,), ()]),
    ("roll_many", lambda L, x: L.roll(x, (1, -4), (1, 0)), [(3, 2), (2, 2, 2)]),
    ("rot90", lambda L, x: L.rot90(x), [(2, 3), (2, 3, 4)]),
    ("rot90_k", lambda L, x: x.rot90(2, (1, 0)), [(2, 3)]),
    ("rot90_k3", lambda L, x: L.rot90(x, -1, (-1, 0)), [(2, 3, 2)]),
    ("rot90_k0", lambda L, x: L.rot90(x, 4), [(2, 3)]),
    ("narrow", lambda L, x: x.narrow(1, 1, 2), [(2, 3), (3, 4, 1)]),
    ("narrow_neg", lambda L, x: L.narrow(x, -1, -2, 1), [(2, 3), (4,)]),
    ("narrow_empty", lambda L, x: x.narrow(0, 2, 0), [(2, 3)]),
    ("narrow_tensor", lambda L, x: x.narrow(0, L.tensor(1), 1), [(2, 3)]),
    ("select", lambda L, x: x.select(1, -1) * 2, [(2, 3), (3, 4, 1)]),
    ("select_fn", lambda L, x: L.select(x, 0, 1), [(2, 3), (2,)]),
    ("tril", lambda L, x: L.tril(x), [(3, 3), (2, 4), (2, 3, 2), (0, 3)]),
    ("tril_k", lambda L, x: x.tril(-1), [(3, 4), (4, 3)]),
    ("triu", lambda L, x: L.triu(x, 1), [(3, 3), (2, 2, 4), (4, 2)]),
    ("triu_neg", lambda L, x: x.triu(-2), [(4, 4)]),
    ("diagonal", lambda L, x: x.diagonal(), [(3, 3), (2, 4), (4, 2), (0, 3)]),
    ("diagonal_off", lambda L, x: L.diagonal(x, 1), [(3, 3), (2, 4), (4, 2)]),
    ("diagonal_neg", lambda L, x: L.diagonal(x, -1, 2, 0), [(3, 2, 4), (2, 2, 2)]),
    ("diagonal_far", lambda L, x: x.diagonal(5), [(2, 3)]),
    ("diagonal_dims", lambda L, x: x.diagonal(0, -1, 1), [(2, 3, 4)]),
    ("diag_vec", lambda L, x: L.diag(x), [(3,), (1,), (0,)]),
    ("diag_vec_off", lambda L, x: x.diag(-2), [(3,)]),
    ("diag_mat", lambda L, x: L.diag(x, 1), [(3, 3), (2, 4), (3, 2)]),
    ("diag_mat0", lambda L, x: x.diag(), [(3, 3), (2, 4)]),
    ("diag_embed", lambda L, x: L.diag_embed(x), [(3,), (2, 3), (2, 0)]),
    ("diag_embed_off", lambda L, x: x.diag_embed(1, 0, 2), [(2, 3)]),
    ("diag_embed_neg", lambda L, x: L.diag_embed(x, -1, -1, 0), [(2, 2, 3)]),
    ("trace", lambda L, x: L.trace(x), [(3, 3), (2, 4), (0, 2)]),
    ("trace_m", lambda L, x: x.trace(), [(4, 2)]),
    ("clone", lambda L, x: L.clone(x), [(2, 3), (), (0,)]),
    ("clone_t", lambda L, x: x.t().clone(), [(2, 3)]),
    ("contiguous", lambda L, x: x.t().contiguous(), [(2, 3)]),
    ("contiguous_self", lambda L, x: x.contiguous() * 2, [(2, 3)]),
    ("ravel", lambda L, x: L.ravel(x), [(2, 3), (), (0, 2)]),
    ("ravel_t", lambda L, x: x.t().ravel(), [(2, 3)]),
    ("atleast_1d", lambda L, x: L.atleast_1d(x), [(), (2,), (2, 3)]),
    ("atleast_2d", lambda L, x: L.atleast_2d(x), [(), (2,), (2, 3), (1, 2, 3)]),
    ("atleast_3d", lambda L, x: L.atleast_3d(x), [(), (2,), (2, 3), (1, 2, 3, 1)]),
    ("atleast_many", lambda L, x: L.atleast_2d(x, x[0]), [(2, 3)]),
    ("atleast_list", lambda L, x: L.atleast_3d([x]), [(2,)]),
    ("unfold", lambda L, x: x.unfold(1, 2, 1), [(2, 3), (2, 5, 2)]),
    ("unfold_step", lambda L, x: x.unfold(-1, 3, 2), [(8,), (2, 7)]),
    ("unfold_gap", lambda L, x: x.unfold(0, 2, 3), [(8, 2)]),
    ("unfold_full", lambda L, x: x.unfold(0, 4, 1), [(4,), (4, 0)]),
    ("unfold_zero", lambda L, x: x.unfold(0, 0, 1), [(3,)]),
    ("unfold_0d", lambda L, x: x.unfold(0, 1, 1), [()]),
    ("pad_const", lambda L, x: F(L).pad(x, (1, 2)), [(2, 3), (3,), (2, 0)]),
    ("pad_const_nd", lambda L, x: F(L).pad(x, (1, 0, 0, 2, 1, 1), value=0.5),
     [(2, 3, 2), (1, 2, 3, 1)]),
    ("pad_crop", lambda L, x: F(L).pad(x, (-1, 2, 1, -1)), [(3, 4), (2, 3, 2)]),
    ("pad_crop_all", lambda L, x: F(L).pad(x, (-3, 0)), [(2, 3)]),
    ("constant_pad_nd", lambda L, x: L.constant_pad_nd(x, (1, 1), 2.0), [(2, 3)]),
    ("pad_reflect1", lambda L, x: F(L).pad(x, (2, 1), mode="reflect"), [(2, 3), (1, 2, 4)]),
    ("pad_reflect2", lambda L, x: F(L).pad(x, (1, 2, 2, 1), mode="reflect"),
     [(1, 3, 3), (2, 1, 3, 4)]),
    ("pad_reflect3", lambda L, x: F(L).pad(x, (1, 1, 0, 1, 1, 0), mode="reflect"),
     [(1, 2, 2, 3), (1, 1, 2, 3, 2)]),
    ("pad_reflect_neg", lambda L, x: F(L).pad(x, (-1, 2), mode="reflect"), [(2, 4)]),
    ("pad_replicate1", lambda L, x: F(L).pad(x, (3, 1), mode="replicate"), [(2, 3), (1, 2, 1)]),
    ("pad_replicate2", lambda L, x: F(L).pad(x, (1, 0, 2, 2), mode="replicate"), [(1, 2, 3)]),
    ("pad_replicate3", lambda L, x: F(L).pad(x, (1, 1, 1, 1, 1, 1), mode="replicate"),
     [(1, 1, 2, 2, 2)]),
    ("pad_replicate_neg", lambda L, x: F(L).pad(x, (2, -1), mode="replicate"), [(1, 2, 3)]),
    ("pad_circular1", lambda L, x: F(L).pad(x, (2, 3), mode="circular"), [(1, 2, 3)]),
    ("pad_circular2", lambda L, x: F(L).pad(x, (1, 1, 2, 0), mode="circular"),
     [(1, 2, 3, 3), (2, 3, 3)]),
    ("pad_circular_neg", lambda L, x: F(L).pad(x, (-1, 2), mode="circular"), [(1, 2, 3)]),
    ("pad_circular3", lambda L, x: F(L).pad(x, (1, 0, 0, 1, 1, 1), mode="circular"),
     [(1, 1, 2, 2, 2)]),
]

UNARY_CASES = [pytest.param(fn, s, id=f"{name}-{'x'.join(map(str, s)) or 'scalar'}")
               for name, fn, shapes in UNARY for s in shapes]


@requires_torch
@pytest.mark.parametrize("fn,shape", UNARY_CASES)
def test_unary_parity(fn, shape):
    parity(fn, arr(*shape))


@pytest.mark.parametrize("fn,shape", [c for c in UNARY_CASES if 0 not in c.values[1]])
def test_unary_grad(fn, shape):
    check_grad(fn, arr(*shape, dtype=np.float64))


GRADGRAD = ["reshape", "permute", "expand", "repeat", "repeat_interleave_t", "split_list",
            "chunk_one", "unbind_some", "flip_many", "roll_many", "rot90", "narrow", "tril_k",
            "select", "diagonal_neg", "diag_embed_off", "trace", "unfold_step", "pad_const_nd",
            "pad_crop", "pad_reflect2", "pad_replicate2", "pad_circular_neg",
            "tensor_split_odd", "clone"]


@pytest.mark.parametrize("name", GRADGRAD)
def test_unary_gradgrad(name):
    fn, shapes = next((f, s) for n, f, s in UNARY if n == name)
    check_grad(fn, arr(*shapes[0], dtype=np.float64), gradgrad=True)


@requires_torch
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_, np.float64])
def test_dtypes_kept(dtype):
    x = (arr(2, 3) > 0).astype(dtype)
    parity(lambda L, x: (x.t().reshape(3, 2), x.flip(0), x.roll(1), x.tril(), x.diagonal(),
                         x.repeat(2, 1), x.unfold(1, 2, 1), x.split(1), F(L).pad(x, (1, 1)),
                         L.diag(x), x.repeat_interleave(2)), x)


@requires_torch
def test_int_trace_sums_to_int64():
    parity(lambda L, x: L.trace(x), np.arange(9, dtype=np.int32).reshape(3, 3))


@requires_torch
def test_pad_int_value_cast():
    parity(lambda L, x: F(L).pad(x, (1, 1), value=1.5), np.arange(6).reshape(2, 3))


# ---------------------------------------------------------------------- joins
JOIN = [
    ("cat0", lambda L, a, b: L.cat([a, b]), [(2, 3), (1, 3)]),
    ("cat1", lambda L, a, b: L.cat((a, b), 1), [(2, 3), (2, 1)]),
    ("cat_neg", lambda L, a, b: L.cat([a, b, a], dim=-1), [(2, 1, 2), (2, 1, 3)]),
    ("cat_zero", lambda L, a, b: L.cat([a, b]), [(0, 3), (2, 3)]),
    ("cat_empty1d", lambda L, a, b: L.cat([a, b, a]), [(2, 3), (0,)]),
    ("cat_all_empty", lambda L, a, b: L.cat([a, b]), [(0,), (0,)]),
    ("concat", lambda L, a, b: L.concat([a, b], dim=1), [(2, 2), (2, 0)]),
    ("concatenate", lambda L, a, b: L.concatenate([a, b], axis=0), [(1, 2), (3, 2)]),
    ("stack", lambda L, a, b: L.stack([a, b]), [(2, 3), (2, 3)]),
    ("stack_last", lambda L, a, b: L.stack((a, b, a), dim=-1), [(2, 3), (2, 3)]),
    ("stack_0d", lambda L, a, b: L.stack([a, b], 0), [(), ()]),
    ("stack_empty", lambda L, a, b: L.stack([a, b], 1), [(0, 2), (0, 2)]),
    ("hstack", lambda L, a, b: L.hstack([a, b]), [(2, 3), (2, 1)]),
    ("hstack_1d", lambda L, a, b: L.hstack((a, b)), [(3,), ()]),
    ("vstack", lambda L, a, b: L.vstack([a, b]), [(3,), (2, 3)]),
    ("dstack", lambda L, a, b: L.dstack([a, b]), [(3,), (1, 3)]),
    ("dstack_2d", lambda L, a, b: L.dstack([a, b]), [(2, 3), (2, 3, 2)]),
    ("column_stack", lambda L, a, b: L.column_stack([a, b]), [(3,), (3, 2)]),
    ("column_stack_0d", lambda L, a, b: L.column_stack([a, b]), [(), (1,)]),
    ("broadcast_tensors", lambda L, a, b: L.broadcast_tensors(a, b), [(2, 1), (3,)]),
    ("broadcast_tensors0", lambda L, a, b: L.broadcast_tensors(a, b), [(), (0, 2)]),
    ("expand_as2", lambda L, a, b: a.expand_as(b), [(1, 3), (2, 3)]),
]

JOIN_CASES = [pytest.param(fn, sa, sb, id=name) for name, fn, (sa, sb) in JOIN]


@requires_torch
@pytest.mark.parametrize("fn,sa,sb", JOIN_CASES)
def test_join_parity(fn, sa, sb):
    parity(fn, arr(*sa), arr(*sb))


@pytest.mark.parametrize("fn,sa,sb", [c for c in JOIN_CASES if 0 not in c.values[1] + c.values[2]])
def test_join_grad(fn, sa, sb):
    check_grad(fn, arr(*sa, dtype=np.float64), arr(*sb, dtype=np.float64))


@pytest.mark.parametrize("name", ["cat1", "stack_last", "hstack", "column_stack"])
def test_join_gradgrad(name):
    fn, (sa, sb) = next((f, s) for n, f, s in JOIN if n == name)
    check_grad(fn, arr(*sa, dtype=np.float64), arr(*sb, dtype=np.float64), gradgrad=True)


@requires_torch
@pytest.mark.parametrize("da,db", [(np.int64, np.float32), (np.int32, np.int64),
                                   (np.bool_, np.int32), (np.float32, np.float64),
                                   (np.int64, np.bool_)])
def test_cat_stack_promote(da, db):
    a = (arr(2, 3) * 3).astype(da)
    b = (arr(2, 3) * 3).astype(db)
    parity(lambda L, a, b: (L.cat([a, b], 1), L.stack([a, b])), a, b)


@requires_torch
def test_cat_empty_1d_promotes():
    parity(lambda L, a, b: L.cat([a, b]), np.arange(6).reshape(2, 3), np.zeros(0, np.float32))


def test_cat_out():
    out = numtorch.zeros(1)
    res = numtorch.cat([numtorch.ones(2), numtorch.zeros(1)], out=out)
    assert res is out and out.tolist() == [1.0, 1.0, 0.0]


def test_split_partial_outputs_grad():
    x = numtorch.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    a, b, c = x.unbind(0)
    (b * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 0], [2, 2], [0, 0]])
    y = numtorch.tensor(np.arange(6.0), requires_grad=True)
    p, q = y.split([4, 2])
    (q * 3).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [0, 0, 0, 0, 3, 3])


# ---------------------------------------------------------------------- errors
ERRORS = [
    ("view_bad", lambda L, x: x.view(4, 2), (2, 3), r"shape '\[4, 2\]' is invalid for input of "
                                                   r"size 6"),
    ("view_two_infer", lambda L, x: x.view(-1, -1), (2, 3), "only one dimension can be "
                                                           "inferred"),
    ("view_zero_infer", lambda L, x: x.view(-1, 0), (0, 3), "ambiguous"),
    ("view_neg", lambda L, x: x.view(-2, 3), (2, 3), "invalid shape dimension -2"),
    ("view_stride", lambda L, x: x.t().view(6), (2, 3), "view size is not compatible"),
    ("reshape_bad", lambda L, x: x.reshape(5), (2, 3), "invalid for input of size 6"),
    ("cat_mismatch", lambda L, x: L.cat([x, L.zeros(3, 3)], 1), (2, 3),
     "Sizes of tensors must match except in dimension 1. Expected size 2 but got size 3 for "
     "tensor number 1 in the list."),
    ("cat_ndim", lambda L, x: L.cat([x, L.zeros(2, 3, 1)]), (2, 3),
     "Tensors must have same number of dimensions: got 2 and 3"),
    ("cat_empty_list", lambda L, x: L.cat([]), (2,), "expected a non-empty list"),
    ("cat_0d", lambda L, x: L.cat([x]), (), r"zero-dimensional tensor \(at position 0\)"),
    ("cat_dim", lambda L, x: L.cat([x, x], 2), (2, 3), "Dimension out of range"),
    ("cat_tensor", lambda L, x: L.cat(x), (2, 3), "must be tuple of Tensors"),
    ("stack_mismatch", lambda L, x: L.stack([x, L.zeros(2, 4)]), (2, 3),
     r"stack expects each tensor to be equal size, but got \[2, 3\] at entry 0 and \[2, 4\] "
     r"at entry 1"),
    ("stack_empty", lambda L, x: L.stack([]), (2,), "non-empty TensorList"),
    ("squeeze_range", lambda L, x: x.squeeze(2), (2, 1), r"range of \[-2, 1\], but got 2"),
    ("squeeze_dup", lambda L, x: x.squeeze((1, -1)), (2, 1), "appears multiple times"),
    ("unsqueeze_range", lambda L, x: x.unsqueeze(3), (2, 1), r"range of \[-3, 2\], but got 3"),
    ("unsqueeze_neg", lambda L, x: L.unsqueeze(x, -4), (2, 1), "but got -4"),
    ("expand_bad", lambda L, x: x.expand(3, 3), (2, 3),
     r"The expanded size of the tensor \(3\) must match the existing size \(2\) at "
     r"non-singleton dimension 0.  Target sizes: \[3, 3\].  Tensor sizes: \[2, 3\]"),
    ("expand_short", lambda L, x: x.expand(3), (2, 3), r"the number of sizes provided \(1\)"),
    ("expand_lead_neg", lambda L, x: x.expand(-1, 2, 3), (2, 3), "leading, non-existing"),
    ("broadcast_bad", lambda L, x: L.broadcast_tensors(x, L.zeros(3, 1)), (2, 3),
     r"The size of tensor a \(2\) must match the size of tensor b \(3\)"),
    ("permute_len", lambda L, x: x.permute(0), (2, 3),
     r"input.dim\(\) = 2 is not equal to len\(dims\) = 1"),
    ("permute_dup", lambda L, x: x.permute(1, -1), (2, 3), "duplicate dims are not allowed"),
    ("permute_range", lambda L, x: x.permute(0, 2), (2, 3), "Dimension out of range"),
    ("transpose_range", lambda L, x: x.transpose(0, 3), (2, 3), "Dimension out of range"),
    ("t_3d", lambda L, x: x.t(), (2, 3, 4), r"t\(\) expects a tensor with <= 2 dimensions, but "
                                           r"self is 3D"),
    ("flatten_order", lambda L, x: x.flatten(1, 0), (2, 3), "start_dim cannot come after"),
    ("unflatten_bad", lambda L, x: x.unflatten(1, (2, 2)), (2, 3),
     r"Provided sizes \[2, 2\] don't multiply up to the size of dim 1 \(3\)"),
    ("unflatten_empty", lambda L, x: x.unflatten(1, ()), (2, 3), "sizes must be non-empty"),
    ("movedim_len", lambda L, x: x.movedim((0, 1), (1,)), (2, 3), "same number of dims"),
    ("movedim_dup", lambda L, x: x.movedim((0, 0), (1, 0)), (2, 3), "repeated dim in `source`"),
    ("repeat_short", lambda L, x: x.repeat(2), (2, 3), "can not be smaller"),
    ("repeat_neg", lambda L, x: x.repeat(-1, 2), (2, 3), "negative dimension -2"),
    ("repeat_interleave_neg", lambda L, x: x.repeat_interleave(-1), (2,), "non-negative"),
    ("repeat_interleave_len", lambda L, x: x.repeat_interleave(L.tensor([1, 2, 3]), 0), (2, 3),
     r"repeats.size\(0\) = 3 and input.size\(0\) = 2"),
    ("repeat_interleave_negt", lambda L, x: x.repeat_interleave(L.tensor([1, -2]), 0), (2, 3),
     "repeats can not be negative"),
    ("repeat_interleave_0d", lambda L, x: x.repeat_interleave(2, 0), (), "out of range"),
    ("split_zero", lambda L, x: x.split(0), (2, 3), "split_size can only be 0"),
    ("split_sum", lambda L, x: x.split([1, 1], 1), (2, 3), "sum exactly to 3"),
    ("split_dim", lambda L, x: x.split(1, 2), (2, 3), "Dimension out of range"),
    ("chunk_zero", lambda L, x: x.chunk(0), (2, 3), "greater than 0, got: 0"),
    ("tensor_split_zero", lambda L, x: L.tensor_split(x, 0), (2, 3), "larger than 0"),
    ("tensor_split_2d", lambda L, x: L.tensor_split(x, L.tensor([[1]])), (2, 3), "2 dims"),
    ("unbind_range", lambda L, x: x.unbind(2), (2, 3), "Dimension out of range"),
    ("unbind_0d", lambda L, x: x.unbind(), (), "no dimensions"),
    ("flip_dup", lambda L, x: x.flip(0, -2), (2, 3), "appears multiple times"),
    ("fliplr_1d", lambda L, x: L.fliplr(x), (3,), "Input must be >= 2-d."),
    ("flipud_0d", lambda L, x: L.flipud(x), (), "Input must be >= 1-d."),
    ("roll_align", lambda L, x: x.roll(1, (0, 1)), (2, 3), "shifts: 1, dims:2"),
    ("roll_nodim", lambda L, x: x.roll((1, 2)), (2, 3), "shifts: 2, dims:0"),
    ("rot90_same", lambda L, x: x.rot90(1, (0, 0)), (2, 3), "expected rotation dims to be diff"),
    ("rot90_len", lambda L, x: x.rot90(1, (0,)), (2, 3), "total rotation dims == 2"),
    ("rot90_1d", lambda L, x: x.rot90(), (3,), "total dims >= 2"),
    ("narrow_long", lambda L, x: x.narrow(1, 2, 2), (2, 3),
     r"start \(2\) \+ length \(2\) exceeds dimension size \(3\)."),
    ("narrow_start", lambda L, x: x.narrow(1, 4, 1), (2, 3), "start out of range"),
    ("narrow_len", lambda L, x: x.narrow(1, 1, -1), (2, 3), "length must be non-negative"),
    ("tril_1d", lambda L, x: L.tril(x), (3,), "at least 2 dimensions"),
    ("triu_1d", lambda L, x: x.triu(), (3,), "at least 2 dimensions"),
    ("diagonal_same", lambda L, x: x.diagonal(0, 1, -1), (2, 3), "cannot be identical"),
    ("diagonal_1d", lambda L, x: x.diagonal(), (3,), "Dimension out of range"),
    ("diag_3d", lambda L, x: L.diag(x), (2, 2, 2), "Supports 1D or 2D tensors. Got 3D"),
    ("diag_embed_0d", lambda L, x: L.diag_embed(x), (), "Dimension out of range"),
    ("trace_3d", lambda L, x: L.trace(x), (2, 2, 2), "expected a matrix"),
    ("unfold_big", lambda L, x: x.unfold(1, 4, 1), (2, 3),
     "maximum size for tensor at dimension 1 is 3 but size is 4"),
    ("unfold_step", lambda L, x: x.unfold(1, 2, 0), (2, 3), "step is 0 but must be > 0"),
    ("pad_odd", lambda L, x: F(L).pad(x, (1,)), (2, 3), "divisible by 2"),
    ("pad_long", lambda L, x: F(L).pad(x, (1,) * 6), (2, 3), "padding length 6 and input of "
                                                            "dimension 2"),
    ("pad_crop_neg", lambda L, x: F(L).pad(x, (-2, -2)), (2, 3), "length must be non-negative"),
    ("pad_reflect_big", lambda L, x: F(L).pad(x, (3, 3), mode="reflect"), (1, 2, 3),
     r"padding \(3, 3\) at dimension 2 of input \[1, 2, 3\]"),
    ("pad_circular_twice", lambda L, x: F(L).pad(x, (4, 0), mode="circular"), (1, 2, 3),
     "wrapping around more than once"),
    ("pad_reflect_dims", lambda L, x: F(L).pad(x, (1, 1), mode="reflect"), (3,),
     "Padding size 2 is not supported for 1D input tensor."),
    ("pad_replicate_dims", lambda L, x: F(L).pad(x, (1,) * 6, mode="replicate"), (1, 2, 3),
     "Padding size 6 is not supported for 3D input tensor."),
    ("pad_reflect_empty", lambda L, x: F(L).pad(x, (1, 1), mode="reflect"), (1, 0, 3),
     r"Expected 2D or 3D \(batch mode\) tensor"),
    ("pad_mode", lambda L, x: F(L).pad(x, (1, 1), mode="foo"), (1, 2, 3),
     "Unrecognised padding mode foo"),
    ("pad_value", lambda L, x: F(L).pad(x, (1, 1), mode="reflect", value=1), (1, 2, 3),
     "doesn't take in value argument"),
]


@requires_torch
@pytest.mark.parametrize("fn,shape,match", [pytest.param(f, s, m, id=n) for n, f, s, m in ERRORS])
def test_errors(fn, shape, match):
    raises_like(fn, arr(*shape), match=match)


def test_cat_error_message_exact():
    with pytest.raises(RuntimeError) as exc:
        numtorch.cat([numtorch.zeros(2, 3), numtorch.zeros(3, 3)], dim=1)
    assert str(exc.value) == ("Sizes of tensors must match except in dimension 1. Expected size "
                              "2 but got size 3 for tensor number 1 in the list.")


# ---------------------------------------------------------------------- views
@pytest.mark.parametrize("make", [
    lambda x: x.view(3, 4), lambda x: x.reshape(-1), lambda x: x.t(), lambda x: x.permute(1, 0),
    lambda x: x.unsqueeze(0), lambda x: x[None].squeeze(0), lambda x: x.flatten(),
    lambda x: x.narrow(1, 1, 2), lambda x: x.split(2)[1], lambda x: x.chunk(2, 1)[0],
    lambda x: x.unbind(1)[2], lambda x: x.diagonal(), lambda x: x.unflatten(1, (2, 2)),
    lambda x: x.movedim(0, 1), lambda x: x.unfold(1, 2, 2), lambda x: x.transpose(0, 1),
], ids=["view", "reshape", "t", "permute", "unsqueeze", "squeeze", "flatten", "narrow", "split",
        "chunk", "unbind", "diagonal", "unflatten", "movedim", "unfold", "transpose"])
def test_view_shares_memory_and_version(make):
    base = numtorch.tensor(np.arange(12.0, dtype=np.float32).reshape(4, 3)[:, :3].copy()
                           .reshape(3, 4))
    v = make(base)
    assert np.shares_memory(v.numpy(), base.numpy())
    before = base._version
    v.add_(100)
    assert base._version == v._version == before + 1
    assert base.numpy().max() >= 100
    base.mul_(2)
    assert v._version == base._version


def test_inplace_on_view_detected_by_backward():
    x = numtorch.ones(2, 3, requires_grad=True)
    y = x * 2
    v = y.view(6)
    z = (y * y).sum()
    v.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward()


def test_copies_do_not_share():
    x = numtorch.tensor(np.arange(6.0).reshape(2, 3))
    pad = padding_ops.pad
    for out in (x.flip(0), x.roll(1), x.clone(), x.repeat(1, 1), numtorch.cat([x]),
                x.t().contiguous(), x.tril(), numtorch.diag(x), pad(x, (-1, 0)),
                pad(x, (0, 0)), pad(x[None], (0, 0), mode="reflect")):
        assert not np.shares_memory(out.numpy(), x.numpy())
        assert out._vc is not x._vc or out._vc is None


def test_reshape_copy_has_own_version():
    x = numtorch.tensor(np.arange(6.0).reshape(2, 3))
    y = x.t().reshape(6)
    assert not np.shares_memory(y.numpy(), x.numpy())
    y.add_(1)
    assert x._version == 0


def test_contiguous_returns_self():
    x = numtorch.zeros(2, 3)
    assert x.contiguous() is x
    assert x.t().contiguous().is_contiguous()


def test_view_dtype():
    x = numtorch.tensor([1.0, 2.0])
    assert x.view(numtorch.int32).tolist() == np.array([1.0, 2.0], np.float32).view(
        np.int32).tolist()
    assert x.view(numtorch.float32) is not x


@requires_torch
def test_view_dtype_parity():
    parity(lambda L, x: (x.view(L.int32), x.view(L.int16), x.view(L.uint8)), arr(2, 4),
           grad=False)


def test_tril_inplace():
    x = numtorch.ones(3, 3)
    x.triu_(1)
    assert x.tolist() == [[0, 1, 1], [0, 0, 1], [0, 0, 0]]


def test_repeat_interleave_counts_only():
    out = numtorch.repeat_interleave(numtorch.tensor([1, 0, 3]))
    assert out.tolist() == [0, 2, 2, 2] and out.dtype == numtorch.int64


def test_unfold_backward_overlapping_windows():
    # Each entry's gradient counts the windows it belongs to.
    x = numtorch.ones(7, requires_grad=True)
    x.unfold(0, 3, 2).sum().backward()
    assert x.grad.tolist() == [1, 1, 2, 1, 2, 1, 1]


def test_pad_not_top_level():
    assert not hasattr(numtorch, "pad")
    assert "pad" not in padding_ops.__all__ and "constant_pad_nd" in padding_ops.__all__


@requires_torch
def test_top_level_names_exist_in_torch():
    import torch

    for module in (shape_ops, join_ops, padding_ops):
        for name in module.__all__:
            assert hasattr(torch, name), name
            assert getattr(numtorch, name) is getattr(module, name)


# ---------------------------------------------------------------------- properties
shapes = st.lists(st.integers(0, 3), min_size=0, max_size=4)


@settings(max_examples=15, deadline=None)
@given(shapes, st.randoms(use_true_random=False))
def test_reshape_round_trip(shape, rnd):
    x = numtorch.tensor(np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape))
    flat = x.reshape(-1)
    back = flat.reshape(shape)
    assert back.shape == x.shape and np.array_equal(back.numpy(), x.numpy())
    perm = list(range(len(shape)))
    rnd.shuffle(perm)
    y = x.permute(*perm).permute(*np.argsort(perm).tolist())
    assert np.array_equal(y.numpy(), x.numpy())


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(0, 3), min_size=1, max_size=4), st.integers(0, 3),
       st.randoms(use_true_random=False))
def test_cat_split_round_trip(sizes, dim_seed, rnd):
    other = [rnd.randint(1, 3) for _ in range(2)]
    dim = dim_seed % 3
    pieces = []
    for s in sizes:
        shape = list(other)
        shape.insert(dim, s)
        pieces.append(numtorch.randn(*shape))
    whole = numtorch.cat(pieces, dim)
    back = whole.split(sizes, dim)
    assert len(back) == len(pieces)
    for a, b in zip(back, pieces):
        assert np.array_equal(a.numpy(), b.numpy())
    stacked = numtorch.stack(pieces[:1] * 2, dim)
    assert all(np.array_equal(u.numpy(), pieces[0].numpy()) for u in stacked.unbind(dim))


def test_view_of_a_convolution_output_works_as_in_pytorch():
    # Convolution outputs are channels-last in numtorch's memory but contiguous in PyTorch's,
    # where conv -> x.view(N, -1) is the classic way to flatten: it must work here too.
    x = numtorch.randn(2, 3, 6, 6, requires_grad=True)
    conv = numtorch.nn.Conv2d(3, 4, 3)
    y = numtorch.nn.functional.relu(conv(x))
    flat = y.view(2, -1)
    assert tuple(flat.shape) == (2, 64)
    assert numtorch.equal(flat, y.reshape(2, -1))
    flat.sum().backward()
    assert x.grad is not None and tuple(x.grad.shape) == (2, 3, 6, 6)
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        numtorch.ones(2, 3).t().view(6)  # a transpose still cannot be viewed, as in PyTorch


# ============================================================ diagflat, *_scatter, combinations
@pytest.mark.parametrize("offset", [0, 1, -2])
def test_diagflat_matches_torch(offset):
    parity(lambda t, x: t.diagflat(x, offset), rng(1).standard_normal((2, 2)).astype(np.float32))
    parity(lambda t, x: x.diagflat(offset), np.array([1, 2, 3]))
    parity(lambda t, x: t.diagflat(x), np.float32(3.0))
    check_grad(lambda t, x: t.diagflat(x, offset), rng(2).standard_normal((2, 3)))


SCATTERS = {
    "diagonal": (lambda t, x, s: t.diagonal_scatter(x, s), (3, 4), (3,)),
    "diagonal_offset": (lambda t, x, s: x.diagonal_scatter(s, 1, 1, 2), (2, 3, 4), (2, 3)),
    "diagonal_negative": (lambda t, x, s: t.diagonal_scatter(x, s, -1), (3, 3), (2,)),
    "select": (lambda t, x, s: t.select_scatter(x, s, 0, 1), (2, 3), (3,)),
    "select_last": (lambda t, x, s: x.select_scatter(s, -1, -1), (2, 3, 2), (2, 3)),
    "slice": (lambda t, x, s: t.slice_scatter(x, s, 0, 1, 3), (4, 3), (2, 3)),
    "slice_step": (lambda t, x, s: t.slice_scatter(x, s, start=0, step=2), (5, 2), (3, 2)),
    "slice_dim": (lambda t, x, s: x.slice_scatter(s, dim=1, start=-2), (4, 3), (4, 2)),
    "slice_empty": (lambda t, x, s: t.slice_scatter(x, s, dim=1, start=5), (4, 3), (4, 0)),
}


@pytest.mark.parametrize("name", sorted(SCATTERS))
def test_scatters_into_a_copy_match_torch(name):
    fn, shape, src_shape = SCATTERS[name]
    x = rng(3).standard_normal(shape).astype(np.float32)
    s = rng(4).standard_normal(src_shape).astype(np.float32)
    parity(fn, x, s)  # gradient: zero on the region for x, the region's for src
    check_grad(fn, x.astype(np.float64), s.astype(np.float64), gradgrad=True)
    parity(fn, x.astype(np.int64), s, grad=False)  # src is cast to input's dtype
    out = fn(numtorch, numtorch.tensor(x), numtorch.tensor(s))
    assert not np.shares_memory(out.numpy(), x)


@pytest.mark.parametrize("call", [
    lambda t, x: t.diagonal_scatter(x, t.ones(2)),
    lambda t, x: t.select_scatter(x, t.ones(3), 0, 3),
    lambda t, x: t.select_scatter(x, t.ones(2), 0, 1),
    lambda t, x: t.slice_scatter(x, t.ones(3, 3), dim=0, step=2),
    lambda t, x: t.slice_scatter(x, t.ones(3, 2), dim=1, step=0),
    lambda t, x: t.diagonal_scatter(x, 1.0),
])
def test_scatters_bad_input_raises_like_torch(call):
    raises_like(call, np.zeros((3, 3), np.float32))


@pytest.mark.parametrize("r", [0, 1, 2, 3, 5])
@pytest.mark.parametrize("with_replacement", [False, True])
def test_combinations_match_torch(r, with_replacement):
    x = rng(5).standard_normal(4).astype(np.float32)
    parity(lambda t, a: t.combinations(a, r, with_replacement), x)
    parity(lambda t, a: t.combinations(a, r=r, with_replacement=with_replacement),
           np.array([3, 1, 2]))
    parity(lambda t, a: t.combinations(a, r), np.zeros(0, np.float32), grad=False)


def test_combinations_gradcheck_and_errors():
    check_grad(lambda t, a: t.combinations(a, 3, True) ** 2, rng(6).standard_normal(3))
    raises_like(lambda t, a: t.combinations(a, -1), np.ones(3, np.float32))
    raises_like(lambda t, a: t.combinations(a), np.ones((2, 2), np.float32))
