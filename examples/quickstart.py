"""The README's quickstart: a two-layer network learns XOR of the signs of two inputs."""

import numtorch as torch
from numtorch import nn

torch.manual_seed(0)
x = torch.randn(256, 2)
y = ((x[:, 0] * x[:, 1]) > 0).long()                # XOR of the signs: not linearly separable
model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
optimizer = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
for _ in range(300):
    loss = nn.functional.cross_entropy(model(x), y)
    optimizer.zero_grad(); loss.backward(); optimizer.step()  # noqa: E702 - the course's line
print(f"loss {loss.item():.3f}, accuracy {(model(x).argmax(1) == y).float().mean().item():.2f}")
