"""Grad mode: a thread-local switch that tells ``Function.apply`` whether to record the graph.

``no_grad``, ``enable_grad``, ``set_grad_enabled`` and ``inference_mode`` work as context
managers and as decorators, as in PyTorch.
"""

import functools
import inspect
import threading

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled"]


class _State(threading.local):
    def __init__(self):
        self.enabled = True
        self.inference = False


_state = _State()


def is_grad_enabled():
    """True when operations on tensors that require grad are being recorded."""
    return _state.enabled


def is_inference_mode_enabled():
    return _state.inference


class _GradModeContext:
    """Base of the grad-mode context managers; subclasses set ``_mode``."""

    _mode = True

    def __enter__(self):
        self._prev = _state.enabled
        _state.enabled = self._mode

    def __exit__(self, *exc):
        _state.enabled = self._prev
        return False

    def __call__(self, fn):
        if inspect.isgeneratorfunction(fn):
            @functools.wraps(fn)
            def gen_wrapper(*args, **kwargs):
                gen = fn(*args, **kwargs)
                with self.clone():
                    response = gen.send(None)
                while True:
                    try:
                        request = yield response
                    except GeneratorExit:
                        gen.close()
                        raise
                    with self.clone():
                        try:
                            response = gen.send(request)
                        except StopIteration as stop:
                            return stop.value
            return gen_wrapper

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.clone():
                return fn(*args, **kwargs)
        return wrapper

    def clone(self):
        return type(self)()


class no_grad(_GradModeContext):
    """Disable graph recording: results of ops do not require grad.

    Usable as ``with numtorch.no_grad():`` and as ``@numtorch.no_grad()`` (or bare ``@no_grad``).
    """

    _mode = False

    def __new__(cls, orig_func=None):
        if orig_func is None or not callable(orig_func):
            return super().__new__(cls)
        return cls()(orig_func)


class enable_grad(_GradModeContext):
    """Enable graph recording inside a ``no_grad`` block."""

    _mode = True

    def __new__(cls, orig_func=None):
        if orig_func is None or not callable(orig_func):
            return super().__new__(cls)
        return cls()(orig_func)


class set_grad_enabled(_GradModeContext):
    """``set_grad_enabled(False)`` sets the mode now (as a function call) and restores it on exit
    when used as a context manager, like PyTorch."""

    def __init__(self, mode):
        self._prev = _state.enabled
        self._mode = bool(mode)
        _state.enabled = self._mode

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        _state.enabled = self._prev
        return False

    def __call__(self, fn):
        # As a decorator it must not change the mode now: undo what __init__ did.
        _state.enabled = self._prev
        return super().__call__(fn)

    def clone(self):
        c = _GradModeContext()
        c._mode = self._mode
        return c


class inference_mode(_GradModeContext):
    """Like ``no_grad`` (numtorch has no separate inference tensors); ``inference_mode(False)``
    is a no-op, as in PyTorch."""

    def __init__(self, mode=True):
        self._mode_on = bool(mode)

    def __new__(cls, mode=True):
        if callable(mode) and not isinstance(mode, bool):
            return cls()(mode)
        return super().__new__(cls)

    def __enter__(self):
        self._prev = _state.enabled
        self._prev_inf = _state.inference
        if self._mode_on:
            _state.enabled = False
            _state.inference = True

    def __exit__(self, *exc):
        _state.enabled = self._prev
        _state.inference = self._prev_inf
        return False

    def clone(self):
        return inference_mode(self._mode_on)
