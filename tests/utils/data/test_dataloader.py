"""DataLoader: batch order and content with and without workers, reproducibility, worker
errors and deaths, clean shutdown."""

import multiprocessing
import os
import time

import numpy as np
import pytest

import numtorch
from numtorch.utils.data import DataLoader, Dataset, IterableDataset, TensorDataset, get_worker_info


class Indexed(Dataset):
    """Sample i is (i, a random number drawn from numtorch's generator in the fetching process,
    the worker id or -1)."""

    def __init__(self, n):
        self.n = n

    def __getitem__(self, i):
        info = get_worker_info()
        return i, numtorch.rand(1).item(), -1 if info is None else info.id

    def __len__(self):
        return self.n


class Failing(Dataset):
    def __getitem__(self, i):
        if i == 5:
            raise ValueError(f"bad sample {i}")
        return i

    def __len__(self):
        return 10


class Dying(Dataset):
    def __getitem__(self, i):
        if i == 3:
            os._exit(1)
        return i

    def __len__(self):
        return 10


class Slow(Dataset):
    def __getitem__(self, i):
        time.sleep(3)
        return i

    def __len__(self):
        return 4


class Sharded(IterableDataset):
    """Each worker yields its share of range(n)."""

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        if info is None:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))

    def __len__(self):
        return self.n


def _no_children():
    deadline = time.time() + 5
    while multiprocessing.active_children() and time.time() < deadline:
        time.sleep(0.05)
    return not multiprocessing.active_children()


def test_batches_without_shuffle():
    ds = TensorDataset(numtorch.arange(10).float(), numtorch.arange(10))
    dl = DataLoader(ds, batch_size=4)
    batches = list(dl)
    assert len(dl) == 3 and len(batches) == 3
    assert batches[0][1].tolist() == [0, 1, 2, 3] and batches[-1][1].tolist() == [8, 9]
    assert len(DataLoader(ds, batch_size=4, drop_last=True)) == 2
    assert [b[1].tolist() for b in DataLoader(ds, batch_size=4, drop_last=True)][-1] == [4, 5,
                                                                                         6, 7]


def test_batch_size_none_gives_samples():
    dl = DataLoader(TensorDataset(numtorch.arange(3)), batch_size=None)
    assert [x[0].item() for x in dl] == [0, 1, 2]


@pytest.mark.parametrize("workers", [0, 2])
def test_same_order_whatever_num_workers(workers):
    ds = TensorDataset(numtorch.arange(23))
    ref = [b[0].tolist() for b in DataLoader(ds, batch_size=5, shuffle=True,
                                             generator=numtorch.Generator().manual_seed(7))]
    got = [b[0].tolist() for b in DataLoader(ds, batch_size=5, shuffle=True,
                                             num_workers=workers,
                                             generator=numtorch.Generator().manual_seed(7))]
    assert got == ref
    assert sorted(sum(got, [])) == list(range(23))
    assert _no_children()


def test_workers_are_seeded_reproducibly():
    def run():
        dl = DataLoader(Indexed(12), batch_size=3, num_workers=2,
                        generator=numtorch.Generator().manual_seed(1))
        return [(b[0].tolist(), b[1].tolist(), b[2].tolist()) for b in dl]

    a, b = run(), run()
    assert a == b
    assert {w for batch in a for w in batch[2]} == {0, 1}
    # the two workers draw different random streams
    draws = [d for batch in a for d in batch[1]]
    assert len(set(draws)) == len(draws)
    assert _no_children()


def test_worker_init_fn_receives_worker_id():
    seen = multiprocessing.get_context().Queue()

    def init(worker_id):
        seen.put((worker_id, get_worker_info().num_workers, get_worker_info().seed))

    list(DataLoader(Indexed(4), batch_size=2, num_workers=2, worker_init_fn=init,
                    generator=numtorch.Generator().manual_seed(0)))
    got = sorted(seen.get(timeout=5) for _ in range(2))
    assert [g[:2] for g in got] == [(0, 2), (1, 2)]
    assert got[1][2] == got[0][2] + 1  # seed = base seed + worker id


def test_worker_exception_reraises_with_traceback():
    dl = DataLoader(Failing(), batch_size=2, num_workers=2)
    with pytest.raises(ValueError) as exc:
        list(dl)
    msg = str(exc.value)
    assert "Caught ValueError in DataLoader worker process" in msg
    assert "bad sample 5" in msg and "Traceback" in msg
    assert _no_children()


def test_main_process_exception_propagates_unchanged():
    with pytest.raises(ValueError, match="bad sample 5"):
        list(DataLoader(Failing(), batch_size=2))


def test_dead_worker_raises_instead_of_hanging():
    with pytest.raises(RuntimeError, match="exited unexpectedly"):
        list(DataLoader(Dying(), batch_size=1, num_workers=2))
    assert _no_children()


def test_timeout():
    with pytest.raises(RuntimeError, match="timed out"):
        list(DataLoader(Slow(), batch_size=1, num_workers=1, timeout=0.5))
    assert _no_children()


def test_deleting_iterator_mid_epoch_stops_workers():
    dl = DataLoader(Indexed(40), batch_size=2, num_workers=2)
    it = iter(dl)
    next(it)
    assert len(multiprocessing.active_children()) == 2
    del it
    assert _no_children()


def test_keyboard_interrupt_in_loop_stops_workers():
    dl = DataLoader(Indexed(40), batch_size=2, num_workers=2)
    with pytest.raises(KeyboardInterrupt):
        for i, _ in enumerate(dl):
            if i == 2:
                raise KeyboardInterrupt
    import gc

    gc.collect()
    assert _no_children()


def test_persistent_workers_reuse_processes():
    dl = DataLoader(Indexed(6), batch_size=2, num_workers=2, persistent_workers=True)
    first = [b[0].tolist() for b in dl]
    pids = sorted(p.pid for p in multiprocessing.active_children())
    second = [b[0].tolist() for b in dl]
    assert first == second == [[0, 1], [2, 3], [4, 5]]
    assert sorted(p.pid for p in multiprocessing.active_children()) == pids
    del dl
    import gc

    gc.collect()
    assert _no_children()


@pytest.mark.parametrize("workers", [0, 2])
def test_iterable_dataset(workers):
    dl = DataLoader(Sharded(10), batch_size=3, num_workers=workers)
    got = sorted(x for b in dl for x in b.tolist())
    assert got == list(range(10))
    assert _no_children()


def test_argument_validation():
    ds = TensorDataset(numtorch.arange(4))
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        DataLoader(ds, num_workers=-1)
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(ds, sampler=[0, 1], shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(ds, batch_sampler=[[0, 1]], batch_size=2)
    with pytest.raises(ValueError, match="prefetch_factor option could only be specified"):
        DataLoader(ds, prefetch_factor=2)
    with pytest.raises(ValueError, match="persistent_workers option needs num_workers > 0"):
        DataLoader(ds, persistent_workers=True)


def test_custom_collate_and_batch_sampler():
    ds = TensorDataset(numtorch.arange(6))
    dl = DataLoader(ds, batch_sampler=[[5, 0], [1]], collate_fn=lambda b: [x[0].item()
                                                                           for x in b])
    assert list(dl) == [[5, 0], [1]]
    assert len(dl) == 2


def test_numpy_samples_collate_into_tensors():
    class Arr(Dataset):
        def __getitem__(self, i):
            return np.full((2, 2), i, dtype=np.float32), i

        def __len__(self):
            return 3

    x, y = next(iter(DataLoader(Arr(), batch_size=3)))
    assert isinstance(x, numtorch.Tensor) and x.shape == (3, 2, 2) and y.tolist() == [0, 1, 2]
