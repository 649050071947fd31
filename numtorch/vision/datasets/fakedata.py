"""``FakeData``: random images with random labels, for trying a pipeline without a data set
(torchvision's ``FakeData``, as the ImageNet example's ``--dummy`` uses it)."""

import numpy as np

from numtorch._random import get_rng_state, manual_seed, randint, randn, set_rng_state
from numtorch._tensor import _wrap
from numtorch.vision.datasets.vision_base import VisionDataset

__all__ = ["FakeData"]


class FakeData(VisionDataset):
    """``size`` PIL images of ``image_size`` (C, H, W) and labels in ``[0, num_classes)``.

    Item ``i`` is drawn from the generator seeded with ``i + random_offset`` (and the global
    random state is left as it was), so the same index always gives the same image: standard
    normal values, scaled by 255 and wrapped to bytes as torchvision's ``ToPILImage`` does with
    them. The values are not torchvision's (numtorch's random streams are its own)."""

    def __init__(self, size=1000, image_size=(3, 224, 224), num_classes=10, transform=None,
                 target_transform=None, random_offset=0):
        super().__init__(None, transform=transform, target_transform=target_transform)
        self.size = size
        self.num_classes = num_classes
        self.image_size = tuple(image_size)
        self.random_offset = random_offset

    def __getitem__(self, index):
        from numtorch.vision.transforms.functional import to_pil_image

        if index >= len(self):
            raise IndexError(f"{self.__class__.__name__} index out of range")
        state = get_rng_state()
        try:
            manual_seed(index + self.random_offset)
            img = randn(*self.image_size)
            target = randint(0, self.num_classes, size=(1,))[0]
        finally:
            set_rng_state(state)
        wrapped = np.mod(np.floor(img.numpy() * 255).astype(np.int64), 256).astype(np.uint8)
        return self._apply(to_pil_image(_wrap(wrapped)), int(target))

    def __len__(self):
        return self.size
