"""MNIST, Fashion-MNIST and KMNIST: 28x28 grey images in the IDX format.

The on-disk layout is torchvision's: ``<root>/<ClassName>/raw/`` holding the four IDX files,
uncompressed (``train-images-idx3-ubyte``) or gzipped (``train-images-idx3-ubyte.gz``); either
works. ``download=True`` fetches the gzipped files from torchvision's mirrors and checks their
MD5s.
"""

import gzip
import os

import numpy as np

from numtorch._tensor import _wrap
from numtorch.vision.datasets.utils import DownloadError, check_integrity, download_url
from numtorch.vision.datasets.vision_base import VisionDataset, pil_image_from_array

__all__ = ["MNIST", "FashionMNIST", "KMNIST", "read_idx"]

_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4",
               0x0E: ">f8"}


def read_idx(path, expected_ndim=None):
    """Read an IDX file (gzipped or not) into a NumPy array, checking the magic number and that
    the file holds exactly the bytes its header promises; errors name the file."""
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as exc:
        raise RuntimeError(f"{path}: cannot read ({exc})") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise RuntimeError(f"{path}: bad magic number {raw[:4].hex() or '(empty file)'}: not "
                           "an IDX file")
    ndim = raw[3]
    if expected_ndim is not None and ndim != expected_ndim:
        raise RuntimeError(f"{path}: expected a {expected_ndim}-D IDX file (magic "
                           f"0x0000080{expected_ndim}), got {ndim}-D")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise RuntimeError(f"{path}: truncated header")
    dims = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    expected = header + int(np.prod(dims)) * dtype.itemsize
    if len(raw) != expected:
        raise RuntimeError(f"{path}: wrong length: the header promises {expected} bytes "
                           f"(shape {dims}), the file has {len(raw)}")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(dims).astype(
        dtype.newbyteorder("="), copy=False)


class MNIST(VisionDataset):
    """``MNIST(root, train=True, transform=None, target_transform=None, download=False)``.

    Items are ``(PIL image (mode L), int label)`` as in torchvision; ``data`` (uint8 tensor
    (N, 28, 28)) and ``targets`` (int64 tensor) hold the whole split in memory.
    """

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/",
               "http://yann.lecun.com/exdb/mnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five",
               "6 - six", "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        prefix = "train" if train else "t10k"
        images = self._find(f"{prefix}-images-idx3-ubyte")
        labels = self._find(f"{prefix}-labels-idx1-ubyte")
        data = read_idx(images, expected_ndim=3)
        targets = read_idx(labels, expected_ndim=1)
        if len(data) != len(targets):
            raise RuntimeError(f"{images} holds {len(data)} images but {labels} holds "
                               f"{len(targets)} labels")
        self.data = _wrap(np.ascontiguousarray(data))
        self.targets = _wrap(targets.astype(np.int64))

    @property
    def raw_folder(self):
        return os.path.join(self.root, type(self).__name__, "raw")

    @property
    def class_to_idx(self):
        return {c: i for i, c in enumerate(self.classes)}

    def _find(self, stem):
        for name in (stem, stem + ".gz"):
            path = os.path.join(self.raw_folder, name)
            if os.path.isfile(path):
                return path
        files = ", ".join(name for name, _ in self.resources)
        raise RuntimeError(
            f"Dataset not found: {os.path.join(self.raw_folder, stem)}[.gz] is missing. Use "
            f"download=True, or place the files {files} (gzipped or not) in {self.raw_folder}")

    def _check_exists(self):
        return all(os.path.isfile(os.path.join(self.raw_folder, n)) or
                   os.path.isfile(os.path.join(self.raw_folder, n[:-3]))
                   for n, _ in self.resources)

    def download(self):
        """Fetch the missing files from the mirrors (MD5-checked, written atomically)."""
        if self._check_exists():
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        for filename, md5 in self.resources:
            path = os.path.join(self.raw_folder, filename)
            if check_integrity(path, md5) or os.path.isfile(path[:-3]):
                continue
            errors = []
            for mirror in self.mirrors:
                try:
                    download_url(mirror + filename, self.raw_folder, filename, md5)
                    break
                except DownloadError as exc:
                    errors.append(str(exc))
            else:
                raise RuntimeError(
                    f"Error downloading {filename}: {'; '.join(errors)}. Without network, "
                    f"place {', '.join(n for n, _ in self.resources)} in {self.raw_folder}")

    def __getitem__(self, index):
        img = pil_image_from_array(self.data._data[index])
        return self._apply(img, int(self.targets._data[index]))

    def __len__(self):
        return len(self.data._data)

    def extra_repr(self):
        return f"Split: {'Train' if self.train else 'Test'}"


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST, in MNIST's format and layout (``<root>/FashionMNIST/raw``)."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]


class KMNIST(MNIST):
    """Kuzushiji-MNIST (cursive Japanese characters), layout ``<root>/KMNIST/raw``."""

    mirrors = ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"),
        ("train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"),
        ("t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"),
        ("t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134"),
    ]
    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]
