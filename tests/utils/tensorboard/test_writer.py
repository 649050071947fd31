"""SummaryWriter: every add_* read back with TensorBoard's own EventAccumulator, and the event
protos compared with those PyTorch's writer produces for the same calls (when torch is
importable)."""

import glob
import importlib
import io
import os
import sys

import numpy as np
import pytest

pytest.importorskip("tensorboard")
from parity import requires_torch, torch  # noqa: E402
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader  # noqa: E402

import numtorch  # noqa: E402
from numtorch.utils.tensorboard import SummaryWriter  # noqa: E402
from numtorch.utils.tensorboard import summary as nt_summary  # noqa: E402

SIZE_GUIDANCE = {"scalars": 0, "histograms": 0, "images": 0, "tensors": 0}


def _acc(path):
    acc = EventAccumulator(str(path), size_guidance=SIZE_GUIDANCE)
    acc.Reload()
    return acc


def _events(path):
    """Every event of the one event file in ``path``, wall times cleared."""
    (name,) = glob.glob(os.path.join(str(path), "events.out.tfevents.*"))
    out = []
    for ev in EventFileLoader(name).Load():
        ev.wall_time = 0
        out.append(ev)
    return out


# ---------------------------------------------------------------- scalars
def test_scalars_read_back_exactly(tmp_path):
    values = [1.25, 3, numtorch.tensor(0.1), numtorch.tensor([2.5]), np.float32(7.75),
              np.int64(-4), numtorch.tensor(5, dtype=numtorch.int64), 1e-30]
    with SummaryWriter(tmp_path) as w:
        for step, v in enumerate(values):
            w.add_scalar("loss/train", v, step)
        w.add_scalar("lr", 0.1, 0, new_style=True)
        w.add_scalar("lr64", 0.1, 0, new_style=True, double_precision=True)
        w.add_scalar("at", 1.0, 10, walltime=123.5)
    acc = _acc(tmp_path)
    got = acc.Scalars("loss/train")
    assert [e.step for e in got] == list(range(len(values)))
    expected = [np.float32(v.item() if isinstance(v, numtorch.Tensor) else v) for v in values]
    assert [e.value for e in got] == [float(x) for x in expected]
    lr = acc.Tensors("lr")[0]
    assert lr.tensor_proto.float_val == [np.float32(0.1)] and lr.tensor_proto.dtype == 1
    assert acc.SummaryMetadata("lr").plugin_data.plugin_name == "scalars"
    assert acc.Tensors("lr64")[0].tensor_proto.double_val == [0.1]
    assert acc.Scalars("at")[0].wall_time == 123.5 and acc.Scalars("at")[0].step == 10
    with pytest.raises(AssertionError, match="one element"):
        SummaryWriter(tmp_path / "x").add_scalar("bad", numtorch.zeros(2), 0)


def test_add_scalars_writes_one_sub_run_per_tag(tmp_path):
    with SummaryWriter(tmp_path) as w:
        for step in range(3):
            w.add_scalars("run/loss", {"train": 1.0 / (step + 1), "val": 2.0 * step}, step)
    subs = sorted(os.listdir(tmp_path))
    assert [s for s in subs if not s.startswith("events")] == ["run_loss_train", "run_loss_val"]
    train = _acc(tmp_path / "run_loss_train").Scalars("run/loss")
    val = _acc(tmp_path / "run_loss_val").Scalars("run/loss")
    assert [e.value for e in train] == [float(np.float32(1.0 / (s + 1))) for s in range(3)]
    assert [e.value for e in val] == [0.0, 2.0, 4.0] and [e.step for e in val] == [0, 1, 2]


# ---------------------------------------------------------------- histograms
@pytest.mark.parametrize("bins", ["tensorflow", "auto", "fd", 7, [-3.0, -1.0, 0.0, 0.5, 4.0]])
def test_histogram_buckets(tmp_path, bins):
    values = np.random.default_rng(0).standard_normal(500).astype(np.float32)
    with SummaryWriter(tmp_path) as w:
        w.add_histogram("w", numtorch.tensor(values), 3, bins=bins)
    (h,) = _acc(tmp_path).Histograms("w")
    v = values.astype(np.float64)
    assert h.step == 3
    hv = h.histogram_value
    assert (hv.min, hv.max, hv.num) == (v.min(), v.max(), 500)
    assert hv.sum == pytest.approx(v.sum(), rel=1e-12)
    assert hv.sum_squares == pytest.approx(v.dot(v), rel=1e-12)
    edges = SummaryWriter(tmp_path / "b").default_bins if bins == "tensorflow" else bins
    if isinstance(edges, list):  # values outside the given edges are not counted
        assert sum(hv.bucket) == ((v >= edges[0]) & (v <= edges[-1])).sum()
    else:
        assert sum(hv.bucket) == 500
    counts, limits = np.histogram(v, bins=edges)
    # Buckets are trimmed to the non-empty range, keeping one empty bucket on the left (whose
    # upper limit is the first non-empty bucket's lower edge).
    nz = np.nonzero(counts)[0]
    lo, hi = nz[0], nz[-1] + 1
    assert list(hv.bucket_limit) == list(limits[lo:hi + 1])
    assert list(hv.bucket) == [0] + list(counts[lo:hi])


def test_histogram_max_bins_and_errors(tmp_path):
    h = nt_summary.make_histogram(np.arange(100.0), 20, max_bins=6)
    assert sum(h.bucket) == 100 and len(h.bucket) <= 8
    with pytest.raises(ValueError, match="no element"):
        nt_summary.make_histogram(np.zeros(0), 10)
    with pytest.raises(ValueError, match="len\\(bucket_limits\\)"):
        SummaryWriter(tmp_path).add_histogram_raw("r", 0, 1, 2, 1, 1, [0.5, 1.0], [2])


# ---------------------------------------------------------------- images
def _decode(encoded):
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(encoded)))


def test_images_decode_back_equal(tmp_path):
    pytest.importorskip("PIL")
    r = np.random.default_rng(1)
    chw = r.uniform(0, 1, (3, 5, 7)).astype(np.float32)
    hwc8 = r.integers(0, 256, (5, 7, 3), dtype=np.uint8)
    hw = r.uniform(0, 1, (4, 6))
    batch = r.uniform(0, 1, (3, 1, 4, 6)).astype(np.float32)
    with SummaryWriter(tmp_path) as w:
        w.add_image("chw", numtorch.tensor(chw), 0)
        w.add_image("hwc", hwc8, 0, dataformats="HWC")
        w.add_image("hw", numtorch.tensor(hw), 0, dataformats="HW")
        w.add_image("over", numtorch.tensor(chw * 3 - 1), 0)  # clipped to [0, 255]
        w.add_images("nchw", numtorch.tensor(batch), 0)
        w.add_images("nhwc", batch.transpose(0, 2, 3, 1), 0, dataformats="NHWC")
    acc = _acc(tmp_path)

    def img(tag):
        (ev,) = acc.Images(tag)
        arr = _decode(ev.encoded_image_string)
        assert (ev.height, ev.width) == arr.shape[:2]
        return arr

    to8 = lambda a: (a.astype(np.float32) * 255).clip(0, 255).astype(np.uint8)  # noqa: E731
    np.testing.assert_array_equal(img("chw"), to8(chw.transpose(1, 2, 0)))
    np.testing.assert_array_equal(img("hwc"), hwc8)
    np.testing.assert_array_equal(img("hw"), np.stack([to8(hw)] * 3, 2))
    np.testing.assert_array_equal(img("over"), to8((chw * 3 - 1).transpose(1, 2, 0)))
    grid = np.concatenate([np.repeat(batch[i], 3, 0) for i in range(3)], axis=2)  # (3, 4, 18)
    np.testing.assert_array_equal(img("nchw"), to8(grid.transpose(1, 2, 0)))
    np.testing.assert_array_equal(img("nhwc"), img("nchw"))
    # PyTorch raises AssertionError here; numtorch's error is also a ValueError.
    for fmt, msg in (("HW", "size of input tensor and input format"), ("HHW", "twice")):
        with pytest.raises(AssertionError, match=msg) as err:
            SummaryWriter(tmp_path / "x").add_image("bad", chw, 0, dataformats=fmt)
        assert isinstance(err.value, ValueError)


def test_add_figure(tmp_path):
    pytest.importorskip("PIL")
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    import matplotlib.pyplot as plt

    figs = []
    for k in range(2):
        fig = plt.figure(figsize=(2, 1.5), dpi=50)
        plt.plot([0, 1], [k, 1 - k])
        figs.append(fig)
    with SummaryWriter(tmp_path) as w:
        w.add_figure("one", figs[0], 0, close=False)
        w.add_figure("two", figs, 1)
    assert not plt.fignum_exists(figs[0].number)
    acc = _acc(tmp_path)
    one = _decode(acc.Images("one")[0].encoded_image_string)
    two = _decode(acc.Images("two")[0].encoded_image_string)
    assert one.shape == (75, 100, 3) and two.shape == (75, 200, 3)
    assert one.min() < 128 < one.max()  # a line on a white background


# ---------------------------------------------------------------- text, hparams, pr curve
def test_audio_and_custom_scalars(tmp_path):
    import wave

    from tensorboard.plugins.custom_scalar import layout_pb2

    samples = np.sin(np.arange(400) / 7.0) * 0.5
    with SummaryWriter(tmp_path) as w:
        w.add_audio("a", numtorch.tensor(samples), 1, sample_rate=16000)
        w.add_custom_scalars_multilinechart(["x", "y"], category="c", title="t")
        with pytest.warns(UserWarning, match="clipped"):
            w.add_audio("loud", samples * 3, 2)
        with pytest.raises(AssertionError, match="3 tags"):
            w.add_custom_scalars_marginchart(["x", "y"])
    acc = _acc(tmp_path)
    (ev,) = acc.Audio("a")
    assert (ev.sample_rate, ev.length_frames, ev.content_type) == (16000, 400, "audio/wav")
    with wave.open(io.BytesIO(ev.encoded_audio_string)) as f:
        pcm = np.frombuffer(f.readframes(400), "<i2")
    np.testing.assert_array_equal(pcm, (samples * 32767).astype("<i2"))
    (cfg,) = acc.Tensors("custom_scalars__config__")
    layout = layout_pb2.Layout.FromString(cfg.tensor_proto.string_val[0])
    assert layout.category[0].title == "c"
    assert list(layout.category[0].chart[0].multiline.tag) == ["x", "y"]


def test_text(tmp_path):
    with SummaryWriter(tmp_path) as w:
        w.add_text("notes", "**lr** = 0.1 — ok", 2)
    (ev,) = _acc(tmp_path).Tensors("notes/text_summary")
    assert ev.step == 2
    assert ev.tensor_proto.string_val == ["**lr** = 0.1 — ok".encode()]


def _hparams_content(path):
    from tensorboard.plugins.hparams.plugin_data_pb2 import HParamsPluginData

    acc = _acc(path)
    out = {}
    for tag, raw in acc.PluginTagToContent("hparams").items():
        out[tag] = HParamsPluginData.FromString(raw)
    return acc, out


def test_hparams_in_a_sub_run(tmp_path):
    with SummaryWriter(tmp_path) as w:
        w.add_hparams({"lr": 0.1, "bs": 32, "opt": "adam", "bn": True, "t": numtorch.tensor(2.5),
                       "skip": None}, {"hparam/acc": 0.9}, run_name="trial1",
                      hparam_domain_discrete={"opt": ["adam", "sgd"]})
    acc, content = _hparams_content(tmp_path / "trial1")
    start = content["_hparams_/session_start_info"].session_start_info
    assert start.hparams["lr"].number_value == 0.1 and start.hparams["bs"].number_value == 32
    assert start.hparams["opt"].string_value == "adam"
    assert start.hparams["bn"].number_value == 1.0 and start.hparams["t"].number_value == 2.5
    assert "skip" not in start.hparams
    exp = content["_hparams_/experiment"].experiment
    assert [h.name for h in exp.hparam_infos] == ["lr", "bs", "opt", "bn", "t"]
    opt = [h for h in exp.hparam_infos if h.name == "opt"][0]
    assert [v.string_value for v in opt.domain_discrete.values] == ["adam", "sgd"]
    assert [m.name.tag for m in exp.metric_infos] == ["hparam/acc"]
    assert content["_hparams_/session_end_info"].session_end_info.status == 1
    assert acc.Scalars("hparam/acc")[0].value == float(np.float32(0.9))
    with pytest.raises(TypeError):
        SummaryWriter(tmp_path).add_hparams([("lr", 1)], {})
    with pytest.raises(TypeError, match="hparam_domain_discrete\\[lr\\]"):
        SummaryWriter(tmp_path).add_hparams({"lr": 0.1}, {}, hparam_domain_discrete={"lr": [1]})


def test_pr_curve(tmp_path):
    r = np.random.default_rng(2)
    labels = r.integers(0, 2, 50)
    preds = r.uniform(0, 1, 50)
    with SummaryWriter(tmp_path) as w:
        w.add_pr_curve("pr", numtorch.tensor(labels), numtorch.tensor(preds), 1,
                       num_thresholds=11)
    (ev,) = _acc(tmp_path).Tensors("pr")
    data = np.array(ev.tensor_proto.float_val).reshape(6, 11)
    thresholds = np.arange(11) / 10
    tp = [((preds >= t) & (labels == 1)).sum() for t in thresholds]
    fp = [((preds >= t) & (labels == 0)).sum() for t in thresholds]
    np.testing.assert_array_equal(data[0], tp)
    np.testing.assert_array_equal(data[1], fp)
    np.testing.assert_allclose(data[4], np.float32(np.array(tp) / np.maximum(
        1e-7, np.array(tp) + np.array(fp))), rtol=1e-6)


# ---------------------------------------------------------------- writer lifetime
def test_default_logdir_comment_suffix_and_reopen(tmp_path, monkeypatch):
    import socket

    monkeypatch.chdir(tmp_path)
    w = SummaryWriter(comment="_lr0.1", filename_suffix=".v1")
    logdir = w.get_logdir()
    assert logdir.startswith("runs" + os.sep) and logdir.endswith(socket.gethostname() + "_lr0.1")
    w.add_scalar("x", 1.0, 0)
    w.close()
    w.add_scalar("x", 2.0, 1)  # reopens a second event file
    w.flush()
    w.close()
    w.close()
    files = sorted(glob.glob(os.path.join(logdir, "events.out.tfevents.*")))
    assert len(files) == 2 and all(f.endswith(".v1") for f in files)
    assert [e.value for e in _acc(logdir).Scalars("x")] == [1.0, 2.0]


def test_purge_step_hides_later_events(tmp_path):
    with SummaryWriter(tmp_path) as w:
        for step in range(5):
            w.add_scalar("loss", float(step), step)
    with SummaryWriter(tmp_path, purge_step=3, filename_suffix="b") as w:
        w.add_scalar("loss", 30.0, 3)
    steps = [(e.step, e.value) for e in _acc(tmp_path).Scalars("loss")]
    assert steps == [(0, 0.0), (1, 1.0), (2, 2.0), (3, 30.0)]


def test_embedding_files(tmp_path):
    pytest.importorskip("PIL")
    mat = np.arange(12.0).reshape(4, 3)
    with SummaryWriter(tmp_path) as w:
        w.add_embedding(numtorch.tensor(mat), metadata=["a", "b", "c", "d"],
                        label_img=numtorch.rand(4, 3, 2, 2), global_step=7, tag="emb/x")
    sub = tmp_path / "00007" / "emb%2fx"
    rows = (sub / "tensors.tsv").read_text().splitlines()
    assert [list(map(float, r.split("\t"))) for r in rows] == mat.tolist()
    assert (sub / "metadata.tsv").read_text() == "a\nb\nc\nd\n"
    assert _decode((sub / "sprite.png").read_bytes()).shape == (4, 4, 3)
    config = (tmp_path / "projector_config.pbtxt").read_text()
    assert 'tensor_name: "emb/x:00007"' in config and "00007/emb%2fx/sprite.png" in config
    w = SummaryWriter(tmp_path / "bad")
    with pytest.raises(AssertionError, match="mat should be 2D"):
        w.add_embedding(numtorch.zeros(3))
    with pytest.raises(AssertionError, match="#labels should equal"):
        w.add_embedding(numtorch.zeros(3, 2), metadata=["a"])
    w.close()


def _tiny_graph_def():
    from tensorboard.compat.proto.graph_pb2 import GraphDef
    from tensorboard.compat.proto.node_def_pb2 import NodeDef

    return GraphDef(node=[NodeDef(name="input/x", op="IO Node"),
                          NodeDef(name="Linear/out", op="aten::linear", input=["input/x"])])


def test_add_graph_event_layout(tmp_path, monkeypatch):
    """The writer's side of add_graph, with a stand-in tracer: the GraphDef is serialized into
    the event and a 'step1' run metadata follows, as PyTorch's writer does."""
    import types

    calls = []
    fake = types.ModuleType("numtorch.utils.tensorboard._graph")

    def graph_def(model, input_to_model, verbose=False):
        calls.append((model, input_to_model, verbose))
        return _tiny_graph_def()

    fake.graph_def = graph_def
    monkeypatch.setitem(sys.modules, "numtorch.utils.tensorboard._graph", fake)
    with SummaryWriter(tmp_path) as w:
        w.add_graph("model", "input", verbose=True)
    assert calls == [("model", "input", True)]
    acc = _acc(tmp_path)
    assert acc.Graph() == _tiny_graph_def()
    assert acc.Tags()["run_metadata"] == ["step1"]
    assert acc.RunMetadata("step1").step_stats.dev_stats[0].device == "/device:CPU:0"


@requires_torch
def test_add_graph_events_equal_pytorch_writer(tmp_path):
    from tensorboard.compat.proto.config_pb2 import RunMetadata
    from tensorboard.compat.proto.step_stats_pb2 import DeviceStepStats, StepStats
    from torch.utils.tensorboard import SummaryWriter as TorchWriter

    stats = RunMetadata(step_stats=StepStats(dev_stats=[DeviceStepStats(device="/device:CPU:0")]))
    with TorchWriter(tmp_path / "th") as w:
        w._get_file_writer().add_graph((_tiny_graph_def(), stats), walltime=1.0)
    with SummaryWriter(tmp_path / "nt") as w:
        w._get_file_writer().add_graph(_tiny_graph_def(), walltime=1.0)
    assert _events(tmp_path / "nt") == _events(tmp_path / "th")


def test_add_graph_with_the_tracer(tmp_path):
    pytest.importorskip("numtorch.utils.tensorboard._graph")
    model = numtorch.nn.Sequential(numtorch.nn.Linear(4, 3), numtorch.nn.ReLU())
    with SummaryWriter(tmp_path) as w:
        w.add_graph(model, numtorch.randn(2, 4))
    acc = _acc(tmp_path)
    assert len(acc.Graph().node) > 0
    assert acc.Tags()["run_metadata"] == ["step1"]


def test_missing_tensorboard_names_the_extra(monkeypatch):
    saved = {k: v for k, v in sys.modules.items() if k.startswith("numtorch.utils.tensorboard")}
    for k in saved:
        monkeypatch.delitem(sys.modules, k)
    monkeypatch.setitem(sys.modules, "tensorboard", None)
    try:
        with pytest.raises(ImportError, match=r'pip install "numtorch\[tensorboard\]"'):
            importlib.import_module("numtorch.utils.tensorboard")
    finally:
        for k in list(sys.modules):
            if k.startswith("numtorch.utils.tensorboard"):
                del sys.modules[k]
        sys.modules.update(saved)


# ---------------------------------------------------------------- same protos as PyTorch
def _same_calls(writer, lib):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    r = np.random.default_rng(3)
    vals = r.standard_normal(300).astype(np.float32)
    img = r.uniform(0, 1, (2, 3, 4, 5)).astype(np.float32)
    labels, preds = r.integers(0, 2, 40), r.uniform(0, 1, 40)
    t = lib.tensor
    writer.add_scalar("s", 0.5, 0, walltime=1.0)
    writer.add_scalar("s", t(1.5), 1, walltime=2.0)
    writer.add_scalar("s", np.float64(2.5), 2, walltime=3.0, new_style=True)
    writer.add_histogram("h", t(vals), 0, walltime=4.0)
    writer.add_histogram("h", t(vals), 1, bins="auto", walltime=5.0)
    writer.add_histogram("h", t(vals), 2, bins=12, walltime=6.0, max_bins=5)
    writer.add_image("i", t(img[0]), 0, walltime=7.0)
    writer.add_image("i", (img[0] * 255).astype(np.uint8), 1, walltime=8.0)
    writer.add_images("ib", t(img), 0, walltime=9.0)
    writer.add_text("t", "hello", 0, walltime=10.0)
    writer.add_pr_curve("pr", t(labels), t(preds), 0, num_thresholds=20, walltime=11.0)
    fig = plt.figure(figsize=(2, 2), dpi=40)
    plt.plot([0, 1, 2], [2, 0, 1])
    writer.add_figure("f", fig, 0, walltime=12.0)
    writer.add_scalars("m/x", {"a": 1.0, "b": t(2.0)}, 0, walltime=13.0)
    writer.add_hparams({"lr": 0.1, "opt": "sgd"}, {"hp/acc": 0.75}, run_name="hp",
                       global_step=0)
    writer.add_embedding(t(vals[:12].reshape(4, 3)), metadata=["a", "b", "c", "d"],
                         global_step=1, tag="e/1")
    writer.add_audio("snd", t(np.sin(np.arange(800) / 5.0) * 0.8), 0, sample_rate=8000,
                     walltime=14.0)
    writer.add_custom_scalars({"cat": {"loss": ["Multiline", ["s", "h"]],
                                       "band": ["Margin", ["s", "lo", "hi"]]}})
    writer.add_custom_scalars_marginchart(["a", "b", "c"], category="c2", title="m")
    writer.add_histogram_raw("hr", 0.0, 3.0, 4, 6.0, 14.0, [1.0, 2.0, 3.0], [1, 2, 1], 0,
                             walltime=15.0)
    counts = [t(np.array([5.0, 3.0, 1.0])), t(np.array([4.0, 2.0, 0.0])),
              t(np.array([0.0, 2.0, 4.0])), t(np.array([0.0, 2.0, 4.0])),
              t(np.array([0.55, 0.6, 1.0])), t(np.array([1.0, 0.6, 0.2]))]
    writer.add_pr_curve_raw("prr", *counts, global_step=0, num_thresholds=3, walltime=16.0)


def _tree(root):
    """Every file under root: event files as their events (wall times cleared), others as
    bytes."""
    out = {}
    for dirpath, _, files in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        for name in files:
            if name.startswith("events.out.tfevents"):
                out[(rel, "events")] = _events(dirpath)
            else:
                with open(os.path.join(dirpath, name), "rb") as f:
                    out[(rel, name)] = f.read()
    return out


@requires_torch
def test_event_files_equal_pytorch_writer(tmp_path):
    pytest.importorskip("PIL")
    pytest.importorskip("matplotlib")
    from torch.utils.tensorboard import SummaryWriter as TorchWriter

    with SummaryWriter(tmp_path / "nt") as w:
        _same_calls(w, numtorch)
    with TorchWriter(tmp_path / "th") as w:
        _same_calls(w, torch)
    ours, theirs = _tree(tmp_path / "nt"), _tree(tmp_path / "th")
    assert sorted(ours) == sorted(theirs)
    assert sorted(ours) == [(".", "events"), (".", "projector_config.pbtxt"),
                            ("00001/e%2f1", "metadata.tsv"), ("00001/e%2f1", "tensors.tsv"),
                            ("hp", "events"), ("m_x_a", "events"), ("m_x_b", "events")]
    assert len(ours[(".", "events")]) == 18
    for key in ours:
        if key[1] != "events":
            assert ours[key] == theirs[key], key
            continue
        assert len(ours[key]) == len(theirs[key]), key
        for a, b in zip(ours[key], theirs[key]):
            assert a == b, f"{key}: {a}\n!=\n{b}"


@requires_torch
def test_hparams_and_scalars_protos_equal_pytorch(tmp_path):
    from torch.utils.tensorboard import summary as th_summary

    hp = ({"lr": 0.1, "n": 3, "opt": "sgd", "flag": False}, {"acc": 0.5},
          {"opt": ["sgd", "adam"], "n": [3, 4]})
    assert nt_summary.hparams(*hp) == th_summary.hparams(*hp)
    assert nt_summary.scalar("a", np.int32(3)) == th_summary.scalar("a", np.int32(3))
    assert nt_summary.text("a", "x") == th_summary.text("a", "x")
    assert nt_summary.default_bins() == torch.utils.tensorboard.SummaryWriter(
        tmp_path).default_bins
