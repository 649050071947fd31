"""``default_collate`` and ``default_convert`` against PyTorch's, over generated samples: tensors,
NumPy arrays and scalars, Python numbers, strings, bytes, and every container kind (dict and
its subclasses, custom Mappings, namedtuples, tuples, lists and list subclasses, custom
Sequences), nested. The container type of every level of the batch, every tensor's dtype,
shape and values, and the exception class must be PyTorch's."""

import collections
import collections.abc

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from torch.utils.data import default_collate as th_collate  # noqa: E402
from torch.utils.data import default_convert as th_convert  # noqa: E402

import numtorch  # noqa: E402
from numtorch.utils.data import default_collate as nt_collate  # noqa: E402
from numtorch.utils.data import default_convert as nt_convert  # noqa: E402

Point = collections.namedtuple("Point", ["x", "y"])


class FrozenMap(collections.abc.Mapping):
    """A read-only Mapping built from a dict."""

    def __init__(self, data):
        self._d = dict(data)

    def __getitem__(self, k):
        return self._d[k]

    def __iter__(self):
        return iter(self._d)

    def __len__(self):
        return len(self._d)


class TaggedDict(dict):
    """A dict subclass with an attribute (a clone keeps it)."""

    tag = "t"


class Seq(collections.abc.Sequence):
    """A read-only Sequence built from a list."""

    def __init__(self, items):
        self._l = list(items)

    def __getitem__(self, i):
        return self._l[i]

    def __len__(self):
        return len(self._l)


class TaggedList(list):
    tag = "t"


# leaf kinds: (name, make(lib, rng) -> value)
LEAVES = {
    "tensor_f32": lambda lib, r: lib.tensor(r.standard_normal(2).astype(np.float32)),
    "tensor_i64": lambda lib, r: lib.tensor(r.integers(0, 5, 3)),
    "tensor_0d": lambda lib, r: lib.tensor(float(r.standard_normal())),
    "ndarray_f64": lambda lib, r: r.standard_normal((2, 2)),
    "ndarray_i32": lambda lib, r: r.integers(0, 5, 2).astype(np.int32),
    "ndarray_0d": lambda lib, r: np.array(r.standard_normal(), dtype=np.float32),
    "np_float32": lambda lib, r: np.float32(r.standard_normal()),
    "np_int64": lambda lib, r: np.int64(r.integers(0, 9)),
    "np_bool": lambda lib, r: np.bool_(r.random() < 0.5),
    "float": lambda lib, r: float(r.standard_normal()),
    "int": lambda lib, r: int(r.integers(0, 9)),
    "bool": lambda lib, r: bool(r.random() < 0.5),
    "str": lambda lib, r: "s" + str(int(r.integers(0, 9))),
    "bytes": lambda lib, r: b"b",
    "ndarray_str": lambda lib, r: np.array(["a", "b"]),
    "none": lambda lib, r: None,
}
CONTAINERS = {
    "dict": lambda items: dict(items), "ordered": lambda items: collections.OrderedDict(items),
    "defaultdict": lambda items: collections.defaultdict(int, items),
    "tagged_dict": lambda items: TaggedDict(items), "frozen_map": lambda items: FrozenMap(items),
    "namedtuple": lambda items: Point(items[0][1], items[1][1]) if len(items) == 2 else
    tuple(v for _, v in items),
    "tuple": lambda items: tuple(v for _, v in items),
    "list": lambda items: [v for _, v in items],
    "tagged_list": lambda items: TaggedList(v for _, v in items),
    "seq": lambda items: Seq(v for _, v in items),
}

# a sample's structure: a leaf name, or (container name, [children])
structure = st.recursive(
    st.sampled_from(sorted(LEAVES)),
    lambda kids: st.tuples(st.sampled_from(sorted(CONTAINERS)), st.lists(kids, min_size=2,
                                                                          max_size=2)),
    max_leaves=4)


def _build(lib, spec, r):
    if isinstance(spec, str):
        return LEAVES[spec](lib, r)
    kind, children = spec
    return CONTAINERS[kind]([(f"k{i}", _build(lib, c, r)) for i, c in enumerate(children)])


def _describe(x):
    """A comparable description: container types by name, tensors by dtype/shape/values."""
    if isinstance(x, (numtorch.Tensor, torch.Tensor)):
        return ("tensor", str(x.dtype).split(".")[-1], tuple(x.shape),
                np.asarray(x.detach().numpy() if isinstance(x, torch.Tensor) else x.numpy(),
                           dtype=object).tolist())
    if isinstance(x, collections.abc.Mapping):
        return (type(x).__name__, getattr(x, "tag", None),
                tuple((k, _describe(v)) for k, v in x.items()))
    if isinstance(x, (list, tuple, collections.abc.Sequence)) and not isinstance(x, (str,
                                                                                   bytes)):
        return (type(x).__name__, getattr(x, "tag", None), tuple(_describe(v) for v in x))
    if isinstance(x, np.ndarray):
        return ("ndarray", str(x.dtype), x.tolist())
    return (type(x).__name__, x)


def _run(fn, batch):
    try:
        return "ok", _describe(fn(batch))
    except Exception as e:  # noqa: BLE001 - the exception class is compared
        return "raises", type(e).__name__


@settings(max_examples=150, deadline=None)
@given(structure, st.integers(1, 3), st.integers(0, 2 ** 16))
def test_default_collate_matches_pytorch(spec, n, seed):
    nt_batch = [_build(numtorch, spec, np.random.default_rng(seed + i)) for i in range(n)]
    th_batch = [_build(torch, spec, np.random.default_rng(seed + i)) for i in range(n)]
    assert _run(nt_collate, nt_batch) == _run(th_collate, th_batch)


@settings(max_examples=100, deadline=None)
@given(structure, st.integers(0, 2 ** 16))
def test_default_convert_matches_pytorch(spec, seed):
    nt_sample = _build(numtorch, spec, np.random.default_rng(seed))
    th_sample = _build(torch, spec, np.random.default_rng(seed))
    assert _run(nt_convert, nt_sample) == _run(th_convert, th_sample)
