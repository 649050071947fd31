"""DistributedDataParallel on 2 MPI processes: replicas stay bitwise equal and follow
single-process SGD on the union of the ranks' batches."""

import pytest

from distributed.launch import launch, script_path


def test_ddp_matches_single_process_sgd_on_the_union():
    modes = ["plain", "view", "no_sync", "unused", "unused_error", "rebuild", "buffers"]
    res = launch(script_path("ddp_script.py"), *modes)
    assert res.returncode == 0, res.stdout + res.stderr
    for r in range(2):
        for mode in ("plain", "view", "no_sync", "unused"):
            assert f"rank {r}: {mode}: bitwise equal across ranks" in res.stdout
            assert f"rank {r}: {mode}: equal to single-process SGD on the union" in res.stdout
        assert f"rank {r}: unused_error: raised" in res.stdout
        assert f"rank {r}: rebuild: buckets follow the gradients' order" in res.stdout
        assert f"rank {r}: buffers: broadcast from rank 0 before the forward" in res.stdout


def test_ddp_constructor_errors_without_a_process_group():
    from numtorch import nn
    from numtorch.nn.parallel import DistributedDataParallel

    with pytest.raises(ValueError, match="not been initialized"):
        DistributedDataParallel(nn.Linear(2, 2))
    with pytest.raises(ValueError, match="device_ids"):
        DistributedDataParallel(nn.Linear(2, 2), device_ids=[0])
