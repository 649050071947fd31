"""DistributedSampler: each rank of a data-parallel job reads its own share of a data set."""

import math

from numtorch.utils.data.sampler import Sampler

__all__ = ["DistributedSampler"]


class DistributedSampler(Sampler):
    """Rank ``rank`` of ``num_replicas`` reads indices ``rank, rank + num_replicas, ...`` of a
    (shuffled, with ``shuffle``) order of the data set, as PyTorch's sampler does:

        order   = randperm(len, seed = seed + epoch)  if shuffle  else  0, 1, ..., len - 1
        total   = num_replicas * ceil(len / num_replicas)        (drop_last: floor)
        order   = order padded by repeating its start up to ``total``   (drop_last: cut)
        indices = order[rank : total : num_replicas]

    Every rank gets the same number of samples (so every rank runs the same number of steps).
    Call ``set_epoch(epoch)`` before each epoch for a new order; every rank must use the same
    ``seed``. The shuffled orders are numtorch's (its generator is not PyTorch's); the
    partition of a given order is PyTorch's exactly."""

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0,
                 drop_last=False):
        if num_replicas is None or rank is None:
            from numtorch import distributed as dist

            if not dist.is_available():
                raise RuntimeError("Requires distributed package to be available")
            num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
            rank = dist.get_rank() if rank is None else rank
        if num_replicas < 1:
            raise ValueError(f"num_replicas must be at least 1, got {num_replicas}")
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, "
                             f"{num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            from numtorch._random import Generator, randperm

            g = Generator().manual_seed(self.seed + self.epoch)
            indices = randperm(n, generator=g).tolist()
        else:
            indices = list(range(n))
        if not self.drop_last:
            padding = self.total_size - len(indices)
            if padding <= len(indices):
                indices += indices[:padding]
            else:
                indices += (indices * math.ceil(padding / len(indices)))[:padding]
        else:
            indices = indices[:self.total_size]
        assert len(indices) == self.total_size
        indices = indices[self.rank:self.total_size:self.num_replicas]
        assert len(indices) == self.num_samples
        return iter(indices)

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Use the order of ``epoch`` (``seed + epoch`` seeds the shuffle)."""
        self.epoch = epoch
