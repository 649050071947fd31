"""The package's layers import only downwards, and no module-level import cycle exists.

Two checks. The static one reads every module's imports (``ast``): those at module level (they
run when the module loads) and those deferred into function bodies (they run on a call). The
dynamic one imports each layer's modules alone, in a fresh interpreter and in dependency order,
and fails on an import cycle (a half-initialized module) or on a module of a higher layer
being loaded. ``LAYERS`` is the layer list of docs/architecture.md, lowest first.
"""

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "numtorch"

# Lowest first. A module belongs to the layer of the longest prefix that names it.
LAYERS = [
    # dtypes, layouts, grad mode, flags: plain Python and NumPy, no tensors
    ("base", ["numtorch._dtype", "numtorch._layout", "numtorch._determinism", "numtorch._threads",
              "numtorch._allocator", "numtorch.return_types",
              "numtorch._device", "numtorch._warnings"]),
    # the tensor and its autograd: Function/Node, the engine, gradcheck. They know each other
    # (the engine builds tensors, ``Tensor.backward`` runs the engine), so they are one layer;
    # the tensor type reaches the autograd modules at load time through ``function.Tensor``.
    ("core", ["numtorch.autograd", "numtorch._tensor", "numtorch._tensor_str",
              "numtorch._shared_memory", "numtorch._legacy_tensor"]),
    # the differentiable primitives, creation and random numbers
    ("ops", ["numtorch.ops", "numtorch._creation", "numtorch._random"]),
    # the Tensor methods bound onto Tensor, and torch's function namespaces
    ("namespaces", ["numtorch._tensor_methods", "numtorch.linalg", "numtorch.special",
                    "numtorch.amp", "numtorch.cuda", "numtorch.backends", "numtorch.accelerator",
                    "numtorch.testing"]),
    # torch.distributed's collectives on MPI: tensors in, tensors out
    ("distributed", ["numtorch.distributed"]),
    ("nn.functional", ["numtorch.nn.functional", "numtorch.nn.init", "numtorch.nn.parameter"]),
    ("nn", ["numtorch.nn", "numtorch.distributions"]),
    # files: PyTorch's formats and safetensors (a Parameter is rebuilt as one: above nn)
    ("serialization", ["numtorch.serialization", "numtorch._torch_format",
                       "numtorch._torch_storage", "numtorch._weights_only_unpickler",
                       "numtorch._safetensors_format", "numtorch.hub",
                       "numtorch.multiprocessing"]),
    ("optim", ["numtorch.optim"]),
    ("utils", ["numtorch.utils", "numtorch.onnx", "numtorch.metrics", "numtorch.classic"]),
    ("vision", ["numtorch.vision"]),
    # the top: the package namespace, the import hook and the command
    ("application", ["numtorch", "numtorch._import_hook", "numtorch.cli", "numtorch.__main__"]),
]

# Deferred imports (in a function body) that reach a higher layer. The tensor's methods that
# are ops (``x.clone()``, ``x.to(dtype)``, ``x.backward()``) reach up from ``numtorch._tensor``
# on purpose: that is how Tensor methods reach the ops (see docs/architecture.md).
TENSOR_MODULE = "numtorch._tensor"

# Known upward reaches, to be removed (then deleted here: the test fails on a stale entry).
KNOWN_UPWARD = {
    # ``empty(0)`` for ``Variable()`` without data
    ("numtorch.autograd.variable", "numtorch._creation"): "Variable(data)",
    # ``import numtorch`` in a function body: the whole namespace, at call time
    ("numtorch.distributed._bootstrap", "numtorch"): "a rank's program runs on numtorch",
    ("numtorch.onnx._export", "numtorch"): "the tracer patches numtorch's functions",
    ("numtorch.onnx._trace", "numtorch"): "the tracer patches numtorch's functions",
}

# Known cycles through deferred imports (sets of modules), to be broken in the same way.
KNOWN_CYCLES = []

def _module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer_of(module):
    best, index = "", None
    for i, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > len(best):
                best, index = prefix, i
    return index


def _resolve(name, module, level):
    """The absolute numtorch module an import statement names (None for other packages)."""
    if level:
        base = module.split(".")
        if MODULES[module].name != "__init__.py":
            base = base[:-1]
        base = base[:len(base) - (level - 1)]
        name = ".".join(base + ([name] if name else []))
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name if name.startswith("numtorch") else None


def _imports(module):
    """(module-level imports, deferred imports) of one module, as sets of module names."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found = (set(), set())

    def visit(node, deferred):
        for child in ast.iter_child_nodes(node):
            inner = deferred or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                   ast.Lambda))
            names = []
            if isinstance(child, ast.Import):
                names = [_resolve(a.name, module, 0) for a in child.names]
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                for a in child.names:
                    full = f"{base}.{a.name}" if base else a.name
                    target = _resolve(full, module, child.level)
                    names.append(target if target and target != module else
                                 _resolve(base, module, child.level))
            for name in names:
                if name and name != module:
                    found[inner].add(name)
            visit(child, inner)

    visit(tree, False)
    return found


def _with_parents(module, names):
    """Importing ``a.b.c`` runs ``a.b``'s ``__init__`` too, unless ``a.b`` is the importer's
    own package (already loading). ``numtorch``'s own ``__init__`` is left out: it is the top,
    the namespace that gathers everything."""
    own = {module.rsplit(".", i)[0] for i in range(module.count(".") + 1)}
    out = set()
    for name in names:
        parts = name.split(".")
        out.update(".".join(parts[:i]) for i in range(2, len(parts) + 1))
    return out - own


GRAPH = {m: _imports(m) for m in MODULES}


def test_every_module_has_a_layer():
    assert [m for m in MODULES if layer_of(m) is None] == []


def _find_cycle(edges):
    """One cycle of a directed graph as a list of nodes, or None (iterative DFS)."""
    state = {}
    for start in edges:
        if start in state:
            continue
        stack = [(start, iter(sorted(edges[start])))]
        state[start] = "open"
        while stack:
            node, children = stack[-1]
            for child in children:
                if state.get(child) == "open":
                    path = [n for n, _ in stack]
                    return path[path.index(child):] + [child]
                if child not in state and child in edges:
                    state[child] = "open"
                    stack.append((child, iter(sorted(edges[child]))))
                    break
            else:
                state[node] = "done"
                stack.pop()
    return None


def test_no_module_level_cycle():
    edges = {m: _with_parents(m, top) for m, (top, _) in GRAPH.items()}
    cycle = _find_cycle(edges)
    assert cycle is None, "module-level import cycle: " + " -> ".join(cycle)


def test_module_level_imports_point_down():
    bad = [f"{m} (layer {LAYERS[layer_of(m)][0]}) imports {t} (layer {LAYERS[layer_of(t)][0]})"
           for m, (top, _) in GRAPH.items() for t in sorted(_with_parents(m, top))
           if layer_of(t) > layer_of(m)]
    assert bad == []


def _upward_deferred():
    return {(m, t) for m, (_, deferred) in GRAPH.items() for t in deferred
            if layer_of(t) > layer_of(m) and m != TENSOR_MODULE}


def test_deferred_imports_point_down():
    new = [f"{m} (layer {LAYERS[layer_of(m)][0]}) reaches up to {t} "
           f"(layer {LAYERS[layer_of(t)][0]})"
           for m, t in sorted(_upward_deferred() - set(KNOWN_UPWARD))]
    assert new == []
    assert sorted(set(KNOWN_UPWARD) - _upward_deferred()) == [], "stale KNOWN_UPWARD entries"


def _cycles(edges):
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in edges:
                    continue
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(frozenset(component))
    return found


def _call_graph():
    """Module-level and deferred imports, without the tensor's methods and without the reaches
    to the top namespace (``import numtorch`` in a function; KNOWN_UPWARD lists them)."""
    return {m: (top | (deferred if m != TENSOR_MODULE else set())) - {"numtorch"}
            for m, (top, deferred) in GRAPH.items()}


def test_no_cycle_through_deferred_imports():
    """With the tensor's methods set aside, no two modules reach each other even on a call:
    each pair of families is one-way (known cycles excepted, each to be broken)."""
    found = set(_cycles(_call_graph()))
    known = {frozenset(c) for c in KNOWN_CYCLES}
    assert [sorted(c) for c in found - known] == []
    assert [sorted(c) for c in known - found] == [], "stale KNOWN_CYCLES entries"


def test_named_cycles_are_broken():
    """The three cycles the architecture pass broke stay broken."""
    edges = _call_graph()
    for a, b in [("numtorch.autograd.engine", "numtorch.ops._broadcast"),
                 ("numtorch.ops.elementwise", "numtorch.ops.indexing"),
                 ("numtorch.linalg", "numtorch.ops.linalg")]:
        assert not any(a in c and b in c for c in _cycles(edges)), (a, b)
    assert "numtorch.ops" not in {t.rpartition(".")[0] for t in
                                  GRAPH["numtorch.autograd.engine"][0] |
                                  GRAPH["numtorch.autograd.engine"][1]}


_IMPORT_LAYER = textwrap.dedent("""
    import importlib, sys, types
    # numtorch/__init__.py gathers every layer: a bare package object stands in for it, so
    # that importing a submodule runs only what that submodule needs.
    root = types.ModuleType("numtorch")
    root.__path__ = [{package!r}]
    sys.modules["numtorch"] = root
    for name in {modules!r}:
        importlib.import_module(name)
    print("\\n".join(sorted(m for m in sys.modules if m.startswith("numtorch."))))
""")


def _layer_modules(index):
    return [m for m in MODULES if layer_of(m) == index and m != "numtorch"]


@pytest.fixture(scope="module")
def layer_imports():
    """One fresh interpreter per layer (the top excepted: nothing is above it), all started at
    once; ``{index: CompletedProcess-like (returncode, stdout, stderr)}``."""
    procs = {}
    for index in range(len(LAYERS) - 1):
        code = _IMPORT_LAYER.format(package=str(PACKAGE), modules=_layer_modules(index))
        procs[index] = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    results = {}
    for index, proc in procs.items():
        out, err = proc.communicate(timeout=300)
        results[index] = (proc.returncode, out, err)
    return results


@pytest.mark.parametrize("index", range(len(LAYERS) - 1), ids=[n for n, _ in LAYERS[:-1]])
def test_layer_imports_alone(index, layer_imports):
    returncode, out, err = layer_imports[index]
    assert returncode == 0, err
    loaded = out.split()
    # A package's ``__init__`` (``numtorch.nn``) loads its submodules: importing
    # ``numtorch.nn.functional`` runs it, so the package's other modules come along.
    packages = {".".join(m.split(".")[:2]) for m in _layer_modules(index)}
    above = [m for m in loaded if m in MODULES and layer_of(m) > index
             and ".".join(m.split(".")[:2]) not in packages]
    assert above == [], f"importing layer {LAYERS[index][0]} loaded higher layers: {above}"
