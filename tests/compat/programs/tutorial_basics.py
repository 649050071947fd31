"""The official "Learn the Basics" tutorial in small: tensors (NumPy bridge, in-place ops,
matrix products), a custom Dataset with a Lambda target transform, a NeuralNetwork with
nn.Flatten, train/test loops, autograd (requires_grad, grad, no_grad, detach), and saving /
loading weights."""
import os
import sys

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset
from torchvision.transforms import Lambda

out_dir = sys.argv[1]

# -- tensors
data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)
np_array = np.array(data)
x_np = torch.from_numpy(np_array)
x_ones = torch.ones_like(x_data)
x_rand = torch.rand_like(x_data, dtype=torch.float)
tensor = torch.rand(3, 4)
print(f"Shape of tensor: {tensor.shape}")
print(f"Datatype of tensor: {tensor.dtype}")
print(f"Device tensor is stored on: {tensor.device}")
if torch.accelerator.is_available():
    tensor = tensor.to(torch.accelerator.current_accelerator())
tensor = torch.ones(4, 4)
tensor[:, 1] = 0
t1 = torch.cat([tensor, tensor, tensor], dim=1)
y1 = tensor @ tensor.T
y2 = tensor.matmul(tensor.T)
y3 = torch.rand_like(y1)
torch.matmul(tensor, tensor.T, out=y3)
z1 = tensor * tensor
agg = tensor.sum()
agg_item = agg.item()
print("t1", tuple(t1.shape), "agg", agg_item, type(agg_item).__name__,
      "products agree", torch.equal(y1, y3) and torch.equal(y1, y2))
tensor.add_(5)
t = torch.ones(5)
n = t.numpy()
t.add_(1)
np.add(n, 1, out=n)
print(f"t: {t}")
print(f"n: {n}")


# -- data
class BlobData(Dataset):
    def __init__(self, n, seed, target_transform=None):
        g = torch.Generator().manual_seed(seed)
        self.labels = torch.randint(0, 10, (n,), generator=g)
        self.images = torch.randn(n, 1, 8, 8, generator=g) * 0.5
        for k in range(10):
            self.images[self.labels == k, 0, k % 8, :] += 2.0
            self.images[self.labels == k, 0, :, k // 2] += 1.0
        self.target_transform = target_transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        label = int(self.labels[idx])
        if self.target_transform:
            label = self.target_transform(label)
        return self.images[idx], label


one_hot = Lambda(lambda y: torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(y),
                                                                       value=1))
print("one-hot of 3:", one_hot(3).tolist())
training_data = BlobData(600, 0)
test_data = BlobData(200, 1)
train_dataloader = DataLoader(training_data, batch_size=64, shuffle=True)
test_dataloader = DataLoader(test_data, batch_size=64)
train_features, train_labels = next(iter(train_dataloader))
print(f"Feature batch shape: {train_features.size()}")
print(f"Labels batch shape: {train_labels.size()}")

device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() \
    else "cpu"
print(f"Using {device} device")


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(8 * 8, 64),
            nn.ReLU(),
            nn.Linear(64, 64),
            nn.ReLU(),
            nn.Linear(64, 10),
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits


model = NeuralNetwork().to(device)
print(model)
X = torch.rand(1, 8, 8, device=device)
logits = model(X)
pred_probab = nn.Softmax(dim=1)(logits)
y_pred = pred_probab.argmax(1)
print(f"Predicted class shape: {tuple(y_pred.shape)}")
for name, param in model.named_parameters():
    print(f"Layer: {name} | Size: {param.size()}")
    break


def train_loop(dataloader, model, loss_fn, optimizer):
    size = len(dataloader.dataset)
    model.train()
    for batch, (X, y) in enumerate(dataloader):
        pred = model(X)
        loss = loss_fn(pred, y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if batch % 5 == 0:
            loss, current = loss.item(), batch * 64 + len(X)
            print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")


def test_loop(dataloader, model, loss_fn):
    model.eval()
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    test_loss, correct = 0, 0
    with torch.no_grad():
        for X, y in dataloader:
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()
    test_loss /= num_batches
    correct /= size
    print(f"Test Error: \n Accuracy: {(100 * correct):>0.1f}%, Avg loss: {test_loss:>8f} \n")
    return correct


loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=1e-1)
for t in range(4):
    print(f"Epoch {t + 1}\n-------------------------------")
    train_loop(train_dataloader, model, loss_fn, optimizer)
    accuracy = test_loop(test_dataloader, model, loss_fn)
print("Done!")

# -- autograd
x = torch.ones(5)
y = torch.zeros(3)
w = torch.randn(5, 3, requires_grad=True)
b = torch.randn(3, requires_grad=True)
z = torch.matmul(x, w) + b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
print(f"Gradient function for loss = {type(loss.grad_fn).__name__}")
loss.backward()
print("grad shapes", tuple(w.grad.shape), tuple(b.grad.shape))
with torch.no_grad():
    z = torch.matmul(x, w) + b
print("requires_grad under no_grad:", z.requires_grad, "detached:",
      (torch.matmul(x, w) + b).detach().requires_grad)
inp = torch.eye(4, 5, requires_grad=True)
out = (inp + 1).pow(2).t()
out.backward(torch.ones_like(out), retain_graph=True)
first = inp.grad.clone()
out.backward(torch.ones_like(out), retain_graph=True)
print("accumulated twice:", torch.equal(inp.grad, 2 * first))
inp.grad.zero_()
out.backward(torch.ones_like(out), retain_graph=True)
print("after zero_:", torch.equal(inp.grad, first))

# -- save and load
path = os.path.join(out_dir, "model_weights.pth")
torch.save(model.state_dict(), path)
model2 = NeuralNetwork()
model2.load_state_dict(torch.load(path, weights_only=True))
model2.eval()
print("loaded weights agree:", torch.equal(model2(X), model(X)))
print(f"final accuracy {accuracy:.3f}")
