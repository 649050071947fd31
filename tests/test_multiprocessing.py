"""numtorch.multiprocessing: tensors and modules in real shared memory, sent by reference to
other processes (fork and spawn), spawn() and its error reporting, Hogwild training."""

import os

import numpy as np
import pytest

import numtorch
import numtorch.multiprocessing as mp
from numtorch import nn


def _add_rank(rank, t):
    t[rank] += rank + 1


def _fail(rank):
    raise ValueError(f"failure in {rank}")


def _exit(rank):
    os._exit(3)


def _fill_from_queue(q, done):
    t = q.get()
    t.fill_(7.0)
    done.put(t.is_shared())


def _hogwild_worker(rank, model, x, y, steps):
    numtorch.manual_seed(rank)
    opt = numtorch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(steps):
        opt.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        opt.step()


def test_share_memory_moves_values_in_place():
    t = numtorch.arange(6.0).view(2, 3)
    assert not t.is_shared()
    assert t.share_memory_() is t and t.is_shared()
    assert t.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert t.share_memory_() is t  # a second call changes nothing
    assert t[1].is_shared()  # views of shared memory are shared too


def test_module_share_memory_keeps_parameter_identity():
    model = nn.Linear(3, 2)
    params = list(model.parameters())
    before = [p.detach().clone() for p in params]
    assert model.share_memory() is model
    assert all(p is q and p.is_shared() for p, q in zip(model.parameters(), params))
    assert all(numtorch.equal(p, b) for p, b in zip(params, before))


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_processes_write_into_the_parents_tensor(method):
    t = numtorch.zeros(3).share_memory_()
    mp.spawn(_add_rank, args=(t,), nprocs=3, start_method=method)
    assert t.tolist() == [1.0, 2.0, 3.0]


def test_a_shared_tensor_sent_through_a_queue_is_the_same_memory():
    ctx = mp.get_context("spawn")
    q, done = ctx.Queue(), ctx.Queue()
    t = numtorch.zeros(4).share_memory_()
    p = ctx.Process(target=_fill_from_queue, args=(q, done))
    p.start()
    q.put(t)
    assert done.get(timeout=120) is True
    p.join()
    assert p.exitcode == 0 and t.tolist() == [7.0] * 4


def test_unshared_tensors_are_copied():
    t = numtorch.zeros(3)
    mp.spawn(_add_rank, args=(t,), nprocs=2, start_method="fork")
    assert t.tolist() == [0.0, 0.0, 0.0]


def test_spawn_reraises_a_childs_exception_and_exit_code():
    with pytest.raises(mp.ProcessRaisedException, match="failure in 0"):
        mp.spawn(_fail, nprocs=1, start_method="fork")
    with pytest.raises(mp.ProcessExitedException, match="exit code 3") as info:
        mp.spawn(_exit, nprocs=2, start_method="fork")
    assert info.value.exit_code == 3


def test_spawn_without_join_returns_the_context():
    t = numtorch.zeros(2).share_memory_()
    ctx = mp.spawn(_add_rank, args=(t,), nprocs=2, join=False, start_method="fork")
    assert len(ctx.pids()) == 2
    while not ctx.join():
        pass
    assert t.tolist() == [1.0, 2.0]


def test_hogwild_workers_train_one_shared_model():
    numtorch.manual_seed(0)
    x = numtorch.randn(64, 4)
    y = x @ numtorch.tensor([[1.0], [-2.0], [0.5], [3.0]])
    model = nn.Linear(4, 1)
    model.share_memory()
    loss0 = nn.functional.mse_loss(model(x), y).item()
    mp.spawn(_hogwild_worker, args=(model, x, y, 40), nprocs=2, start_method="fork")
    loss1 = nn.functional.mse_loss(model(x), y).item()
    assert loss1 < 0.05 * loss0  # the parent's model was trained by its children
    for p in model.parameters():
        assert p.is_shared()


def test_sharing_strategy():
    assert mp.get_all_sharing_strategies() == {"file_system"}
    assert mp.get_sharing_strategy() == "file_system"
    mp.set_sharing_strategy("file_system")
    with pytest.raises(ValueError, match="file_descriptor"):
        mp.set_sharing_strategy("file_descriptor")


def test_the_block_file_is_removed_when_the_tensor_is_freed():
    import gc

    from numtorch import _shared_memory

    t = numtorch.zeros(5).share_memory_()
    names = list(_shared_memory._created)
    assert names and all(os.path.exists(os.path.join(_shared_memory._DIR, n)) for n in names)
    del t
    gc.collect()
    assert not any(os.path.exists(os.path.join(_shared_memory._DIR, n)) for n in names)


def test_reexports_multiprocessing():
    import multiprocessing

    assert mp.Process is multiprocessing.Process
    assert mp.get_start_method() in multiprocessing.get_all_start_methods()
    assert np.issubdtype(np.asarray(mp.cpu_count()).dtype, np.integer)
