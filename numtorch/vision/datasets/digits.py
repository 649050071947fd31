"""``Digits``: the 8x8 handwritten digits that ship inside scikit-learn (works offline)."""

import numpy as np

from numtorch._tensor import _wrap
from numtorch.vision.datasets.vision_base import VisionDataset, pil_image_from_array

__all__ = ["Digits"]


def _load():
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ImportError("the Digits dataset ships with scikit-learn: pip install scikit-learn "
                          "(or pip install 'numtorch[train]')") from None
    bunch = load_digits()
    return bunch.images, bunch.target


class Digits(VisionDataset):
    """The 1797 8x8 digit images of scikit-learn (UCI optical digits), 10 classes.

    ``Digits(root=None, train=True, transform=None, target_transform=None, download=False)``.
    A fixed stratified split: within each class, every fifth image (positions 4, 9, 14, ...
    in the original order) is in the test split (355 images), the rest in train (1442).
    Pixel values 0..16 are scaled to uint8 0..255 (``round(v * 255 / 16)``), so items are
    ``(PIL image mode L, int label)`` like MNIST's; ``data`` (uint8 tensor (N, 8, 8)) and
    ``targets`` (int64 tensor) hold the split. ``root`` and ``download`` are accepted for
    signature compatibility and unused: the data comes with scikit-learn.
    """

    classes = [str(i) for i in range(10)]

    def __init__(self, root=None, train=True, transform=None, target_transform=None,
                 download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        images, labels = _load()
        test = np.zeros(len(labels), dtype=bool)
        for c in range(10):
            idx = np.flatnonzero(labels == c)
            test[idx[4::5]] = True
        keep = ~test if train else test
        data = np.round(images[keep] * (255.0 / 16.0)).astype(np.uint8)
        self.data = _wrap(data)
        self.targets = _wrap(labels[keep].astype(np.int64))
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}

    def __getitem__(self, index):
        img = pil_image_from_array(self.data._data[index])
        return self._apply(img, int(self.targets._data[index]))

    def __len__(self):
        return len(self.data._data)

    def extra_repr(self):
        return f"Split: {'Train' if self.train else 'Test'}"
