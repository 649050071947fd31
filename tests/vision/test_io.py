"""numtorch.vision.io: images to (C, H, W) uint8 tensors and back, through Pillow."""

import numpy as np
import pytest

import numtorch
from numtorch.vision import io

Image = pytest.importorskip("PIL.Image")


def _rgb():
    return np.random.default_rng(0).integers(0, 256, (5, 7, 3)).astype(np.uint8)


@pytest.mark.parametrize("mode,channels", [("UNCHANGED", 3), ("GRAY", 1), ("RGB", 3),
                                           ("RGB_ALPHA", 4), ("GRAY_ALPHA", 2)])
def test_read_image_modes(tmp_path, mode, channels):
    arr = _rgb()
    Image.fromarray(arr).save(tmp_path / "a.png")
    img = io.read_image(str(tmp_path / "a.png"), getattr(io.ImageReadMode, mode))
    assert img.dtype == numtorch.uint8 and tuple(img.shape) == (channels, 5, 7)
    if mode in ("UNCHANGED", "RGB"):
        np.testing.assert_array_equal(img.numpy().transpose(1, 2, 0), arr)
    if mode == "GRAY":
        expected = np.asarray(Image.fromarray(arr).convert("L"))
        np.testing.assert_array_equal(img.numpy()[0], expected)
    assert numtorch.equal(io.read_image(tmp_path / "a.png", mode.lower()) if mode != "RGB_ALPHA"
                          else img, img)


def test_png_round_trip_is_exact_and_jpeg_is_close(tmp_path):
    img = numtorch.tensor(_rgb().transpose(2, 0, 1).copy())
    io.write_png(img, str(tmp_path / "b.png"))
    assert numtorch.equal(io.read_image(str(tmp_path / "b.png")), img)
    gray = img[:1].contiguous()
    assert numtorch.equal(io.decode_png(io.encode_png(gray, compression_level=9)), gray)
    smooth = numtorch.full((3, 16, 16), 120, dtype=numtorch.uint8)
    io.write_jpeg(smooth, str(tmp_path / "c.jpg"), quality=95)
    back = io.read_image(str(tmp_path / "c.jpg"))
    assert back.shape == smooth.shape
    assert (back.int() - smooth.int()).abs().max().item() <= 3
    data = io.read_file(str(tmp_path / "b.png"))
    assert data.dim() == 1 and data.dtype == numtorch.uint8
    assert bytes(data.numpy()[:8]) == b"\x89PNG\r\n\x1a\n"


def test_bad_input():
    with pytest.raises(RuntimeError, match="damaged"):
        io.decode_image(numtorch.tensor([1, 2, 3], dtype=numtorch.uint8))
    with pytest.raises(RuntimeError, match="uint8"):
        io.decode_image(numtorch.zeros(3))
    with pytest.raises(RuntimeError, match="number of channels"):
        io.encode_png(numtorch.zeros(2, 4, 4, dtype=numtorch.uint8))
    with pytest.raises(ValueError, match="Compression level"):
        io.encode_png(numtorch.zeros(1, 4, 4, dtype=numtorch.uint8), compression_level=10)
    with pytest.raises(ValueError, match="Unknown image read mode"):
        io.decode_image(numtorch.tensor([1, 2], dtype=numtorch.uint8), "CMYK")
