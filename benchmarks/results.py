"""Test accuracy and wall time of the same models trained the same way in numtorch and in
PyTorch, side by side in one run: the table of docs/results.md.

    python benchmarks/results.py --shared ../shared/data [--only digits-cnn,fashion-cnn]
                                 [--threads 1] [--out docs/results.md]

Each workload builds one model definition for both libraries (the code below runs unchanged on
``numtorch`` and ``torch``), copies numtorch's initial weights into the PyTorch model, and trains
both with SGD + momentum on the same batches in the same order (a NumPy permutation per epoch),
on the same train/test split (numtorch.cli.data). Only the numerics differ. The libraries take
turns, epoch by epoch, so that other load on the machine slows both alike; the time is the
training time (test evaluation excluded).
"""

import argparse
import os
import tempfile
import time

import numpy as np

from numtorch.cli.data import load_data, normalize


# ---------------------------------------------------------------------- models, for lib
def course_cnn(lib, c, n, size):
    nn = lib.nn
    s = size // 4
    return nn.Sequential(
        nn.Conv2d(c, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * s * s, 128), nn.ReLU(), nn.Linear(128, n))


def mlp(lib, c, n, size, hidden=(256, 128)):
    nn = lib.nn
    layers, width = [nn.Flatten()], c * size * size
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU()]
        width = h
    return nn.Sequential(*layers, nn.Linear(width, n))


def logreg(lib, c, n, size):
    return lib.nn.Sequential(lib.nn.Flatten(), lib.nn.Linear(c * size * size, n))


def cifar_resnet20(lib, c, n, size):
    nn = lib.nn
    F = lib.nn.functional

    class Block(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.shortcut = nn.Sequential()
            if stride != 1 or cin != cout:
                self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                              nn.BatchNorm2d(cout))

        def forward(self, x):
            out = F.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            return F.relu(out + self.shortcut(x))

    class ResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(c, 16, 3, 1, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(16)
            blocks, cin = [], 16
            for cout, stride in ((16, 1), (32, 2), (64, 2)):
                for i in range(3):
                    blocks.append(Block(cin, cout, stride if i == 0 else 1))
                    cin = cout
            self.layers = nn.Sequential(*blocks)
            self.fc = nn.Linear(64, n)

        def forward(self, x):
            out = self.layers(F.relu(self.bn1(self.conv1(x))))
            return self.fc(lib.flatten(F.adaptive_avg_pool2d(out, 1), 1))

    return ResNet()


WORKLOADS = {
    # name: (data, model, epochs, batch size, lr[, cosine lr decay and weight decay])
    "digits-cnn": ("digits", course_cnn, 10, 32, 0.05),
    "digits-mlp": ("digits", mlp, 10, 32, 0.05),
    "digits-logreg": ("digits", logreg, 10, 32, 0.05),
    "mnist-cnn": ("mnist", course_cnn, 2, 128, 0.05),
    "fashion-cnn": ("fashion-mnist", course_cnn, 5, 128, 0.05),
    # The ResNet's usual recipe: its accuracy at a constant lr swings by points from epoch to
    # epoch; decayed to zero it settles, so that the two libraries' results can be compared.
    "cifar10-resnet20": ("cifar10-folder", cifar_resnet20, 10, 128, 0.05,
                         {"cosine": True, "weight_decay": 5e-4}),
    # What ``numtorch train --data mnist`` and ``--data folder:CIFAR10`` run with their
    # defaults: the course CNN ("cnn"), batch 32, SGD lr 0.05 momentum 0.9, 10% of the training
    # split held out for validation.
    "mnist-train": ("mnist", course_cnn, 2, 32, 0.05, {"val_fraction": 0.1}),
    "cifar10-train": ("cifar10-folder", course_cnn, 2, 32, 0.05, {"val_fraction": 0.1}),
}


# ---------------------------------------------------------------------- training
class Trainer:
    """One library's model, optimizer and data, trained epoch by epoch (so that the two
    libraries can take turns and a change of machine load hits both alike)."""

    def __init__(self, lib, model, bundle, batch_size, lr, seed, epochs, cosine=False,
                 weight_decay=0.0):
        self.lib, self.model, self.bundle = lib, model, bundle
        self.batch_size, self.seed = batch_size, seed
        self.opt = lib.optim.SGD(model.parameters(), lr=lr, momentum=0.9,
                                 weight_decay=weight_decay)
        self.sched = (lib.optim.lr_scheduler.CosineAnnealingLR(self.opt, T_max=epochs)
                      if cosine else None)
        self.loss_fn = lib.nn.CrossEntropyLoss()
        self.x = normalize(bundle.x_train, bundle.mean, bundle.std)
        self.y = bundle.y_train.astype(np.int64)
        self.seconds = 0.0

    def epoch(self, epoch):
        lib, model = self.lib, self.model
        t0 = time.perf_counter()
        model.train()
        perm = np.random.default_rng(self.seed + epoch).permutation(len(self.y))
        for i in range(0, len(perm), self.batch_size):
            idx = perm[i:i + self.batch_size]
            xb = lib.from_numpy(np.ascontiguousarray(self.x[idx]))
            yb = lib.from_numpy(self.y[idx])
            loss = self.loss_fn(model(xb), yb)
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
        if self.sched is not None:
            self.sched.step()
        self.seconds += time.perf_counter() - t0

    def test_accuracy(self):
        lib, model, b = self.lib, self.model, self.bundle
        model.eval()
        correct = 0
        xte = normalize(b.x_test, b.mean, b.std)
        with lib.no_grad():
            for i in range(0, len(xte), 500):
                out = model(lib.from_numpy(np.ascontiguousarray(xte[i:i + 500])))
                correct += int((out.argmax(1).numpy() == b.y_test[i:i + 500]).sum())
        return correct / len(xte)


def data_for(name, shared, scratch, val_fraction=0.0):
    if name == "cifar10-folder":
        return load_data(f"folder:{os.path.join(shared, 'cifar10')}",
                         val_fraction=val_fraction)
    for sub, folder in (("mnist", "MNIST"), ("fashion-mnist", "FashionMNIST")):
        raw = os.path.join(scratch, folder, "raw")
        os.makedirs(raw, exist_ok=True)
        for f in os.listdir(os.path.join(shared, sub)):
            dst = os.path.join(raw, f)
            if not os.path.exists(dst):
                os.symlink(os.path.abspath(os.path.join(shared, sub, f)), dst)
    return load_data(name, root=scratch, val_fraction=val_fraction)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=os.path.join("..", "shared", "data"))
    parser.add_argument("--only", default=",".join(WORKLOADS))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=None, help="override every workload's")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None, help="append the markdown table to this file")
    parser.add_argument("--default-malloc", action="store_true",
                        help="leave glibc's allocator settings alone (by default freed memory "
                             "is kept for reuse, for both libraries: this process's setting)")
    args = parser.parse_args(argv)
    if not args.default_malloc:
        from numtorch.backends import cpu as _cpu

        _cpu.reuse_freed_memory()

    import torch

    import numtorch

    numtorch.set_num_threads(args.threads)
    torch.set_num_threads(args.threads)
    rows = []
    scratch = tempfile.mkdtemp(prefix="numtorch-results-")
    for name in args.only.split(","):
        data, build, epochs, bs, lr, *options = WORKLOADS[name]
        epochs = args.epochs or epochs
        options = dict(options[0]) if options else {}
        bundle = data_for(data, args.shared, scratch, options.pop("val_fraction", 0.0))
        c, size = bundle.input_shape[0], bundle.input_shape[-1]
        numtorch.manual_seed(args.seed)
        nt_model = build(numtorch, c, bundle.num_classes, size)
        th_model = build(torch, c, bundle.num_classes, size)
        th_model.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                                  for k, v in nt_model.state_dict().items()})
        nt = Trainer(numtorch, nt_model, bundle, bs, lr, args.seed, epochs, **options)
        th = Trainer(torch, th_model, bundle, bs, lr, args.seed, epochs, **options)
        for epoch in range(epochs):
            nt.epoch(epoch)
            th.epoch(epoch)
        nt_acc, nt_s = nt.test_accuracy(), nt.seconds
        th_acc, th_s = th.test_accuracy(), th.seconds
        row = (f"| {name} | {len(bundle.y_train)}/{len(bundle.y_test)} | {epochs} | {bs} | "
               f"{100 * nt_acc:.2f} | {100 * th_acc:.2f} | {100 * (nt_acc - th_acc):+.2f} | "
               f"{nt_s:.1f} | {th_s:.1f} | {nt_s / th_s:.2f} |")
        print(row, flush=True)
        rows.append(row)
    header = ("| workload | train/test | epochs | batch | numtorch acc % | PyTorch acc % | "
              "diff | numtorch s | PyTorch s | time ratio |\n"
              "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    table = header + "\n" + "\n".join(rows) + "\n"
    print(table)
    if args.out:
        with open(args.out, "a") as f:
            f.write(table)


if __name__ == "__main__":
    main()
