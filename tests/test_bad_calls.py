"""A table of bad calls across the whole library, each compared with PyTorch.

Every row is one call written once as ``fn(lib)``, where ``lib`` is ``numtorch`` or ``torch``,
with the exception class both must raise and a substring of numtorch's message naming the
offending value, shape or dtype. The test always checks numtorch's class and message; when torch
is importable it also runs the row on torch and checks that numtorch's exception is an instance
of torch's class (or, for torch's own C++ classes such as ``torch._C._LinAlgError``, of a class
with the same name and builtin base), as code catching PyTorch's exception would need.

Rows cover distinct checks (not variations of one): creation, indexing, shape ops, reductions,
elementwise, autograd, linalg, random, Tensor methods, devices, nn.functional, nn modules,
optim and lr_scheduler, utils.data, vision, distributions and serialization.
"""

import builtins
import importlib
import io
import pickle
import zipfile

import numpy as np
import pytest

import numtorch

try:
    import torch
except ImportError:
    torch = None


class _NoReference(Exception):
    """The reference library lacks the package a row needs (torchvision next to torch)."""


def _vision(lib):
    if lib is numtorch:
        return importlib.import_module("numtorch.vision")
    try:
        import torchvision
    except ImportError:
        raise _NoReference("torchvision is not installed") from None
    return torchvision


def _t(lib, data, **kw):
    return lib.tensor(data, **kw)


def _leaf(lib, *shape):
    return lib.ones(*shape, requires_grad=True)


def _linear(lib, *args):
    lib.manual_seed(0)
    return lib.nn.Linear(*args)


def _params(lib, n=2):
    return [lib.nn.Parameter(lib.ones(2)) for _ in range(n)]


def _sgd(lib, groups=1):
    params = _params(lib, groups)
    return lib.optim.SGD([{"params": [p]} for p in params], lr=0.1)


def _saved(lib, obj):
    buf = io.BytesIO()
    lib.save(obj, buf)
    return buf.getvalue()


def _truncated(lib):
    data = _saved(lib, {"w": lib.arange(10.0)})
    return io.BytesIO(data[:len(data) // 2])


def _without_storage(lib):
    """A checkpoint zip whose pickle refers to a storage record that was removed."""
    src = zipfile.ZipFile(io.BytesIO(_saved(lib, lib.arange(4.0))))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            if not info.filename.endswith("/data/0"):
                dst.writestr(info, src.read(info.filename))
    out.seek(0)
    return out


class _Evaluates:
    """Pickles as a call of ``eval``: what weights_only loading exists to refuse."""

    def __reduce__(self):
        return builtins.eval, ("1 + 1",)


def _with_code(lib):
    return io.BytesIO(_saved(lib, {"w": lib.ones(2), "x": _Evaluates()}))


def _backward_twice(lib):
    x = _leaf(lib, 2)
    y = (x * x).sum()
    y.backward()
    y.backward()


def _modified_saved(lib):
    x = _leaf(lib, 2)
    y = x.exp()
    y.add_(1)
    y.sum().backward()


def _unused_input(lib):
    x, z = _leaf(lib, 2), _leaf(lib, 2)
    lib.autograd.grad((x * 2).sum(), [x, z])


def _hook_without_grad(lib):
    lib.ones(2).register_hook(lambda g: g)


def _nonfinite_clip(lib):
    p = lib.nn.Parameter(lib.ones(2))
    p.grad = lib.tensor([float("nan"), 1.0])
    lib.nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)


def _load_group_count(lib):
    a, b = _sgd(lib, 1), _sgd(lib, 2)
    a.load_state_dict(b.state_dict())


def _load_group_size(lib):
    a = lib.optim.SGD(_params(lib, 1), lr=0.1)
    b = lib.optim.SGD(_params(lib, 2), lr=0.1)
    a.load_state_dict(b.state_dict())


def _one_cycle_past_end(lib):
    opt = lib.optim.SGD(_params(lib, 1), lr=0.1)
    sched = lib.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=2)
    for _ in range(3):
        opt.step()
        sched.step()


def _resume_without_initial_lr(lib):
    opt = lib.optim.SGD(_params(lib, 1), lr=0.1)
    lib.optim.lr_scheduler.StepLR(opt, 2, last_epoch=4)


def _module_buffer(lib):
    lib.nn.Module().register_buffer("stats", 1.5)


def _module_param(lib):
    lib.nn.Module().register_parameter("w", lib.ones(2))


class _Iterable:
    """An IterableDataset subclass, built for either library."""

    @staticmethod
    def make(lib):
        class Stream(lib.utils.data.IterableDataset):
            def __iter__(self):
                return iter(range(3))
        return Stream()


class Row:
    def __init__(self, name, exc, match, fn):
        self.name, self.exc, self.match, self.fn = name, exc, match, fn


R = Row
ROWS = [
    # ---- creation ----------------------------------------------------------------------------
    R("tensor-ragged", ValueError, "length 2", lambda lib: lib.tensor([[1, 2], [3]])),
    R("zeros-negative", RuntimeError, "-1", lambda lib: lib.zeros(2, -1)),
    R("arange-zero-step", RuntimeError, "step=0", lambda lib: lib.arange(0, 10, 0)),
    R("arange-wrong-sign", RuntimeError, "start=10, end=0, step=1",
      lambda lib: lib.arange(10, 0, 1)),
    R("linspace-negative-steps", RuntimeError, "got -1", lambda lib: lib.linspace(0, 1, -1)),
    R("eye-negative", RuntimeError, "-2", lambda lib: lib.eye(-2)),
    R("tensor-dtype-str", TypeError, "str", lambda lib: lib.tensor(1, dtype="float32")),
    R("from-numpy-list", TypeError, "list", lambda lib: lib.from_numpy([1, 2])),
    R("from-numpy-strings", TypeError, "str", lambda lib: lib.from_numpy(np.array(["a"]))),
    R("full-bad-fill", TypeError, "list", lambda lib: lib.full((2,), [1, 2])),
    R("empty-like-non-tensor", TypeError, "list", lambda lib: lib.zeros_like([1.0])),
    R("stack-empty", RuntimeError, "empty", lambda lib: lib.stack([])),
    # ---- random ------------------------------------------------------------------------------
    R("randint-low-high", RuntimeError, "5", lambda lib: lib.randint(5, 2, (3,))),
    R("rand-int-dtype", NotImplementedError, "'Long'", lambda lib: lib.rand(2, dtype=lib.int64)),
    R("randperm-negative", RuntimeError, "-1", lambda lib: lib.randperm(-1)),
    R("multinomial-nan", RuntimeError, "nan",
      lambda lib: lib.multinomial(_t(lib, [float("nan"), 1.0]), 1)),
    R("multinomial-negative", RuntimeError, "< 0",
      lambda lib: lib.multinomial(_t(lib, [-1.0, 2.0]), 1)),
    R("multinomial-zero-sum", RuntimeError, "sum of probabilities",
      lambda lib: lib.multinomial(_t(lib, [0.0, 0.0]), 1)),
    R("multinomial-too-many", RuntimeError, "n_sample=3",
      lambda lib: lib.multinomial(_t(lib, [1.0, 1.0]), 3)),
    R("multinomial-3d", RuntimeError, "[2, 2, 2]",
      lambda lib: lib.multinomial(lib.ones(2, 2, 2), 1)),
    R("bernoulli-p-range", RuntimeError, "p_in",
      lambda lib: lib.bernoulli(_t(lib, [1.5]))),
    R("normal-negative-std", RuntimeError, "std",
      lambda lib: lib.normal(_t(lib, [0.0]), _t(lib, [-1.0]))),
    R("uniform-from-to", RuntimeError, "from=2", lambda lib: lib.ones(3).uniform_(2, 1)),
    R("normal-method-std", RuntimeError, "-1", lambda lib: lib.ones(3).normal_(0, -1)),
    R("exponential-lambda", RuntimeError, "-1", lambda lib: lib.ones(3).exponential_(-1)),
    R("bernoulli-method-p", RuntimeError, "2", lambda lib: lib.ones(3).bernoulli_(2.0)),
    R("random-from-to", RuntimeError, "from=5", lambda lib: lib.ones(3).random_(5, 2)),
    # ---- indexing ----------------------------------------------------------------------------
    R("getitem-int", IndexError, "index 3", lambda lib: lib.ones(3)[3]),
    R("getitem-negative", IndexError, "-4", lambda lib: lib.ones(3)[-4]),
    R("getitem-second-dim", IndexError, "5", lambda lib: lib.ones(2, 3)[:, 5]),
    R("getitem-tensor-index", IndexError, "5", lambda lib: lib.ones(3)[_t(lib, [0, 5])]),
    R("getitem-mask-shape", IndexError, "[2]",
      lambda lib: lib.ones(3)[_t(lib, [True, False])]),
    R("getitem-too-many", IndexError, "dimension 1", lambda lib: lib.ones(3)[0, 0]),
    R("getitem-float-index", IndexError, "float32", lambda lib: lib.ones(3)[_t(lib, [0.5])]),
    R("setitem-out-of-range", IndexError, "5", lambda lib: lib.ones(3).__setitem__(5, 1.0)),
    R("setitem-shape", RuntimeError, "[3]",
      lambda lib: lib.ones(3).__setitem__(_t(lib, [0, 1]), _t(lib, [1.0, 2.0, 3.0]))),
    R("gather-range", RuntimeError, "5",
      lambda lib: lib.gather(lib.ones(2, 3), 1, _t(lib, [[0, 5]]))),
    R("gather-float-index", RuntimeError, "got float32",
      lambda lib: lib.gather(lib.ones(2, 3), 1, _t(lib, [[0.0]]))),
    R("gather-ndim", RuntimeError, "index [2], input [2, 3]",
      lambda lib: lib.gather(lib.ones(2, 3), 1, _t(lib, [0, 1]))),
    R("index-select-range", IndexError, "index 3",
      lambda lib: lib.index_select(lib.ones(3), 0, _t(lib, [3]))),
    R("index-select-2d", IndexError, "[1, 1]",
      lambda lib: lib.index_select(lib.ones(3), 0, _t(lib, [[0]]))),
    R("scatter-range", RuntimeError, "4",
      lambda lib: lib.zeros(3).scatter(0, _t(lib, [4]), 1.0)),
    R("masked-fill-long-mask", RuntimeError, "long",
      lambda lib: lib.ones(3).masked_fill(_t(lib, [1, 0, 1]), 0.0)),
    R("masked-fill-shape", RuntimeError, "3",
      lambda lib: lib.ones(3).masked_fill(_t(lib, [True, False]), 0.0)),
    R("take-range", IndexError, "5", lambda lib: lib.take(lib.ones(3), _t(lib, [5]))),
    R("index-fill-range", IndexError, "3",
      lambda lib: lib.ones(3).index_fill(0, _t(lib, [3]), 0.0)),
    R("narrow-range", RuntimeError, "(5)", lambda lib: lib.ones(3).narrow(0, 2, 5)),
    R("select-range", IndexError, "4", lambda lib: lib.ones(3).select(0, 4)),
    R("index-add-source", RuntimeError, "source",
      lambda lib: lib.zeros(3).index_add(0, _t(lib, [0, 1]), lib.ones(3))),
    R("one-hot-too-large", RuntimeError, "3 for num_classes=3",
      lambda lib: lib.nn.functional.one_hot(_t(lib, [3]), 3)),
    R("one-hot-negative", RuntimeError, "got -1",
      lambda lib: lib.nn.functional.one_hot(_t(lib, [-1]))),
    R("one-hot-float", RuntimeError, "float32",
      lambda lib: lib.nn.functional.one_hot(_t(lib, [1.0]))),
    R("embedding-range", IndexError, "index 5",
      lambda lib: lib.nn.functional.embedding(_t(lib, [5]), lib.ones(3, 2))),
    R("embedding-float-indices", RuntimeError, "Float",
      lambda lib: lib.nn.functional.embedding(_t(lib, [0.5]), lib.ones(3, 2))),
    # ---- shape ops ---------------------------------------------------------------------------
    R("view-size", RuntimeError, "[4]", lambda lib: lib.ones(6).view(4)),
    R("reshape-two-inferred", RuntimeError, "[-1, -1]",
      lambda lib: lib.ones(6).reshape(-1, -1)),
    R("view-negative", RuntimeError, "-2", lambda lib: lib.ones(6).view(-2)),
    R("view-non-contiguous", RuntimeError, "stride", lambda lib: lib.ones(2, 3).t().view(6)),
    R("permute-duplicate", RuntimeError, "[0, 0]", lambda lib: lib.ones(2, 3).permute(0, 0)),
    R("permute-length", RuntimeError, "2", lambda lib: lib.ones(2, 3).permute(0)),
    R("expand-size", RuntimeError, "(4)", lambda lib: lib.ones(2, 3).expand(4, 3)),
    R("expand-fewer-dims", RuntimeError, "(1)", lambda lib: lib.ones(2, 3).expand(3)),
    R("cat-sizes", RuntimeError, "size 4",
      lambda lib: lib.cat([lib.ones(2, 3), lib.ones(2, 4)])),
    R("cat-ndim", RuntimeError, "1 and 2", lambda lib: lib.cat([lib.ones(2), lib.ones(2, 2)])),
    R("cat-dim-range", IndexError, "1", lambda lib: lib.cat([lib.ones(2)], dim=1)),
    R("stack-sizes", RuntimeError, "[3]", lambda lib: lib.stack([lib.ones(2), lib.ones(3)])),
    R("split-sizes-sum", RuntimeError, "4", lambda lib: lib.ones(4).split([1, 2])),
    R("chunk-zero", RuntimeError, "0", lambda lib: lib.ones(4).chunk(0)),
    R("squeeze-dim", IndexError, "5", lambda lib: lib.ones(2, 3).squeeze(5)),
    R("unsqueeze-dim", IndexError, "3", lambda lib: lib.ones(2).unsqueeze(3)),
    R("transpose-dim", IndexError, "2", lambda lib: lib.ones(2, 3).transpose(0, 2)),
    R("flatten-order", RuntimeError, "start_dim", lambda lib: lib.ones(2, 3, 4).flatten(2, 1)),
    R("unflatten-product", RuntimeError, "6", lambda lib: lib.ones(6).unflatten(0, (4, -1))),
    R("flip-repeated-dim", RuntimeError, "dim 0", lambda lib: lib.ones(2, 3).flip((0, 0))),
    R("roll-align", RuntimeError, "shifts", lambda lib: lib.ones(3).roll((1, 2), (0,))),
    R("repeat-too-few", RuntimeError, "repeats [2], tensor of shape [2, 3]",
      lambda lib: lib.ones(2, 3).repeat(2)),
    R("movedim-range", IndexError, "5", lambda lib: lib.ones(2, 3).movedim(0, 5)),
    R("tril-1d", RuntimeError, "1-D", lambda lib: lib.tril(lib.ones(3))),
    R("where-condition-dtype", RuntimeError, "Float",
      lambda lib: lib.where(lib.ones(2), lib.ones(2), lib.ones(2))),
    R("where-broadcast", RuntimeError, "3",
      lambda lib: lib.where(_t(lib, [True, False]), lib.ones(2), lib.ones(3))),
    R("pad-odd-length", RuntimeError, "pad=(1,)",
      lambda lib: lib.nn.functional.pad(lib.ones(2, 3), (1,))),
    R("pad-too-long", RuntimeError, "4",
      lambda lib: lib.nn.functional.pad(lib.ones(3), (1, 1, 1, 1))),
    R("pad-reflect-size", RuntimeError, "3",
      lambda lib: lib.nn.functional.pad(lib.ones(1, 1, 3), (3, 3), mode="reflect")),
    R("mT-1d", RuntimeError, "1-D", lambda lib: lib.ones(3).mT),
    R("unfold-size", RuntimeError, "4", lambda lib: lib.ones(3).unfold(0, 4, 1)),
    R("hsplit-divisible", RuntimeError, "divisible by the split_size 3",
      lambda lib: lib.hsplit(lib.ones(2, 4), 3)),
    R("vsplit-1d", RuntimeError, "at least 2 dimension", lambda lib: lib.vsplit(lib.ones(4), 2)),
    R("dsplit-2d", RuntimeError, "2 dimensions", lambda lib: lib.dsplit(lib.ones(4, 4), 2)),
    R("block-diag-3d", RuntimeError, "Input 1 has 3 dimensions",
      lambda lib: lib.block_diag(lib.ones(2), lib.ones(1, 1, 1))),
    R("combinations-2d", RuntimeError, "[2, 2]", lambda lib: lib.combinations(lib.ones(2, 2))),
    R("combinations-negative", RuntimeError, "-1",
      lambda lib: lib.combinations(lib.ones(3), -1)),
    R("diagonal-scatter-size", RuntimeError, "src size = [2], slice size = [3]",
      lambda lib: lib.diagonal_scatter(lib.zeros(3, 3), lib.ones(2))),
    R("select-scatter-index", IndexError, "index 3",
      lambda lib: lib.select_scatter(lib.zeros(3, 3), lib.ones(3), 0, 3)),
    R("slice-scatter-step", RuntimeError, "step must be positive",
      lambda lib: lib.slice_scatter(lib.zeros(3, 3), lib.ones(3, 3), step=0)),
    # ---- reductions --------------------------------------------------------------------------
    R("sum-dim", IndexError, "2", lambda lib: lib.ones(2, 3).sum(dim=2)),
    R("sum-repeated-dims", RuntimeError, "dim 0", lambda lib: lib.ones(2, 3).sum(dim=(0, 0))),
    R("mean-long", RuntimeError, "Long", lambda lib: lib.ones(3, dtype=lib.int64).mean()),
    R("var-long", RuntimeError, "Long", lambda lib: lib.ones(3, dtype=lib.int64).var()),
    R("max-empty", RuntimeError, "numel", lambda lib: lib.ones(0).max()),
    R("argmax-empty", IndexError, "numel() == 0", lambda lib: lib.ones(0).argmax()),
    R("min-empty-dim", IndexError, "dim 1", lambda lib: lib.ones(2, 0).min(dim=1)),
    R("softmax-dim", IndexError, "5", lambda lib: lib.softmax(lib.ones(3), dim=5)),
    R("logsumexp-dim", IndexError, "-3", lambda lib: lib.logsumexp(lib.ones(3, 2), dim=-3)),
    R("cumsum-dim", IndexError, "1", lambda lib: lib.ones(3).cumsum(dim=1)),
    R("topk-k", RuntimeError, "k=5", lambda lib: lib.ones(3).topk(5)),
    R("kthvalue-k", RuntimeError, "k=4", lambda lib: lib.ones(3).kthvalue(4)),
    R("sort-dim", IndexError, "2", lambda lib: lib.ones(3).sort(dim=2)),
    R("quantile-q", RuntimeError, "1.5", lambda lib: lib.ones(3).quantile(1.5)),
    R("nanquantile-q-dtype", RuntimeError, "same dtype",
      lambda lib: lib.ones(3).nanquantile(lib.ones(1, dtype=lib.float64) / 2)),
    R("nanquantile-empty", RuntimeError, "non-empty", lambda lib: lib.ones(0).nanquantile(0.5)),
    R("nanmedian-empty-dim", IndexError, "dim 1", lambda lib: lib.ones(2, 0).nanmedian(1)),
    R("nanmedian-dim", IndexError, "2", lambda lib: lib.ones(2, 3).nanmedian(2)),
    R("bincount-negative", RuntimeError, "non-negative",
      lambda lib: lib.bincount(_t(lib, [-1, 2]))),
    R("histc-bins", RuntimeError, "got 0", lambda lib: lib.histc(lib.ones(3), bins=0)),
    R("searchsorted-dims", RuntimeError, "[2, 3]",
      lambda lib: lib.searchsorted(lib.ones(2, 3), lib.ones(3))),
    R("cov-3d", RuntimeError, "3 dimensions", lambda lib: lib.cov(lib.ones(2, 3, 4))),
    R("cov-fweights-float", RuntimeError, "Float",
      lambda lib: lib.cov(lib.ones(2, 3), fweights=lib.ones(3))),
    R("cov-aweights-numel", RuntimeError, "2 != 3",
      lambda lib: lib.cov(lib.ones(2, 3), aweights=lib.ones(2))),
    R("corrcoef-3d", RuntimeError, "3 dimensions", lambda lib: lib.corrcoef(lib.ones(2, 3, 4))),
    R("trapezoid-x-count", RuntimeError, "one `x` value",
      lambda lib: lib.trapezoid(lib.ones(4), lib.ones(3))),
    R("cumulative-trapezoid-bool", RuntimeError, "bool",
      lambda lib: lib.cumulative_trapezoid(lib.ones(3, dtype=lib.bool))),
    R("dist-long", RuntimeError, "Long",
      lambda lib: lib.dist(lib.ones(3, dtype=lib.int64), lib.ones(3, dtype=lib.int64))),
    R("pdist-1d", RuntimeError, "1D", lambda lib: lib.pdist(lib.ones(3))),
    R("item-many", RuntimeError, "3 elements", lambda lib: lib.ones(3).item()),
    R("bool-ambiguous", RuntimeError, "ambiguous", lambda lib: bool(lib.ones(2))),
    # ---- elementwise -------------------------------------------------------------------------
    R("add-broadcast", RuntimeError, "(3)", lambda lib: lib.ones(2) + lib.ones(3)),
    R("add-inplace-broadcast", RuntimeError, "[2, 3]",
      lambda lib: lib.ones(3).add_(lib.ones(2, 3))),
    R("add-inplace-cast", RuntimeError, "type Long",
      lambda lib: lib.ones(3, dtype=lib.int64).add_(1.5)),
    R("add-string", TypeError, "str", lambda lib: lib.ones(3) + "a"),
    R("sub-bool", RuntimeError, "bool", lambda lib: _t(lib, [True]) - _t(lib, [True])),
    R("neg-bool", RuntimeError, "bool", lambda lib: -_t(lib, [True])),
    R("bitwise-float", NotImplementedError, "'Float'", lambda lib: lib.ones(3) & lib.ones(3)),
    R("floordiv-int-zero", RuntimeError, "ZeroDivisionError", lambda lib: _t(lib, [1]) // 0),
    R("remainder-int-zero", RuntimeError, "ZeroDivisionError", lambda lib: _t(lib, [1]) % 0),
    R("clamp-no-bounds", RuntimeError, "min", lambda lib: lib.clamp(lib.ones(3))),
    R("lerp-dtypes", RuntimeError, "double",
      lambda lib: lib.lerp(lib.ones(3), lib.ones(3, dtype=lib.float64), 0.5)),
    R("pow-int-negative", RuntimeError, "negative", lambda lib: lib.pow(_t(lib, [2]), -1)),
    R("sqrt-inplace-int", RuntimeError, "type Long", lambda lib: _t(lib, [4]).sqrt_()),
    R("mul-out-dtype", RuntimeError, "Long",
      lambda lib: lib.mul(lib.ones(3), lib.ones(3), out=lib.zeros(3, dtype=lib.int64))),
    R("fill-tensor-value", RuntimeError, "1 dimensions",
      lambda lib: lib.ones(3).fill_(lib.ones(2))),
    R("copy-shape", RuntimeError, "(2)", lambda lib: lib.ones(3).copy_(lib.ones(2))),
    R("copy-list", TypeError, "list", lambda lib: lib.ones(3).copy_([1, 2, 3])),
    R("put-list-index", TypeError, "list", lambda lib: lib.put(lib.ones(3), [0], lib.ones(1))),
    R("where-method-other", TypeError, "y", lambda lib: lib.ones(2).where(lib.ones(2) > 0, y=1.0)),
    R("acosh-inplace-int", RuntimeError, "type Long", lambda lib: _t(lib, [2]).acosh_()),
    R("arctan2-number", TypeError, "float", lambda lib: lib.arctan2(lib.ones(2), 2.0)),
    R("logaddexp-int", NotImplementedError, "'Long'",
      lambda lib: lib.logaddexp(_t(lib, [1]), _t(lib, [2]))),
    R("logaddexp2-broadcast", RuntimeError, "(3)",
      lambda lib: lib.logaddexp2(lib.ones(2), lib.ones(3))),
    R("gcd-float", NotImplementedError, "'Float'", lambda lib: lib.gcd(lib.ones(2), lib.ones(2))),
    R("gcd-number", TypeError, "int", lambda lib: lib.gcd(_t(lib, [4]), 2)),
    R("lcm-bool", NotImplementedError, "'Bool'",
      lambda lib: lib.lcm(_t(lib, [True]), _t(lib, [False]))),
    R("lcm-inplace-float", NotImplementedError, "'Float'",
      lambda lib: lib.ones(2).lcm_(lib.ones(2))),
    R("ldexp-bool-exponent", NotImplementedError, "'Bool'",
      lambda lib: lib.ldexp(lib.ones(2), _t(lib, [True, False]))),
    R("ldexp-number", TypeError, "int", lambda lib: lib.ldexp(lib.ones(2), 3)),
    R("nextafter-int", NotImplementedError, "'Long'",
      lambda lib: lib.nextafter(_t(lib, [1]), _t(lib, [2]))),
    R("nextafter-number", TypeError, "float", lambda lib: lib.nextafter(lib.ones(2), 2.0)),
    R("frexp-int", RuntimeError, "floating-point", lambda lib: lib.frexp(_t(lib, [1, 2]))),
    R("frexp-out-exponent", RuntimeError, "int dtype",
      lambda lib: lib.frexp(lib.ones(2), out=(lib.empty(2), lib.empty(2)))),
    R("fix-bool", NotImplementedError, "'Bool'", lambda lib: lib.fix(_t(lib, [True]))),
    R("lgamma-number", TypeError, "float", lambda lib: lib.lgamma(2.0)),
    R("lgamma-out-int", RuntimeError, "Long",
      lambda lib: lib.lgamma(lib.ones(2), out=lib.empty(2, dtype=lib.int64))),
    R("digamma-inplace-int", RuntimeError, "type Long", lambda lib: _t(lib, [3]).digamma_()),
    R("polygamma-negative", RuntimeError, "negative n",
      lambda lib: lib.polygamma(-1, lib.ones(2))),
    R("polygamma-float-n", TypeError, "float", lambda lib: lib.polygamma(1.0, lib.ones(2))),
    R("mvlgamma-p", RuntimeError, "greater than or equal to 1",
      lambda lib: lib.mvlgamma(lib.ones(2), 0)),
    R("mvlgamma-bool", RuntimeError, "boolean", lambda lib: lib.mvlgamma(_t(lib, [True]), 1)),
    R("i0-list", TypeError, "list", lambda lib: lib.i0([1.0, 2.0])),
    R("sinc-inplace-int", RuntimeError, "type Long", lambda lib: _t(lib, [1]).sinc_()),
    # ---- autograd ----------------------------------------------------------------------------
    R("leaf-inplace", RuntimeError, "leaf", lambda lib: _leaf(lib, 2).add_(1)),
    R("int-requires-grad", RuntimeError, "Long",
      lambda lib: lib.ones(2, dtype=lib.int64, requires_grad=True)),
    R("backward-non-scalar", RuntimeError, "[2]", lambda lib: (_leaf(lib, 2) * 2).backward()),
    R("backward-twice", RuntimeError, "second time", _backward_twice),
    R("backward-no-grad-fn", RuntimeError, "does not require grad",
      lambda lib: lib.ones(2).sum().backward()),
    R("grad-unused", RuntimeError, "allow_unused", _unused_input),
    R("numpy-requires-grad", RuntimeError, "detach", lambda lib: _leaf(lib, 2).numpy()),
    R("saved-tensor-modified", RuntimeError, "inplace", _modified_saved),
    R("backward-gradient-shape", RuntimeError, "[3]",
      lambda lib: (_leaf(lib, 2) * 2).backward(lib.ones(3))),
    R("hook-without-grad", RuntimeError, "hook", _hook_without_grad),
    # ---- linalg ------------------------------------------------------------------------------
    R("matmul-shapes", RuntimeError, "2x3", lambda lib: lib.ones(2, 3) @ lib.ones(2, 3)),
    R("mm-1d", RuntimeError, "matrix", lambda lib: lib.mm(lib.ones(3), lib.ones(3, 3))),
    R("bmm-batch", RuntimeError, "[2, 4]",
      lambda lib: lib.bmm(lib.ones(2, 3, 4), lib.ones(3, 4, 5))),
    R("dot-sizes", RuntimeError, "3", lambda lib: lib.dot(lib.ones(2), lib.ones(3))),
    R("dot-dtypes", RuntimeError, "Long",
      lambda lib: lib.dot(lib.ones(3, dtype=lib.int64), lib.ones(3))),
    R("matmul-0d", RuntimeError, "0D", lambda lib: lib.matmul(_t(lib, 1.0), lib.ones(3))),
    R("inv-non-square", RuntimeError, "2 by 3", lambda lib: lib.linalg.inv(lib.ones(2, 3))),
    R("inv-singular", RuntimeError, "singular", lambda lib: lib.linalg.inv(lib.zeros(2, 2))),
    R("cholesky-not-pd", RuntimeError, "positive-definite",
      lambda lib: lib.linalg.cholesky(-lib.eye(2))),
    R("solve-shapes", RuntimeError, "3", lambda lib: lib.linalg.solve(lib.eye(2), lib.ones(3))),
    R("einsum-sizes", RuntimeError, "j",
      lambda lib: lib.einsum("ij,jk->ik", lib.ones(2, 3), lib.ones(4, 5))),
    R("einsum-operands", RuntimeError, "operands",
      lambda lib: lib.einsum("ij->i", lib.ones(2, 3), lib.ones(2))),
    R("det-1d", RuntimeError, "2 dimensions", lambda lib: lib.linalg.det(lib.ones(3))),
    R("outer-2d", RuntimeError, "2-D", lambda lib: lib.outer(lib.ones(2, 2), lib.ones(2))),
    R("cross-length", RuntimeError, "3", lambda lib: lib.linalg.cross(lib.ones(2), lib.ones(2))),
    R("matrix-power-non-square", RuntimeError, "square",
      lambda lib: lib.linalg.matrix_power(lib.ones(2, 3), 2)),
    R("tensordot-sizes", RuntimeError, "size 3",
      lambda lib: lib.tensordot(lib.ones(2, 3), lib.ones(4, 2), dims=([1], [0]))),
    R("cdist-columns", RuntimeError, "4", lambda lib: lib.cdist(lib.ones(2, 3), lib.ones(2, 4))),
    R("solve-triangular-shapes", RuntimeError, "2x2 and 3x1",
      lambda lib: lib.linalg.solve_triangular(lib.eye(2), lib.ones(3, 1), upper=True)),
    R("solve-triangular-long", NotImplementedError, "Long",
      lambda lib: lib.linalg.solve_triangular(lib.eye(2, dtype=lib.int64),
                                              lib.ones(2, 1, dtype=lib.int64), upper=True)),
    R("lu-factor-singular", RuntimeError, "U[1,1] is zero",
      lambda lib: lib.linalg.lu_factor(lib.ones(2, 2))),
    R("lu-factor-1d", RuntimeError, "[2]", lambda lib: lib.linalg.lu_factor(lib.ones(2))),
    R("lu-solve-shapes", RuntimeError, "2x2 and 3x1",
      lambda lib: lib.linalg.lu_solve(*lib.linalg.lu_factor(lib.eye(2)), lib.ones(3, 1))),
    R("lstsq-rows", RuntimeError, "size(-2)",
      lambda lib: lib.linalg.lstsq(lib.ones(4, 2), lib.ones(3, 1))),
    R("lstsq-driver", RuntimeError, "gelsy", lambda lib: lib.linalg.lstsq(
        lib.ones(4, 2), lib.ones(4, 1), driver="qr")),
    R("matrix-exp-non-square", RuntimeError, "2 by 3",
      lambda lib: lib.linalg.matrix_exp(lib.ones(2, 3))),
    R("cholesky-ex-check", RuntimeError, "positive-definite",
      lambda lib: lib.linalg.cholesky_ex(-lib.eye(2), check_errors=True)),
    R("tensorinv-ind", RuntimeError, "got 0", lambda lib: lib.linalg.tensorinv(lib.ones(2, 2), 0)),
    R("tensorsolve-numel", RuntimeError, "12 != 24",
      lambda lib: lib.linalg.tensorsolve(lib.ones(4, 6, 12), lib.ones(4, 6))),
    R("vander-n", RuntimeError, "greater than 1",
      lambda lib: lib.linalg.vander(lib.ones(3), N=1)),
    R("cond-norm", RuntimeError, "invalid norm type: 3",
      lambda lib: lib.linalg.cond(lib.eye(2), 3)),
    R("householder-tau", RuntimeError, "tau.shape[-1]",
      lambda lib: lib.linalg.householder_product(lib.ones(3, 2), lib.ones(3))),
    # ---- Tensor methods ----------------------------------------------------------------------
    R("view-dtype-size", RuntimeError, "3", lambda lib: lib.ones(3).view(lib.float64)),
    R("type-string", ValueError, "foo", lambda lib: lib.ones(3).type("foo")),
    R("size-dim", IndexError, "2", lambda lib: lib.ones(2, 3).size(2)),
    R("to-bad-argument", TypeError, "object", lambda lib: lib.ones(3).to(object())),
    R("new-tensor-ragged", ValueError, "length",
      lambda lib: lib.ones(3).new_tensor([[1.0], [2.0, 3.0]])),
    R("new-from-number", TypeError, "float", lambda lib: lib.ones(3).new(2.5)),
    R("as-strided-out-of-bounds", RuntimeError, "storage size of 20",
      lambda lib: lib.ones(4).as_strided((3,), (2,))),
    R("index-reduce-sum", RuntimeError, "but got sum",
      lambda lib: lib.ones(2).index_reduce(0, lib.tensor([0]), lib.ones(1), "sum")),
    R("renorm-zero-p", RuntimeError, "non-positive",
      lambda lib: lib.renorm(lib.ones(2, 2), 0, 0, 1.0)),
    R("sum-to-size", RuntimeError, "{[2]} is not expandable to size {[2, 3]}",
      lambda lib: lib.ones(2, 3).sum_to_size(2)),
    R("resize-requires-grad", RuntimeError, "cannot resize",
      lambda lib: lib.ones(2, requires_grad=True).resize_(4)),
    R("apply-requires-grad", RuntimeError, "apply_()",
      lambda lib: lib.ones(2, requires_grad=True).apply_(abs)),
    R("abs-in-place-leaf", RuntimeError, "leaf Variable",
      lambda lib: lib.abs_(lib.ones(2, requires_grad=True))),
    R("hann-window-int", RuntimeError, "floating point",
      lambda lib: lib.hann_window(4, dtype=lib.int64)),
    R("frombuffer-offset", ValueError, "offset (20 bytes)",
      lambda lib: lib.frombuffer(bytearray(12), dtype=lib.float32, offset=20)),
    R("histogram-int", NotImplementedError, "Long",
      lambda lib: lib.histogram(lib.tensor([1, 2]), 3)),
    # ---- devices (a CPU-only build) ----------------------------------------------------------
    R("device-bad-type", RuntimeError, "gpu", lambda lib: lib.device("gpu")),
    R("device-bad-index", RuntimeError, "cpu:x", lambda lib: lib.device("cpu:x")),
    R("zeros-cuda", AssertionError, "'cuda'", lambda lib: lib.zeros(2, device="cuda")),
    R("to-cuda", AssertionError, "'cuda:1'", lambda lib: lib.ones(2).to("cuda:1")),
    R("cuda-method", AssertionError, "'cuda'", lambda lib: lib.ones(2).cuda()),
    R("cuda-current-device", AssertionError, "CUDA", lambda lib: lib.cuda.current_device()),
    R("meta-item", RuntimeError, "meta", lambda lib: lib.ones(2, device="meta").sum().item()),
    R("meta-tolist", NotImplementedError, "'meta'",
      lambda lib: lib.ones(2, device="meta").tolist()),
    # ---- nn.functional -----------------------------------------------------------------------
    R("linear-shapes", RuntimeError, "5x4",
      lambda lib: lib.nn.functional.linear(lib.ones(2, 3), lib.ones(4, 5))),
    R("conv2d-channels", RuntimeError, "3 channels",
      lambda lib: lib.nn.functional.conv2d(lib.ones(1, 3, 5, 5), lib.ones(4, 2, 3, 3))),
    R("conv2d-kernel-too-large", RuntimeError, "(3 x 3)",
      lambda lib: lib.nn.functional.conv2d(lib.ones(1, 1, 2, 2), lib.ones(1, 1, 3, 3))),
    R("conv2d-ndim", RuntimeError, "[5, 5]",
      lambda lib: lib.nn.functional.conv2d(lib.ones(5, 5), lib.ones(1, 1, 3, 3))),
    R("conv2d-zero-stride", RuntimeError, "stride",
      lambda lib: lib.nn.functional.conv2d(lib.ones(1, 1, 5, 5), lib.ones(1, 1, 3, 3),
                                           stride=0)),
    R("conv2d-groups", RuntimeError, "groups=2",
      lambda lib: lib.nn.functional.conv2d(lib.ones(1, 2, 5, 5), lib.ones(3, 1, 3, 3),
                                           groups=2)),
    R("conv1d-same-strided", RuntimeError, "same",
      lambda lib: lib.nn.functional.conv1d(lib.ones(1, 1, 5), lib.ones(1, 1, 3), stride=2,
                                           padding="same")),
    R("conv-transpose-output-padding", RuntimeError, "output padding",
      lambda lib: lib.nn.functional.conv_transpose2d(lib.ones(1, 1, 3, 3), lib.ones(1, 1, 3, 3),
                                                     stride=1, output_padding=1)),
    R("conv2d-bias-size", RuntimeError, "bias",
      lambda lib: lib.nn.functional.conv2d(lib.ones(1, 1, 5, 5), lib.ones(2, 1, 3, 3),
                                           lib.ones(3))),
    R("max-pool-too-small", RuntimeError, "too small",
      lambda lib: lib.nn.functional.max_pool2d(lib.ones(1, 1, 2, 2), 3)),
    R("max-pool-padding", RuntimeError, "pad=3",
      lambda lib: lib.nn.functional.max_pool2d(lib.ones(1, 1, 8, 8), 4, padding=3)),
    R("avg-pool-ndim", RuntimeError, "[4]",
      lambda lib: lib.nn.functional.avg_pool1d(lib.ones(4), 2)),
    R("adaptive-pool-ndim", ValueError, "[4]",
      lambda lib: lib.nn.functional.adaptive_avg_pool2d(lib.ones(4), (2, 2))),
    R("interpolate-size-and-scale", ValueError, "size",
      lambda lib: lib.nn.functional.interpolate(lib.ones(1, 1, 4), size=2, scale_factor=2)),
    R("interpolate-mode-ndim", NotImplementedError, "3D",
      lambda lib: lib.nn.functional.interpolate(lib.ones(1, 1, 4), scale_factor=2,
                                                mode="bilinear")),
    R("dropout-p", ValueError, "1.5", lambda lib: lib.nn.functional.dropout(lib.ones(3), p=1.5)),
    R("cross-entropy-target-range", IndexError, "3",
      lambda lib: lib.nn.functional.cross_entropy(lib.ones(2, 3), _t(lib, [0, 3]))),
    R("cross-entropy-batch", ValueError, "(3)",
      lambda lib: lib.nn.functional.cross_entropy(lib.ones(2, 3), _t(lib, [0, 1, 2]))),
    R("cross-entropy-smoothing", RuntimeError, "1.5",
      lambda lib: lib.nn.functional.cross_entropy(lib.ones(2, 3), _t(lib, [0, 1]),
                                                  label_smoothing=1.5)),
    R("nll-float-target", RuntimeError, "Float",
      lambda lib: lib.nn.functional.nll_loss(lib.ones(2, 3), _t(lib, [0.0, 1.0]))),
    R("nll-weight-size", RuntimeError, "[2]",
      lambda lib: lib.nn.functional.nll_loss(lib.ones(2, 3), _t(lib, [0, 1]),
                                             weight=lib.ones(2))),
    R("mse-broadcast", RuntimeError, "(3)",
      lambda lib: lib.nn.functional.mse_loss(lib.ones(2), lib.ones(3))),
    R("bce-range", RuntimeError, "between 0 and 1",
      lambda lib: lib.nn.functional.binary_cross_entropy(lib.ones(2) * 2, lib.ones(2))),
    R("bce-sizes", ValueError, "[3]",
      lambda lib: lib.nn.functional.binary_cross_entropy(lib.ones(2) / 2, lib.ones(3))),
    R("bce-logits-sizes", ValueError, "[3]",
      lambda lib: lib.nn.functional.binary_cross_entropy_with_logits(lib.ones(2),
                                                                     lib.ones(3))),
    R("loss-reduction", ValueError, "bogus",
      lambda lib: lib.nn.functional.l1_loss(lib.ones(2), lib.ones(2), reduction="bogus")),
    R("batch-norm-stats-size", RuntimeError, "4",
      lambda lib: lib.nn.functional.batch_norm(lib.ones(2, 3), lib.ones(4), lib.ones(4))),
    R("batch-norm-one-value", ValueError, "[1, 3]",
      lambda lib: lib.nn.functional.batch_norm(lib.ones(1, 3), None, None, training=True)),
    R("layer-norm-shape", RuntimeError, "[4]",
      lambda lib: lib.nn.functional.layer_norm(lib.ones(2, 3), (4,))),
    R("group-norm-groups", RuntimeError, "num_groups=4",
      lambda lib: lib.nn.functional.group_norm(lib.ones(2, 6), 4)),
    R("glu-odd", RuntimeError, "3", lambda lib: lib.nn.functional.glu(lib.ones(3))),
    R("pixel-shuffle-channels", RuntimeError, "3",
      lambda lib: lib.nn.functional.pixel_shuffle(lib.ones(1, 3, 2, 2), 2)),
    R("channel-shuffle-channels", RuntimeError, "Got 5 channels and 2 groups",
      lambda lib: lib.nn.functional.channel_shuffle(lib.ones(1, 5, 2), 2)),
    R("channel-shuffle-dims", RuntimeError, "[4, 6]",
      lambda lib: lib.nn.functional.channel_shuffle(lib.ones(4, 6), 2)),
    R("adaptive-max-pool3d-dims", RuntimeError, "[2, 3, 4]",
      lambda lib: lib.nn.functional.adaptive_max_pool3d(lib.ones(2, 3, 4), 2)),
    R("lp-pool3d-kernel", RuntimeError, "(1x0x0x0)",
      lambda lib: lib.nn.functional.lp_pool3d(lib.ones(1, 1, 2, 2, 2), 2, 3)),
    R("multilabel-margin-target-shape", RuntimeError, "[2, 3] for input of size: [2, 4]",
      lambda lib: lib.nn.functional.multilabel_margin_loss(
          lib.ones(2, 4), lib.zeros(2, 3, dtype=lib.int64))),
    R("multilabel-margin-target-range", RuntimeError, "out of range",
      lambda lib: lib.nn.functional.multilabel_margin_loss(
          lib.ones(1, 3), lib.tensor([[3, -1, 0]]))),
    R("triplet-distance-margin", ValueError, "got -1",
      lambda lib: lib.nn.functional.triplet_margin_with_distance_loss(
          lib.ones(2, 3), lib.ones(2, 3), lib.ones(2, 3), margin=-1)),
    R("triplet-distance-dims", RuntimeError, "negative 1D",
      lambda lib: lib.nn.functional.triplet_margin_with_distance_loss(
          lib.ones(2, 3), lib.ones(2, 3), lib.ones(3))),
    R("ctc-input-length", RuntimeError, "at most 4, but got value 5",
      lambda lib: lib.nn.functional.ctc_loss(lib.zeros(4, 1, 3), lib.tensor([[1, 2]]), [5],
                                             [2])),
    R("ctc-target-length", RuntimeError, "size at least 3 at dimension 1",
      lambda lib: lib.nn.functional.ctc_loss(lib.zeros(4, 1, 3), lib.tensor([[1, 2]]), [4],
                                             [3])),
    R("ctc-blank", RuntimeError, "blank must be in label range",
      lambda lib: lib.nn.functional.ctc_loss(lib.zeros(4, 1, 3), lib.tensor([[1, 2]]), [4],
                                             [2], blank=3)),
    R("fractional-max-pool-output", ValueError, "output_size or an output_ratio",
      lambda lib: lib.nn.functional.fractional_max_pool2d(lib.ones(1, 1, 4, 4), 2)),
    R("fractional-max-pool-too-large", RuntimeError, "pool height 3 too large",
      lambda lib: lib.nn.functional.fractional_max_pool2d(lib.ones(1, 1, 4, 4), 3, (3, 2))),
    R("fractional-max-pool-samples", RuntimeError, "size(2) equals to 2; got 3",
      lambda lib: lib.nn.functional.fractional_max_pool2d(
          lib.ones(1, 1, 4, 4), 2, 2, _random_samples=lib.ones(1, 1, 3) / 2)),
    R("lazy-batch-norm-dims", ValueError, "expected 4D input (got 3D input)",
      lambda lib: lib.nn.LazyBatchNorm2d()(lib.ones(2, 3, 4))),
    R("cosine-similarity-shapes", RuntimeError, "4",
      lambda lib: lib.nn.functional.cosine_similarity(lib.ones(2, 3), lib.ones(2, 4))),
    R("hardtanh-bounds", ValueError, "min_val=1.0",
      lambda lib: lib.nn.functional.hardtanh(lib.ones(2), min_val=1.0, max_val=0.0)),
    R("sdpa-shapes", RuntimeError, "4",
      lambda lib: lib.nn.functional.scaled_dot_product_attention(
          lib.ones(1, 2, 3), lib.ones(1, 2, 4), lib.ones(1, 2, 4))),
    R("functional-non-tensor", TypeError, "list",
      lambda lib: lib.nn.functional.relu([1.0, -1.0])),
    # ---- nn modules --------------------------------------------------------------------------
    R("linear-negative-features", RuntimeError, "-1", lambda lib: lib.nn.Linear(-1, 2)),
    R("conv-groups", ValueError, "in_channels=3, groups=2",
      lambda lib: lib.nn.Conv2d(3, 4, 3, groups=2)),
    R("conv-padding-mode", ValueError, "bogus",
      lambda lib: lib.nn.Conv2d(3, 4, 3, padding_mode="bogus")),
    R("conv-same-strided", ValueError, "same",
      lambda lib: lib.nn.Conv2d(3, 4, 3, padding="same", stride=2)),
    R("conv-padding-string", ValueError, "bogus",
      lambda lib: lib.nn.Conv2d(3, 4, 3, padding="bogus")),
    R("dropout-module-p", ValueError, "-0.1", lambda lib: lib.nn.Dropout(p=-0.1)),
    R("lstm-dropout", ValueError, "got 2", lambda lib: lib.nn.LSTM(3, 4, dropout=2)),
    R("rnn-nonlinearity", ValueError, "sigmoid",
      lambda lib: lib.nn.RNN(3, 4, nonlinearity="sigmoid")),
    R("lstm-proj-size", ValueError, "proj_size=5", lambda lib: lib.nn.LSTM(3, 4, proj_size=5)),
    R("lstm-input-size", RuntimeError, "Expected 3, got 2",
      lambda lib: lib.nn.LSTM(3, 4)(lib.ones(5, 2, 2))),
    R("gru-hidden-shape", RuntimeError, "[1, 3, 4]",
      lambda lib: lib.nn.GRU(3, 4)(lib.ones(5, 2, 3), lib.ones(1, 3, 4))),
    R("mha-heads", AssertionError, "embed_dim=5", lambda lib: lib.nn.MultiheadAttention(5, 2)),
    R("embedding-padding-idx", AssertionError, "Padding_idx",
      lambda lib: lib.nn.Embedding(3, 2, padding_idx=5)),
    R("batchnorm2d-ndim", ValueError, "3D", lambda lib: lib.nn.BatchNorm2d(3)(lib.ones(2, 3, 4))),
    R("groupnorm-channels", ValueError, "num_groups", lambda lib: lib.nn.GroupNorm(4, 6)),
    R("linear-module-dtype", RuntimeError, "long int",
      lambda lib: _linear(lib, 3, 2)(lib.ones(2, 3, dtype=lib.int64))),
    R("conv-module-dtype", RuntimeError, "ouble",
      lambda lib: lib.nn.Conv2d(1, 1, 3)(lib.ones(1, 1, 5, 5, dtype=lib.float64))),
    R("prelu-channels", RuntimeError, "4",
      lambda lib: lib.nn.PReLU(3)(lib.ones(2, 4))),
    R("sequential-index", IndexError, "5",
      lambda lib: lib.nn.Sequential(lib.nn.ReLU())[5]),
    R("module-list-append", TypeError, "str", lambda lib: lib.nn.ModuleList().append("x")),
    R("register-buffer-float", TypeError, "float", _module_buffer),
    R("register-parameter-tensor", TypeError, "'w'", _module_param),
    R("add-module-dot", KeyError, "a.b",
      lambda lib: lib.nn.Module().add_module("a.b", lib.nn.ReLU())),
    R("load-state-dict-shape", RuntimeError, "[3, 3]",
      lambda lib: _linear(lib, 2, 2).load_state_dict({"weight": lib.ones(3, 3),
                                                      "bias": lib.ones(2)})),
    R("load-state-dict-missing", RuntimeError, "bias",
      lambda lib: _linear(lib, 2, 2).load_state_dict({"weight": lib.ones(2, 2)})),
    R("get-submodule", AttributeError, "x", lambda lib: _linear(lib, 2, 2).get_submodule("x")),
    R("module-no-forward", NotImplementedError, "forward", lambda lib: lib.nn.Module()(1)),
    R("module-non-tensor", TypeError, "list", lambda lib: _linear(lib, 2, 2)([1.0, 2.0])),
    R("clip-grad-nonfinite", RuntimeError, "non-finite", _nonfinite_clip),
    R("pack-unsorted", RuntimeError, "sorted",
      lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.ones(4, 2, 1), _t(lib, [3, 4]))),
    R("pack-zero-length", RuntimeError, "0",
      lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.ones(4, 2, 1), _t(lib, [4, 0]))),
    R("xavier-1d", ValueError, "[3]",
      lambda lib: lib.nn.init.xavier_uniform_(lib.ones(3))),
    R("calculate-gain", ValueError, "bogus", lambda lib: lib.nn.init.calculate_gain("bogus")),
    R("orthogonal-1d", ValueError, "[3]",
      lambda lib: lib.nn.init.orthogonal_(lib.ones(3))),
    # ---- optim -------------------------------------------------------------------------------
    R("sgd-lr", ValueError, "-1", lambda lib: lib.optim.SGD(_params(lib), lr=-1)),
    R("sgd-momentum", ValueError, "-0.5",
      lambda lib: lib.optim.SGD(_params(lib), lr=0.1, momentum=-0.5)),
    R("sgd-nesterov", ValueError, "momentum=0",
      lambda lib: lib.optim.SGD(_params(lib), lr=0.1, nesterov=True)),
    R("adam-beta0", ValueError, "index 0: 1.0",
      lambda lib: lib.optim.Adam(_params(lib), betas=(1.0, 0.999))),
    R("adam-eps", ValueError, "-1", lambda lib: lib.optim.Adam(_params(lib), eps=-1)),
    R("adamw-weight-decay", ValueError, "-1",
      lambda lib: lib.optim.AdamW(_params(lib), weight_decay=-1)),
    R("rprop-etas", ValueError, "Invalid eta values: 1.5, 2.0",
      lambda lib: lib.optim.Rprop(_params(lib), etas=(1.5, 2.0))),
    R("asgd-lr", ValueError, "Invalid learning rate: -0.1",
      lambda lib: lib.optim.ASGD(_params(lib), lr=-0.1)),
    R("adafactor-beta2-decay", ValueError, "beta2_decay should be <= 0 but is: 0.5",
      lambda lib: lib.optim.Adafactor(_params(lib), beta2_decay=0.5)),
    R("adafactor-d", ValueError, "Clipping threshold d should be >= 1 but is: 0.5",
      lambda lib: lib.optim.Adafactor(_params(lib), d=0.5)),
    R("rmsprop-alpha", ValueError, "-1", lambda lib: lib.optim.RMSprop(_params(lib), alpha=-1)),
    R("adagrad-lr-decay", ValueError, "-1",
      lambda lib: lib.optim.Adagrad(_params(lib), lr_decay=-1)),
    R("adadelta-rho", ValueError, "1.5", lambda lib: lib.optim.Adadelta(_params(lib), rho=1.5)),
    R("nadam-momentum-decay", ValueError, "-1",
      lambda lib: lib.optim.NAdam(_params(lib), momentum_decay=-1)),
    R("optimizer-empty", ValueError, "empty", lambda lib: lib.optim.SGD([], lr=0.1)),
    R("optimizer-tensor-params", TypeError, "Tensor",
      lambda lib: lib.optim.SGD(lib.ones(2), lr=0.1)),
    R("optimizer-non-leaf", ValueError, "non-leaf",
      lambda lib: lib.optim.SGD([_leaf(lib, 2) * 2], lr=0.1)),
    R("optimizer-duplicate", ValueError, "more than one",
      lambda lib: (lambda p: lib.optim.SGD([{"params": p}, {"params": p}], lr=0.1))(
          _params(lib, 1))),
    R("optimizer-load-groups", ValueError, "(2, the optimizer has 1)", _load_group_count),
    R("optimizer-load-group-size", ValueError, "2 parameters", _load_group_size),
    R("lambda-lr-count", ValueError, "2",
      lambda lib: lib.optim.lr_scheduler.LambdaLR(_sgd(lib), [lambda e: 1.0] * 2)),
    R("warm-restarts-t0", ValueError, "0",
      lambda lib: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(_sgd(lib), T_0=0)),
    R("warm-restarts-t-mult", ValueError, "0.5",
      lambda lib: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(_sgd(lib), T_0=2,
                                                                     T_mult=0.5)),
    R("one-cycle-no-steps", ValueError, "total_steps",
      lambda lib: lib.optim.lr_scheduler.OneCycleLR(_sgd(lib), max_lr=0.1)),
    R("one-cycle-anneal", ValueError, "bogus",
      lambda lib: lib.optim.lr_scheduler.OneCycleLR(_sgd(lib), max_lr=0.1, total_steps=4,
                                                    anneal_strategy="bogus")),
    R("one-cycle-pct-start", ValueError, "1.5",
      lambda lib: lib.optim.lr_scheduler.OneCycleLR(_sgd(lib), max_lr=0.1, total_steps=4,
                                                    pct_start=1.5)),
    R("one-cycle-past-end", ValueError, "3", _one_cycle_past_end),
    R("plateau-mode", ValueError, "bogus",
      lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(_sgd(lib), mode="bogus")),
    R("plateau-factor", ValueError, "1.0",
      lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(_sgd(lib), factor=1.0)),
    R("cyclic-mode", ValueError, "bogus",
      lambda lib: lib.optim.lr_scheduler.CyclicLR(_sgd(lib), 0.01, 0.1, mode="bogus")),
    R("scheduler-not-optimizer", TypeError, "object",
      lambda lib: lib.optim.lr_scheduler.StepLR(object(), 1)),
    R("linear-lr-start", ValueError, "start_factor=0",
      lambda lib: lib.optim.lr_scheduler.LinearLR(_sgd(lib), start_factor=0)),
    R("sequential-milestones", ValueError, "2",
      lambda lib: (lambda o: lib.optim.lr_scheduler.SequentialLR(
          o, [lib.optim.lr_scheduler.StepLR(o, 1), lib.optim.lr_scheduler.StepLR(o, 1)],
          milestones=[]))(_sgd(lib))),
    R("scheduler-resume-initial-lr", KeyError, "initial_lr", _resume_without_initial_lr),
    # ---- utils.data --------------------------------------------------------------------------
    R("loader-batch-size", ValueError, "batch_size=0",
      lambda lib: lib.utils.data.DataLoader(range(4), batch_size=0)),
    R("loader-shuffle-sampler", ValueError, "shuffle",
      lambda lib: lib.utils.data.DataLoader(range(4), shuffle=True,
                                            sampler=lib.utils.data.SequentialSampler(range(4)))),
    R("loader-batch-sampler", ValueError, "batch_sampler",
      lambda lib: lib.utils.data.DataLoader(
          range(4), batch_size=2,
          batch_sampler=lib.utils.data.BatchSampler(range(4), 2, False))),
    R("loader-workers", ValueError, "num_workers", lambda lib: lib.utils.data.DataLoader(
        range(4), num_workers=-1)),
    R("loader-prefetch", ValueError, "prefetch_factor",
      lambda lib: lib.utils.data.DataLoader(range(4), prefetch_factor=2)),
    R("loader-persistent", ValueError, "persistent_workers",
      lambda lib: lib.utils.data.DataLoader(range(4), persistent_workers=True)),
    R("loader-timeout", ValueError, "timeout",
      lambda lib: lib.utils.data.DataLoader(range(4), timeout=-1)),
    R("loader-iterable-shuffle", ValueError, "shuffle=True",
      lambda lib: lib.utils.data.DataLoader(_Iterable.make(lib), shuffle=True)),
    R("random-split-sum", ValueError, "Sum",
      lambda lib: lib.utils.data.random_split(range(10), [3, 3])),
    R("random-sampler-num", ValueError, "num_samples=0",
      lambda lib: lib.utils.data.RandomSampler(range(3), num_samples=0)),
    R("random-sampler-replacement", TypeError, "replacement=1",
      lambda lib: lib.utils.data.RandomSampler(range(3), replacement=1)),
    R("weighted-sampler-num", ValueError, "num_samples=0",
      lambda lib: lib.utils.data.WeightedRandomSampler([0.5, 0.5], 0)),
    R("weighted-sampler-shape", ValueError, "(2, 2)",
      lambda lib: lib.utils.data.WeightedRandomSampler(lib.ones(2, 2), 2)),
    R("batch-sampler-drop-last", ValueError, "drop_last=1",
      lambda lib: lib.utils.data.BatchSampler(range(3), 2, drop_last=1)),
    R("tensor-dataset-sizes", AssertionError, "[3, 4]",
      lambda lib: lib.utils.data.TensorDataset(lib.ones(3), lib.ones(4))),
    R("concat-dataset-empty", AssertionError, "empty",
      lambda lib: lib.utils.data.ConcatDataset([])),
    R("subset-range", IndexError, "range",
      lambda lib: lib.utils.data.Subset(list(range(3)), [5])[0]),
    R("collate-object", TypeError, "object",
      lambda lib: lib.utils.data.default_collate([object(), object()])),
    R("distributed-sampler-rank", ValueError, "rank 2",
      lambda lib: lib.utils.data.DistributedSampler(range(4), num_replicas=2, rank=2)),
    # ---- distributions -----------------------------------------------------------------------
    R("normal-scale", ValueError, "scale",
      lambda lib: lib.distributions.Normal(0.0, -1.0, validate_args=True)),
    R("bernoulli-probs", ValueError, "probs",
      lambda lib: lib.distributions.Bernoulli(probs=_t(lib, 1.5), validate_args=True)),
    R("bernoulli-both", ValueError, "not both",
      lambda lib: lib.distributions.Bernoulli(probs=_t(lib, 0.5), logits=_t(lib, 0.0))),
    R("categorical-probs", ValueError, "probs",
      lambda lib: lib.distributions.Categorical(probs=_t(lib, [-0.1, 1.1]),
                                                validate_args=True)),
    R("categorical-0d", ValueError, "one-dimensional",
      lambda lib: lib.distributions.Categorical(logits=_t(lib, 1.0))),
    R("uniform-bounds", ValueError, "low",
      lambda lib: lib.distributions.Uniform(_t(lib, 1.0), _t(lib, 0.0), validate_args=True)),
    R("uniform-support", ValueError, "support",
      lambda lib: lib.distributions.Uniform(_t(lib, 0.0), _t(lib, 1.0),
                                            validate_args=True).log_prob(_t(lib, 2.0))),
    R("mvn-not-pd", ValueError, "covariance_matrix",
      lambda lib: lib.distributions.MultivariateNormal(lib.zeros(2), -lib.eye(2),
                                                       validate_args=True)),
    R("mvn-no-matrix", ValueError, "covariance_matrix",
      lambda lib: lib.distributions.MultivariateNormal(lib.zeros(2))),
    R("independent-ndims", ValueError, "2 vs 1",
      lambda lib: lib.distributions.Independent(lib.distributions.Normal(lib.zeros(2),
                                                                         lib.ones(2)), 2)),
    R("normal-broadcast", RuntimeError, "3",
      lambda lib: lib.distributions.Normal(lib.zeros(2), lib.ones(3))),
    R("kl-not-registered", NotImplementedError, "KL",
      lambda lib: lib.distributions.kl_divergence(
          lib.distributions.Normal(0.0, 1.0),
          lib.distributions.Categorical(probs=lib.ones(2) / 2))),
    # ---- serialization -----------------------------------------------------------------------
    R("load-truncated", RuntimeError, "zip", lambda lib: lib.load(_truncated(lib))),
    R("load-wrong-magic", pickle.UnpicklingError, "b'not a checkpoint'",
      lambda lib: lib.load(io.BytesIO(b"not a checkpoint"))),
    R("load-code-executing-pickle", pickle.UnpicklingError, "eval",
      lambda lib: lib.load(_with_code(lib), weights_only=True)),
    R("load-missing-record", RuntimeError, "data/0", lambda lib: lib.load(_without_storage(lib))),
    R("load-missing-file", FileNotFoundError, "no_such_checkpoint.pt",
      lambda lib: lib.load("/nonexistent_dir/no_such_checkpoint.pt")),
    R("load-map-location-cuda", RuntimeError, "'cuda'",
      lambda lib: lib.load(io.BytesIO(_saved(lib, lib.ones(2))), map_location="cuda")),
    R("save-missing-directory", RuntimeError, "/nonexistent_dir",
      lambda lib: lib.save(lib.ones(2), "/nonexistent_dir/x.pt")),
    # ---- vision ------------------------------------------------------------------------------
    R("normalize-zero-std", ValueError, "zero",
      lambda lib: _vision(lib).transforms.Normalize([0.0, 0.0, 0.0], [0.0, 1.0, 1.0])(
          lib.ones(3, 2, 2))),
    R("normalize-2d", ValueError, "(2, 2)",
      lambda lib: _vision(lib).transforms.Normalize([0.0], [1.0])(lib.ones(2, 2))),
    R("normalize-int", TypeError, "int64",
      lambda lib: _vision(lib).transforms.Normalize([0.0], [1.0])(
          lib.ones(1, 2, 2, dtype=lib.int64))),
    R("resize-size-length", ValueError, "1 or 2",
      lambda lib: _vision(lib).transforms.Resize((2, 2, 2))),
    R("random-crop-too-large", ValueError, "(10, 10)",
      lambda lib: _vision(lib).transforms.RandomCrop(10)(lib.ones(3, 4, 4))),
    R("to-tensor-str", TypeError, "str", lambda lib: _vision(lib).transforms.ToTensor()("x")),
    R("color-jitter-negative", ValueError, "got -1",
      lambda lib: _vision(lib).transforms.ColorJitter(brightness=-1)),
    R("rotation-negative", ValueError, "got -5",
      lambda lib: _vision(lib).transforms.RandomRotation(-5)),
    R("gaussian-blur-even", ValueError, "got 4",
      lambda lib: _vision(lib).transforms.GaussianBlur(4)),
    R("model-weights-unknown", ValueError, "bogus",
      lambda lib: _vision(lib).models.get_model_weights("bogus")),
]


def _builtin_base(cls):
    return next(c for c in cls.__mro__ if c.__module__ == "builtins")


def _accepts(th_type, nt_exc):
    """Would code catching PyTorch's exception class catch numtorch's exception?"""
    if isinstance(nt_exc, th_type):
        return True
    # torch's own C++ classes (torch._C._LinAlgError...): the same name over the same builtin
    names = {c.__name__.lstrip("_") for c in type(nt_exc).__mro__}
    return th_type.__name__.lstrip("_") in names and isinstance(nt_exc, _builtin_base(th_type))


def _raised(fn, lib):
    try:
        fn(lib)
    except _NoReference:
        raise
    except Exception as exc:  # noqa: BLE001 - the exception is the result
        return exc
    return None


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_bad_call(row):
    nt = _raised(row.fn, numtorch)
    assert nt is not None, f"{row.name}: numtorch raised nothing"
    assert isinstance(nt, row.exc), f"{row.name}: numtorch raised {type(nt).__name__}: {nt}"
    assert row.match in str(nt), f"{row.name}: {row.match!r} not in {str(nt)!r}"
    if torch is None:
        return
    try:
        th = _raised(row.fn, torch)
    except _NoReference:
        return
    assert th is not None, f"{row.name}: torch raised nothing (the row is wrong)"
    assert isinstance(th, row.exc) or _accepts(row.exc, th), \
        f"{row.name}: torch raised {type(th).__name__}: {th}"
    assert _accepts(type(th), nt), \
        f"{row.name}: numtorch raised {type(nt).__name__}({nt}), torch " \
        f"{type(th).__name__}({th})"


def test_rows_are_distinct_and_many():
    names = [r.name for r in ROWS]
    assert len(names) == len(set(names))
    assert len(ROWS) >= 150
