"""In-place and view semantics against PyTorch, as a generated matrix:

    every in-place op  x  target {leaf, non-leaf, view of a non-leaf, base of a view}
                       x  timing {before any use, after a use that saves it, after a use that
                                  does not}

Each cell builds the same little graph in numtorch and in PyTorch and compares (through the
fuzzer's ``run_case``) the values of every tensor involved, the gradient of every leaf, and the
exception class when PyTorch raises: on a leaf that requires grad, on a tensor saved for
backward and changed since (the version-counter error, at backward), on an expanded or
multi-output view. Values overwritten by a constant must send no gradient to what they
replaced.
"""

import numpy as np
import pytest

pytest.importorskip("torch")

from .harness import Arg, Case, run_case  # noqa: E402
from .optable import Op  # noqa: E402


def _mask(lib, t):
    return t.detach() > 0


def _index(lib, t):
    return lib.tensor([0, 2], dtype=lib.int64) if t.shape[0] > 2 else lib.tensor(
        [0], dtype=lib.int64)


# name -> fn(lib, target, other) doing the in-place op on ``target`` (``other``: a tensor of the
# target's shape that requires grad, so gradients into the written values are checked too)
INPLACE_OPS = {
    "fill_": lambda lib, t, o: t.fill_(0.5),
    "fill_tensor": lambda lib, t, o: t.fill_(o.sum()),
    "zero_": lambda lib, t, o: t.zero_(),
    "copy_": lambda lib, t, o: t.copy_(o),
    "copy_const": lambda lib, t, o: t.copy_(lib.ones(t.shape, dtype=t.dtype)),
    "clamp_": lambda lib, t, o: t.clamp_(-0.5, 0.5),
    "masked_fill_": lambda lib, t, o: t.masked_fill_(_mask(lib, o), 0.25),
    "masked_scatter_": lambda lib, t, o: t.masked_scatter_(_mask(lib, o), o * 2),
    "index_put_": lambda lib, t, o: t.index_put_((_index(lib, t),), o[: len(_index(lib, t))]),
    "index_put_acc": lambda lib, t, o: t.index_put_((_index(lib, t),), o[: len(_index(lib, t))],
                                                    accumulate=True),
    "index_fill_": lambda lib, t, o: t.index_fill_(0, _index(lib, t), -1.0),
    "index_add_": lambda lib, t, o: t.index_add_(0, _index(lib, t), o[: len(_index(lib, t))]),
    "index_copy_": lambda lib, t, o: t.index_copy_(0, _index(lib, t), o[: len(_index(lib, t))]),
    "scatter_": lambda lib, t, o: t.scatter_(0, lib.zeros(t.shape, dtype=lib.int64)[:1], o[:1]),
    "setitem_const": lambda lib, t, o: t.__setitem__(slice(0, 1), 3.0),
    "setitem_tensor": lambda lib, t, o: t.__setitem__(slice(0, 1), o[:1]),
    "setitem_mask": lambda lib, t, o: t.__setitem__(_mask(lib, o), 1.5),
    "add_": lambda lib, t, o: t.add_(o, alpha=2),
    "sub_": lambda lib, t, o: t.sub_(o),
    "mul_": lambda lib, t, o: t.mul_(o),
    "div_": lambda lib, t, o: t.div_(o.abs() + 1),
    "pow_": lambda lib, t, o: t.pow_(2),
    "exp_": lambda lib, t, o: t.exp_(),
    "sigmoid_": lambda lib, t, o: t.sigmoid_(),
    "relu_": lambda lib, t, o: t.relu_(),
    "neg_": lambda lib, t, o: t.neg_(),
    "lerp_": lambda lib, t, o: t.lerp_(o, 0.3),
    "addcdiv_": lambda lib, t, o: t.addcdiv_(o, o.abs() + 1),
    "floor_": lambda lib, t, o: t.floor_(),
    "gt_": lambda lib, t, o: t.gt_(o),
    "iadd": lambda lib, t, o: t.__iadd__(o),
    "imul_scalar": lambda lib, t, o: t.__imul__(3.0),
    "out_add": lambda lib, t, o: lib.add(o.detach(), 1.0, out=t),
    "out_mul_grad": lambda lib, t, o: lib.mul(o, 2.0, out=t),
    "out_exp": lambda lib, t, o: lib.exp(o.detach(), out=t),
}

TARGETS = ["leaf", "non_leaf", "view", "base"]
TIMINGS = ["before", "after_saved", "after_unsaved"]


def _scenario(op_name, target, timing):
    op = INPLACE_OPS[op_name]

    def fn(lib, x, other):
        made = []
        if target == "leaf":
            t = x
        else:
            y = x * 1.5  # a non-leaf
            made.append(y)
            if target == "non_leaf":
                t = y
            elif target == "view":
                t = y[1:]  # (rows 1.. of a non-leaf)
                made.append(t)
            else:
                made.append(y[1:])  # a view whose base is modified
                t = y
        if timing == "after_saved":
            made.append(t * t)  # saves t for backward
        elif timing == "after_unsaved":
            made.append(t + 1)  # does not save t
        op(lib, t, other[: t.shape[0]] if t.shape[0] < other.shape[0] else other)
        made.append(t)
        return made

    return fn


CELLS = [(o, t, w) for o in INPLACE_OPS for t in TARGETS for w in TIMINGS]


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("op_name,target,timing", CELLS)
def test_inplace_matrix(op_name, target, timing):
    r = np.random.default_rng(abs(hash((op_name, target, timing))) % 2**32)
    x = r.uniform(-1, 1, size=(4, 3))
    other = r.uniform(-1, 1, size=(4, 3))
    op = Op(f"{op_name}[{target},{timing}]", None, "matrix", fn=_scenario(op_name, target,
                                                                          timing))
    case = Case(op, [Arg(x), Arg(other)], {}, "call", True, 0)
    run_case(case)
