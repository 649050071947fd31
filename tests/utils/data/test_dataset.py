"""Datasets, random_split, samplers and default_collate."""

import collections

import numpy as np
import pytest
from parity import requires_torch

import numtorch
from numtorch.utils.data import (
    BatchSampler,
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    StackDataset,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    default_convert,
    random_split,
)


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return i * i

    def __len__(self):
        return self.n


class Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))


def test_tensor_dataset_rows_and_size_check():
    x = numtorch.arange(12).reshape(6, 2)
    y = numtorch.arange(6)
    ds = TensorDataset(x, y)
    assert len(ds) == 6
    xi, yi = ds[4]
    assert xi.tolist() == [8, 9] and yi.item() == 4
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(x, numtorch.arange(5))


def test_concat_subset_and_add():
    a, b = Squares(3), Squares(4)
    c = a + b
    assert isinstance(c, ConcatDataset) and len(c) == 7
    assert [c[i] for i in range(7)] == [0, 1, 4, 0, 1, 4, 9]
    assert c[-1] == 9 and c.cumulative_sizes == [3, 7]
    s = Subset(b, [3, 1])
    assert len(s) == 2 and s[0] == 9 and s[1] == 1


def test_chain_and_stack_datasets():
    assert list(ChainDataset([Stream(2), Stream(3)])) == [0, 1, 0, 1, 2]
    assert list(Stream(2) + Stream(1)) == [0, 1, 0]
    sd = StackDataset(Squares(3), Squares(3))
    assert sd[2] == (4, 4)
    sd = StackDataset(a=Squares(3), b=Squares(3))
    assert sd[1] == {"a": 1, "b": 1}


def test_random_split_lengths_fractions_and_reproducibility():
    ds = Squares(10)
    parts = random_split(ds, [0.5, 0.3, 0.2], generator=numtorch.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [5, 3, 2]
    again = random_split(ds, [5, 3, 2], generator=numtorch.Generator().manual_seed(0))
    assert [list(p.indices) for p in parts] == [list(p.indices) for p in again]
    assert sorted(i for p in parts for i in p.indices) == list(range(10))
    odd = random_split(Squares(11), [0.5, 0.5])
    assert [len(p) for p in odd] == [6, 5]  # the remainder goes to the first subset
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(ds, [3, 3])


def test_samplers():
    ds = Squares(7)
    assert list(SequentialSampler(ds)) == list(range(7))
    g = numtorch.Generator().manual_seed(3)
    perm = list(RandomSampler(ds, generator=g))
    assert sorted(perm) == list(range(7))
    g2 = numtorch.Generator().manual_seed(3)
    assert list(RandomSampler(ds, generator=g2)) == perm
    with_repl = list(RandomSampler(ds, replacement=True, num_samples=20))
    assert len(with_repl) == 20 and all(0 <= i < 7 for i in with_repl)
    more = list(RandomSampler(ds, num_samples=10))
    assert len(more) == 10 and sorted(more[:7]) == list(range(7))
    sub = list(SubsetRandomSampler([10, 20, 30]))
    assert sorted(sub) == [10, 20, 30]
    w = list(WeightedRandomSampler([0.0, 0.0, 1.0], 5))
    assert w == [2] * 5
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        WeightedRandomSampler([1.0], 0)
    assert list(BatchSampler(range(7), 3, False)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(BatchSampler(range(7), 3, True)) == [[0, 1, 2], [3, 4, 5]]
    assert len(BatchSampler(range(7), 3, False)) == 3
    assert len(BatchSampler(range(7), 3, True)) == 2
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        BatchSampler(range(3), 0, False)


def test_manual_seed_makes_shuffling_reproducible():
    numtorch.manual_seed(5)
    a = list(RandomSampler(Squares(20)))
    numtorch.manual_seed(5)
    b = list(RandomSampler(Squares(20)))
    assert a == b


Point = collections.namedtuple("Point", "x y")


def test_default_collate_types():
    t = default_collate([numtorch.tensor([1.0, 2.0]), numtorch.tensor([3.0, 4.0])])
    assert t.shape == (2, 2) and t.dtype == numtorch.float32
    a = default_collate([np.zeros((2, 3), np.uint8), np.ones((2, 3), np.uint8)])
    assert isinstance(a, numtorch.Tensor) and a.shape == (2, 2, 3) and a.dtype == numtorch.uint8
    assert default_collate([1.5, 2.5]).dtype == numtorch.float64
    assert default_collate([1, 2]).dtype == numtorch.int64
    assert default_collate([True, False]).dtype == numtorch.bool
    assert default_collate(["a", "b"]) == ["a", "b"]
    d = default_collate([{"x": 1, "y": [1.0, 2.0]}, {"x": 2, "y": [3.0, 4.0]}])
    assert d["x"].tolist() == [1, 2]
    assert [v.tolist() for v in d["y"]] == [[1.0, 3.0], [2.0, 4.0]]
    p = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert isinstance(p, Point) and p.x.tolist() == [1, 3]
    pair = default_collate([(numtorch.zeros(2), 0), (numtorch.ones(2), 1)])
    assert isinstance(pair, list) and pair[0].shape == (2, 2) and pair[1].tolist() == [0, 1]
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        default_collate([numtorch.zeros(2), numtorch.zeros(3)])
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal"):
        default_collate([[1, 2], [1]])
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate([object(), object()])


def test_default_convert():
    out = default_convert((np.arange(3), "s", {"k": np.ones(2)}))
    assert isinstance(out, list) and isinstance(out[0], numtorch.Tensor)
    assert out[1] == "s" and isinstance(out[2]["k"], numtorch.Tensor)


@requires_torch
def test_default_collate_matches_torch():
    from torch.utils.data import default_collate as th_collate

    samples = [(np.arange(3, dtype=np.float32) + i, i, float(i), {"a": i}) for i in range(4)]
    ours = default_collate(samples)
    theirs = th_collate(samples)
    assert len(ours) == len(theirs)
    for a, b in zip(ours[:3], theirs[:3]):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
        assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
    assert ours[3]["a"].tolist() == theirs[3]["a"].tolist()
