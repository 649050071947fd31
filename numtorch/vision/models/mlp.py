"""Fully connected course models: ``LogisticRegression`` and ``MLP``. Both flatten their input,
so they take images ``(N, C, H, W)`` as well as feature vectors ``(N, F)``."""

from numtorch import nn
from numtorch.vision.models._utils import num_features

__all__ = ["LogisticRegression", "MLP", "ACTIVATIONS"]

# Activation names accepted by MLP, and the module each builds.
ACTIVATIONS = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "gelu": nn.GELU,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "silu": nn.SiLU,
}


class LogisticRegression(nn.Module):
    """``LogisticRegression(in_features, num_classes)``: ``flatten`` then ``linear``; outputs
    ``num_classes`` logits (train with ``cross_entropy``, which applies the softmax).

    ``in_features`` is an int or an input shape such as ``(1, 28, 28)``. For two classes this
    still gives two logits (softmax over two logits is the logistic model, with an
    over-parameterization that does not change predictions); use ``num_classes=1`` with
    ``binary_cross_entropy_with_logits`` for the single-logit form.
    """

    def __init__(self, in_features, num_classes):
        super().__init__()
        self.in_features = num_features(in_features, "LogisticRegression")
        self.num_classes = num_classes
        self.flatten = nn.Flatten()
        self.linear = nn.Linear(self.in_features, num_classes)

    def forward(self, x):
        return self.linear(self.flatten(x))  # (N, F) -> (N, num_classes)


class MLP(nn.Module):
    """``MLP(in_features, hidden=(256, 128), num_classes=10, activation="relu", dropout=0.0)``.

    ``flatten``, then ``net``: for each hidden width a ``Linear``, the activation and (when
    ``dropout > 0``) a ``Dropout``, and a final ``Linear`` to ``num_classes`` logits. With
    ``hidden=()`` it is logistic regression. ``in_features`` is an int or an input shape (its
    product is used). ``activation`` is one of ``ACTIVATIONS`` ("relu", "tanh", "sigmoid",
    "gelu", "leaky_relu", "elu", "silu"). Linear layers keep PyTorch's default initialization.
    """

    def __init__(self, in_features, hidden=(256, 128), num_classes=10, activation="relu",
                 dropout=0.0):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"MLP: unknown activation {activation!r}; choose one of "
                             f"{', '.join(ACTIVATIONS)}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"MLP: dropout must be in [0, 1), got {dropout}")
        if isinstance(hidden, int):
            hidden = (hidden,)
        self.in_features = num_features(in_features, "MLP")
        self.hidden = tuple(int(h) for h in hidden)
        self.num_classes = num_classes
        self.activation = activation
        self.dropout = dropout
        layers = []
        width = self.in_features
        for h in self.hidden:
            layers.append(nn.Linear(width, h))
            layers.append(ACTIVATIONS[activation]())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = h
        layers.append(nn.Linear(width, num_classes))
        self.flatten = nn.Flatten()
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(self.flatten(x))  # (N, F) -> (N, num_classes)
