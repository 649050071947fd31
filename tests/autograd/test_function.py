"""Custom ``numtorch.autograd.Function`` subclasses, written exactly as PyTorch users write
them, and the ``Primitive`` base of numtorch's own ops."""

import numpy as np
import pytest
from parity import parity, requires_torch

import numtorch
from numtorch.autograd import Function, once_differentiable


class Exp(Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_output):
        (y,) = ctx.saved_tensors
        return grad_output * y


class MulAdd(Function):
    """forward(ctx, x, y, alpha): tensors and a plain attribute."""

    @staticmethod
    def forward(ctx, x, y, alpha):
        ctx.save_for_backward(x, y)
        ctx.alpha = alpha
        return x * y + alpha

    @staticmethod
    def backward(ctx, grad_output):
        x, y = ctx.saved_tensors
        gx = grad_output * y if ctx.needs_input_grad[0] else None
        gy = grad_output * x if ctx.needs_input_grad[1] else None
        return gx, gy, None


class SplitSort(Function):
    """Two outputs, one of them integer and marked non-differentiable."""

    @staticmethod
    def forward(ctx, x):
        idx = numtorch.tensor(np.argsort(x.numpy()))
        out = numtorch.tensor(np.sort(x.numpy()))
        ctx.mark_non_differentiable(idx)
        ctx.save_for_backward(idx)
        return out, idx

    @staticmethod
    def backward(ctx, grad_out, grad_idx):
        (idx,) = ctx.saved_tensors
        g = np.zeros(grad_out.shape, dtype=grad_out.numpy().dtype)
        g[idx.numpy()] = grad_out.numpy()
        return numtorch.tensor(g)


class TwoOut(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * 2, x * 3

    @staticmethod
    def backward(ctx, ga, gb):
        return ga * 2 + gb * 3


class NumpyCube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return numtorch.tensor(x.numpy() ** 3)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return numtorch.tensor(3 * x.numpy() ** 2 * grad_output.numpy())


def test_custom_function_forward_backward():
    x = numtorch.tensor([0.0, 1.0], requires_grad=True)
    y = Exp.apply(x)
    assert y.grad_fn.name() == "ExpBackward" and repr(y).endswith("grad_fn=<ExpBackward>)")
    y.sum().backward()
    assert np.allclose(x.grad.numpy(), np.exp([0.0, 1.0]))


def test_needs_input_grad_and_attributes():
    x = numtorch.tensor([1.0, 2.0], requires_grad=True)
    y = numtorch.tensor([3.0, 4.0])
    out = MulAdd.apply(x, y, 5.0)
    assert out.grad_fn.needs_input_grad == (True, False, False)
    out.sum().backward()
    assert x.grad.tolist() == [3.0, 4.0] and y.grad is None
    assert out.tolist() == [8.0, 13.0]


def test_no_record_without_grad():
    x = numtorch.tensor([1.0])
    assert Exp.apply(x).grad_fn is None
    with numtorch.no_grad():
        assert Exp.apply(x.requires_grad_()).grad_fn is None


def test_mark_non_differentiable():
    x = numtorch.tensor([3.0, 1.0, 2.0], requires_grad=True)
    out, idx = SplitSort.apply(x)
    assert out.requires_grad and not idx.requires_grad
    (out * numtorch.tensor([1.0, 10.0, 100.0])).sum().backward()
    assert x.grad.tolist() == [100.0, 1.0, 10.0]


def test_multi_output_with_unused_output():
    x = numtorch.tensor([1.0, 2.0], requires_grad=True)
    a, b = TwoOut.apply(x)
    a.sum().backward()  # b unused: its gradient arrives as zeros
    assert x.grad.tolist() == [2.0, 2.0]
    x.grad = None
    a, b = TwoOut.apply(x)
    (a.sum() + b.sum()).backward()
    assert x.grad.tolist() == [5.0, 5.0]


def test_function_returning_its_input_is_not_aliased_into_graph():
    class Ident(Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = numtorch.tensor([1.0], requires_grad=True)
    y = Ident.apply(x)
    assert y is not x and x.is_leaf and y.grad_fn is not None
    y.backward()
    assert x.grad.tolist() == [2.0]


def test_once_differentiable():
    x = numtorch.tensor([2.0], dtype=numtorch.float64, requires_grad=True)
    y = NumpyCube.apply(x)
    y.backward()
    assert x.grad.tolist() == [12.0]
    y = NumpyCube.apply(x)
    (g,) = numtorch.autograd.grad((y * y).sum(), x, create_graph=True)
    assert g.tolist() == [2 * 8.0 * 12.0] and g.requires_grad
    with pytest.raises(RuntimeError, match="once_differentiable"):
        g.backward()


def test_double_backward_through_custom_function():
    x = numtorch.tensor([0.5], dtype=numtorch.float64, requires_grad=True)
    (g,) = numtorch.autograd.grad(Exp.apply(x * 2).sum(), x, create_graph=True)
    (h,) = numtorch.autograd.grad(g.sum(), x)
    assert np.allclose(h.numpy(), 4 * np.exp(1.0))


def test_saved_tensors_freed_after_backward():
    x = numtorch.tensor([1.0], requires_grad=True)
    y = Exp.apply(x)
    node = y.grad_fn
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        node.saved_tensors


def test_wrong_number_of_gradients():
    class Bad(Function):
        @staticmethod
        def forward(ctx, x, y):
            return x + y

        @staticmethod
        def backward(ctx, g):
            return g

    x = numtorch.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="returned an incorrect number of gradients"):
        Bad.apply(x, x).sum().backward()


def test_wrong_gradient_shape():
    class BadShape(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return numtorch.ones(5)

    x = numtorch.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="returned an invalid gradient at index 0"):
        BadShape.apply(x).sum().backward()


def test_gradcheck_of_custom_function():
    x = numtorch.tensor([0.1, 0.7], dtype=numtorch.float64, requires_grad=True)
    y = numtorch.tensor([1.3, -0.2], dtype=numtorch.float64, requires_grad=True)
    assert numtorch.autograd.gradcheck(lambda a, b: MulAdd.apply(a, b, 2.0), (x, y))
    assert numtorch.autograd.gradgradcheck(Exp.apply, (x,))


@requires_torch
def test_custom_function_parity():
    def run(t, x):
        class Cube(t.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                ctx.save_for_backward(a)
                return a * a * a

            @staticmethod
            def backward(ctx, g):
                (a,) = ctx.saved_tensors
                return g * 3 * a * a
        return Cube.apply(x).sin()
    parity(run, np.array([0.5, -1.0, 2.0], np.float32))


@pytest.mark.parametrize("op", ["add", "sub", "mul", "truediv"])
@pytest.mark.parametrize("grads", [(True, True), (True, False), (False, True)])
def test_operator_shortcut_records_the_same_node(op, grads):
    """``x op y`` on two same-shape float tensors records its node directly (record_binary):
    same gradients, node name, links and saved-tensor checks as the general path."""
    r = np.random.default_rng(0)
    a, b = r.standard_normal((3, 4)), r.standard_normal((3, 4)) + 3.0
    fn = getattr(numtorch.ops.elementwise, {"truediv": "div"}.get(op, op))
    results = []
    for path in ("operator", "function"):
        x = numtorch.tensor(a, requires_grad=grads[0])
        y = numtorch.nn.Parameter(numtorch.tensor(b), requires_grad=grads[1])
        z = getattr(x, f"__{op}__")(y) if path == "operator" else fn(x, y)
        assert z.requires_grad and not z.is_leaf
        names = [None if n is None else type(n).__name__ for n, _ in z.grad_fn.next_functions]
        (z * z).sum().backward()
        results.append((z.grad_fn.name(), names, z.detach().numpy(),
                        None if x.grad is None else x.grad.numpy(),
                        None if y.grad is None else y.grad.numpy()))
    for got, want in zip(*results):
        if isinstance(want, np.ndarray):
            np.testing.assert_array_equal(got, want)
        else:
            assert got == want
    with numtorch.no_grad():
        assert getattr(x, f"__{op}__")(y).grad_fn is None
    x = numtorch.tensor(a, requires_grad=True)
    z = x * x
    with numtorch.no_grad():
        x.add_(1.0)  # modifies a tensor Mul saved
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()
