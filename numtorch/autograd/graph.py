"""Draw the computational graph behind a tensor as Graphviz dot text.

    dot = numtorch.autograd.graph.to_dot(loss, params=dict(model.named_parameters()))
    open("graph.dot", "w").write(dot)        # then: dot -Tsvg graph.dot -o graph.svg

Blue boxes are leaves (with their names from ``params`` and their shapes), grey boxes the
backward nodes (``MulBackward0``...), the green box the tensor the graph was drawn from.
"""

__all__ = ["to_dot", "Node"]

from numtorch.autograd.function import Node


def _shape(t):
    return "(" + ", ".join(map(str, t.shape)) + ")"


def to_dot(tensor, params=None, show_saved=False):
    """The graph that produced ``tensor`` (or a list of tensors) in dot syntax."""
    from numtorch.autograd.engine import AccumulateGrad

    roots = tensor if isinstance(tensor, (list, tuple)) else [tensor]
    names = {id(p): n for n, p in (params or {}).items()}
    lines = ["digraph {", '  graph [rankdir=BT, fontsize=12];',
             '  node [shape=box, style=filled, fontname="monospace", fontsize=10];']
    seen = set()

    def node_id(n):
        return f"n{id(n)}"

    def visit(node):
        if node is None or node in seen:
            return
        seen.add(node)
        if isinstance(node, AccumulateGrad):
            var = node.variable
            label = names.get(id(var), "") if var is not None else ""
            if var is not None:
                label = (label + "\\n" if label else "") + _shape(var)
            lines.append(f'  {node_id(node)} [label="{label}", fillcolor=lightblue];')
        else:
            lines.append(f'  {node_id(node)} [label="{node.name()}", fillcolor=lightgrey];')
        for child, _ in node.next_functions:
            if child is not None:
                visit(child)
                lines.append(f"  {node_id(child)} -> {node_id(node)};")

    for k, t in enumerate(roots):
        rid = f"root{k}"
        lines.append(f'  {rid} [label="{_shape(t)}", fillcolor=darkolivegreen1];')
        fn = t.grad_fn
        if fn is None and t.requires_grad:
            fn = t._get_accumulator()
        if fn is not None:
            visit(fn)
            lines.append(f"  {node_id(fn)} -> {rid};")
    lines.append("}")
    return "\n".join(lines) + "\n"
