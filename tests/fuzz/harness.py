"""The differential fuzzer's comparison: one generated call, run on numtorch and on PyTorch.

A ``Case`` is what the strategies in ``strategies.py`` draw: an op from the table
(``optable.py``), its tensor arguments as NumPy arrays with a memory layout each, Python
scalars, keyword arguments, and a variant (plain call, ``out=``, in-place, method). ``run_case``
builds the same tensors in both libraries (the layout is made by a view of a leaf, so the
gradient is checked through the view), calls the op, and compares:

- the exception class, when PyTorch raises (numtorch must raise too, a compatible class);
- every output's type, shape, dtype and values (NaNs equal; tolerance by dtype);
- ``requires_grad`` of every floating output;
- after one backward pass with the same random output weights, the gradient of every leaf
  (with ``inf_grad``, some weights are infinite: a gradient that is zero must stay zero, not
  become ``0 * inf``, NaN).
"""

import math
from dataclasses import dataclass, field

import numpy as np

import numtorch

try:
    import torch
except ImportError:  # the fuzz tests skip without PyTorch
    torch = None

__all__ = ["Arg", "Case", "run_case", "Mismatch", "DTYPES", "FLOAT_DTYPES", "INT_DTYPES"]

FLOAT_DTYPES = ("float32", "float64", "float16")
INT_DTYPES = ("int64", "int32", "int16", "int8", "uint8")
DTYPES = FLOAT_DTYPES + INT_DTYPES + ("bool",)

# Relative and absolute tolerance by result dtype.
_TOL = {"float64": (1e-7, 1e-9), "float32": (2e-4, 2e-5), "float16": (2e-2, 2e-2)}


class Mismatch(AssertionError):
    """numtorch and PyTorch disagree on a generated call."""


@dataclass
class Arg:
    """One tensor argument: its values and how it is laid out in memory.

    ``layout``: ``contiguous``; ``transposed`` (the leaf holds the reversed shape, the argument
    is its ``permute``); ``stepped`` (the leaf is twice as long in the last dim, the argument
    takes every other element); ``expanded`` (the leaf has size 1 in the dims the argument
    expands); ``scalar`` (a Python number, not a tensor).
    """

    array: np.ndarray
    layout: str = "contiguous"
    requires_grad: bool = True

    def leaf_array(self):
        a = self.array
        if self.layout == "transposed":
            return np.ascontiguousarray(np.transpose(a))
        if self.layout == "stepped":
            wide = np.repeat(a, 2, axis=-1)
            return wide
        if self.layout == "expanded":
            # keep the first index along every dim of size > 1 that we choose to expand:
            # the argument is then the leaf broadcast back to the full shape.
            return self._expand_source()
        return a

    def values(self):
        """The argument's values as the op sees them (an expanded argument repeats the values
        of its source along the expanded dims)."""
        if self.layout == "expanded":
            return np.broadcast_to(self.leaf_array(), self.array.shape)
        return self.array

    def _expand_source(self):
        a = self.array
        # expand every other dim of size > 1 (at least one when possible)
        dims = [d for d in range(a.ndim) if a.shape[d] > 1][::2]
        for d in dims:
            a = np.take(a, [0], axis=d)
        return np.ascontiguousarray(a)

    def build(self, lib, grad=True, clone=False):
        """(leaf, argument, base) in ``lib``: the argument is a view, in this layout, of the
        base: the leaf itself, or (``clone``) a non-leaf copy of it."""
        if self.layout == "scalar":
            return None, self.array.item(), None
        leaf = lib.tensor(self.leaf_array())
        if grad and self.requires_grad and leaf.is_floating_point():
            leaf.requires_grad_(True)
        base = leaf.clone() if clone else leaf
        if self.layout == "transposed":
            x = base.permute(*reversed(range(base.dim())))
        elif self.layout == "stepped":
            x = base[..., ::2]
        elif self.layout == "expanded":
            x = base.expand(*self.array.shape)
        else:
            x = base
        return leaf, x, base


@dataclass
class Case:
    op: object                  # an optable.Op
    args: list                  # of Arg
    kwargs: dict = field(default_factory=dict)
    variant: str = "call"       # call | method | inplace | out | out_empty
    grad: bool = True
    seed: int = 0
    inf_grad: bool = False      # some of the backward pass's output weights are infinite

    def __repr__(self):
        def show(a):
            if a.layout == "scalar":
                return repr(a.array.item())
            return f"{a.array.dtype}{list(a.array.shape)}:{a.layout}"
        return (f"Case({self.op.name}, [{', '.join(show(a) for a in self.args)}], "
                f"kwargs={self.kwargs!r}, variant={self.variant}, grad={self.grad}"
                f"{', inf_grad=True' if self.inf_grad else ''})")


def _flatten(out):
    if isinstance(out, (tuple, list)):
        flat = []
        for o in out:
            flat.extend(_flatten(o))
        return flat
    return [out]


def _dtype_name(t):
    return str(t.dtype).split(".")[-1]


def _np(t):
    if isinstance(t, numtorch.Tensor):
        return np.asarray(t.detach().numpy())
    return t.detach().numpy()


def compatible_exceptions(nt_type, th_type):
    """torch's C++ errors map to Python builtins; numtorch must raise the same builtin class
    (or a subclass/superclass of it)."""
    if issubclass(nt_type, th_type) or issubclass(th_type, nt_type):
        return True
    # torch.AcceleratorError & co.: compare the builtin base they derive from
    base = next(c for c in th_type.__mro__ if c.__module__ == "builtins")
    return issubclass(nt_type, base) and base is not Exception


def _call(lib, case):
    leaves, xs, bases = [], [], []
    for i, a in enumerate(case.args):
        leaf, x, base = a.build(lib, case.grad, clone=case.variant == "inplace" and i == 0)
        leaves.append(leaf)
        xs.append(x)
        bases.append(base)
    out = case.op.invoke(lib, xs, dict(case.kwargs), case.variant, bases[0] if bases else None)
    return leaves, xs, out


def _compare_values(k, a, b, context, tol=None, scale=1, finite_only=False):
    if isinstance(b, torch.Tensor):
        if not isinstance(a, numtorch.Tensor):
            raise Mismatch(f"{context}: output {k} is {type(a).__name__}, torch gives a tensor")
        if tuple(a.shape) != tuple(b.shape):
            raise Mismatch(f"{context}: output {k} shape {tuple(a.shape)} != {tuple(b.shape)}")
        if _dtype_name(a) != _dtype_name(b):
            raise Mismatch(f"{context}: output {k} dtype {_dtype_name(a)} != {_dtype_name(b)}")
        x, y = _np(a), _np(b)
        name = _dtype_name(b)
        if finite_only:
            # (under infinite output weights, which of inf/-inf/NaN a sum of infinite terms
            # gives depends on how the backward formula is arranged: only the elements torch
            # finds finite are compared, and there an infinite or NaN result is a mismatch)
            keep = np.isfinite(y)
            x, y = x[keep], y[keep]
        if name in _TOL:
            rtol, atol = _TOL[tol or name]
            rtol, atol = rtol * scale, atol * scale
            ok = np.allclose(x.astype(np.float64), y.astype(np.float64), rtol=rtol, atol=atol,
                             equal_nan=True)
        else:
            ok = np.array_equal(x, y)
        if not ok:
            raise Mismatch(f"{context}: output {k} values differ\nnumtorch: {x!r}\ntorch:    "
                           f"{y!r}")
        return
    if isinstance(b, (bool, int, float)) and not isinstance(a, numtorch.Tensor):
        same = (a == b) or (isinstance(a, float) and isinstance(b, float) and math.isnan(a)
                            and math.isnan(b))
        if not same or type(a) is not type(b):
            raise Mismatch(f"{context}: output {k}: {a!r} != {b!r}")
        return
    if type(b).__name__ == "Size" or isinstance(b, torch.Size):
        if tuple(a) != tuple(b):
            raise Mismatch(f"{context}: output {k}: {tuple(a)} != {tuple(b)}")
        return
    if a != b:
        raise Mismatch(f"{context}: output {k}: {a!r} != {b!r}")


# Known differences, each with its reason (the README's "Differences from PyTorch" lists the
# ones that are numtorch's choice): a case a predicate matches is not compared. Predicates see
# the Case.
def _op(*names):
    return lambda c: c.op.name in names


def _empty_arg(c):
    return any(a.layout != "scalar" and a.array.size == 0 for a in c.args)


def _kth_tied(c):
    """Whether the value kthvalue selects occurs more than once in its slice."""
    a, k, d = c.args[0].values(), c.kwargs.get("k", 1), c.kwargs.get("dim", -1)
    if a.ndim == 0 or a.size == 0 or not -a.ndim <= d < a.ndim or not 1 <= k <= a.shape[d]:
        return False
    kth = np.take(np.sort(a, axis=d), [k - 1], axis=d)
    return bool(((a == kth).sum(axis=d) > 1).any())


def _topk_tied(c):
    """Whether equal values meet among the k selected ones or at the selection's edge."""
    a, k, d = c.args[0].values(), c.kwargs.get("k", 1), c.kwargs.get("dim", -1)
    if a.ndim == 0 or a.size == 0 or not -a.ndim <= d < a.ndim or not 1 <= k <= a.shape[d]:
        return False
    s = np.sort(a, axis=d)
    if c.kwargs.get("largest", True):
        s = np.flip(s, axis=d)
    s = np.take(s, np.arange(min(k + 1, a.shape[d])), axis=d)
    return bool((np.diff(s, axis=d) == 0).any())


def _constant_slice(c):
    """Whether a reduction's input has a slice of two or more equal values to reduce."""
    a, dim = c.args[0].values(), c.kwargs.get("dim")
    if a.size == 0 or a.ndim == 0:
        return False
    if dim is None or dim == ():
        dim = tuple(range(a.ndim))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if any(not -a.ndim <= d < a.ndim for d in dims):
        return False
    if np.prod([a.shape[d] for d in dims]) < 2:
        return False
    return bool((np.amax(a, axis=dims) == np.amin(a, axis=dims)).any())


def _negative_integer(c):
    x = c.args[0].array
    with np.errstate(invalid="ignore"):
        return bool(np.any((x < 0) & (x == np.round(x))))


KNOWN = [
    # PyTorch skips the dim check on a tensor without elements
    (lambda c: c.op.name in ("roll", "cummax", "cummin") and _empty_arg(c),
     "PyTorch does not check dims of empty tensors here"),
    # a float value written into an integer tensor: PyTorch marks the int tensor requires_grad
    (lambda c: c.op.name == "setitem" and str(c.args[0].array.dtype)[0] in "iub",
     "PyTorch's requires_grad on an integer tensor written from a float tensor"),
    # NumPy rejects a negative Python int with a uint8 tensor; PyTorch wraps it around
    (lambda c: (any(a.layout == "scalar" and a.array.item() < 0 for a in c.args) or
                c.kwargs.get("alpha", 0) < 0) and any(
        a.layout != "scalar" and a.array.dtype == np.uint8 for a in c.args),
     "negative Python ints with uint8 tensors wrap around in PyTorch"),
    # PyTorch bug: the backward of var/std (and var_mean/std_mean) with dim=() takes it as a
    # reduction over no dim (N = 1), while the forward reduces over all of them
    (lambda c: c.op.name in ("std", "var", "std_mean", "var_mean") and c.grad and
     c.kwargs.get("dim") == (),
     "PyTorch's var/std backward with dim=()"),
    # PyTorch bug: logsumexp(dim=()) reduces over every dim, but without keepdim it fails to
    # squeeze its internal maximum ("output with shape [] doesn't match the broadcast shape")
    (lambda c: c.op.name == "logsumexp" and c.kwargs.get("dim") == () and not c.kwargs.get(
        "keepdim") and c.args[0].array.ndim >= 1,
     "PyTorch's logsumexp(dim=()) without keepdim raises"),
    # PyTorch has no derivative for remainder with a Python number on the left (it raises at
    # backward); numtorch gives the gradient it gives with a 0-d tensor there, -floor(a / x)
    (lambda c: c.op.name in ("remainder", "operator.__mod__") and c.grad and
     c.args[0].layout == "scalar",
     "remainder(number, tensor) has no derivative in PyTorch"),
    # PyTorch bug: the backward of x ** (a bool tensor) computes exponent - 1 on the bools
    # and raises ("Subtraction ... with a bool tensor is not supported")
    (lambda c: c.op.name in ("pow", "operator.__pow__") and c.grad and len(c.args) > 1 and
     c.args[1].layout != "scalar" and c.args[1].array.dtype == np.bool_ and
     c.args[0].array.dtype.kind == "f",
     "PyTorch's backward of x ** bool_tensor"),
    # PyTorch bug: True ** x fails an internal assert in the backward of x
    (lambda c: c.op.name in ("pow", "operator.__pow__") and c.grad and
     c.args[0].layout == "scalar" and c.args[0].array.dtype == np.bool_,
     "PyTorch's backward of True ** tensor"),
    # which of equal values kthvalue returns the index of is not specified (PyTorch's
    # selection algorithm decides); numtorch orders equal values by position
    (lambda c: c.op.name == "kthvalue" and _kth_tied(c), "kthvalue index among ties"),
    # max pooling sends its gradient through a multiplied mask (fast; documented there): an
    # infinite gradient turns the window's other elements NaN, where PyTorch leaves them 0
    # (adaptive max pooling over windows that tile the input runs the same kernel)
    (lambda c: c.op.name.startswith(("nn.functional.max_pool",
                                     "nn.functional.adaptive_max_pool")) and c.inf_grad,
     "max pooling's gradient under infinite incoming gradients"),
    # convolutions compute their gradients as products over whole windows (im2col, shifted
    # GEMMs) or transformed tiles (Winograd): an infinite gradient meets the padding's zeros
    # (0 * inf) or is mixed into its tile, where PyTorch's direct kernels skip the padding
    (lambda c: c.op.name.startswith("nn.functional.conv") and c.inf_grad,
     "convolutions' gradients under infinite incoming gradients"),
    # PyTorch bug: median along a dim of an expanded tensor reads the wrong memory (values
    # like 5e-14 for a [[1., 5.]] expanded to 3 rows)
    (lambda c: c.op.name == "median" and "dim" in c.kwargs and c.args[0].layout == "expanded"
     and c.args[0].leaf_array().shape != c.args[0].array.shape,
     "PyTorch's median(dim) of an expanded tensor"),
    # PyTorch bug: cov of a single observation with only fweights or only aweights, the input
    # requiring grad, raises "a view of a leaf Variable ... used in an in-place operation"
    (lambda c: c.op.name == "cov" and c.grad and c.args[0].array.shape[-1:] == (1,)
     and ("fweights" in c.kwargs) != ("aweights" in c.kwargs),
     "PyTorch's cov of one weighted observation under autograd"),
    # PyTorch bug: block_diag's backward gives a 1-D empty block no row (its forward gives it
    # one), so the gradients of the blocks after it are read from the rows above theirs
    (lambda c: c.op.name == "block_diag" and c.grad
     and any(a.array.shape == (0,) for a in c.args[:-1]),
     "PyTorch's block_diag backward after a 1-D empty block"),
    # the Cholesky backward (linalg.cholesky's, which cholesky_ex runs) multiplies whole
    # triangles by L^-1: an infinite gradient spreads NaN where PyTorch's keeps one entry finite
    (lambda c: c.op.name == "linalg.cholesky_ex" and c.inf_grad,
     "Cholesky's gradient under infinite incoming gradients"),
    # cov of one weighted observation divides by a zero denominator: the weighted mean of one
    # value (x * w / w) can be one bit off x in either library, giving inf instead of 0/0 = NaN
    (lambda c: c.op.name == "cov" and c.args[0].array.shape[-1:] == (1,)
     and ("fweights" in c.kwargs or "aweights" in c.kwargs),
     "cov of one weighted observation: rounding over a zero denominator"),
    # nanquantile of a flattened tensor of NaN only sends the gradient to the NaN its sort puts
    # first: PyTorch's sort of more than 16 elements leaves the order of equal values open
    (lambda c: c.op.name == "nanquantile" and c.grad and "dim" not in c.kwargs
     and c.args[0].array.size > 16 and np.isnan(c.args[0].array).all(),
     "which NaN PyTorch's sort puts first (nanquantile of NaN only)"),
    # PyTorch bug: the backward of linalg.cond in the norms computed through the inverse
    # ('fro', 1, inf...) raises ("modified by an inplace operation", its inv_ex output)
    (lambda c: c.op.name == "linalg.cond" and c.grad and c.kwargs.get("p") not in (None, 2, -2,
                                                                                   "nuc"),
     "PyTorch's cond backward through the inverse"),
    # corrcoef of two observations is exactly +-1, so its gradient is zero: under an infinite
    # incoming gradient numtorch's chain (cov, sqrt, divisions) meets 0 * inf, PyTorch's not
    (lambda c: c.op.name == "corrcoef" and c.inf_grad and c.args[0].array.shape[-1] == 2,
     "corrcoef's zero gradient at two observations under infinite incoming gradients"),
    # std of a slice of equal values: the mean is off by rounding, so the gradient is
    # (x - mean) / std of two rounding errors, different in each library
    (lambda c: c.op.name in ("std", "std_mean") and c.grad and _constant_slice(c),
     "std's gradient on a slice of equal values is rounding noise"),
    # the same for topk: PyTorch leaves the order (and choice) of equal values open
    (lambda c: c.op.name == "topk" and _topk_tied(c), "topk indices among ties"),
    # tril_/triu_ of an expanded tensor: PyTorch writes the shared elements in an unspecified
    # order (and fails at backward); numtorch refuses, as for every write into a broadcast view
    (lambda c: c.op.name in ("tril", "triu") and c.variant == "inplace" and
     c.args[0].layout == "expanded" and c.args[0].leaf_array().shape != c.args[0].array.shape,
     "writes into (views of) an expanded tensor raise"),
    # PyTorch: out= of an op without a derivative (heaviside, floor_divide) requires grad
    (lambda c: c.op.name in ("heaviside", "floor_divide") and c.variant.startswith("out"),
     "PyTorch's requires_grad on out= of a non-differentiable op"),
    # fill_/zero_ of an expanded tensor: numtorch's broadcast views are read-only
    (lambda c: c.op.name == "chain" and "expand" in c.kwargs["steps"] and any(
        STEP_KINDS.get(s) == "inplace" for s in c.kwargs["steps"][
            c.kwargs["steps"].index("expand"):]),
     "writes into (views of) an expanded tensor raise"),
    (lambda c: c.op.name == "chain" and c.args[0].layout == "expanded" and any(
        STEP_KINDS.get(s) == "inplace" for s in c.kwargs["steps"]),
     "writes into (views of) an expanded tensor raise"),
    # reshape of a clone: a view in numtorch (clone is contiguous), a copy in PyTorch when the
    # clone kept a transposed layout; PyTorch leaves view-or-copy unspecified
    (lambda c: c.op.name == "chain" and "reshape" in c.kwargs["steps"] and any(
        STEP_KINDS.get(s) == "inplace" for s in c.kwargs["steps"]),
     "reshape may view or copy"),
    # an in-place op with a tensor requiring grad on a detach()ed alias: PyTorch's bookkeeping
    # of the alias's versions and its no_grad-view rule differ from numtorch's
    (lambda c: c.op.name == "chain" and "detach" in c.kwargs["steps"] and c.args[1].requires_grad
     and any(STEP_KINDS.get(s) == "inplace" for s in c.kwargs["steps"]),
     "in-place ops on detach()ed aliases"),
    # addcmul_ is composed of two products in numtorch: a tensor1 that shares the modified
    # tensor's version counter (a detach()) is not what is saved, so no error is raised
    (lambda c: c.op.name == "chain" and "addcmul_" in c.kwargs["steps"],
     "addcmul_ with a detached alias of its input"),
    # a view of an empty tensor is not tracked as a view (no memory is shared)
    (lambda c: c.op.name == "chain" and _empty_arg(c), "views of empty tensors"),
    # gelu(+-inf): PyTorch computes NaN, numtorch the limits (inf, 0)
    (lambda c: c.op.name == "nn.functional.gelu" and any(
        a.layout != "scalar" and np.isinf(a.array).any() for a in c.args),
     "gelu at infinities"),
    # x[index] = tensor of another dtype: when PyTorch checks the dtypes depends on the index
    # kind and the selection (empty or not); numtorch checks them for advanced indices
    (lambda c: c.op.name == "setitem" and c.args[1].layout != "scalar" and
     c.args[1].array.dtype != c.args[0].array.dtype,
     "setitem dtype check"),
    # in-place logical ops on a float tensor: PyTorch keeps the old gradient history (the
    # gradient flows through as if the values had not been replaced); numtorch cuts it, as
    # PyTorch does for the in-place comparisons
    (lambda c: c.op.name.startswith("logical_") and c.variant == "inplace",
     "in-place logical ops keep the gradient history in PyTorch"),
    # an in-place comparison on a bool/int tensor with a float operand requiring grad: PyTorch
    # marks the integer result as requiring grad
    (lambda c: c.op.name in ("eq", "ne", "lt", "le", "gt", "ge") and c.variant == "inplace"
     and c.args[0].array.dtype.kind in "biu",
     "requires_grad of an integer in-place comparison"),
    # integer ** negative integer: NumPy refuses, PyTorch returns an undefined value
    (lambda c: c.op.name in ("pow", "operator.__pow__") and all(
        a.array.dtype.kind in "iub" for a in c.args) and any(
        (a.array < 0).any() for a in c.args[1:]),
     "integers to negative integer powers"),
    # PyTorch has no derivative for the in-place inverse hyperbolics (its backward raises);
    # numtorch's are differentiable
    (lambda c: c.op.name in ("asinh", "acosh", "atanh", "arcsinh", "arccosh", "arctanh") and
     c.variant == "inplace" and c.grad, "PyTorch's in-place inverse hyperbolics"),
    # PyTorch bug: ldexp's gradient to input is 2^other in integer arithmetic for an integer
    # other (0 where other < 0)
    (lambda c: c.op.name == "ldexp" and c.grad and c.args[1].array.dtype.kind in "iub",
     "PyTorch's ldexp gradient for integer exponents"),
    # ldexp of two floating dtypes: PyTorch takes 2^other in other's dtype, or in input's
    # when both are 0-d or input is float64 and other 0-d (numtorch: always other's dtype)
    (lambda c: c.op.name == "ldexp" and c.args[0].array.dtype.kind == "f" and
     c.args[1].array.dtype.kind == "f" and c.args[0].array.dtype != c.args[1].array.dtype,
     "ldexp's rounding of 2^other for mixed floating dtypes"),
    # PyTorch's trigamma at the negative integers is the rounding of sin(pi x) (about 1e32);
    # numtorch's is the pole, +inf
    (lambda c: c.op.name == "polygamma" and c.kwargs.get("n") == 1 and _negative_integer(c),
     "trigamma at the negative integers"),
    # PyTorch refuses autograd for sum(dtype=<integer>) of a float tensor
    (lambda c: c.op.name == "sum" and c.kwargs.get("dtype") == "int32" and c.grad,
     "sum(dtype=int) of a tensor requiring grad"),
]


STEP_KINDS = {}  # chain step -> view/op/inplace, filled in by optable


def known(case):
    for pred, reason in KNOWN:
        if pred(case):
            return reason
    return None


def run_case(case):
    """Run ``case`` on both libraries; raise ``Mismatch`` describing the first difference."""
    if known(case):
        return "known"
    context = repr(case)
    th_exc = nt_exc = None
    try:
        th_leaves, _, th_out = _call(torch, case)
    except Exception as e:  # noqa: BLE001 - any exception is a result to compare
        th_exc = e
    try:
        nt_leaves, _, nt_out = _call(numtorch, case)
    except Exception as e:  # noqa: BLE001
        nt_exc = e
    if th_exc is not None:
        if nt_exc is None:
            raise Mismatch(f"{context}: torch raises {type(th_exc).__name__}({th_exc}), "
                           f"numtorch does not")
        if not compatible_exceptions(type(nt_exc), type(th_exc)):
            raise Mismatch(f"{context}: numtorch raises {type(nt_exc).__name__}({nt_exc}), torch "
                           f"raises {type(th_exc).__name__}({th_exc})")
        return "raises"
    if nt_exc is not None:
        raise Mismatch(f"{context}: numtorch raises {type(nt_exc).__name__}({nt_exc}), torch "
                       f"returns") from nt_exc
    th_flat, nt_flat = _flatten(th_out), _flatten(nt_out)
    if len(th_flat) != len(nt_flat):
        raise Mismatch(f"{context}: {len(nt_flat)} outputs, torch gives {len(th_flat)}")
    try:
        [b.grad_fn for b in th_flat if isinstance(b, torch.Tensor)]
    except RuntimeError as e:
        # PyTorch raises lazily, when a multi-output view is read after its base was changed
        # in place through another alias (numtorch raises only at the in-place change itself)
        if "returns multiple views" in str(e):
            return "known"
        raise
    r = np.random.default_rng(case.seed)
    th_loss = nt_loss = None
    for k, (a, b) in enumerate(zip(nt_flat, th_flat)):
        _compare_values(k, a, b, context)
        if not isinstance(b, torch.Tensor):
            continue
        if a.requires_grad != b.requires_grad:
            raise Mismatch(f"{context}: output {k} requires_grad {a.requires_grad} != "
                           f"{b.requires_grad}")
        if b.requires_grad:
            w = r.standard_normal(tuple(b.shape))
            if case.inf_grad:  # some infinite output weights: zero gradients must stay zeros
                w = np.where(r.random(w.shape) < 0.3, np.copysign(np.inf, w), w)
            th_term = (b * torch.tensor(w, dtype=b.dtype)).sum()
            nt_term = (a * numtorch.tensor(w, dtype=a.dtype)).sum()
            th_loss = th_term if th_loss is None else th_loss + th_term
            nt_loss = nt_term if nt_loss is None else nt_loss + nt_term
    if th_loss is None:
        return "values"
    floats = [str(a.array.dtype) for a in case.args if a.layout != "scalar"] + [
        _dtype_name(b) for b in th_flat if isinstance(b, torch.Tensor)]
    lowest = next((d for d in ("float16", "float32", "float64") if d in floats), None)
    th_exc = nt_exc = None
    try:
        th_loss.backward()
    except Exception as e:  # noqa: BLE001 - e.g. a saved tensor modified in place
        th_exc = e
    try:
        nt_loss.backward()
    except Exception as e:  # noqa: BLE001
        nt_exc = e
    if th_exc is not None or nt_exc is not None:
        if th_exc is None or nt_exc is None or not compatible_exceptions(type(nt_exc),
                                                                         type(th_exc)):
            raise Mismatch(f"{context}: backward: numtorch {type(nt_exc).__name__}({nt_exc}), "
                           f"torch {type(th_exc).__name__}({th_exc})")
        return "backward raises"
    for i, (a, b) in enumerate(zip(nt_leaves, th_leaves)):
        if b is None or not b.requires_grad:
            continue
        ctx = f"{context}: gradient of input {i}"
        # None and a tensor of zeros are told apart (``x.grad`` is visible: an optimizer
        # skips a parameter whose grad is None, but decays one whose grad is zero)
        if b.grad is None:
            if a.grad is not None:
                raise Mismatch(f"{ctx}: torch gives none, numtorch {_np(a.grad)!r}")
            continue
        if a.grad is None:
            raise Mismatch(f"{ctx}: numtorch gives none, torch {_np(b.grad)!r}")
        # a gradient has the precision of the least precise computation it went through
        _compare_values("grad", a.grad, b.grad, ctx, lowest, getattr(case.op, "tol_scale", 1),
                        case.inf_grad)
    return "grad"
