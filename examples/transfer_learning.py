"""Transfer learning: does a backbone pretrained on some classes help to learn new ones?

    python examples/transfer_learning.py [--shots 10] [--seed 0] [--out-dir runs/transfer]
    python examples/transfer_learning.py --weights resnet18.pth --data folder:DIR [--shots 10]
    python examples/transfer_learning.py --quick

Default (the bundled 8x8 Digits, no download):

1. pretraining: a small CNN (``DigitsCNN``: two 3x3 convolutions at full resolution and one
   pool, so its backbone keeps a 4x4 map of 32 channels) learns Digits classes 0-4 from all
   their training images, each batch turned, scaled and shifted at random (up to 15 degrees,
   10% and one pixel: ``--pretrain-augment``), for ``--pretrain-epochs`` (120); its state dict
   is saved with ``numtorch.save`` to ``OUT_DIR/pretrained_digits_0-4.pth``;
2. the new task: classes 5-9 from only ``--shots`` (10) training images per class, judged on
   all the 5-9 test images;
   (a) from scratch: a fresh CNN trained on the few images;
   (b) transfer: the saved file loaded back with ``numtorch.load``, the backbone
   (``features``) kept and a new head (``classifier``: Linear-ReLU-Linear to 5 classes, freshly
   initialized) put on top; first only the head is trained with the backbone frozen
   (``requires_grad_(False)``), then every layer is fine-tuned.

The protocol is the same for both sides, so that a difference can only come from the
pretrained weights: the same architecture, the same few images, Adam with the same learning
rate (``--lr``) and weight decay, batches of 32, the same augmentation of the few images
(``--augment`` 0.5: up to 7.5 degrees, 5% and half a pixel, the strength that suited
from scratch best on a validation split) and the same
number of epochs on the few images (``--epochs``, 100: both learning curves are flat well
before). Transfer spends that budget in two phases, ``--head-fraction`` (5%) of the epochs on
the head alone, then the rest on every layer at the same learning rate
(``--finetune-lr-factor`` 1). The few images are drawn anew for ``--repeats`` (20) draws, each
draw used by both sides; the printed figures are means over the draws (``from scratch 0.93``,
``frozen backbone 0.90``, ``fine-tuned 0.95``), followed by the mean paired difference (+0.018),
its standard error (0.003) and the number of draws each side wins (17 to 3). The settings were
chosen on the 5-9 training images outside each draw (``--validate`` judges there), never on
the test images; docs/examples.md has the figures, other seeds, and those of the course CNN
(``--model course-cnn``), for which transfer does not help. With matplotlib,
``OUT_DIR/transfer.png`` compares the three per draw, draws both learning curves (test
accuracy every ``--curve-every`` epochs, mean over the draws) and shows the few training
images of the first draw.

``--weights PATH --data folder:DIR``: the same comparison for a torchvision ResNet-18: ``PATH``
holds its state dict (for instance torchvision's ``resnet18-f37072fd.pth``, read with
``numtorch.load(PATH, map_location="cpu")``), ``DIR`` is an ImageFolder tree (class folders of
images, or ``train/`` and ``test/`` each holding them), read as ``numtorch train --data
folder:DIR`` reads it. The images are resized to ``--image-size`` (112) and normalized with
ImageNet's statistics; ``--shots`` images per class train, the rest of the images test. From
scratch is a fresh ResNet-18 with random weights; transfer keeps the loaded backbone and
replaces ``fc`` with a new layer for the folder's classes.
"""

import argparse
import os
import time

import numpy as np
from course_utils import add_run_arguments, digits, run_with_threads

import numtorch as torch
from numtorch import nn
from numtorch.nn import functional as F
from numtorch.vision.models import CourseCNN

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


# ------------------------------------------------------------------ data
def select(x, y, classes):
    """The images of ``classes``, labels renumbered 0..len(classes)-1."""
    keep = np.isin(y.numpy(), classes)
    relabel = {c: i for i, c in enumerate(classes)}
    labels = torch.tensor([relabel[int(v)] for v in y.numpy()[keep]])
    return x[torch.tensor(np.flatnonzero(keep))], labels


def few_shot(x, y, shots, rng):
    """``shots`` random images of each class, and the indices of the images not drawn."""
    idx = np.concatenate([rng.choice(np.flatnonzero(y.numpy() == c), shots, replace=False)
                          for c in range(int(y.max().item()) + 1)])
    rest = np.setdiff1d(np.arange(len(y)), idx)
    return x[torch.tensor(idx)], y[torch.tensor(idx)], torch.tensor(rest)


def folder_images(path, size):
    """An ImageFolder tree as float images (N, 3, size, size), ImageNet-normalized, labels
    and class names; split into train/test as ``numtorch train --data folder:`` splits it."""
    from numtorch.cli.data import load_data

    bundle = load_data(f"folder:{path}", val_fraction=0.0)
    mean = torch.tensor(IMAGENET_MEAN).reshape(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).reshape(1, 3, 1, 1)

    def prepare(x):
        x = torch.tensor(x).float() / 255.0  # (N, 3, H, W)
        x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
        return (x - mean) / std

    x_all = np.concatenate([bundle.x_train, bundle.x_val])
    y_all = np.concatenate([bundle.y_train, bundle.y_val])
    return (prepare(x_all), torch.tensor(y_all), prepare(bundle.x_test),
            torch.tensor(bundle.y_test), bundle.classes)


# ------------------------------------------------------------------ model and augmentation
class DigitsCNN(nn.Module):
    """The CNN of the default comparison, for 8x8 images: two 3x3 convolutions at full
    resolution, then one pool, so the backbone keeps a 4x4 map (``features``: (N, 32, 4, 4),
    512 numbers); the head is the course CNN's (``classifier``: Linear-ReLU-Linear)."""

    def __init__(self, in_channels=1, num_classes=10, width=32):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, width, kernel_size=3, padding=1), nn.ReLU(),
            nn.Conv2d(width, width, kernel_size=3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2),  # (N, width, 8, 8) -> (N, width, 4, 4)
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),  # (N, width, 4, 4) -> (N, width * 16)
            nn.Linear(width * 16, 128), nn.ReLU(),
            nn.Linear(128, num_classes),
        )

    def forward(self, x):
        return self.classifier(self.features(x))


def random_affine(x, strength, rng):
    """Each image of ``x`` (N, C, H, W) turned, scaled and shifted at random (bilinear, zeros
    outside): up to ``15 * strength`` degrees, a scale within ``1 +- 0.1 * strength`` and a
    shift of up to ``strength`` pixels along each axis. ``strength`` 0 returns ``x``."""
    if strength <= 0:
        return x
    n, _, height, width = x.shape
    angle = np.deg2rad(rng.uniform(-15, 15, n) * strength)
    scale = 1 + rng.uniform(-0.1, 0.1, n) * strength
    # grid coordinates run over [-1, 1]: one pixel is 2 / side
    shift = rng.uniform(-1, 1, (n, 2)) * strength * np.array([2 / width, 2 / height])
    cos, sin = np.cos(angle) / scale, np.sin(angle) / scale
    theta = np.stack([np.stack([cos, -sin, shift[:, 0]], 1),
                      np.stack([sin, cos, shift[:, 1]], 1)], 1)  # (N, 2, 3)
    grid = F.affine_grid(torch.tensor(theta, dtype=torch.float32), list(x.shape),
                         align_corners=False)  # (N, H, W, 2)
    return F.grid_sample(x, grid, align_corners=False)


# ------------------------------------------------------------------ training
def fit(model, params, x, y, epochs, lr, batch_size=32, weight_decay=5e-4, on_epoch=None,
        augment=0.0, rng=None):
    """Adam on cross-entropy over shuffled mini-batches of (x, y), each batch passed through
    ``random_affine(batch, augment, rng)``; batch-norm layers whose parameters are frozen stay
    in eval mode. ``on_epoch(epoch)`` runs after every epoch (1, 2, ...; for learning curves)."""
    rng = np.random.default_rng(0) if rng is None else rng
    optimizer = torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    n = len(y)
    for epoch in range(1, epochs + 1):
        model.train()
        for m in model.modules():  # a frozen batch norm keeps its running statistics too
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)) and not any(
                    p.requires_grad for p in m.parameters()):
                m.eval()
        order = torch.randperm(n)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            loss = F.cross_entropy(model(random_affine(x[idx], augment, rng)), y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        if on_epoch is not None:
            on_epoch(epoch)
    return model.eval()


def accuracy(model, x, y, batch_size=256):
    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(y), batch_size):
            pred = model(x[start:start + batch_size]).argmax(1)
            correct += (pred == y[start:start + batch_size]).sum().item()
    return correct / len(y)


def with_new_head(backbone_state, model, head_name, new_head):
    """``model`` with the weights of ``backbone_state`` except its submodule ``head_name``,
    which is replaced by ``new_head`` (freshly initialized)."""
    kept = {k: v for k, v in backbone_state.items() if not k.startswith(head_name + ".")}
    missing, unexpected = model.load_state_dict(kept, strict=False)
    if unexpected or any(not k.startswith(head_name + ".") for k in missing):
        raise RuntimeError(f"the pretrained weights do not fit the model: missing {missing}, "
                           f"unexpected {unexpected}")
    parent, _, attr = head_name.rpartition(".")
    owner = model.get_submodule(parent) if parent else model
    setattr(owner, attr, new_head)
    return model


def split_budget(epochs, head_fraction):
    """The epochs of the two transfer phases: head alone, then every layer; together they are
    the ``epochs`` the from-scratch run gets."""
    head = min(epochs - 1, max(1, round(epochs * head_fraction))) if epochs > 1 else epochs
    return head, epochs - head


def compare(make_model, head_name, make_head, state, x_pool, y_pool, x_test, y_test, args):
    """From scratch vs transfer (frozen backbone, then fine-tuned), each trained on the same
    few images with the same optimizer, learning rate and number of epochs, over
    ``args.repeats`` random draws, judged on (x_test, y_test), or with ``args.validate`` on the
    pool's images outside each draw. Returns per-draw accuracies, learning curves (test accuracy
    every ``args.curve_every`` epochs) and the first draw."""
    num_classes = int(y_pool.max().item()) + 1
    rng = np.random.default_rng(args.seed)
    augment_rng = np.random.default_rng(args.seed + 1)  # ``--augment``: the same for both sides
    few = {"augment": args.augment, "rng": augment_rng}
    head_epochs, tune_epochs = split_budget(args.epochs, args.head_fraction)
    results = {"scratch": [], "frozen": [], "finetuned": []}
    curves = {"scratch": [], "transfer": []}
    first = None
    for _ in range(args.repeats):
        x_few, y_few, rest = few_shot(x_pool, y_pool, args.shots, rng)
        if args.validate:  # judged on the training images not drawn: for choosing settings
            x_eval, y_eval = x_pool[rest], y_pool[rest]
        else:
            x_eval, y_eval = x_test, y_test
        first = (x_few, y_few) if first is None else first

        def recorder(model, curve, offset=0, x_eval=x_eval, y_eval=y_eval):
            """Test accuracy every ``args.curve_every`` epochs of the whole budget."""
            def record(epoch):
                epoch += offset
                if args.curve_every and epoch % args.curve_every == 0:
                    curve.append((epoch, accuracy(model, x_eval, y_eval)))
            return record

        # (a) from scratch: all layers random, all trained for the whole budget
        scratch = make_model(num_classes)
        curve = []
        fit(scratch, scratch.parameters(), x_few, y_few, args.epochs, args.lr,
            on_epoch=recorder(scratch, curve), **few)
        results["scratch"].append(accuracy(scratch, x_eval, y_eval))
        curves["scratch"].append(curve)

        # (b) transfer: the pretrained backbone, a new head; first the head alone ...
        model = with_new_head(state, make_model(None), head_name, make_head(num_classes))
        head = model.get_submodule(head_name)
        for p in model.parameters():
            p.requires_grad_(False)
        for p in head.parameters():
            p.requires_grad_(True)
        curve = []
        fit(model, head.parameters(), x_few, y_few, head_epochs, args.lr,
            on_epoch=recorder(model, curve), **few)
        results["frozen"].append(accuracy(model, x_eval, y_eval))
        # ... then every layer, for the rest of the same budget
        for p in model.parameters():
            p.requires_grad_(True)
        fit(model, model.parameters(), x_few, y_few, tune_epochs,
            args.lr * args.finetune_lr_factor, on_epoch=recorder(model, curve, head_epochs),
            **few)
        results["finetuned"].append(accuracy(model, x_eval, y_eval))
        curves["transfer"].append(curve)
    return results, curves, first


# ------------------------------------------------------------------ the two set-ups
def run_digits(args):
    (x_train, y_train), (x_test, y_test) = digits()
    old, new = [0, 1, 2, 3, 4], [5, 6, 7, 8, 9]
    x_old, y_old = select(x_train, y_train, old)
    x_pool, y_pool = select(x_train, y_train, new)
    x_new_test, y_new_test = select(x_test, y_test, new)

    def make_model(num_classes):
        if args.model == "course-cnn":
            return CourseCNN(in_channels=1, num_classes=num_classes or len(old), input_size=8)
        return DigitsCNN(in_channels=1, num_classes=num_classes or len(old))

    # ---- pretraining on classes 0-4 (random turns, scalings and shifts), saved as a .pth file
    pretrained = make_model(len(old))
    fit(pretrained, pretrained.parameters(), x_old, y_old, args.pretrain_epochs, args.lr,
        augment=args.pretrain_augment, rng=np.random.default_rng(args.seed + 2))
    x_old_test, y_old_test = select(x_test, y_test, old)
    print(f"pretrained {args.model} on classes 0-4 ({len(y_old)} images, {args.pretrain_epochs} "
          f"epochs, augmentation {args.pretrain_augment:g}): test accuracy on 0-4 "
          f"{accuracy(pretrained, x_old_test, y_old_test):.4f}")
    os.makedirs(args.out_dir, exist_ok=True)
    path = os.path.join(args.out_dir, "pretrained_digits_0-4.pth")
    torch.save(pretrained.state_dict(), path)
    print(f"saved {path}")

    # ---- classes 5-9 from a few images
    state = torch.load(path, map_location="cpu")
    head_epochs, tune_epochs = split_budget(args.epochs, args.head_fraction)
    judged = (f"the {len(y_pool) - 5 * args.shots} training images outside each draw"
              if args.validate else f"{len(y_new_test)} test images")
    print(f"classes 5-9: {args.shots} training images per class, {judged}, {args.repeats} "
          f"draws; {args.epochs} epochs each (transfer: {head_epochs} "
          f"head only + {tune_epochs} all layers)")
    return compare(make_model, "classifier", lambda k: make_model(k).classifier, state, x_pool,
                   y_pool, x_new_test, y_new_test, args)


def run_resnet(args):
    from numtorch.vision.models import resnet18

    if not args.data.startswith("folder:"):
        raise SystemExit("--weights needs --data folder:DIR (an ImageFolder tree)")
    x_all, y_all, x_test, y_test, classes = folder_images(args.data[len("folder:"):],
                                                          args.image_size)
    print(f"{args.data}: {len(classes)} classes, {len(y_all)} train / {len(y_test)} test "
          f"images resized to {args.image_size}x{args.image_size}")
    state = torch.load(args.weights, map_location="cpu")
    if not isinstance(state, dict) or "fc.weight" not in state:
        raise SystemExit(f"{args.weights}: expected a ResNet-18 state dict (with fc.weight)")
    print(f"loaded {args.weights}: {len(state)} tensors")

    def make_model(num_classes):
        return resnet18(num_classes=num_classes or state["fc.weight"].shape[0])

    return compare(make_model, "fc", lambda k: nn.Linear(512, k), state, x_all, y_all, x_test,
                   y_test, args)


def plot(path, results, curves, first):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, ax_curve, ax_img) = plt.subplots(
        1, 3, figsize=(11, 3), gridspec_kw={"width_ratios": [1, 1.2, 1.2]})
    names = [("scratch", "from\nscratch"), ("frozen", "frozen\nbackbone"),
             ("finetuned", "fine-\ntuned")]
    per_draw = np.array([results[key] for key, _ in names])  # (3, draws)
    ax.plot(range(len(names)), per_draw, color="grey", alpha=0.3, lw=0.8)  # one line a draw
    for k in range(len(names)):
        ax.scatter([k] * per_draw.shape[1], per_draw[k], alpha=0.6, zorder=3)
        ax.plot([k - 0.25, k + 0.25], [per_draw[k].mean()] * 2, color="black", lw=2)
    ax.set_xticks(range(len(names)), [label for _, label in names], fontsize=8)
    ax.set_ylabel("test accuracy")
    ax.set_ylim(max(0.0, per_draw.min() - 0.05), 1)
    ax.grid(axis="y", alpha=0.3)
    ax.set_title("after the whole budget (lines: draws; bars: means)", fontsize=8)
    for key, label in (("scratch", "from scratch"), ("transfer", "transfer")):
        if curves[key] and curves[key][0]:
            epochs = [e for e, _ in curves[key][0]]
            mean = np.mean([[a for _, a in c] for c in curves[key]], axis=0)
            ax_curve.plot(epochs, mean, marker=".", label=label)
    ax_curve.set_xlabel("epochs on the few images")
    ax_curve.set_ylabel("test accuracy (mean over draws)")
    ax_curve.set_ylim(0, 1)
    ax_curve.grid(alpha=0.3)
    if ax_curve.lines:
        ax_curve.legend(fontsize=8)
    ax_curve.set_title("learning curves", fontsize=8)
    x_few, y_few = first
    if x_few.shape[1] == 1:  # the Digits: show the few training images, one row per class
        order = np.argsort(y_few.numpy(), kind="stable")
        tiles = x_few[torch.tensor(order), 0].numpy()  # (n, 8, 8)
        tiles = np.pad(tiles, ((0, 0), (1, 1), (1, 1)), constant_values=0.5)  # grey frames
        classes = int(y_few.max().item()) + 1
        grid = tiles.reshape(classes, -1, 10, 10).transpose(0, 2, 1, 3).reshape(classes * 10, -1)
        ax_img.imshow(grid, cmap="gray")
        ax_img.set_title("the training images of the first draw", fontsize=8)
    ax_img.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, default=10, help="training images per new class")
    parser.add_argument("--repeats", type=int, default=20, help="random draws of the few images")
    parser.add_argument("--epochs", type=int, default=100,
                        help="epochs on the few images, the same for every run")
    parser.add_argument("--head-fraction", type=float, default=0.05,
                        help="share of the transfer epochs spent on the head alone")
    parser.add_argument("--curve-every", type=int, default=5,
                        help="epochs between the test accuracies of the learning curves")
    parser.add_argument("--pretrain-epochs", type=int, default=120)
    parser.add_argument("--pretrain-augment", type=float, default=1.0,
                        help="strength of the random turns (15 degrees), scalings (10%%) and "
                             "shifts (1 pixel) of the pretraining images; 0: none")
    parser.add_argument("--augment", type=float, default=0.5,
                        help="the same for the few images, on both sides alike")
    parser.add_argument("--model", choices=("digits-cnn", "course-cnn"), default="digits-cnn",
                        help="the Digits network: DigitsCNN, or the course CNN (two pools)")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--finetune-lr-factor", type=float, default=1.0,
                        help="learning rate of the fine-tuning phase, relative to --lr")
    parser.add_argument("--validate", action="store_true",
                        help="judge on the training images outside each draw, not the test "
                             "images (for choosing settings)")
    parser.add_argument("--weights", help="a torchvision ResNet-18 state dict (.pth)")
    parser.add_argument("--data", default="digits", help="digits, or folder:DIR with --weights")
    parser.add_argument("--image-size", type=int, default=112, help="side for --weights images")
    add_run_arguments(parser, "transfer")
    return run_with_threads(run, parser.parse_args(argv))


def run(args):
    start = time.perf_counter()
    torch.manual_seed(args.seed)
    if args.quick:
        args.repeats, args.epochs, args.pretrain_epochs, args.curve_every = 2, 20, 15, 5
    if args.weights:
        results, curves, first = run_resnet(args)
    elif args.data == "digits":
        results, curves, first = run_digits(args)
    else:
        raise SystemExit(f"--data {args.data} needs --weights (a ResNet-18 .pth)")
    means = {k: float(np.mean(v)) for k, v in results.items()}
    print("per draw: " + "; ".join(f"scratch {a:.2f} frozen {b:.2f} fine-tuned {c:.2f}"
                                   for a, b, c in zip(*results.values())))
    print(f"from scratch {means['scratch']:.2f}")
    print(f"frozen backbone {means['frozen']:.2f}")
    print(f"fine-tuned {means['finetuned']:.2f}")
    gain = np.array(results["finetuned"]) - np.array(results["scratch"])
    if len(gain) > 1:  # paired by draw: both sides saw the same few images
        print(f"fine-tuned - from scratch: {gain.mean():+.4f} (standard error "
              f"{gain.std(ddof=1) / np.sqrt(len(gain)):.4f} over {len(gain)} draws; fine-tuned "
              f"better in {int((gain > 0).sum())}, worse in {int((gain < 0).sum())})")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("matplotlib is not installed: no pictures (pip install matplotlib)")
    else:
        os.makedirs(args.out_dir, exist_ok=True)
        plot(os.path.join(args.out_dir, "transfer.png"), results, curves, first)
        print(f"pictures in {args.out_dir}")
    print(f"done in {time.perf_counter() - start:.1f} s")
    return means


if __name__ == "__main__":
    main()
