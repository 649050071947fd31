"""A variational autoencoder (VAE) of handwritten digits.

    python examples/vae.py [--epochs 60] [--latent 8] [--out-dir runs/vae]
                           [--mnist-root DIR] [--quick]

Data: the 8x8 Digits of scikit-learn (64 pixels in [0, 1]), or MNIST (784 pixels) when
``--mnist-root`` names a folder in torchvision's layout. Encoder: Linear-ReLU-Linear-ReLU to
the mean and log-variance of q(z|x) (``--latent`` dimensions); a sample
z = mu + sigma * eps (the reparameterization trick, so gradients reach mu and sigma);
decoder: Linear-ReLU-Linear-ReLU-Linear to one logit per pixel. The loss per image is the
negative ELBO:

    BCE(x_hat, x) summed over pixels + KL(q(z|x) || N(0, I)),
    KL = -1/2 * sum(1 + log sigma^2 - mu^2 - sigma^2)

(the BCE on logits, ``binary_cross_entropy_with_logits``, for stability). Adam, lr 1e-3.
After every epoch it prints the train loss (BCE and KL) and the test loss, and saves
``OUT_DIR/reconstructions_epoch_NNN.png`` (test images in odd rows, their reconstructions
below) and ``OUT_DIR/samples_epoch_NNN.png`` (decoded z ~ N(0, I)). ``--quick`` runs a few
steps.
"""

import argparse
import os
import time

import numtorch as torch
from numtorch import nn
from numtorch.nn import functional as F
from numtorch.utils.data import DataLoader, TensorDataset
from numtorch.vision.utils import save_image


class VAE(nn.Module):
    def __init__(self, pixels, latent=8, hidden=256):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(pixels, hidden), nn.ReLU(),
                                     nn.Linear(hidden, hidden), nn.ReLU())
        self.mu = nn.Linear(hidden, latent)
        self.logvar = nn.Linear(hidden, latent)
        self.decoder = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(),
                                     nn.Linear(hidden, hidden), nn.ReLU(),
                                     nn.Linear(hidden, pixels))

    def encode(self, x):
        h = self.encoder(x)  # (N, hidden)
        return self.mu(h), self.logvar(h)  # (N, latent) each

    def forward(self, x):
        mu, logvar = self.encode(x)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)  # (N, latent)
        return self.decoder(z), mu, logvar  # logits (N, pixels)


def vae_loss(logits, x, mu, logvar):
    """(BCE, KL), each summed over pixels / latent dims and averaged over the batch."""
    n = x.shape[0]
    bce = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / n
    kl = -0.5 * torch.sum(1 + logvar - mu * mu - logvar.exp()) / n
    return bce, kl


def load_data(mnist_root):
    """Train and test images as (N, side*side) float tensors in [0, 1], and the side."""
    if mnist_root:
        from numtorch.vision.datasets import MNIST as Data

        kwargs = {"root": mnist_root}
    else:
        from numtorch.vision.datasets import Digits as Data

        kwargs = {}
    splits = [Data(train=train, **kwargs).data.float() / 255.0 for train in (True, False)]
    side = splits[0].shape[-1]
    return [s.reshape(len(s), -1) for s in splits], side  # (N, side*side)


def as_images(flat, side, scale):
    """(N, side*side) -> (N, 1, side*scale, side*scale), enlarged for viewing."""
    img = flat.reshape(-1, 1, side, side)  # (N, 1, side, side)
    return F.interpolate(img, scale_factor=scale, mode="nearest") if scale > 1 else img


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--latent", type=int, default=8)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--mnist-root", help="use MNIST from this torchvision-layout folder")
    parser.add_argument("--out-dir", default=os.path.join("runs", "vae"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="a few steps, for tests")
    args = parser.parse_args(argv)

    # ---- data
    torch.manual_seed(args.seed)
    (x_train, x_test), side = load_data(args.mnist_root)
    if args.quick:
        args.epochs, x_train = 2, x_train[:256]
    loader = DataLoader(TensorDataset(x_train), batch_size=args.batch_size, shuffle=True)
    scale = max(1, 32 // side)  # small images are saved enlarged (nearest neighbour)
    print(f"data: {len(x_train)} train / {len(x_test)} test images of {side}x{side}")

    # ---- model and optimizer
    model = VAE(side * side, args.latent, args.hidden)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    fixed_x, fixed_z = x_test[:32], torch.randn(64, args.latent)
    os.makedirs(args.out_dir, exist_ok=True)

    # ---- training loop
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        sums = {"bce": 0.0, "kl": 0.0}
        for (x,) in loader:
            logits, mu, logvar = model(x)
            bce, kl = vae_loss(logits, x, mu, logvar)
            optimizer.zero_grad()
            (bce + kl).backward()
            optimizer.step()
            sums["bce"] += bce.item() * len(x)
            sums["kl"] += kl.item() * len(x)

        # ---- evaluate and save pictures
        model.eval()
        with torch.no_grad():
            logits, mu, logvar = model(x_test)
            test_loss = sum(vae_loss(logits, x_test, mu, logvar)).item()
            recon = torch.sigmoid(model.decoder(model.encode(fixed_x)[0]))  # mean of q(z|x)
            samples = torch.sigmoid(model.decoder(fixed_z))  # (64, side*side)
        model.train()
        # rows alternate: 8 test images, then their 8 reconstructions
        pairs = torch.stack([fixed_x.reshape(4, 8, -1), recon.reshape(4, 8, -1)], 1)
        pairs = pairs.reshape(64, -1)  # (4 groups * 2 rows * 8, side*side)
        recon_path = os.path.join(args.out_dir, f"reconstructions_epoch_{epoch:03d}.png")
        sample_path = os.path.join(args.out_dir, f"samples_epoch_{epoch:03d}.png")
        save_image(as_images(pairs, side, scale), recon_path, nrow=8, padding=2, pad_value=0.5)
        save_image(as_images(samples, side, scale), sample_path, nrow=8, padding=2,
                   pad_value=0.5)
        n = len(x_train)
        print(f"epoch {epoch:3d}  train loss {(sums['bce'] + sums['kl']) / n:.2f} (BCE "
              f"{sums['bce'] / n:.2f} + KL {sums['kl'] / n:.2f})  test loss {test_loss:.2f}")
    print(f"done in {time.perf_counter() - start:.1f} s; pictures in {args.out_dir}")
    return test_loss


if __name__ == "__main__":
    main()
