"""Adversarial examples: FGSM and PGD against the course CNN on the 8x8 Digits.

    python examples/adversarial.py [--epochs 10] [--epsilons 0,0.05,0.1,0.15,0.2,0.3]
                                   [--pgd-steps 10] [--seed 0] [--out-dir runs/adversarial]
                                   [--quick]

The course CNN (``numtorch.vision.models.CourseCNN``: two Conv-ReLU-MaxPool blocks, two Linear
layers) is trained on the Digits training split, pixels in [0, 1]. Then every test image is
attacked within an L-infinity ball of radius epsilon, pixels kept in [0, 1]:

- FGSM (fast gradient sign method, one step): ``x_adv = x + epsilon * sign(grad_x loss)``;
- PGD (projected gradient descent): from a random point of the ball, ``--pgd-steps`` steps of
  size ``2.5 * epsilon / steps`` along the gradient's sign, each followed by the projection
  back onto the ball and onto [0, 1].

One line per attack and epsilon gives the accuracy on the attacked test set, e.g.
``fgsm epsilon 0.10: accuracy 0.4312``. The claim: accuracy falls as epsilon grows, and PGD,
the stronger search, is at least as strong as FGSM. With matplotlib, ``OUT_DIR`` receives
``accuracy_vs_epsilon.png`` and ``examples.png`` (clean image, adversarial image and the
perturbation, with the predicted classes). ``--quick`` trains briefly on a subset.
"""

import argparse
import os
import time

from course_utils import add_run_arguments, digits, run_with_threads, train_cnn

import numtorch as torch
from numtorch.nn import functional as F


def accuracy(model, x, y):
    with torch.no_grad():
        return (model(x).argmax(1) == y).float().mean().item()


def input_gradient(model, x, y):
    """d(cross-entropy summed over the batch) / d(input), one gradient per image."""
    x = x.clone().requires_grad_(True)
    loss = F.cross_entropy(model(x), y, reduction="sum")
    (grad,) = torch.autograd.grad(loss, x)
    return grad


def fgsm(model, x, y, epsilon):
    """One step of size epsilon along the sign of the loss gradient, clipped to [0, 1]."""
    grad = input_gradient(model, x, y)
    return (x + epsilon * grad.sign()).clamp(0.0, 1.0)


def pgd(model, x, y, epsilon, steps=10, step_size=None):
    """Projected gradient ascent on the loss inside the L-inf ball of radius epsilon."""
    if epsilon == 0:
        return x.clone()
    step_size = 2.5 * epsilon / steps if step_size is None else step_size
    x_adv = (x + torch.empty_like(x).uniform_(-epsilon, epsilon)).clamp(0.0, 1.0)
    for _ in range(steps):
        grad = input_gradient(model, x_adv, y)
        x_adv = x_adv + step_size * grad.sign()
        x_adv = torch.minimum(torch.maximum(x_adv, x - epsilon), x + epsilon)  # the ball
        x_adv = x_adv.clamp(0.0, 1.0)  # valid pixels
    return x_adv


def plot(out_dir, epsilons, results, model, x, y, show_epsilon):
    """Accuracy against epsilon, and clean / FGSM / PGD images with their perturbations."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.5, 3.2))
    for name, marker in (("fgsm", "o-"), ("pgd", "s-")):
        ax.plot(epsilons, [results[name][e] for e in epsilons], marker, label=name.upper())
    ax.set_xlabel("epsilon (L-inf, pixels in [0, 1])")
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "accuracy_vs_epsilon.png"), dpi=80)
    plt.close(fig)

    n = 6
    xs, ys = x[:n], y[:n]
    rows = [("clean", xs), ("FGSM", fgsm(model, xs, ys, show_epsilon)),
            ("PGD", pgd(model, xs, ys, show_epsilon))]
    fig, axes = plt.subplots(4, n, figsize=(1.3 * n, 5.6))
    for r, (name, images) in enumerate(rows):
        with torch.no_grad():
            pred = model(images).argmax(1)
        for c in range(n):
            axes[r, c].imshow(images[c, 0].numpy(), cmap="gray", vmin=0, vmax=1)
            axes[r, c].set_title(f"{name}: {pred[c].item()}", fontsize=8)
    delta = (rows[2][1] - xs)[:, 0].numpy()  # the PGD perturbation
    for c in range(n):
        axes[3, c].imshow(delta[c], cmap="coolwarm", vmin=-show_epsilon, vmax=show_epsilon)
        axes[3, c].set_title("PGD - clean", fontsize=8)
    for a in axes.flat:
        a.axis("off")
    fig.suptitle(f"epsilon {show_epsilon}", fontsize=9)
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "examples.png"), dpi=80)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--epsilons", default="0,0.05,0.1,0.15,0.2,0.3",
                        help="comma-separated radii of the L-inf ball")
    parser.add_argument("--pgd-steps", type=int, default=10)
    add_run_arguments(parser, "adversarial")
    return run_with_threads(run, parser.parse_args(argv))


def run(args):
    epsilons = [float(e) for e in args.epsilons.split(",")]

    # ---- data and model
    start = time.perf_counter()
    torch.manual_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = digits()
    if args.quick:
        args.epochs, args.pgd_steps = 3, 5
        x_test, y_test = x_test[:120], y_test[:120]
    model = train_cnn(x_train, y_train, args.epochs)
    print(f"clean test accuracy {accuracy(model, x_test, y_test):.4f}")

    # ---- attacks
    results = {"fgsm": {}, "pgd": {}}
    for name in ("fgsm", "pgd"):
        for eps in epsilons:
            if name == "fgsm":
                x_adv = fgsm(model, x_test, y_test, eps)
            else:
                x_adv = pgd(model, x_test, y_test, eps, steps=args.pgd_steps)
            results[name][eps] = accuracy(model, x_adv, y_test)
            print(f"{name} epsilon {eps:.2f}: accuracy {results[name][eps]:.4f}")

    # ---- pictures
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("matplotlib is not installed: no pictures (pip install matplotlib)")
    else:
        os.makedirs(args.out_dir, exist_ok=True)
        show = epsilons[len(epsilons) // 2] or max(epsilons)
        plot(args.out_dir, epsilons, results, model, x_test, y_test, show)
        print(f"pictures in {args.out_dir}")
    print(f"done in {time.perf_counter() - start:.1f} s")
    return results


if __name__ == "__main__":
    main()
