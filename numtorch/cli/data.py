"""Data for the training command: every data set as in-memory arrays with a fixed
train/validation/test split, per-channel normalization statistics, and the loaders."""

import math
import os
from dataclasses import dataclass

import numpy as np

import numtorch
from numtorch.cli.config import ConfigError
from numtorch.utils.data import DataLoader, Dataset

__all__ = ["DataBundle", "load_data", "make_loader", "TOY_SETS", "IMAGE_SETS", "normalize"]

IMAGE_SETS = ("digits", "mnist", "fashion-mnist", "kmnist", "cifar10", "cifar100")
TOY_SETS = ("xor", "moons", "circles", "blobs", "spirals")


@dataclass
class DataBundle:
    """Arrays for each split: ``x`` uint8 (N, C, H, W) images or float32 (N, 2) points,
    ``y`` int64 labels; ``mean``/``std`` per channel (images) or per feature (points)."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: list
    mean: list
    std: list

    @property
    def is_image(self):
        return self.x_train.ndim == 4

    @property
    def input_shape(self):
        return tuple(self.x_train.shape[1:])

    @property
    def num_classes(self):
        return len(self.classes)


def normalize(x, mean, std):
    """uint8 images -> float32 scaled to [0, 1] then standardized per channel; points are
    standardized per feature."""
    x = np.asarray(x)
    if x.ndim == 4:
        out = x.astype(np.float32) / np.float32(255)
        shape = (1, -1, 1, 1)
    else:
        out = x.astype(np.float32)
        shape = (1, -1)
    out -= np.asarray(mean, dtype=np.float32).reshape(shape)
    out /= np.asarray(std, dtype=np.float32).reshape(shape)
    return out


# ------------------------------------------------------------------ toy data
def make_toy(kind, n=1000, seed=0, noise=None):
    """2-D toy classification sets, generated from ``seed``."""
    rng = np.random.default_rng(seed)
    if kind == "xor":
        x = rng.uniform(-1, 1, (n, 2))
        y = ((x[:, 0] > 0) ^ (x[:, 1] > 0)).astype(np.int64)
        x += rng.normal(0, noise or 0.05, x.shape)
    elif kind == "moons":
        half = n // 2
        t1 = rng.uniform(0, math.pi, half)
        t2 = rng.uniform(0, math.pi, n - half)
        x = np.concatenate([np.stack([np.cos(t1), np.sin(t1)], 1),
                            np.stack([1 - np.cos(t2), 0.5 - np.sin(t2)], 1)])
        y = np.concatenate([np.zeros(half), np.ones(n - half)]).astype(np.int64)
        x += rng.normal(0, noise or 0.15, x.shape)
    elif kind == "circles":
        t = rng.uniform(0, 2 * math.pi, n)
        y = (rng.random(n) < 0.5).astype(np.int64)
        r = np.where(y == 1, 0.5, 1.0)
        x = np.stack([r * np.cos(t), r * np.sin(t)], 1) + rng.normal(0, noise or 0.08, (n, 2))
    elif kind == "blobs":
        centers = np.array([[-2.0, -1.0], [2.0, -1.0], [0.0, 2.0]])
        y = rng.integers(0, 3, n)
        x = centers[y] + rng.normal(0, noise or 0.7, (n, 2))
    elif kind == "spirals":
        k = 3
        y = rng.integers(0, k, n)
        r = rng.uniform(0.05, 1.0, n)
        t = 4.0 * r + 2 * math.pi * y / k + rng.normal(0, noise or 0.2, n)
        x = np.stack([r * np.cos(t), r * np.sin(t)], 1)
    else:
        raise ConfigError(f"unknown toy data set {kind!r}; choose from "
                          f"{', '.join('toy:' + t for t in TOY_SETS)}")
    perm = rng.permutation(n)  # generated class by class for some sets: mix before splitting
    return x[perm].astype(np.float32), y[perm].astype(np.int64)


# ------------------------------------------------------------------ image data
def _mnist_like(cls, root, download):
    from numtorch.vision import datasets

    try:
        train = getattr(datasets, cls)(root, train=True, download=download)
        test = getattr(datasets, cls)(root, train=False, download=False)
    except RuntimeError as exc:
        raise ConfigError(f"{str(exc).splitlines()[0]}") from None
    return (train.data.numpy()[:, None], train.targets.numpy(), test.data.numpy()[:, None],
            test.targets.numpy(), list(train.classes))


def _cifar(cls, root, download):
    from numtorch.vision import datasets

    try:
        train = getattr(datasets, cls)(root, train=True, download=download)
        test = getattr(datasets, cls)(root, train=False, download=False)
    except RuntimeError as exc:
        raise ConfigError(f"{str(exc).splitlines()[0]}") from None
    return (train.data.transpose(0, 3, 1, 2).copy(), np.asarray(train.targets, np.int64),
            test.data.transpose(0, 3, 1, 2).copy(), np.asarray(test.targets, np.int64),
            list(train.classes))


def _read_folder(path):
    from numtorch.vision.datasets import ImageFolder

    try:
        ds = ImageFolder(path)
    except (FileNotFoundError, OSError) as exc:
        raise ConfigError(f"folder:{path}: {exc}") from None
    if len(ds) == 0:
        raise ConfigError(f"folder:{path} holds no images")
    first = np.asarray(ds.loader(ds.samples[0][0]))
    h, w = first.shape[:2]
    x = np.empty((len(ds), 3, h, w), dtype=np.uint8)
    for i, (p, _) in enumerate(ds.samples):
        img = ds.loader(p)
        if img.size != (w, h):
            img = img.resize((w, h))
        x[i] = np.asarray(img).transpose(2, 0, 1)
    return x, np.asarray(ds.targets, np.int64), list(ds.classes)


def _folder(path):
    """A folder with ``train/`` and ``test/`` class folders, or one class folder tree that is
    split 80/20 with a fixed seed."""
    if not os.path.isdir(path):
        raise ConfigError(f"folder:{path} is not a folder")
    if os.path.isdir(os.path.join(path, "train")) and os.path.isdir(os.path.join(path, "test")):
        xtr, ytr, classes = _read_folder(os.path.join(path, "train"))
        xte, yte, classes_te = _read_folder(os.path.join(path, "test"))
        if classes != classes_te:
            raise ConfigError(f"folder:{path}: train/ and test/ have different classes")
        return xtr, ytr, xte, yte, classes
    x, y, classes = _read_folder(path)
    perm = np.random.default_rng(12345).permutation(len(y))
    n_test = max(1, int(round(0.2 * len(y))))
    return x[perm[n_test:]], y[perm[n_test:]], x[perm[:n_test]], y[perm[:n_test]], classes


def _digits():
    from numtorch.vision.datasets import Digits

    try:
        train, test = Digits(train=True), Digits(train=False)
    except ImportError as exc:
        raise ConfigError(str(exc)) from None
    return (train.data.numpy()[:, None], train.targets.numpy(), test.data.numpy()[:, None],
            test.targets.numpy(), list(train.classes))


def load_data(name, root="data", val_fraction=0.1, seed=0, download=False):
    """A ``DataBundle`` for ``name``; ConfigError (one line) for unknown or missing data."""
    if name.startswith("toy:"):
        x, y = make_toy(name[4:], seed=seed)
        classes = [str(c) for c in range(int(y.max()) + 1)]
        n = len(y)
        n_test = n_val = int(0.15 * n)
        xtr, ytr = x[n_test + n_val:], y[n_test + n_val:]
        xva, yva = x[n_test:n_test + n_val], y[n_test:n_test + n_val]
        xte, yte = x[:n_test], y[:n_test]
        mean, std = xtr.mean(0).tolist(), (xtr.std(0) + 1e-8).tolist()
        return DataBundle(name, xtr, ytr, xva, yva, xte, yte, classes, mean, std)
    loaders = {
        "digits": _digits,
        "mnist": lambda: _mnist_like("MNIST", root, download),
        "fashion-mnist": lambda: _mnist_like("FashionMNIST", root, download),
        "kmnist": lambda: _mnist_like("KMNIST", root, download),
        "cifar10": lambda: _cifar("CIFAR10", root, download),
        "cifar100": lambda: _cifar("CIFAR100", root, download),
    }
    if name.startswith("folder:"):
        xtr, ytr, xte, yte, classes = _folder(os.path.expanduser(name[7:]))
    elif name in loaders:
        xtr, ytr, xte, yte, classes = loaders[name]()
    else:
        raise ConfigError(f"unknown data set {name!r}; choose from {', '.join(IMAGE_SETS)}, "
                          f"folder:PATH or {', '.join('toy:' + t for t in TOY_SETS)}")
    # A fixed, stratified validation split of the training data.
    rng = np.random.default_rng(seed)
    val_idx = []
    for c in range(len(classes)):
        idx = np.flatnonzero(ytr == c)
        rng.shuffle(idx)
        val_idx.append(idx[:int(round(val_fraction * len(idx)))])
    val_idx = np.sort(np.concatenate(val_idx)) if val_idx else np.zeros(0, np.int64)
    keep = np.ones(len(ytr), dtype=bool)
    keep[val_idx] = False
    xva, yva = xtr[val_idx], ytr[val_idx]
    xtr, ytr = xtr[keep], ytr[keep]
    f = xtr.astype(np.float32) / 255
    mean = f.mean(axis=(0, 2, 3)).tolist()
    std = (f.std(axis=(0, 2, 3)) + 1e-8).tolist()
    return DataBundle(name, xtr, ytr, xva, yva, xte, yte, classes, mean, std)


class _Augmented(Dataset):
    """Random crop (4 pixels of padding) and horizontal flip per image, through
    numtorch.vision.transforms, then normalization."""

    def __init__(self, x, y, mean, std):
        from numtorch.vision import transforms as T

        self.x, self.y, self.mean, self.std = x, y, mean, std
        size = x.shape[-2:]
        self.transform = T.Compose([T.RandomCrop(size, padding=4),
                                    T.RandomHorizontalFlip()])

    def __getitem__(self, i):
        img = self.transform(numtorch.from_numpy(self.x[i]))
        return numtorch.from_numpy(normalize(img.numpy()[None], self.mean, self.std)[0]), \
            int(self.y[i])

    def __len__(self):
        return len(self.y)


class _Normalized(Dataset):
    """Rows of the arrays; batches are normalized at once in ``collate``."""

    def __init__(self, x, y):
        self.x, self.y = x, y

    def __getitem__(self, i):
        return self.x[i], self.y[i]

    def __getitems__(self, indices):
        return [(self.x[indices], self.y[indices])]

    def __len__(self):
        return len(self.y)


def make_loader(bundle, split, batch_size, shuffle=False, generator=None, workers=0,
                augment=False, sampler=None):
    """A DataLoader over one split yielding normalized float32 batches and int64 labels
    (in the order of ``sampler`` when given)."""
    x = getattr(bundle, f"x_{split}")
    y = getattr(bundle, f"y_{split}")
    mean, std = bundle.mean, bundle.std
    if augment and bundle.is_image:
        return DataLoader(_Augmented(x, y, mean, std), batch_size=batch_size, shuffle=shuffle,
                          generator=generator, num_workers=workers, sampler=sampler)

    def collate(parts):
        (xb, yb), = parts
        return numtorch.from_numpy(normalize(xb, mean, std)), numtorch.from_numpy(
            np.asarray(yb, dtype=np.int64))

    return DataLoader(_Normalized(x, y), batch_size=batch_size, shuffle=shuffle,
                      generator=generator, num_workers=workers, collate_fn=collate,
                      sampler=sampler)
