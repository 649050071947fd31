"""numtorch.distributed: PyTorch's ``torch.distributed`` on MPI (``mpi4py``).

Process groups, collectives on tensors (in place, ``async_op=True`` returns a ``Work``), the
pickled-object collectives and point-to-point messages. The "mpi" and "gloo" backends both run
on MPI on the CPU. Launch a script on several processes with
``python -m numtorch.distributed.run --nproc N script.py`` (or ``numtorch run --nproc N``).
Importing this package does not import mpi4py: ``init_process_group`` does.
"""

from numtorch.distributed._mpi import DistBackendError, DistError, Work
from numtorch.distributed.collectives import (
                                              all_gather,
                                              all_gather_into_tensor,
                                              all_reduce,
                                              all_to_all,
                                              all_to_all_single,
                                              barrier,
                                              broadcast,
                                              gather,
                                              irecv,
                                              isend,
                                              monitored_barrier,
                                              recv,
                                              reduce,
                                              reduce_scatter,
                                              reduce_scatter_tensor,
                                              scatter,
                                              send,
)
from numtorch.distributed.distributed_c10d import (
                                                   Backend,
                                                   GroupMember,
                                                   ProcessGroup,
                                                   ReduceOp,
                                                   default_pg_timeout,
                                                   destroy_process_group,
                                                   get_backend,
                                                   get_global_rank,
                                                   get_group_rank,
                                                   get_process_group_ranks,
                                                   get_rank,
                                                   get_world_size,
                                                   group,
                                                   init_process_group,
                                                   is_available,
                                                   is_gloo_available,
                                                   is_initialized,
                                                   is_mpi_available,
                                                   is_nccl_available,
                                                   new_group,
)
from numtorch.distributed.objects import (
                                          all_gather_object,
                                          broadcast_object_list,
                                          gather_object,
                                          scatter_object_list,
)

__all__ = [
    "Backend", "ReduceOp", "ProcessGroup", "GroupMember", "group", "Work",
    "DistError", "DistBackendError", "default_pg_timeout", "is_available", "is_mpi_available",
    "is_gloo_available", "is_nccl_available", "is_initialized", "init_process_group",
    "destroy_process_group", "new_group", "get_rank", "get_world_size", "get_backend",
    "get_process_group_ranks", "get_group_rank", "get_global_rank", "all_reduce", "reduce",
    "broadcast", "all_gather", "all_gather_into_tensor", "gather", "scatter", "reduce_scatter",
    "reduce_scatter_tensor", "barrier", "monitored_barrier", "all_to_all", "all_to_all_single",
    "send", "recv", "isend", "irecv", "all_gather_object",
    "broadcast_object_list", "gather_object", "scatter_object_list",
]
