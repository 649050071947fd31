"""``numtorch.utils.checkpoint``: activation checkpointing, trading compute for memory.

``checkpoint(function, *args)`` runs ``function`` without recording a graph (its intermediate
activations are freed at once) and records one node instead; when the backward pass reaches
that node, ``function`` is run again on the same inputs, with grad mode on and the random state
of the first run restored (so dropout draws the same masks), and its gradients flow back. The
gradients are those of the plain call.

``use_reentrant=True`` is PyTorch's original variant: gradients reach the parameters
``function`` uses only when some input tensor requires grad (otherwise it warns and the output
requires no grad). ``use_reentrant=False`` also gives them when no input requires grad, and
accepts keyword arguments for ``function``. Without the argument, a warning is given and the
reentrant variant is used, as in PyTorch.
"""

import warnings

from numtorch import _random
from numtorch._tensor import Tensor
from numtorch.autograd import Function
from numtorch.autograd import backward as _backward
from numtorch.autograd.grad_mode import enable_grad, is_grad_enabled, no_grad

__all__ = ["checkpoint", "checkpoint_sequential"]


class CheckpointFunction(Function):
    """Forward: ``run_function(*args)`` under no_grad. Backward: the same call again with grad
    enabled and the saved random state, then backward through that fresh graph."""

    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, kwargs, _anchor, *args):
        ctx.run_function = run_function
        ctx.kwargs = kwargs
        ctx.rng_state = _random.get_rng_state() if preserve_rng_state else None
        ctx.inputs = args
        ctx.save_for_backward(*[a for a in args if isinstance(a, Tensor)])
        with no_grad():
            out = run_function(*args, **kwargs)
        ctx.single = isinstance(out, Tensor)
        return out if ctx.single else tuple(out)

    @staticmethod
    def backward(ctx, *grad_outputs):
        inputs = []
        for a in ctx.inputs:
            if isinstance(a, Tensor):
                d = a.detach()
                d.requires_grad_(a.requires_grad)
                inputs.append(d)
            else:
                inputs.append(a)
        current = _random.get_rng_state()
        if ctx.rng_state is not None:
            _random.set_rng_state(ctx.rng_state)
        try:
            with enable_grad():
                outs = ctx.run_function(*inputs, **ctx.kwargs)
        finally:
            _random.set_rng_state(current)
        if isinstance(outs, Tensor):
            outs = (outs,)
        pairs = [(o, g) for o, g in zip(outs, grad_outputs)
                 if isinstance(o, Tensor) and o.requires_grad and g is not None]
        if pairs:
            _backward([o for o, _ in pairs], [g for _, g in pairs])
        grads = tuple(d.grad if isinstance(d, Tensor) else None for d in inputs)
        return (None, None, None, None) + grads


def _uses_parameters(function):
    params = getattr(function, "parameters", None)
    if params is None:
        return True  # a plain function: it may close over parameters
    return any(p.requires_grad for p in params())


def checkpoint(function, *args, use_reentrant=None, preserve_rng_state=True, **kwargs):
    """``function(*args, **kwargs)``, recomputed during backward instead of storing its
    intermediate results (see the module's docstring)."""
    if use_reentrant is None:
        warnings.warn("torch.utils.checkpoint: the use_reentrant parameter should be passed "
                      "explicitly. use_reentrant=False is recommended, but if you need to "
                      "preserve the current default behavior, you can pass use_reentrant=True.",
                      UserWarning, stacklevel=2)
        use_reentrant = True
    anchor = None
    if use_reentrant:
        if kwargs:
            raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
        if is_grad_enabled() and not any(isinstance(a, Tensor) and a.requires_grad
                                         for a in args):
            warnings.warn("None of the inputs have requires_grad=True. Gradients will be None",
                          UserWarning, stacklevel=2)
    elif is_grad_enabled() and _uses_parameters(function):
        # A tensor requiring grad among the inputs makes the node be recorded even when no
        # input requires grad, so the parameters used inside get their gradients.
        from numtorch._creation import empty

        anchor = empty(0).requires_grad_(True)
    return CheckpointFunction.apply(function, preserve_rng_state, kwargs, anchor, *args)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Run a ``Sequential`` (or a list of modules) in ``segments`` chunks, checkpointing all
    but the last."""
    if use_reentrant is None:
        warnings.warn("torch.utils.checkpoint.checkpoint_sequential: the use_reentrant "
                      "parameter should be passed explicitly.", UserWarning, stacklevel=2)
        use_reentrant = True
    functions = list(functions.children()) if hasattr(functions, "children") else list(functions)

    def run(start, end):
        def forward(x):
            for fn in functions[start:end + 1]:
                x = fn(x)
            return x
        return forward

    size = len(functions) // segments
    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant, **kwargs)
    return run(end + 1, len(functions) - 1)(input)
