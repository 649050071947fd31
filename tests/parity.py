"""The parity harness: the same lambda runs on numtorch and on PyTorch.

``parity(fn, *arrays)`` builds a numtorch and a torch tensor from each NumPy array (floating
ones require grad), calls ``fn(lib, *tensors)`` with ``lib`` = the numtorch or torch module, and
compares values, shapes and dtypes of every output and, after a backward pass with the same
random output weights, the gradient of every input. ``raises_like`` checks both raise the same
exception type. Tests using them skip when torch is not installed.

``check_grad(fn, *arrays)`` needs no torch: float64 finite differences (numtorch's gradcheck).
"""

import numpy as np
import pytest

import numtorch

try:
    import torch
except ImportError:  # the README's test command runs without PyTorch
    torch = None

requires_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

__all__ = ["torch", "requires_torch", "parity", "raises_like", "check_grad", "to_numpy",
           "rng"]


def rng(seed=0):
    return np.random.default_rng(seed)


def to_numpy(t):
    if isinstance(t, numtorch.Tensor):
        return t.detach().numpy()
    return t.detach().cpu().numpy()


def _make(lib, arr, grad):
    if isinstance(arr, np.ndarray) or isinstance(arr, np.generic):
        t = lib.tensor(np.array(arr))
        if grad and t.is_floating_point():
            t.requires_grad_(True)
        return t
    return arr


def _outputs(out):
    if isinstance(out, (tuple, list)):
        flat = []
        for o in out:
            flat.extend(_outputs(o))
        return flat
    if hasattr(out, "values") and hasattr(out, "indices") and not hasattr(out, "shape"):
        return [out.values, out.indices]
    return [out]


def _dtype_name(t):
    return str(t.dtype).split(".")[-1]


def parity(fn, *arrays, atol=1e-5, rtol=1e-4, grad=True, grad_inputs=None, check_dtype=True,
           seed=0):
    """Run ``fn(lib, *tensors)`` on both libraries and compare outputs and input gradients.

    ``grad_inputs``: indices of the arrays that should require grad (default: all floating).
    Returns the numtorch outputs."""
    if torch is None:
        pytest.skip("PyTorch is not installed")
    want = (lambda i: True) if grad_inputs is None else (lambda i: i in grad_inputs)
    nt_in = [_make(numtorch, a, grad and want(i)) for i, a in enumerate(arrays)]
    th_in = [_make(torch, a, grad and want(i)) for i, a in enumerate(arrays)]
    nt_out = _outputs(fn(numtorch, *nt_in))
    th_out = _outputs(fn(torch, *th_in))
    assert len(nt_out) == len(th_out), "different number of outputs"
    r = np.random.default_rng(seed)
    nt_loss = th_loss = None
    for k, (a, b) in enumerate(zip(nt_out, th_out)):
        if not isinstance(b, torch.Tensor):
            assert a == b, f"output {k}: {a!r} != {b!r}"
            continue
        assert isinstance(a, numtorch.Tensor), f"output {k} is not a numtorch tensor: {type(a)}"
        assert tuple(a.shape) == tuple(b.shape), f"output {k}: shape {tuple(a.shape)} != " \
                                                 f"{tuple(b.shape)}"
        if check_dtype:
            assert _dtype_name(a) == _dtype_name(b), f"output {k}: dtype {a.dtype} != {b.dtype}"
        np.testing.assert_allclose(to_numpy(a).astype(np.float64) if a.dtype != numtorch.bool
                                   else to_numpy(a), to_numpy(b).astype(np.float64)
                                   if b.dtype != torch.bool else to_numpy(b),
                                   atol=atol, rtol=rtol, err_msg=f"output {k} values")
        if grad and b.requires_grad and a.requires_grad:
            w = r.standard_normal(tuple(b.shape))
            nt_term = (a * numtorch.tensor(w, dtype=a.dtype)).sum()
            th_term = (b * torch.tensor(w, dtype=b.dtype)).sum()
            nt_loss = nt_term if nt_loss is None else nt_loss + nt_term
            th_loss = th_term if th_loss is None else th_loss + th_term
        elif grad and b.requires_grad != a.requires_grad and b.dtype.is_floating_point:
            raise AssertionError(f"output {k}: requires_grad {a.requires_grad} != "
                                 f"{b.requires_grad}")
    if th_loss is not None:
        nt_loss.backward()
        th_loss.backward()
        for i, (a, b) in enumerate(zip(nt_in, th_in)):
            if isinstance(b, torch.Tensor) and b.requires_grad:
                if b.grad is None:
                    assert a.grad is None or not np.any(to_numpy(a.grad)), f"input {i} grad"
                    continue
                assert a.grad is not None, f"input {i}: numtorch gave no gradient"
                assert tuple(a.grad.shape) == tuple(b.grad.shape), f"input {i} grad shape"
                np.testing.assert_allclose(to_numpy(a.grad), to_numpy(b.grad), atol=atol,
                                           rtol=rtol, err_msg=f"gradient of input {i}")
    return nt_out


def raises_like(fn, *arrays, match=None):
    """Both libraries raise, with the same exception type; returns numtorch's exception."""
    if torch is None:
        pytest.skip("PyTorch is not installed")
    nt_in = [_make(numtorch, a, False) for a in arrays]
    th_in = [_make(torch, a, False) for a in arrays]
    with pytest.raises(Exception) as th_exc:
        fn(torch, *th_in)
    with pytest.raises(Exception) as nt_exc:
        fn(numtorch, *nt_in)
    th_type = th_exc.type
    # torch's C++ errors subclass the Python builtins (torch.AcceleratorError etc. aside).
    assert issubclass(nt_exc.type, th_type) or issubclass(th_type, nt_exc.type) or \
        nt_exc.type.__mro__[1] is th_type.__mro__[1] and th_type not in (Exception,), \
        f"numtorch raised {nt_exc.type.__name__}, torch raised {th_type.__name__}"
    if match is not None:
        import re

        assert re.search(match, str(nt_exc.value)), str(nt_exc.value)
    return nt_exc.value


def check_grad(fn, *arrays, grad_inputs=None, atol=1e-5, rtol=1e-3, gradgrad=False,
               fast_mode=None):
    """Float64 finite-difference check of ``fn(numtorch, *tensors)`` (no torch needed)."""
    ins = []
    for i, a in enumerate(arrays):
        if isinstance(a, np.ndarray) and a.dtype.kind == "f":
            t = numtorch.tensor(a.astype(np.float64))
            if grad_inputs is None or i in grad_inputs:
                t.requires_grad_(True)
            ins.append(t)
        elif isinstance(a, np.ndarray):
            ins.append(numtorch.tensor(a))
        else:
            ins.append(a)
    f = lambda *xs: fn(numtorch, *xs)  # noqa: E731
    assert numtorch.autograd.gradcheck(f, tuple(ins), atol=atol, rtol=rtol, fast_mode=fast_mode)
    if gradgrad:
        assert numtorch.autograd.gradgradcheck(f, tuple(ins), atol=atol, rtol=rtol)
