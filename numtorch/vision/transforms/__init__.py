"""numtorch.vision.transforms: torchvision's image transforms (``transforms.functional`` has
the operations behind them)."""

from numtorch.vision.transforms import functional
from numtorch.vision.transforms.transforms import (
                                                   CenterCrop,
                                                   ColorJitter,
                                                   Compose,
                                                   ConvertImageDtype,
                                                   GaussianBlur,
                                                   Grayscale,
                                                   InterpolationMode,
                                                   Lambda,
                                                   Normalize,
                                                   Pad,
                                                   PILToTensor,
                                                   RandomAffine,
                                                   RandomApply,
                                                   RandomChoice,
                                                   RandomCrop,
                                                   RandomErasing,
                                                   RandomGrayscale,
                                                   RandomHorizontalFlip,
                                                   RandomOrder,
                                                   RandomResizedCrop,
                                                   RandomRotation,
                                                   RandomVerticalFlip,
                                                   Resize,
                                                   ToPILImage,
                                                   ToTensor,
)

__all__ = [
    "functional", "Compose", "ToTensor", "PILToTensor", "ToPILImage", "Normalize", "Resize",
    "CenterCrop", "RandomCrop", "RandomResizedCrop", "RandomHorizontalFlip",
    "RandomVerticalFlip", "RandomRotation", "RandomAffine", "ColorJitter", "Grayscale",
    "RandomGrayscale", "Pad", "Lambda", "RandomErasing", "GaussianBlur", "RandomApply",
    "RandomChoice", "RandomOrder", "ConvertImageDtype", "InterpolationMode",
]
