"""The Tensor object: construction, metadata, conversion, dtype and device moves."""

import copy
import pickle

import numpy as np
import pytest
from parity import parity, raises_like, requires_torch, torch

import numtorch


def test_legacy_constructors():
    t = numtorch.Tensor([[1, 0, 2], [3, 2, 3]])
    assert t.dtype is numtorch.float32 and t.shape == (2, 3)
    assert repr(t) == "tensor([[1., 0., 2.],\n        [3., 2., 3.]])"
    e = numtorch.Tensor(2, 3)
    assert e.shape == (2, 3) and e.dtype is numtorch.float32
    assert numtorch.Tensor().shape == (0,)
    assert numtorch.Tensor(numtorch.Size([2])).shape == (2,)
    assert numtorch.FloatTensor([1, 2]).dtype is numtorch.float32
    assert numtorch.LongTensor([1.7, 2]).dtype is numtorch.int64
    assert numtorch.LongTensor([1.7, 2]).tolist() == [1, 2]
    assert numtorch.DoubleTensor(3).shape == (3,)
    assert numtorch.BoolTensor([1, 0]).tolist() == [True, False]
    assert type(numtorch.LongTensor(2)) is numtorch.Tensor
    assert isinstance(numtorch.ones(1), numtorch.Tensor)
    with pytest.raises(TypeError):
        numtorch.Tensor("abc", 2)


def test_size():
    s = numtorch.ones(2, 3).size()
    assert isinstance(s, numtorch.Size) and s == (2, 3) and s == numtorch.Size([2, 3])
    assert repr(s) == "numtorch.Size([2, 3])" and str(numtorch.Size([])) == "numtorch.Size([])"
    assert s[1] == 3 and isinstance(s[:1], numtorch.Size) and s.numel() == 6
    assert numtorch.ones(2, 3).size(-1) == 3 and numtorch.ones(2, 3).shape[0] == 2
    with pytest.raises(IndexError, match="Dimension out of range"):
        numtorch.ones(2).size(1)


@requires_torch
def test_size_errors_match_torch():
    raises_like(lambda t, x: x.size(2), np.ones((2, 3)))


def test_metadata():
    t = numtorch.zeros(2, 3, 4)
    assert t.dim() == 3 and t.ndim == 3 and t.numel() == 24 and len(t) == 2
    assert numtorch.numel(t) == 24 and t.nelement() == 24 and t.element_size() == 4
    assert t.is_floating_point() and not numtorch.zeros(1, dtype=numtorch.int64).is_floating_point()
    assert t.is_contiguous() and t.stride() == (12, 4, 1)
    assert t.device == numtorch.device("cpu") and str(t.device) == "cpu" and not t.is_cuda
    assert repr(t.device) == "device(type='cpu')"
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(numtorch.tensor(1.0))


def test_item_tolist_and_python_numbers():
    t = numtorch.tensor([[1.5, 2.0]])
    assert t.tolist() == [[1.5, 2.0]]
    assert numtorch.tensor([3]).item() == 3 and isinstance(numtorch.tensor([3]).item(), int)
    assert isinstance(numtorch.tensor(2.5).item(), float)
    assert float(numtorch.tensor(2.5)) == 2.5 and int(numtorch.tensor(7)) == 7
    assert bool(numtorch.tensor([1])) and [1, 2, 3][numtorch.tensor(1)] == 2
    with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted"):
        t.item()
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(t)


def test_numpy_and_array_protocol():
    t = numtorch.tensor([1.0, 2.0])
    a = t.numpy()
    a[0] = 5
    assert t.tolist() == [5.0, 2.0]  # shares memory
    assert np.asarray(t).tolist() == [5.0, 2.0]
    assert np.array(t, dtype=np.float64).dtype == np.float64
    r = numtorch.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="Can't call numpy\\(\\) on Tensor that requires "
                                           "grad. Use tensor.detach\\(\\).numpy\\(\\) instead."):
        r.numpy()
    with pytest.raises(RuntimeError, match="requires grad"):
        np.asarray(r)
    assert r.detach().numpy().tolist() == [1.0, 1.0]
    with numtorch.no_grad():
        assert r.numpy().tolist() == [1.0, 1.0]  # PyTorch allows it when not recording


def test_from_numpy_shares_memory():
    a = np.arange(4, dtype=np.float64)
    t = numtorch.from_numpy(a)
    t += 1
    assert a.tolist() == [1.0, 2.0, 3.0, 4.0] and t.dtype is numtorch.float64
    a[0] = 10
    assert t[0].item() == 10 if hasattr(t, "__getitem__") else t.tolist()[0] == 10
    with pytest.raises(TypeError, match="can't convert np.ndarray of type"):
        numtorch.from_numpy(np.array(["a"]))
    with pytest.raises(TypeError, match="expected np.ndarray"):
        numtorch.from_numpy([1, 2])


def test_clone_detach_contiguous():
    x = numtorch.tensor([1.0, 2.0], requires_grad=True)
    c = x.clone()
    assert c.grad_fn.name() == "CloneBackward0" and not np.shares_memory(
        c.detach().numpy(), x.detach().numpy())
    c.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]
    d = x.detach()
    assert d.grad_fn is None and not d.requires_grad
    assert np.shares_memory(d.numpy(), x.detach().numpy())
    assert x.contiguous() is x
    t = numtorch.from_numpy(np.arange(6.0).reshape(2, 3).T)
    assert not t.is_contiguous() and t.contiguous().is_contiguous()
    assert t.contiguous().tolist() == t.tolist()


def test_iteration():
    t = numtorch.tensor([[1, 2], [3, 4]])
    rows = list(t)
    assert len(rows) == 2 and rows[1].tolist() == [3, 4]
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(numtorch.tensor(1))


@requires_torch
def test_dtype_conversions():
    x = np.array([1.7, -2.2, 0.0], np.float32)
    for conv in ["float", "double", "half", "long", "int", "short", "char", "byte", "bool"]:
        parity(lambda t, a: getattr(a, conv)(), x, grad=False, atol=1e-3)
    parity(lambda t, a: a.to(t.float64) * 2, x)
    parity(lambda t, a: a.to(dtype=t.int32), x, grad=False)
    parity(lambda t, a: a.to("cpu", t.float16), x, grad=False, atol=1e-3)
    parity(lambda t, a: a.to(t.zeros(1, dtype=t.float64)), x)
    parity(lambda t, a: a.type(t.int64), x, grad=False)
    parity(lambda t, a: a.type_as(t.zeros(1, dtype=t.float64)), x)


def test_to_returns_self_or_copy():
    x = numtorch.ones(2)
    assert x.to(numtorch.float32) is x and x.to("cpu") is x and x.cpu() is x
    assert x.to(numtorch.float32, copy=True) is not x
    assert x.type() == "torch.FloatTensor"
    assert x.double().type() == "torch.DoubleTensor"


def test_cuda_raises_clearly():
    x = numtorch.ones(2)
    for f in (lambda: x.cuda(), lambda: x.to("cuda"), lambda: x.to("cuda:0"),
              lambda: numtorch.ones(2, device="cuda"), lambda: x.to(numtorch.device("cuda"))):
        with pytest.raises(RuntimeError, match="CPU only"):
            f()
    assert numtorch.cuda.is_available() is False and numtorch.cuda.device_count() == 0
    assert numtorch.device("cuda:1").index == 1
    with pytest.raises(RuntimeError, match="Expected one of cpu"):
        numtorch.device("gpu")


def test_threads():
    n = numtorch.get_num_threads()
    assert n >= 1
    numtorch.set_num_threads(1)
    assert numtorch.get_num_threads() == 1
    numtorch.set_num_threads(n)
    with pytest.raises(RuntimeError):
        numtorch.set_num_threads(0)


def test_grad_attribute_and_data():
    x = numtorch.ones(2, requires_grad=True)
    x.data.mul_(3)
    assert x.tolist() == [3.0, 3.0] and x.is_leaf
    x.data = numtorch.zeros(2)
    assert x.tolist() == [0.0, 0.0]
    x.grad = numtorch.ones(2)
    assert x.grad.tolist() == [1.0, 1.0]


def test_pickle_and_deepcopy():
    x = numtorch.tensor([1.0, 2.0], requires_grad=True)
    y = pickle.loads(pickle.dumps(x))
    assert y.tolist() == [1.0, 2.0] and y.requires_grad
    z = copy.deepcopy(x)
    assert z.requires_grad and not np.shares_memory(z.detach().numpy(), x.detach().numpy())
    with pytest.raises(RuntimeError, match="graph leaves"):
        copy.deepcopy(x * 2)


def test_contains_and_hash():
    t = numtorch.tensor([1, 2, 3])
    assert 2 in t and 5 not in t
    assert len({t, t}) == 1


# ---------------------------------------------------------------------- the long tail of Tensor
def test_data_shares_memory_has_its_own_version_and_no_graph():
    x = numtorch.ones(3, requires_grad=True)
    d = x.data
    assert not d.requires_grad and d.grad_fn is None
    d.add_(1)
    assert x.tolist() == [2.0, 2.0, 2.0]
    assert x._version == 0 and d._version == 1  # as in PyTorch: .data is not tracked


def test_setting_data_swaps_values_and_keeps_the_graph():
    x = numtorch.ones(2, requires_grad=True)
    y = x * 2
    y.data = numtorch.zeros(5)
    assert tuple(y.shape) == (5,) and y.requires_grad and y.grad_fn is not None
    z = numtorch.zeros(3)
    z.data = numtorch.zeros(2, dtype=numtorch.int64)
    assert z.dtype == numtorch.int64


def test_setting_integer_data_on_a_tensor_requiring_grad_raises_like_pytorch():
    for lib in [numtorch] + ([torch] if torch is not None else []):
        x = lib.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="must be floating point"):
            x.data = lib.zeros(2, dtype=lib.int64)


@pytest.mark.parametrize("arg", ["int64", "LongTensor", "torch.LongTensor", "torch.CharTensor",
                                 "float32", "torch.DoubleTensor", "BoolTensor"])
def test_type_with_dtypes_classes_and_names_matches_torch(arg):
    def call(t, a):
        if arg.startswith("torch."):
            return a.type(arg)
        return a.type(getattr(t, arg))

    parity(call, np.array([1.5, -2.0, 0.0], np.float32), grad=False)


def test_type_returns_self_when_nothing_changes():
    x = numtorch.ones(2)
    assert x.type(numtorch.float32) is x and x.type("torch.FloatTensor") is x
    assert x.type(dtype=numtorch.int32).dtype == numtorch.int32


@pytest.mark.parametrize("name,exc", [("torch.Foo", ValueError), ("torch.float64", ValueError),
                                      ("torch.cuda.FloatTensor", RuntimeError)])
def test_type_with_bad_names_raises_like_torch(name, exc):
    with pytest.raises(exc):
        numtorch.ones(2).type(name)
    if torch is not None:
        with pytest.raises(exc):
            torch.ones(2).type(name)


@pytest.mark.parametrize("expr", [
    "int(t.tensor([2.7]))", "int(t.tensor([[3]]))", "float(t.tensor([[0.5]]))",
    "[1, 2, 3][t.tensor(1)]", "[1, 2, 3][t.tensor([1])]", "[1, 2, 3][t.tensor(True)]",
    "list(range(t.tensor(3)))", "'%d' % t.tensor(4)", "t.tensor(5).__index__()",
])
def test_python_number_conversions_match_torch(expr):
    value = eval(expr, {"t": numtorch})
    if torch is not None:
        assert value == eval(expr, {"t": torch})
    assert value is not None


@pytest.mark.parametrize("expr,exc", [
    ("float(t.tensor([1, 2]))", ValueError), ("int(t.tensor([]))", ValueError),
    ("[1, 2, 3][t.tensor(1.0)]", TypeError), ("[1, 2, 3][t.tensor([0, 1])]", TypeError),
])
def test_bad_number_conversions_raise_like_torch(expr, exc):
    with pytest.raises(exc):
        eval(expr, {"t": numtorch})
    if torch is not None:
        with pytest.raises(exc):
            eval(expr, {"t": torch})


@pytest.mark.parametrize("other", ["tensor", "number"])
def test_where_method_is_where_with_self_as_input(other):
    x = np.arange(-3.0, 3.0).reshape(2, 3)
    y = -np.ones((1, 3)) * 7 if other == "tensor" else 2.5

    def run(lib):
        a = lib.tensor(x, requires_grad=True)
        b = lib.tensor(y, requires_grad=True) if other == "tensor" else y
        out = a.where(condition=a > 0, other=b)
        out.sum().backward()
        grads = [a.grad.numpy()] + ([b.grad.numpy()] if other == "tensor" else [])
        return out.detach().numpy(), grads

    out, grads = run(numtorch)
    np.testing.assert_array_equal(out, np.where(x > 0, x, y))
    np.testing.assert_array_equal(grads[0], (x > 0).astype(float))
    if torch is not None:
        t_out, t_grads = run(torch)
        np.testing.assert_array_equal(out, t_out)
        for g, tg in zip(grads, t_grads):
            np.testing.assert_array_equal(g, tg)


@requires_torch
def test_predicates_match_torch():
    cases = [np.ones(2, np.float32), np.ones(2, np.uint8), np.ones(2, bool), np.ones(2, np.int8),
             np.array([1.0, np.nan]), np.float32(0.0)]
    for a in cases:
        n, t = numtorch.tensor(a), torch.tensor(a)
        assert numtorch.is_signed(n) == torch.is_signed(t) == n.is_signed()
        assert numtorch.is_same_size(n, n) and not numtorch.is_same_size(n, n.reshape(-1, 1)) \
            or n.ndim == 0
        assert n.is_same_size(n.reshape(-1)) == t.is_same_size(t.reshape(-1))
        np.testing.assert_array_equal(numtorch.isreal(n).numpy(), torch.isreal(t).numpy())
        assert n.isreal().dtype is numtorch.bool
    assert numtorch.tensor([0.0]).is_nonzero() is False
    assert numtorch.tensor(2).is_nonzero() is True
    for a in (np.ones(2), np.ones(0)):
        raises_like(lambda lib, x: x.is_nonzero(), a)
