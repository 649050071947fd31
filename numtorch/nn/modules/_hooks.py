"""``Module``'s hooks: calling a module (forward pre-hooks, ``forward``, forward hooks) and the
full backward hooks, which see the gradients w.r.t. a module's inputs and outputs.

``Module`` takes these methods from ``_ModuleHooks``; the hook registries themselves are created
in ``Module.__init__`` (``module.py``).
"""

import itertools

from numtorch._tensor import Tensor
from numtorch.autograd import grad_mode
from numtorch.autograd.function import Primitive

__all__ = ["RemovableHandle"]


class RemovableHandle:
    """Returned by the ``register_*_hook`` methods; ``remove()`` unregisters the hook."""

    _next_id = itertools.count()

    def __init__(self, *hooks_dicts):
        self.hooks_dicts = hooks_dicts
        self.id = next(RemovableHandle._next_id)

    def remove(self):
        for d in self.hooks_dicts:
            d.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()



class _BackwardHookFunction(Primitive):
    """Identity on a module's tensor inputs or outputs whose backward hands the gradients of all
    of them, at once, to a callback (full backward hooks). The callback may replace them."""

    node_name = "BackwardHookFunctionBackward"

    @staticmethod
    def forward(ctx, *arrays, callback):
        ctx.callback = callback
        return arrays if len(arrays) != 1 else arrays[0]

    @staticmethod
    def backward(ctx, *grad_outputs):
        res = ctx.callback(grad_outputs)
        grads = tuple(grad_outputs) if res is None else tuple(res)
        return grads if len(grads) != 1 else grads[0]


class _BackwardHookState:
    """Collects ``grad_output`` of one module call, then calls the full backward hooks with
    ``grad_input``."""

    def __init__(self, module, n_inputs):
        self.module = module
        self.n_inputs = n_inputs
        self.grad_outputs = None

    def on_outputs(self, grads):
        module = self.module
        grads = tuple(grads)
        for hook in list(module._backward_pre_hooks.values()):
            res = hook(module, grads)
            if res is not None:
                grads = tuple(res) if isinstance(res, (tuple, list)) else (res,)
        self.grad_outputs = grads
        if self.n_inputs == 0:
            # No input requires grad: the hooks run now with grad_input = (None,) (PyTorch).
            self._run_hooks((None,))
        return grads

    def on_inputs(self, grads):
        res = self._run_hooks(tuple(grads))
        return res

    def _run_hooks(self, grad_input):
        module = self.module
        replaced = None
        for hook in list(module._backward_hooks.values()):
            res = hook(module, grad_input if replaced is None else replaced, self.grad_outputs)
            if res is not None:
                res = tuple(res) if isinstance(res, (tuple, list)) else (res,)
                if len(res) != len(grad_input):
                    raise RuntimeError(
                        f"Backward hook returned an invalid number of grad_input, got "
                        f"{len(res)}, but expected {len(grad_input)}")
                replaced = res
        return replaced


class _ModuleHooks:
    """The calling and hook methods of ``Module``."""

    # ------------------------------------------------------------------ calling
    def _call_impl(self, *args, **kwargs):
        d = self.__dict__
        if not (d["_forward_hooks"] or d["_forward_pre_hooks"] or d["_backward_hooks"]
                or d["_backward_pre_hooks"]):
            return self.forward(*args, **kwargs)
        for hook_id, hook in list(self._forward_pre_hooks.items()):
            if hook_id in self._forward_pre_hooks_with_kwargs:
                res = hook(self, args, kwargs)
                if res is not None:
                    if not (isinstance(res, tuple) and len(res) == 2):
                        raise RuntimeError(
                            "forward pre-hook must return None or a tuple of (new_args, "
                            f"new_kwargs), but got {res}.")
                    args, kwargs = res
            else:
                res = hook(self, args)
                if res is not None:
                    args = res if isinstance(res, tuple) else (res,)
        state = None
        if self._backward_hooks or self._backward_pre_hooks:
            args, state = self._wrap_backward_inputs(args)
        result = self.forward(*args, **kwargs)
        for hook_id, hook in list(self._forward_hooks.items()):
            if hook_id in self._forward_hooks_with_kwargs:
                res = hook(self, args, kwargs, result)
            else:
                res = hook(self, args, result)
            if res is not None:
                result = res
        if state is not None:
            result = self._wrap_backward_outputs(result, state)
        return result

    __call__ = _call_impl

    def _wrap_backward_inputs(self, args):
        idx = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
        state = _BackwardHookState(self, len(idx))
        if idx and grad_mode.is_grad_enabled():
            wrapped = _BackwardHookFunction.apply(*(args[i] for i in idx),
                                                  callback=state.on_inputs)
            wrapped = wrapped if isinstance(wrapped, tuple) else (wrapped,)
            args = list(args)
            for i, w in zip(idx, wrapped):
                args[i] = w
            args = tuple(args)
        return args, state

    def _wrap_backward_outputs(self, result, state):
        if not grad_mode.is_grad_enabled():
            return result
        single = isinstance(result, Tensor)
        outs = (result,) if single else tuple(result) if isinstance(result, (tuple, list)) \
            else None
        if outs is None:
            return result
        idx = [i for i, o in enumerate(outs) if isinstance(o, Tensor) and o.requires_grad]
        if not idx:
            return result
        wrapped = _BackwardHookFunction.apply(*(outs[i] for i in idx), callback=state.on_outputs)
        wrapped = wrapped if isinstance(wrapped, tuple) else (wrapped,)
        outs = list(outs)
        for i, w in zip(idx, wrapped):
            outs[i] = w
        if single:
            return outs[0]
        return type(result)(outs) if isinstance(result, list) else tuple(outs)

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """``hook(module, args)`` (or ``hook(module, args, kwargs)`` with ``with_kwargs``) runs
        before ``forward``; it may return replacement args (and kwargs)."""
        handle = RemovableHandle(self._forward_pre_hooks, self._forward_pre_hooks_with_kwargs)
        self._forward_pre_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs[handle.id] = True
        if prepend:
            self._forward_pre_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False,
                              always_call=False):
        """``hook(module, args, output)`` (or ``hook(module, args, kwargs, output)``) runs after
        ``forward``; it may return a replacement output."""
        handle = RemovableHandle(self._forward_hooks, self._forward_hooks_with_kwargs,
                                 self._forward_hooks_always_called)
        self._forward_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_hooks_with_kwargs[handle.id] = True
        if always_call:
            self._forward_hooks_always_called[handle.id] = True
        if prepend:
            self._forward_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_full_backward_hook(self, hook, prepend=False):
        """``hook(module, grad_input, grad_output)`` runs when the gradients w.r.t. the module's
        tensor inputs are computed; it may return replacement ``grad_input``."""
        handle = RemovableHandle(self._backward_hooks)
        self._backward_hooks[handle.id] = hook
        if prepend:
            self._backward_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_full_backward_pre_hook(self, hook, prepend=False):
        """``hook(module, grad_output)`` runs when the gradients w.r.t. the module's outputs are
        computed; it may return replacement ``grad_output``."""
        handle = RemovableHandle(self._backward_pre_hooks)
        self._backward_pre_hooks[handle.id] = hook
        if prepend:
            self._backward_pre_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_backward_hook(self, hook):
        """Deprecated in PyTorch; numtorch treats it as ``register_full_backward_hook``."""
        return self.register_full_backward_hook(hook)
