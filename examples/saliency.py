"""Saliency maps for the course CNN on the 8x8 Digits: gradients, SmoothGrad and Grad-CAM,
checked by a deletion test.

    python examples/saliency.py [--epochs 10] [--samples 25] [--noise 0.15] [--fraction 0.1]
                                [--seed 0] [--out-dir runs/saliency] [--quick]

The course CNN (``numtorch.vision.models.CourseCNN``) is trained on the Digits training split,
pixels in [0, 1]. For a test image x of class c with logit s_c(x):

- vanilla gradient: ``|d s_c / d x|``, how much each pixel moves the class score locally;
- SmoothGrad: the mean of ``|d s_c / d x|`` over ``--samples`` copies of x with Gaussian noise
  of standard deviation ``--noise`` added, which averages away the gradient's local jitter;
- Grad-CAM: the activations A_k of the last convolution (after its ReLU, 4x4 maps) weighted by
  the spatial mean of ``d s_c / d A_k``, summed over channels, passed through ReLU and
  upsampled to 8x8: where in the image the evidence for class c lies, at the resolution of
  the last convolution.

Deletion test: for every test image, the ``--fraction`` (10%) most salient pixels of the
SmoothGrad map are blanked (set to 0, the background), and the drop of the true class's
softmax probability is compared with blanking the same number of random pixels. The line
``deletion: salient 0.41 random 0.12`` gives the two mean drops; a map that finds the pixels
the model relies on gives the larger drop. With matplotlib, ``OUT_DIR/saliency.png`` draws the
three maps over eight test images. ``--quick`` trains briefly and tests a subset.
"""

import argparse
import os
import time

from course_utils import add_run_arguments, digits, run_with_threads, train_cnn

import numtorch as torch
from numtorch.nn import functional as F


def class_score(model, x, y):
    """The logit of class y[i] for image x[i], summed: its gradient is per image."""
    return model(x).gather(1, y.unsqueeze(1)).sum()


def vanilla_gradient(model, x, y):
    """|d s_y / d x| per pixel: (N, 1, H, W)."""
    x = x.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(class_score(model, x, y), x)
    return grad.abs()


def smoothgrad(model, x, y, samples=25, noise=0.15):
    """The mean of the vanilla gradient over noisy copies of x (Smilkov et al., 2017)."""
    total = torch.zeros_like(x)
    for _ in range(samples):
        total += vanilla_gradient(model, x + noise * torch.randn_like(x), y)
    return total / samples


def grad_cam(model, x, y):
    """Grad-CAM (Selvaraju et al., 2017) on the last convolution, upsampled to the input size."""
    last = 5  # features[:5] ends with the second convolution and its ReLU
    acts = model.features[:last](x)  # (N, 64, 4, 4)
    score = model.classifier(model.features[last:](acts)).gather(1, y.unsqueeze(1)).sum()
    (grad,) = torch.autograd.grad(score, acts)
    weights = grad.mean((2, 3), keepdim=True)  # (N, 64, 1, 1): one weight per channel
    cam = F.relu((weights * acts).sum(1, keepdim=True))  # (N, 1, 4, 4)
    return F.interpolate(cam, size=x.shape[-2:], mode="bilinear", align_corners=False).detach()


def blank(x, scores, k):
    """x with the k pixels of highest score set to 0, per image."""
    n = x.shape[0]
    top = scores.reshape(n, -1).topk(k, dim=1).indices  # (N, k)
    mask = torch.ones(n, x[0].numel()).scatter(1, top, 0.0)  # (N, H*W)
    return x * mask.reshape(x.shape)


def true_probability(model, x, y):
    with torch.no_grad():
        return F.softmax(model(x), dim=1).gather(1, y.unsqueeze(1)).squeeze(1)


def deletion_test(model, x, y, saliency, fraction):
    """Mean drop of p(true class) when the most salient pixels, or as many random ones, are
    blanked."""
    k = max(1, round(fraction * x[0].numel()))
    base = true_probability(model, x, y)
    salient = base - true_probability(model, blank(x, saliency, k), y)
    random = base - true_probability(model, blank(x, torch.rand_like(x), k), y)
    return salient.mean().item(), random.mean().item()


def plot(path, x, y, maps):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = x.shape[0]
    names = ["input"] + list(maps)
    fig, axes = plt.subplots(len(names), n, figsize=(1.1 * n, 1.2 * len(names)))
    for c in range(n):
        img = x[c, 0].numpy()
        axes[0, c].imshow(img, cmap="gray", vmin=0, vmax=1)
        axes[0, c].set_title(f"label {y[c].item()}", fontsize=8)
        for r, name in enumerate(names[1:], start=1):
            axes[r, c].imshow(img, cmap="gray", vmin=0, vmax=1)
            axes[r, c].imshow(maps[name][c, 0].numpy(), cmap="jet", alpha=0.55)
    for r, name in enumerate(names):
        axes[r, 0].set_ylabel(name, fontsize=8)
    for a in axes.flat:
        a.set_xticks([])
        a.set_yticks([])
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--samples", type=int, default=25, help="SmoothGrad's noisy copies")
    parser.add_argument("--noise", type=float, default=0.15, help="SmoothGrad's noise std")
    parser.add_argument("--fraction", type=float, default=0.1,
                        help="share of pixels blanked in the deletion test")
    add_run_arguments(parser, "saliency")
    return run_with_threads(run, parser.parse_args(argv))


def run(args):

    start = time.perf_counter()
    torch.manual_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = digits()
    if args.quick:
        args.epochs, args.samples = 3, 8
        x_test, y_test = x_test[:120], y_test[:120]
    model = train_cnn(x_train, y_train, args.epochs)
    with torch.no_grad():
        acc = (model(x_test).argmax(1) == y_test).float().mean().item()
    print(f"test accuracy {acc:.4f}")

    smooth = smoothgrad(model, x_test, y_test, args.samples, args.noise)
    salient, random = deletion_test(model, x_test, y_test, smooth, args.fraction)
    print(f"deletion: salient {salient:.2f} random {random:.2f}")

    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("matplotlib is not installed: no pictures (pip install matplotlib)")
    else:
        os.makedirs(args.out_dir, exist_ok=True)
        x, y = x_test[:8], y_test[:8]
        maps = {"gradient": vanilla_gradient(model, x, y), "SmoothGrad": smooth[:8],
                "Grad-CAM": grad_cam(model, x, y)}
        path = os.path.join(args.out_dir, "saliency.png")
        plot(path, x, y, maps)
        print(f"pictures in {args.out_dir}")
    print(f"done in {time.perf_counter() - start:.1f} s")
    return salient, random


if __name__ == "__main__":
    main()
