"""The special functions of PyTorch's top level: the gamma family (``lgamma``, ``digamma``,
``polygamma``, ``mvlgamma``), the modified Bessel function ``i0`` (and ``i1``, its derivative,
for ``torch.special``) and the normalized ``sinc``.

NumPy has none of them and the core does without SciPy, so the kernels are written here, in
float64 whatever the input's dtype, to float64 round-off over the whole real line:

- ``lgamma``: the Taylor series of log Gamma(1 + z) (coefficients from zeta(k)) for
  0 < x < 2.5, the recurrence Gamma(x + 1) = x Gamma(x) into that range for x < 8, Stirling's
  series beyond, and the reflection formula for x < 0;
- ``digamma``: its Taylor series about its positive root, the recurrence psi(x + 1) = psi(x) +
  1/x up to x >= 10, the asymptotic series there, and the reflection formula for x < 0;
- ``polygamma(n, x)``, n >= 1: (-1)^(n+1) n! zeta(n + 1, x) for x > 0, with the Hurwitz zeta
  function summed directly and its Euler-Maclaurin tail, and the n-th derivative of the
  reflection formula (a polynomial in cot(pi x)) for x < 0;
- ``i0`` / ``i1``: the power series for |x| < 30, Hankel's asymptotic series beyond.

The primitives chain their derivatives: lgamma' = digamma, digamma' = polygamma(1),
polygamma(n)' = polygamma(n + 1), i0' = i1, i1' = i0 - i1 / x, so every order of gradient is
available.

At the poles the values follow PyTorch: ``lgamma`` is +inf at 0 and the negative integers;
``digamma`` is -inf at +0, +inf at -0 and NaN at the negative integers; ``polygamma(n)``, n >= 1,
is (-1)^(n+1) inf at 0 and at the negative integers (NOTE: PyTorch's trigamma gives a large
finite number at the negative integers, the rounding of sin(pi x) there; the pole is infinite).
"""

import math
from fractions import Fraction

import numpy as np

from numtorch._tensor import Tensor
from numtorch.autograd.function import Primitive
from numtorch.ops import _scalars
from numtorch.ops.arithmetic import _accepts_out, _float_input
from numtorch.ops.comparison import _mask_mul, where
from numtorch.ops.math_functions import cos, sin

__all__ = ["lgamma", "digamma", "polygamma", "mvlgamma", "i0", "sinc"]


# ====================================================================== constants
def _bernoulli(count):
    """B_0 ... B_(count - 1) exactly, from sum_(k <= m) C(m + 1, k) B_k = 0."""
    b = [Fraction(1)]
    for m in range(1, count):
        b.append(-sum(math.comb(m + 1, k) * b[k] for k in range(m)) / (m + 1))
    return b


_B = _bernoulli(42)
# B_2j / (2j)!, j = 1..20: the Euler-Maclaurin coefficients of the zeta tail
_EM = np.array([float(_B[2 * j] / math.factorial(2 * j)) for j in range(1, 21)])
# Stirling's series of log Gamma: B_2k / (2k (2k - 1)), k = 1..10
_STIRLING = np.array([float(_B[2 * k] / (2 * k * (2 * k - 1))) for k in range(1, 11)])
# The asymptotic series of digamma: B_2k / (2k), k = 1..10
_PSI_ASYMPTOTIC = np.array([float(_B[2 * k] / (2 * k)) for k in range(1, 11)])
_EULER_GAMMA = 0.57721566490153286061
_HALF_LOG_2PI = 0.91893853320467274178
_LOG_PI = 1.14472988584940017414
# The positive root of digamma, split into two floats (x0 = hi + lo to about 32 digits)
_X0 = Fraction("1.46163214496836234126265954232572132846819620400644635129598840859878644")
_X0_HI = float(_X0)
_X0_LO = float(_X0 - Fraction(_X0_HI))


def _hurwitz_zeta(s, q):
    """zeta(s, q) = sum_(k >= 0) (q + k)^-s for s > 1, q > 0 (float64 arrays, broadcast).

    The first terms are summed directly until q + k >= 12 + s; the rest is the Euler-Maclaurin
    formula at a = q + k: a^(1-s) / (s-1) + a^-s / 2 + sum_j B_2j / (2j)! (s)_(2j-1) a^(-s-2j+1),
    whose terms shrink at least like (s + 2j)^2 / (2 pi a)^2."""
    s, q = np.broadcast_arrays(np.asarray(s, dtype=np.float64), np.asarray(q, dtype=np.float64))
    total = np.zeros(s.shape)
    a = q.copy()
    target = 12.0 + s
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        while True:
            low = a < target
            if not low.any():
                break
            total += np.where(low, a ** -s, 0.0)
            a = np.where(low, a + 1.0, a)
        tail = a ** (1.0 - s) / (s - 1.0) + 0.5 * a ** -s
        term = s * a ** (-s - 1.0)  # (s)_1 a^(-s-1)
        inv_a2 = 1.0 / (a * a)
        for j in range(1, 16):
            tail += _EM[j - 1] * term
            term = term * (s + 2 * j - 1) * (s + 2 * j) * inv_a2
        return total + tail


# log Gamma(1 + z) = -gamma z + sum_(k >= 2) (-1)^k zeta(k) z^k / k, for |z| <= 1/2
_LGAMMA1P_TERMS = 60
_LGAMMA1P = np.concatenate([[-_EULER_GAMMA], (-1.0) ** np.arange(2, _LGAMMA1P_TERMS + 1) *
                            _hurwitz_zeta(np.arange(2, _LGAMMA1P_TERMS + 1), 1.0) /
                            np.arange(2, _LGAMMA1P_TERMS + 1)])
# psi(x0 + d) = sum_(k >= 1) (-1)^(k+1) zeta(k + 1, x0) d^k, for |d| <= 0.45
_PSI_ROOT_TERMS = 40
_PSI_ROOT = (-1.0) ** np.arange(2, _PSI_ROOT_TERMS + 2) * _hurwitz_zeta(
    np.arange(2, _PSI_ROOT_TERMS + 2), _X0_HI)
_PSI_ROOT_RADIUS = 0.45


def _horner(coefficients, z):
    """sum_k coefficients[k] z^(k+1)."""
    acc = np.zeros_like(z)
    for c in coefficients[::-1]:
        acc += c
        acc *= z  # (in place: no temporaries over the 60 terms)
    return acc


def _in_layout(x, values):
    """``values`` (x's shape) in an array of x's dtype and memory order (channels-last,
    transposed...), as PyTorch lays out an elementwise result."""
    out = np.empty_like(x)
    out[...] = values
    return out


def _float64(fn):
    """A kernel on float64 values; its result is cast back to the input's dtype and layout."""
    def kernel(x, *args):
        with np.errstate(all="ignore"):
            return _in_layout(x, fn(x.astype(np.float64), *args))

    kernel.__name__ = fn.__name__
    return kernel


def _sin_pi(x):
    """sin(pi x) with the argument reduced exactly (x - round(x) is exact), up to its sign."""
    return np.sin(np.pi * (x - np.round(x)))


def _cot_pi(x):
    """cot(pi x), reduced exactly to r in [-1/2, 1/2]; near |r| = 1/2, where cos(pi r) would
    keep only the absolute accuracy of pi r, as tan(pi (1/2 - |r|)) (1/2 - |r| is exact)."""
    r = x - np.round(x)
    a = np.abs(r)
    return np.where(a > 0.25, np.sign(r) * np.tan(np.pi * (0.5 - a)), 1.0 / np.tan(np.pi * r))


def _is_pole(x):
    """0 and the negative integers (and -inf, where PyTorch's conventions ask for it)."""
    return (x <= 0) & (x == np.floor(x))


# ====================================================================== kernels
def _lgamma_positive(x):
    """log Gamma(x) for x > 0 (NaN-free inputs)."""
    out = np.empty_like(x)
    # 0 < x < 0.5: log Gamma(x) = log Gamma(1 + x) - log x
    m = x < 0.5
    out[m] = _horner(_LGAMMA1P, x[m]) - np.log(x[m])
    m = (x >= 0.5) & (x < 1.5)
    out[m] = _horner(_LGAMMA1P, x[m] - 1.0)
    # 1.5 <= x < 8: down to y in [1.5, 2.5), log Gamma(x) = log Gamma(y) + log(y (y+1) ...)
    m = (x >= 1.5) & (x < 8.0)
    xm = x[m]
    steps = np.floor(xm - 1.5)
    y = xm - steps  # (exact)
    prod = np.ones_like(y)
    for k in range(6):
        prod = np.where(steps > k, prod * (y + k), prod)
    z = y - 2.0
    out[m] = _horner(_LGAMMA1P, z) + np.log1p(z) + np.log(prod)
    # x >= 8: Stirling's series
    m = x >= 8.0
    xm = x[m]
    inv = 1.0 / xm
    series = inv * np.polyval(_STIRLING[::-1], inv * inv)
    out[m] = np.where(np.isinf(xm), np.inf,
                      (xm - 0.5) * np.log(xm) - xm + _HALF_LOG_2PI + series)
    return out


@_float64
def _lgamma(x):
    x = np.asarray(x)
    out = np.full(x.shape, np.inf)
    positive = x > 0
    out[positive] = _lgamma_positive(x[positive])
    # x < 0, not an integer: log Gamma(x) = log(pi / |sin(pi x)|) - log Gamma(1 - x)
    negative = (x < 0) & ~_is_pole(x)
    xn = x[negative]
    out[negative] = _LOG_PI - np.log(np.abs(_sin_pi(xn))) - _lgamma_positive(1.0 - xn)
    out[np.isnan(x)] = np.nan
    return out


def _digamma_positive(x):
    """psi(x) for x > 0 (NaN-free inputs)."""
    out = np.empty_like(x)
    near = np.abs(x - _X0_HI) <= _PSI_ROOT_RADIUS
    d = (x[near] - _X0_HI) - _X0_LO
    out[near] = _horner(_PSI_ROOT, d)
    far = ~near
    xf = x[far]
    # psi(x) = psi(x + n) - sum_(k < n) 1 / (x + k), with x + n >= 10
    shift = np.zeros_like(xf)
    while True:
        low = xf < 10.0
        if not low.any():
            break
        shift = np.where(low, shift + 1.0 / np.where(low, xf, 1.0), shift)
        xf = np.where(low, xf + 1.0, xf)
    inv2 = 1.0 / (xf * xf)
    series = inv2 * np.polyval(_PSI_ASYMPTOTIC[::-1], inv2)
    out[far] = np.log(xf) - 0.5 / xf - series - shift
    return out


@_float64
def _digamma(x):
    x = np.asarray(x)
    out = np.full(x.shape, np.nan)
    positive = x > 0
    out[positive] = _digamma_positive(x[positive])
    # psi(x) = psi(1 - x) - pi cot(pi x) for x < 0
    negative = (x < 0) & ~_is_pole(x)
    xn = x[negative]
    out[negative] = _digamma_positive(1.0 - xn) - np.pi * _cot_pi(xn)
    zero = x == 0
    out[zero] = np.copysign(np.inf, -x[zero])  # -inf at +0, +inf at -0
    return out


def _cot_derivative_polynomials(n):
    """Q_0(c) = c, Q_(k+1)(c) = -(1 + c^2) Q_k'(c): d^n/dx^n cot(pi x) = pi^n Q_n(cot(pi x)).
    Coefficients lowest power first, exact integers."""
    q = [0, 1]
    for _ in range(n):
        d = [i * q[i] for i in range(1, len(q))] or [0]
        nxt = [0] * (len(d) + 2)
        for i, v in enumerate(d):
            nxt[i] -= v
            nxt[i + 2] -= v
        q = nxt
    return q


@_float64
def _polygamma(x, n):
    if n == 0:
        return _digamma(x)
    x = np.asarray(x)
    sign = 1.0 if n % 2 else -1.0  # (-1)^(n+1)
    factorial = float(math.factorial(n)) if n <= 170 else np.inf
    out = np.full(x.shape, sign * np.inf)  # the poles
    positive = x > 0
    out[positive] = sign * factorial * _hurwitz_zeta(n + 1.0, x[positive])
    # psi^(n)(x) = (-1)^n psi^(n)(1 - x) - pi^(n+1) Q_n(cot(pi x)) for x < 0
    negative = (x < 0) & ~_is_pole(x)
    xn = x[negative]
    q = np.polyval(np.array(_cot_derivative_polynomials(n)[::-1], dtype=np.float64),
                   _cot_pi(xn))
    reflected = -factorial * _hurwitz_zeta(n + 1.0, 1.0 - xn)  # (-1)^n psi^(n)(1 - x)
    out[negative] = reflected - np.pi ** (n + 1) * q
    # PyTorch's values at the infinities: 0 (n = 1) or NaN at +inf; NaN (n = 1) or
    # (-1)^(n+1) inf at -inf
    out[x == np.inf] = 0.0 if n == 1 else np.nan
    if n == 1:
        out[x == -np.inf] = np.nan
    out[np.isnan(x)] = np.nan
    return out


def _bessel_i(x, order):
    """I_order(|x|) for order 0 or 1, float64."""
    ax = np.abs(x)
    out = np.empty_like(ax)
    small = ax < 30.0
    xs = ax[small]
    # sum_k (x/2)^(2k + order) / (k! (k + order)!)
    term = (0.5 * xs) ** order
    total = term.copy()
    quarter = 0.25 * xs * xs
    for k in range(1, 80):
        term = term * quarter / (k * (k + order))
        total += term
        if not np.any(term > 1e-17 * total):
            break
    out[small] = total
    # Hankel: e^x / sqrt(2 pi x) sum_k (-1)^k prod_(m <= k) (mu - (2m - 1)^2) / (k! (8x)^k)
    xl = ax[~small]
    mu = 4.0 * order * order
    term = np.ones_like(xl)
    total = term.copy()
    for k in range(1, 30):
        term = -term * (mu - (2 * k - 1) ** 2) / (k * 8.0 * xl)
        total += term
    # (the exponential split in two halves: finite up to where I_n itself overflows)
    half = np.exp(0.5 * xl)
    out[~small] = half * (half / (math.sqrt(2 * np.pi) * np.sqrt(xl))) * total
    return out


@_float64
def _i0(x):
    return _bessel_i(x, 0)


@_float64
def _i1(x):
    return np.copysign(_bessel_i(x, 1), x)  # (odd)


# ====================================================================== primitives
class Lgamma(Primitive):
    """d lgamma(x) = digamma(x) dx."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _lgamma(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * digamma(x)


class Polygamma(Primitive):
    """d polygamma(n, x) = polygamma(n + 1, x) dx (digamma is n = 0)."""

    @staticmethod
    def forward(ctx, x, n):
        ctx.save_for_backward(x)
        ctx.n = n
        return _polygamma(x, n)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * Polygamma.apply(x, ctx.n + 1), None


class Mvlgamma(Primitive):
    """d mvlgamma(x, p) = sum_(i < p) digamma(x - i/2) dx (the sum taken before the product
    with the incoming gradient, as PyTorch does: an infinite one gives +-inf, not inf - inf)."""

    @staticmethod
    def forward(ctx, x, p):
        ctx.save_for_backward(x)
        ctx.p = p
        wide = x.astype(np.float64)
        out = sum(_lgamma(wide - 0.5 * i) for i in range(p)) + p * (p - 1) / 4 * _LOG_PI
        # (contiguous whatever the input's layout: PyTorch's result is a sum over a new dim)
        return np.asarray(out, dtype=x.dtype, order="C")

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        slope = digamma(x)
        for i in range(1, ctx.p):
            slope = slope + digamma(x - 0.5 * i)
        return grad_output * slope, None


class Digamma(Polygamma):
    """``polygamma(0, x)`` (its own node name, as PyTorch's)."""

    node_name = "DigammaBackward0"


class I0(Primitive):
    """d i0(x) = i1(x) dx."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _i0(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * I1.apply(x)


class I1(Primitive):
    """d i1(x) = (i0(x) - i1(x) / x) dx, 1/2 at x = 0."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _i1(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        zero = x == 0
        safe = where(zero, 1.0, x)
        return grad_output * where(zero, 0.5, I0.apply(x) - I1.apply(x) / safe)


class Sinc(Primitive):
    """d sinc(x) = (pi x cos(pi x) - sin(pi x)) / (pi x^2) dx, 0 at x = 0.

    A primitive rather than a composite so that the derivative is one number per element
    (PyTorch's form): an infinite incoming gradient gives +-inf, not inf - inf."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with np.errstate(invalid="ignore", divide="ignore"):
            px = x * np.asarray(np.pi, x.dtype)
            return _in_layout(x, np.where(x == 0, np.ones((), x.dtype), np.sin(px) / px))

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        nonzero = x != 0
        safe = where(nonzero, x, 1.0)
        px = safe * math.pi
        slope = (px * cos(px) - sin(px)) / (px * safe)
        return _mask_mul(grad_output * slope, nonzero)


# ====================================================================== functions
def lgamma(input):
    """log |Gamma(x)|; +inf at 0 and the negative integers. Integers give the default float."""
    return Lgamma.apply(_float_input(input))


def digamma(input):
    """psi(x) = d/dx log Gamma(x); -inf at +0, +inf at -0, NaN at the negative integers."""
    return Digamma.apply(_float_input(input), 0)


def polygamma(n, input):
    """The n-th derivative of digamma (``polygamma(0, x)`` is ``digamma``)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"polygamma(): argument 'n' (position 1) must be int, not "
                        f"{type(n).__name__}")
    if not isinstance(input, Tensor):
        raise TypeError(f"polygamma(): argument 'input' (position 2) must be Tensor, not "
                        f"{type(input).__name__}")
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return Polygamma.apply(_float_input(input), int(n))


def mvlgamma(input, p):
    """The multivariate log-gamma function of dimension ``p``:
    sum_(i < p) lgamma(x - i/2) + p (p - 1) / 4 log(pi)."""
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)):
        raise TypeError(f"mvlgamma(): argument 'p' (position 2) must be int, not "
                        f"{type(p).__name__}")
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    if input._data.dtype == np.bool_:
        raise RuntimeError("The input tensor may not be a boolean tensor.")
    return Mvlgamma.apply(_float_input(input), int(p))


def i0(input):
    """The modified Bessel function of the first kind, order 0."""
    return I0.apply(_float_input(input))


def i1(input):
    """The modified Bessel function of the first kind, order 1 (``torch.special.i1``)."""
    return I1.apply(_float_input(input))


def sinc(input):
    """The normalized sinc: sin(pi x) / (pi x), 1 at x = 0 (where its gradient is 0)."""
    return Sinc.apply(_float_input(input))


# The functions written without ``out=`` get it here, all in one way.
lgamma, digamma, polygamma, mvlgamma, i0, i1, sinc = map(_accepts_out, (
    lgamma, digamma, polygamma, mvlgamma, i0, i1, sinc))

# PyTorch's TypeError for Python numbers in the arguments it requires to be tensors
_scalars.check_tensor_args(globals())
