"""CIFAR-10 and CIFAR-100: 32x32 colour images in the "python version" pickle batches.

Layout as torchvision's: ``<root>/cifar-10-batches-py/{data_batch_1..5, test_batch,
batches.meta}`` and ``<root>/cifar-100-python/{train, test, meta}``. The batches are pickles;
they are read with a restricted unpickler that admits only the plain containers they hold and
the NumPy array reconstruction they use — loading never runs any other code.
"""

import io
import os
import pickle

import numpy as np

from numtorch._tensor import _wrap
from numtorch.vision.datasets.utils import check_integrity, download_and_extract_archive
from numtorch.vision.datasets.vision_base import VisionDataset, pil_image_from_array

__all__ = ["CIFAR10", "CIFAR100", "safe_unpickle"]

_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
}


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load global {module}.{name}: CIFAR batches "
                                     "hold only dicts, lists, bytes, ints, strings and NumPy "
                                     "arrays")


def safe_unpickle(path):
    """Unpickle a CIFAR batch file without executing arbitrary code; errors name the file."""
    try:
        with open(path, "rb") as f:
            data = f.read()
        return _RestrictedUnpickler(io.BytesIO(data), encoding="latin1").load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError) as exc:
        raise RuntimeError(f"{path}: not a valid CIFAR batch ({exc})") from None


class CIFAR10(VisionDataset):
    """``CIFAR10(root, train=True, transform=None, target_transform=None, download=False)``;
    items are ``(PIL RGB image, int label)``; ``data`` is a uint8 NumPy array (N, 32, 32, 3)
    and ``targets`` a list of ints, as in torchvision."""

    base_folder = "cifar-10-batches-py"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    filename = "cifar-10-python.tar.gz"
    tgz_md5 = "c58f30108f718f92721af3b95e74349a"
    train_list = [
        ["data_batch_1", "c99cafc152244af753f735de768cd75f"],
        ["data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"],
        ["data_batch_3", "54ebc095f3ab1f0389bbae665268c751"],
        ["data_batch_4", "634d18415352ddfa80567beed471001a"],
        ["data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb"],
    ]
    test_list = [["test_batch", "40351d587109b95175f43aff81a1287e"]]
    meta = {"filename": "batches.meta", "key": "label_names",
            "md5": "5ff9c542aee3614f3951f8cda6e48888"}
    labels_key = "labels"

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        folder = os.path.join(self.root, self.base_folder)
        files = self.train_list if train else self.test_list
        missing = [name for name, _ in files + [[self.meta["filename"], None]]
                   if not os.path.isfile(os.path.join(folder, name))]
        if missing:
            raise RuntimeError(
                f"Dataset not found or corrupted: {', '.join(missing)} missing in {folder}. Use "
                f"download=True, or extract {self.filename} into {self.root}")
        data, targets = [], []
        for name, _ in files:
            path = os.path.join(folder, name)
            entry = safe_unpickle(path)
            if not isinstance(entry, dict) or "data" not in entry or \
                    self.labels_key not in entry:
                raise RuntimeError(f"{path}: not a CIFAR batch (no 'data'/'{self.labels_key}')")
            arr = np.asarray(entry["data"], dtype=np.uint8)
            if arr.ndim != 2 or arr.shape[1] != 3072 or len(arr) != len(entry[self.labels_key]):
                raise RuntimeError(f"{path}: wrong length: data of shape {arr.shape} with "
                                   f"{len(entry[self.labels_key])} labels (expected (N, 3072))")
            data.append(arr)
            targets.extend(int(t) for t in entry[self.labels_key])
        self.data = np.vstack(data).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).copy()
        self.targets = targets
        meta = safe_unpickle(os.path.join(folder, self.meta["filename"]))
        self.classes = list(meta[self.meta["key"]])
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}

    def download(self):
        folder = os.path.join(self.root, self.base_folder)
        if all(check_integrity(os.path.join(folder, n), m)
               for n, m in self.train_list + self.test_list):
            return
        try:
            download_and_extract_archive(self.url, self.root, filename=self.filename,
                                         md5=self.tgz_md5)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}. Without network, place {self.filename} (or its "
                               f"extracted {self.base_folder}/ folder) in {self.root}") from None

    def __getitem__(self, index):
        return self._apply(pil_image_from_array(self.data[index]), self.targets[index])

    def __len__(self):
        return len(self.data)

    def extra_repr(self):
        return f"Split: {'Train' if self.train else 'Test'}"

    @property
    def data_tensor(self):
        """The images as a uint8 tensor (N, 32, 32, 3)."""
        return _wrap(self.data)


class CIFAR100(CIFAR10):
    """CIFAR-100 (fine labels), layout ``<root>/cifar-100-python/{train, test, meta}``."""

    base_folder = "cifar-100-python"
    url = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    filename = "cifar-100-python.tar.gz"
    tgz_md5 = "eb9058c3a382ffc7106e4002c42a8d85"
    train_list = [["train", "16019d7e3df5f24257cddd939b257f8d"]]
    test_list = [["test", "f0ef6b0ae62326f3e7ffdfab6717acfc"]]
    meta = {"filename": "meta", "key": "fine_label_names",
            "md5": "7973b15100ade9c7d40fb424638fde48"}
    labels_key = "fine_labels"
