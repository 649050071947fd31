"""numtorch's safetensors checkpoints (``numtorch._safetensors_format``: what ``numtorch.save``
writes to ``*.safetensors`` paths): round trips, shared tensors, atomic writes, foreign files."""

import io
import json
import math
import os
import pathlib
import pickle
import zipfile
from collections import OrderedDict, namedtuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numtorch
from numtorch import _safetensors_format, nn
from numtorch._safetensors_format import save_safetensors as st_save
from numtorch.serialization import load, save

safetensors_numpy = pytest.importorskip("safetensors.numpy")

ALL_DTYPES = [numtorch.float32, numtorch.float64, numtorch.float16, numtorch.int64,
              numtorch.int32, numtorch.int16, numtorch.int8, numtorch.uint8, numtorch.bool]


def roundtrip(obj, tmp_path, name="ck.safetensors"):
    path = tmp_path / name
    save(obj, path)
    return load(path)


def assert_same(a, b, where="obj"):
    """Deep equality that also checks exact types, dtypes and shapes (NaNs compare equal)."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, numtorch.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape, where
        assert a.requires_grad == b.requires_grad, where
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy(), err_msg=where)
    elif isinstance(a, (np.ndarray, np.generic)):
        assert a.dtype == b.dtype and a.shape == b.shape, where
        np.testing.assert_array_equal(a, b, err_msg=where)
    elif isinstance(a, dict):
        assert list(a.keys()) == list(b.keys()), where
        for (ka, va), kb in zip(a.items(), b.keys()):
            assert type(ka) is type(kb), f"{where}: key {ka!r}"
            assert_same(va, b[kb], f"{where}[{ka!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b), where
    elif isinstance(a, float):
        assert a == b and math.copysign(1, a) == math.copysign(1, b), where
    else:
        assert a == b, where


# ------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("value", [
    None, True, False, 0, -7, 2**70, -(2**64), 1.5, -0.0, math.inf, -math.inf, math.nan, 1e-310,
    0.1, "", "héllo\n\"quoted\"", b"", b"\x00\xff\x80", [], (), {}, [1, [2.5, (None, "a")]],
    {"a": {"b": {"c": [1, 2, {"d": (3,)}]}}}, (1, (2, (3, ()))),
])
def test_plain_values_round_trip(value, tmp_path):
    assert_same(value, roundtrip(value, tmp_path))


def test_header_length_resembling_a_pickle():
    # A 640-byte header's length field starts with 0x80 0x02, the bytes a pickle starts with.
    for pad in range(400, 800):
        buf = io.BytesIO()
        st_save({"s": "x" * pad}, buf)
        if buf.getvalue()[:2] == b"\x80\x02":
            break
    else:
        pytest.fail("no header of 640 bytes")
    buf.seek(0)
    assert load(buf) == {"s": "x" * pad}


def test_bytearray_comes_back_as_bytes(tmp_path):
    assert roundtrip(bytearray(b"ab"), tmp_path) == b"ab"


@pytest.mark.parametrize("dt", ALL_DTYPES, ids=lambda d: d.name)
@pytest.mark.parametrize("shape", [(), (0,), (3, 0, 2), (5,), (2, 3, 4)])
def test_tensor_every_dtype_and_shape(dt, shape, tmp_path):
    arr = (np.random.default_rng(0).standard_normal(shape) * 50).astype(dt.np_dtype)
    t = numtorch.tensor(arr, dtype=dt)
    out = roundtrip({"t": t}, tmp_path)["t"]
    assert_same(t, out)
    assert out._data.flags.writeable and out._data.flags.c_contiguous


def test_tensor_root_and_float_specials(tmp_path):
    t = numtorch.tensor([math.inf, -math.inf, math.nan, -0.0, 65504.0], dtype=numtorch.float16)
    assert_same(t, roundtrip(t, tmp_path))


def test_noncontiguous_tensor_and_requires_grad(tmp_path):
    base = numtorch.arange(12.0).reshape(3, 4)
    view = base.t()[1:, ::2]
    leaf = numtorch.randn(3, requires_grad=True)
    leaf.grad = numtorch.ones(3)
    out = roundtrip({"view": view, "leaf": leaf}, tmp_path)
    assert_same(view, out["view"])
    assert out["leaf"].requires_grad and out["leaf"].is_leaf and out["leaf"].grad is None
    np.testing.assert_array_equal(out["leaf"].detach().numpy(), leaf.detach().numpy())
    out["view"].add_(1)  # loaded tensors own writable memory
    assert base[0, 1].item() == 1.0


def test_parameter_comes_back_as_plain_tensor(tmp_path):
    p = nn.Parameter(numtorch.randn(2, 3))
    out = roundtrip({"p": p}, tmp_path)["p"]
    assert type(out) is numtorch.Tensor and out.requires_grad
    np.testing.assert_array_equal(out.detach().numpy(), p.detach().numpy())


@pytest.mark.parametrize("arr", [
    np.arange(6, dtype=np.uint16).reshape(2, 3), np.array(3.5), np.zeros((0, 2), np.uint64),
    np.array([True, False]), np.arange(4, dtype=np.uint32)[::-1], np.arange(8.0).reshape(2, 4).T,
    np.array([1, 2], dtype=np.int8), np.array([1.5, -2.0], dtype=np.float16),
])
def test_numpy_arrays_come_back_as_arrays(arr, tmp_path):
    assert_same(arr, roundtrip({"a": arr}, tmp_path)["a"])


def test_big_endian_array(tmp_path):
    arr = np.arange(5, dtype=">i4")
    out = roundtrip(arr, tmp_path)
    assert isinstance(out, np.ndarray) and out.dtype == np.int32
    np.testing.assert_array_equal(out, arr)


@pytest.mark.parametrize("scalar", [np.float32(2.5), np.float64(-1.25), np.int64(-3),
                                    np.uint8(200), np.bool_(True), np.float16(0.5)])
def test_numpy_scalars(scalar, tmp_path):
    out = roundtrip({"s": scalar}, tmp_path)["s"]
    assert type(out) is type(scalar) and out == scalar


def test_dtype_and_device_values(tmp_path):
    obj = {"dtypes": list(ALL_DTYPES), "device": numtorch.device("cpu")}
    out = roundtrip(obj, tmp_path)
    assert out["dtypes"] == ALL_DTYPES and all(a is b for a, b in zip(out["dtypes"], ALL_DTYPES))
    assert out["device"] == numtorch.device("cpu")


def test_dict_key_types_and_order(tmp_path):
    obj = {"b": 1, 1: "int", "1": "str", 2.5: "float", None: "none", (1, "x"): "tuple",
           b"k": "bytes", False: "bool", "a": 2}
    out = roundtrip(obj, tmp_path)
    assert list(out.items()) == list(obj.items())
    assert [type(k) for k in out] == [type(k) for k in obj]


def test_ordered_dict_and_state_dict_metadata(tmp_path):
    od = OrderedDict([("z", 1), ("a", numtorch.ones(2))])
    od._metadata = OrderedDict([("", {"version": 1}), ("bn", {"version": 2})])
    out = roundtrip({"sd": od, "plain": {"z": 1}}, tmp_path)
    assert type(out["sd"]) is OrderedDict and list(out["sd"]) == ["z", "a"]
    assert out["sd"]._metadata == od._metadata and type(out["sd"]._metadata) is OrderedDict
    assert type(out["plain"]) is dict


def test_namedtuple_and_size_come_back_as_tuples(tmp_path):
    Point = namedtuple("Point", "x y")
    out = roundtrip({"p": Point(1, 2), "s": numtorch.ones(2, 3).shape}, tmp_path)
    assert type(out["p"]) is tuple and out["p"] == (1, 2)
    assert type(out["s"]) is tuple and out["s"] == (2, 3)


@settings(max_examples=25, deadline=None)
@given(st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5)
    | st.binary(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.tuples(children, children)
    | st.dictionaries(st.text(max_size=3) | st.integers(), children, max_size=3),
    max_leaves=12))
def test_random_nested_plain_values(value):
    buf = io.BytesIO()
    st_save(value, buf)
    buf.seek(0)
    assert_same(value, load(buf))


# ------------------------------------------------------------------ realistic checkpoints
class _Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 6)
        self.bn = nn.BatchNorm1d(6)
        self.fc2 = nn.Linear(6, 3)
        self.register_buffer("mask", numtorch.tensor([True, False, True]))
        self.register_buffer("codes", numtorch.tensor([1, 2, 255], dtype=numtorch.uint8))
        self.register_buffer("scale16", numtorch.ones(3, dtype=numtorch.float16))

    def forward(self, x):
        return self.fc2(self.bn(self.fc1(x)).relu()) * self.mask


def _trained():
    model = _Net()
    opt = numtorch.optim.Adam(model.parameters(), lr=0.01, betas=(0.8, 0.99))
    sched = numtorch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    for _ in range(3):
        opt.zero_grad()
        model(numtorch.randn(8, 4)).pow(2).mean().backward()
        opt.step()
        sched.step()
    return model, opt, sched


def test_model_state_dict_round_trip(tmp_path):
    model, _, _ = _trained()
    sd = model.state_dict()
    out = roundtrip(sd, tmp_path)
    assert_same(sd, out)
    assert out["bn.num_batches_tracked"].dtype == numtorch.int64
    assert out["mask"].dtype == numtorch.bool and out["codes"].dtype == numtorch.uint8
    fresh = _Net()
    fresh.load_state_dict(out)
    fresh.eval()
    model.eval()
    x = numtorch.randn(5, 4)
    np.testing.assert_array_equal(fresh(x).detach().numpy(), model(x).detach().numpy())


def test_optimizer_and_scheduler_state_dicts(tmp_path):
    model, opt, sched = _trained()
    osd, ssd = opt.state_dict(), sched.state_dict()
    out = roundtrip({"optimizer": osd, "scheduler": ssd}, tmp_path)
    assert_same(osd, out["optimizer"])
    assert_same(ssd, out["scheduler"])
    assert all(type(k) is int for k in out["optimizer"]["state"])
    assert out["optimizer"]["param_groups"][0]["betas"] == (0.8, 0.99)
    opt2 = numtorch.optim.Adam(model.parameters(), lr=0.01)
    opt2.load_state_dict(out["optimizer"])
    sched2 = numtorch.optim.lr_scheduler.StepLR(opt2, step_size=2, gamma=0.5)
    sched2.load_state_dict(out["scheduler"])
    assert sched2.get_last_lr() == sched.get_last_lr()
    assert opt2.param_groups[0]["betas"] == (0.8, 0.99)


def test_training_checkpoint_round_trip(tmp_path):
    model, opt, sched = _trained()
    ck = {"epoch": 7, "best_acc": 0.9375, "rng_state": numtorch.get_rng_state(),
          "np_rng": np.random.default_rng(1).bit_generator.state,
          "config": {"lr": 1e-3, "layers": [4, 6, 3], "name": "net", "amp": False, "seed": None},
          "model": model.state_dict(), "optimizer": opt.state_dict(),
          "scheduler": sched.state_dict(), "history": [(1, 0.5), (2, 0.25)]}
    out = roundtrip(ck, tmp_path)
    assert_same(ck, out)
    assert out["rng_state"].dtype == numtorch.uint8
    expected = numtorch.rand(4)
    numtorch.set_rng_state(out["rng_state"])
    np.testing.assert_array_equal(numtorch.rand(4).numpy(), expected.numpy())


def test_file_objects_and_pathlike(tmp_path):
    obj = {"w": numtorch.randn(3), "step": 1}
    buf = io.BytesIO()
    st_save(obj, buf)
    assert_same(obj, load(io.BytesIO(buf.getvalue())))
    with open(tmp_path / "f.safetensors", "wb") as fh:
        save(obj, fh)
    with open(tmp_path / "f.safetensors", "rb") as fh:
        assert_same(obj, load(fh))
    save(obj, str(tmp_path / "s.safetensors"))
    assert_same(obj, load(pathlib.Path(tmp_path / "s.safetensors")))


def test_overwrite_keeps_permissions(tmp_path):
    path = tmp_path / "ck.safetensors"
    save({"a": 1}, path)
    os.chmod(path, 0o640)
    save({"a": 2}, path)
    assert load(path) == {"a": 2}
    assert os.stat(path).st_mode & 0o777 == 0o640


# ------------------------------------------------------------------------ shared tensors
def test_same_object_comes_back_as_same_object(tmp_path):
    w = numtorch.randn(4, 4)
    a = np.arange(3)
    obj = {"enc": {"weight": w}, "dec": {"weight": w}, "list": [w, a, a]}
    path = tmp_path / "tied.safetensors"
    save(obj, path)
    assert len(safetensors_numpy.load_file(str(path))) == 2  # stored once each
    out = load(path)
    assert out["enc"]["weight"] is out["dec"]["weight"] is out["list"][0]
    assert out["list"][1] is out["list"][2]


def test_tied_state_dict_shares_memory(tmp_path):
    emb = nn.Embedding(5, 3)
    head = nn.Linear(3, 5, bias=False)
    head.weight = emb.weight
    model = nn.Sequential(emb, head)
    sd = model.state_dict()
    assert sd["0.weight"] is not sd["1.weight"]
    path = tmp_path / "tied.safetensors"
    save(sd, path)
    assert len(safetensors_numpy.load_file(str(path))) == 1
    out = load(path)
    assert out["0.weight"] is not out["1.weight"]
    assert np.shares_memory(out["0.weight"]._data, out["1.weight"]._data)
    out["0.weight"].zero_()
    assert out["1.weight"].abs().sum().item() == 0


def test_partial_views_are_stored_separately(tmp_path):
    base = numtorch.arange(6.0)
    out = roundtrip({"a": base[:4], "b": base[2:]}, tmp_path)
    np.testing.assert_array_equal(out["a"].numpy(), [0, 1, 2, 3])
    np.testing.assert_array_equal(out["b"].numpy(), [2, 3, 4, 5])


def test_empty_tensors_are_not_merged(tmp_path):
    out = roundtrip({"a": numtorch.zeros(0), "b": numtorch.zeros(0, dtype=numtorch.int64)},
                    tmp_path)
    assert out["a"].dtype == numtorch.float32 and out["b"].dtype == numtorch.int64


# --------------------------------------------------------------------------- atomic writes
def _listing(directory):
    return sorted(os.listdir(directory))


def test_failure_midway_keeps_old_file(tmp_path, monkeypatch):
    path = tmp_path / "ck.safetensors"
    save({"epoch": 1, "w": numtorch.ones(1000)}, path)
    before = path.read_bytes()

    def half_then_fail(fh, data):
        fh.write(bytes(data[:len(data) // 2]))
        raise OSError("disk full")

    monkeypatch.setattr(_safetensors_format, "write_all", half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        save({"epoch": 2, "w": numtorch.zeros(1000)}, path)
    assert path.read_bytes() == before
    assert _listing(tmp_path) == ["ck.safetensors"]
    assert load(path)["epoch"] == 1


@pytest.mark.parametrize("stage", ["fsync", "replace"])
def test_failure_at_fsync_or_rename_keeps_old_file(stage, tmp_path, monkeypatch):
    path = tmp_path / "ck.safetensors"
    save({"epoch": 1}, path)
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError(f"{stage} failed")

    monkeypatch.setattr(_safetensors_format.os, stage, boom)
    with pytest.raises(OSError, match=f"{stage} failed"):
        save({"epoch": 2}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert _listing(tmp_path) == ["ck.safetensors"]


def test_unsupported_object_leaves_no_file(tmp_path):
    path = tmp_path / "ck.safetensors"
    with pytest.raises(TypeError):
        save({"f": print}, path)
    assert _listing(tmp_path) == []


def test_missing_parent_directory(tmp_path):
    with pytest.raises(RuntimeError, match="Parent directory .*missing does not exist"):
        save({"a": 1}, tmp_path / "missing" / "ck.safetensors")


def test_save_through_symlink_writes_target(tmp_path):
    real = tmp_path / "real.safetensors"
    link = tmp_path / "link.safetensors"
    save({"a": 1}, real)
    link.symlink_to(real)
    save({"a": 2}, link)
    assert link.is_symlink() and load(real) == {"a": 2}


# ------------------------------------------------------------------------- unsupported types
@pytest.mark.parametrize("obj, type_name, where", [
    ({"model": nn.Linear(2, 2)}, "Linear", r"\['model'\].*save model.state_dict\(\) instead"),
    ({"fn": lambda x: x}, "function", r"\['fn'\]"),
    ([1, {"x": object()}], "object", r"\[1\]\['x'\]"),
    ({"s": {1, 2}}, "set", r"\['s'\]"),
    ({"c": 1 + 2j}, "complex", r"\['c'\]"),
    (nn.ReLU(), "ReLU", "the top level"),
])
def test_unsupported_objects_raise_type_error(obj, type_name, where, tmp_path):
    with pytest.raises(TypeError, match=f"cannot save object of type {type_name} at {where}"):
        save(obj, tmp_path / "x.safetensors")


def test_optimizer_object_suggests_state_dict(tmp_path):
    opt = numtorch.optim.SGD([nn.Parameter(numtorch.ones(1))], lr=0.1)
    with pytest.raises(TypeError, match=r"type SGD at \['opt'\].*state_dict\(\) instead"):
        save({"opt": opt}, tmp_path / "x.safetensors")


def test_unsupported_keys_arrays_and_cycles(tmp_path):
    with pytest.raises(TypeError, match=r"dict key of type object at \['d'\]"):
        save({"d": {object(): 1}}, tmp_path / "x.safetensors")
    with pytest.raises(TypeError, match=r"dtype object at \['a'\]"):
        save({"a": np.array([None, 1])}, tmp_path / "x.safetensors")
    with pytest.raises(TypeError, match=r"dtype complex128 at \['a'\]"):
        save({"a": np.ones(2, complex)}, tmp_path / "x.safetensors")
    cyc = {"x": []}
    cyc["x"].append(cyc)
    with pytest.raises(ValueError, match="contains itself"):
        save(cyc, tmp_path / "x.safetensors")
    with pytest.raises(TypeError, match="binary file object"):
        save({"a": 1}, 42)


# ----------------------------------------------------------------------- foreign and broken
def _good_file(tmp_path):
    path = tmp_path / "good.safetensors"
    save({"epoch": 3, "w": numtorch.randn(64)}, path)
    return path


@pytest.mark.parametrize("keep", [0, 4, 8, 20, -300, -1])
def test_truncated_file(keep, tmp_path):
    data = _good_file(tmp_path).read_bytes()
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(data[:keep] if keep >= 0 else data[:len(data) + keep])
    expected = "empty" if keep == 0 else "truncated|too short"
    with pytest.raises(RuntimeError, match=rf"bad\.safetensors.*({expected})"):
        load(bad)


@pytest.mark.parametrize("content, message", [
    (np.random.default_rng(0).bytes(256), "not a checkpoint"),
    (b"\x10" + b"\x00" * 7 + b"not json at all!", "not a checkpoint"),
    (b"\x05" + b"\x00" * 7 + b"{abc}", "unreadable header"),
    (b"\x00" * 64, "not a checkpoint"),
    (json.dumps({"epoch": 1, "weights": [1, 2]}).encode(), "JSON text file"),
    (b"[1, 2, 3]", "JSON text file"),
    (pickle.dumps({"a": 1}), "magic number"),
    (b"hello world, plain text", "not a checkpoint"),
])
def test_foreign_files(content, message, tmp_path):
    path = tmp_path / "foreign.bin"
    path.write_bytes(content)
    with pytest.raises(RuntimeError, match=f"foreign.bin.*{message}"):
        load(path)


def test_numpy_files(tmp_path):
    np.save(tmp_path / "a.npy", np.arange(3))
    np.savez(tmp_path / "b.npz", x=np.arange(3))
    with pytest.raises(RuntimeError, match=r"a\.npy.*NumPy \.npy file"):
        load(tmp_path / "a.npy")
    with pytest.raises(RuntimeError, match=r"b\.npz.*NumPy \.npz archive"):
        load(tmp_path / "b.npz")


def test_zip_without_pickle(tmp_path):
    with zipfile.ZipFile(tmp_path / "x.zip", "w") as zf:
        zf.writestr("readme.txt", "hi")
    with pytest.raises(RuntimeError, match=r"x\.zip.*zip archive without data.pkl"):
        load(tmp_path / "x.zip")


_CALLS = []


def _record(value):
    _CALLS.append(value)
    return value


class _Payload:
    def __reduce__(self):
        return (_record, ("unpickled!",))


def test_pickles_are_never_executed(tmp_path):
    path = tmp_path / "evil.pt"
    path.write_bytes(pickle.dumps({"x": _Payload()}, protocol=2))
    with pytest.raises(RuntimeError, match="magic number"):
        load(path)
    with pytest.raises(RuntimeError, match="magic number"):
        load(path, weights_only=False)  # no PyTorch header: refused before the object
    assert _CALLS == []


def test_file_object_errors_name_the_file(tmp_path):
    path = tmp_path / "noise.bin"
    path.write_bytes(b"\x01\x02\x03")
    with open(path, "rb") as fh, pytest.raises(RuntimeError, match="noise.bin"):
        load(fh)
    with pytest.raises(RuntimeError, match="<BytesIO>.*empty"):
        load(io.BytesIO(b""))
    with open(path) as fh, pytest.raises(TypeError, match="binary mode"):
        load(fh)
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "nope.safetensors")


def _with_metadata(tmp_path, structure):
    path = tmp_path / "crafted.safetensors"
    safetensors_numpy.save_file({"w": np.ones(2, np.float32)}, str(path),
                                metadata={"numtorch": structure})
    return path


@pytest.mark.parametrize("structure, message", [
    ("{not json", "unreadable structure"),
    (json.dumps({"version": 1}), "no root"),
    (json.dumps({"version": 1, "root": {"tensor": True, "id": 0, "name": "gone"}}),
     "missing tensor 'gone'"),
    (json.dumps({"version": 1, "root": {"ref": 3}}), "unknown object"),
    (json.dumps({"version": 1, "root": {"pickle": "cos\nsystem"}}), "unrecognized"),
    (json.dumps({"version": 1, "root": {"float": "abc"}}), "bad float"),
    (json.dumps({"version": 1, "root": {"dict": [[{"list": []}, 1]]}}), "unhashable"),
])
def test_corrupt_structure(structure, message, tmp_path):
    with pytest.raises(RuntimeError, match=rf"crafted\.safetensors.*{message}"):
        load(_with_metadata(tmp_path, structure))


def test_newer_format_version(tmp_path):
    path = _with_metadata(tmp_path, json.dumps({"version": 99, "root": None}))
    with pytest.raises(RuntimeError, match="format version 99"):
        load(path)


# ---------------------------------------------------------------------- safetensors interop
def test_flat_state_dict_is_a_plain_safetensors_file(tmp_path):
    model, _, _ = _trained()
    sd = model.state_dict()
    path = tmp_path / "weights.safetensors"
    save(sd, path)
    raw = safetensors_numpy.load_file(str(path))
    assert sorted(raw) == sorted(sd)
    for k, v in sd.items():
        assert raw[k].dtype == v.numpy().dtype
        np.testing.assert_array_equal(raw[k], v.numpy())


def test_nested_names_are_dotted_paths(tmp_path):
    path = tmp_path / "ck.safetensors"
    save({"state": {0: {"exp_avg": numtorch.ones(2)}}, "__metadata__": numtorch.ones(1),
          "a.b": numtorch.ones(1), "a": {"b": numtorch.zeros(1)}}, path)
    names = set(safetensors_numpy.load_file(str(path)))
    assert {"state.0.exp_avg", "a.b", "a.b#1", "__metadata__#1"} == names


def test_load_plain_safetensors_file(tmp_path):
    path = tmp_path / "other.safetensors"
    arrays = {"b": np.arange(3, dtype=np.int64), "a": np.ones((2, 2), np.float16)}
    safetensors_numpy.save_file(arrays, str(path))
    out = load(path)
    assert type(out) is OrderedDict and set(out) == {"a", "b"}
    for k, v in arrays.items():
        assert isinstance(out[k], numtorch.Tensor)
        np.testing.assert_array_equal(out[k].numpy(), v)
    safetensors_numpy.save_file({"u": np.ones(2, np.uint32)}, str(path))
    with pytest.raises(RuntimeError, match="'u' has dtype uint32"):
        load(path)


# ------------------------------------------------------------------- load's other arguments
@pytest.mark.parametrize("loc", [None, "cpu", numtorch.device("cpu"), {"cuda:0": "cpu"},
                                 lambda storage, location: storage])
@pytest.mark.parametrize("weights_only", [None, True, False])
def test_map_location_and_weights_only(loc, weights_only, tmp_path):
    path = tmp_path / "ck.safetensors"
    save({"w": numtorch.ones(2)}, path)
    out = load(path, map_location=loc, weights_only=weights_only, mmap=False)
    np.testing.assert_array_equal(out["w"].numpy(), [1, 1])


@pytest.mark.parametrize("loc", ["cuda", "cuda:0", numtorch.device("cuda"), {"cpu": "cuda:1"},
                                 lambda storage, location: storage.cuda()])
def test_map_location_cuda_raises_cpu_only(loc, tmp_path):
    path = tmp_path / "ck.safetensors"
    save({"w": numtorch.ones(2)}, path)
    with pytest.raises(RuntimeError, match="CPU only"):
        load(path, map_location=loc)


def test_map_location_bad_values(tmp_path):
    path = tmp_path / "ck.safetensors"
    save({"w": numtorch.ones(2)}, path)
    with pytest.raises(TypeError, match="map_location"):
        load(path, map_location=3)
    with pytest.raises(TypeError, match="must return a tensor"):
        load(path, map_location=lambda storage, location: "cpu")
    out = load(path, map_location=lambda storage, location: None)  # None: the default place
    np.testing.assert_array_equal(out["w"].numpy(), [1, 1])
