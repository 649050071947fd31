"""numtorch.nn.utils.rnn (numtorch/nn/utils/rnn.py): packing and padding variable-length
sequences, against torch.nn.utils.rnn, with gradients through pack and unpack."""

import numpy as np
import pytest
from parity import check_grad, parity, raises_like, rng

import numtorch
from numtorch.nn.utils.rnn import PackedSequence, invert_permutation


def _utils(lib):
    return lib.nn.utils.rnn


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths,enforce_sorted", [([5, 3, 3, 1], True), ([5, 5, 5, 5], True),
                                                     ([2, 5, 1, 4], False), ([1], True)])
def test_pack_padded_sequence_matches_torch(batch_first, lengths, enforce_sorted):
    n = len(lengths)
    shape = (n, 5, 2) if batch_first else (5, n, 2)
    x = rng(0).standard_normal(shape)

    def fn(lib, x):
        packed = _utils(lib).pack_padded_sequence(x, lengths, batch_first=batch_first,
                                                  enforce_sorted=enforce_sorted)
        assert isinstance(packed, _utils(lib).PackedSequence)
        return packed.data, packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices

    parity(fn, x)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("total_length", [None, 7])
def test_pad_packed_sequence_roundtrip_matches_torch(batch_first, enforce_sorted, total_length):
    lengths = [4, 3, 1] if enforce_sorted else [3, 4, 1]
    x = rng(1).standard_normal((4, 3, 2, 2))  # trailing dims are carried along

    def fn(lib, x):
        utils = _utils(lib)
        packed = utils.pack_padded_sequence(x, lib.tensor(lengths), enforce_sorted=enforce_sorted)
        return utils.pad_packed_sequence(packed, batch_first=batch_first, padding_value=-1.5,
                                         total_length=total_length)

    parity(fn, x)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence_matches_torch(batch_first, padding_side):
    r = rng(2)
    seqs = [r.standard_normal((3, 2)), r.standard_normal((5, 2)), r.standard_normal((1, 2))]
    parity(lambda lib, a, b, c: _utils(lib).pad_sequence(
        [a, b, c], batch_first=batch_first, padding_value=0.5, padding_side=padding_side),
        *seqs)


@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_pack_sequence_and_unpack_matches_torch(enforce_sorted):
    r = rng(3)
    seqs = [r.standard_normal((4, 3)), r.standard_normal((2, 3)), r.standard_normal((2, 3))]
    if not enforce_sorted:
        seqs = seqs[::-1]

    def fn(lib, a, b, c):
        utils = _utils(lib)
        packed = utils.pack_sequence([a, b, c], enforce_sorted=enforce_sorted)
        return (packed.data, packed.batch_sizes) + tuple(utils.unpack_sequence(packed))

    parity(fn, *seqs)


def test_unpad_sequence_matches_torch():
    x = rng(4).standard_normal((4, 3, 2))
    # torch transposes a time-major input in place, which a leaf requiring grad refuses
    parity(lambda lib, x: tuple(_utils(lib).unpad_sequence(x, lib.tensor([4, 1, 3]))), x,
           grad=False)
    parity(lambda lib, x: tuple(_utils(lib).unpad_sequence(x, lib.tensor([2, 3, 1, 2]),
                                                           batch_first=True)), x)


def test_pack_and_pad_gradcheck():
    lengths = [2, 4, 3]

    def fn(lib, x):
        utils = _utils(lib)
        packed = utils.pack_padded_sequence(x, lengths, enforce_sorted=False)
        return utils.pad_packed_sequence(packed, batch_first=True, total_length=5)[0] * 2

    check_grad(fn, rng(5).standard_normal((4, 3, 2)))


def test_packed_sequence_tuple_and_methods():
    packed = numtorch.nn.utils.rnn.pack_sequence([numtorch.randn(3, 2), numtorch.randn(1, 2)])
    data, batch_sizes, sorted_indices, unsorted_indices = packed
    assert batch_sizes.tolist() == [2, 1, 1] and batch_sizes.dtype == numtorch.int64
    assert sorted_indices is None and unsorted_indices is None
    assert packed.double().data.dtype == numtorch.float64
    assert packed.to(numtorch.float64).batch_sizes is packed.batch_sizes
    assert packed.float() is packed and not packed.is_cuda and not packed.is_pinned()
    manual = PackedSequence(data, [2, 1, 1], numtorch.tensor([1, 0]))
    assert manual.unsorted_indices.tolist() == [1, 0]
    assert invert_permutation(numtorch.tensor([2, 0, 1])).tolist() == [1, 2, 0]
    assert invert_permutation(None) is None


def test_utils_namespace():
    import numtorch.nn.utils.rnn as rnn_utils

    assert numtorch.nn.utils.rnn is rnn_utils
    for name in ("PackedSequence", "pack_padded_sequence", "pad_packed_sequence",
                 "pad_sequence", "pack_sequence", "unpad_sequence", "unpack_sequence"):
        assert callable(getattr(rnn_utils, name))


@pytest.mark.parametrize("fn,match", [
    (lambda lib: _utils(lib).pack_padded_sequence(lib.randn(5, 3, 2), [3, 5, 2]),
     r"^`lengths` array must be sorted in decreasing order when `enforce_sorted` is True"),
    (lambda lib: _utils(lib).pack_padded_sequence(lib.randn(5, 3, 2), [2, 5, 0],
                                                  enforce_sorted=False),
     r"^Length of all samples has to be greater than 0, but found an element in 'lengths'"),
    (lambda lib: _utils(lib).pack_padded_sequence(lib.randn(5, 3, 2), [5, 3, 2, 1]),
     r"^Expected `len\(lengths\)` to be equal to batch_size, but got 4 \(batch_size=3\)$"),
    (lambda lib: _utils(lib).pack_padded_sequence(lib.randn(5, 3, 2), lib.tensor([[5, 3, 2]])),
     r"^'lengths' argument should be a 1D CPU int64 tensor, but got 2D cpu Long tensor$"),
    (lambda lib: _utils(lib).pad_packed_sequence(
        _utils(lib).pack_padded_sequence(lib.randn(5, 3, 2), [5, 3, 2]), total_length=3),
     r"^Expected total_length to be at least the length of the longest sequence in input, but "
     r"got total_length=3 and max sequence length being 5$"),
    (lambda lib: _utils(lib).pad_sequence([]), r"^received an empty list of sequences$"),
    (lambda lib: _utils(lib).pad_sequence([lib.randn(3, 2), lib.randn(4, 3)]),
     r"^The size of tensor a \(2\) must match the size of tensor b \(3\) at non-singleton "
     r"dimension 1$"),
    (lambda lib: _utils(lib).pad_sequence([lib.randn(3, 2)], padding_side="mid"),
     r"^Expected padding_side to be one of left or right, but got mid.$"),
])
def test_errors_like_torch(fn, match):
    raises_like(fn, match=match)


def test_length_longer_than_input_raises():
    with pytest.raises(RuntimeError, match="exceeds the sequence dimension"):
        numtorch.nn.utils.rnn.pack_padded_sequence(numtorch.randn(5, 3, 2), [7, 5, 2])


def test_packing_keeps_values():
    x = np.arange(12, dtype=np.float32).reshape(4, 3, 1)  # (T, B, 1): value = 3 t + b
    packed = numtorch.nn.utils.rnn.pack_padded_sequence(numtorch.tensor(x), [4, 2, 1])
    assert packed.data.reshape(-1).tolist() == [0, 1, 2, 3, 4, 6, 9]
