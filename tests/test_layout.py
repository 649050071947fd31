"""numtorch/_layout.py: memory formats, ``is_contiguous(memory_format=...)``, ``contiguous`` /
``to`` / ``clone`` / ``*_like`` with a memory format, against PyTorch on many stride patterns;
gradients through layout changes and through convolutions of channels-last inputs."""

import itertools

import numpy as np
import pytest
from parity import check_grad, parity, requires_torch, torch

import numtorch
from numtorch import _layout


def _pattern(lib, shape, perm, step):
    """A tensor of ``shape`` whose memory order is ``perm`` (then sliced by ``step`` in the
    last dim): covers contiguous, channels-last, transposed and non-dense layouts."""
    mem = tuple(shape[p] for p in perm)
    mem = mem[:-1] + (mem[-1] * step,)
    base = lib.tensor(np.arange(int(np.prod(mem)), dtype=np.float32).reshape(mem))
    if step > 1:
        base = base[..., ::step]
    return base.permute(*np.argsort(perm).tolist())


# (zero-size tensors are left out: NumPy may give them zero strides, which address nothing)
SHAPES = [(2, 3, 4, 5), (2, 1, 4, 5), (2, 3, 1, 1), (1, 3, 4, 1), (2, 3, 2, 2, 2),
          (2, 1, 3, 1, 2)]


def _patterns():
    for shape in SHAPES:
        for perm in itertools.islice(itertools.permutations(range(len(shape))), 0, None, 5):
            for step in (1, 2):
                yield shape, perm, step


@requires_torch
def test_is_contiguous_and_suggested_format_match_torch():
    for shape, perm, step in _patterns():
        t, n = _pattern(torch, shape, perm, step), _pattern(numtorch, shape, perm, step)
        assert tuple(n.stride()) == tuple(t.stride())
        label = (shape, perm, step)
        assert n.is_contiguous() == t.is_contiguous(), label
        for fmt in ("channels_last", "channels_last_3d"):
            assert (n.is_contiguous(memory_format=getattr(numtorch, fmt))
                    == t.is_contiguous(memory_format=getattr(torch, fmt))), (label, fmt)
        # the conversions: strides as torch's, values unchanged
        for fmt in ("contiguous_format", "channels_last", "channels_last_3d"):
            if fmt != "contiguous_format" and len(shape) != {"channels_last": 4}.get(fmt, 5):
                continue
            a = t.contiguous(memory_format=getattr(torch, fmt))
            b = n.contiguous(memory_format=getattr(numtorch, fmt))
            assert tuple(b.stride()) == tuple(a.stride()), (label, fmt)
            np.testing.assert_array_equal(b.numpy(), a.numpy())
        for make in (lambda L, x: x.clone(), lambda L, x: L.zeros_like(x),
                     lambda L, x: L.empty_like(x), lambda L, x: L.full_like(x, 2.0),
                     lambda L, x: x.to(memory_format=L.preserve_format)):
            a, b = make(torch, t), make(numtorch, n)
            if a.numel() and step == 1:  # dense: exactly the input's strides
                assert tuple(b.stride()) == tuple(a.stride()), label
            elif a.numel():  # made dense in the input's order (dims of size 1 aside)
                big = [d for d, size in enumerate(shape) if size > 1]
                assert [b.stride(d) for d in big] == [a.stride(d) for d in big], label
        # elementwise results: NumPy picks the strides of dims of size 1 itself (they address
        # nothing); the others are PyTorch's
        for make in (lambda L, x: x * 2, lambda L, x: L.relu(x)):
            a, b = make(torch, t), make(numtorch, n)
            if a.numel():
                big = [d for d, size in enumerate(shape) if size > 1]
                assert [b.stride(d) for d in big] == [a.stride(d) for d in big], label
                assert b.is_contiguous() == a.is_contiguous(), label


@requires_torch
def test_to_memory_format_and_back():
    x = numtorch.randn(2, 3, 4, 5)
    y = x.to(memory_format=numtorch.channels_last)
    assert y.stride() == (60, 1, 15, 3) and not y.is_contiguous()
    assert y.is_contiguous(memory_format=numtorch.channels_last)
    assert y.to(memory_format=numtorch.channels_last) is y  # already in the format: no copy
    z = y.contiguous()
    assert z.stride() == (60, 20, 5, 1)
    np.testing.assert_array_equal(z.numpy(), x.numpy())
    assert z.contiguous() is z
    with pytest.raises(RuntimeError):
        x.contiguous(memory_format=numtorch.preserve_format)
    assert repr(numtorch.channels_last) == "torch.channels_last"


def test_view_never_copies():
    x = numtorch.randn(4, 20, 12, 12)
    v = x.view(-1, 20 * 12 * 12)
    assert v.data_ptr() == x.data_ptr()
    y = x.to(memory_format=numtorch.channels_last)
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        y.view(4, -1)
    assert y.reshape(4, -1).shape == (4, 2880)  # reshape copies instead


def test_module_to_channels_last_converts_4d_parameters():
    model = numtorch.nn.Sequential(numtorch.nn.Conv2d(3, 4, 3), numtorch.nn.BatchNorm2d(4),
                                   numtorch.nn.Linear(4, 2))
    model.to(memory_format=numtorch.channels_last)
    assert model[0].weight.is_contiguous(memory_format=numtorch.channels_last)
    assert not model[0].weight.is_contiguous()
    assert model[1].weight.is_contiguous() and model[2].weight.is_contiguous()
    y = model[1](model[0](numtorch.randn(2, 3, 6, 6)))  # the weight's format decides
    assert y.is_contiguous(memory_format=numtorch.channels_last)


def test_gradcheck_through_layout_changes():
    r = np.random.default_rng(0)
    x = r.standard_normal((2, 3, 4, 5))
    check_grad(lambda L, t: t.contiguous(memory_format=L.channels_last) * 2, x)
    check_grad(lambda L, t: t.to(memory_format=L.channels_last).contiguous().sum(1), x)
    check_grad(lambda L, t: L.clone(t, memory_format=L.channels_last).exp(), x)


@pytest.mark.parametrize("channels", [(3, 4), (6, 5), (8, 8)], ids=["few", "shifted", "im2col"])
def test_gradcheck_conv_on_channels_last_input(channels):
    c, o = channels
    r = np.random.default_rng(1)
    x = r.standard_normal((2, c, 17, 17)) if c == 6 else r.standard_normal((2, c, 6, 6))
    w = r.standard_normal((o, c, 3, 3)) * 0.3

    def fn(L, x, w):
        return L.nn.functional.conv2d(x.contiguous(memory_format=L.channels_last), w,
                                      padding=1)

    check_grad(fn, x, w, fast_mode=True)


@requires_torch
@pytest.mark.parametrize("fmt", ["contiguous_format", "channels_last"])
def test_conv_bn_relu_pool_parity_in_both_layouts(fmt):
    r = np.random.default_rng(2)
    x = r.standard_normal((2, 8, 16, 16)).astype(np.float32)
    w = (r.standard_normal((8, 8, 3, 3)) * 0.2).astype(np.float32)

    def fn(L, x, w):
        x = x.contiguous(memory_format=getattr(L, fmt))
        y = L.nn.functional.conv2d(x, w, padding=1)
        y = L.nn.functional.batch_norm(y, None, None, training=True)
        return L.nn.functional.max_pool2d(L.relu(y), 2)

    parity(fn, x, w)


def test_layout_helpers():
    a = np.empty((2, 3, 4, 5), dtype=np.float32)
    assert _layout.is_format(a, _layout.contiguous_format)
    cl = _layout.as_format(a, _layout.channels_last)
    assert _layout.is_format(cl, _layout.channels_last)
    assert _layout.suggest_memory_format(cl) is _layout.channels_last
    assert _layout.as_format(cl, _layout.channels_last) is cl
