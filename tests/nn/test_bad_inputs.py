"""Non-tensor arguments at every public entry point of ``nn``, compared with PyTorch: each
functional form whose first parameter is ``input``, and each module (built from the first of a
few simple constructor argument lists both libraries accept) called with a list. numtorch raises
PyTorch's exception class, and its TypeError names the argument and the offending type."""

import inspect

import pytest

torch = pytest.importorskip("torch")

import numtorch  # noqa: E402

F_NAMES = sorted(
    n for n in numtorch.nn.functional.__all__
    if callable(getattr(numtorch.nn.functional, n, None)) and hasattr(torch.nn.functional, n)
    and inspect.isfunction(inspect.unwrap(getattr(numtorch.nn.functional, n)))
    and next(iter(inspect.signature(getattr(numtorch.nn.functional, n)).parameters), None)
    in ("input", "input1", "x1", "anchor"))

_CTOR_ARGS = [(), (2,), (2, 2), (2, 2, 1), (4, 2, 2)]


def _build(lib, name):
    cls = getattr(lib.nn, name)
    for args in _CTOR_ARGS:
        try:
            return cls(*args), args
        except Exception:  # noqa: BLE001 - try the next argument list
            continue
    return None, None


MODULES = sorted(n for n in dir(numtorch.nn) if isinstance(getattr(numtorch.nn, n), type)
                 and issubclass(getattr(numtorch.nn, n), numtorch.nn.Module)
                 and hasattr(torch.nn, n) and n not in ("Module", "Sequential", "ModuleList",
                                                        "ModuleDict", "ParameterList",
                                                        "ParameterDict", "Container"))


def _raise(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the exception is the result
        return e
    return None


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("name", F_NAMES)
def test_functional_rejects_a_list_input(name):
    th = _raise(lambda: getattr(torch.nn.functional, name)([1.0, 2.0]))
    nt = _raise(lambda: getattr(numtorch.nn.functional, name)([1.0, 2.0]))
    assert nt is not None and th is not None
    assert isinstance(nt, TypeError), f"{name}: {type(nt).__name__}: {nt}"
    assert "argument '" in str(nt) and "not list" in str(nt), str(nt)


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("name", MODULES)
def test_module_called_with_a_list(name):
    nt_mod, args = _build(numtorch, name)
    th_mod, th_args = _build(torch, name)
    if nt_mod is None or th_mod is None or args != th_args:
        pytest.skip(f"{name}: no simple constructor arguments both accept")
    n_inputs = len([p for p in inspect.signature(th_mod.forward).parameters.values()
                    if p.default is p.empty and p.kind == p.POSITIONAL_OR_KEYWORD])
    bad = [[1.0, 2.0]] * max(n_inputs, 1)
    th = _raise(lambda: th_mod(*bad))
    nt = _raise(lambda: nt_mod(*bad))
    if th is None:
        assert nt is None, f"{name}: numtorch raises {nt!r}, torch does not"
        return
    # PyTorch raises TypeError, or an AttributeError where its Python code touches the list;
    # numtorch raises the TypeError naming the argument and its type in both cases
    assert isinstance(th, (TypeError, AttributeError)), repr(th)
    # Lazy layers infer shapes before forward; recurrent layers also take a PackedSequence:
    # both fail on a list as PyTorch's do
    if name.startswith("Lazy") or isinstance(nt_mod, numtorch.nn.RNNBase) or \
            name.endswith("Cell"):
        assert isinstance(nt, type(th))
        return
    assert isinstance(nt, TypeError), f"{name}: numtorch {type(nt).__name__}({nt}), torch " \
                                      f"{type(th).__name__}({th})"
    assert "list" in str(nt), str(nt)
