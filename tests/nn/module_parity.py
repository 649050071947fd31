"""``module_parity``: the same layer in numtorch and torch, with torch's weights copied into
numtorch through ``load_state_dict`` of NumPy arrays; outputs, and gradients of every input and
every parameter, must match."""

import numpy as np
from parity import to_numpy, torch

import numtorch

__all__ = ["module_parity"]


def module_parity(make, *arrays, atol=1e-5, rtol=1e-4, train=True, seed=0, grad=True):
    """``make(lib)`` builds the module; ``arrays`` are its inputs (floating ones require grad).
    Returns (numtorch module, torch module, numtorch output)."""
    import pytest

    if torch is None:
        pytest.skip("PyTorch is not installed")
    th = make(torch)
    nt = make(numtorch)
    res = nt.load_state_dict({k: v.detach().numpy() for k, v in th.state_dict().items()})
    assert not res.missing_keys and not res.unexpected_keys
    th.train(train)
    nt.train(train)

    def inputs(lib):
        out = []
        for a in arrays:
            t = lib.tensor(a)
            if grad and t.is_floating_point():
                t.requires_grad_(True)
            out.append(t)
        return out

    xs_nt, xs_th = inputs(numtorch), inputs(torch)
    y_nt, y_th = nt(*xs_nt), th(*xs_th)
    assert tuple(y_nt.shape) == tuple(y_th.shape)
    assert str(y_nt.dtype).split(".")[-1] == str(y_th.dtype).split(".")[-1]
    np.testing.assert_allclose(to_numpy(y_nt), to_numpy(y_th), atol=atol, rtol=rtol)
    if grad and y_th.requires_grad:
        w = np.random.default_rng(seed).standard_normal(tuple(y_th.shape))
        (y_nt * numtorch.tensor(w, dtype=y_nt.dtype)).sum().backward()
        (y_th * torch.tensor(w, dtype=y_th.dtype)).sum().backward()
        for i, (a, b) in enumerate(zip(xs_nt, xs_th)):
            if b.grad is not None:
                np.testing.assert_allclose(to_numpy(a.grad), to_numpy(b.grad), atol=atol,
                                           rtol=rtol, err_msg=f"gradient of input {i}")
        th_params = dict(th.named_parameters())
        for name, p in nt.named_parameters():
            q = th_params[name]
            if q.grad is None:
                assert p.grad is None or not p.grad.any(), name
                continue
            np.testing.assert_allclose(to_numpy(p.grad), to_numpy(q.grad), atol=atol, rtol=rtol,
                                       err_msg=f"gradient of {name}")
    return nt, th, y_nt
