"""The pictures a run writes: learning curves, confusion matrix, misclassified examples, and
the decision boundary of 2-D toy data. matplotlib is optional: without it the pictures are
skipped with one note."""

import numpy as np

__all__ = ["have_matplotlib", "plot_curves", "plot_confusion", "confusion_figure",
           "plot_misclassified", "plot_decision_boundary"]


def have_matplotlib():
    try:
        import matplotlib

        matplotlib.use("Agg")
        return True
    except ImportError:
        return False


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_curves(history, path):
    """Train/validation loss and accuracy per epoch."""
    plt = _plt()
    epochs = [h["epoch"] for h in history]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    ax1.plot(epochs, [h["train_loss"] for h in history], "o-", label="train")
    ax2.plot(epochs, [h["train_acc"] for h in history], "o-", label="train")
    if any(h.get("val_loss") is not None for h in history):
        ax1.plot(epochs, [h["val_loss"] for h in history], "o-", label="validation")
        ax2.plot(epochs, [h["val_acc"] for h in history], "o-", label="validation")
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("loss")
    ax1.set_title("loss")
    ax2.set_xlabel("epoch")
    ax2.set_ylabel("accuracy")
    ax2.set_title("accuracy")
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def confusion_figure(cm, classes, title="confusion matrix (test)"):
    """The confusion matrix as a matplotlib figure (rows: true class, columns: predicted)."""
    plt = _plt()
    cm = np.asarray(cm)
    n = len(classes)
    size = max(4.5, 0.5 * n + 2)
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(cm, cmap="Blues")
    ax.set_xticks(range(n))
    ax.set_yticks(range(n))
    labels = [str(c)[:12] for c in classes]
    ax.set_xticklabels(labels, rotation=45, ha="right", fontsize=8)
    ax.set_yticklabels(labels, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    if n <= 20:
        top = cm.max() if cm.size else 0
        for i in range(n):
            for j in range(n):
                ax.text(j, i, int(cm[i, j]), ha="center", va="center", fontsize=7,
                        color="white" if cm[i, j] > top / 2 else "black")
    fig.tight_layout()
    return fig


def plot_confusion(cm, classes, path, title="confusion matrix (test)"):
    plt = _plt()
    fig = confusion_figure(cm, classes, title)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_misclassified(images, true, pred, classes, path, limit=32):
    """A grid of wrong test images (uint8 (N, C, H, W)) titled "true -> predicted"."""
    plt = _plt()
    wrong = np.flatnonzero(true != pred)[:limit]
    cols = 8
    rows = max(1, int(np.ceil(len(wrong) / cols)))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.4, rows * 1.6))
    axes = np.atleast_1d(axes).ravel()
    for ax in axes:
        ax.axis("off")
    for ax, i in zip(axes, wrong):
        img = images[i]
        if img.shape[0] == 1:
            ax.imshow(img[0], cmap="gray", vmin=0, vmax=255)
        else:
            ax.imshow(img.transpose(1, 2, 0))
        ax.set_title(f"{str(classes[true[i]])[:8]}->{str(classes[pred[i]])[:8]}", fontsize=7,
                     color="red")
    if not len(wrong):
        axes[0].set_title("no misclassified test images")
    fig.suptitle("misclassified test images (true -> predicted)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_decision_boundary(predict, x, y, path, title="decision boundary"):
    """Colour the plane by ``predict`` (an (M, 2) -> (M,) function) and draw the points."""
    plt = _plt()
    pad = 0.5
    x0, x1 = x[:, 0].min() - pad, x[:, 0].max() + pad
    y0, y1 = x[:, 1].min() - pad, x[:, 1].max() + pad
    xs, ys = np.meshgrid(np.linspace(x0, x1, 200), np.linspace(y0, y1, 200))
    grid = np.stack([xs.ravel(), ys.ravel()], 1).astype(np.float32)
    zs = np.asarray(predict(grid)).reshape(xs.shape)
    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.contourf(xs, ys, zs, alpha=0.3, cmap="viridis", levels=np.arange(zs.max() + 2) - 0.5)
    ax.scatter(x[:, 0], x[:, 1], c=y, s=10, cmap="viridis", edgecolors="k", linewidths=0.2)
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
