"""The TensorBoard graph of a model (``numtorch.utils.tensorboard._graph.graph_def``): nodes
named by module scope, op names, edges, output shapes, parameters and IO nodes."""

import pytest

import numtorch
from numtorch import nn

pytest.importorskip("tensorboard")

from numtorch.utils.tensorboard._graph import graph_def  # noqa: E402


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3, padding=1)
        self.act = nn.ReLU()

    def forward(self, x):
        return self.act(self.conv(x))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(Block(), nn.MaxPool2d(2))
        self.fc = nn.Linear(8, 3)

    def forward(self, x):
        return self.fc(self.features(x).flatten(1))


def shapes(node):
    return [[d.size for d in s.dim] for s in node.attr["_output_shapes"].list.shape]


def test_nodes_scopes_edges_and_shapes():
    model = Net()
    model.train()
    g = graph_def(model, numtorch.randn(5, 1, 4, 4))
    nodes = {n.name: n for n in g.node}
    assert model.training  # traced in eval mode, then restored
    ops = [(n.name, n.op) for n in g.node if n.op not in ("IO Node", "Parameter", "Constant")]
    assert [op for _, op in ops] == ["Conv", "Relu", "MaxPool", "Reshape", "Linear"]
    conv, relu, pool, flat, fc = [name for name, _ in ops]
    assert conv == "Net/Sequential[features]/Block[0]/Conv2d[conv]/Conv_0"
    assert relu == "Net/Sequential[features]/Block[0]/ReLU[act]/Relu_1"
    assert pool == "Net/Sequential[features]/MaxPool2d[1]/MaxPool_2"
    assert flat == "Net/Reshape_3" and fc == "Net/Linear[fc]/Linear_4"
    assert list(nodes[conv].input) == ["input/x",
                                       "Net/Sequential[features]/Block[0]/Conv2d[conv]/weight",
                                       "Net/Sequential[features]/Block[0]/Conv2d[conv]/bias"]
    assert list(nodes[relu].input) == [conv]
    assert list(nodes[fc].input) == [flat, "Net/Linear[fc]/weight", "Net/Linear[fc]/bias"]
    assert shapes(nodes["input/x"]) == [[5, 1, 4, 4]]
    assert shapes(nodes[conv]) == [[5, 2, 4, 4]]
    assert shapes(nodes[pool])[0] == [5, 2, 2, 2]
    assert shapes(nodes[fc]) == [[5, 3]]
    assert shapes(nodes["Net/Linear[fc]/weight"]) == [[3, 8]]
    assert nodes["output/output.0"].op == "IO Node"
    assert list(nodes["output/output.0"].input) == [fc]
    assert b"stride" in nodes[conv].attr["attr"].s
    assert all(n.device == "/device:CPU:0" for n in g.node)


def test_multi_output_ops_and_constants(capsys):
    class Two(nn.Module):
        def forward(self, x):
            a, b = x.split([1, 2], 1)
            return b * numtorch.tensor([2.0, 3.0]) + a

    g = graph_def(Two(), (numtorch.randn(2, 3),), verbose=True)
    nodes = {n.name: n for n in g.node}
    assert shapes(nodes["Two/Split_0"]) == [[2, 1], [2, 2]]
    mul = next(n for n in g.node if n.op == "Mul")
    assert mul.input[0] == "Two/Split_0:1" and nodes[mul.input[1]].op == "Constant"
    assert nodes[mul.input[1]].attr["attr"].s == b"float32 [2., 3.]"
    add = next(n for n in g.node if n.op == "Add")
    assert list(add.input) == [mul.name, "Two/Split_0"]
    assert "Two/Split_0: Split(input/x)" in capsys.readouterr().out


def test_graph_is_readable_by_tensorboard(tmp_path):
    """The GraphDef goes through TensorBoard's own event writer and back."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    g = graph_def(Net(), numtorch.randn(1, 1, 4, 4))
    writer = EventFileWriter(str(tmp_path))
    writer.add_event(Event(graph_def=g.SerializeToString()))
    writer.close()
    acc = EventAccumulator(str(tmp_path))
    acc.Reload()
    back = acc.Graph()
    assert [n.name for n in back.node] == [n.name for n in g.node]
