"""Collectives on picklable Python objects: each rank's object is pickled into bytes, the
byte counts travel in the call's signature (``_agree``), then the bytes in one MPI
``*v`` collective (variable counts per rank)."""

import pickle

import numpy as np

from numtorch.distributed._mpi import mpi, wait_requests
from numtorch.distributed.distributed_c10d import _agree, _group, _root

__all__ = ["all_gather_object", "broadcast_object_list", "gather_object", "scatter_object_list"]


def _dumps(obj):
    return np.frombuffer(pickle.dumps(obj), dtype=np.uint8)


def _loads(buf):
    return pickle.loads(buf.tobytes())


def all_gather_object(object_list, obj, group=None):
    """``object_list[i]`` receives rank ``i``'s (picklable) ``obj``, on every rank."""
    pg = _group(group)
    if pg is None:
        return None
    data = _dumps(obj)
    error = None
    if not isinstance(object_list, list) or len(object_list) != pg.size():
        error = ValueError(f"all_gather_object: object_list must be a list of world_size "
                           f"({pg.size()}) entries")
    table = _agree(pg, "all_gather_object", payload=data.size, error=error)
    sizes = [int(n) for n in table[:, 4]]
    displs = [int(d) for d in np.cumsum([0] + sizes[:-1])]
    recv = np.empty(sum(sizes), dtype=np.uint8)
    MPI = mpi()
    req = pg._comm.Iallgatherv(data, [recv, sizes, displs, MPI.BYTE])
    wait_requests([req], pg, "all_gather_object")
    for i in range(pg.size()):
        object_list[i] = _loads(recv[displs[i]:displs[i] + sizes[i]])
    return None


def broadcast_object_list(object_list, src=None, group=None, device=None, group_src=None):
    """Every rank's ``object_list`` receives ``src``'s objects (lists of the same length)."""
    pg = _group(group)
    if pg is None:
        return None
    root = _root(pg, src, group_src, "src")
    is_root = pg.rank() == root
    data = _dumps(list(object_list)) if is_root else np.zeros(0, dtype=np.uint8)
    table = _agree(pg, "broadcast_object_list", root=root, payload=data.size)
    if not is_root:
        data = np.empty(int(table[root, 4]), dtype=np.uint8)
    wait_requests([pg._comm.Ibcast(data, root)], pg, "broadcast_object_list")
    if not is_root:
        objects = _loads(data)
        if len(objects) != len(object_list):
            raise ValueError(f"broadcast_object_list: rank {pg._ranks[root]} sent "
                             f"{len(objects)} objects but this rank's list has "
                             f"{len(object_list)}")
        object_list[:] = objects
    return None


def gather_object(obj, object_gather_list=None, dst=None, group=None, group_dst=None):
    """``dst``'s ``object_gather_list[i]`` receives rank ``i``'s ``obj``."""
    pg = _group(group)
    if pg is None:
        return None
    root = _root(pg, dst, group_dst, "dst")
    is_root = pg.rank() == root
    data = _dumps(obj)
    error = None
    if is_root and (not isinstance(object_gather_list, list)
                    or len(object_gather_list) != pg.size()):
        error = ValueError(f"gather_object: object_gather_list must be a list of world_size "
                           f"({pg.size()}) entries on the destination rank")
    elif not is_root and object_gather_list is not None:
        error = ValueError("gather_object: Argument ``object_gather_list`` must NOT be "
                           "specified on non-destination ranks.")
    table = _agree(pg, "gather_object", root=root, payload=data.size, error=error)
    sizes = [int(n) for n in table[:, 4]]
    displs = [int(d) for d in np.cumsum([0] + sizes[:-1])]
    recv = np.empty(sum(sizes), dtype=np.uint8) if is_root else None
    MPI = mpi()
    spec = [recv, sizes, displs, MPI.BYTE] if is_root else None
    wait_requests([pg._comm.Igatherv(data, spec, root)], pg, "gather_object")
    if is_root:
        for i in range(pg.size()):
            object_gather_list[i] = _loads(recv[displs[i]:displs[i] + sizes[i]])
    return None


def scatter_object_list(scatter_object_output_list, scatter_object_input_list=None, src=None,
                        group=None, group_src=None):
    """``scatter_object_output_list[0]`` receives ``src``'s ``scatter_object_input_list[i]``
    on rank ``i``."""
    pg = _group(group)
    if pg is None:
        return None
    root = _root(pg, src, group_src, "src")
    is_root = pg.rank() == root
    error = None
    if not isinstance(scatter_object_output_list, list) or not scatter_object_output_list:
        error = ValueError("scatter_object_list: Expected argument scatter_object_output_list "
                           "to be a list of size at least 1.")
    elif is_root and (not isinstance(scatter_object_input_list, (list, tuple))
                      or len(scatter_object_input_list) != pg.size()):
        error = ValueError(f"scatter_object_list: scatter_object_input_list must hold "
                           f"world_size ({pg.size()}) objects on the source rank")
    _agree(pg, "scatter_object_list", root=root, error=error)
    MPI = mpi()
    size = np.zeros(1, dtype=np.int64)
    if is_root:
        parts = [_dumps(o) for o in scatter_object_input_list]
        sizes = [int(p.size) for p in parts]
        displs = [int(d) for d in np.cumsum([0] + sizes[:-1])]
        send = np.concatenate(parts)
        wait_requests([pg._comm.Iscatter(np.array(sizes, dtype=np.int64), size, root)], pg,
                      "scatter_object_list")
        spec = [send, sizes, displs, MPI.BYTE]
    else:
        wait_requests([pg._comm.Iscatter(None, size, root)], pg, "scatter_object_list")
        spec = None
    data = np.empty(int(size[0]), dtype=np.uint8)
    wait_requests([pg._comm.Iscatterv(spec, data, root)], pg, "scatter_object_list")
    scatter_object_output_list[0] = _loads(data)
    return None
