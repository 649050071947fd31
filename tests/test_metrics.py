"""numtorch.metrics: hand-computed values, scikit-learn agreement, input kinds and validation."""

import sys

import numpy as np
import pytest

import numtorch
from numtorch import metrics

LOGITS = [[2.0, 1.0, 0.1],    # pred 0
          [0.1, 3.0, 0.2],    # pred 1
          [0.5, 0.4, 0.3],    # pred 0
          [0.0, 0.2, 0.9],    # pred 2
          [1.0, 1.0, 0.0]]    # tie -> pred 0 (first index)
TARGET = [0, 1, 2, 2, 1]


def _kinds(x):
    """The same data as a list, a NumPy array and a numtorch tensor."""
    return [x, np.asarray(x), numtorch.tensor(x)]


@pytest.mark.parametrize("kind", range(3))
def test_accuracy_hand_computed(kind):
    out, tgt = _kinds(LOGITS)[kind], _kinds(TARGET)[kind]
    assert metrics.accuracy(out, tgt) == pytest.approx(3 / 5)
    assert isinstance(metrics.accuracy(out, tgt), float)
    assert metrics.accuracy([0, 1, 0, 2, 0], tgt) == pytest.approx(3 / 5)
    assert metrics.accuracy(numtorch.tensor([0.0, 1.0, 2.0, 2.0, 1.0]), tgt) == 1.0


def test_accuracy_topk_forms():
    # Ranks of the target: 0, 0, 2 (0.3 lowest), 0, 1 (tie with class 0, which comes first).
    assert metrics.top_k_accuracy(LOGITS, TARGET, 1) == pytest.approx(3 / 5)
    assert metrics.top_k_accuracy(LOGITS, TARGET, 2) == pytest.approx(4 / 5)
    assert metrics.top_k_accuracy(LOGITS, TARGET, 3) == 1.0
    assert metrics.accuracy(LOGITS, TARGET, topk=2) == pytest.approx(4 / 5)
    assert metrics.accuracy(LOGITS, TARGET, topk=(1, 2)) == pytest.approx([3 / 5, 4 / 5])


def test_accuracy_requires_grad_logits():
    logits = numtorch.tensor(LOGITS, requires_grad=True)
    assert metrics.accuracy(logits * 2, numtorch.tensor(TARGET)) == pytest.approx(3 / 5)


def test_confusion_matrix_hand_computed():
    cm = metrics.confusion_matrix(numtorch.tensor(LOGITS), numtorch.tensor(TARGET))
    assert isinstance(cm, numtorch.Tensor) and cm.dtype == numtorch.int64
    np.testing.assert_array_equal(cm.numpy(), [[1, 0, 0],
                                               [1, 1, 0],
                                               [1, 0, 1]])
    cm = metrics.confusion_matrix([1, 1, 0], [0, 1, 0], num_classes=4)
    np.testing.assert_array_equal(cm.numpy(), [[1, 1, 0, 0], [0, 1, 0, 0], [0] * 4, [0] * 4])
    np.testing.assert_array_equal(metrics.confusion_matrix([2], [0]).numpy(),
                                  [[0, 0, 1], [0, 0, 0], [0, 0, 0]])
    assert metrics.confusion_matrix([], [], num_classes=2).numpy().tolist() == [[0, 0], [0, 0]]


def test_per_class_accuracy_hand_computed():
    acc = metrics.per_class_accuracy(LOGITS, TARGET)
    assert acc.dtype == numtorch.float32
    np.testing.assert_allclose(acc.numpy(), [1.0, 0.5, 0.5])
    acc = metrics.per_class_accuracy([0, 0], [0, 2], num_classes=3)
    assert acc[0].item() == 1.0 and np.isnan(acc[1].item()) and acc[2].item() == 0.0


@pytest.mark.parametrize("seed", range(3))
def test_against_scikit_learn(seed):
    skm = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(seed)
    n, c = 200, 6
    scores = rng.standard_normal((n, c)).astype(np.float32)
    scores[::7, 1] = scores[::7, 2]  # ties
    target = rng.integers(0, c, n)
    pred = scores.argmax(1)
    t_scores, t_target = numtorch.tensor(scores), numtorch.tensor(target)
    assert metrics.accuracy(t_scores, t_target) == pytest.approx(skm.accuracy_score(target, pred))
    for k in (1, 2, 3, 5):
        expected = np.mean([target[i] in np.argsort(-scores[i], kind="stable")[:k]
                            for i in range(n)])
        assert metrics.top_k_accuracy(t_scores, t_target, k) == pytest.approx(expected)
        # scikit-learn breaks ties differently: compare on the rows without ties.
        ok = np.ones(n, bool)
        ok[::7] = False
        assert metrics.top_k_accuracy(scores[ok], target[ok], k) == pytest.approx(
            skm.top_k_accuracy_score(target[ok], scores[ok], k=k, labels=np.arange(c)))
    cm = metrics.confusion_matrix(t_scores, t_target)
    np.testing.assert_array_equal(cm.numpy(), skm.confusion_matrix(target, pred,
                                                                    labels=np.arange(c)))
    np.testing.assert_allclose(metrics.per_class_accuracy(t_scores, t_target).numpy(),
                               skm.recall_score(target, pred, average=None), rtol=1e-6)


def test_classification_report_matches_scikit_learn():
    skm = pytest.importorskip("sklearn.metrics")
    from sklearn.exceptions import UndefinedMetricWarning

    target = np.array([0, 1, 2, 2, 1, 0, 0])
    pred = np.array([0, 2, 2, 2, 1, 1, 0])
    text = metrics.classification_report(numtorch.tensor(target), numtorch.tensor(pred),
                                         digits=3)
    assert text == skm.classification_report(target, pred, digits=3)
    names = ["cat", "dog", "bird", "fish"]
    with pytest.warns(UndefinedMetricWarning):
        got = metrics.classification_report(target.tolist(), pred.tolist(), target_names=names,
                                            output_dict=True)
    quiet = metrics.classification_report(target, pred, target_names=names, zero_division=0)
    assert "fish" in quiet
    want = skm.classification_report(target, pred, labels=[0, 1, 2, 3], target_names=names,
                                     output_dict=True, zero_division=0)
    assert set(got) == set(want) and got["fish"]["support"] == 0
    assert got["dog"] == pytest.approx(want["dog"])
    from_logits = metrics.classification_report(target, np.eye(3)[pred] * 5.0)
    assert from_logits == skm.classification_report(target, pred)
    with pytest.raises(ValueError, match="target_names has only 2 names"):
        metrics.classification_report(target, pred, target_names=["a", "b"])


def test_classification_report_without_scikit_learn(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.metrics", None)
    with pytest.raises(ImportError, match="pip install scikit-learn"):
        metrics.classification_report([0, 1], [0, 1])


# ------------------------------------------------------------------------------ validation
@pytest.mark.parametrize("fn", [metrics.accuracy, metrics.confusion_matrix,
                                metrics.per_class_accuracy])
def test_shape_mismatch_names_shapes(fn):
    with pytest.raises(ValueError, match=r"shape \(5,\) to match output of shape \(5, 3\), got "
                                         r"shape \(4,\)"):
        fn(LOGITS, TARGET[:4])
    with pytest.raises(ValueError, match=r"got shape \(5, 1\)"):
        fn(LOGITS, [[t] for t in TARGET])
    with pytest.raises(ValueError, match=r"output must be .* got shape \(1, 5, 3\)"):
        fn([LOGITS], TARGET)


def test_label_validation():
    with pytest.raises(ValueError, match=r"label 3 outside \[0, 3\) for output of shape \(5, 3\)"):
        metrics.accuracy(LOGITS, [0, 1, 2, 3, 1])
    with pytest.raises(ValueError, match="negative class label"):
        metrics.accuracy([0, 1], [0, -1])
    with pytest.raises(ValueError, match="non-integer values"):
        metrics.accuracy([0.2, 0.9], [0, 1])
    with pytest.raises(ValueError, match="single class column"):
        metrics.accuracy([[0.3], [2.0]], [0, 1])
    with pytest.raises(ValueError, match="outside \\[0, 2\\) for num_classes=2"):
        metrics.confusion_matrix([0, 2], [0, 1], num_classes=2)
    with pytest.raises(ValueError, match="empty batch"):
        metrics.accuracy(np.zeros((0, 3)), [])
    with pytest.raises(TypeError, match="dtype <U1"):
        metrics.accuracy(["a", "b"], [0, 1])


def test_top_k_validation():
    with pytest.raises(ValueError, match=r"k must be in \[1, 3\] for output of shape \(5, 3\), "
                                         "got 4"):
        metrics.top_k_accuracy(LOGITS, TARGET, 4)
    with pytest.raises(ValueError, match=r"\(N, C\) scores, got shape \(5,\)"):
        metrics.top_k_accuracy(TARGET, TARGET, 1)
    with pytest.raises(TypeError, match="k must be an int"):
        metrics.top_k_accuracy(LOGITS, TARGET, 1.5)


def test_torch_tensors_accepted():
    torch = pytest.importorskip("torch")
    assert metrics.accuracy(torch.tensor(LOGITS, requires_grad=True),
                            torch.tensor(TARGET)) == pytest.approx(3 / 5)
