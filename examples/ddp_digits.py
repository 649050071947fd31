"""Data-parallel training with DistributedDataParallel, written as a PyTorch user writes it.

    python -m numtorch.distributed.run --nproc 2 examples/ddp_digits.py [--epochs 10] [--quick]
    python examples/ddp_digits.py          (the same program as one process: a world of one)

Every process builds the same MLP; DistributedDataParallel broadcasts rank 0's weights and
averages the gradients of each step across the processes. DistributedSampler gives each rank
its share of the Digits training images (a global batch of --batch-size is split evenly), and
the test accuracy is computed by every rank on its share of the test images and summed with
all_reduce. Only rank 0 prints.
"""

import argparse

import numtorch
import numtorch.distributed as dist
from numtorch import nn
from numtorch.nn.parallel import DistributedDataParallel
from numtorch.utils.data import DataLoader, TensorDataset
from numtorch.utils.data.distributed import DistributedSampler
from numtorch.vision.datasets import Digits


def images(split):
    """Digits as (N, 64) float32 features in [0, 1] and int64 labels."""
    ds = Digits(train=(split == "train"))
    return ds.data.reshape(len(ds.targets), 64).float() / 255.0, ds.targets


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=32, help="global batch")
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--quick", action="store_true", help="3 epochs (for the tests)")
    args = parser.parse_args(argv)
    epochs = 3 if args.quick else args.epochs

    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    numtorch.manual_seed(0)

    x, y = images("train")
    train_set = TensorDataset(x, y)
    sampler = DistributedSampler(train_set, shuffle=True, seed=0)
    loader = DataLoader(train_set, batch_size=args.batch_size // world, sampler=sampler)
    model = DistributedDataParallel(nn.Sequential(nn.Linear(64, 128), nn.ReLU(),
                                                  nn.Linear(128, 10)))
    optimizer = numtorch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()

    for epoch in range(1, epochs + 1):
        sampler.set_epoch(epoch)  # a new shuffled order, the same on every rank
        model.train()
        totals = numtorch.zeros(2, dtype=numtorch.float64)  # loss sum, samples
        for xb, yb in loader:
            loss = loss_fn(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()  # the gradients are averaged over the ranks here
            optimizer.step()
            totals += numtorch.tensor([loss.item() * len(yb), len(yb)], dtype=numtorch.float64)
        dist.all_reduce(totals)
        if rank == 0:
            print(f"epoch {epoch}: train loss {(totals[0] / totals[1]).item():.4f} "
                  f"({int(totals[1].item())} samples on {world} processes)", flush=True)

    # each rank scores every world-th test image; the counts are summed
    xt, yt = images("test")
    model.eval()
    with numtorch.no_grad():
        pred = model.module(xt[rank::world]).argmax(1)
    counts = numtorch.tensor([(pred == yt[rank::world]).sum().item(), len(pred)],
                             dtype=numtorch.float64)
    dist.all_reduce(counts)
    accuracy = (counts[0] / counts[1]).item()
    if rank == 0:
        print(f"test accuracy {accuracy:.3f} ({int(counts[1].item())} images)", flush=True)
    dist.destroy_process_group()
    return accuracy


if __name__ == "__main__":
    main()
