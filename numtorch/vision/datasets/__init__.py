"""numtorch.vision.datasets: torchvision's datasets with torchvision's on-disk layouts."""

from numtorch.vision.datasets.cifar import CIFAR10, CIFAR100
from numtorch.vision.datasets.digits import Digits
from numtorch.vision.datasets.fakedata import FakeData
from numtorch.vision.datasets.folder import DatasetFolder, ImageFolder
from numtorch.vision.datasets.mnist import KMNIST, MNIST, FashionMNIST
from numtorch.vision.datasets.vision_base import VisionDataset

__all__ = ["MNIST", "FashionMNIST", "KMNIST", "CIFAR10", "CIFAR100", "ImageFolder",
           "DatasetFolder", "Digits", "VisionDataset", "FakeData"]
