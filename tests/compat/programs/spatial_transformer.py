"""A spatial transformer network (after the official STN tutorial) on small shifted squares:
a localization network regresses an affine theta initialised to the identity, F.affine_grid
and F.grid_sample warp the input, and a classifier reads the warped image."""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 6, kernel_size=3)
        self.conv2_drop = nn.Dropout2d()
        self.fc1 = nn.Linear(6 * 7 * 7, 32)
        self.fc2 = nn.Linear(32, 2)
        self.localization = nn.Sequential(
            nn.Conv2d(1, 4, kernel_size=5),
            nn.MaxPool2d(2, stride=2),
            nn.ReLU(True),
        )
        self.fc_loc = nn.Sequential(nn.Linear(4 * 6 * 6, 16), nn.ReLU(True), nn.Linear(16, 3 * 2))
        self.fc_loc[2].weight.data.zero_()
        self.fc_loc[2].bias.data.copy_(torch.tensor([1, 0, 0, 0, 1, 0], dtype=torch.float))

    def stn(self, x):
        xs = self.localization(x)
        xs = xs.view(-1, 4 * 6 * 6)
        theta = self.fc_loc(xs)
        theta = theta.view(-1, 2, 3)
        grid = F.affine_grid(theta, x.size(), align_corners=False)
        return F.grid_sample(x, grid, align_corners=False)

    def forward(self, x):
        x = self.stn(x)
        x = F.relu(F.max_pool2d(self.conv2_drop(self.conv1(x)), 2))
        x = x.view(-1, 6 * 7 * 7)
        x = F.relu(self.fc1(x))
        x = F.dropout(x, training=self.training)
        return F.log_softmax(self.fc2(x), dim=1)


def squares(n, g):
    """Class 0: a filled square, class 1: a hollow one, anywhere in a 16x16 image."""
    images = torch.zeros(n, 1, 16, 16)
    labels = torch.randint(0, 2, (n,), generator=g)
    corners = torch.randint(0, 9, (n, 2), generator=g)
    for i in range(n):
        r, c = corners[i].tolist()
        images[i, 0, r:r + 7, c:c + 7] = 1.0
        if labels[i] == 1:
            images[i, 0, r + 1:r + 6, c + 1:c + 6] = 0.0
    return images, labels


torch.manual_seed(0)
g = torch.Generator().manual_seed(0)
train_loader = DataLoader(TensorDataset(*squares(256, g)), batch_size=32, shuffle=True)
test_x, test_y = squares(128, g)
model = Net()
optimizer = optim.Adam(model.parameters(), lr=5e-3)
with torch.no_grad():
    identity = model.stn(test_x[:4])
print("identity warp keeps the image:", torch.allclose(identity, test_x[:4], atol=1e-5))
for epoch in range(1, 9):
    model.train()
    for batch_idx, (data, target) in enumerate(train_loader):
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        output = model(test_x)
        test_loss = F.nll_loss(output, test_y, reduction="sum").item() / len(test_y)
        correct = output.max(1, keepdim=True)[1].eq(test_y.view_as(output.max(1, keepdim=True)[1]))
        accuracy = correct.sum().item() / len(test_y)
    print("Epoch {}: Average loss: {:.4f}, Accuracy: {:.3f}".format(epoch, test_loss, accuracy))
with torch.no_grad():
    warped = model.stn(test_x[:8])
print("warped shape", tuple(warped.shape), "loc grad ok",
      model.fc_loc[2].weight.grad is not None)
