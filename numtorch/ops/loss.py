"""Loss functions: fused cross-entropy, NLL and binary cross-entropy primitives, and composites.

Four primitives, each fused for stability and speed:
- ``CrossEntropy``: log-softmax + NLL (class indices, with ``weight``, ``ignore_index`` and
  ``label_smoothing``) or log-softmax + soft targets (class probabilities). The gradient is
  ``scale * (a * softmax(x) - b)`` (``softmax - onehot`` in the plain case).
- ``NllLoss``: picks ``-w[t] * x[n, t]``; its gradient scatters back.
- ``BinaryCrossEntropy``: PyTorch's clamped logs (``log`` >= -100) and its gradient
  ``(x - z) / max(x (1 - x), 1e-12)``, finite on saturated probabilities.
- ``BinaryCrossEntropyWithLogits``: ``(1 - z) x + (1 + (pw - 1) z) softplus(-x)`` in the
  stable form; gradient ``(1 + (pw - 1) z) sigmoid(x) - pw z``.

Every backward is differentiable again: the three elementwise ones are written with numtorch
ops; ``CrossEntropy`` and ``NllLoss`` run NumPy when no graph is recorded and numtorch ops under
``create_graph=True`` (Hessian-vector products through a classifier's loss).

The other losses are composites of tensor ops. Every function takes PyTorch's deprecated
``size_average``/``reduce`` arguments and maps them to ``reduction`` with PyTorch's warning.

The family's files, lowest first (each uses only those before it): ``_loss_reduction.py``
(``reduction`` and the legacy arguments, shared checks) -> ``loss_classification.py`` (the four
primitives: cross entropy, NLL, BCE) -> ``loss_regression.py`` (mse, l1, smooth l1, huber,
Poisson/Gaussian NLL) -> ``loss_margin.py`` (kl_div, the margin and embedding losses),
``loss_ctc.py`` (CTC: the forward-backward primitive) -> this file, the family's public face
(``FUNCTIONAL``, the scalar-argument checks).
"""

from numtorch.ops import _scalars
from numtorch.ops._loss_reduction import (  # noqa: F401
    _legacy_reduction,
)
from numtorch.ops.loss_classification import (  # noqa: F401
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    nll_loss,
)
from numtorch.ops.loss_ctc import ctc_loss  # noqa: F401
from numtorch.ops.loss_margin import (  # noqa: F401
    cosine_embedding_loss,
    hinge_embedding_loss,
    kl_div,
    margin_ranking_loss,
    multi_margin_loss,
    multilabel_margin_loss,
    multilabel_soft_margin_loss,
    soft_margin_loss,
    triplet_margin_loss,
    triplet_margin_with_distance_loss,
)
from numtorch.ops.loss_regression import (  # noqa: F401
    gaussian_nll_loss,
    huber_loss,
    l1_loss,
    mse_loss,
    poisson_nll_loss,
    smooth_l1_loss,
)

__all__ = []

FUNCTIONAL = [
    "cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div", "cosine_embedding_loss",
    "margin_ranking_loss", "hinge_embedding_loss", "multilabel_soft_margin_loss",
    "triplet_margin_loss", "soft_margin_loss", "poisson_nll_loss", "gaussian_nll_loss",
    "multi_margin_loss", "multilabel_margin_loss", "triplet_margin_with_distance_loss",
    "ctc_loss",
]

# PyTorch's TypeError for Python numbers in the arguments it requires to be tensors
_scalars.check_tensor_args(globals())
