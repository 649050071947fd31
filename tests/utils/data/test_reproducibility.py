"""Reproducible training with DataLoader workers, PyTorch's worker seeding, and
``use_deterministic_algorithms``.

A seeded training run whose dataset draws from numtorch's generator, Python's ``random`` and
NumPy gives bitwise the same weights in two separate processes, with ``num_workers=0`` and 2,
with and without ``persistent_workers``, with ``generator=`` and with ``worker_init_fn``. Each
worker seeds numtorch with ``base_seed + worker_id`` (``base_seed`` drawn from the loader's
generator), ``random`` likewise and NumPy from both, so no two workers replay one stream,
whatever state the parent process's NumPy generator is in.
"""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import numtorch
from numtorch.utils.data import DataLoader, Dataset, get_worker_info

SCRIPT = textwrap.dedent("""
    import hashlib, random, sys
    import numpy as np
    import numtorch as torch
    from numtorch.utils.data import DataLoader, Dataset, get_worker_info

    class Noisy(Dataset):
        def __init__(self, noisy):
            self.noisy = noisy
        def __len__(self):
            return 48
        def __getitem__(self, i):
            x = torch.arange(4, dtype=torch.float32) * (i % 5)
            if self.noisy:
                x = x + torch.randn(4) * 0.1 + random.random() + float(np.random.rand())
            return x, torch.tensor(float(i % 3))

    def init(worker_id):
        random.seed(get_worker_info().seed + 7)

    def train(noisy, **kw):
        torch.manual_seed(0)
        model = torch.nn.Linear(4, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        loader = DataLoader(Noisy(noisy), batch_size=8, shuffle=True, **kw)
        for _ in range(2):
            for x, y in loader:
                opt.zero_grad()
                ((model(x).squeeze(-1) - y) ** 2).mean().backward()
                opt.step()
        data = b"".join(p.detach().numpy().tobytes() for p in model.parameters())
        return hashlib.sha1(data).hexdigest()[:16]

    np.random.seed(int(sys.argv[1]))  # the parent's NumPy state must not matter
    g = torch.Generator().manual_seed(5)
    configs = [dict(num_workers=0), dict(num_workers=2),
               dict(num_workers=2, persistent_workers=True),
               dict(num_workers=2, generator=g), dict(num_workers=2, worker_init_fn=init)]
    print(" ".join(train(False, **c) for c in configs))
    print(" ".join(train(True, **c) for c in configs[1:]))
""")


@pytest.mark.skipif(sys.platform == "win32", reason="fork-based workers")
def test_seeded_training_is_bitwise_reproducible_across_processes(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [os.path.dirname(os.path.dirname(numtorch.__file__)), os.environ.get("PYTHONPATH", "")]))
    runs = [subprocess.run([sys.executable, str(script), str(s)], capture_output=True,
                           text=True, env=env, timeout=300, check=True).stdout.split("\n")
            for s in (1, 2)]
    assert runs[0] == runs[1]
    plain = runs[0][0].split()
    # without randomness in the data, workers change nothing: the shuffling comes from the
    # same stream. (generator= is another stream; persistent workers, as in PyTorch, draw no
    # new base seed for the second epoch, so its shuffling differs.)
    assert plain[0] == plain[1] == plain[4]
    assert len({plain[0], plain[2], plain[3]}) == 3


class _Draws(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        import random

        info = get_worker_info()
        return (numtorch.rand(1).item(), random.random(), float(np.random.rand()),
                info.id, info.seed)


def _draws(**kw):
    loader = DataLoader(_Draws(), batch_size=1, num_workers=2, **kw)
    return [tuple(v.item() if hasattr(v, "item") else v for v in b) for b in loader]


def test_workers_are_seeded_like_pytorch_and_never_share_a_stream():
    g = numtorch.Generator().manual_seed(11)
    first = _draws(generator=g)
    g2 = numtorch.Generator().manual_seed(11)
    np.random.seed(123)  # the parent's NumPy state does not reach the workers' streams
    assert _draws(generator=g2) == first
    by_worker = {}
    for numtorch_draw, py_draw, np_draw, wid, seed in first:
        by_worker.setdefault(wid, []).append((numtorch_draw, py_draw, np_draw, seed))
    assert sorted(by_worker) == [0, 1]
    seeds = {wid: {d[3] for d in draws} for wid, draws in by_worker.items()}
    assert len(seeds[0]) == len(seeds[1]) == 1
    assert seeds[1].pop() == seeds[0].pop() + 1  # base_seed + worker_id
    # no value of any of the three streams is replayed by the other worker
    for k in range(3):
        assert not {d[k] for d in by_worker[0]} & {d[k] for d in by_worker[1]}


def test_base_seed_comes_from_the_loaders_generator():
    a = _draws(generator=numtorch.Generator().manual_seed(1))
    b = _draws(generator=numtorch.Generator().manual_seed(2))
    assert {d[4] for d in a}.isdisjoint({d[4] for d in b})


def test_use_deterministic_algorithms():
    assert numtorch.are_deterministic_algorithms_enabled() is False
    with pytest.raises(TypeError, match="must be bool, not int"):
        numtorch.use_deterministic_algorithms(1)
    numtorch.use_deterministic_algorithms(True, warn_only=True)
    try:
        assert numtorch.are_deterministic_algorithms_enabled()
        assert numtorch.is_deterministic_algorithms_warn_only_enabled()
        # PyTorch's CPU effect: "uninitialized" memory is filled, NaN / the largest value
        assert np.isnan(numtorch.empty(3).numpy()).all()
        assert (numtorch.empty(2, dtype=numtorch.int64).numpy() == 2 ** 63 - 1).all()
        assert np.isnan(numtorch.empty_like(numtorch.ones(2)).numpy()).all()
        assert np.isnan(numtorch.ones(2).new_empty(2).numpy()).all()
    finally:
        numtorch.use_deterministic_algorithms(False)
    assert not numtorch.empty(2).numpy().any()


def test_use_deterministic_algorithms_matches_pytorch():
    torch = pytest.importorskip("torch")
    for lib in (numtorch, torch):
        lib.use_deterministic_algorithms(True)
    try:
        for dt in ("float32", "int32", "bool"):
            a = numtorch.empty(2, dtype=getattr(numtorch, dt)).numpy()
            b = torch.empty(2, dtype=getattr(torch, dt)).numpy()
            np.testing.assert_array_equal(a, b)
    finally:
        for lib in (numtorch, torch):
            lib.use_deterministic_algorithms(False)
