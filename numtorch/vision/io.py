"""``numtorch.vision.io``: torchvision's image reading and writing, on Pillow.

Images are uint8 tensors of shape (C, H, W). ``read_image(path, mode)`` decodes PNG, JPEG,
BMP, GIF (first frame), ... into 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA) channels as
``mode`` (an ``ImageReadMode`` or its name) asks, or as the file holds (``UNCHANGED``).
"""

import enum
import io
import os

import numpy as np

from numtorch._tensor import Tensor, _wrap

__all__ = ["ImageReadMode", "read_file", "write_file", "decode_image", "decode_png",
           "decode_jpeg", "read_image", "encode_png", "encode_jpeg", "write_png", "write_jpeg"]


class ImageReadMode(enum.Enum):
    UNCHANGED = 0
    GRAY = 1
    GRAY_ALPHA = 2
    RGB = 3
    RGB_ALPHA = 4
    RGBA = 4


_PIL_MODES = {ImageReadMode.GRAY: "L", ImageReadMode.GRAY_ALPHA: "LA",
              ImageReadMode.RGB: "RGB", ImageReadMode.RGB_ALPHA: "RGBA"}


def _pil():
    try:
        from PIL import Image, ImageOps
    except ImportError:
        raise ImportError("numtorch.vision.io reads and writes images with Pillow: pip install "
                          "pillow (or pip install 'numtorch[vision]')") from None
    return Image, ImageOps


def read_file(path):
    """The bytes of a file as a 1-D uint8 tensor."""
    with open(os.fspath(path), "rb") as f:
        return _wrap(np.frombuffer(f.read(), dtype=np.uint8).copy())


def write_file(filename, data):
    """Write a 1-D uint8 tensor's bytes to ``filename``."""
    with open(os.fspath(filename), "wb") as f:
        f.write(np.ascontiguousarray(data._data, dtype=np.uint8).tobytes())


def _mode(mode):
    if isinstance(mode, str):
        try:
            return ImageReadMode[mode.upper()]
        except KeyError:
            raise ValueError(f"Unknown image read mode {mode!r}; use one of "
                             f"{[m.name for m in ImageReadMode]}") from None
    if not isinstance(mode, ImageReadMode):
        raise TypeError(f"mode must be an ImageReadMode or a string, got {type(mode).__name__}")
    return mode


def decode_image(input, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False):
    """Decode encoded image bytes (a 1-D uint8 tensor, or a path) into a (C, H, W) uint8
    tensor."""
    image_mod, ops = _pil()
    if not isinstance(input, Tensor):
        input = read_file(input)
    if input.dtype.name != "uint8" or input.dim() != 1:
        raise RuntimeError(f"Expected a 1-D uint8 tensor of encoded bytes, got a "
                           f"{input.dim()}-D {input.dtype} tensor")
    mode = _mode(mode)
    try:
        img = image_mod.open(io.BytesIO(input._data.tobytes()))
        img.load()
    except Exception as exc:  # Pillow raises several types for undecodable data
        raise RuntimeError(f"Unsupported or damaged image data ({exc})") from None
    if apply_exif_orientation:
        img = ops.exif_transpose(img)
    if mode is ImageReadMode.UNCHANGED:
        if img.mode not in ("L", "LA", "RGB", "RGBA"):
            img = img.convert("RGBA" if "A" in img.getbands() else "RGB")
    else:
        img = img.convert(_PIL_MODES[mode])
    arr = np.asarray(img, dtype=np.uint8)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    return _wrap(np.ascontiguousarray(arr.transpose(2, 0, 1)))  # (C, H, W)


decode_png = decode_image
decode_jpeg = decode_image


def read_image(path, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False):
    """Read an image file into a (C, H, W) uint8 tensor."""
    return decode_image(read_file(path), mode, apply_exif_orientation)


def _to_pil(input):
    image_mod, _ = _pil()
    if not isinstance(input, Tensor) or input.dtype.name != "uint8" or input.dim() != 3:
        raise RuntimeError("Input tensor must be a uint8 tensor of shape (C, H, W), got "
                           f"{getattr(input, 'dtype', type(input))} "
                           f"{tuple(getattr(input, 'shape', ()))}")
    c = input.shape[0]
    if c not in (1, 3):
        raise RuntimeError(f"The number of channels should be 1 or 3, got: {c}")
    arr = input._data.transpose(1, 2, 0)
    return image_mod.fromarray(np.ascontiguousarray(arr[:, :, 0] if c == 1 else arr))


def encode_png(input, compression_level=6):
    """A (C, H, W) uint8 tensor as PNG bytes (a 1-D uint8 tensor)."""
    if not 0 <= compression_level <= 9:
        raise ValueError(f"Compression level should be between 0 and 9, got "
                         f"{compression_level}")
    buf = io.BytesIO()
    _to_pil(input).save(buf, format="PNG", compress_level=compression_level)
    return _wrap(np.frombuffer(buf.getvalue(), dtype=np.uint8).copy())


def encode_jpeg(input, quality=75):
    """A (C, H, W) uint8 tensor as JPEG bytes (a 1-D uint8 tensor)."""
    if not 1 <= quality <= 100:
        raise ValueError(f"Image quality should be a positive number between 1 and 100, got "
                         f"{quality}")
    buf = io.BytesIO()
    _to_pil(input).save(buf, format="JPEG", quality=quality)
    return _wrap(np.frombuffer(buf.getvalue(), dtype=np.uint8).copy())


def write_png(input, filename, compression_level=6):
    write_file(filename, encode_png(input, compression_level))


def write_jpeg(input, filename, quality=75):
    write_file(filename, encode_jpeg(input, quality))
