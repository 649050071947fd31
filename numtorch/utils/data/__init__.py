"""numtorch.utils.data: datasets, samplers, collation and the DataLoader (PyTorch's
``torch.utils.data``)."""

from numtorch.utils.data.collate import default_collate, default_convert
from numtorch.utils.data.dataloader import DataLoader, get_worker_info
from numtorch.utils.data.dataset import (
                                         ChainDataset,
                                         ConcatDataset,
                                         Dataset,
                                         IterableDataset,
                                         StackDataset,
                                         Subset,
                                         TensorDataset,
                                         random_split,
)
from numtorch.utils.data.distributed import DistributedSampler
from numtorch.utils.data.sampler import (
                                         BatchSampler,
                                         RandomSampler,
                                         Sampler,
                                         SequentialSampler,
                                         SubsetRandomSampler,
                                         WeightedRandomSampler,
)

__all__ = [
    "Dataset", "IterableDataset", "TensorDataset", "StackDataset", "ConcatDataset",
    "ChainDataset", "Subset", "random_split", "Sampler", "SequentialSampler", "RandomSampler",
    "SubsetRandomSampler", "WeightedRandomSampler", "BatchSampler", "DataLoader",
    "get_worker_info", "default_collate", "default_convert", "DistributedSampler",
]
