"""numtorch.distributed's names and signatures are PyTorch's (no processes needed)."""

import inspect

import pytest
from parity import requires_torch

import numtorch.distributed as dist
from numtorch.nn.parallel import DistributedDataParallel
from numtorch.utils.data.distributed import DistributedSampler


def _names(fn):
    return list(inspect.signature(fn).parameters)


@requires_torch
@pytest.mark.parametrize("name", [n for n in dist.__all__
                                  if inspect.isfunction(getattr(dist, n))])
def test_function_signatures_match_torch(name):
    import torch.distributed as tdist

    theirs = [p for p in _names(getattr(tdist, name)) if not p.startswith("_")]
    assert _names(getattr(dist, name)) == theirs


@requires_torch
@pytest.mark.parametrize("ours,path", [(DistributedDataParallel, "nn.parallel"),
                                       (DistributedSampler, "utils.data.distributed")])
def test_class_signatures_are_torchs(ours, path):
    import importlib

    theirs = getattr(importlib.import_module(f"torch.{path}"), ours.__name__)
    mine = _names(ours.__init__)
    # PyTorch's newest releases append options; ours are the same up to there
    assert _names(theirs.__init__)[:len(mine)] == mine


@requires_torch
def test_reduce_ops_and_backend_names():
    import torch.distributed as tdist

    for op in ("SUM", "AVG", "PRODUCT", "MIN", "MAX", "BAND", "BOR", "BXOR"):
        assert int(getattr(dist.ReduceOp, op)) == int(getattr(tdist.ReduceOp, op))
        assert repr(getattr(dist.ReduceOp, op)) == repr(getattr(tdist.ReduceOp, op))
    assert dist.Backend("GLOO") == tdist.Backend("GLOO") == "gloo"
    assert dist.default_pg_timeout == tdist.default_pg_timeout
    assert dist.GroupMember.NON_GROUP_MEMBER == tdist.GroupMember.NON_GROUP_MEMBER


def test_queries_before_init_raise_torchs_error():
    assert not dist.is_initialized() and not dist.is_nccl_available()
    for fn in (dist.get_rank, dist.get_world_size, dist.get_backend, dist.barrier,
               dist.destroy_process_group):
        with pytest.raises(ValueError, match="Default process group has not been initialized"):
            fn()
    assert dist.group.WORLD is None
