"""Grad modes as context managers and decorators."""

import threading

import pytest

import numtorch


def _x():
    return numtorch.ones(2, requires_grad=True)


def test_no_grad_context_and_decorators():
    x = _x()
    with numtorch.no_grad():
        assert not numtorch.is_grad_enabled()
        assert not (x * 2).requires_grad
    assert numtorch.is_grad_enabled() and (x * 2).requires_grad

    @numtorch.no_grad()
    def f(t):
        return t * 2

    @numtorch.no_grad
    def g(t):
        return t * 2

    assert not f(x).requires_grad and not g(x).requires_grad
    assert f.__name__ == "f"


def test_enable_grad_inside_no_grad():
    x = _x()
    with numtorch.no_grad():
        with numtorch.enable_grad():
            assert (x * 2).requires_grad

        @numtorch.enable_grad()
        def f(t):
            return t * 2

        assert f(x).requires_grad
        assert not (x * 2).requires_grad


def test_set_grad_enabled_as_function_and_context():
    x = _x()
    with numtorch.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert numtorch.is_grad_enabled()
    numtorch.set_grad_enabled(False)
    try:
        assert not numtorch.is_grad_enabled()
    finally:
        numtorch.set_grad_enabled(True)
    assert numtorch.is_grad_enabled()

    @numtorch.set_grad_enabled(False)
    def f(t):
        return t * 2

    assert numtorch.is_grad_enabled()
    assert not f(x).requires_grad


def test_inference_mode():
    x = _x()
    with numtorch.inference_mode():
        assert numtorch.is_inference_mode_enabled() and not (x * 2).requires_grad
    assert not numtorch.is_inference_mode_enabled()
    with numtorch.inference_mode(False):
        assert (x * 2).requires_grad

    @numtorch.inference_mode()
    def f(t):
        return t * 2

    @numtorch.inference_mode
    def g(t):
        return t * 2

    assert not f(x).requires_grad and not g(x).requires_grad


def test_mode_restored_after_exception():
    with pytest.raises(ValueError):
        with numtorch.no_grad():
            raise ValueError
    assert numtorch.is_grad_enabled()


def test_generator_functions_keep_mode():
    x = _x()

    @numtorch.no_grad()
    def gen():
        for _ in range(2):
            yield (x * 2).requires_grad

    assert list(gen()) == [False, False]
    assert numtorch.is_grad_enabled()


def test_grad_mode_is_thread_local():
    seen = []
    with numtorch.no_grad():
        t = threading.Thread(target=lambda: seen.append(numtorch.is_grad_enabled()))
        t.start()
        t.join()
    assert seen == [True]


def test_autograd_namespace_exports():
    assert numtorch.autograd.no_grad is numtorch.no_grad
    assert numtorch.autograd.grad_mode.is_grad_enabled() is True
