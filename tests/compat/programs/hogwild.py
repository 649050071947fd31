"""Hogwild training (after the mnist_hogwild example): several processes update one model
kept in shared memory, each with its own optimizer, without locks."""
import argparse

import torch
import torch.multiprocessing as mp
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 16)
        self.fc2 = nn.Linear(16, 3)

    def forward(self, x):
        return F.log_softmax(self.fc2(F.relu(self.fc1(x))), dim=1)


def make_data(seed):
    g = torch.Generator().manual_seed(seed)
    centers = torch.randn(3, 8, generator=g) * 3
    y = torch.randint(0, 3, (300,), generator=g)
    x = centers[y] + torch.randn(300, 8, generator=g)
    return TensorDataset(x, y)


def train(rank, args, model, dataset):
    torch.manual_seed(args.seed + rank)
    loader = DataLoader(dataset, batch_size=30, shuffle=True)
    optimizer = optim.SGD(model.parameters(), lr=args.lr, momentum=0.5)
    for epoch in range(args.epochs):
        for data, target in loader:
            optimizer.zero_grad()
            loss = F.nll_loss(model(data), target)
            loss.backward()
            optimizer.step()


def evaluate(model, dataset):
    with torch.no_grad():
        x, y = dataset.tensors
        out = model(x)
        return F.nll_loss(out, y).item(), (out.argmax(1) == y).float().mean().item()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--num-processes", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--start-method", default="spawn")
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    mp.set_start_method(args.start_method, force=True)
    dataset = make_data(0)
    model = Net()
    model.share_memory()
    print("shared:", all(p.is_shared() for p in model.parameters()))
    before = evaluate(model, dataset)
    processes = []
    for rank in range(args.num_processes):
        p = mp.Process(target=train, args=(rank, args, model, dataset))
        p.start()
        processes.append(p)
    for p in processes:
        p.join()
    after = evaluate(model, dataset)
    print(f"exit codes: {[p.exitcode for p in processes]}")
    print(f"loss before {before[0]:.4f} after {after[0]:.4f}")
    print(f"accuracy after {after[1]:.4f}")
