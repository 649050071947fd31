"""API signature parity with PyTorch.

For every public name that PyTorch and numtorch both provide in the namespaces below, every
parameter of PyTorch's signature must be accepted by numtorch's: the same name (or a
``**kwargs``), keyword-only parameters accepted by keyword, positional ones at the same
position, and the same default. PyTorch's Python callables give ``inspect.signature``; its C
functions and Tensor methods are read from the signature lines of their docstrings (every
overload: ``max(input)``, ``max(input, dim, keepdim=False, *, out=None)``).

Names PyTorch has and numtorch lacks are listed as a warning in the test output, not failed.
"""

import ast
import inspect
import re
import warnings

import pytest

torch = pytest.importorskip("torch")

import numtorch  # noqa: E402


def _public(module):
    names = getattr(module, "__all__", None) or dir(module)
    return sorted(n for n in names if not n.startswith("_"))


def _class_init(cls):
    return cls.__init__


NAMESPACES = [
    # (label, torch namespace, numtorch namespace, kind): kind "func" compares callables,
    # "class" compares constructors
    ("torch", torch, numtorch, "func"),
    ("torch.Tensor", torch.Tensor, numtorch.Tensor, "method"),
    ("torch.nn.functional", torch.nn.functional, numtorch.nn.functional, "func"),
    ("torch.nn", torch.nn, numtorch.nn, "class"),
    ("torch.optim", torch.optim, numtorch.optim, "class"),
    ("torch.optim.lr_scheduler", torch.optim.lr_scheduler, numtorch.optim.lr_scheduler,
     "class"),
    ("torch.utils.data", torch.utils.data, numtorch.utils.data, "any"),
    ("torch.linalg", torch.linalg, numtorch.linalg, "func"),
    ("torch.autograd", torch.autograd, numtorch.autograd, "any"),
]

# Parameters of PyTorch's signatures that make no sense without its backends (devices other
# than the CPU, memory layouts and formats, pinned memory, sparse gradients, named tensors,
# CUDA graphs, compiled/fused kernels): numtorch need not accept them.
BACKEND_PARAMS = {
    "layout", "pin_memory", "memory_format", "names", "non_blocking", "device_type",
    "capturable", "fused", "differentiable", "_stacklevel", "generator_device",
    "in_order", "pin_memory_device", "_reduction",
    "out_dtype",  # mm/bmm/addmm's low-precision accumulation switch (accelerators)
}

# Signatures of other work or deprecated names, each with its reason.
EXEMPT = {
    "torch.save": "the file format is the serialization module's (pickle_module, byte order)",
    "torch.autograd.backward": "grad_variables is PyTorch's deprecated name for grad_tensors",
}
# Defaults PyTorch writes as names of its own objects: compared by name.
_NAMED_DEFAULTS = {"torch.strided", "torch.preserve_format", "torch.contiguous_format"}

_PARAM = re.compile(r"^\s*(\*{0,2}[A-Za-z_][A-Za-z0-9_]*|\*)\s*(?::[^=]*)?(?:=\s*(.+))?$")


def _split_top(text):
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return parts


def _balanced(text):
    """The text up to the parenthesis closing an already opened one (None if it does not)."""
    depth = 1
    for i, ch in enumerate(text):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0:
            return text[:i]
    return None


_NO_DEFAULT = object()
_UNPARSED = object()


def _literal(text):
    text = text.strip()
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        if text.startswith("torch."):
            return text
        return _UNPARSED


def _doc_signatures(obj, name):
    """[(params)] from the ``name(...)`` lines of a C function's docstring: each param a
    (name, kind, default) with kind one of positional, keyword, var."""
    doc = getattr(obj, "__doc__", None) or ""
    sigs = []
    short = name.split(".")[-1]
    pat = re.compile(r"^\s*(?:\.\. (?:function|method):: )?(?:[\w.]*\.)?" + re.escape(short) +
                     r"\(")
    for line in doc.splitlines():
        m = pat.match(line)
        if not m:
            continue
        inner = _balanced(line[m.end():])
        if inner is None or not re.match(r"^\s*(->.*)?$", line[m.end() + len(inner) + 1:]):
            continue
        params, kw = [], False
        for part in _split_top(inner):
            pm = _PARAM.match(part)
            if pm is None:
                break
            pname, default = pm.group(1), pm.group(2)
            if pname == "*":
                kw = True
                continue
            if pname.startswith("*"):
                params.append((pname.lstrip("*"), "var", _NO_DEFAULT))
                continue
            params.append((pname, "keyword" if kw else "positional",
                           _NO_DEFAULT if default is None else _literal(default)))
        else:
            sigs.append(params)
    return sigs


def _py_signature(obj):
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    params = []
    for p in sig.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            params.append((p.name, "var", _NO_DEFAULT))
            continue
        if p.kind == p.POSITIONAL_ONLY:
            continue
        kind = "keyword" if p.kind == p.KEYWORD_ONLY else "positional"
        params.append((p.name, kind, _NO_DEFAULT if p.default is p.empty else p.default))
    return params


def _schema_names(name, label):
    """The argument names PyTorch's argument parser accepts for a C function, from its operator
    schemas (``self`` is ``input``; written-to outputs are ``out``). None without a schema."""
    prefix = "aten::linalg_" if label.endswith("linalg") else "aten::"
    try:
        schemas = torch._C._jit_get_schemas_for_operator(prefix + name)
    except RuntimeError:
        return None
    names = set()
    for schema in schemas:
        for a in schema.arguments:
            if a.alias_info is not None and a.alias_info.is_write and a.kwarg_only:
                names.add("out")
            else:
                names.add("input" if a.name == "self" else a.name)
    return names or None


def _torch_signatures(obj, name, label):
    sig = _py_signature(obj)
    if sig is not None and not (len(sig) == 2 and all(k == "var" for _, k, _ in sig)):
        return [sig]
    # A C function: its docstring's signature lines, keeping the names its operator schemas
    # confirm (docstrings sometimes show stale names: ``div(value)``, ``fmod(divisor)``).
    sigs = _doc_signatures(obj, name)
    known = _schema_names(name, label)
    if known is None:
        known = {p[0] for sig in sigs for p in sig} - _TYPE_WORDS
    # unconfirmed names keep their place (positions) but are not required
    return [[p if p[0] in known else (p[0], p[1], p[2], "unconfirmed") for p in sig]
            for sig in sigs]


# arange(end) / arange(start, end): one Python signature covers both overloads
_OVERLOADED_DEFAULTS = {("torch.arange", "start"), ("torch.range", "start")}

# Type names that docstrings of schema-less functions show in place of parameter names
_TYPE_WORDS = {"int", "float", "bool", "Tensor", "LongTensor", "str"}

# Defaults that differ in spelling but not in effect (each: PyTorch's sentinel is resolved to
# numtorch's value by the function itself), or that numtorch chooses differently on purpose.
EQUIVALENT_DEFAULTS = {
    ("dim", None, ()), ("correction", 1, None), ("dtype", "torch.int64", None),
    ("dtype", "torch.long", None), ("device", "cpu", None), ("indexing", None, "ij"),
    ("requires_grad", None, False), ("dim", None, -1), ("dim", -1, None),
    # max_poolNd_with_indices always return the indices, whatever the flag says
    ("return_indices", False, True),
    # numtorch's gradcheck chooses the fast mode for large inputs unless told (NOTE in its
    # docstring); PyTorch's default is the slow mode
    ("fast_mode", False, None),
}


def _same_default(a, b, name=None):
    if (name, a if not isinstance(a, (list, dict)) else tuple(a), b) in EQUIVALENT_DEFAULTS:
        return True
    if callable(a) and callable(b) and not isinstance(a, type):
        return getattr(a, "__name__", None) == getattr(b, "__name__", None)
    if type(a).__name__ == "Generator" and (b is None or type(b).__name__ == "Generator"):
        return True  # the default generator
    if a is _UNPARSED or isinstance(a, str) and a in _NAMED_DEFAULTS:
        return True
    if isinstance(a, str) and a.startswith("torch."):
        return str(b).split(".")[-1] == a.split(".")[-1]
    if isinstance(a, (torch.dtype, torch.device)) or type(a).__module__.startswith("torch"):
        return str(b).split(".")[-1] == str(a).split(".")[-1]
    try:
        return bool(a == b) and type(a) in (type(b), bool, int, float) or (
            isinstance(a, (list, tuple)) and list(a) == list(b))
    except Exception:  # noqa: BLE001 - an incomparable default is not a mismatch
        return True


def check_signature(label, torch_sigs, nt_obj, is_method):
    """Mismatches between every PyTorch overload and numtorch's callable."""
    if label in EXEMPT:
        return []
    if is_method:  # some Tensor docstrings spell the tensor itself as a first ``input``
        torch_sigs = [s[1:] if s and s[0][0] == "input" else s for s in torch_sigs]
    nt = inspect.signature(nt_obj)
    nparams = [p for p in nt.parameters.values() if p.kind != p.POSITIONAL_ONLY and
               p.name not in BACKEND_PARAMS]
    if is_method and nparams and nparams[0].name in ("self", "input") and \
            nparams[0].kind != nparams[0].VAR_POSITIONAL:
        nparams = nparams[1:]
    by_name = {p.name: p for p in nparams}
    var_kw = any(p.kind == p.VAR_KEYWORD for p in nparams)
    var_pos = [i for i, p in enumerate(nparams) if p.kind == p.VAR_POSITIONAL]
    positional = [p for p in nparams if p.kind == p.POSITIONAL_OR_KEYWORD]
    problems = []
    for k, params in enumerate(torch_sigs):
        pos_index = 0
        for name, kind, default, *unconfirmed in params:
            if kind == "var":
                continue
            if unconfirmed:
                pos_index += kind == "positional"
                continue
            if name == "from":  # a Python keyword: only positional, numtorch's ``from_``
                pos_index += 1
                continue
            if name in BACKEND_PARAMS or name == "self":
                continue
            p = by_name.get(name)
            if kind == "positional":
                # the first overload fixes the positions (later ones may differ by design)
                if k == 0 and pos_index < len(positional) and p is not None and (
                        not var_pos or var_pos[0] > pos_index) and \
                        positional[pos_index].name != name:
                    problems.append(f"{label}: parameter {name!r} is at position "
                                    f"{positional.index(p) if p in positional else None}, "
                                    f"PyTorch's at {pos_index}")
                pos_index += 1
            if p is None:
                if not var_kw and not (kind == "positional" and var_pos):
                    problems.append(f"{label}: no parameter {name!r}")
                continue
            if p.kind == p.VAR_POSITIONAL:
                continue
            if default is _NO_DEFAULT:
                continue
            if p.default is p.empty:
                if (label, name) not in _OVERLOADED_DEFAULTS:
                    problems.append(f"{label}: {name!r} has no default, PyTorch's is "
                                    f"{default!r}")
            elif not _same_default(default, p.default, name):
                problems.append(f"{label}: {name!r} defaults to {p.default!r}, PyTorch's to "
                                f"{default!r}")
    return problems


def _walk(label, th_ns, nt_ns, kind):
    problems, missing = [], []
    names = _public(th_ns) if kind != "method" else sorted(
        n for n in dir(th_ns) if not n.startswith("_"))
    for name in names:
        th_obj = getattr(th_ns, name, None)
        if th_obj is None or not callable(th_obj) or isinstance(th_obj, type(torch)):
            continue
        if kind == "class" and not isinstance(th_obj, type):
            continue
        if kind == "func" and isinstance(th_obj, type):
            continue
        nt_obj = getattr(nt_ns, name, None)
        if nt_obj is None:
            missing.append(name)
            continue
        if not callable(nt_obj):
            continue
        is_class = isinstance(th_obj, type)
        th_target = _class_init(th_obj) if is_class else th_obj
        nt_target = _class_init(nt_obj) if is_class and isinstance(nt_obj, type) else nt_obj
        sigs = _torch_signatures(th_target, name, label)
        if is_class and sigs:
            sigs = [[p for p in s if p[0] != "self"] for s in sigs]
        if not sigs:
            continue
        try:
            inspect.signature(nt_target)
        except (TypeError, ValueError):
            continue
        problems += check_signature(f"{label}.{name}", sigs, nt_target,
                                    is_method=kind == "method" or is_class)
    return problems, missing


@pytest.mark.parametrize("label,th_ns,nt_ns,kind", NAMESPACES, ids=[n[0] for n in NAMESPACES])
def test_signatures_match_pytorch(label, th_ns, nt_ns, kind):
    problems, missing = _walk(label, th_ns, nt_ns, kind)
    if missing:
        warnings.warn(f"{label}: {len(missing)} public names of PyTorch that numtorch does not "
                      f"provide: {', '.join(missing)}", UserWarning, stacklevel=1)
    assert not problems, "\n".join(problems)


def test_the_checker_finds_mismatches():
    def good(input, other, *, alpha=1, out=None):
        pass

    def renamed(input, tensor, *, alpha=1, out=None):
        pass

    def wrong_default(input, other, *, alpha=2, out=None):
        pass

    sigs = _doc_signatures(torch.add, "add")
    assert sigs and [p[0] for p in sigs[0]] == ["input", "other", "alpha", "out"]
    assert check_signature("add", sigs, good, False) == []
    assert any("no parameter 'other'" in p for p in check_signature("add", sigs, renamed,
                                                                    False))
    assert any("defaults to 2" in p for p in check_signature("add", sigs, wrong_default, False))
