"""Paths of SGD, momentum, Adagrad, RMSprop and Adam on two 2-D loss surfaces.

    python examples/optimizer_paths.py [--out docs/images/optimizer_paths.png] [--steps N]

Left: an elongated quadratic f(x, y) = x^2 / 20 + y^2 (condition number 20), where plain SGD
zig-zags across the valley and momentum and the adaptive methods do not. Right: the Rosenbrock
function (1 - x)^2 + 100 (y - x^2)^2, a curved valley. Needs matplotlib.
"""

import argparse

import numpy as np

import numtorch

STEPS = {"elongated quadratic": 60, "Rosenbrock": 1000}

SURFACES = {
    "elongated quadratic": (lambda x, y: x ** 2 / 20 + y ** 2, (-9.0, 1.5), (-10, 10, -3, 3)),
    "Rosenbrock": (lambda x, y: (1 - x) ** 2 + 100 * (y - x ** 2) ** 2, (-1.2, 1.0),
                   (-1.5, 1.5, -0.5, 1.5)),
}

OPTIMIZERS = {
    "elongated quadratic": [
        ("SGD", numtorch.optim.SGD, dict(lr=0.9)),
        ("momentum", numtorch.optim.SGD, dict(lr=0.1, momentum=0.9)),
        ("Adagrad", numtorch.optim.Adagrad, dict(lr=1.5)),
        ("RMSprop", numtorch.optim.RMSprop, dict(lr=0.1)),
        ("Adam", numtorch.optim.Adam, dict(lr=0.5)),
    ],
    "Rosenbrock": [
        ("SGD", numtorch.optim.SGD, dict(lr=1.5e-3)),
        ("momentum", numtorch.optim.SGD, dict(lr=3e-4, momentum=0.9)),
        ("Adagrad", numtorch.optim.Adagrad, dict(lr=0.3)),
        ("RMSprop", numtorch.optim.RMSprop, dict(lr=3e-3)),
        ("Adam", numtorch.optim.Adam, dict(lr=0.03)),
    ],
}


def path(f, start, make, kwargs, steps):
    """Run an optimizer from ``start`` and return the visited points, shape (steps + 1, 2)."""
    p = numtorch.tensor(start, requires_grad=True)
    opt = make([p], **kwargs)
    points = [p.detach().numpy().copy()]
    for _ in range(steps):
        opt.zero_grad()
        loss = f(p[0], p[1])
        loss.backward()
        opt.step()
        points.append(p.detach().numpy().copy())
    return np.array(points)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/images/optimizer_paths.png")
    parser.add_argument("--steps", type=int, default=None,
                        help="steps per path (default: 60 on the quadratic, 1000 on Rosenbrock)")
    args = parser.parse_args(argv)
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise SystemExit("this example needs matplotlib: pip install matplotlib") from None

    fig, axes = plt.subplots(1, 2, figsize=(13, 5))
    for ax, (name, (f, start, (x0, x1, y0, y1))) in zip(axes, SURFACES.items()):
        xs, ys = np.meshgrid(np.linspace(x0, x1, 300), np.linspace(y0, y1, 300))
        zs = f(xs, ys)
        ax.contour(xs, ys, np.log1p(zs), levels=30, cmap="Greys", linewidths=0.6)
        steps = args.steps or STEPS[name]
        for label, make, kwargs in OPTIMIZERS[name]:
            pts = path(f, np.array(start, dtype=np.float32), make, kwargs, steps)
            final = f(*pts[-1])
            ax.plot(pts[:, 0], pts[:, 1], marker=".", markersize=2, linewidth=1,
                    label=f"{label} {kwargs} -> f={final:.3g}")
        ax.set_title(f"{name}, {steps} steps from {start}")
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
