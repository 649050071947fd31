"""Finite-difference checks of backward rules: ``gradcheck`` and ``gradgradcheck``.

Central differences in float64, ``(f(x + eps) - f(x - eps)) / (2 eps)``, compared with what
autograd computes. Small problems compare the full Jacobian, column by column; large ones compare
``v^T J u`` along random directions ``u`` (inputs) and ``v`` (outputs), which checks every
entry of J at once with high probability at the cost of two function evaluations per direction.
"""

import numpy as np

from numtorch.autograd import grad_mode

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]

_FULL_LIMIT = 4096  # input elements x output elements up to which the whole Jacobian is built


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` when numerical and analytical gradients disagree."""


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _outputs(func, inputs):
    from numtorch._tensor import Tensor

    out = _as_tuple(func(*inputs))
    return [o for o in out if isinstance(o, Tensor) and o._data.dtype.kind == "f"]


def _flat_outputs(func, inputs):
    # Grad mode stays on: ``gradgradcheck`` differentiates a function that itself calls
    # ``autograd.grad``.
    with grad_mode.enable_grad():
        outs = _outputs(func, inputs)
    if not outs:
        return np.zeros(0)
    return np.concatenate([o._data.astype(np.float64).ravel() for o in outs])


def _fail(msg, raise_exception):
    if raise_exception:
        raise GradcheckError(msg)
    return False


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              fast_mode=None, nondet_tol=0.0, check_undefined_grad=True, masked=None,
              check_grad_dtypes=False, check_batched_grad=False, check_batched_forward_grad=False,
              check_forward_ad=False, check_backward_ad=True, seed=0):
    """True if autograd's gradients of ``func`` w.r.t. the ``inputs`` that require grad match
    central finite differences (``|a - n| <= atol + rtol * |n|`` elementwise). Inputs should be
    float64. ``fast_mode`` (default: chosen by size) checks random directional derivatives
    instead of the full Jacobian. Raises ``GradcheckError`` naming the input and the worst
    entries unless ``raise_exception=False``."""
    from numtorch._tensor import Tensor, _wrap
    from numtorch.autograd.engine import grad as autograd_grad

    if check_forward_ad or check_batched_forward_grad:
        raise NotImplementedError("numtorch has no forward-mode automatic differentiation "
                                  "(check_forward_ad, check_batched_forward_grad)")
    if not check_backward_ad:
        return True
    inputs = _as_tuple(inputs)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x._requires_grad]
    if not diff:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but "
                         "none of the them have requires_grad=True.")
    for i in diff:
        if inputs[i]._data.dtype != np.float64:
            import warnings

            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating "
                          "point. This check will likely fail if all the inputs are not of "
                          "double precision floating point. ", UserWarning, stacklevel=2)
    with grad_mode.enable_grad():
        outs = _outputs(func, inputs)
    n_out = sum(o._data.size for o in outs)
    n_in = sum(inputs[i]._data.size for i in diff)
    if fast_mode is None:
        fast_mode = n_in * max(n_out, 1) > _FULL_LIMIT
    rng = np.random.default_rng(seed)

    def analytical(vs):
        """vs: list of output cotangents -> list of input gradients (arrays, zeros if unused)."""
        with grad_mode.enable_grad():
            outs_ = _outputs(func, inputs)
            pairs = [(o, _wrap(v.reshape(o._data.shape).astype(o._data.dtype)))
                     for o, v in zip(outs_, vs) if o._requires_grad]
            if not pairs:
                return [np.zeros(inputs[i]._data.shape) for i in diff]
            gs = autograd_grad([p[0] for p in pairs], [inputs[i] for i in diff],
                               [p[1] for p in pairs], allow_unused=True)
        return [np.zeros(inputs[i]._data.shape) if g is None else g._data.astype(np.float64)
                for i, g in zip(diff, gs)]

    def split(vec):
        parts, k = [], 0
        for o in outs:
            parts.append(vec[k:k + o._data.size])
            k += o._data.size
        return parts

    def numerical_dir(idx, direction):
        x = inputs[idx]._data
        orig = x.copy()
        x += eps * direction.reshape(x.shape)
        plus = _flat_outputs(func, inputs)
        x[...] = orig - eps * direction.reshape(x.shape)
        minus = _flat_outputs(func, inputs)
        x[...] = orig
        return (plus - minus) / (2 * eps)

    if n_out == 0:
        return True
    if not fast_mode:
        for idx in diff:
            x = inputs[idx]._data
            num = np.zeros((x.size, n_out))
            for j in range(x.size):
                e = np.zeros(x.size)
                e[j] = 1
                num[j] = numerical_dir(idx, e)
            ana = np.zeros((x.size, n_out))
            for k in range(n_out):
                v = np.zeros(n_out)
                v[k] = 1
                ana[:, k] = analytical(split(v))[diff.index(idx)].ravel()
            start = 0
            for k, o in enumerate(outs):
                cols = slice(start, start + o._data.size)
                start += o._data.size
                n, a = num[:, cols], ana[:, cols]
                if not np.all(np.abs(a - n) <= atol + rtol * np.abs(n)):
                    return _fail(f"Jacobian mismatch for output {k} with respect to input "
                                 f"{idx},\nnumerical:{_fmt(n)}\nanalytical:{_fmt(a)}\n",
                                 raise_exception)
        return True
    for _ in range(2):
        v = rng.standard_normal(n_out)
        grads = analytical(split(v))
        for idx, g in zip(diff, grads):
            u = rng.standard_normal(inputs[idx]._data.size)
            num = float(numerical_dir(idx, u) @ v)
            ana = float(g.ravel() @ u)
            if not abs(ana - num) <= atol + rtol * abs(num):
                return _fail(f"Jacobian mismatch for the outputs with respect to input {idx}, "
                             f"along a random direction:\nnumerical: {num!r}\n"
                             f"analytical: {ana!r}\n", raise_exception)
    return True


def _fmt(a):
    with np.printoptions(precision=6, suppress=True, threshold=200):
        return "\n" + str(a)


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, fast_mode=None,
                  seed=0, **kwargs):
    """``gradcheck`` of the gradient: checks second derivatives computed with
    ``create_graph=True`` against finite differences of the first derivatives. Random
    ``grad_outputs`` (float64, requiring grad) are used when none are given."""
    from numtorch._tensor import Tensor, _wrap
    from numtorch.autograd.engine import grad as autograd_grad

    inputs = _as_tuple(inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(seed)
        with grad_mode.no_grad():
            outs = _outputs(func, inputs)
        grad_outputs = []
        for o in outs:
            g = _wrap(rng.standard_normal(o._data.shape).astype(o._data.dtype))
            g.requires_grad_(True)
            grad_outputs.append(g)
    grad_outputs = list(_as_tuple(grad_outputs))
    n = len(inputs)

    def first_derivative(*args):
        xs, gos = args[:n], args[n:]
        outs = [o for o in _outputs(func, xs) if o._requires_grad]
        gs = autograd_grad(outs, [x for x in xs if isinstance(x, Tensor) and x._requires_grad],
                           list(gos[:len(outs)]), create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first_derivative, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol,
                     rtol=rtol, raise_exception=raise_exception, fast_mode=fast_mode, seed=seed)
