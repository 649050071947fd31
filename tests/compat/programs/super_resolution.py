"""Sub-pixel super-resolution (after super_resolution): Conv2d layers with orthogonal init and a
PixelShuffle upscaler, trained to undo a 2x down-sampling of smooth random images; PSNR printed."""
from math import log10

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.init as init
import torch.optim as optim
from torch.utils.data import DataLoader, Dataset


class Net(nn.Module):
    def __init__(self, upscale_factor):
        super(Net, self).__init__()
        self.relu = nn.ReLU()
        self.conv1 = nn.Conv2d(1, 16, (5, 5), (1, 1), (2, 2))
        self.conv2 = nn.Conv2d(16, 16, (3, 3), (1, 1), (1, 1))
        self.conv3 = nn.Conv2d(16, upscale_factor ** 2, (3, 3), (1, 1), (1, 1))
        self.pixel_shuffle = nn.PixelShuffle(upscale_factor)
        self._initialize_weights()

    def forward(self, x):
        x = self.relu(self.conv1(x))
        x = self.relu(self.conv2(x))
        return self.pixel_shuffle(self.conv3(x))

    def _initialize_weights(self):
        init.orthogonal_(self.conv1.weight, init.calculate_gain("relu"))
        init.orthogonal_(self.conv2.weight, init.calculate_gain("relu"))
        init.orthogonal_(self.conv3.weight)


class SmoothImages(Dataset):
    def __init__(self, n, size):
        g = torch.Generator().manual_seed(0)
        coarse = torch.rand(n, 1, size // 4, size // 4, generator=g)
        self.targets = F.interpolate(coarse, size=(size, size), mode="bilinear",
                                     align_corners=False)
        self.inputs = F.avg_pool2d(self.targets, 2)

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, index):
        return self.inputs[index], self.targets[index]


torch.manual_seed(123)
loader = DataLoader(SmoothImages(64, 16), batch_size=16, shuffle=True)
model = Net(upscale_factor=2)
criterion = nn.MSELoss()
optimizer = optim.Adam(model.parameters(), lr=0.01)
losses = []
for epoch in range(1, 9):
    epoch_loss = 0
    for input, target in loader:
        optimizer.zero_grad()
        loss = criterion(model(input), target)
        epoch_loss += loss.item()
        loss.backward()
        optimizer.step()
    losses.append(epoch_loss / len(loader))
    print("===> Epoch {} Complete: Avg. Loss: {:.5f}".format(epoch, losses[-1]))
with torch.no_grad():
    avg_psnr = 0
    for input, target in loader:
        mse = criterion(model(input), target)
        avg_psnr += 10 * log10(1 / mse.item())
    baseline = F.interpolate(loader.dataset.inputs, scale_factor=2, mode="nearest")
    base_psnr = 10 * log10(1 / criterion(baseline, loader.dataset.targets).item())
print("output shape", tuple(model(torch.zeros(1, 1, 8, 8)).shape))
print("loss first {:.5f} last {:.5f}".format(losses[0], losses[-1]))
print("===> Avg. PSNR: {:.2f} dB (nearest upsampling {:.2f} dB)".format(
    avg_psnr / len(loader), base_psnr))
