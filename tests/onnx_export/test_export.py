"""numtorch.onnx.export: every covered module family and every zoo model is exported, checked
by ``onnx.checker`` (full check), run in onnxruntime at the export batch size and at another
one, and compared with numtorch's own outputs (|err| <= 1e-4 + 1e-4 |y|).

(The directory is tests/onnx_export: a tests/onnx package would shadow the onnx package.)"""

import importlib.util
import io
import os
import sys

import numpy as np
import pytest

import numtorch
import numtorch.onnx
from numtorch import nn
from numtorch.autograd.function import Function

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples")


def _flat(obj, out):
    if isinstance(obj, numtorch.Tensor):
        out.append(obj.numpy())
    elif isinstance(obj, (tuple, list)):
        for o in obj:
            _flat(o, out)
    return out


def _as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


def roundtrip(model, args, other=None, dynamic=None, opset=None, **kwargs):
    """Export ``model`` on ``args``; run the ONNX file on ``args`` and on ``other`` (inputs of
    another batch size) and compare with the model's outputs. Returns the ModelProto."""
    model.eval()
    args = _as_tuple(args)
    names = [f"in{i}" for i in range(len(args))]
    if dynamic is None:
        dynamic = {n: {0: "batch"} for n in names}
    buf = io.BytesIO()
    numtorch.onnx.export(model, args, buf, input_names=names, dynamic_axes=dynamic,
                         opset_version=opset, **kwargs)
    proto = onnx.load_from_string(buf.getvalue())
    onnx.checker.check_model(proto, full_check=True)
    sess = ort.InferenceSession(buf.getvalue(), providers=["CPUExecutionProvider"])
    for inputs in [args] + ([_as_tuple(other)] if other is not None else []):
        with numtorch.no_grad():
            expected = _flat(model(*inputs), [])
        got = sess.run(None, {n: a.numpy() for n, a in zip(names, inputs)})
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            assert g.shape == e.shape and g.dtype == e.dtype
            g, e = g.astype(np.float64), e.astype(np.float64)
            assert np.all(np.abs(g - e) <= 1e-4 + 1e-4 * np.abs(e)), np.abs(g - e).max()
    return proto


class Fn(nn.Module):
    """A module running ``fn(self, *inputs)``, holding ``mods``."""

    def __init__(self, fn, *mods):
        super().__init__()
        self.fn = fn
        self.mods = nn.ModuleList(mods)

    def forward(self, *inputs):
        return self.fn(self, *inputs)


def r(*shape):
    return numtorch.randn(*shape)


def op_types(proto):
    return [n.op_type for n in proto.graph.node]


# ====================================================================== module families
@pytest.mark.parametrize("model, shape, batches", [
    (lambda: nn.Linear(5, 3), (5,), (2, 3)),
    (lambda: nn.Linear(5, 3, bias=False), (4, 5), (2, 3)),
    (lambda: nn.Conv1d(3, 4, 3, stride=2, padding=1, dilation=2), (3, 11), (2, 4)),
    (lambda: nn.Conv2d(4, 6, 3, stride=2, padding=2, groups=2), (4, 9, 9), (2, 3)),
    (lambda: nn.Conv2d(4, 6, (3, 2), padding="same", dilation=(1, 2)), (4, 9, 8), (2, 3)),
    (lambda: nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1), (4, 5, 5),
     (2, 3)),
    (lambda: nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, groups=2, dilation=2),
     (4, 5, 5), (2, 3)),
    (lambda: nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), (3, 9, 9), (2, 3)),
    (lambda: nn.MaxPool1d(2), (3, 9), (2, 3)),
    (lambda: nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), (3, 9, 9), (2, 3)),
    (lambda: nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True), (3, 8, 8), (2, 3)),
    (lambda: nn.AvgPool1d(2), (3, 8), (2, 3)),
    (lambda: nn.AdaptiveAvgPool2d((3, 2)), (3, 7, 8), (2, 3)),
    (lambda: nn.AdaptiveAvgPool2d(1), (3, 7, 8), (2, 3)),
    (lambda: nn.AdaptiveMaxPool2d(2), (3, 8, 8), (2, 3)),
    (lambda: nn.BatchNorm1d(5), (5,), (2, 3)),
    (lambda: nn.LayerNorm(6), (4, 6), (2, 3)),
    (lambda: nn.LayerNorm([4, 6], elementwise_affine=False), (4, 6), (2, 3)),
    (lambda: nn.GroupNorm(2, 4), (4, 3, 3), (2, 3)),
    (lambda: nn.Sequential(nn.Linear(5, 5), nn.Dropout(0.5)), (5,), (2, 3)),
    (lambda: nn.Embedding(10, 4), None, (2, 3)),
])
def test_module_families(model, shape, batches):
    numtorch.manual_seed(0)
    m = model()
    if shape is None:  # token ids
        args = [numtorch.randint(0, 10, (b, 5)) for b in batches]
    else:
        args = [r(b, *shape) for b in batches]
    roundtrip(m, args[0], args[1])


def test_batch_norm_eval_uses_the_running_statistics():
    bn = nn.BatchNorm2d(3)
    bn.running_mean.normal_()
    bn.running_var.uniform_(0.5, 2.0)
    roundtrip(bn, r(2, 3, 4, 4), r(3, 3, 4, 4))
    assert bn.training is False  # roundtrip put it in eval mode; export restores it


@pytest.mark.parametrize("act", [
    nn.ReLU(), nn.LeakyReLU(0.2), nn.GELU(), nn.GELU("tanh"), nn.SiLU(), nn.Tanh(),
    nn.Sigmoid(), nn.Softmax(-1), nn.LogSoftmax(1), nn.ELU(), nn.Softplus(), nn.ReLU6(),
    nn.Hardtanh(-0.5, 0.5),
], ids=repr)
def test_activations(act):
    roundtrip(act, r(2, 5) * 3, r(3, 5) * 3)


SHAPE_CASES = {
    "view_size0": lambda s, x: x.view(x.size(0), -1),
    "flatten": lambda s, x: x.flatten(1),
    "reshape_minus1": lambda s, x: x.reshape(-1, 4),
    "permute_transpose": lambda s, x: x.permute(0, 2, 1).transpose(1, 2),
    "cat": lambda s, x: numtorch.cat([x, x * 2], 1),
    "stack": lambda s, x: numtorch.stack([x, x + 1], 1),
    "split": lambda s, x: x.split([1, 2], 1),
    "chunk": lambda s, x: x.chunk(2, -1),
    "unbind": lambda s, x: x.unbind(1),
    "slices": lambda s, x: x[:, 1:, ::2],
    "ints_and_none": lambda s, x: x[:, 1, None, -1],
    "ellipsis": lambda s, x: x[..., 0],
    "index_list": lambda s, x: x[:, [2, 0]],
    "squeeze_unsqueeze": lambda s, x: x.unsqueeze(1).squeeze(1).unsqueeze(-1),
    "pad": lambda s, x: nn.functional.pad(x, (1, 2)),
    "reductions": lambda s, x: (x.sum(1), x.mean((1, 2), keepdim=True), x.max(), x.amax(1),
                                x.sum(), x.logsumexp(-1)),
    "max_min_dim": lambda s, x: (x.max(1), x.min(dim=2, keepdim=True), x.max(-1)[0]),
    "math": lambda s, x: (x.abs() + 0.5).log().exp().sqrt().rsqrt().clamp(0.1, 2),
    "outputs_repeated_and_inputs": lambda s, x: (x, x * 2, x, s.w, x * 2),
    "maximum_minimum": lambda s, x: numtorch.maximum(x, x * 0.5) - numtorch.minimum(x, -x),
}


@pytest.mark.parametrize("name", list(SHAPE_CASES))
def test_shape_and_elementwise_ops(name):
    model = Fn(SHAPE_CASES[name])
    model.w = nn.Parameter(r(2))
    roundtrip(model, r(2, 3, 4), r(3, 3, 4))


def test_broadcasting_arithmetic():
    fn = Fn(lambda s, x, y: x + y * 2 - 1 / (y.abs() + 1) ** 2)
    roundtrip(fn, (r(2, 3, 4), r(2, 1, 4)), (r(3, 3, 4), r(3, 1, 4)))


def test_matmul_and_addmm():
    roundtrip(Fn(lambda s, x, y: x @ y), (r(2, 3, 4), r(4, 5)), (r(3, 3, 4), r(4, 5)),
              dynamic={"in0": {0: "batch"}})
    roundtrip(Fn(lambda s, x: numtorch.addmm(x[0], x, x.t())), r(3, 3), dynamic={})


def test_batch_dependent_view_becomes_shape_ops():
    proto = roundtrip(Fn(lambda s, x: x.view(x.size(0), -1) * 2), r(2, 3, 4), r(5, 3, 4))
    assert {"Shape", "Gather", "Concat"} <= set(op_types(proto))
    out = proto.graph.output[0].type.tensor_type.shape.dim
    assert out[0].dim_param == "batch" and out[1].dim_value == 12


@pytest.mark.parametrize("cls", [nn.LSTM, nn.GRU, nn.RNN])
def test_recurrent_layers(cls):
    numtorch.manual_seed(0)
    roundtrip(cls(4, 6, num_layers=2, batch_first=True), r(2, 5, 4), r(3, 5, 4))
    proto = roundtrip(cls(4, 6, bidirectional=True), r(5, 2, 4), r(5, 3, 4),
                      dynamic={"in0": {1: "batch"}})
    assert op_types(proto).count(cls.__name__) == 2


def test_rnn_relu_and_given_state():
    roundtrip(nn.RNN(3, 4, nonlinearity="relu"), r(5, 2, 3), r(5, 3, 3),
              dynamic={"in0": {1: "batch"}})
    lstm = nn.LSTM(4, 6, batch_first=True)
    roundtrip(Fn(lambda s, x, h, c: s.mods[0](x, (h, c)), lstm),
              (r(2, 5, 4), r(1, 2, 6), r(1, 2, 6)), dynamic={})
    gru = nn.GRU(4, 6)
    roundtrip(Fn(lambda s, x, h: s.mods[0](x, h), gru), (r(5, 2, 4), r(1, 2, 6)), dynamic={})


def test_lstm_gate_order_matches_pytorch_semantics():
    """A forget gate driven far negative erases the cell: the ONNX gate order (i, o, f, c)
    must put PyTorch's forget-gate rows (the second block of i, f, g, o) in ONNX's f slot."""
    lstm = nn.LSTM(2, 3)
    with numtorch.no_grad():
        lstm.bias_ih_l0.zero_()
        lstm.bias_ih_l0[3:6] = -30.0  # forget gate closed
        lstm.bias_ih_l0[0:3] = 30.0   # input gate open
    roundtrip(lstm, r(4, 2, 2), r(4, 3, 2), dynamic={"in0": {1: "batch"}})


def test_attention_and_transformer_layers():
    numtorch.manual_seed(0)
    mha = nn.MultiheadAttention(8, 2, batch_first=True)
    roundtrip(Fn(lambda s, x: s.mods[0](x, x, x), mha), r(2, 5, 8), r(3, 5, 8))
    mha = nn.MultiheadAttention(8, 2)
    roundtrip(Fn(lambda s, q, k: s.mods[0](q, k, k)[0], mha), (r(5, 2, 8), r(4, 2, 8)),
              (r(5, 3, 8), r(4, 3, 8)), dynamic={"in0": {1: "b"}, "in1": {1: "b"}})
    roundtrip(nn.TransformerEncoderLayer(8, 2, 16, batch_first=True), r(2, 5, 8), r(3, 5, 8))
    roundtrip(nn.TransformerEncoderLayer(8, 2, 16, norm_first=True, activation="gelu"),
              r(5, 2, 8), r(5, 3, 8), dynamic={"in0": {1: "batch"}})
    dec = nn.TransformerDecoderLayer(8, 2, 16, batch_first=True)
    causal = nn.Transformer.generate_square_subsequent_mask(5)
    roundtrip(Fn(lambda s, x, m: s.mods[0](x, m, tgt_mask=causal), dec),
              (r(2, 5, 8), r(2, 4, 8)), (r(3, 5, 8), r(3, 4, 8)))


@pytest.mark.parametrize("opset", [11, 12, 13, 18, 20])
def test_other_opsets(opset):
    layer = nn.TransformerEncoderLayer(8, 2, 16, batch_first=True, activation="gelu")
    proto = roundtrip(layer, r(2, 5, 8), r(3, 5, 8), opset=opset)
    assert proto.opset_import[0].version == opset
    assert ("LayerNormalization" in op_types(proto)) == (opset >= 17)
    roundtrip(nn.LSTM(3, 4, num_layers=2, bidirectional=True), r(5, 2, 3), r(5, 3, 3),
              dynamic={"in0": {1: "batch"}}, opset=opset)
    model = Fn(lambda s, x: (x.softmax(1), x.log_softmax(0), x.sum(-1), x.max(1), x >= 0,
                             x <= 0.5, x.argmax(), x[:, None, 0]))
    roundtrip(model, r(2, 3, 4), r(3, 3, 4), opset=opset)


# ====================================================================== the model zoo
@pytest.mark.parametrize("name, shape", [
    ("logreg", (1, 8, 8)), ("mlp", (1, 8, 8)), ("cnn", (1, 28, 28)), ("lenet5", (1, 28, 28)),
    ("vgg11", (3, 16, 16)), ("resnet18", (3, 16, 16)), ("cifar_resnet20", (3, 16, 16)),
])
def test_zoo_models(name, shape):
    from numtorch.vision.models import get_model

    numtorch.manual_seed(0)
    model = get_model(name, shape, 10)
    proto = roundtrip(model, r(1, *shape), r(2, *shape))  # batch 1, as exports usually are
    state = set(model.state_dict())
    inits = {t.name for t in proto.graph.initializer}
    # Every parameter and buffer the forward pass reads is an initializer under its name.
    assert {n for n in state if not n.endswith("num_batches_tracked")} <= inits


def load_example(name):
    path = os.path.join(EXAMPLES, f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"_onnx_example_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_transformer_classifier_example():
    model = load_example("transformer_classifier").RowTransformer(8, 8, 10)
    roundtrip(model, r(2, 8, 8), r(3, 8, 8))


def test_char_lstm_example():
    model = load_example("char_lstm").CharLSTM(20, emb=8, hidden=16, layers=2)
    x, x2 = numtorch.randint(0, 20, (7, 2)), numtorch.randint(0, 20, (7, 3))
    proto = roundtrip(model, x, x2, dynamic={"in0": {1: "batch"}},
                      output_names=["logits", "h", "c"])
    assert [o.name for o in proto.graph.output] == ["logits", "h", "c"]


# ====================================================================== the API
def test_unsupported_op_names_the_op_and_the_module():
    class Act(nn.Module):
        def forward(self, x):
            return x.cumsum(1)

    class Inner(nn.Module):
        def __init__(self):
            super().__init__()
            self.act = Act()

        def forward(self, x):
            return self.act(x)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.block = nn.Sequential(Inner())

        def forward(self, x):
            return self.block(x)

    with pytest.raises(numtorch.onnx.errors.UnsupportedOperatorError,
                       match=r"'Cumsum' in module 'model\.block\.0\.act'"):
        numtorch.onnx.export(Net(), r(2, 3), io.BytesIO())


def test_data_dependent_indexing_is_refused():
    with pytest.raises(numtorch.onnx.errors.UnsupportedOperatorError, match="boolean mask"):
        numtorch.onnx.export(Fn(lambda s, x: x[x > 0]), r(2, 3), io.BytesIO())


def test_path_names_kwargs_and_params_as_inputs(tmp_path):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 2)

        def forward(self, x, scale=1.0, shift=None):
            return self.fc(x) * scale + shift

    x, shift = r(4, 3), r(4, 2)
    path = tmp_path / "net.onnx"
    assert numtorch.onnx.export(Net(), (x, {"shift": shift}), str(path),
                                output_names=["y"]) is None
    proto = onnx.load(str(path))
    assert [i.name for i in proto.graph.input] == ["x", "shift"]
    assert {t.name for t in proto.graph.initializer if not t.name.startswith("/")} == \
        {"fc.bias", "fc.weight"}
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (y,) = sess.run(["y"], {"x": x.numpy(), "shift": shift.numpy()})
    np.testing.assert_allclose(y, Net.forward(_same_params(Net(), proto), x, 1.0, shift)
                               .detach().numpy(), rtol=1e-5, atol=1e-6)

    buf = io.BytesIO()
    numtorch.onnx.export(Net(), (x,), buf, kwargs={"shift": shift}, export_params=False)
    proto = onnx.load_from_string(buf.getvalue())
    assert not [t for t in proto.graph.initializer if not t.name.startswith("/")]
    assert [i.name for i in proto.graph.input] == ["x", "shift", "fc.weight", "fc.bias"]


def _same_params(model, proto):
    from onnx import numpy_helper

    arrays = {t.name: numpy_helper.to_array(t) for t in proto.graph.initializer
              if not t.name.startswith("/")}
    model.load_state_dict({k: numtorch.tensor(v) for k, v in arrays.items()})
    return model


def test_dynamic_axes_as_a_list_and_static_by_default():
    buf = io.BytesIO()
    numtorch.onnx.export(nn.Linear(3, 2), r(4, 3), buf, input_names=["x"],
                         output_names=["y"], dynamic_axes={"x": [0], "y": [0]})
    proto = onnx.load_from_string(buf.getvalue())
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "x_dynamic_axes_1"
    buf = io.BytesIO()
    numtorch.onnx.export(nn.Linear(3, 2), r(4, 3), buf)
    proto = onnx.load_from_string(buf.getvalue())
    assert [d.dim_value for d in proto.graph.input[0].type.tensor_type.shape.dim] == [4, 3]


def test_modes_restored_and_tracer_removed():
    model = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.5), nn.BatchNorm1d(3))
    model.train()
    apply_before = Function.__dict__["apply"]
    tensor_before = dict(vars(numtorch.Tensor))
    top_before = dict(vars(numtorch))
    numtorch.onnx.export(model, r(4, 3), io.BytesIO())
    assert all(m.training for m in model.modules())
    # Every swapped attribute is back: the untraced code paths are exactly the old ones.
    assert Function.__dict__["apply"] is apply_before
    assert dict(vars(numtorch.Tensor)) == tensor_before
    assert {k: v for k, v in vars(numtorch).items() if k != "onnx"} == \
        {k: v for k, v in top_before.items() if k != "onnx"}
    assert not numtorch.onnx.is_in_onnx_export()
    # Batch norm's running statistics were not updated by the (eval-mode) trace.
    assert np.all(model[2].running_mean.numpy() == 0)


def test_is_in_onnx_export_while_tracing():
    seen = []
    numtorch.onnx.export(Fn(lambda s, x: seen.append(numtorch.onnx.is_in_onnx_export()) or x + 1),
                         r(2), io.BytesIO())
    assert seen and all(seen) and not numtorch.onnx.is_in_onnx_export()


def test_bad_opset_missing_output_and_not_a_module():
    with pytest.raises(TypeError, match="nn.Module"):
        numtorch.onnx.export(lambda x: x + 1, r(2), io.BytesIO())
    with pytest.raises(ValueError, match="opset"):
        numtorch.onnx.export(nn.ReLU(), r(2), io.BytesIO(), opset_version=7)
    with pytest.raises(ValueError, match="output"):
        numtorch.onnx.export(nn.ReLU(), r(2))


def test_missing_onnx_package_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ImportError, match=r"numtorch\[onnx\]"):
        numtorch.onnx.export(nn.ReLU(), r(2), io.BytesIO())


MASK_CASES = {
    "where_compare": lambda s, x: numtorch.where(x > 0, x, x * 0.1),
    "masked_fill": lambda s, x: x.masked_fill(x < -0.5, 0.0) + (x == x).float(),
    "masked_fill_inplace": lambda s, x: (x * 1).masked_fill_(x.ge(0.2), -1.0),
    "logical": lambda s, x: ((x > 0) & (x < 1) | ~(x != x)).float(),
    "rounding": lambda s, x: (x * 3).floor() + (x * 3).ceil() + (x * 3).round() + x.sign(),
    "argmax": lambda s, x: (x.argmax(-1), x.argmin(dim=1, keepdim=True), x.argmax()),
    "prelu": lambda s, x: nn.functional.prelu(x, numtorch.tensor([0.1, 0.2, 0.3])),
}


@pytest.mark.parametrize("name", list(MASK_CASES))
def test_comparisons_masks_and_rounding(name):
    roundtrip(Fn(MASK_CASES[name]), r(2, 3, 4), r(3, 3, 4))


def test_values_read_from_the_input_are_refused():
    with pytest.raises(numtorch.onnx.errors.SymbolicValueError,
                       match=r"'Mul' in module 'model' depends on the traced input's values"):
        numtorch.onnx.export(Fn(lambda s, x: x * numtorch.tensor(x.numpy()[::-1].copy())),
                             r(2, 3), io.BytesIO())
    with pytest.raises(numtorch.onnx.errors.SymbolicValueError, match="values"):
        numtorch.onnx.export(Fn(lambda s, x: x * float(x[0, 0])), r(2, 3), io.BytesIO())


def test_tensors_sized_by_the_batch_are_refused_only_for_dynamic_axes():
    model = Fn(lambda s, x: x + numtorch.ones(x.size(0), 3))
    numtorch.onnx.export(model, r(2, 3), io.BytesIO())  # a static batch size: fine
    with pytest.raises(numtorch.onnx.errors.SymbolicValueError,
                       match=r"'Add' in module 'model' depends on the traced input's values or "
                             r"dynamic sizes through a constant input"):
        numtorch.onnx.export(model, r(2, 3), io.BytesIO(), input_names=["x"],
                             dynamic_axes={"x": {0: "batch"}})


def test_a_model_that_refuses_other_sizes_is_still_checked_on_values():
    pos = numtorch.randn(1, 4, 3)
    model = Fn(lambda s, x: x + pos)  # broadcasting only works for length 4
    roundtrip(model, r(2, 4, 3), r(3, 4, 3), dynamic={"in0": {0: "batch", 1: "length"}})


def test_training_mode_export_is_refused_for_batch_norm_statistics():
    model = nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3))
    with pytest.raises(numtorch.onnx.errors.UnsupportedOperatorError,
                       match=r"NativeBatchNorm' in module 'model\.1'.*training mode"):
        numtorch.onnx.export(model, r(4, 3), io.BytesIO(),
                             training=numtorch.onnx.TrainingMode.TRAINING)
    model.eval()
    proto = roundtrip(model, r(4, 3), r(2, 3), training=numtorch.onnx.TrainingMode.PRESERVE,
                      keep_initializers_as_inputs=True)
    names = [i.name for i in proto.graph.input]
    assert names[0] == "in0" and "1.running_mean" in names and "0.weight" in names


def test_verbose_prints_the_graph_and_unknown_dynamic_axes_warn(capsys):
    with pytest.warns(UserWarning, match="Provided key y for dynamic axes"):
        numtorch.onnx.export(nn.Linear(3, 2), r(4, 3), io.BytesIO(), verbose=True,
                             input_names=["x"], dynamic_axes={"x": [0], "y": [0]})
    out = capsys.readouterr().out
    assert "Gemm" in out and "fc" not in out and "x" in out


def test_uneven_adaptive_max_pool_is_refused_by_name():
    with pytest.raises(numtorch.onnx.errors.UnsupportedOperatorError,
                       match=r"'adaptive_max_pool' in module 'model'.*multiple"):
        numtorch.onnx.export(nn.AdaptiveMaxPool2d(3), r(1, 2, 7, 7), io.BytesIO())


def test_ops_of_other_threads_are_not_recorded():
    import threading

    stop = threading.Event()

    def busy():
        a = r(3, 3)
        while not stop.is_set():
            (a * 2).relu().sum()

    worker = threading.Thread(target=busy)
    worker.start()
    try:
        proto = roundtrip(nn.Sequential(nn.Linear(3, 3), nn.Tanh()), r(2, 3), r(4, 3))
    finally:
        stop.set()
        worker.join()
    assert op_types(proto) == ["Gemm", "Tanh"]


def test_transformer_with_a_padding_mask_input():
    model = nn.Transformer(8, 2, num_encoder_layers=1, num_decoder_layers=1,
                           dim_feedforward=16, batch_first=True)
    causal = nn.Transformer.generate_square_subsequent_mask(4)

    def forward(s, src, tgt, pad):
        return s.mods[0](src, tgt, tgt_mask=causal, src_key_padding_mask=pad)

    pad, pad2 = numtorch.zeros(2, 5, dtype=numtorch.bool), numtorch.zeros(3, 5,
                                                                          dtype=numtorch.bool)
    pad[0, 3:] = True
    pad2[1, 1:] = True
    pad2[2, 4] = True
    roundtrip(Fn(forward, model), (r(2, 5, 8), r(2, 4, 8), pad), (r(3, 5, 8), r(3, 4, 8), pad2))


def test_export_at_batch_size_one():
    """The usual idiom, an example of batch 1: the sizes that follow the batch are found by a
    second trace at batch 2, so a 1 from the batch is not mistaken for a constant."""
    numtorch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(8, 2, 16, batch_first=True)
    proto = roundtrip(layer, r(1, 5, 8), r(3, 5, 8))
    assert "Shape" in op_types(proto)
    roundtrip(load_example("transformer_classifier").RowTransformer(8, 8, 10), r(1, 8, 8),
              r(4, 8, 8))
    roundtrip(nn.MultiheadAttention(8, 2), (r(5, 1, 8), r(5, 1, 8), r(5, 1, 8)),
              (r(5, 3, 8), r(5, 3, 8), r(5, 3, 8)),
              dynamic={f"in{i}": {1: "batch"} for i in range(3)})
    model = load_example("char_lstm").CharLSTM(20, emb=8, hidden=16)
    roundtrip(model, numtorch.randint(0, 20, (7, 1)), numtorch.randint(0, 20, (7, 3)),
              dynamic={"in0": {1: "batch"}})


def test_a_parameter_expanded_to_the_batch_size():
    """A class token ``expand(x.size(0), -1, -1)``: the batch size is read from the graph
    input at run time."""
    class WithToken(nn.Module):
        def __init__(self):
            super().__init__()
            self.token = nn.Parameter(r(1, 1, 4))
            self.norm = nn.LayerNorm(4)

        def forward(self, x):
            tokens = self.token.expand(x.size(0), -1, -1)  # (N, 1, E)
            return self.norm(numtorch.cat([tokens, x], 1))[:, 0]

    proto = roundtrip(WithToken(), r(1, 3, 4), r(5, 3, 4))
    assert "Expand" in op_types(proto) and "Shape" in op_types(proto)


def test_output_dims_follow_the_dynamic_axes():
    model = Fn(lambda s, x: (x.flatten(1), x.sum((1, 2)), x[0], x.reshape(-1)))
    proto = roundtrip(model, r(1, 3, 4), r(2, 3, 4))
    dims = [[d.dim_param or d.dim_value for d in o.type.tensor_type.shape.dim]
            for o in proto.graph.output]
    assert dims == [["batch", 12], ["batch"], [3, 4], ["output_3_dim_0"]]
