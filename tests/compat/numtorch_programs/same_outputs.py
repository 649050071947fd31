"""A numtorch program that runs unchanged on PyTorch (``NUMTORCH_BACKEND=torch numtorch run``):
the zoo models ``numtorch train`` builds, given the same weights (drawn with NumPy), one training
step, numtorch.vision's transforms and numtorch.metrics; prints what it computed as JSON."""
import json
import sys

import numpy as np

import numtorch
from numtorch import nn
from numtorch.metrics import accuracy
from numtorch.vision import transforms
from numtorch.vision.models import get_model


def fill(model, rng):
    state = {}
    for key, value in sorted(model.state_dict().items()):
        if value.is_floating_point():
            arr = rng.standard_normal(tuple(value.shape)) * 0.2
            if key.endswith("running_var"):
                arr = np.abs(arr) + 0.5
            state[key] = numtorch.tensor(arr.astype(np.float32))
        else:
            state[key] = value
    model.load_state_dict(state)


rng = np.random.default_rng(0)
results = {"backend": numtorch.__name__}
normalize = transforms.Normalize((0.5, 0.5, 0.5), (0.25, 0.25, 0.25))
for name, shape in (("mlp", (1, 8, 8)), ("cnn", (1, 8, 8)), ("cifar_resnet20", (3, 16, 16))):
    model = get_model(name, shape, 10)
    fill(model, rng)
    x = numtorch.tensor(rng.random((4,) + shape).astype(np.float32))
    if shape[0] == 3:
        x = numtorch.stack([normalize(img) for img in x])
    y = numtorch.tensor(rng.integers(0, 10, 4))
    model.train()
    optimizer = numtorch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loss = nn.functional.cross_entropy(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    model.eval()
    with numtorch.no_grad():
        out = model(x)
    results[name] = {"loss": loss.item(), "out": out.tolist(), "acc": accuracy(out, y)}
print(json.dumps(results))
sys.exit(0)
