"""A small denoising diffusion model (DDPM) learns to draw the 8x8 Digits.

    python examples/diffusion.py [--steps 6000] [--timesteps 200] [--hidden 128]
                                 [--seed 0] [--out-dir runs/diffusion] [--quick]

The forward process adds Gaussian noise in T = ``--timesteps`` steps with a linear schedule
``beta_t`` from 1e-4 to 0.02 (scaled to T): with ``alpha_bar_t = prod_{s<=t} (1 - beta_s)``,
a noisy image is ``x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps``, eps ~ N(0, I),
images scaled to [-1, 1]. The denoiser is an MLP on the 64 pixels: a sinusoidal embedding of t
(through a small MLP) is added to the hidden state of each residual block (LayerNorm, Linear,
SiLU, Linear), and the network predicts the noise eps. The training loss is Ho et al.'s
simplified objective ``|| eps - eps_theta(x_t, t) ||^2`` for a random t per image; AdamW, an
exponential moving average of the weights is kept for sampling. Ancestral sampling runs the
reverse chain from pure noise: each step estimates the clean image from the predicted noise,
clips it to [-1, 1] and draws x_{t-1} from the Gaussian posterior q(x_{t-1} | x_t, x_0)
(``--no-clip``: the unclipped form ``x_{t-1} = (x_t - beta_t / sqrt(1 - alpha_bar_t)
eps_theta) / sqrt(1 - beta_t) + sqrt(beta_t) z``).

A judge: the course CNN, trained in the same run on the Digits training split, classifies 100
samples and 100 pure-noise images (draws of the chain's starting point x_T ~ N(0, I), clipped
to [-1, 1] like the samples); the line ``samples recognized 0.62 (noise baseline 0.08)``
gives the share of each classified with confidence >= 0.9 (the claim: samples clearly above
noise). For scale, the share of 100 real test images is printed too (the ceiling), and the
classes the judge sees in the samples. ``OUT_DIR/samples.png`` holds 100 samples and
``OUT_DIR/chain.png`` the reverse chain of eight of them (needs Pillow;
``numtorch.vision.utils.save_image``).
``--quick`` trains a few hundred steps of a smaller model.
"""

import argparse
import math
import os
import time

import numpy as np
from course_utils import add_run_arguments, digits, run_with_threads

import numtorch as torch
from numtorch import nn
from numtorch.nn import functional as F
from numtorch.utils.data import DataLoader, TensorDataset
from numtorch.vision.models import CourseCNN


class TimeEmbedding(nn.Module):
    """t (N,) -> (N, dim): sines and cosines of t at geometric frequencies, then an MLP."""

    def __init__(self, dim):
        super().__init__()
        self.dim = dim
        self.mlp = nn.Sequential(nn.Linear(dim, dim), nn.SiLU(), nn.Linear(dim, dim))

    def forward(self, t):
        half = self.dim // 2
        freqs = torch.exp(-math.log(1000.0) * torch.arange(half, dtype=torch.float32) / half)
        angles = t.float().unsqueeze(1) * freqs.unsqueeze(0)  # (N, half)
        return self.mlp(torch.cat([angles.sin(), angles.cos()], dim=1))  # (N, dim)


class ResidualBlock(nn.Module):
    """h + Linear(SiLU(Linear(LayerNorm(h) + time)))."""

    def __init__(self, hidden):
        super().__init__()
        self.norm = nn.LayerNorm(hidden)
        self.fc1 = nn.Linear(hidden, 2 * hidden)
        self.fc2 = nn.Linear(2 * hidden, hidden)

    def forward(self, h, temb):
        return h + self.fc2(F.silu(self.fc1(self.norm(h) + temb)))


class Denoiser(nn.Module):
    """eps_theta(x_t, t): (N, 1, 8, 8), (N,) -> the predicted noise (N, 1, 8, 8)."""

    def __init__(self, pixels=64, hidden=256, blocks=3):
        super().__init__()
        self.time = TimeEmbedding(hidden)
        self.inp = nn.Linear(pixels, hidden)
        self.blocks = nn.ModuleList([ResidualBlock(hidden) for _ in range(blocks)])
        self.out = nn.Sequential(nn.LayerNorm(hidden), nn.Linear(hidden, pixels))

    def forward(self, x, t):
        temb = self.time(t)  # (N, hidden)
        h = self.inp(x.flatten(1))  # (N, 64) -> (N, hidden)
        for block in self.blocks:
            h = block(h, temb)
        return self.out(h).reshape(x.shape)


class Schedule:
    """The linear beta schedule and the products the forward and reverse processes use."""

    def __init__(self, timesteps):
        scale = 1000.0 / timesteps  # keeps the total noise of Ho et al.'s 1000-step schedule
        # (capped for very short chains, whose betas would otherwise reach 1)
        self.betas = torch.linspace(1e-4 * scale, min(0.02 * scale, 0.5), timesteps)
        self.alphas = 1.0 - self.betas
        self.alpha_bars = torch.cumprod(self.alphas, dim=0)
        self.timesteps = timesteps

    def noisy(self, x0, t, eps):
        """x_t given x_0, the step t (N,) and the noise eps."""
        a = self.alpha_bars[t].reshape(-1, 1, 1, 1)
        return a.sqrt() * x0 + (1.0 - a).sqrt() * eps

    @torch.no_grad()
    def sample(self, model, n, keep=(), clip=True):
        """Ancestral sampling from x_T ~ N(0, I); returns x_0 and the states at steps ``keep``.

        With ``clip`` each step first estimates x_0 from the predicted noise,
        ``x0 = (x_t - sqrt(1 - alpha_bar_t) eps) / sqrt(alpha_bar_t)``, clips it to the data
        range [-1, 1], and draws x_{t-1} from the Gaussian posterior q(x_{t-1} | x_t, x0) (mean
        ``c0 x0 + ct x_t``, variance ``beta_t (1 - alpha_bar_{t-1}) / (1 - alpha_bar_t)``);
        without, it uses the noise form of the same mean and variance beta_t. The two agree
        whenever the estimate needs no clipping; clipping keeps a slightly wrong noise
        prediction at large t from pushing pixels out of range.
        """
        x = torch.randn(n, 1, 8, 8)
        kept = []
        for t in reversed(range(self.timesteps)):
            eps = model(x, torch.full((n,), t, dtype=torch.int64))
            beta, alpha_bar = self.betas[t].item(), self.alpha_bars[t].item()
            alpha_bar_prev = self.alpha_bars[t - 1].item() if t > 0 else 1.0
            if clip:
                x0 = ((x - math.sqrt(1.0 - alpha_bar) * eps) / math.sqrt(alpha_bar)).clamp(-1, 1)
                c0 = beta * math.sqrt(alpha_bar_prev) / (1.0 - alpha_bar)
                ct = (1.0 - alpha_bar_prev) * math.sqrt(1.0 - beta) / (1.0 - alpha_bar)
                x = c0 * x0 + ct * x
                var = beta * (1.0 - alpha_bar_prev) / (1.0 - alpha_bar)
            else:
                x = (x - beta / math.sqrt(1.0 - alpha_bar) * eps) / math.sqrt(1.0 - beta)
                var = beta
            if t > 0:
                x = x + math.sqrt(var) * torch.randn_like(x)
            if t in keep:
                kept.append(x.clamp(-1.0, 1.0))
        return x.clamp(-1.0, 1.0), kept


def train_judge(x, y, epochs=10):
    """The course CNN on the Digits (pixels in [0, 1]): the judge of the samples."""
    model = CourseCNN(in_channels=1, num_classes=10, input_size=8)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True)
    for _ in range(epochs):
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model.eval()


def recognized(judge, images, threshold=0.9):
    """The share of images (pixels in [0, 1]) the judge classifies with p >= threshold, and
    the predicted classes."""
    with torch.no_grad():
        p = F.softmax(judge(images), dim=1)
    conf, pred = p.max(1)
    return (conf >= threshold).float().mean().item(), pred


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=6000, help="training steps")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--timesteps", type=int, default=200, help="T, the diffusion length")
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--blocks", type=int, default=3)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--no-clip", action="store_true",
                        help="sample without clipping the estimate of x_0")
    add_run_arguments(parser, "diffusion")
    return run_with_threads(run, parser.parse_args(argv))


def run(args):
    if args.quick:
        args.steps, args.hidden, args.blocks, args.timesteps = 300, 64, 2, 50

    # ---- data: the training images in [-1, 1]
    start = time.perf_counter()
    torch.manual_seed(args.seed)
    (x_train, y_train), (x_test, _) = digits()
    x0_all = x_train * 2.0 - 1.0
    schedule = Schedule(args.timesteps)

    # ---- the denoiser, its optimizer and its moving average
    model = Denoiser(64, args.hidden, args.blocks)
    ema = Denoiser(64, args.hidden, args.blocks)
    ema.load_state_dict(model.state_dict())
    ema.eval()
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.0)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.steps)
    ema_decay = 0.995
    print(f"DDPM: T = {args.timesteps}, MLP denoiser {args.hidden} wide, {args.blocks} blocks, "
          f"{sum(p.numel() for p in model.parameters())} parameters; "
          f"{len(x0_all)} training images")

    # ---- training: predict the noise added at a random step
    running = 0.0
    for step in range(1, args.steps + 1):
        idx = torch.randint(0, len(x0_all), (args.batch_size,))
        x0 = x0_all[idx]
        t = torch.randint(0, args.timesteps, (args.batch_size,))
        eps = torch.randn_like(x0)
        loss = F.mse_loss(model(schedule.noisy(x0, t, eps), t), eps)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        with torch.no_grad():
            for p_ema, p in zip(ema.parameters(), model.parameters()):
                p_ema.mul_(ema_decay).add_(p, alpha=1.0 - ema_decay)
        running += loss.item()
        if step % max(1, args.steps // 8) == 0 or step == args.steps:
            print(f"step {step:5d}  loss {running / max(1, args.steps // 8):.4f}  "
                  f"({time.perf_counter() - start:.1f} s)")
            running = 0.0

    # ---- sampling and judging
    keep = sorted({args.timesteps * k // 8 for k in range(8)})
    samples, chain = schedule.sample(ema, 100, keep=keep, clip=not args.no_clip)
    samples01 = samples * 0.5 + 0.5
    judge = train_judge(x_train, y_train, epochs=3 if args.quick else 10)
    noise01 = torch.randn(100, 1, 8, 8).clamp(-1.0, 1.0) * 0.5 + 0.5
    share, pred = recognized(judge, samples01)
    baseline, _ = recognized(judge, noise01)
    reference, _ = recognized(judge, x_test[:100])
    counts = np.bincount(pred.numpy(), minlength=10).tolist()
    print("classes the judge sees in the samples: "
          + " ".join(f"{k}:{c}" for k, c in enumerate(counts)))
    print(f"real test images recognized {reference:.2f}")
    print(f"samples recognized {share:.2f} (noise baseline {baseline:.2f})")

    # ---- pictures
    try:
        from numtorch.vision.utils import save_image

        os.makedirs(args.out_dir, exist_ok=True)
        big = F.interpolate(samples01, scale_factor=3, mode="nearest")  # (100, 1, 24, 24)
        save_image(big, os.path.join(args.out_dir, "samples.png"), nrow=10, padding=1)
        # ``chain`` runs from the noisiest kept step down to t = 0, the sample itself
        rows = torch.stack([c[:8] * 0.5 + 0.5 for c in chain], dim=1)  # (8, steps, 1, 8, 8)
        save_image(F.interpolate(rows.reshape(-1, 1, 8, 8), scale_factor=3, mode="nearest"),
                   os.path.join(args.out_dir, "chain.png"), nrow=len(chain), padding=1)
        print(f"pictures in {args.out_dir}")
    except ImportError as exc:
        print(f"no pictures: {exc}")
    print(f"done in {time.perf_counter() - start:.1f} s")
    return share, baseline


if __name__ == "__main__":
    main()
