"""Transformer training-step benchmark: numtorch against PyTorch, side by side, in one run.

    python benchmarks/bench_transformer.py [--threads N] [--batch 32] [--length 64]
                                           [--repeat R] [--dropout P] [--profile]

One training step = zero_grad, forward of a TransformerEncoderLayer(d_model=128, nhead=4,
dim_feedforward=2048, batch_first=True) followed by a Linear(128, 10) head on the mean over
positions, cross-entropy loss, backward, SGD step (lr 0.01), on a (batch, length, 128) input.
The layer is in training mode (its default dropout 0.1; ``--dropout`` changes it). The same
code builds both libraries, numtorch gets PyTorch's initial weights through
``load_state_dict``, both run with N BLAS / intra-op threads (default 1), and each prints the
median step time; the ratio is numtorch / PyTorch (below 1.0: numtorch is faster). Two more
lines time parts of it: ``F.scaled_dot_product_attention`` forward + backward on
(batch, heads, length, 32), and the layer's ``MultiheadAttention`` forward + backward.
``--profile`` runs numtorch's step under cProfile instead.
"""

import argparse
import platform

import numpy as np
from _timing import paired_median_times  # benchmarks/_timing.py (run as a script)

import numtorch

D_MODEL, NHEAD, CLASSES = 128, 4, 10


class Classifier:
    """An encoder layer and a linear head, built the same way in either library."""

    def __init__(self, lib, dropout):
        self.layer = lib.nn.TransformerEncoderLayer(D_MODEL, NHEAD, dropout=dropout,
                                                    batch_first=True)
        self.head = lib.nn.Linear(D_MODEL, CLASSES)
        self.modules = lib.nn.ModuleList([self.layer, self.head])

    def __call__(self, x):
        return self.head(self.layer(x).mean(1))  # (N, L, E) -> (N, E) -> (N, classes)


def make_step(lib, model, x, y):
    opt = lib.optim.SGD(model.modules.parameters(), lr=0.01)
    loss_fn = lib.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return step


def build_pair(torch, batch, length, dropout):
    torch.manual_seed(0)
    t_model = Classifier(torch, dropout)
    n_model = Classifier(numtorch, dropout)
    n_model.modules.load_state_dict({k: v.detach().numpy()
                                     for k, v in t_model.modules.state_dict().items()})
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, length, D_MODEL)).astype(np.float32)
    y = rng.integers(0, CLASSES, batch)
    t_step = make_step(torch, t_model, torch.tensor(x), torch.tensor(y))
    n_step = make_step(numtorch, n_model, numtorch.tensor(x), numtorch.tensor(y))
    return t_step, n_step


def attention_pair(torch, batch, length):
    shape = (batch, NHEAD, length, D_MODEL // NHEAD)
    arrays = [np.random.default_rng(i).standard_normal(shape).astype(np.float32)
              for i in range(3)]

    def make(lib):
        qkv = [lib.tensor(a, requires_grad=True) for a in arrays]

        def run():
            lib.nn.functional.scaled_dot_product_attention(*qkv).sum().backward()

        return run

    return make(torch), make(numtorch)


def mha_pair(torch, batch, length):
    """Multi-head self-attention alone (need_weights=False, as inside the encoder layer)."""
    x = np.random.default_rng(0).standard_normal((batch, length, D_MODEL)).astype(np.float32)
    torch.manual_seed(0)
    t_mha = torch.nn.MultiheadAttention(D_MODEL, NHEAD, batch_first=True)
    n_mha = numtorch.nn.MultiheadAttention(D_MODEL, NHEAD, batch_first=True)
    n_mha.load_state_dict({k: v.detach().numpy() for k, v in t_mha.state_dict().items()})

    def make(lib, mha):
        xt = lib.tensor(x, requires_grad=True)

        def run():
            mha(xt, xt, xt, need_weights=False)[0].sum().backward()

        return run

    return make(torch, t_mha), make(numtorch, n_mha)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="BLAS / intra-op threads")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--length", type=int, default=64)
    parser.add_argument("--dropout", type=float, default=0.1)
    parser.add_argument("--repeat", type=int, default=9, help="timed steps of each library")
    parser.add_argument("--profile", action="store_true",
                        help="instead of timing, profile numtorch's step (cProfile)")
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    numtorch.set_num_threads(args.threads)
    if args.profile:
        import cProfile
        import pstats

        _, n_step = build_pair(torch, args.batch, args.length, args.dropout)
        n_step()
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(args.repeat):
            n_step()
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(25)
        return None

    print(f"machine: {platform.machine()} {platform.processor() or ''}, python "
          f"{platform.python_version()}, numpy {np.__version__}, torch {torch.__version__}, "
          f"threads {args.threads}, repeat {args.repeat}")
    print(f"{'case':<38} {'torch ms':>10} {'numtorch ms':>12} {'ratio':>7}")
    t_step, n_step = build_pair(torch, args.batch, args.length, 0.0)
    lt, ln = t_step().item(), n_step().item()  # same weights, no dropout: same loss
    if abs(lt - ln) > 1e-3 * max(1.0, abs(lt)):
        raise SystemExit(f"losses differ (torch {lt:.6f}, numtorch {ln:.6f})")
    results = {}
    t_step, n_step = build_pair(torch, args.batch, args.length, args.dropout)
    name = f"encoder layer step, N={args.batch} L={args.length}"
    results[name] = paired_median_times(t_step, n_step, args.repeat)
    t_att, n_att = attention_pair(torch, args.batch, args.length)
    results["sdpa forward + backward"] = paired_median_times(t_att, n_att, args.repeat)
    t_mha, n_mha = mha_pair(torch, args.batch, args.length)
    results["self-attention forward + backward"] = paired_median_times(t_mha, n_mha,
                                                                       args.repeat)
    for name, (t, n) in results.items():
        print(f"{name:<38} {t * 1e3:>10.2f} {n * 1e3:>12.2f} {n / t:>7.2f}")
    return results


if __name__ == "__main__":
    main()
