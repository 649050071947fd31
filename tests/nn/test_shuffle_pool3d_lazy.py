"""The distance layers, channel shuffle, 3-d adaptive max and lp pooling, the lazy batch /
instance norms and transposed convolutions, and ``nn.Buffer``: PyTorch's values, gradients,
reprs, state dicts and errors."""

import copy
import pickle

import numpy as np
import pytest
from parity import check_grad, parity, raises_like, requires_torch, rng, torch

import numtorch
from numtorch import nn

from .module_parity import module_parity

R = rng(3)


def f(*shape):
    return R.standard_normal(shape).astype(np.float32)


# ---------------------------------------------------------------------- distance layers
@pytest.mark.parametrize("kw,shapes", [
    (dict(), [(4, 5), (4, 5)]),
    (dict(dim=0, eps=1e-3), [(3, 4), (3, 1)]),
    (dict(dim=-1), [(2, 3, 6), (2, 3, 6)]),
])
def test_cosine_similarity_module(kw, shapes):
    module_parity(lambda lib: lib.nn.CosineSimilarity(**kw), *(f(*s) for s in shapes))


@pytest.mark.parametrize("kw", [dict(), dict(p=1.0, keepdim=True), dict(p=3.0, eps=1e-3),
                                dict(p=float("inf"))])
def test_pairwise_distance_module(kw):
    module_parity(lambda lib: lib.nn.PairwiseDistance(**kw), f(4, 6), f(4, 6))


def test_distance_modules_keep_pytorchs_attributes():
    m = nn.PairwiseDistance(p=1.5, eps=0.1, keepdim=True)
    assert (m.norm, m.eps, m.keepdim) == (1.5, 0.1, True)
    c = nn.CosineSimilarity(dim=2, eps=1e-4)
    assert (c.dim, c.eps) == (2, 1e-4)
    assert repr(m) == "PairwiseDistance()" and repr(c) == "CosineSimilarity()"


# ---------------------------------------------------------------------- channel shuffle
@pytest.mark.parametrize("shape,groups", [((2, 6, 3, 3), 2), ((2, 6, 3, 3), 3), ((1, 4, 5), 4),
                                          ((2, 6, 2, 2, 2), 2), ((3, 5, 2), 1)])
def test_channel_shuffle_matches_torch(shape, groups):
    x = f(*shape)
    parity(lambda lib, t: lib.nn.functional.channel_shuffle(t, groups), x)
    # (PyTorch's native kernel has no derivative; numtorch's is the same op, with one)
    parity(lambda lib, t: lib.nn.functional.native_channel_shuffle(t, groups), x, grad=False)
    module_parity(lambda lib: lib.nn.ChannelShuffle(groups), x)


def test_channel_shuffle_moves_channels():
    x = numtorch.arange(6.0).reshape(1, 6, 1)
    y = nn.functional.channel_shuffle(x, 2)
    assert y.flatten().tolist() == [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
    assert repr(nn.ChannelShuffle(3)) == "ChannelShuffle(groups=3)"


@requires_torch
def test_channel_shuffle_keeps_channels_last():
    x = torch.randn(2, 4, 3, 3).contiguous(memory_format=torch.channels_last)
    y = numtorch.tensor(x.numpy()).contiguous(memory_format=numtorch.channels_last)
    a = nn.functional.channel_shuffle(y, 2)
    b = torch.nn.functional.channel_shuffle(x, 2)
    assert a.stride() == b.stride()
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_channel_shuffle_gradcheck():
    check_grad(lambda lib, t: lib.nn.functional.channel_shuffle(t, 3), f(2, 6, 2))


@pytest.mark.parametrize("shape,groups", [((2, 5, 3), 2), ((4, 6), 2), ((2, 4, 3), 0),
                                          ((2, 4, 3), -2)])
def test_channel_shuffle_errors_match_torch(shape, groups):
    raises_like(lambda lib, t: lib.nn.functional.channel_shuffle(t, groups), f(*shape))


# ---------------------------------------------------------------------- 3-d pooling
@pytest.mark.parametrize("shape,out", [((2, 3, 4, 4, 4), 2), ((2, 2, 5, 4, 3), (2, 3, 2)),
                                       ((3, 5, 7, 6), (3, None, 4)), ((1, 2, 3, 3, 3), 1)])
def test_adaptive_max_pool3d_matches_torch(shape, out):
    x = f(*shape)
    parity(lambda lib, t: lib.nn.functional.adaptive_max_pool3d(t, out, return_indices=True), x)
    parity(lambda lib, t: lib.nn.functional.adaptive_max_pool3d_with_indices(t, out), x)
    nt, th, _ = module_parity(lambda lib: lib.nn.AdaptiveMaxPool3d(out), x)
    assert repr(nt) == repr(th)
    parity(lambda lib, t: lib.nn.AdaptiveMaxPool3d(out, return_indices=True)(t), x)


def test_adaptive_max_pool3d_gradcheck():
    x = np.random.default_rng(0).permutation(2 * 5 * 4 * 3).reshape(1, 2, 5, 4, 3) / 7.0
    check_grad(lambda lib, t: lib.nn.functional.adaptive_max_pool3d(t, (2, 3, 2)), x)
    check_grad(lambda lib, t: lib.nn.functional.adaptive_max_pool3d(t, 2), x[..., :4, :4, :2])


@pytest.mark.parametrize("p,k,stride,ceil", [(2.0, 2, None, False), (3.0, (2, 1, 2), 1, False),
                                             (1.5, 2, (1, 2, 2), True)])
def test_lp_pool3d_matches_torch(p, k, stride, ceil):
    x = np.abs(f(2, 3, 5, 4, 4)) + 0.1
    parity(lambda lib, t: lib.nn.functional.lp_pool3d(t, p, k, stride, ceil), x)
    nt, th, _ = module_parity(lambda lib: lib.nn.LPPool3d(p, k, stride, ceil), x)
    assert repr(nt) == repr(th)


def test_lp_pool3d_gradcheck():
    x = np.abs(f(1, 2, 4, 3, 4)).astype(np.float64) + 0.5
    check_grad(lambda lib, t: lib.nn.functional.lp_pool3d(t, 2.0, (2, 1, 2)), x)


def test_pool3d_errors_match_torch():
    raises_like(lambda lib, t: lib.nn.functional.adaptive_max_pool3d(t, 2), f(2, 3, 4))
    raises_like(lambda lib, t: lib.nn.functional.adaptive_max_pool3d(t, (2, 2)), f(2, 3, 4, 4, 4))
    raises_like(lambda lib, t: lib.nn.functional.lp_pool3d(t, 2, 3), f(1, 1, 2, 2, 2))


# ---------------------------------------------------------------------- lazy layers
LAZY = [("LazyBatchNorm1d", dict(), (4, 3)), ("LazyBatchNorm1d", dict(), (2, 3, 5)),
        ("LazyBatchNorm2d", dict(momentum=0.3), (2, 3, 4, 4)),
        ("LazyBatchNorm3d", dict(affine=False), (2, 3, 2, 2, 2)),
        ("LazyInstanceNorm1d", dict(), (2, 3, 5)),
        ("LazyInstanceNorm2d", dict(affine=False, track_running_stats=False), (2, 3, 4, 4)),
        ("LazyInstanceNorm3d", dict(bias=False), (2, 3, 2, 3, 2)),
        ("LazyBatchNorm2d", dict(bias=False, eps=1e-3), (2, 3, 4, 4))]


@requires_torch
@pytest.mark.filterwarnings("ignore:input's size at dim")  # (both warn on the untracked case)
@pytest.mark.parametrize("name,kw,shape", LAZY, ids=[f"{n}-{i}" for i, (n, _, _) in
                                                    enumerate(LAZY)])
def test_lazy_norms_match_torch(name, kw, shape):
    a, b = getattr(nn, name)(**kw), getattr(torch.nn, name)(**kw)
    assert repr(a) == repr(b)
    assert a.has_uninitialized_params() == b.has_uninitialized_params()
    x = f(*shape)
    xa, xb = numtorch.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yb = a(xa), b(xb)
    assert type(a).__name__ == type(b).__name__ == name.replace("Lazy", "")
    assert repr(a) == repr(b)
    np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), rtol=1e-4, atol=1e-5)
    ya.pow(2).sum().backward()
    yb.pow(2).sum().backward()
    np.testing.assert_allclose(xa.grad.numpy(), xb.grad.numpy(), rtol=1e-4, atol=1e-4)
    sa, sb = a.state_dict(), b.state_dict()
    assert list(sa) == list(sb)
    for k in sb:
        np.testing.assert_allclose(sa[k].numpy(), sb[k].numpy(), rtol=1e-4, atol=1e-6)


LAZY_T = [("LazyConvTranspose1d", (4, 3), dict(stride=2, output_padding=1), (2, 3, 5)),
          ("LazyConvTranspose2d", (6, 3), dict(groups=3, padding=1, bias=False), (2, 3, 4, 4)),
          ("LazyConvTranspose2d", (2, (2, 3)), dict(dilation=2), (3, 5, 4)),
          ("LazyConvTranspose3d", (2, 2), dict(stride=(1, 2, 1)), (1, 2, 3, 3, 3))]


@requires_torch
@pytest.mark.parametrize("name,args,kw,shape", LAZY_T,
                         ids=[f"{n}-{i}" for i, (n, *_) in enumerate(LAZY_T)])
def test_lazy_conv_transpose_matches_torch(name, args, kw, shape):
    a, b = getattr(nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    assert repr(a) == repr(b)
    x = f(*shape)
    numtorch.manual_seed(0)
    a(numtorch.tensor(x))
    b(torch.tensor(x))
    assert type(a).__name__ == type(b).__name__ == name.replace("Lazy", "")
    assert repr(a) == repr(b)
    assert {k: tuple(v.shape) for k, v in a.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in b.state_dict().items()}
    # same weights: same outputs and gradients
    cls = name.replace("Lazy", "")
    module_parity(lambda lib: getattr(lib.nn, cls)(a.in_channels, *args, **kw), x)


def test_lazy_conv_transpose_output_size_and_weight_layout():
    m = nn.LazyConvTranspose2d(4, 3, stride=2, groups=2)
    y = m(numtorch.ones(1, 6, 5, 5), output_size=(12, 12))
    assert tuple(y.shape) == (1, 4, 12, 12)
    assert tuple(m.weight.shape) == (6, 2, 3, 3)
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.LazyConvTranspose1d(4, 3, groups=2)(numtorch.ones(1, 3, 5))
    with pytest.raises(RuntimeError, match=r"2D \(unbatched\) or 3D \(batched\) input to "
                                           r"LazyConvTranspose1d, but got input of size"):
        nn.LazyConvTranspose1d(4, 3)(numtorch.ones(1, 2, 5, 5))


def test_lazy_norm_loads_a_state_dict_before_forward():
    src = nn.BatchNorm2d(3)
    src.running_mean.fill_(0.5)
    m = nn.LazyBatchNorm2d()
    m.load_state_dict(src.state_dict())
    # (as PyTorch: the shapes come from the state dict, num_features stays as it was)
    assert m.running_mean.tolist() == [0.5, 0.5, 0.5] and tuple(m.weight.shape) == (3,)
    assert m.num_features == 0
    y = m(numtorch.ones(2, 3, 2, 2))
    assert tuple(y.shape) == (2, 3, 2, 2)


# ---------------------------------------------------------------------- nn.Buffer
def test_buffer_registers_itself():
    m = nn.Module()
    m.a = nn.Buffer(numtorch.ones(2))
    m.b = nn.Buffer(numtorch.zeros(3), persistent=False)
    m.c = nn.Buffer()
    assert [n for n, _ in m.named_buffers()] == ["a", "b", "c"]
    assert list(m.state_dict()) == ["a", "c"]
    assert m.a.persistent and not m.b.persistent
    assert tuple(m.c.shape) == (0,) and m.c.dtype == numtorch.float32
    assert type(m.a + 1) is numtorch.Tensor
    for clone in (copy.deepcopy(m), pickle.loads(pickle.dumps(m))):
        assert list(clone.state_dict()) == ["a", "c"]
        assert [n for n, _ in clone.named_buffers()] == ["a", "b", "c"]


def test_buffer_detaches_and_shares_memory():
    x = numtorch.ones(2, requires_grad=True)
    y = x * 2
    b = nn.Buffer(y)
    assert b.requires_grad and b.grad_fn is None
    b2 = nn.Buffer(numtorch.zeros(2))
    t = numtorch.zeros(2)
    b3 = nn.Buffer(t)
    b3.add_(1)
    assert t.tolist() == [1.0, 1.0] and not b2.requires_grad
    with pytest.raises(AttributeError):
        nn.Buffer([1.0])


@requires_torch
def test_buffer_state_dict_matches_torch():
    def build(lib):
        m = lib.nn.Module()
        m.x = lib.nn.Buffer(lib.ones(2), persistent=False)
        m.y = lib.nn.Buffer(lib.zeros(1))
        return m
    assert list(build(numtorch).state_dict()) == list(build(torch).state_dict())


# ---------------------------------------------------------------------- fractional max pooling
FRACTIONAL = [
    (2, (2, 3, 7, 9), 2, dict(output_size=(4, 5))),
    (2, (3, 8, 6), (3, 2), dict(output_size=3)),
    (2, (2, 2, 9, 9), 3, dict(output_ratio=(0.5, 0.6))),
    (3, (2, 2, 6, 7, 8), 2, dict(output_size=(3, 4, 5))),
    (3, (2, 5, 6, 7), (1, 2, 3), dict(output_ratio=0.5)),
]


@pytest.mark.parametrize("nd,shape,k,kw", FRACTIONAL,
                         ids=[f"{nd}d-{i}" for i, (nd, *_) in enumerate(FRACTIONAL)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fractional_max_pool_matches_torch_given_samples(nd, shape, k, kw, dtype):
    x = R.standard_normal(shape).astype(dtype)
    n = shape[0] if len(shape) == nd + 2 else 1
    u = R.random((n, shape[-nd - 1], nd)).astype(dtype)
    name = f"fractional_max_pool{nd}d"

    def fn(lib, t, s):
        return getattr(lib.nn.functional, name)(t, k, return_indices=True, _random_samples=s,
                                                **kw)
    parity(fn, x, u, grad_inputs=[0])
    parity(lambda lib, t, s: getattr(lib.nn.functional, name + "_with_indices")(
        t, k, _random_samples=s, **kw), x, u, grad_inputs=[0])
    # the module, its samples as a buffer
    parity(lambda lib, t, s: getattr(lib.nn, f"FractionalMaxPool{nd}d")(
        k, _random_samples=s, **kw)(t), x, u, grad_inputs=[0])


def test_fractional_max_pool_gradcheck_and_random_windows():
    x = np.random.default_rng(0).permutation(2 * 7 * 8).reshape(1, 2, 7, 8) / 11.0
    u = np.random.default_rng(1).random((1, 2, 2))
    check_grad(lambda lib, t, s: lib.nn.functional.fractional_max_pool2d(
        t, 2, (4, 5), _random_samples=s), x, u, grad_inputs=[0])
    x3 = np.random.default_rng(2).permutation(6 * 5 * 6).reshape(1, 1, 6, 5, 6) / 7.0
    check_grad(lambda lib, t: lib.nn.functional.fractional_max_pool3d(
        t, 2, (3, 3, 3), _random_samples=lib.tensor([[[0.3, 0.6, 0.9]]], dtype=lib.float64)),
        x3)
    # without samples: fresh windows from the default generator, reproducible under a seed
    t = numtorch.tensor(R.standard_normal((2, 3, 9, 9)).astype(np.float32))
    numtorch.manual_seed(0)
    a = nn.functional.fractional_max_pool2d(t, 2, output_ratio=(0.5, 0.5))
    numtorch.manual_seed(0)
    b = nn.FractionalMaxPool2d(2, output_ratio=0.5)(t)
    assert tuple(a.shape) == (2, 3, 4, 4)
    np.testing.assert_array_equal(a.numpy(), b.numpy())


@requires_torch
def test_fractional_max_pool_module_repr_and_state():
    for nd in (2, 3):
        kw = dict(output_size=3) if nd == 2 else dict(output_ratio=(0.5, 0.5, 0.5))
        a = getattr(nn, f"FractionalMaxPool{nd}d")(2, **kw)
        b = getattr(torch.nn, f"FractionalMaxPool{nd}d")(2, **kw)
        assert repr(a) == repr(b)
        assert (a.kernel_size, a.output_size, a.output_ratio) == (b.kernel_size, b.output_size,
                                                                  b.output_ratio)
        assert list(a.state_dict()) == list(b.state_dict())


@pytest.mark.parametrize("make", [
    lambda lib: lib.nn.FractionalMaxPool2d(2),
    lambda lib: lib.nn.FractionalMaxPool2d(2, output_size=2, output_ratio=0.5),
    lambda lib: lib.nn.FractionalMaxPool2d(2, output_ratio=1.5),
    lambda lib: lib.nn.FractionalMaxPool3d(0, output_size=2),
    lambda lib: lib.nn.FractionalMaxPool3d(2, output_ratio=(0.5, 0.5, 1.0)),
])
def test_fractional_max_pool_module_errors_match_torch(make):
    raises_like(lambda lib: make(lib))


@pytest.mark.parametrize("call", [
    lambda lib, x: lib.nn.functional.fractional_max_pool2d(x, 2),
    lambda lib, x: lib.nn.functional.fractional_max_pool2d(x, 3, output_size=(5, 3)),
    lambda lib, x: lib.nn.functional.fractional_max_pool2d(x, 2, output_size=(2, 3, 4)),
    lambda lib, x: lib.nn.functional.fractional_max_pool2d(
        x, 2, output_size=2, _random_samples=lib.rand(1, 3, 2)),
    lambda lib, x: lib.nn.functional.fractional_max_pool2d(
        x, 2, output_size=2, _random_samples=lib.rand(2, 2, 2)),
    lambda lib, x: lib.nn.functional.fractional_max_pool2d(
        x, 2, output_size=2, _random_samples=lib.rand(2, 3, 3)),
    lambda lib, x: lib.nn.functional.fractional_max_pool2d(
        x, 2, output_size=2, _random_samples=lib.rand(2, 3, 2, dtype=lib.float64)),
    lambda lib, x: lib.nn.functional.fractional_max_pool2d(x[0, 0], 2, output_size=2),
    lambda lib, x: lib.nn.functional.fractional_max_pool2d(x[:, :0], 2, output_size=2),
    lambda lib, x: lib.nn.functional.fractional_max_pool3d(x.unsqueeze(2).expand(
        2, 3, 4, 5, 5), 2, output_size=(3, 2, 2)),
])
def test_fractional_max_pool_errors_match_torch(call):
    raises_like(call, f(2, 3, 5, 5))
