"""numtorch.save / numtorch.load in PyTorch's format: round trips (also through real torch, both
ways, skipped without it), every dtype, shared storages, strides, whole models, the legacy
format, the safe-globals allow-list, hostile files that must not run, damaged files."""

import io
import math
import os
import pickle
import struct
import subprocess
import sys
import warnings
import zipfile
from collections import Counter, OrderedDict

import numpy as np
import pytest
from parity import requires_torch, to_numpy, torch

import numtorch
from numtorch import _torch_format, nn, serialization
from numtorch.serialization import (
    add_safe_globals,
    clear_safe_globals,
    get_safe_globals,
    get_unsafe_globals_in_checkpoint,
    load,
    safe_globals,
    save,
)

ALL_DTYPES = [numtorch.float32, numtorch.float64, numtorch.float16, numtorch.int64,
              numtorch.int32, numtorch.int16, numtorch.int8, numtorch.uint8, numtorch.bool]
SHAPES = [(), (0,), (3, 0, 2), (5,), (2, 3, 4)]


@pytest.fixture(autouse=True)
def _no_leftover_safe_globals():
    clear_safe_globals()
    yield
    clear_safe_globals()


def roundtrip(obj, tmp_path, **load_kwargs):
    path = tmp_path / "ck.pt"
    save(obj, path)
    return load(path, **load_kwargs)


def sample(dt, shape, seed=0):
    arr = np.random.default_rng(seed).standard_normal(shape) * 50
    return numtorch.tensor(arr.astype(dt.np_dtype), dtype=dt)


def assert_tensor_equal(a, b):
    assert a.dtype == b.dtype and tuple(a.shape) == tuple(b.shape)
    np.testing.assert_array_equal(to_numpy(a), to_numpy(b))


def torch_dtype(dt):
    return getattr(torch, dt.name)


# ------------------------------------------------------------------------ the file itself
def test_file_is_pytorch_zip_layout(tmp_path):
    path = tmp_path / "ck.pt"
    save({"w": numtorch.ones(3), "b": numtorch.zeros(2, dtype=numtorch.int64)}, path)
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        infos = zf.infolist()
        assert zf.read("archive/version") == b"3\n"
        assert zf.read("archive/byteorder") == b"little"
        assert zf.testzip() is None
    assert names[0] == "archive/data.pkl"
    assert {"archive/data/0", "archive/data/1", "archive/.format_version"} <= set(names)
    assert all(i.compress_type == zipfile.ZIP_STORED for i in infos)
    raw = path.read_bytes()
    for info in infos:  # record data is aligned to 64 bytes, as PyTorch writes it
        n_name, n_extra = struct.unpack("<HH", raw[info.header_offset + 26:info.header_offset + 30])
        assert (info.header_offset + 30 + n_name + n_extra) % 64 == 0


def test_legacy_layout(tmp_path):
    path = tmp_path / "old.pt"
    save({"w": numtorch.arange(3.0)}, path, _use_new_zipfile_serialization=False)
    stream = io.BytesIO(path.read_bytes())
    assert pickle.load(stream) == _torch_format.MAGIC_NUMBER
    assert pickle.load(stream) == _torch_format.PROTOCOL_VERSION
    np.testing.assert_array_equal(load(path)["w"].numpy(), [0, 1, 2])


# ------------------------------------------------------------------------ round trips
@pytest.mark.parametrize("value", [
    None, True, 0, -7, 2**70, 1.5, -0.0, math.inf, "", "héllo", b"\x00\xff", bytearray(b"ab"),
    [], (), {}, {1, 2}, frozenset({3}), 1 + 2j, [1, [2.5, (None, "a")]], Counter("aab"),
    {"a": {"b": {"c": [1, 2, {"d": (3,)}]}}, 7: "int key", (1, 2): "tuple key"},
    OrderedDict([("z", 1), ("a", 2)]),
])
def test_plain_values_round_trip(value, tmp_path):
    out = roundtrip(value, tmp_path)
    assert type(out) is type(value) and out == value


def test_nan_and_metadata(tmp_path):
    sd = OrderedDict(w=numtorch.ones(1))
    sd._metadata = OrderedDict({"": {"version": 1}})
    out = roundtrip({"nan": math.nan, "sd": sd}, tmp_path)
    assert math.isnan(out["nan"]) and out["sd"]._metadata == {"": {"version": 1}}


@pytest.mark.parametrize("dt", ALL_DTYPES, ids=lambda d: d.name)
@pytest.mark.parametrize("shape", SHAPES)
def test_every_dtype_and_shape(dt, shape, tmp_path):
    t = sample(dt, shape)
    out = roundtrip({"t": t}, tmp_path)["t"]
    assert type(out) is numtorch.Tensor
    assert_tensor_equal(t, out)
    assert out._data.flags.writeable


def test_views_share_one_storage(tmp_path):
    base = numtorch.arange(12.0).reshape(3, 4)
    obj = {"base": base, "t": base.t(), "row": base[1], "cols": base[:, 1::2],
           "expand": numtorch.arange(3.0)[:, None].expand(3, 4)}
    out = roundtrip(obj, tmp_path)
    for key, value in obj.items():
        assert_tensor_equal(value, out[key])
        assert out[key].stride() == value.stride(), key
    assert out["t"].data_ptr() == out["base"].data_ptr()
    assert out["row"].storage_offset() == 4 and out["cols"].storage_offset() == 1
    out["base"].add_(100)  # shared storage stays shared
    assert out["t"][1, 2].item() == 109 and out["row"][0].item() == 104
    assert out["cols"][2, 1].item() == 111


def test_parameters_requires_grad_and_identity(tmp_path):
    p = nn.Parameter(numtorch.randn(2, 3))
    frozen = nn.Parameter(numtorch.randn(2), requires_grad=False)
    leaf = numtorch.randn(3, requires_grad=True)
    leaf.grad = numtorch.ones(3)
    out = roundtrip({"p": p, "again": p, "frozen": frozen, "leaf": leaf}, tmp_path)
    assert type(out["p"]) is nn.Parameter and out["p"].requires_grad
    assert out["again"] is out["p"]
    assert type(out["frozen"]) is nn.Parameter and not out["frozen"].requires_grad
    assert out["leaf"].requires_grad and out["leaf"].is_leaf and out["leaf"].grad is None
    assert_tensor_equal(p.detach(), out["p"].detach())


def test_dtype_device_size_values(tmp_path):
    obj = {"dt": numtorch.float16, "dev": numtorch.device("cpu"), "size": numtorch.Size([2, 3])}
    out = roundtrip(obj, tmp_path)
    assert out["dt"] is numtorch.float16 and out["dev"] == numtorch.device("cpu")
    assert type(out["size"]) is numtorch.Size and out["size"] == (2, 3)


def test_file_objects_and_paths(tmp_path):
    obj = {"w": numtorch.randn(3), "step": 1}
    buf = io.BytesIO()
    save(obj, buf)
    buf.seek(0)
    assert_tensor_equal(load(buf)["w"], obj["w"])
    with open(tmp_path / "f.pt", "wb") as fh:
        save(obj, fh)
    with open(tmp_path / "f.pt", "rb") as fh:
        assert load(fh)["step"] == 1
    save(obj, str(tmp_path / "s.pt"))
    import pathlib

    assert load(pathlib.Path(tmp_path / "s.pt"))["step"] == 1


def test_safetensors_path_keeps_safetensors(tmp_path):
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    model = nn.Linear(3, 2)
    save(model.state_dict(), tmp_path / "model.safetensors")
    raw = safetensors_numpy.load_file(str(tmp_path / "model.safetensors"))
    assert sorted(raw) == ["bias", "weight"]
    out = load(tmp_path / "model.safetensors")
    assert_tensor_equal(out["weight"], model.weight.detach())


def test_model_and_optimizer_state_dicts(tmp_path):
    numtorch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 2))
    opt = numtorch.optim.Adam(model.parameters(), lr=0.01)
    model(numtorch.randn(5, 4)).sum().backward()
    opt.step()
    ck = {"model": model.state_dict(), "opt": opt.state_dict(), "epoch": 3, "note": None}
    out = roundtrip(ck, tmp_path)
    model2 = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 2))
    model2.load_state_dict(out["model"])
    opt2 = numtorch.optim.Adam(model2.parameters(), lr=0.5)
    opt2.load_state_dict(out["opt"])
    assert opt2.param_groups[0]["lr"] == 0.01 and out["epoch"] == 3 and out["note"] is None
    x = numtorch.randn(3, 4)
    model.eval()
    model2.eval()
    assert_tensor_equal(model(x).detach(), model2(x).detach())
    for k, v in opt.state_dict()["state"][0].items():
        assert_tensor_equal(v, opt2.state_dict()["state"][0][k])


# ----------------------------------------------------------------------------- whole models
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(3, 4), nn.ReLU())
        self.head = nn.Linear(4, 2)

    def forward(self, x):
        return self.head(self.body(x))


def test_whole_model_needs_allowed_classes(tmp_path):
    model = Net()
    path = tmp_path / "model.pt"
    save(model, path)
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed.*test_serialization"
                                                     r".*Net was not an allowed global"):
        load(path)
    unsafe = get_unsafe_globals_in_checkpoint(path)
    assert f"{__name__}.Net" in unsafe and "numtorch.nn.modules.linear.Linear" in unsafe
    classes = [Net, nn.Sequential, nn.Linear, nn.ReLU]
    with safe_globals(classes):
        assert set(get_safe_globals()) == set(classes)
        loaded = load(path)
    assert get_safe_globals() == []
    full = load(path, weights_only=False)
    x = numtorch.randn(2, 3)
    for out in (loaded, full):
        assert type(out) is Net and type(out.head.weight) is nn.Parameter
        assert_tensor_equal(out(x).detach(), model(x).detach())
    with pytest.raises(pickle.UnpicklingError, match="ReLU"):
        with safe_globals([Net, nn.Sequential, nn.Linear]):
            load(path)


def test_add_get_clear_safe_globals(tmp_path):
    path = tmp_path / "net.pt"
    save(Net(), path)
    add_safe_globals([Net, nn.Sequential, nn.Linear])
    add_safe_globals([(nn.ReLU, "numtorch.nn.modules.activation.ReLU")])
    assert len(get_safe_globals()) == 4
    assert type(load(path)) is Net
    clear_safe_globals()
    assert get_safe_globals() == []
    with pytest.raises(pickle.UnpicklingError):
        load(path)
    with pytest.raises(ValueError, match="length 2"):
        add_safe_globals([(Net, "a", "b")])
    with pytest.raises(TypeError, match="str of callable full path"):
        add_safe_globals([(Net, 3)])


class Config:
    def __init__(self, lr):
        self.lr = lr


def test_weights_only_false_is_full_unpickling(tmp_path):
    path = tmp_path / "ck.pt"
    save({"cfg": Config(0.1), "arr": np.arange(3)}, path)
    with pytest.raises(pickle.UnpicklingError, match="Config"):
        load(path)
    out = load(path, weights_only=False)
    assert out["cfg"].lr == 0.1 and list(out["arr"]) == [0, 1, 2]
    with pytest.raises(RuntimeError, match="explicit pickle_module"):
        load(path, pickle_module=pickle, weights_only=True)
    assert load(path, pickle_module=pickle)["cfg"].lr == 0.1  # weights_only defaults to False
    with safe_globals([Config, np.ndarray, np.dtype, np._core.multiarray._reconstruct,
                       type(np.dtype("int64"))]):
        assert load(path)["cfg"].lr == 0.1


# ------------------------------------------------------------------------- load's arguments
@pytest.mark.parametrize("loc", [None, "cpu", numtorch.device("cpu"), {"cuda:0": "cpu"},
                                 lambda storage, location: storage,
                                 lambda storage, location: None])
def test_map_location(loc, tmp_path):
    out = roundtrip({"w": numtorch.ones(2)}, tmp_path, map_location=loc)
    np.testing.assert_array_equal(out["w"].numpy(), [1, 1])


@pytest.mark.parametrize("loc", ["cuda", {"cpu": "cuda:1"}, lambda s, l: s.cuda()])
def test_map_location_to_gpu_raises(loc, tmp_path):
    with pytest.raises(RuntimeError, match="CPU only"):
        roundtrip({"w": numtorch.ones(2)}, tmp_path, map_location=loc)


def _relocated(path, location):
    """Rewrite a zip checkpoint as if its storages had been saved on ``location``."""
    with zipfile.ZipFile(path) as zf:
        records = [(i.filename, zf.read(i)) for i in zf.infolist()]
    out = tmp = str(path) + ".moved"
    with zipfile.ZipFile(tmp, "w") as zf:
        for name, data in records:
            if name.endswith("data.pkl"):
                data = data.replace(b"X\x03\x00\x00\x00cpu", b"X\x03\x00\x00\x00" + location)
            zf.writestr(name, data)
    return out


def test_gpu_saved_storages_need_map_location(tmp_path):
    path = tmp_path / "ck.pt"
    save({"w": numtorch.arange(3.0)}, path)
    moved = _relocated(path, b"mps")
    with pytest.raises(RuntimeError, match="device 'mps'.*map_location='cpu'"):
        load(moved)
    for loc in ("cpu", {"mps": "cpu"}, numtorch.device("cpu")):
        np.testing.assert_array_equal(load(moved, map_location=loc)["w"].numpy(), [0, 1, 2])
    seen = []
    load(moved, map_location=lambda storage, location: seen.append(location) or storage)
    assert seen == ["mps"]


def test_mmap(tmp_path):
    path = tmp_path / "ck.pt"
    w = numtorch.randn(100, 10)
    save({"w": w, "t": w.t()}, path)
    out = load(path, mmap=True)
    assert_tensor_equal(out["w"], w)
    assert out["t"].data_ptr() == out["w"].data_ptr()
    out["w"].mul_(0)  # copy-on-write: the file is untouched
    assert_tensor_equal(load(path)["w"], w)
    with pytest.raises(ValueError, match="file path"):
        load(io.BytesIO(path.read_bytes()), mmap=True)
    save({"w": w}, path, _use_new_zipfile_serialization=False)
    with pytest.raises(RuntimeError, match="mmap can only be used"):
        load(path, mmap=True)


# ----------------------------------------------------------------------------- atomic writes
def test_failed_save_keeps_the_old_file(tmp_path):
    path = tmp_path / "ck.pt"
    save({"epoch": 1}, path)
    before = path.read_bytes()
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        save({"epoch": 2, "fn": lambda x: x}, path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["ck.pt"]


def test_save_fsyncs_and_renames(tmp_path, monkeypatch):
    calls = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: calls.append("fsync") or real_fsync(fd))
    monkeypatch.setattr(os, "replace", lambda a, b: calls.append("replace") or real_replace(a, b))
    save({"w": numtorch.ones(2)}, tmp_path / "ck.pt")
    assert calls[:2] == ["fsync", "replace"]


# ---------------------------------------------------------------------------- bfloat16
@requires_torch
def test_bfloat16_reads_as_float32_with_one_warning(tmp_path, monkeypatch):
    monkeypatch.setattr(_torch_format, "_bf16_warned", [False])
    values = torch.tensor([1.5, -2.25, 3.0e38, 1e-40, float("inf")], dtype=torch.bfloat16)
    torch.save({"a": values, "b": values[1:]}, tmp_path / "bf.pt")
    with pytest.warns(UserWarning, match="bfloat16.*float32"):
        out = load(tmp_path / "bf.pt")
    assert out["a"].dtype == numtorch.float32
    np.testing.assert_array_equal(out["a"].numpy(), values.float().numpy())
    assert out["b"].data_ptr() == out["a"].data_ptr() + 4
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load(tmp_path / "bf.pt")


# ------------------------------------------------------------------- real torch, both ways
@requires_torch
@pytest.mark.parametrize("legacy", [False, True], ids=["zip", "legacy"])
@pytest.mark.parametrize("dt", ALL_DTYPES, ids=lambda d: d.name)
def test_torch_files_every_dtype(dt, legacy, tmp_path):
    path = tmp_path / "t.pt"
    tensors = {f"s{i}": torch.from_numpy(to_numpy(sample(dt, s, seed=i)))
               for i, s in enumerate(SHAPES)}
    torch.save(tensors, path, _use_new_zipfile_serialization=not legacy)
    out = load(path)
    for key, value in tensors.items():
        assert out[key].dtype == dt
        assert_tensor_equal(out[key], numtorch.tensor(value.numpy()))


@requires_torch
@pytest.mark.parametrize("legacy", [False, True], ids=["zip", "legacy"])
def test_torch_views_parameters_and_metadata(legacy, tmp_path):
    base = torch.arange(24.0).reshape(4, 6)
    model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    obj = {"base": base, "t": base.t(), "sub": base[1:, ::2], "row": base[2],
           "scalar": torch.tensor(7, dtype=torch.int16), "empty": torch.zeros(0, 5),
           "param": torch.nn.Parameter(torch.ones(2)), "grad": torch.ones(2, requires_grad=True),
           "sd": model.state_dict(), "size": torch.Size([1, 2]), "dtype": torch.float64,
           "device": torch.device("cpu"), "nested": [1, 2.5, "x", None, (True, b"y")]}
    torch.save(obj, tmp_path / "t.pt", _use_new_zipfile_serialization=not legacy)
    out = load(tmp_path / "t.pt")
    for key in ("base", "t", "sub", "row", "scalar", "empty"):
        assert_tensor_equal(out[key], numtorch.tensor(obj[key].numpy()))
        assert out[key].stride() == obj[key].stride(), key
        if obj[key].numel():
            assert out[key].storage_offset() == obj[key].storage_offset(), key
    out["base"][0, 1] = -1.0
    assert out["t"][1, 0].item() == -1.0
    assert type(out["param"]) is nn.Parameter and out["param"].requires_grad
    assert out["grad"].requires_grad and type(out["grad"]) is numtorch.Tensor
    assert out["sd"]._metadata["1"]["version"] == 2
    assert list(out["sd"]) == list(obj["sd"])
    assert out["size"] == numtorch.Size([1, 2]) and out["dtype"] is numtorch.float64
    assert out["device"] == numtorch.device("cpu")
    assert out["nested"] == [1, 2.5, "x", None, (True, b"y")]


@requires_torch
def test_numtorch_files_load_in_torch(tmp_path):
    numtorch.manual_seed(0)
    base = numtorch.arange(24.0).reshape(4, 6)
    obj = {"base": base, "t": base.t(), "sub": base[1:, ::2],
           "expand": numtorch.arange(3.0)[:, None].expand(3, 2),
           "param": nn.Parameter(numtorch.ones(2)), "scalar": numtorch.tensor(3),
           "empty": numtorch.zeros(0, 4, dtype=numtorch.int8), "nested": [1, "a", None, 2.5],
           "size": numtorch.Size([3]), "dtype": numtorch.int16}
    for dt in ALL_DTYPES:
        obj[dt.name] = sample(dt, (2, 3))
    path = tmp_path / "nt.pt"
    save(obj, path)
    out = torch.load(path, weights_only=True)
    for key, value in obj.items():
        if isinstance(value, numtorch.Tensor):
            assert out[key].dtype == torch_dtype(value.dtype), key
            np.testing.assert_array_equal(out[key].detach().numpy(), to_numpy(value))
            if value.numel():  # (NumPy reports zero strides for empty arrays)
                assert out[key].stride() == value.stride(), key
    assert out["t"].data_ptr() == out["base"].data_ptr()
    assert isinstance(out["param"], torch.nn.Parameter)
    assert out["nested"] == [1, "a", None, 2.5] and out["size"] == torch.Size([3])
    assert out["dtype"] is torch.int16
    save(obj, path, _use_new_zipfile_serialization=False)
    legacy = torch.load(path, weights_only=True)
    np.testing.assert_array_equal(legacy["sub"].numpy(), to_numpy(obj["sub"]))
    assert legacy["t"].data_ptr() == legacy["base"].data_ptr()


@requires_torch
def test_state_dict_and_optimizer_both_ways(tmp_path):
    numtorch.manual_seed(0)
    # (BatchNorm after the ReLU: right after the convolution it would make the loss blind to
    # the convolution's bias, whose gradient would then be rounding noise that Adam amplifies.)
    nt_model = nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU(), nn.BatchNorm2d(3), nn.Flatten(),
                             nn.Linear(12, 2))
    th_model = torch.nn.Sequential(torch.nn.Conv2d(1, 3, 3), torch.nn.ReLU(),
                                   torch.nn.BatchNorm2d(3), torch.nn.Flatten(),
                                   torch.nn.Linear(12, 2))
    x = np.random.default_rng(0).standard_normal((4, 1, 4, 4)).astype(np.float32)
    nt_opt = numtorch.optim.Adam(nt_model.parameters(), lr=0.01)
    (nt_model(numtorch.tensor(x)) ** 2).sum().backward()
    nt_opt.step()
    save({"model": nt_model.state_dict(), "opt": nt_opt.state_dict(), "epoch": 1},
         tmp_path / "nt.pt")
    ck = torch.load(tmp_path / "nt.pt", weights_only=True)
    th_model.load_state_dict(ck["model"])
    th_opt = torch.optim.Adam(th_model.parameters(), lr=0.01)
    th_opt.load_state_dict(ck["opt"])
    nt_model.eval()
    th_model.eval()
    np.testing.assert_allclose(to_numpy(nt_model(numtorch.tensor(x))),
                               th_model(torch.tensor(x)).detach().numpy(), atol=1e-6)
    # Both take the same next step from the restored state.
    nt_model.train()
    th_model.train()
    nt_opt.zero_grad()
    th_opt.zero_grad()
    (nt_model(numtorch.tensor(x)) ** 2).sum().backward()
    (th_model(torch.tensor(x)) ** 2).sum().backward()
    nt_opt.step()
    th_opt.step()
    torch.save({"model": th_model.state_dict(), "opt": th_opt.state_dict()}, tmp_path / "th.pt")
    back = load(tmp_path / "th.pt")
    for key, value in nt_model.state_dict().items():
        np.testing.assert_allclose(to_numpy(back["model"][key]), to_numpy(value), atol=1e-6,
                                   err_msg=key)
    restored = numtorch.optim.Adam(nt_model.parameters(), lr=0.01)
    restored.load_state_dict(back["opt"])
    assert restored.state_dict()["param_groups"] == nt_opt.state_dict()["param_groups"]


@requires_torch
@pytest.mark.parametrize("legacy", [False, True], ids=["zip", "legacy"])
def test_torch_whole_model_with_weights_only_false(legacy, tmp_path):
    th_model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(),
                                   torch.nn.Linear(4, 2))
    torch.save(th_model, tmp_path / "whole.pt", _use_new_zipfile_serialization=not legacy)
    with pytest.raises(pickle.UnpicklingError, match="torch.nn.modules.container.Sequential"):
        load(tmp_path / "whole.pt")
    model = load(tmp_path / "whole.pt", weights_only=False)
    assert type(model) is nn.Sequential and type(model[0]) is nn.Linear
    x = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    np.testing.assert_allclose(to_numpy(model(numtorch.tensor(x))),
                               th_model(torch.tensor(x)).detach().numpy(), atol=1e-6)
    with safe_globals([nn.Sequential, nn.Linear, nn.ReLU]):
        if legacy:  # as in PyTorch: legacy files name module classes by persistent ids
            with pytest.raises(pickle.UnpicklingError, match="Only persistent_load of storage"):
                load(tmp_path / "whole.pt")
            return
        allowed = load(tmp_path / "whole.pt")
    np.testing.assert_allclose(to_numpy(allowed(numtorch.tensor(x))),
                               th_model(torch.tensor(x)).detach().numpy(), atol=1e-6)


# ---------------------------------------------------------------------------- hostile files
def _zip_file(path, data_pkl, storages=()):
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("archive/data.pkl", data_pkl)
        zf.writestr("archive/byteorder", "little")
        for key, raw in storages:
            zf.writestr(f"archive/data/{key}", raw)
        zf.writestr("archive/version", "3\n")


def _legacy_file(path, payload):
    header = b"".join(pickle.dumps(v, protocol=2) for v in (
        _torch_format.MAGIC_NUMBER, _torch_format.PROTOCOL_VERSION, {"little_endian": True}))
    path.write_bytes(header + payload + pickle.dumps([], protocol=2))


def _global_call(module, name, *args):
    """A protocol-2 pickle calling ``module.name(*args)`` (what a malicious file does)."""
    body = b"".join(pickle.dumps(a, protocol=2)[2:-1] for a in args)
    return (b"\x80\x02c" + f"{module}\n{name}\n".encode() + b"(" + body + b"tR.")


class _Reducer:
    def __init__(self, func, args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def _hostile_payloads(marker):
    touch = f"touch {marker}"
    code = f"open({str(marker)!r}, 'w').close()"
    return {
        "os.system": _global_call("os", "system", touch),
        "posix.system": pickle.dumps({"w": _Reducer(os.system, (touch,))}, protocol=2),
        "builtins.exec": pickle.dumps([_Reducer(exec, (code,))], protocol=2),
        "builtins.eval": _global_call("__builtin__", "eval", code),
        "subprocess.Popen": pickle.dumps(_Reducer(subprocess.Popen, (["touch", str(marker)],)),
                                         protocol=2),
        "subprocess.check_call": _global_call("subprocess", "check_call", ["touch", str(marker)]),
        "subprocess.run": pickle.dumps(_Reducer(subprocess.run, (["touch", str(marker)],)),
                                       protocol=4),
        "builtins.getattr": _global_call("builtins", "getattr", "x", "upper"),
        "builtins.__import__": _global_call("builtins", "__import__", "os"),
        "nt.system": _global_call("nt", "system", touch),
        "sys.modules": b"\x80\x02csys\nmodules\n.",
        # The allowed OrderedDict as a stepping stone to its attributes is still refused.
        "collections.OrderedDict.__reduce__":
            b"\x80\x02ccollections\nOrderedDict.__reduce__\n)R.",
    }


@pytest.mark.parametrize("kind", ["zip", "legacy"])
@pytest.mark.parametrize("name", list(_hostile_payloads("m")))
def test_hostile_files_are_refused(name, kind, tmp_path):
    marker = tmp_path / "pwned"
    payload = _hostile_payloads(marker)[name]
    path = tmp_path / "evil.pt"
    if kind == "zip":
        _zip_file(path, payload)
    else:
        _legacy_file(path, payload)
    shown = name.split(".", 1)[1] if name.startswith("builtins.") else name
    with pytest.raises(pickle.UnpicklingError, match=rf"evil\.pt.*{shown.split('.')[-1]}"):
        load(path)
    assert not marker.exists()


@pytest.mark.parametrize("func", [os.system, subprocess.Popen])
def test_blocked_modules_stay_blocked_when_allowed(func, tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    _zip_file(path, pickle.dumps(_Reducer(func, (f"touch {marker}",)), protocol=2))
    with safe_globals([func]):
        with pytest.raises(pickle.UnpicklingError, match="blocked"):
            load(path)
    assert not marker.exists()


@pytest.mark.parametrize("opcodes, message", [
    (b"\x80\x02(cos\nsystem\nX\x04\x00\x00\x00trueo.", "os"),          # OBJ via a global
    (b"\x80\x02(X\x04\x00\x00\x00trueios\nsystem\n.", "Unsupported operand"),  # INST
    (b"\x80\x02\x82\x01.", "Unsupported operand"),                    # EXT1
    (b"\x80\x05\x97.", "Unsupported operand"),                         # NEXT_BUFFER
    (b"\x80\x02}(X\x01\x00\x00\x00a", "truncated"),                   # cut short
    (b"\x80\x02]q\x00K\x01a}b.", "Can only build OrderedDict"),       # BUILD on a list
    (b"\x80\x02K\x01K\x02a.", "only works on list"),                   # APPEND to an int
    (b"\x80\x02ccollections\nOrderedDict\n)R(K\x01K\x02tb.", "must be a dict"),
])
def test_unsupported_and_malformed_opcodes(opcodes, message, tmp_path):
    path = tmp_path / "odd.pt"
    _zip_file(path, opcodes)
    with pytest.raises(pickle.UnpicklingError, match=message):
        load(path)


def test_only_storage_persistent_ids(tmp_path):
    path = tmp_path / "pid.pt"
    _zip_file(path, b"\x80\x02X\x07\x00\x00\x00modulesQ.")
    with pytest.raises(pickle.UnpicklingError, match="Only persistent_load of storage"):
        load(path)


def _tensor_pickle(offset, size, stride, numel=4):
    return (b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n(" +
            b"(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpu"
            + pickle.dumps(numel, protocol=2)[2:-1] + b"tQ" +
            b"".join(pickle.dumps(v, protocol=2)[2:-1] for v in (offset, size, stride)) +
            b"\x89ccollections\nOrderedDict\n)Rtr.").replace(b"tr.", b"tR.")


@pytest.mark.parametrize("offset, size, stride, message", [
    (0, (2, 2), (2, 1), None),
    (3, (2,), (1,), "reaches element 4"),
    (0, (3, 3), (10, 1), "reaches element 22"),
    (0, (2,), (-1,), "invalid tensor geometry"),
    (-1, (1,), (1,), "invalid tensor geometry"),
    (0, (2, 2), (1,), "invalid tensor geometry"),
])
def test_tensor_geometry_is_checked_against_the_storage(offset, size, stride, message, tmp_path):
    path = tmp_path / "geom.pt"
    _zip_file(path, _tensor_pickle(offset, size, stride),
              [("0", np.arange(4, dtype="<f4").tobytes())])
    if message is None:
        np.testing.assert_array_equal(load(path).numpy(), [[0, 1], [2, 3]])
        return
    with pytest.raises((RuntimeError, pickle.UnpicklingError), match=message):
        load(path)


# ---------------------------------------------------------------------------- damaged files
def _good(tmp_path, legacy=False):
    path = tmp_path / "good.pt"
    save({"epoch": 3, "w": numtorch.randn(64)}, path, _use_new_zipfile_serialization=not legacy)
    return path.read_bytes()


@pytest.mark.parametrize("keep", [10, 200, -30, -1])
def test_truncated_zip(keep, tmp_path):
    data = _good(tmp_path)
    bad = tmp_path / "bad.pt"
    bad.write_bytes(data[:keep])
    with pytest.raises(RuntimeError, match=r"bad\.pt' is damaged.*central directory"):
        load(bad)


def test_missing_record_and_corrupted_data(tmp_path):
    good = tmp_path / "good.pt"
    good.write_bytes(_good(tmp_path))
    with zipfile.ZipFile(good) as zf:
        records = {i.filename: zf.read(i) for i in zf.infolist()}
    bad = tmp_path / "bad.pt"
    _zip_records(bad, {k: v for k, v in records.items() if k != "archive/data/0"})
    with pytest.raises(RuntimeError, match=r"bad\.pt' is damaged: record archive/data/0 is "
                                           "missing"):
        load(bad)
    _zip_records(bad, {k: v for k, v in records.items() if k != "archive/data.pkl"})
    with pytest.raises(RuntimeError, match=r"bad\.pt' is a zip archive without data.pkl"):
        load(bad)
    short = dict(records, **{"archive/data/0": records["archive/data/0"][:100]})
    _zip_records(bad, short)
    with pytest.raises(RuntimeError, match=r"record archive/data/0 holds 100 bytes, the storage "
                                           "needs 256"):
        load(bad)
    cut = dict(records, **{"archive/data.pkl": records["archive/data.pkl"][:40]})
    _zip_records(bad, cut)
    with pytest.raises(pickle.UnpicklingError, match=r"bad\.pt.*truncated"):
        load(bad)
    raw = bytearray(good.read_bytes())
    raw[raw.index(records["archive/data/0"][:16]) + 5] ^= 0xFF
    bad.write_bytes(bytes(raw))
    with pytest.raises(RuntimeError, match=r"bad\.pt' is damaged: record archive/data/0 is "
                                           r"corrupted \(CRC-32"):
        load(bad)


def _zip_records(path, records):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in records.items():
            zf.writestr(name, data)


@requires_torch
def test_torch_protocol_4_and_tensor_attributes(tmp_path):
    t = torch.arange(4.0)
    t.note = "hello"  # pickled through _rebuild_from_type_v2 with the attribute as state
    torch.save({"t": t, "b": b"xy", "s": {1, 2}}, tmp_path / "p4.pt", pickle_protocol=4)
    with pytest.warns(UserWarning, match="dropped note"):
        out = load(tmp_path / "p4.pt")
    np.testing.assert_array_equal(out["t"].numpy(), [0, 1, 2, 3])
    assert out["b"] == b"xy" and out["s"] == {1, 2}


@requires_torch
@pytest.mark.parametrize("dtype", ["complex64", "uint16", "float8_e4m3fn"])
def test_dtypes_numtorch_lacks_are_named(dtype, tmp_path):
    torch.save({"x": torch.zeros(2, dtype=getattr(torch, dtype))}, tmp_path / "x.pt")
    with pytest.raises(RuntimeError, match=rf"x\.pt.*numtorch has no {dtype} tensors"):
        load(tmp_path / "x.pt")


def test_big_endian_file(tmp_path):
    path = tmp_path / "le.pt"
    values = numtorch.tensor([[1.5, -2.0], [3.25, 1e30]], dtype=numtorch.float64)
    save({"v": values, "i": numtorch.tensor([1, -2], dtype=numtorch.int32)}, path)
    with zipfile.ZipFile(path) as zf:
        records = {i.filename: zf.read(i) for i in zf.infolist()}
    records["archive/byteorder"] = b"big"
    records["archive/data/0"] = np.frombuffer(records["archive/data/0"], "<f8").astype(
        ">f8").tobytes()
    records["archive/data/1"] = np.frombuffer(records["archive/data/1"], "<i4").astype(
        ">i4").tobytes()
    _zip_records(tmp_path / "be.pt", records)
    out = load(tmp_path / "be.pt")
    assert_tensor_equal(out["v"], values)
    assert out["i"].tolist() == [1, -2] and out["i"].dtype == numtorch.int32


def test_legacy_storage_larger_than_the_file(tmp_path):
    path = tmp_path / "big.pt"
    save({"w": numtorch.ones(4)}, path, _use_new_zipfile_serialization=False)
    data = path.read_bytes().replace(b"K\x04Ntq", b"J\x00\x00\x00\x7fNtq", 1)
    path.write_bytes(data)
    with pytest.raises(RuntimeError, match="more than the whole file"):
        load(path)


@pytest.mark.parametrize("keep", [5, 60, -100, -1])
def test_truncated_legacy(keep, tmp_path):
    data = _good(tmp_path, legacy=True)
    bad = tmp_path / "bad.pt"
    bad.write_bytes(data[:keep])
    with pytest.raises((RuntimeError, pickle.UnpicklingError), match=r"bad\.pt.*(truncated|"
                                                                      "damaged)"):
        load(bad)


def test_empty_and_foreign(tmp_path):
    (tmp_path / "empty.pt").write_bytes(b"")
    with pytest.raises(RuntimeError, match=r"empty\.pt.*empty"):
        load(tmp_path / "empty.pt")
    (tmp_path / "p.pt").write_bytes(pickle.dumps({"a": 1}, protocol=2))
    with pytest.raises(RuntimeError, match=r"p\.pt' is damaged: invalid magic number"):
        load(tmp_path / "p.pt")


# --------------------------------------------------------------------------- hub and zoo
def test_hub_dirs(tmp_path, monkeypatch):
    from numtorch import hub

    monkeypatch.setattr(hub, "_hub_dir", [None])
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "th"))
    assert hub.get_dir() == str(tmp_path / "th" / "hub")
    monkeypatch.delenv("TORCH_HOME")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert hub.get_dir() == str(tmp_path / "xdg" / "torch" / "hub")
    hub.set_dir(tmp_path / "mine")
    assert hub.get_dir() == str(tmp_path / "mine")


def test_download_with_hash_check(tmp_path, capsys):
    import hashlib

    from numtorch import hub

    src = tmp_path / "src.bin"
    src.write_bytes(b"weights" * 1000)
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    dst = tmp_path / "out" / "dst.bin"
    dst.parent.mkdir()
    hub.download_url_to_file(src.as_uri(), dst, hash_prefix=digest[:8], progress=True)
    assert dst.read_bytes() == src.read_bytes()
    assert "100" in capsys.readouterr().err  # the progress report reached 100%
    with pytest.MonkeyPatch.context() as mp:  # without tqdm: a plain progress line
        mp.setitem(sys.modules, "tqdm", None)
        hub.download_url_to_file(src.as_uri(), dst, progress=True)
    assert "100.0% of 0.0 MiB" in capsys.readouterr().err
    hub.download_url_to_file(src.as_uri(), dst, progress=False)
    assert capsys.readouterr().err == ""
    with pytest.raises(RuntimeError, match=f'invalid hash value \\(expected "0000", got '
                                           f'"{digest}"\\)'):
        hub.download_url_to_file(src.as_uri(), tmp_path / "out" / "x.bin", hash_prefix="0000",
                                 progress=False)
    assert sorted(os.listdir(tmp_path / "out")) == ["dst.bin"]


def test_load_state_dict_from_url_caches(tmp_path, monkeypatch):
    import hashlib

    from numtorch import hub
    from numtorch.utils import model_zoo

    monkeypatch.setattr(hub, "_hub_dir", [None])
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "home"))
    sd = {"w": numtorch.arange(4.0)}
    blob = tmp_path / "blob.pt"
    save(sd, blob)
    digest = hashlib.sha256(blob.read_bytes()).hexdigest()
    served = tmp_path / "served"
    served.mkdir()
    src = served / f"net-{digest[:8]}.pth"
    src.write_bytes(blob.read_bytes())
    out = hub.load_state_dict_from_url(src.as_uri(), check_hash=True, progress=False,
                                       weights_only=True)
    cached = tmp_path / "home" / "hub" / "checkpoints" / src.name
    assert cached.exists()
    assert_tensor_equal(out["w"], sd["w"])
    src.unlink()  # offline: the cache answers
    assert_tensor_equal(model_zoo.load_url(src.as_uri(), progress=False)["w"], sd["w"])
    bad = served / "net-deadbeef.pth"
    bad.write_bytes(blob.read_bytes())
    with pytest.raises(RuntimeError, match="invalid hash value"):
        hub.load_state_dict_from_url(bad.as_uri(), check_hash=True, progress=False)
    assert not (cached.parent / bad.name).exists()
    out = hub.load_state_dict_from_url(bad.as_uri(), file_name="renamed.pt", progress=False)
    assert (cached.parent / "renamed.pt").exists() and list(out) == ["w"]


def test_legacy_zipped_checkpoint(tmp_path):
    from numtorch import hub

    save({"w": numtorch.ones(2)}, tmp_path / "inner.pth", _use_new_zipfile_serialization=False)
    with zipfile.ZipFile(tmp_path / "old.zip", "w") as zf:
        zf.write(tmp_path / "inner.pth", "inner.pth")
    out = hub.load_state_dict_from_url((tmp_path / "old.zip").as_uri(),
                                       model_dir=tmp_path / "models", progress=False)
    np.testing.assert_array_equal(out["w"].numpy(), [1, 1])
    assert (tmp_path / "models" / "inner.pth").exists()


def test_serialization_namespace():
    assert numtorch.serialization is serialization
    assert numtorch.save is save and numtorch.load is load
    assert serialization.DEFAULT_PROTOCOL == 2
    assert sys.modules["numtorch.hub"] is numtorch.hub
