"""Collectives on tensors and point-to-point messages, in place on the tensors' arrays.

Each call checks its arguments with every rank (``_agree``), starts one MPI nonblocking
operation on the tensors' NumPy arrays (copies only for non-contiguous views, float16 and
bool), and returns a ``Work`` (``async_op=True``) or waits for it; the results are written into
the output tensors when the work completes.
"""

import numpy as np

from numtorch.distributed._mpi import Work, as_buffer, mpi
from numtorch.distributed.distributed_c10d import (
                                                   RedOpType,
                                                   ReduceOp,
                                                   _agree,
                                                   _array,
                                                   _check_list,
                                                   _check_timeout,
                                                   _group,
                                                   _mpi_op,
                                                   _root,
                                                   _run,
                                                   _store,
)

__all__ = [
    "all_reduce", "reduce", "broadcast", "all_gather", "all_gather_into_tensor", "gather",
    "scatter", "reduce_scatter", "reduce_scatter_tensor", "barrier", "monitored_barrier",
    "all_to_all", "all_to_all_single", "send", "recv", "isend", "irecv",
]


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``tensor`` over all ranks of the group, in place on every rank."""
    pg = _group(group)
    if pg is None:
        return None
    arr = _array(tensor, "all_reduce")
    mpi_op, error = _mpi_op(op, arr.dtype)
    _agree(pg, "all_reduce", arr, op=int(op), error=error)
    buf, same = as_buffer(arr)
    req = pg._comm.Iallreduce(mpi().IN_PLACE, buf, mpi_op)

    def finish():
        if op == RedOpType.AVG:
            buf[...] /= pg.size()
        _store(tensor, buf, same)

    return _run(pg, "all_reduce", [req], finish, [tensor], async_op)


def reduce(tensor, dst=None, op=ReduceOp.SUM, group=None, async_op=False, group_dst=None):
    """Reduce ``tensor`` over the group into ``dst``'s tensor (the others are left as they
    were)."""
    pg = _group(group)
    if pg is None:
        return None
    arr = _array(tensor, "reduce")
    root = _root(pg, dst, group_dst, "dst")
    mpi_op, error = _mpi_op(op, arr.dtype)
    _agree(pg, "reduce", arr, root=root, op=int(op), error=error)
    buf, same = as_buffer(arr)
    MPI = mpi()
    is_root = pg.rank() == root
    if is_root:
        req = pg._comm.Ireduce(MPI.IN_PLACE, buf, mpi_op, root)
    else:
        req = pg._comm.Ireduce(buf, None, mpi_op, root)

    def finish():
        if is_root:
            if op == RedOpType.AVG:
                buf[...] /= pg.size()
            _store(tensor, buf, same)

    return _run(pg, "reduce", [req], finish, [tensor], async_op)


def broadcast(tensor, src=None, group=None, async_op=False, group_src=None):
    """Copy ``src``'s tensor into every rank's tensor."""
    pg = _group(group)
    if pg is None:
        return None
    arr = _array(tensor, "broadcast")
    root = _root(pg, src, group_src, "src")
    _agree(pg, "broadcast", arr, root=root)
    buf, same = as_buffer(arr)
    req = pg._comm.Ibcast(buf, root)
    is_root = pg.rank() == root

    def finish():
        if not is_root:
            _store(tensor, buf, same)

    return _run(pg, "broadcast", [req], finish, [tensor], async_op)


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """``tensor_list[i]`` receives rank ``i``'s tensor, on every rank."""
    pg = _group(group)
    if pg is None:
        return None
    arr = _array(tensor, "all_gather")
    error = _check_list("all_gather", "tensor_list", tensor_list, pg.size(), arr)
    _agree(pg, "all_gather", arr, error=error)
    send, _ = as_buffer(arr)
    recv = np.empty((pg.size(),) + send.shape, dtype=send.dtype)
    req = pg._comm.Iallgather(send, recv)

    def finish():
        for t, part in zip(tensor_list, recv):
            _store(t, part, False)

    return _run(pg, "all_gather", [req], finish, list(tensor_list), async_op)


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """Rank ``i``'s input fills the ``i``-th slice of ``output_tensor``, shaped
    ``(world_size * n, ...)`` (concatenated) or ``(world_size, n, ...)`` (stacked)."""
    pg = _group(group)
    if pg is None:
        return None
    arr = _array(input_tensor, "all_gather_into_tensor", "input_tensor")
    out = _array(output_tensor, "all_gather_into_tensor", "output_tensor")
    n = pg.size()
    error = _check_gathered("all_gather_into_tensor", out, arr, n)
    _agree(pg, "all_gather_into_tensor", arr, error=error)
    send, _ = as_buffer(arr)
    recv, same = as_buffer(out)
    req = pg._comm.Iallgather(send, recv.reshape(n, -1))
    return _run(pg, "all_gather_into_tensor", [req], lambda: _store(output_tensor, recv, same),
                [output_tensor], async_op)


def _check_gathered(what, big, small, n):
    concat = (small.shape[0] * n,) + small.shape[1:] if small.ndim else (n,)
    if big.dtype != small.dtype:
        return TypeError(f"{what}: the output and input dtypes differ ({big.dtype} vs "
                         f"{small.dtype})")
    if big.shape not in (concat, (n,) + small.shape):
        return ValueError(f"{what}: the output tensor must be world_size ({n}) times the input "
                          f"tensor: {list(concat)} or {[n, *small.shape]}, got "
                          f"{list(big.shape)}")
    return None


def gather(tensor, gather_list=None, dst=None, group=None, async_op=False, group_dst=None):
    """``dst``'s ``gather_list[i]`` receives rank ``i``'s tensor."""
    pg = _group(group)
    if pg is None:
        return None
    arr = _array(tensor, "gather")
    root = _root(pg, dst, group_dst, "dst")
    is_root = pg.rank() == root
    error = None
    if is_root:
        error = _check_list("gather", "gather_list", gather_list, pg.size(), arr)
    elif gather_list:
        error = ValueError("gather: Argument ``gather_list`` must NOT be specified on "
                           "non-destination ranks.")
    _agree(pg, "gather", arr, root=root, error=error)
    send, _ = as_buffer(arr)
    recv = np.empty((pg.size(),) + send.shape, dtype=send.dtype) if is_root else None
    req = pg._comm.Igather(send, recv, root)

    def finish():
        if is_root:
            for t, part in zip(gather_list, recv):
                _store(t, part, False)

    return _run(pg, "gather", [req], finish, list(gather_list or []), async_op)


def scatter(tensor, scatter_list=None, src=None, group=None, async_op=False, group_src=None):
    """Rank ``i``'s tensor receives ``src``'s ``scatter_list[i]``."""
    pg = _group(group)
    if pg is None:
        return None
    arr = _array(tensor, "scatter")
    root = _root(pg, src, group_src, "src")
    is_root = pg.rank() == root
    error = None
    if is_root:
        error = _check_list("scatter", "scatter_list", scatter_list, pg.size(), arr)
    elif scatter_list:
        error = ValueError("scatter: Argument ``scatter_list`` must NOT be specified on "
                           "non-source ranks.")
    _agree(pg, "scatter", arr, root=root, error=error)
    buf, same = as_buffer(arr)
    send = np.stack([as_buffer(t._data)[0] for t in scatter_list]) if is_root else None
    req = pg._comm.Iscatter(send, buf, root)
    return _run(pg, "scatter", [req], lambda: _store(tensor, buf, same), [tensor], async_op)


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    """Rank ``i``'s ``output`` receives the reduction over ranks of their ``input_list[i]``."""
    pg = _group(group)
    if pg is None:
        return None
    arr = _array(output, "reduce_scatter", "output")
    mpi_op, error = _mpi_op(op, arr.dtype)
    error = error or _check_list("reduce_scatter", "input_list", input_list, pg.size(), arr)
    _agree(pg, "reduce_scatter", arr, op=int(op), error=error)
    send = np.stack([as_buffer(t._data)[0] for t in input_list])
    return _reduce_scatter(pg, "reduce_scatter", output, arr, send, op, mpi_op, async_op)


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op=False):
    """Like ``reduce_scatter`` with the inputs as one tensor of ``world_size`` slices
    (concatenated along dim 0, or stacked)."""
    pg = _group(group)
    if pg is None:
        return None
    arr = _array(output, "reduce_scatter_tensor", "output")
    big = _array(input, "reduce_scatter_tensor", "input")
    mpi_op, error = _mpi_op(op, arr.dtype)
    error = error or _check_gathered("reduce_scatter_tensor", big, arr, pg.size())
    _agree(pg, "reduce_scatter_tensor", arr, op=int(op), error=error)
    send, _ = as_buffer(big)
    return _reduce_scatter(pg, "reduce_scatter_tensor", output, arr, send, op, mpi_op,
                           async_op)


def _reduce_scatter(pg, what, output, arr, send, op, mpi_op, async_op):
    buf, same = as_buffer(arr)
    req = pg._comm.Ireduce_scatter_block(send.reshape(pg.size(), -1), buf, mpi_op)

    def finish():
        if op == RedOpType.AVG:
            buf[...] /= pg.size()
        _store(output, buf, same)

    return _run(pg, what, [req], finish, [output], async_op)


def barrier(group=None, async_op=False, device_ids=None, timeout=None):
    """Wait until every rank of the group reached the barrier."""
    pg = _group(group)
    if pg is None:
        return None
    if async_op:
        return Work([pg._comm.Ibarrier()], pg, "barrier")
    # The signature allgather needs every rank's entry: it is the barrier (and it also
    # catches a rank that called another collective).
    _agree(pg, "barrier", timeout=None if timeout is None else _check_timeout(timeout))
    return None


def monitored_barrier(group=None, timeout=None, wait_all_ranks=False):
    """A barrier that raises when a rank does not arrive within ``timeout`` (every barrier of
    numtorch does)."""
    return barrier(group, timeout=timeout)


def all_to_all_single(output, input, output_split_sizes=None, input_split_sizes=None,
                      group=None, async_op=False):
    """Rank ``i``'s ``input`` is split along dim 0 (evenly, or by ``input_split_sizes``); its
    ``j``-th part goes to rank ``j``, which stores the parts it receives, in rank order, in
    ``output``."""
    pg = _group(group)
    if pg is None:
        return None
    arr = _array(input, "all_to_all_single", "input")
    out = _array(output, "all_to_all_single", "output")
    n = pg.size()
    row = int(np.prod(arr.shape[1:], dtype=np.int64)) if arr.ndim else 1
    error = None
    if out.dtype != arr.dtype:
        error = TypeError(f"all_to_all_single: output and input dtypes differ ({out.dtype} vs "
                          f"{arr.dtype})")
    even = output_split_sizes is None and input_split_sizes is None
    if even:
        send_counts = [arr.size // n] * n
        recv_counts = [out.size // n] * n
        if error is None and (arr.ndim == 0 or arr.shape[0] % n or out.shape != arr.shape):
            error = ValueError(f"all_to_all_single: without split sizes the input's first "
                               f"dimension must divide by the world size ({n}) and the output "
                               f"must be shaped like the input; got input {list(arr.shape)}, "
                               f"output {list(out.shape)}")
    else:
        ins = list(input_split_sizes or [arr.shape[0] // n] * n)
        outs = list(output_split_sizes or [out.shape[0] // n] * n)
        send_counts = [int(k) * row for k in ins]
        recv_counts = [int(k) * row for k in outs]
        if error is None and (len(ins) != n or len(outs) != n or sum(ins) != arr.shape[0]
                              or sum(outs) != out.shape[0]):
            error = ValueError(f"all_to_all_single: split sizes must have {n} entries summing "
                               f"to the first dimensions ({arr.shape[0]} input, "
                               f"{out.shape[0]} output); got {ins} and {outs}")
    # Shapes may differ across ranks here: check the call, not the tensors.
    _agree(pg, "all_to_all_single", error=error)
    return _alltoallv(pg, "all_to_all_single", [arr], send_counts, [output], recv_counts,
                      async_op)


def all_to_all(output_tensor_list, input_tensor_list, group=None, async_op=False):
    """Rank ``i``'s ``input_tensor_list[j]`` goes to rank ``j``'s ``output_tensor_list[i]``."""
    from numtorch._tensor import Tensor

    pg = _group(group)
    if pg is None:
        return None
    n = pg.size()
    error = None
    for name, tensors in (("output_tensor_list", output_tensor_list),
                          ("input_tensor_list", input_tensor_list)):
        if not isinstance(tensors, (list, tuple)) or len(tensors) != n or \
                not all(isinstance(t, Tensor) for t in tensors):
            error = error or ValueError(f"all_to_all: {name} must be a list of {n} tensors")
    if error is None and len({t._data.dtype for t in [*output_tensor_list,
                                                       *input_tensor_list]}) > 1:
        error = TypeError("all_to_all: all tensors must have the same dtype")
    _agree(pg, "all_to_all", error=error)
    return _alltoallv(pg, "all_to_all", [t._data for t in input_tensor_list],
                      [t._data.size for t in input_tensor_list], list(output_tensor_list),
                      [t._data.size for t in output_tensor_list], async_op)


def _alltoallv(pg, what, inputs, send_counts, outputs, recv_counts, async_op):
    send = np.concatenate([as_buffer(a)[0].ravel() for a in inputs])
    recv = np.empty(sum(recv_counts), dtype=send.dtype)
    sdispl = [int(d) for d in np.cumsum([0] + send_counts[:-1])]
    rdispl = [int(d) for d in np.cumsum([0] + recv_counts[:-1])]
    req = pg._comm.Ialltoallv([send, (send_counts, sdispl)], [recv, (recv_counts, rdispl)])

    def finish():
        if len(outputs) == 1:
            _store(outputs[0], recv, False)
            return
        start = 0
        for t, k in zip(outputs, recv_counts):
            _store(t, recv[start:start + k], False)
            start += k

    return _run(pg, what, [req], finish, outputs, async_op)


# ---------------------------------------------------------------------- point to point
def _p2p_peer(pg, rank, group_rank, what, name):
    peer = _root(pg, rank, group_rank, name)
    if peer == pg.rank():
        raise ValueError(f"Invalid {'destination' if name == 'dst' else 'source'} rank: should "
                         "not be the same as the rank of the current process.")
    return peer


def isend(tensor, dst=None, group=None, tag=0, group_dst=None):
    """Start sending ``tensor`` to ``dst``; returns a Work."""
    pg = _group(group)
    if pg is None:
        return None
    peer = _p2p_peer(pg, dst, group_dst, "isend", "dst")
    buf, _ = as_buffer(_array(tensor, "send"))
    if buf is tensor._data:
        buf = buf.copy()  # the caller may change the tensor before the send completes
    return Work([pg._comm.Isend(buf, peer, tag)], pg, f"send to rank {pg._ranks[peer]}")


def irecv(tensor, src=None, group=None, tag=0, group_src=None):
    """Start receiving into ``tensor`` from ``src`` (any rank when None); returns a Work whose
    ``source_rank()`` names the sender."""
    pg = _group(group)
    if pg is None:
        return None
    MPI = mpi()
    if src is None and group_src is None:
        peer = MPI.ANY_SOURCE
    else:
        peer = _p2p_peer(pg, src, group_src, "irecv", "src")
    buf, same = as_buffer(_array(tensor, "recv"))
    status = MPI.Status()
    req = pg._comm.Irecv(buf, peer, tag)
    who = "any rank" if peer == MPI.ANY_SOURCE else f"rank {pg._ranks[peer]}"

    def finish():
        got = status.Get_count(MPI.BYTE)
        if got != buf.nbytes:
            raise RuntimeError(f"recv: expected {buf.nbytes} bytes for a tensor of shape "
                               f"{list(tensor._data.shape)} but the message from rank "
                               f"{pg._ranks[status.Get_source()]} had {got}")
        _store(tensor, buf, same)
        return pg._ranks[status.Get_source()]

    return Work([req], pg, f"recv from {who}", finish, [tensor], statuses=[status])


def send(tensor, dst=None, group=None, tag=0, group_dst=None):
    """Send ``tensor`` to ``dst`` and wait until it was delivered to MPI."""
    work = isend(tensor, dst, group, tag, group_dst)
    if work is not None:
        work.wait()


def recv(tensor, src=None, group=None, tag=0, group_src=None):
    """Receive into ``tensor``; returns the sender's rank."""
    work = irecv(tensor, src, group, tag, group_src)
    if work is None:
        return -1
    return work.source_rank()
