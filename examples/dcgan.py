"""A DCGAN learns to draw handwritten digits.

    python examples/dcgan.py [--epochs 30] [--nz 32] [--out-dir runs/dcgan]
                             [--mnist-root DIR] [--quick]

Data: the 8x8 Digits of scikit-learn, upsampled to 16x16 (bilinear), scaled to [-1, 1]; or
MNIST when ``--mnist-root`` names a folder in torchvision's layout (``DIR/MNIST/raw/...``),
padded to 32x32. Generator: a latent vector z (nz, 1, 1) through ConvTranspose2d layers with
BatchNorm2d and ReLU, 4x4 -> 8x8 -> ... -> the image size, Tanh at the end. Discriminator:
strided Conv2d layers with LeakyReLU(0.2) (BatchNorm2d after the first) down to one logit.
Both train with BCEWithLogitsLoss and Adam(lr 2e-4, betas (0.5, 0.999)); the generator with
the non-saturating loss (its samples labelled real). After every epoch the losses and D's
mean outputs on real and fake images are printed, and a grid of samples from 64 fixed latent
vectors is saved as ``OUT_DIR/samples_epoch_NNN.png`` (each image enlarged to 32x32).
``--quick`` runs a few steps.
"""

import argparse
import math
import os
import time

import numtorch as torch
from numtorch import nn
from numtorch.nn import functional as F
from numtorch.utils.data import DataLoader, TensorDataset
from numtorch.vision.utils import save_image


def generator(nz, size, width=64):
    """z (N, nz, 1, 1) -> image (N, 1, size, size) in [-1, 1]; size a power of 2, >= 8."""
    ups = int(math.log2(size // 4))  # stride-2 layers after the first 4x4
    ch = width * 2 ** (ups - 1)
    layers = [nn.ConvTranspose2d(nz, ch, 4, 1, 0, bias=False), nn.BatchNorm2d(ch),
              nn.ReLU(True)]  # (N, ch, 4, 4)
    for _ in range(ups - 1):
        layers += [nn.ConvTranspose2d(ch, ch // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ch // 2),
                   nn.ReLU(True)]  # spatial size doubles, channels halve
        ch //= 2
    layers += [nn.ConvTranspose2d(ch, 1, 4, 2, 1, bias=False), nn.Tanh()]  # (N, 1, size, size)
    return nn.Sequential(*layers)


def discriminator(size, width=64):
    """image (N, 1, size, size) -> logit (N,)."""
    downs = int(math.log2(size // 4))
    ch = width
    layers = [nn.Conv2d(1, ch, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]  # size / 2
    for _ in range(downs - 1):
        layers += [nn.Conv2d(ch, ch * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ch * 2),
                   nn.LeakyReLU(0.2, True)]  # spatial size halves, channels double
        ch *= 2
    layers += [nn.Conv2d(ch, 1, 4, 1, 0, bias=False), nn.Flatten(0)]  # (N, 1, 1, 1) -> (N,)
    return nn.Sequential(*layers)


def init_weights(m):
    """DCGAN's initialization: conv weights N(0, 0.02), batch-norm scales N(1, 0.02)."""
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def load_images(mnist_root):
    """All training images as (N, 1, size, size) in [-1, 1]."""
    if mnist_root:
        from numtorch.vision.datasets import MNIST

        x = MNIST(mnist_root, train=True).data.float() / 255.0  # (N, 28, 28)
        x = F.pad(x.unsqueeze(1), (2, 2, 2, 2))  # (N, 1, 32, 32)
    else:
        from numtorch.vision.datasets import Digits

        x = Digits(train=True).data.float() / 255.0  # (N, 8, 8)
        x = F.interpolate(x.unsqueeze(1), scale_factor=2, mode="bilinear",
                          align_corners=False)  # (N, 1, 16, 16)
    return x * 2.0 - 1.0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--nz", type=int, default=32, help="latent dimension")
    parser.add_argument("--width", type=int, default=32, help="channels of the widest layer / "
                        "2^(layers - 1)")
    parser.add_argument("--lr", type=float, default=2e-4)
    parser.add_argument("--mnist-root", help="use MNIST from this torchvision-layout folder")
    parser.add_argument("--out-dir", default=os.path.join("runs", "dcgan"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="a few steps, for tests")
    args = parser.parse_args(argv)

    # ---- data
    torch.manual_seed(args.seed)
    images = load_images(args.mnist_root)
    if args.quick:
        args.epochs, images = 1, images[:128]
    size = images.shape[-1]
    loader = DataLoader(TensorDataset(images), batch_size=args.batch_size, shuffle=True,
                        drop_last=True)
    print(f"data: {len(images)} images of {size}x{size}")

    # ---- models and optimizers
    net_g, net_d = generator(args.nz, size, args.width), discriminator(size, args.width)
    net_g.apply(init_weights)
    net_d.apply(init_weights)
    opt_g = torch.optim.Adam(net_g.parameters(), lr=args.lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(net_d.parameters(), lr=args.lr, betas=(0.5, 0.999))
    loss_fn = nn.BCEWithLogitsLoss()
    fixed_z = torch.randn(64, args.nz, 1, 1)
    scale = max(1, 32 // size)  # small images are saved enlarged (nearest neighbour)
    os.makedirs(args.out_dir, exist_ok=True)

    # ---- training loop
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        sums = {"loss_d": 0.0, "loss_g": 0.0, "d_real": 0.0, "d_fake": 0.0}
        for (real,) in loader:
            n = real.shape[0]
            ones, zeros = torch.ones(n), torch.zeros(n)
            fake = net_g(torch.randn(n, args.nz, 1, 1))  # (N, 1, size, size)
            # discriminator: real -> 1, fake -> 0 (the generator gets no gradient here)
            logit_real, logit_fake = net_d(real), net_d(fake.detach())
            loss_d = loss_fn(logit_real, ones) + loss_fn(logit_fake, zeros)
            opt_d.zero_grad()
            loss_d.backward()
            opt_d.step()
            # generator: make D call its samples real
            loss_g = loss_fn(net_d(fake), ones)
            opt_g.zero_grad()
            loss_g.backward()
            opt_g.step()
            sums["loss_d"] += loss_d.item()
            sums["loss_g"] += loss_g.item()
            sums["d_real"] += torch.sigmoid(logit_real).mean().item()
            sums["d_fake"] += torch.sigmoid(logit_fake).mean().item()
        steps = len(loader)
        net_g.eval()
        with torch.no_grad():
            samples = net_g(fixed_z) * 0.5 + 0.5  # (64, 1, size, size) in [0, 1]
        if scale > 1:
            samples = F.interpolate(samples, scale_factor=scale, mode="nearest")
        net_g.train()
        path = os.path.join(args.out_dir, f"samples_epoch_{epoch:03d}.png")
        save_image(samples, path, nrow=8, padding=1)
        print(f"epoch {epoch:3d}  loss D {sums['loss_d'] / steps:.3f}  loss G "
              f"{sums['loss_g'] / steps:.3f}  D(real) {sums['d_real'] / steps:.2f}  D(fake) "
              f"{sums['d_fake'] / steps:.2f}  -> {path}")
    print(f"done in {time.perf_counter() - start:.1f} s; samples in {args.out_dir}")
    return path


if __name__ == "__main__":
    main()
