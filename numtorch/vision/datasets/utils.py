"""Downloading and checking data files: atomic writes, MD5 checks, clear errors offline."""

import gzip
import hashlib
import os
import tarfile
import tempfile
import urllib.error
import urllib.request

__all__ = ["calculate_md5", "check_integrity", "download_url", "extract_archive",
           "download_and_extract_archive", "DownloadError"]

_USER_AGENT = "numtorch"


class DownloadError(RuntimeError):
    """A file could not be downloaded (no network, refused, or checksum mismatch)."""


def calculate_md5(path, chunk_size=1024 * 1024):
    md5 = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            md5.update(chunk)
    return md5.hexdigest()


def check_integrity(path, md5=None):
    """True if ``path`` exists and (when ``md5`` is given) has that MD5."""
    if not os.path.isfile(path):
        return False
    return md5 is None or calculate_md5(path) == md5


def download_url(url, root, filename=None, md5=None, timeout=30.0):
    """Download ``url`` to ``root/filename`` atomically: the bytes go to a temporary file in
    ``root`` which is renamed into place only after the MD5 check passed, so an interrupted or
    corrupted download never leaves a file that looks complete. Skips files already present
    with the right MD5."""
    root = os.path.expanduser(root)
    filename = filename or os.path.basename(url)
    path = os.path.join(root, filename)
    os.makedirs(root, exist_ok=True)
    if check_integrity(path, md5):
        return path
    fd, tmp = tempfile.mkstemp(prefix=f".{filename}.", suffix=".part", dir=root)
    try:
        request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(request, timeout=timeout) as r:
            for chunk in iter(lambda: r.read(1024 * 1024), b""):
                out.write(chunk)
        if md5 is not None:
            got = calculate_md5(tmp)
            if got != md5:
                raise DownloadError(f"checksum mismatch for {url}: expected MD5 {md5}, got "
                                    f"{got}; the file was not kept")
        os.replace(tmp, path)
    except (urllib.error.URLError, OSError, DownloadError) as exc:
        if os.path.exists(tmp):
            os.remove(tmp)
        if isinstance(exc, DownloadError):
            raise
        raise DownloadError(f"could not download {url}: {getattr(exc, 'reason', exc)}") from exc
    return path


def extract_archive(from_path, to_path=None, remove_finished=False):
    """Extract a .tar.gz/.tgz/.tar archive (members must stay inside ``to_path``) or a single
    .gz file; returns ``to_path``."""
    to_path = to_path or os.path.dirname(from_path)
    if from_path.endswith((".tar.gz", ".tgz", ".tar")):
        with tarfile.open(from_path) as tar:
            base = os.path.realpath(to_path)
            for member in tar.getmembers():
                target = os.path.realpath(os.path.join(to_path, member.name))
                if not (target == base or target.startswith(base + os.sep)) or \
                        member.issym() or member.islnk():
                    raise DownloadError(f"refusing to extract {member.name!r} from "
                                        f"{from_path}: it points outside {to_path}")
            tar.extractall(to_path)
    elif from_path.endswith(".gz"):
        out = os.path.join(to_path, os.path.basename(from_path)[:-3])
        fd, tmp = tempfile.mkstemp(dir=to_path, suffix=".part")
        with gzip.open(from_path, "rb") as src, os.fdopen(fd, "wb") as dst:
            for chunk in iter(lambda: src.read(1024 * 1024), b""):
                dst.write(chunk)
        os.replace(tmp, out)
    else:
        raise DownloadError(f"don't know how to extract {from_path}")
    if remove_finished:
        os.remove(from_path)
    return to_path


def download_and_extract_archive(url, download_root, extract_root=None, filename=None,
                                 md5=None, remove_finished=False):
    path = download_url(url, download_root, filename, md5)
    extract_archive(path, extract_root or download_root, remove_finished)
    return path
