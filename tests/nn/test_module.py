"""Module: registration, traversal, state_dict, modes, conversion, hooks, repr (vs torch)."""

import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest
from parity import requires_torch, to_numpy, torch

import numtorch
from numtorch import nn


def make_net(lib):
    """The same nested model in either library."""

    class Block(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = lib.nn.Linear(4, 3)
            self.act = lib.nn.ReLU()
            self.register_buffer("scale", lib.ones(3))
            self.register_buffer("tmp", lib.zeros(1), persistent=False)

        def forward(self, x):
            return self.act(self.fc(x)) * self.scale

    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.block = Block()
            self.layers = lib.nn.Sequential(lib.nn.Linear(3, 5), lib.nn.Tanh(),
                                            lib.nn.Linear(5, 2, bias=False))
            self.head = lib.nn.ModuleList([lib.nn.Linear(2, 2), lib.nn.Linear(2, 2)])
            self.alpha = lib.nn.Parameter(lib.ones(2) * 0.5)

        def forward(self, x):
            h = self.layers(self.block(x))
            for m in self.head:
                h = m(h)
            return h * self.alpha

    return Net()


def copy_from_torch(nt_module, th_module):
    return nt_module.load_state_dict({k: v.detach().numpy()
                                      for k, v in th_module.state_dict().items()})


@requires_torch
def test_state_dict_keys_and_repr_match_torch():
    nt, th = make_net(numtorch), make_net(torch)
    assert list(nt.state_dict().keys()) == list(th.state_dict().keys())
    assert [k for k, _ in nt.named_parameters()] == [k for k, _ in th.named_parameters()]
    assert [k for k, _ in nt.named_buffers()] == [k for k, _ in th.named_buffers()]
    assert [k for k, _ in nt.named_modules()] == [k for k, _ in th.named_modules()]
    assert [k for k, _ in nt.named_children()] == [k for k, _ in th.named_children()]
    assert repr(nt) == repr(th)
    for (k, a), (_, b) in zip(nt.state_dict().items(), th.state_dict().items()):
        assert tuple(a.shape) == tuple(b.shape), k


@requires_torch
def test_forward_backward_match_torch_after_loading_weights():
    nt, th = make_net(numtorch), make_net(torch)
    assert repr(copy_from_torch(nt, th)) == "<All keys matched successfully>"
    x = np.random.default_rng(0).standard_normal((6, 4)).astype(np.float32)
    y_nt = nt(numtorch.tensor(x))
    y_th = th(torch.tensor(x))
    np.testing.assert_allclose(to_numpy(y_nt), to_numpy(y_th), rtol=1e-5, atol=1e-6)
    y_nt.sum().backward()
    y_th.sum().backward()
    th_params = dict(th.named_parameters())
    for name, p in nt.named_parameters():
        np.testing.assert_allclose(to_numpy(p.grad), to_numpy(th_params[name].grad), rtol=1e-5,
                                   atol=1e-6, err_msg=name)


@requires_torch
def test_load_state_dict_accepts_torch_tensors_and_copies_in_place():
    nt, th = make_net(numtorch), make_net(torch)
    w = nt.block.fc.weight
    arr = w._data
    nt.load_state_dict(th.state_dict())
    assert nt.block.fc.weight is w and w._data is arr
    np.testing.assert_array_equal(to_numpy(w), to_numpy(th.block.fc.weight))


@requires_torch
def test_load_state_dict_errors_match_torch():
    nt, th = make_net(numtorch), make_net(torch)
    sd = {k: v.detach().numpy() for k, v in th.state_dict().items()}
    del sd["block.fc.bias"]
    sd["extra.weight"] = np.zeros(3, dtype=np.float32)
    sd["layers.0.weight"] = np.zeros((5, 4), dtype=np.float32)
    th_sd = {k: torch.tensor(v) for k, v in sd.items()}
    with pytest.raises(RuntimeError) as th_err:
        th.load_state_dict(th_sd)
    with pytest.raises(RuntimeError) as nt_err:
        nt.load_state_dict(sd)
    assert str(nt_err.value) == str(th_err.value)
    del sd["layers.0.weight"], th_sd["layers.0.weight"]
    res_nt = nt.load_state_dict(sd, strict=False)
    res_th = th.load_state_dict(th_sd, strict=False)
    assert res_nt.missing_keys == res_th.missing_keys
    assert res_nt.unexpected_keys == res_th.unexpected_keys
    assert repr(res_nt) == repr(res_th)


def test_load_state_dict_rejects_non_mapping():
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        nn.Linear(2, 2).load_state_dict([1, 2])


def test_state_dict_shares_memory_and_is_detached():
    m = nn.Linear(3, 2)
    sd = m.state_dict()
    assert isinstance(sd, OrderedDict)
    assert not sd["weight"].requires_grad and not isinstance(sd["weight"], nn.Parameter)
    sd["weight"][0, 0] = 42.0
    assert m.weight[0, 0].item() == 42.0
    kv = m.state_dict(keep_vars=True)
    assert kv["weight"] is m.weight
    assert list(m.state_dict(prefix="net.").keys()) == ["net.weight", "net.bias"]


def test_registration_order_and_types():
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.b = nn.Parameter(numtorch.zeros(1))
            self.a = nn.Parameter(numtorch.zeros(2))
            self.sub = nn.Linear(1, 1)
            self.register_buffer("buf", numtorch.zeros(3))
            self.plain = 3

    m = M()
    assert [n for n, _ in m.named_parameters()] == ["b", "a", "sub.weight", "sub.bias"]
    assert [n for n, _ in m.named_parameters(recurse=False)] == ["b", "a"]
    assert [n for n, _ in m.named_parameters(prefix="m")] == ["m.b", "m.a", "m.sub.weight",
                                                              "m.sub.bias"]
    assert [n for n, _ in m.named_buffers()] == ["buf"]
    assert "plain" in m.__dict__ and "b" not in m.__dict__
    assert {"a", "b", "sub", "buf", "plain", "forward"} <= set(dir(m))
    m.b = None
    assert m.b is None and "b" in m._parameters
    assert [n for n, _ in m.named_parameters()] == ["a", "sub.weight", "sub.bias"]
    assert "b" not in m.state_dict()
    del m.a
    assert "a" not in m._parameters
    with pytest.raises(AttributeError, match="'M' object has no attribute 'a'"):
        m.a
    m.buf = numtorch.ones(3)
    assert m._buffers["buf"].sum().item() == 3
    del m.sub
    assert len(list(m.children())) == 0


@requires_torch
def test_assignment_errors_match_torch():
    for lib in (numtorch, torch):
        m = lib.nn.Linear(2, 2)
        with pytest.raises(TypeError, match="cannot assign 'torch.FloatTensor' as parameter "
                                            "'weight' \\(torch.nn.Parameter or None expected\\)"):
            m.weight = lib.ones(2, 2)
        s = lib.nn.Sequential(lib.nn.ReLU())
        with pytest.raises(TypeError, match="as child module '0'"):
            setattr(s, "0", 3)
        with pytest.raises(KeyError, match="already exists"):
            m.register_buffer("weight", lib.ones(1))
        with pytest.raises(KeyError):
            m.register_parameter("a.b", None)
        with pytest.raises(TypeError):
            m.register_buffer("x", 3)
        with pytest.raises(TypeError):
            m.add_module("x", 3)
        with pytest.raises(TypeError):
            m.register_parameter("p", lib.ones(1))


def test_assign_before_init_raises():
    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(numtorch.ones(1))
            super().__init__()

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Bad()


def test_shared_parameters_are_deduplicated():
    a = nn.Linear(3, 3)
    m = nn.Sequential(a, nn.ReLU(), a)
    assert len(list(m.parameters())) == 2
    assert [n for n, _ in m.named_parameters()] == ["0.weight", "0.bias"]
    assert len(list(m.named_parameters(remove_duplicate=False))) == 4
    assert len(list(m.modules())) == 3
    assert list(m.state_dict().keys()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    tied = nn.Linear(3, 3)
    tied2 = nn.Linear(3, 3)
    tied2.weight = tied.weight
    net = nn.ModuleList([tied, tied2])
    assert [n for n, _ in net.named_parameters()] == ["0.weight", "0.bias", "1.bias"]


def test_train_eval_and_errors():
    m = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout()))
    assert m.training and m[1][0].training
    assert m.eval() is m
    assert not m.training and not m[1][0].training
    m.train()
    assert m[1][0].training
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        m.train("yes")


def test_zero_grad_and_requires_grad():
    m = nn.Linear(2, 1)
    m(numtorch.ones(3, 2)).sum().backward()
    m.zero_grad(set_to_none=False)
    assert m.weight.grad is not None and not m.weight.grad.any()
    m(numtorch.ones(3, 2)).sum().backward()
    m.zero_grad()
    assert m.weight.grad is None and m.bias.grad is None
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())


def test_apply_children_first():
    seen = []
    m = nn.Sequential(nn.Linear(1, 1), nn.Sequential(nn.ReLU()))
    assert m.apply(lambda mod: seen.append(type(mod).__name__)) is m
    assert seen == ["Linear", "ReLU", "Sequential", "Sequential"]


def test_to_and_dtype_conversion_keep_parameter_identity():
    m = nn.Sequential(nn.Linear(2, 2))
    m.register_buffer("count", numtorch.tensor(3))
    w = m[0].weight
    m(numtorch.ones(1, 2)).sum().backward()
    assert m.double() is m
    assert m[0].weight is w and w.dtype == numtorch.float64 and w.grad.dtype == numtorch.float64
    assert m.count.dtype == numtorch.int64
    m.to(numtorch.float32)
    assert w.dtype == numtorch.float32
    m.half()
    assert w.dtype == numtorch.float16
    m.float()
    m.to("cpu")
    m.to(numtorch.device("cpu"), numtorch.float64)
    assert w.dtype == numtorch.float64
    assert m.cpu() is m
    with pytest.raises(RuntimeError):
        m.cuda()
    with pytest.raises(RuntimeError):
        m.to("cuda")
    with pytest.raises(TypeError, match="floating point"):
        m.to(numtorch.int64)
    m.type(numtorch.float32)
    assert w.dtype == numtorch.float32


def test_missing_forward():
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        nn.Module()(1)


def test_get_submodule_parameter_buffer():
    m = nn.Sequential(OrderedDict(fc=nn.Linear(2, 2), bn=nn.Sequential(nn.ReLU())))
    m.register_buffer("b", numtorch.zeros(1))
    assert m.get_submodule("bn.0") is m.bn[0]
    assert m.get_submodule("") is m
    assert m.get_parameter("fc.weight") is m.fc.weight
    assert m.get_buffer("b") is m.b
    with pytest.raises(AttributeError, match="has no attribute `nope`"):
        m.get_submodule("fc.nope")
    with pytest.raises(AttributeError, match="is not an nn.Module"):
        m.get_submodule("fc.weight")
    with pytest.raises(AttributeError, match="is not an nn.Parameter"):
        m.get_parameter("b")
    m.set_submodule("bn.0", nn.Tanh())
    assert isinstance(m.bn[0], nn.Tanh)


def test_forward_hooks():
    m = nn.Linear(2, 2)
    calls = []
    h1 = m.register_forward_pre_hook(lambda mod, args: (args[0] * 0,))
    h2 = m.register_forward_hook(lambda mod, args, out: calls.append(out.shape) or out + 1)
    y = m(numtorch.ones(3, 2))
    np.testing.assert_allclose(to_numpy(y), np.broadcast_to(to_numpy(m.bias) + 1, (3, 2)),
                               rtol=1e-6)
    assert calls == [numtorch.Size([3, 2])]
    h1.remove()
    h2.remove()
    y = m(numtorch.ones(3, 2))
    np.testing.assert_allclose(to_numpy(y), to_numpy(numtorch.ones(3, 2) @ m.weight.T + m.bias),
                               rtol=1e-6)
    h = m.register_forward_pre_hook(lambda mod, args, kwargs: ((args[0] * 2,), kwargs),
                                    with_kwargs=True)
    seen = []
    m.register_forward_hook(lambda mod, args, kwargs, out: seen.append(args[0].sum().item()),
                            with_kwargs=True)
    m(numtorch.ones(1, 2))
    assert seen == [4.0]
    h.remove()


@requires_torch
def test_full_backward_hook_matches_torch():
    results = {}
    for lib in (numtorch, torch):
        lib.manual_seed(0)
        m = lib.nn.Linear(3, 2)
        with lib.no_grad():
            m.weight.copy_(lib.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]]))
        got = []
        m.register_full_backward_hook(lambda mod, gi, go: got.append((gi, go)))
        x = lib.tensor([[1.0, -1.0, 2.0]], requires_grad=True)
        (m(x) * lib.tensor([[2.0, 3.0]])).sum().backward()
        gi, go = got[0]
        results[lib.__name__] = ([to_numpy(g) for g in gi], [to_numpy(g) for g in go],
                                 to_numpy(x.grad))
    a, b = results["numtorch"], results["torch"]
    for u, v in zip(a, b):
        for p, q in zip(u, v) if isinstance(u, list) else [(u, v)]:
            np.testing.assert_allclose(p, q, rtol=1e-6)


def test_full_backward_hook_can_replace_grad_input():
    m = nn.Linear(2, 2)
    m.register_full_backward_hook(lambda mod, gi, go: (gi[0] * 0,))
    x = numtorch.ones(1, 2, requires_grad=True)
    m(x).sum().backward()
    assert not x.grad.any()
    assert m.weight.grad is not None and m.weight.grad.any()


@requires_torch
def test_parameter_repr_and_type():
    p = nn.Parameter(numtorch.tensor([1.0, 2.0]))
    assert repr(p) == repr(torch.nn.Parameter(torch.tensor([1.0, 2.0])))
    assert isinstance(p, numtorch.Tensor) and p.requires_grad and p.is_leaf
    assert not isinstance(p * 2, nn.Parameter)
    q = nn.Parameter(numtorch.ones(2), requires_grad=False)
    assert not q.requires_grad
    assert nn.Parameter().shape == (0,)
    base = numtorch.zeros(3)
    shared = nn.Parameter(base)
    base[0] = 1.0
    assert shared[0].item() == 1.0


def test_deepcopy_and_pickle():
    m = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    c = copy.deepcopy(m)
    assert isinstance(c[0].weight, nn.Parameter)
    assert c[0].weight is not m[0].weight
    np.testing.assert_array_equal(to_numpy(c[0].weight), to_numpy(m[0].weight))
    c[0].weight.data.zero_()
    assert m[0].weight.abs().sum().item() > 0
    p = pickle.loads(pickle.dumps(m))
    assert isinstance(p[0].weight, nn.Parameter) and p[0].weight.requires_grad
    np.testing.assert_array_equal(to_numpy(p(numtorch.ones(1, 2))), to_numpy(m(numtorch.ones(1,
                                                                                           2))))


def test_module_init_rejects_arguments():
    with pytest.raises(TypeError):
        nn.Module(3)


@requires_torch
def test_course_logistic_regression_matches_torch():
    def build(lib):
        class LogisticRegression(lib.nn.Module):
            def __init__(self, n_inputs):
                super(LogisticRegression, self).__init__()
                self.linear = lib.nn.Linear(n_inputs, 1)

            def forward(self, x):
                return lib.sigmoid(self.linear(x))

        return LogisticRegression(3)

    nt, th = build(numtorch), build(torch)
    copy_from_torch(nt, th)
    x = np.random.default_rng(1).standard_normal((8, 3)).astype(np.float32)
    yn, yt = nt(numtorch.tensor(x)), th(torch.tensor(x))
    np.testing.assert_allclose(to_numpy(yn), to_numpy(yt), rtol=1e-6, atol=1e-7)
    target = (x[:, :1] > 0).astype(np.float32)
    ln = -(numtorch.tensor(target) * yn.log() + (1 - numtorch.tensor(target)) * (1 - yn).log())
    lt = -(torch.tensor(target) * yt.log() + (1 - torch.tensor(target)) * (1 - yt).log())
    ln.mean().backward()
    lt.mean().backward()
    np.testing.assert_allclose(to_numpy(nt.linear.weight.grad), to_numpy(th.linear.weight.grad),
                               rtol=1e-5, atol=1e-7)
    assert repr(nt) == repr(th)
