"""The multivariate normal distribution (``torch.distributions.MultivariateNormal``)."""

import math

import numtorch
from numtorch._tensor import Size
from numtorch.distributions import constraints
from numtorch.distributions.distribution import Distribution
from numtorch.distributions.utils import lazy_property, solve_tril

__all__ = ["MultivariateNormal"]


def _batch_mv(bmat, bvec):
    """Matrix-vector products with broadcast batch dims: (*, n, n) x (*, n) -> (*, n)."""
    return numtorch.matmul(bmat, bvec.unsqueeze(-1)).squeeze(-1)


def _batch_mahalanobis(low, x):
    """x^T (L L^T)^-1 x = |L^-1 x|^2 for batches of L (*, n, n) and x (*, n), broadcast."""
    z = solve_tril(low, x.unsqueeze(-1)).squeeze(-1)  # (*, n)
    return z.pow(2).sum(-1)


def _precision_to_scale_tril(precision):
    """The lower Cholesky factor L of P^-1 without inverting P: with the reversal permutation
    J, chol(J P J) = Lf gives P = (J Lf J)(J Lf J)^T, whose factor J Lf J is upper triangular,
    so L = ((J Lf J)^T)^-1 is lower triangular and L L^T = P^-1."""
    lf = numtorch.linalg.cholesky(numtorch.flip(precision, (-2, -1)))
    l_inv = numtorch.flip(lf, (-2, -1)).mT
    eye = numtorch.eye(precision.shape[-1], dtype=precision.dtype)
    return solve_tril(l_inv, eye)


class MultivariateNormal(Distribution):
    """Normal distribution over vectors: mean ``loc`` (*, n) and exactly one of
    ``covariance_matrix``, ``precision_matrix`` (both positive definite) or ``scale_tril``
    (lower triangular with a positive diagonal), each (*, n, n). Batch dims of ``loc`` and
    the matrix broadcast. Internally the covariance is kept as its Cholesky factor L.

    log p(x) = -(n log(2 pi) + |L^-1 (x - loc)|^2) / 2 - sum(log diag L);
    rsample = loc + L eps with eps ~ N(0, I), differentiable in every parameter.
    """

    arg_constraints = {"loc": constraints.real_vector,
                       "covariance_matrix": constraints.positive_definite,
                       "precision_matrix": constraints.positive_definite,
                       "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None,
                 validate_args=None):
        if loc.dim() < 1:
            raise ValueError("loc must be at least one-dimensional.")
        given = (covariance_matrix is not None) + (scale_tril is not None) + \
            (precision_matrix is not None)
        if given != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or "
                             "scale_tril may be specified.")
        for name, matrix in (("scale_tril", scale_tril), ("covariance_matrix", covariance_matrix),
                             ("precision_matrix", precision_matrix)):
            if matrix is None:
                continue
            if matrix.dim() < 2:
                label = "scale_tril matrix" if name == "scale_tril" else name
                raise ValueError(f"{label} must be at least two-dimensional, with optional "
                                 f"leading batch dimensions")
            batch_shape = numtorch.broadcast_shapes(tuple(matrix.shape[:-2]),
                                                    tuple(loc.shape[:-1]))
            setattr(self, name, matrix.expand(tuple(batch_shape) + (-1, -1)))
        self.loc = loc.expand(tuple(batch_shape) + (-1,))
        event_shape = self.loc.shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)
        if scale_tril is not None:
            self._unbroadcasted_scale_tril = scale_tril
        elif covariance_matrix is not None:
            self._unbroadcasted_scale_tril = numtorch.linalg.cholesky(covariance_matrix)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(precision_matrix)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(MultivariateNormal, _instance)
        batch_shape = Size(batch_shape)
        loc_shape = tuple(batch_shape) + tuple(self.event_shape)
        cov_shape = loc_shape + tuple(self.event_shape)
        new.loc = self.loc.expand(loc_shape)
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril
        for name in ("covariance_matrix", "scale_tril", "precision_matrix"):
            if name in self.__dict__:
                setattr(new, name, getattr(self, name).expand(cov_shape))
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _matrix_shape(self):
        return tuple(self._batch_shape) + tuple(self._event_shape) * 2

    @lazy_property
    def scale_tril(self):
        return self._unbroadcasted_scale_tril.expand(self._matrix_shape())

    @lazy_property
    def covariance_matrix(self):
        low = self._unbroadcasted_scale_tril
        return numtorch.matmul(low, low.mT).expand(self._matrix_shape())

    @lazy_property
    def precision_matrix(self):
        low = self._unbroadcasted_scale_tril
        eye = numtorch.eye(low.shape[-1], dtype=low.dtype)
        # A general solve, not a triangular one: like PyTorch's cholesky_inverse, the gradient
        # treats L as a full matrix in (L L^T)^-1.
        low_inv = numtorch.linalg.solve(low, eye)
        return numtorch.matmul(low_inv.mT, low_inv).expand(self._matrix_shape())

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        return self._unbroadcasted_scale_tril.pow(2).sum(-1).expand(
            tuple(self._batch_shape) + tuple(self._event_shape))

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        eps = numtorch.randn(shape, dtype=self.loc.dtype)
        return self.loc + _batch_mv(self._unbroadcasted_scale_tril, eps)

    def _half_log_det(self):
        return self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        diff = value - self.loc
        m = _batch_mahalanobis(self._unbroadcasted_scale_tril, diff)
        return -0.5 * (self._event_shape[0] * math.log(2 * math.pi) + m) - self._half_log_det()

    def entropy(self):
        h = 0.5 * self._event_shape[0] * (1.0 + math.log(2 * math.pi)) + self._half_log_det()
        if len(self._batch_shape) == 0:
            return h
        return h.expand(self._batch_shape)
