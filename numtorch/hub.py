"""``numtorch.hub``: PyTorch's download cache for weights (``torch.hub``'s file functions).

Files live where PyTorch keeps them, so both libraries share one cache: ``get_dir()`` is
``$TORCH_HOME/hub`` (``$XDG_CACHE_HOME/torch/hub``, ``~/.cache/torch/hub`` when unset) unless
``set_dir`` chose another folder, and ``load_state_dict_from_url`` keeps files in its
``checkpoints`` folder under the URL's file name. A file already there is used as it is, without
the network: weights that PyTorch or torchvision downloaded are found offline.

``check_hash=True`` follows PyTorch's naming convention ``name-<hash prefix>.ext``: the SHA-256 of
the downloaded bytes must start with the prefix, or the download is discarded. Downloads go to a
temporary file in the target folder, renamed into place only when complete and checked.

``torch.hub.load`` / ``list`` / ``help`` (which download a repository and run its ``hubconf.py``)
are not provided.
"""

import hashlib
import os
import re
import shutil
import sys
import tempfile
import time
import warnings
import zipfile

__all__ = ["get_dir", "set_dir", "download_url_to_file", "load_state_dict_from_url"]

HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")
ENV_TORCH_HOME = "TORCH_HOME"
ENV_XDG_CACHE_HOME = "XDG_CACHE_HOME"
DEFAULT_CACHE_DIR = "~/.cache"
_CHUNK = 1 << 16
_hub_dir = [None]


def _get_torch_home():
    default = os.path.join(os.getenv(ENV_XDG_CACHE_HOME, DEFAULT_CACHE_DIR), "torch")
    return os.path.expanduser(os.getenv(ENV_TORCH_HOME, default))


def get_dir():
    """The hub cache folder: the one given to ``set_dir``, else ``$TORCH_HOME/hub`` (default
    ``~/.cache/torch/hub``)."""
    if os.getenv("TORCH_HUB"):
        warnings.warn("TORCH_HUB is deprecated, please use env TORCH_HOME instead", stacklevel=2)
    if _hub_dir[0] is not None:
        return _hub_dir[0]
    return os.path.join(_get_torch_home(), "hub")


def set_dir(d):
    """Use folder ``d`` as the hub cache (``get_dir()``) from now on."""
    _hub_dir[0] = os.path.expanduser(os.fspath(d))


class _Progress:
    """A one-line progress report on stderr: tqdm's bar when installed, else a plain line."""

    def __init__(self, total, enabled):
        self.total, self.done, self.enabled = total, 0, enabled
        self.bar = None
        self.last = 0.0
        if not enabled:
            return
        try:
            from tqdm import tqdm
        except ImportError:
            return
        self.bar = tqdm(total=total, disable=False, unit="B", unit_scale=True,
                        unit_divisor=1024, file=sys.stderr)

    def update(self, n):
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
        elif self.enabled and time.monotonic() - self.last > 0.5:
            self.last = time.monotonic()
            self._line()

    def _line(self):
        mib = self.done / 2**20
        if self.total:
            sys.stderr.write(f"\r{100 * self.done / self.total:5.1f}% of "
                             f"{self.total / 2**20:.1f} MiB")
        else:
            sys.stderr.write(f"\r{mib:.1f} MiB")
        sys.stderr.flush()

    def close(self):
        if self.bar is not None:
            self.bar.close()
        elif self.enabled:
            self._line()
            sys.stderr.write("\n")


def download_url_to_file(url, dst, hash_prefix=None, progress=True):
    """Download ``url`` to the path ``dst``: into a temporary file beside it, renamed to ``dst``
    once complete. With ``hash_prefix``, the SHA-256 of the bytes must start with it, else
    RuntimeError and nothing is written. ``progress`` shows a progress bar on stderr."""
    import urllib.request  # (imported here: it costs tens of ms at numtorch's import)

    dst = os.path.expanduser(os.fspath(dst))
    folder = os.path.dirname(os.path.abspath(dst))
    request = urllib.request.Request(url, headers={"User-Agent": "numtorch.hub"})
    with urllib.request.urlopen(request) as response:
        length = response.headers.get("Content-Length") if hasattr(response, "headers") else None
        total = int(length) if length and length.isdigit() else None
        # Not a with-block: the file is closed before it is moved into place, and removed in
        # the finally clause below when anything fails.
        tmp = tempfile.NamedTemporaryFile(  # noqa: SIM115
            delete=False, dir=folder, prefix=".download.", suffix=".partial")
        try:
            sha256 = hashlib.sha256()
            bar = _Progress(total, progress)
            try:
                while True:
                    chunk = response.read(_CHUNK)
                    if not chunk:
                        break
                    tmp.write(chunk)
                    sha256.update(chunk)
                    bar.update(len(chunk))
            finally:
                bar.close()
            tmp.flush()
            os.fsync(tmp.fileno())
            tmp.close()
            if hash_prefix is not None:
                digest = sha256.hexdigest()
                if digest[:len(hash_prefix)] != hash_prefix:
                    raise RuntimeError(
                        f'invalid hash value (expected "{hash_prefix}", got "{digest}")')
            shutil.move(tmp.name, dst)
        finally:
            tmp.close()
            if os.path.exists(tmp.name):
                os.remove(tmp.name)


def _is_legacy_zip(path):
    """Old torchvision checkpoints were a zip holding one ``.pth`` file (not a torch.save zip,
    whose records sit in one folder)."""
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
    return len(infos) == 1 and not infos[0].is_dir()


def load_state_dict_from_url(url, model_dir=None, map_location=None, progress=True,
                             check_hash=False, file_name=None, weights_only=False):
    """Load the object saved at ``url`` with ``numtorch.load``, downloading it into
    ``model_dir`` (default ``get_dir()/checkpoints``) unless a file of that name (``file_name``,
    else the URL's file name) is already there.

    ``check_hash``: the file name's ``-<hex>.`` part must prefix the download's SHA-256.
    ``weights_only`` and ``map_location`` go to ``numtorch.load`` (PyTorch's default here is
    ``weights_only=False``: pass True for files you do not trust).
    """
    from urllib.parse import urlparse

    from numtorch.serialization import load

    if os.getenv("TORCH_MODEL_ZOO"):
        warnings.warn("TORCH_MODEL_ZOO is deprecated, please use env TORCH_HOME instead",
                      stacklevel=2)
    if model_dir is None:
        model_dir = os.path.join(get_dir(), "checkpoints")
    os.makedirs(model_dir, exist_ok=True)
    filename = file_name if file_name is not None else os.path.basename(urlparse(url).path)
    cached_file = os.path.join(model_dir, filename)
    if not os.path.exists(cached_file):
        sys.stdout.write(f'Downloading: "{url}" to {cached_file}\n')
        hash_prefix = None
        if check_hash:
            match = HASH_REGEX.search(filename)
            hash_prefix = match.group(1) if match else None
        download_url_to_file(url, cached_file, hash_prefix, progress=progress)
    if _is_legacy_zip(cached_file):
        with zipfile.ZipFile(cached_file) as zf:
            member = zf.infolist()[0].filename
            zf.extractall(model_dir)
        cached_file = os.path.join(model_dir, member)
    return load(cached_file, map_location=map_location, weights_only=weights_only)
