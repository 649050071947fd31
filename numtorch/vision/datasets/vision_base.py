"""The base class of vision datasets: root, transforms, and PyTorch-style repr."""

import os

from numtorch.utils.data import Dataset

__all__ = ["VisionDataset", "pil_image_from_array"]


class VisionDataset(Dataset):
    """``root``, ``transform`` (applied to the image), ``target_transform`` (to the label) or
    ``transforms`` (to both)."""

    def __init__(self, root, transforms=None, transform=None, target_transform=None):
        self.root = os.path.expanduser(str(root)) if root is not None else None
        has_separate = transform is not None or target_transform is not None
        if transforms is not None and has_separate:
            raise ValueError("Only transforms or transform/target_transform can be passed as "
                             "argument")
        self.transform = transform
        self.target_transform = target_transform
        self.transforms = transforms

    def _apply(self, img, target):
        if self.transforms is not None:
            return self.transforms(img, target)
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def extra_repr(self):
        return ""

    def __repr__(self):
        lines = [f"Dataset {type(self).__name__}", f"    Number of datapoints: {len(self)}"]
        if self.root is not None:
            lines.append(f"    Root location: {self.root}")
        extra = self.extra_repr()
        if extra:
            lines += ["    " + line for line in extra.splitlines()]
        if self.transform is not None:
            lines.append("    StandardTransform")
            lines.append("Transform: " + repr(self.transform).replace("\n", "\n           "))
        return "\n".join(lines)


def pil_image_from_array(arr):
    """A PIL image from a uint8 array (H, W) -> mode L or (H, W, 3) -> RGB; a clear error
    without Pillow."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("this dataset returns PIL images and needs Pillow: pip install "
                          "pillow (or pip install 'numtorch[vision]')") from None
    return Image.fromarray(arr)
