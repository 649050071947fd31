"""Vision datasets read tiny files written here in the real formats; corrupted files and
downloads (from a local HTTP server) give the documented errors."""

import gzip
import hashlib
import http.server
import os
import pickle
import socket
import threading

import numpy as np
import pytest

import numtorch
from numtorch.vision import datasets, transforms
from numtorch.vision.datasets.utils import DownloadError, download_url

PIL = pytest.importorskip("PIL")


def write_idx(path, arr, gz=False):
    arr = np.asarray(arr, dtype=np.uint8)
    header = bytes([0, 0, 0x08, arr.ndim]) + b"".join(int(d).to_bytes(4, "big")
                                                      for d in arr.shape)
    data = header + arr.tobytes()
    if gz:
        data = gzip.compress(data)
    with open(path, "wb") as f:
        f.write(data)
    return data


def make_mnist(root, name="MNIST", n_train=6, n_test=4, gz=False):
    raw = os.path.join(root, name, "raw")
    os.makedirs(raw, exist_ok=True)
    rng = np.random.default_rng(0)
    files = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        imgs = rng.integers(0, 256, (n, 28, 28))
        labels = np.arange(n) % 10
        suffix = ".gz" if gz else ""
        files[f"{prefix}-images-idx3-ubyte{suffix}"] = write_idx(
            os.path.join(raw, f"{prefix}-images-idx3-ubyte{suffix}"), imgs, gz)
        files[f"{prefix}-labels-idx1-ubyte{suffix}"] = write_idx(
            os.path.join(raw, f"{prefix}-labels-idx1-ubyte{suffix}"), labels, gz)
    return raw, files


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("cls", [datasets.MNIST, datasets.FashionMNIST, datasets.KMNIST])
def test_mnist_family_reads_idx(tmp_path, cls, gz):
    make_mnist(tmp_path, cls.__name__, gz=gz)
    train = cls(tmp_path, train=True)
    test = cls(tmp_path, train=False, transform=transforms.ToTensor(),
               target_transform=lambda t: t + 100)
    assert len(train) == 6 and len(test) == 4
    img, label = train[3]
    assert img.mode == "L" and img.size == (28, 28) and label == 3
    np.testing.assert_array_equal(np.asarray(img), train.data[3].numpy())
    x, y = test[1]
    assert x.shape == (1, 28, 28) and x.dtype == numtorch.float32 and y == 101
    assert train.targets.dtype == numtorch.int64
    assert "Number of datapoints: 6" in repr(train)


def test_missing_files_say_where_to_put_them(tmp_path):
    with pytest.raises(RuntimeError, match="Dataset not found.*MNIST.raw"):
        datasets.MNIST(tmp_path)


def test_corrupted_idx_files_raise_naming_the_file(tmp_path):
    raw, _ = make_mnist(tmp_path)
    bad = os.path.join(raw, "train-images-idx3-ubyte")
    with open(bad, "r+b") as f:
        f.write(b"\x12\x34")
    with pytest.raises(RuntimeError, match="train-images-idx3-ubyte: bad magic number"):
        datasets.MNIST(tmp_path)
    write_idx(bad, np.zeros((6, 28, 28)))
    with open(bad, "ab") as f:
        f.write(b"extra")
    with pytest.raises(RuntimeError, match="wrong length"):
        datasets.MNIST(tmp_path)
    write_idx(bad, np.zeros((5, 28, 28)))
    with pytest.raises(RuntimeError, match="holds 5 images but .* holds 6 labels"):
        datasets.MNIST(tmp_path)


def make_cifar(root, n=5, hundred=False):
    rng = np.random.default_rng(1)
    folder = os.path.join(root, "cifar-100-python" if hundred else "cifar-10-batches-py")
    os.makedirs(folder, exist_ok=True)
    key = "fine_labels" if hundred else "labels"
    names = ["train", "test"] if hundred else [f"data_batch_{i}" for i in range(1, 6)] + \
        ["test_batch"]
    for name in names:
        entry = {"batch_label": name, key: [int(v) for v in rng.integers(0, 10, n)],
                 "data": rng.integers(0, 256, (n, 3072)).astype(np.uint8),
                 "filenames": [f"{i}.png" for i in range(n)]}
        with open(os.path.join(folder, name), "wb") as f:
            pickle.dump(entry, f)
    meta = {"fine_label_names" if hundred else "label_names": [f"c{i}" for i in range(10)]}
    with open(os.path.join(folder, "meta" if hundred else "batches.meta"), "wb") as f:
        pickle.dump(meta, f)
    return folder


@pytest.mark.parametrize("hundred", [False, True])
def test_cifar_reads_pickle_batches(tmp_path, hundred):
    folder = make_cifar(tmp_path, hundred=hundred)
    cls = datasets.CIFAR100 if hundred else datasets.CIFAR10
    train = cls(tmp_path, train=True)
    test = cls(tmp_path, train=False)
    assert len(train) == (5 if hundred else 25) and len(test) == 5
    img, label = train[2]
    assert img.mode == "RGB" and img.size == (32, 32) and 0 <= label < 10
    with open(os.path.join(folder, "train" if hundred else "data_batch_1"), "rb") as f:
        raw = pickle.load(f)
    # CHW rows -> HWC images, as torchvision
    np.testing.assert_array_equal(train.data[2], raw["data"][2].reshape(3, 32, 32)
                                  .transpose(1, 2, 0))
    assert train.classes == [f"c{i}" for i in range(10)]


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_cifar_refuses_pickles_that_run_code(tmp_path):
    folder = make_cifar(tmp_path)
    with open(os.path.join(folder, "test_batch"), "wb") as f:
        pickle.dump({"data": _Evil(), "labels": []}, f)
    with pytest.raises(RuntimeError, match="refusing to load global"):
        datasets.CIFAR10(tmp_path, train=False)


def test_cifar_wrong_shape_and_missing_files(tmp_path):
    folder = make_cifar(tmp_path)
    with open(os.path.join(folder, "test_batch"), "wb") as f:
        pickle.dump({"data": np.zeros((3, 100), np.uint8), "labels": [0, 1, 2]}, f)
    with pytest.raises(RuntimeError, match="test_batch: wrong length"):
        datasets.CIFAR10(tmp_path, train=False)
    os.remove(os.path.join(folder, "data_batch_3"))
    with pytest.raises(RuntimeError, match="data_batch_3 missing"):
        datasets.CIFAR10(tmp_path, train=True)


def make_folder(root, classes=("cat", "dog"), per_class=3):
    from PIL import Image

    rng = np.random.default_rng(2)
    for c in classes:
        os.makedirs(os.path.join(root, c), exist_ok=True)
        for i in range(per_class):
            Image.fromarray(rng.integers(0, 256, (5, 7, 3)).astype(np.uint8)).save(
                os.path.join(root, c, f"{i}.png"))
    with open(os.path.join(root, classes[0], "notes.txt"), "w") as f:
        f.write("not an image")


def test_image_folder(tmp_path):
    make_folder(tmp_path)
    ds = datasets.ImageFolder(tmp_path, transform=transforms.ToTensor())
    assert ds.classes == ["cat", "dog"] and ds.class_to_idx == {"cat": 0, "dog": 1}
    assert len(ds) == 6 and ds.targets == [0, 0, 0, 1, 1, 1]
    x, y = ds[4]
    assert x.shape == (3, 5, 7) and y == 1
    npy = datasets.DatasetFolder(tmp_path, loader=lambda p: open(p).read(), extensions=(".txt",),
                                 allow_empty=True)
    assert len(npy) == 1 and npy[0] == ("not an image", 0)


def test_image_folder_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder"):
        datasets.ImageFolder(tmp_path)
    os.makedirs(tmp_path / "empty")
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes empty"):
        datasets.ImageFolder(tmp_path)


def test_digits_split_is_fixed_and_stratified():
    pytest.importorskip("sklearn")
    train, test = datasets.Digits(train=True), datasets.Digits(train=False)
    assert len(train) + len(test) == 1797 and len(test) == 355
    counts = np.bincount(test.targets.numpy(), minlength=10)
    assert counts.min() >= 34 and counts.max() <= 37
    img, label = train[0]
    assert img.size == (8, 8) and label == 0
    assert train.data.dtype == numtorch.uint8 and int(train.data.max()) == 255
    again = datasets.Digits(train=False)
    np.testing.assert_array_equal(again.data.numpy(), test.data.numpy())


class _Server:
    """A static file server on 127.0.0.1 serving ``files`` (name -> bytes)."""

    def __init__(self, files):
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                name = self.path.rsplit("/", 1)[-1]
                if name not in files:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(files[name])))
                self.end_headers()
                self.wfile.write(files[name])

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def _md5(data):
    return hashlib.md5(data).hexdigest()


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_mnist_download_from_local_server(tmp_path, monkeypatch):
    _, files = make_mnist(tmp_path / "src", gz=True)
    server = _Server(files)
    try:
        monkeypatch.setattr(datasets.MNIST, "mirrors", [server.url])
        monkeypatch.setattr(datasets.MNIST, "resources",
                            [(name, _md5(data)) for name, data in files.items()])
        ds = datasets.MNIST(tmp_path / "dl", train=True, download=True)
        assert len(ds) == 6
        assert sorted(os.listdir(tmp_path / "dl" / "MNIST" / "raw")) == sorted(files)
    finally:
        server.close()


def test_download_checksum_mismatch_leaves_nothing(tmp_path):
    server = _Server({"f.bin": b"hello"})
    try:
        with pytest.raises(DownloadError, match="checksum mismatch"):
            download_url(server.url + "f.bin", str(tmp_path), md5="0" * 32)
        assert os.listdir(tmp_path) == []
        path = download_url(server.url + "f.bin", str(tmp_path), md5=_md5(b"hello"))
        assert open(path, "rb").read() == b"hello"
    finally:
        server.close()


def test_download_connection_refused_says_where_to_put_files(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets.FashionMNIST, "mirrors",
                        [f"http://127.0.0.1:{_free_port()}/"])
    with pytest.raises(RuntimeError) as exc:
        datasets.FashionMNIST(tmp_path, download=True)
    msg = str(exc.value)
    assert "Error downloading train-images-idx3-ubyte.gz" in msg
    assert str(tmp_path / "FashionMNIST" / "raw") in msg
    leftovers = [f for f in os.listdir(tmp_path / "FashionMNIST" / "raw")]
    assert leftovers == []


# ---------------------------------------------------------------------- FakeData
def test_fake_data_is_deterministic_per_index_and_leaves_the_random_state():
    pytest.importorskip("PIL")
    from numtorch.vision import datasets, transforms

    data = datasets.FakeData(size=12, image_size=(3, 6, 5), num_classes=4,
                             transform=transforms.ToTensor(), random_offset=7)
    state = numtorch.get_rng_state()
    img, label = data[3]
    assert numtorch.equal(numtorch.get_rng_state(), state)
    assert tuple(img.shape) == (3, 6, 5) and img.dtype == numtorch.float32
    assert isinstance(label, int) and 0 <= label < 4
    again, label2 = data[3]
    assert numtorch.equal(img, again) and label == label2
    assert not numtorch.equal(img, data[4][0])
    assert len(data) == 12 and len({data[i][1] for i in range(12)}) > 1
    assert float(img.min()) >= 0 and float(img.max()) <= 1
    with pytest.raises(IndexError, match="FakeData index out of range"):
        data[12]
    gray = datasets.FakeData(size=2, image_size=(1, 4, 4))[0][0]
    assert gray.mode == "L" and gray.size == (4, 4)
    loader = numtorch.utils.data.DataLoader(data, batch_size=5)
    images, labels = next(iter(loader))
    assert tuple(images.shape) == (5, 3, 6, 5) and labels.dtype == numtorch.int64
