"""Random numbers: one default ``Generator`` (NumPy PCG64) seeded by ``manual_seed``.

Every random function takes ``generator=``. Same seed, same numbers, on every run and platform;
the streams are not PyTorch's (a seeded numtorch program does not reproduce PyTorch's draws).
"""

import numpy as np

from numtorch import _dtype, _layout
from numtorch._tensor import Tensor, _check_device, _wrap
from numtorch.ops import _scalars

__all__ = [
    "Generator", "default_generator", "manual_seed", "seed", "initial_seed", "get_rng_state",
    "set_rng_state", "rand", "randn", "randint", "randperm", "normal", "bernoulli",
    "multinomial", "rand_like", "randn_like", "randint_like", "poisson",
]


class Generator:
    """A random stream: ``Generator().manual_seed(0)``; ``get_state``/``set_state`` round-trip
    as a uint8 tensor, like PyTorch's."""

    def __init__(self, device="cpu"):
        _check_device(device)
        self._seed = 67280421310721  # PyTorch's default seed value
        self._rng = np.random.Generator(np.random.PCG64(self._seed))

    @property
    def device(self):
        from numtorch._tensor import _CPU

        return _CPU

    def manual_seed(self, seed):
        seed = int(seed)
        if seed < 0:
            seed &= 0xFFFF_FFFF_FFFF_FFFF
        self._seed = seed
        self._rng = np.random.Generator(np.random.PCG64(seed))
        return self

    def seed(self):
        s = int(np.random.SeedSequence().entropy) & 0xFFFF_FFFF_FFFF_FFFF
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    def get_state(self):
        """The full state as a uint8 tensor (JSON of the bit generator's state)."""
        import json

        st = self._rng.bit_generator.state
        blob = json.dumps({"seed": self._seed, "state": st}, default=int).encode()
        return _wrap(np.frombuffer(blob, dtype=np.uint8).copy())

    def set_state(self, new_state):
        import json

        arr = new_state._data if isinstance(new_state, Tensor) else np.asarray(new_state)
        d = json.loads(bytes(arr.astype(np.uint8)).decode())
        self._seed = d["seed"]
        self._rng = np.random.Generator(np.random.PCG64())
        self._rng.bit_generator.state = d["state"]
        return self

    # The NumPy generator every random op draws from.
    @property
    def rng(self):
        return self._rng


default_generator = Generator()


def _gen(generator):
    return (generator or default_generator)._rng


def manual_seed(seed):
    """Seed the default generator (and return it), as ``torch.manual_seed``."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)


def _size(size):
    from numtorch._creation import _size as s

    return s(size)


# PyTorch's scalar-type names, as its kernel errors spell a dtype ('Long', not 'Int64').
_SCALAR_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
                 "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                 "bool": "Bool"}


def _float_dtype(dtype, kernel="check_uniform_bounds"):
    dt = _dtype.get_default_dtype() if dtype is None else _dtype.dtype_arg(dtype)
    if not dt.is_floating_point:
        raise NotImplementedError(f"\"{kernel}\" not implemented for "
                                  f"'{_SCALAR_NAMES.get(dt.name, dt.name)}'")
    return dt


def _finish(arr, dt, requires_grad):
    t = _wrap(arr.astype(dt.np_dtype, copy=False))
    if requires_grad:
        t.requires_grad_(True)
    return t


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None):
    """Uniform on [0, 1)."""
    _check_device(device)
    dt = _float_dtype(dtype)
    return _finish(_gen(generator).random(_size(size), dtype=np.float64), dt, requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None):
    """Standard normal."""
    _check_device(device)
    dt = _float_dtype(dtype, "normal_kernel_cpu")
    return _finish(_gen(generator).standard_normal(_size(size)), dt, requires_grad)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False):
    """Integers uniform on ``[low, high)``; int64 unless ``dtype`` is given.
    ``randint(high, size)`` and ``randint(low, high, size)`` as in PyTorch."""
    _check_device(device)
    if size is None:
        if isinstance(high, (tuple, list)):
            low, high, size = 0, low, high
        else:
            raise TypeError("randint() missing required argument 'size'")
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= "
                           f"to={high}")
    dt = _dtype.int64 if dtype is None else _dtype.dtype_arg(dtype)
    arr = _gen(generator).integers(low, high, size=_size((size,)))
    return _finish(arr, dt, requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    """A random permutation of ``0..n-1`` (int64)."""
    _check_device(device)
    dt = _dtype.int64 if dtype is None else _dtype.dtype_arg(dtype)
    if int(n) < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {int(n)}: [{int(n)}]")
    return _finish(_gen(generator).permutation(int(n)), dt, requires_grad)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None,
           device=None, requires_grad=False):
    """Normal samples; ``mean``/``std`` may be tensors (broadcast) or numbers with ``size``."""
    rng = _gen(generator)
    m = mean._data if isinstance(mean, Tensor) else mean
    s = std._data if isinstance(std, Tensor) else std
    if np.any(np.asarray(s) < 0):
        raise RuntimeError(f"normal expects std >= 0.0, but found std {np.min(s)}")
    if size is None:
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        ref = mean if isinstance(mean, Tensor) else std if isinstance(std, Tensor) else None
        dt = ref.dtype if ref is not None and ref.is_floating_point() else _float_dtype(dtype)
    else:
        shape = _size((size,)) if not isinstance(size, int) else (size,)
        dt = _float_dtype(dtype)
    arr = m + s * rng.standard_normal(shape)
    return _finish(np.asarray(arr), dt, requires_grad)


def bernoulli(input, p=None, *, generator=None, out=None):
    """1 with probability ``input`` (or ``p``), else 0; same dtype as ``input``."""
    probs = input._data if p is None else np.full(input._data.shape, p)
    if np.any((probs < 0) | (probs > 1)):
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
    arr = (_gen(generator).random(input._data.shape) < probs)
    return _wrap(arr.astype(input._data.dtype))


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Indices sampled from the rows of ``input`` (non-negative weights, need not sum to 1)."""
    w = input._data.astype(np.float64)
    if w.ndim not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim, got {w.ndim} dims (shape "
                           f"{list(w.shape)})")
    if np.any(w < 0) or not np.all(np.isfinite(w)):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    rows = w.reshape(-1, w.shape[-1])
    if not replacement and num_samples > rows.shape[1]:
        raise RuntimeError(f"cannot sample n_sample > prob_dist.size(-1) samples without "
                           f"replacement (n_sample={num_samples}, prob_dist.size(-1)="
                           f"{rows.shape[1]})")
    rng = _gen(generator)
    out = np.empty((rows.shape[0], num_samples), dtype=np.int64)
    for i, r in enumerate(rows):
        total = r.sum()
        if total <= 0:
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        if not replacement and np.count_nonzero(r) < num_samples:
            raise RuntimeError("invalid multinomial distribution (with replacement=False, not "
                               "enough non-negative category to sample)")
        out[i] = rng.choice(r.size, size=num_samples, replace=replacement, p=r / total)
    return _wrap(out.reshape(w.shape[:-1] + (num_samples,)))


def poisson(input, generator=None):
    return _wrap(_gen(generator).poisson(input._data).astype(input._data.dtype))


def _check_cpu(device):
    """numtorch computes on the CPU only (``device=None`` or ``"cpu"``)."""
    if device is not None and str(device).split(":")[0] != "cpu":
        raise RuntimeError(f"numtorch supports the CPU only, not device {device!r}")


def _preserving(out, input):
    """A fresh random tensor in ``input``'s layout (PyTorch's ``preserve_format``)."""
    out._data = _layout.preserve_like(out._data, input._data)
    return out


def rand_like(input, *, dtype=None, device=None, requires_grad=False, generator=None):
    _check_cpu(device)
    return _preserving(rand(input.shape, dtype=dtype or input.dtype,
                            requires_grad=requires_grad, generator=generator), input)


def randn_like(input, *, dtype=None, device=None, requires_grad=False, generator=None):
    _check_cpu(device)
    return _preserving(randn(input.shape, dtype=dtype or input.dtype,
                             requires_grad=requires_grad, generator=generator), input)


def randint_like(input, low=0, high=None, *, dtype=None, requires_grad=False, generator=None):
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype,
                   generator=generator)


# In-place fills used by nn.init and by course code (``w.uniform_(-a, a)``).
def _fill(t, arr):
    t._check_inplace()
    np.copyto(t._data, arr, casting="unsafe")
    t._bump()
    return t


def uniform_(self, from_=0.0, to=1.0, *, generator=None):
    """Uniform on [from, to) (PyTorch's ``from`` is a Python keyword: pass it by position)."""
    if from_ > to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={from_} > to={to}")
    return _fill(self, _gen(generator).uniform(from_, to, self._data.shape))


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    return _fill(self, mean + std * _gen(generator).standard_normal(self._data.shape))


def bernoulli_(self, p=0.5, *, generator=None):
    probs = p._data if isinstance(p, Tensor) else p
    if isinstance(p, Tensor):
        if np.any((probs < 0) | (probs > 1)):
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
    elif not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    return _fill(self, _gen(generator).random(self._data.shape) < probs)


def random_(self, from_=0, to=None, *, generator=None):
    if to is None:
        if from_:  # random_(to): PyTorch's one-argument form draws from [0, to)
            from_, to = 0, from_
        else:
            to = 2 ** 24 if self._data.dtype.kind == "f" else np.iinfo(self._data.dtype).max
    if from_ >= to:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got "
                           f"from={from_} >= to={to}")
    return _fill(self, _gen(generator).integers(from_, to, self._data.shape))


def exponential_(self, lambd=1.0, *, generator=None):
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    return _fill(self, _gen(generator).exponential(1.0 / lambd, self._data.shape))


def geometric_(self, p, *, generator=None):
    return _fill(self, _gen(generator).geometric(p, self._data.shape))


def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    return _fill(self, _gen(generator).lognormal(mean, std, self._data.shape))


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    return _fill(self, median + sigma * _gen(generator).standard_cauchy(self._data.shape))


TENSOR_METHODS = {
    "uniform_": uniform_, "normal_": normal_, "bernoulli_": bernoulli_, "random_": random_,
    "exponential_": exponential_, "geometric_": geometric_, "log_normal_": log_normal_,
    "cauchy_": cauchy_,
    "bernoulli": lambda self, p=None, generator=None: bernoulli(self, p, generator=generator),
    "multinomial": multinomial,
}


# PyTorch's TypeError for Python numbers in the arguments it requires to be tensors
_scalars.check_tensor_args(globals())

# PyTorch's out= on the functions (the Tensor methods above have none)
from numtorch.ops._out import accepts_out as _accepts_out  # noqa: E402

multinomial, randperm = map(_accepts_out, (multinomial, randperm))
