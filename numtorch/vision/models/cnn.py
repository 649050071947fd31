"""Small convolutional course models: ``CourseCNN`` and ``LeNet5``, sized from the input.

Both are ``features`` (convolutions and pooling) then ``classifier`` (``Flatten`` and linear
layers). ``input_size`` is the image side, or an ``(H, W)`` pair for non-square images.
"""

from numtorch import nn

__all__ = ["CourseCNN", "LeNet5"]


def _size_pair(input_size, name):
    if isinstance(input_size, int):
        size = (input_size, input_size)
    else:
        size = tuple(int(s) for s in input_size)
    if len(size) != 2 or min(size) < 4:
        raise ValueError(f"{name} needs input_size >= 4 (two 2x2 pools), an int or an (H, W) "
                         f"pair, got {input_size!r}")
    return size


class CourseCNN(nn.Module):
    """``CourseCNN(in_channels=1, num_classes=10, input_size=28)``.

    Conv(in, 32, 3, padding=1) - ReLU - MaxPool(2) - Conv(32, 64, 3, padding=1) - ReLU -
    MaxPool(2) - Flatten - Linear(64 * (input_size // 4)**2, 128) - ReLU - Linear(128,
    num_classes). The convolutions keep the size and each pool halves it (rounding down), so
    28x28 gives 7x7 maps and 8x8 digits give 2x2. Sides must be at least 4.
    """

    def __init__(self, in_channels=1, num_classes=10, input_size=28):
        super().__init__()
        self.input_size = input_size
        height, width = _size_pair(input_size, "CourseCNN")
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 32, kernel_size=3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, kernel_size=3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),  # (N, 64, H/4, W/4) -> (N, 64*(H/4)*(W/4))
            nn.Linear(64 * (height // 4) * (width // 4), 128), nn.ReLU(),
            nn.Linear(128, num_classes),
        )

    def forward(self, x):
        return self.classifier(self.features(x))


class LeNet5(nn.Module):
    """``LeNet5(in_channels=1, num_classes=10, input_size=28)``: LeNet-5 (LeCun et al. 1998)
    with tanh and average pooling, in the modern MNIST form.

    Conv(in, 6, 5, padding=2) - Tanh - AvgPool(2) - Conv(6, 16, 5) - Tanh - AvgPool(2) -
    Flatten - Linear(16 * s * s, 120) - Tanh - Linear(120, 84) - Tanh - Linear(84,
    num_classes), where s is the final map side: 5 for 28x28 (28 -> 14 -> 10 -> 5), 6 for 32x32.

    NOTE: for inputs smaller than 12x12 an unpadded 5x5 convolution on the pooled map would
    leave less than 2x2 for the second pool, so there the second convolution gets ``padding=2``
    too (8x8 digits: 8 -> 4 -> 4 -> 2, s = 2). Sides must be at least 4. The
    original's trainable subsampling and partial C3 connections are not reproduced.
    """

    def __init__(self, in_channels=1, num_classes=10, input_size=28):
        super().__init__()
        self.input_size = input_size
        height, width = _size_pair(input_size, "LeNet5")
        padding2 = 0 if min(height, width) // 2 - 4 >= 2 else 2
        height = (height // 2 + 2 * padding2 - 4) // 2
        width = (width // 2 + 2 * padding2 - 4) // 2
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, kernel_size=5, padding=2), nn.Tanh(),
            nn.AvgPool2d(2),
            nn.Conv2d(6, 16, kernel_size=5, padding=padding2), nn.Tanh(),
            nn.AvgPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),  # (N, 16, h, w) -> (N, 16*h*w)
            nn.Linear(16 * height * width, 120), nn.Tanh(),
            nn.Linear(120, 84), nn.Tanh(),
            nn.Linear(84, num_classes),
        )

    def forward(self, x):
        return self.classifier(self.features(x))
