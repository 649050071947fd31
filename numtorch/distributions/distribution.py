"""The base class of every distribution (``torch.distributions.Distribution``).

Shapes follow PyTorch: a distribution has a ``batch_shape`` (independent, differently
parameterized copies) and an ``event_shape`` (the shape of one draw: ``()`` for scalar
distributions, ``(n,)`` for a multivariate normal). ``sample(sample_shape)`` returns
``sample_shape + batch_shape + event_shape``; ``log_prob(value)`` reduces the event dims.

Validation (``validate_args``, on by default as in PyTorch; ``set_default_validate_args``)
checks the parameters against ``arg_constraints`` at construction and the values passed to
``log_prob``/``cdf`` against ``support``, raising PyTorch's ``ValueError`` messages.

Difference from PyTorch: samples come from numtorch's generators (``numtorch.manual_seed``), so
a seeded program draws different numbers than under PyTorch.
"""

import numbers
import warnings

import numtorch
from numtorch._tensor import Size, Tensor
from numtorch.autograd.grad_mode import no_grad
from numtorch.distributions import constraints
from numtorch.distributions.utils import broadcast_all, lazy_property

__all__ = ["Distribution"]


class Distribution:
    """Abstract base: subclasses set ``arg_constraints`` and ``support`` and implement what
    applies of ``rsample``/``sample``, ``log_prob``, ``entropy``, ``cdf``/``icdf``, ``mean``,
    ``mode``, ``variance``, ``expand`` and ``enumerate_support``."""

    has_rsample = False
    has_enumerate_support = False
    _validate_args = __debug__

    @staticmethod
    def set_default_validate_args(value):
        """Turn argument validation on or off for every distribution built afterwards without
        an explicit ``validate_args``."""
        if value not in (True, False):
            raise ValueError
        Distribution._validate_args = value

    def __init__(self, batch_shape=Size(), event_shape=Size(), validate_args=None):
        self._batch_shape = Size(batch_shape)
        self._event_shape = Size(event_shape)
        if validate_args is not None:
            self._validate_args = validate_args
        if self._validate_args:
            try:
                arg_constraints = self.arg_constraints
            except NotImplementedError:
                arg_constraints = {}
                warnings.warn(f"{type(self)} does not define `arg_constraints`. Please set "
                              f"`arg_constraints = {{}}` or initialize the distribution with "
                              f"`validate_args=False` to turn off validation.", stacklevel=2)
            for param, constraint in arg_constraints.items():
                if constraints.is_dependent(constraint):
                    continue  # checked by the distribution itself
                if param not in self.__dict__ and \
                        isinstance(getattr(type(self), param, None), lazy_property):
                    continue  # not given: derived from a checked parameter
                value = getattr(self, param)
                with no_grad():  # a check records no graph
                    valid = bool(constraint.check(value).all())
                if not valid:
                    raise ValueError(
                        f"Expected parameter {param} ({type(value).__name__} of shape "
                        f"{tuple(value.shape)}) of distribution {self!r} to satisfy the "
                        f"constraint {constraint!r}, but found invalid values:\n{value}")
        super().__init__()

    # ------------------------------------------------------------------ shapes
    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def event_shape(self):
        return self._event_shape

    def _extended_shape(self, sample_shape=Size()):
        """sample_shape + batch_shape + event_shape."""
        return Size(tuple(sample_shape) + tuple(self._batch_shape) + tuple(self._event_shape))

    def expand(self, batch_shape, _instance=None):
        """A new distribution with its parameters expanded (no copy) to ``batch_shape``."""
        raise NotImplementedError

    def _set_params(self, validate_args, **params):
        """The families whose state is their parameters (numbers or tensors, ``name=value``):
        set them as attributes, broadcast together, and initialise the batch shape, their
        broadcast shape (``()`` when all are numbers, as PyTorch)."""
        tensors = broadcast_all(*params.values())
        for name, t in zip(params, tensors):
            setattr(self, name, t)
        numbers_only = all(isinstance(v, numbers.Number) for v in params.values())
        Distribution.__init__(self, Size() if numbers_only else tensors[0].size(),
                              validate_args=validate_args)

    def _expand_params(self, cls, batch_shape, _instance, *names):
        """``expand`` for those families: a new instance whose parameters ``names`` are this
        one's expanded to ``batch_shape``, with this one's validation setting."""
        new = self._get_checked_instance(cls, _instance)
        batch_shape = Size(batch_shape)
        for name in names:
            setattr(new, name, getattr(self, name).expand(batch_shape))
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _get_checked_instance(self, cls, _instance=None):
        if _instance is None and type(self).__init__ != cls.__init__:
            raise NotImplementedError(
                f"Subclass {type(self).__name__} of {cls.__name__} that defines a custom "
                f"__init__ method must also define a custom .expand() method.")
        return self.__new__(type(self)) if _instance is None else _instance

    # ------------------------------------------------------------------ the interface
    @property
    def arg_constraints(self):
        raise NotImplementedError

    @property
    def support(self):
        raise NotImplementedError

    @property
    def mean(self):
        raise NotImplementedError(f"{type(self)} does not implement mean")

    @property
    def mode(self):
        raise NotImplementedError(f"{type(self)} does not implement mode")

    @property
    def variance(self):
        raise NotImplementedError(f"{type(self)} does not implement variance")

    @property
    def stddev(self):
        return self.variance.sqrt()

    def sample(self, sample_shape=Size()):
        """A draw of shape ``sample_shape + batch_shape + event_shape``, without gradient."""
        with no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape=Size()):
        """A reparameterized draw: differentiable with respect to the parameters."""
        raise NotImplementedError

    def sample_n(self, n):
        warnings.warn("sample_n will be deprecated. Use .sample((n,)) instead", UserWarning,
                      stacklevel=2)
        return self.sample(Size((n,)))

    def log_prob(self, value):
        raise NotImplementedError

    def cdf(self, value):
        raise NotImplementedError

    def icdf(self, value):
        raise NotImplementedError

    def enumerate_support(self, expand=True):
        raise NotImplementedError

    def entropy(self):
        raise NotImplementedError

    def perplexity(self):
        return numtorch.exp(self.entropy())

    # ------------------------------------------------------------------ validation
    def _validate_sample(self, value):
        if not isinstance(value, Tensor):
            raise ValueError("The value argument to log_prob must be a Tensor")
        shape = tuple(value.shape)
        event = tuple(self._event_shape)
        start = len(shape) - len(event)
        if shape[start:] != event:
            raise ValueError(f"The right-most size of value must match event_shape: "
                             f"{value.size()} vs {self._event_shape}.")
        expected = tuple(self._batch_shape) + event
        for i, j in zip(reversed(shape), reversed(expected)):
            if i != 1 and j != 1 and i != j:
                raise ValueError(f"Value is not broadcastable with batch_shape+event_shape: "
                                 f"{value.size()} vs {Size(expected)}.")
        try:
            support = self.support
        except NotImplementedError:
            warnings.warn(f"{type(self)} does not define `support` to enable sample validation. "
                          f"Please initialize the distribution with `validate_args=False` to "
                          f"turn off validation.", stacklevel=2)
            return
        with no_grad():
            valid = bool(support.check(value).all())
        if not valid:
            raise ValueError(f"Expected value argument ({type(value).__name__} of shape "
                             f"{tuple(value.shape)}) to be within the support ({support!r}) of "
                             f"the distribution {self!r}, but found invalid values:\n{value}")

    def __repr__(self):
        names = [k for k in self.arg_constraints if k in self.__dict__]
        parts = []
        for p in names:
            v = self.__dict__[p]
            parts.append(f"{p}: {v if v.numel() == 1 else v.size()}")
        return f"{type(self).__name__}({', '.join(parts)})"
