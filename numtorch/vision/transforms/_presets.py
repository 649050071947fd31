"""The inference transforms that pretrained weights come with (``weights.transforms()``), as
torchvision's ``transforms._presets``."""

from numtorch import nn
from numtorch._tensor import Tensor
from numtorch.vision.transforms import functional as F
from numtorch.vision.transforms.transforms import ConvertImageDtype, InterpolationMode

__all__ = ["ImageClassification"]


class ImageClassification(nn.Module):
    """``ImageClassification(*, crop_size, resize_size=256, mean=ImageNet's, std=ImageNet's,
    interpolation=BILINEAR, antialias=True)``: resize the shorter side to ``resize_size``, crop
    the ``crop_size`` center, make a float tensor in [0, 1] (from a PIL image, or an integer or
    float tensor), normalize per channel. Accepts PIL images and ``(C, H, W)`` / ``(N, C, H, W)``
    tensors."""

    def __init__(self, *, crop_size, resize_size=256, mean=(0.485, 0.456, 0.406),
                 std=(0.229, 0.224, 0.225), interpolation=InterpolationMode.BILINEAR,
                 antialias=True):
        super().__init__()
        self.crop_size = [crop_size]
        self.resize_size = [resize_size]
        self.mean = list(mean)
        self.std = list(std)
        self.interpolation = interpolation
        self.antialias = antialias

    def forward(self, img):
        img = F.resize(img, self.resize_size, interpolation=self.interpolation,
                       antialias=self.antialias)
        img = F.center_crop(img, self.crop_size)
        if not isinstance(img, Tensor):
            img = F.pil_to_tensor(img)
        img = ConvertImageDtype("float32")(img) if img.dtype.name != "float32" else img
        return F.normalize(img, mean=self.mean, std=self.std)

    def extra_repr(self):
        return (f"crop_size={self.crop_size}, resize_size={self.resize_size}, mean={self.mean}, "
                f"std={self.std}, interpolation={self.interpolation}")

    def describe(self):
        return ("Accepts PIL.Image, batched (B, C, H, W) and single (C, H, W) image tensors. The "
                f"images are resized to resize_size={self.resize_size} using "
                f"interpolation={self.interpolation}, followed by a central crop of "
                f"crop_size={self.crop_size}. Finally the values are first rescaled to [0.0, 1.0] "
                f"and then normalized using mean={self.mean} and std={self.std}.")
