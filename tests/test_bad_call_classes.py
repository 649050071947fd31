"""Generated searches for whole classes of bad calls, compared with PyTorch when it is
importable (each class was found by one row of tests/test_bad_calls.py):

- a list where a tensor is required, in every tensor argument after the first of the functions
  and Tensor methods (in-place ones too) of the tensor-argument table
  (numtorch/ops/_scalars.py): TypeError naming the argument (a list was read as an array, or
  failed with an AttributeError inside);
- every loss of nn.functional given integer tensors: PyTorch's class (mostly
  NotImplementedError naming the kernel and 'Long');
- every reduction and dim-taking op with an out-of-range dim: IndexError naming the dim;
- the in-place random fills with parameters out of their range: RuntimeError naming the value.
"""

import inspect

import pytest

import numtorch
from numtorch.ops import _scalars

try:
    import torch
except ImportError:
    torch = None


def _raised(fn, lib):
    try:
        fn(lib)
    except Exception as exc:  # noqa: BLE001 - the exception is the result
        return exc
    return None


def _same_class(fn, expected=None):
    """numtorch raises; with torch, torch raises too and numtorch's exception is an instance of
    torch's class. Returns numtorch's exception."""
    nt = _raised(fn, numtorch)
    assert nt is not None, "numtorch raised nothing"
    if expected is not None:
        assert isinstance(nt, expected), f"{type(nt).__name__}: {nt}"
    if torch is not None:
        th = _raised(fn, torch)
        assert th is not None, f"torch raised nothing; numtorch {type(nt).__name__}: {nt}"
        assert isinstance(nt, type(th)), \
            f"numtorch {type(nt).__name__}({nt}), torch {type(th).__name__}({th})"
    return nt


# ---------------------------------------------------------------- a list for a tensor argument
def _tensor_arg_cases():
    cases = []
    for name, params in sorted(_scalars.TENSOR_ARGS.items()):
        for bad in params[1:]:
            if hasattr(numtorch, name):
                cases.append(pytest.param(name, params, bad, False, id=f"{name}-{bad}"))
            if hasattr(numtorch.Tensor, name):
                cases.append(pytest.param(name, params, bad, True, id=f"Tensor.{name}-{bad}"))
                if hasattr(numtorch.Tensor, name + "_"):
                    cases.append(pytest.param(name, params, bad, "inplace",
                                              id=f"Tensor.{name}_-{bad}"))
    return cases


def _call_with_list(lib, name, params, bad, method):
    fn = getattr(numtorch, name, None) or getattr(numtorch.Tensor, name)
    required = [p for p in inspect.signature(fn).parameters.values()
                if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    args = []
    for p in required:
        if p.name == bad:
            args.append([1.0, 2.0])
        elif p.name in params or p.name == "self":
            args.append(lib.ones(2))
        elif p.name == "dim":
            args.append(0)
        else:
            args.append(1.0)
    if method == "inplace":
        return getattr(args[0], name + "_")(*args[1:])
    if method:
        return getattr(args[0], name)(*args[1:])
    return getattr(lib, name)(*args)


TENSOR_ARG_CASES = _tensor_arg_cases()


def test_the_table_reaches_methods_and_functions():
    assert len(TENSOR_ARG_CASES) >= 60


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("name,params,bad,method", TENSOR_ARG_CASES)
def test_list_for_a_tensor_argument(name, params, bad, method):
    exc = _same_class(lambda lib: _call_with_list(lib, name, params, bad, method), TypeError)
    assert f"argument '{bad}'" in str(exc) and "not list" in str(exc), str(exc)


# ---------------------------------------------------------------- losses of integer tensors
_LOSS_ARGS = {
    "cross_entropy": "classes", "nll_loss": "classes", "multi_margin_loss": "classes",
    "margin_ranking_loss": "three", "triplet_margin_loss": "three",
    "cosine_embedding_loss": "three",
}
# Not in this sweep: losses of other arguments (ctc, gaussian_nll, the three-input ones), and
# hinge_embedding_loss, which PyTorch computes in the integer dtype (then fails in mean) while
# numtorch computes a float loss.
_LOSS_SKIP = {"ctc_loss", "gaussian_nll_loss", "poisson_nll_loss", "hinge_embedding_loss",
              "margin_ranking_loss", "triplet_margin_loss", "triplet_margin_with_distance_loss",
              "cosine_embedding_loss"}


def test_margin_ranking_loss_of_integer_tensors_is_float():
    x = numtorch.tensor([[1, 2], [3, 0]])
    loss = numtorch.nn.functional.margin_ranking_loss(x, x.flip(0), numtorch.tensor([[1, -1]]))
    assert loss.dtype == numtorch.float32 and abs(float(loss) - 1.0) < 1e-6
    if torch is not None:
        t = torch.tensor([[1, 2], [3, 0]])
        ref = torch.nn.functional.margin_ranking_loss(t, t.flip(0), torch.tensor([[1, -1]]))
        assert str(ref.dtype) == "torch.float32" and float(ref) == float(loss)
LOSSES = sorted(n for n in numtorch.nn.functional.__all__
                if n.endswith("_loss") or n in ("cross_entropy", "binary_cross_entropy",
                                                 "binary_cross_entropy_with_logits", "kl_div"))


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("name", [n for n in LOSSES if n not in _LOSS_SKIP])
def test_loss_of_integer_tensors(name):
    def call(lib):
        x = lib.ones(2, 3, dtype=lib.int64)
        if _LOSS_ARGS.get(name) == "classes":
            return getattr(lib.nn.functional, name)(x, lib.tensor([0, 1]))
        return getattr(lib.nn.functional, name)(x, lib.ones(2, 3, dtype=lib.int64))

    exc = _same_class(call, RuntimeError)
    assert "Long" in str(exc) or "int64" in str(exc) or "Integral" in str(exc), str(exc)


# ---------------------------------------------------------------- dims out of range
_DIM_OPS = {
    "sum": lambda lib, x: x.sum(dim=3), "mean": lambda lib, x: x.mean(dim=3),
    "prod": lambda lib, x: x.prod(dim=3), "amax": lambda lib, x: x.amax(dim=3),
    "amin": lambda lib, x: x.amin(dim=3), "max": lambda lib, x: x.max(dim=3),
    "min": lambda lib, x: x.min(dim=3), "argmax": lambda lib, x: x.argmax(dim=3),
    "argmin": lambda lib, x: x.argmin(dim=3), "logsumexp": lambda lib, x: x.logsumexp(3),
    "softmax": lambda lib, x: x.softmax(3), "log_softmax": lambda lib, x: x.log_softmax(3),
    "cumsum": lambda lib, x: x.cumsum(3), "cumprod": lambda lib, x: x.cumprod(3),
    "std": lambda lib, x: x.std(dim=3), "var": lambda lib, x: x.var(dim=3),
    "median": lambda lib, x: x.median(3), "mode": lambda lib, x: x.mode(3),
    "nansum": lambda lib, x: x.nansum(dim=3), "all": lambda lib, x: x.all(dim=3),
    "any": lambda lib, x: x.any(dim=3), "norm": lambda lib, x: x.norm(dim=3),
    "count_nonzero": lambda lib, x: x.count_nonzero(dim=3),
    "sort": lambda lib, x: x.sort(3), "argsort": lambda lib, x: x.argsort(3),
    "cummax": lambda lib, x: x.cummax(3), "cummin": lambda lib, x: x.cummin(3),
    "unbind": lambda lib, x: x.unbind(3), "squeeze": lambda lib, x: x.squeeze(3),
    "unsqueeze": lambda lib, x: x.unsqueeze(4), "flip": lambda lib, x: x.flip(3),
    "transpose": lambda lib, x: x.transpose(0, 3), "movedim": lambda lib, x: x.movedim(3, 0),
    "select": lambda lib, x: x.select(3, 0), "narrow": lambda lib, x: x.narrow(3, 0, 1),
    "chunk": lambda lib, x: x.chunk(2, 3), "split": lambda lib, x: x.split(1, 3),
    "size": lambda lib, x: x.size(3), "topk": lambda lib, x: x.topk(1, 3),
    "kthvalue": lambda lib, x: x.kthvalue(1, 3), "gather": lambda lib, x: x.gather(
        3, lib.zeros(2, 3, dtype=lib.int64)),
    "index_select": lambda lib, x: x.index_select(3, lib.tensor([0])),
    "cat": lambda lib, x: lib.cat([x, x], 3), "stack": lambda lib, x: lib.stack([x, x], 4),
    "std_mean": lambda lib, x: lib.std_mean(x, 3), "aminmax": lambda lib, x: x.aminmax(dim=3),
    "diff": lambda lib, x: x.diff(dim=3), "roll": lambda lib, x: x.roll(1, 3),
    "flatten": lambda lib, x: x.flatten(0, 3), "unflatten": lambda lib, x: x.unflatten(3, (1,)),
}


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("name", sorted(_DIM_OPS))
def test_dim_out_of_range(name):
    op = _DIM_OPS[name]
    exc = _same_class(lambda lib: op(lib, lib.ones(2, 3)), IndexError)
    assert "3" in str(exc) or "4" in str(exc), str(exc)


# ---------------------------------------------------------------- random fills out of range
FILLS = {
    "uniform_": (lambda lib: lib.ones(3).uniform_(1.0, 0.5), "from=1.0"),
    "normal_": (lambda lib: lib.ones(3).normal_(0.0, -2.0), "-2.0"),
    "bernoulli_": (lambda lib: lib.ones(3).bernoulli_(-0.5), "-0.5"),
    "bernoulli_-tensor": (lambda lib: lib.ones(3).bernoulli_(lib.tensor([0.5, 1.5, 0.5])),
                          "p_in"),
    "random_": (lambda lib: lib.ones(3).random_(3, 3), "from=3"),
    "exponential_": (lambda lib: lib.ones(3).exponential_(0.0), "lambda=0.0"),
    "randint": (lambda lib: lib.randint(3, 3, (2,)), "from=3"),
    "normal": (lambda lib: lib.normal(lib.zeros(2), lib.tensor([1.0, -1.0])), "-1.0"),
}


@pytest.mark.parametrize("name", sorted(FILLS))
def test_random_parameter_out_of_range(name):
    fn, match = FILLS[name]
    exc = _same_class(fn, RuntimeError)
    assert match in str(exc), str(exc)


def test_random_to_draws_from_zero():
    """``random_(to)`` is PyTorch's one-argument form: [0, to), not [to, max)."""
    numtorch.manual_seed(0)
    x = numtorch.empty(1000, dtype=numtorch.int64).random_(4)
    assert int(x.min()) == 0 and int(x.max()) == 3


# ---------------------------------------------------------------- a list for a number argument
# Arguments taking a number or a tensor: NumPy would broadcast a list into the result.
NUMBER_ARGS = {
    "pow": lambda lib: lib.ones(2).pow([1.0, 2.0]),
    "clamp-min": lambda lib: lib.ones(2).clamp(min=[0.0, 1.0]),
    "clamp-max": lambda lib: lib.clamp(lib.ones(2), None, [0.0, 1.0]),
    "fill_": lambda lib: lib.ones(2).fill_([1.0, 2.0]),
    "masked_fill": lambda lib: lib.ones(2).masked_fill(lib.tensor([True, False]), [1.0, 2.0]),
    "masked_fill_": lambda lib: lib.ones(2).masked_fill_(lib.tensor([True, False]), [1.0]),
    "bincount-weights": lambda lib: lib.tensor([1]).bincount([1.0]),
    "full": lambda lib: lib.full((2,), [1.0, 2.0]),
}


@pytest.mark.parametrize("name", sorted(NUMBER_ARGS))
def test_list_for_a_number_argument(name):
    exc = _same_class(NUMBER_ARGS[name], TypeError)
    assert "list" in str(exc), str(exc)
