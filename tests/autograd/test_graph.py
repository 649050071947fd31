"""``numtorch.autograd.graph.to_dot``: the graph behind a tensor as Graphviz dot text."""

import re

import numtorch
from numtorch.autograd.graph import to_dot


def _nodes_and_edges(dot):
    nodes = dict(re.findall(r'^\s+(\w+) \[label="([^"]*)"', dot, re.M))
    edges = re.findall(r"^\s+(\w+) -> (\w+);", dot, re.M)
    return nodes, edges


def test_structure_of_small_graph():
    w = numtorch.ones(2, 3, requires_grad=True)
    b = numtorch.zeros(3, requires_grad=True)
    x = numtorch.ones(2, 3)
    loss = (w * x + b).sum()
    dot = to_dot(loss, params={"weight": w, "bias": b})
    assert dot.startswith("digraph {") and dot.rstrip().endswith("}")
    nodes, edges = _nodes_and_edges(dot)
    by_label = {label: nid for nid, label in nodes.items()}
    assert set(nodes.values()) == {"()", "SumBackward0", "AddBackward0", "MulBackward0",
                                   "weight\\n(2, 3)", "bias\\n(3)"}
    expected = {(by_label["weight\\n(2, 3)"], by_label["MulBackward0"]),
                (by_label["MulBackward0"], by_label["AddBackward0"]),
                (by_label["bias\\n(3)"], by_label["AddBackward0"]),
                (by_label["AddBackward0"], by_label["SumBackward0"]),
                (by_label["SumBackward0"], by_label["()"])}
    assert set(edges) == expected and len(edges) == len(expected)


def test_shared_subgraph_drawn_once():
    x = numtorch.ones(3, requires_grad=True)
    h = x.exp()
    y = h * h + h
    nodes, edges = _nodes_and_edges(to_dot(y))
    assert list(nodes.values()).count("ExpBackward0") == 1
    exp_id = next(k for k, v in nodes.items() if v == "ExpBackward0")
    mul_id = next(k for k, v in nodes.items() if v == "MulBackward0")
    # Mul uses h twice: two edges, as the graph has two inputs there
    assert edges.count((exp_id, mul_id)) == 2


def test_unnamed_leaf_and_several_roots():
    x = numtorch.ones(2, requires_grad=True)
    a, b = x * 2, x * 3
    nodes, edges = _nodes_and_edges(to_dot([a, b]))
    assert "(2)" in nodes.values()
    roots = [k for k in nodes if k.startswith("root")]
    assert len(roots) == 2
    leaf_only = to_dot(x)
    assert "AccumulateGrad" not in leaf_only and "(2)" in leaf_only


def test_tensor_outside_graph():
    nodes, edges = _nodes_and_edges(to_dot(numtorch.ones(2)))
    assert list(nodes.values()) == ["(2)"] and edges == []
