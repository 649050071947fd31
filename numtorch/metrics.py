"""Classification metrics on tensors, arrays or lists, computed with NumPy (no autograd).

``output`` arguments are either scores ``(N, C)`` (logits or probabilities; the prediction is the
arg-max, the first index among ties, like ``Tensor.argmax``) or predicted labels ``(N,)``;
``target`` is ``(N,)`` integer class labels in ``[0, C)``. Shapes are checked and a mismatch is a
ValueError naming them.

PyTorch itself has no metrics module; this follows scikit-learn's definitions (confusion-matrix
rows are true classes, columns predicted ones), and ``classification_report`` is scikit-learn's.
"""

import numpy as np

from numtorch._tensor import Tensor, _wrap

__all__ = ["accuracy", "top_k_accuracy", "confusion_matrix", "per_class_accuracy",
           "classification_report"]


def _to_numpy(x, name):
    """The ndarray behind a numtorch tensor, a NumPy array, a PyTorch tensor or a list."""
    if isinstance(x, Tensor):
        return x._data
    if isinstance(x, np.ndarray):
        return x
    if hasattr(x, "detach") and hasattr(x, "numpy"):  # a PyTorch tensor
        x = x.detach()
        return np.asarray(x.cpu().numpy() if hasattr(x, "cpu") else x.numpy())
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold numbers, got an array of dtype {arr.dtype}")
    return arr


def _shape(arr):
    return "(" + ", ".join(str(s) for s in arr.shape) + ("," if arr.ndim == 1 else "") + ")"


def _labels(arr, name):
    """``arr`` as int64 class labels; ValueError for fractional or negative values."""
    if arr.dtype.kind == "b":
        return arr.astype(np.int64)
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise ValueError(
                f"{name} must hold integer class labels, got non-integer values of dtype "
                f"{arr.dtype}; for probabilities of a binary classifier threshold them first, "
                "e.g. (probs > 0.5).long()")
        arr = arr.astype(np.int64)
    elif arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer class labels, got dtype {arr.dtype}")
    if arr.size and arr.min() < 0:
        raise ValueError(f"{name} contains a negative class label ({arr.min()})")
    return arr.astype(np.int64, copy=False)


def _target(target, n, output):
    t = _to_numpy(target, "target")
    if t.ndim != 1 or t.shape[0] != n:
        raise ValueError(
            f"target must have shape ({n},) to match output of shape {_shape(output)}, got "
            f"shape {_shape(t)}")
    return _labels(t, "target")


def _scores(output, target, need_scores=False):
    """(scores (N, C) or None, predicted labels (N,), target (N,)) after checking shapes."""
    out = _to_numpy(output, "output")
    if out.ndim == 2:
        n, c = out.shape
        if c == 1:
            raise ValueError(
                f"output of shape {_shape(out)} has a single class column, so its arg-max is "
                "always 0; for a binary classifier with one logit use (output > 0).long() as "
                "the predicted labels")
        t = _target(target, n, out)
        if t.size and t.max() >= c:
            raise ValueError(
                f"target contains class label {t.max()} outside [0, {c}) for output of shape "
                f"{_shape(out)}")
        pred = out.argmax(axis=1) if n else np.zeros((0,), np.int64)
        return out, pred, t
    if out.ndim == 1 and not need_scores:
        t = _target(target, out.shape[0], out)
        return None, _labels(out, "output"), t
    wanted = "(N, C) scores" if need_scores else "(N, C) scores or (N,) predicted labels"
    raise ValueError(f"output must be {wanted}, got shape {_shape(out)}")


def _nonempty(t, out):
    if t.shape[0] == 0:
        raise ValueError(f"accuracy of an empty batch is undefined (output of shape "
                         f"{_shape(_to_numpy(out, 'output'))})")


def _topk_correct(scores, t, k):
    """Per sample: is the target among the ``k`` highest scores? Ties are ranked by class
    index (lower first), the order arg-max and a stable descending sort give."""
    n, c = scores.shape
    if not 1 <= k <= c:
        raise ValueError(f"k must be in [1, {c}] for output of shape {_shape(scores)}, got {k}")
    target_score = scores[np.arange(n), t][:, None]                 # (N, 1)
    higher = (scores > target_score).sum(axis=1)
    earlier_tie = ((scores == target_score) & (np.arange(c) < t[:, None])).sum(axis=1)
    return higher + earlier_tie < k


def accuracy(output, target, topk=None):
    """The fraction (a Python float) of samples whose prediction equals ``target``.

    ``output`` is ``(N, C)`` scores (prediction = arg-max) or ``(N,)`` predicted labels.
    ``topk=k`` (an int) gives the top-k accuracy instead; ``topk=(1, 5)`` (a tuple or list)
    gives a list with one top-k accuracy per entry, as in the classic ImageNet training script.
    """
    if topk is not None:
        if isinstance(topk, (tuple, list)):
            return [top_k_accuracy(output, target, k) for k in topk]
        return top_k_accuracy(output, target, topk)
    _, pred, t = _scores(output, target)
    _nonempty(t, output)
    return float(np.mean(pred == t))


def top_k_accuracy(output, target, k):
    """The fraction (a Python float) of samples whose target is among the ``k`` highest scores
    of ``output`` ``(N, C)``. Ties are broken by class index, so ``k=1`` equals ``accuracy``."""
    scores, _, t = _scores(output, target, need_scores=True)
    _nonempty(t, output)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"k must be an int, got {type(k).__name__}")
    return float(np.mean(_topk_correct(scores, t, int(k))))


def confusion_matrix(pred_or_logits, target, num_classes=None):
    """The ``(K, K)`` int64 tensor whose entry ``[i, j]`` counts samples of true class ``i``
    predicted as class ``j`` (rows = true class, columns = predicted class, as scikit-learn).

    ``pred_or_logits`` is ``(N,)`` predicted labels or ``(N, C)`` scores (arg-max taken). Note
    the argument order: predictions first, like the other functions here (scikit-learn's
    ``confusion_matrix`` takes ``y_true`` first). ``K`` is ``num_classes``, else ``C`` for
    scores, else one more than the largest label seen. Unlike scikit-learn, rows and columns
    are always the classes ``0..K-1``, present or not.
    """
    scores, pred, t = _scores(pred_or_logits, target)
    if num_classes is None:
        if scores is not None:
            num_classes = scores.shape[1]
        else:
            num_classes = int(max(pred.max(initial=-1), t.max(initial=-1))) + 1
    num_classes = int(num_classes)
    if num_classes < 1:
        raise ValueError(f"num_classes must be positive, got {num_classes}")
    for name, labels in (("predictions", pred), ("target", t)):
        if labels.size and labels.max() >= num_classes:
            raise ValueError(
                f"{name} contain class label {labels.max()}, outside [0, {num_classes}) for "
                f"num_classes={num_classes}")
    flat = np.bincount(t * num_classes + pred, minlength=num_classes * num_classes)
    return _wrap(flat.reshape(num_classes, num_classes).astype(np.int64))  # (K, K)


def per_class_accuracy(output, target, num_classes=None):
    """A float32 tensor ``(K,)``: for each true class, the fraction of its samples predicted
    correctly (the class's recall; the diagonal of the confusion matrix over its row sums).
    NOTE: a class without samples gets NaN (0/0), not 0, so that it is not mistaken for a class
    the model always gets wrong."""
    cm = confusion_matrix(output, target, num_classes)._data
    support = cm.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        acc = np.diag(cm) / support
    return _wrap(acc.astype(np.float32))


def classification_report(y_true, y_pred, target_names=None, digits=2, output_dict=False, *,
                          zero_division="warn"):
    """scikit-learn's ``classification_report`` (precision, recall, F1 and support per class)
    for labels given as tensors, arrays or lists; ``y_pred`` may also be ``(N, C)`` scores.

    With ``target_names`` the report has one row per name, for classes ``0..len-1`` (present in
    the data or not). Returns a string, or a dict with ``output_dict=True``. ``zero_division``
    is scikit-learn's (the value of an undefined precision/recall, ``"warn"``: 0 with a
    warning). Needs scikit-learn
    (``pip install scikit-learn``).
    """
    try:
        from sklearn.metrics import classification_report as sk_report
    except ImportError:
        raise ImportError(
            "numtorch.metrics.classification_report needs scikit-learn: "
            "pip install scikit-learn") from None
    _, pred, t = _scores(y_pred, y_true)
    labels = None if target_names is None else np.arange(len(target_names))
    if labels is not None:
        seen = max(pred.max(initial=-1), t.max(initial=-1))
        if seen >= len(labels):
            raise ValueError(
                f"labels go up to {seen} but target_names has only {len(labels)} names")
    return sk_report(t, pred, labels=labels, target_names=target_names, digits=digits,
                     output_dict=output_dict, zero_division=zero_division)
