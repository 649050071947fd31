"""DistributedSampler: PyTorch's partition, padding and drop_last, epochs."""

import pytest
from parity import requires_torch, torch

from numtorch.utils.data import DistributedSampler

CASES = [(10, 3), (10, 2), (7, 4), (3, 5), (1, 2), (16, 4), (0, 2)]


def _parts(sampler_cls, n, replicas, **kwargs):
    return [list(sampler_cls(range(n), num_replicas=replicas, rank=r, **kwargs))
            for r in range(replicas)]


@requires_torch
@pytest.mark.parametrize("n,replicas", CASES)
@pytest.mark.parametrize("drop_last", [False, True])
def test_partitions_match_torch(n, replicas, drop_last):
    from torch.utils.data.distributed import DistributedSampler as TorchSampler

    ours = _parts(DistributedSampler, n, replicas, shuffle=False, drop_last=drop_last)
    theirs = _parts(TorchSampler, n, replicas, shuffle=False, drop_last=drop_last)
    assert ours == theirs
    for r in range(replicas):
        mine = DistributedSampler(range(n), num_replicas=replicas, rank=r, drop_last=drop_last)
        ref = TorchSampler(range(n), num_replicas=replicas, rank=r, drop_last=drop_last)
        assert len(mine) == len(ref) and mine.total_size == ref.total_size


@pytest.mark.parametrize("n,replicas", CASES)
@pytest.mark.parametrize("drop_last", [False, True])
def test_shuffled_partitions_cover_one_permutation(n, replicas, drop_last):
    parts = _parts(DistributedSampler, n, replicas, shuffle=True, seed=3, drop_last=drop_last)
    sizes = {len(p) for p in parts}
    assert len(sizes) <= 1  # every rank runs the same number of steps
    # interleaving the ranks gives back the order: a permutation, padded or cut
    order = [parts[i % replicas][i // replicas] for i in range(sum(map(len, parts)))]
    if drop_last:
        assert len(set(order)) == len(order) == (n // replicas) * replicas
    elif n:
        assert sorted(set(order)) == list(range(n))
        assert order[n:] == (order[:n] * replicas)[:len(order) - n]


def test_epochs_change_the_order_and_seed_makes_it_reproducible():
    s = DistributedSampler(range(50), num_replicas=2, rank=1, seed=5)
    first = list(s)
    assert list(s) == first
    s.set_epoch(1)
    second = list(s)
    assert second != first and sorted(second) != []
    again = DistributedSampler(range(50), num_replicas=2, rank=1, seed=5)
    again.set_epoch(1)
    assert list(again) == second
    other_seed = DistributedSampler(range(50), num_replicas=2, rank=1, seed=6)
    assert list(other_seed) != first


def test_bad_rank_and_missing_process_group():
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval "
                                         r"\[0, 1\]"):
        DistributedSampler(range(4), num_replicas=2, rank=2)
    with pytest.raises(ValueError, match="Invalid rank -1"):
        DistributedSampler(range(4), num_replicas=2, rank=-1)
    pytest.importorskip("mpi4py")
    with pytest.raises(ValueError, match="not been initialized"):
        DistributedSampler(range(4))


@requires_torch
def test_bad_rank_error_type_matches_torch():
    from torch.utils.data.distributed import DistributedSampler as TorchSampler

    with pytest.raises(ValueError):
        TorchSampler(range(4), num_replicas=2, rank=2)
    assert torch is not None


def test_loader_with_the_sampler():
    from numtorch.utils.data import DataLoader

    loaders = [DataLoader(list(range(9)), batch_size=2,
                          sampler=DistributedSampler(range(9), 2, r, shuffle=False))
               for r in range(2)]
    batches = [[b.tolist() for b in loader] for loader in loaders]
    assert batches == [[[0, 2], [4, 6], [8]], [[1, 3], [5, 7], [0]]]
