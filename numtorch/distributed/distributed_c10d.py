"""Process groups: PyTorch's ``torch.distributed`` API on MPI, and what every collective shares.

A process group wraps an MPI communicator (a duplicate of ``COMM_WORLD`` for the default group,
a sub-communicator for ``new_group``). The backends "mpi" and "gloo" both name this MPI
transport. The collectives (``collectives.py``, ``objects.py``) go through ``_agree`` first:
one small allgather of a signature (which collective, root, op, dtype, shape) lets every rank
check that all ranks called the same thing with matching tensors; a mismatch, or bad arguments
on any rank, raises on every rank instead of hanging or corrupting data.
"""

import datetime
import enum
import importlib.util
import os

import numpy as np

from numtorch.distributed._mpi import DistBackendError, Work, mpi, wait_requests

__all__ = [
    "Backend", "ReduceOp", "RedOpType", "ProcessGroup", "GroupMember", "group",
    "default_pg_timeout", "is_available", "is_mpi_available", "is_gloo_available",
    "is_nccl_available", "is_initialized", "init_process_group", "destroy_process_group",
    "new_group", "get_rank", "get_world_size", "get_backend", "get_process_group_ranks",
    "get_group_rank", "get_global_rank",
]

default_pg_timeout = datetime.timedelta(minutes=30)

_NOT_INITIALIZED = ("Default process group has not been initialized, please make sure to call "
                    "init_process_group.")


class Backend:
    """Backend names. ``Backend("GLOO")`` is ``"gloo"``; "mpi" and "gloo" run on MPI."""

    UNDEFINED = "undefined"
    GLOO = "gloo"
    NCCL = "nccl"
    UCC = "ucc"
    MPI = "mpi"

    def __new__(cls, name):
        if not isinstance(name, str):
            raise ValueError(f"Backend constructor parameter must be string-ish, but got: "
                             f"{type(name)}")
        return name.lower()


class RedOpType(enum.IntEnum):
    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4
    BAND = 5
    BOR = 6
    BXOR = 7
    PREMUL_SUM = 8


class ReduceOp:
    """Reduction operations of ``all_reduce``, ``reduce`` and ``reduce_scatter``."""

    RedOpType = RedOpType
    SUM = RedOpType.SUM
    AVG = RedOpType.AVG
    PRODUCT = RedOpType.PRODUCT
    MIN = RedOpType.MIN
    MAX = RedOpType.MAX
    BAND = RedOpType.BAND
    BOR = RedOpType.BOR
    BXOR = RedOpType.BXOR
    PREMUL_SUM = RedOpType.PREMUL_SUM


class ProcessGroup:
    """A set of ranks and the MPI communicator connecting them. Group rank ``i`` is global
    rank ``ranks[i]``."""

    def __init__(self, comm, ranks, backend, timeout):
        self._comm = comm
        self._ranks = list(ranks)
        self._backend = backend
        self._timeout = timeout
        self._broken = None
        self.global_rank = self._ranks[comm.Get_rank()]

    @property
    def timeout_seconds(self):
        return self._timeout.total_seconds()

    def rank(self):
        return self._comm.Get_rank()

    def size(self):
        return len(self._ranks)

    def name(self):
        return self._backend

    def __repr__(self):
        return f"<ProcessGroup {self._backend} ranks={self._ranks}>"


class _WorldMeta(type):
    @property
    def WORLD(cls):  # noqa: N802 - PyTorch's name
        return _state["default"]


class GroupMember(metaclass=_WorldMeta):
    """``GroupMember.WORLD`` is the default group; ``new_group`` returns ``NON_GROUP_MEMBER`` on
    ranks outside the group, and collectives on it do nothing."""

    NON_GROUP_MEMBER = -100


class group(GroupMember):  # noqa: N801 - PyTorch's name (dist.group.WORLD)
    pass


_state = {"default": None, "groups": []}


# ---------------------------------------------------------------------- availability
def is_available():
    """True when mpi4py (and so an MPI library) can be imported; MPI is not initialized."""
    try:
        return importlib.util.find_spec("mpi4py") is not None and \
            importlib.util.find_spec("mpi4py.MPI") is not None
    except (ImportError, ValueError):
        return False


def is_mpi_available():
    return is_available()


def is_gloo_available():
    """The "gloo" backend runs on the MPI transport."""
    return is_available()


def is_nccl_available():
    return False


def is_initialized():
    return _state["default"] is not None


# ---------------------------------------------------------------------- init / groups
def _parse_backend(backend):
    if backend is None:
        return Backend.GLOO
    name = str(backend).lower()
    if ":" in name:  # "cpu:gloo,cuda:nccl": the CPU entry
        parts = dict(p.split(":", 1) for p in name.split(",") if ":" in p)
        if "cpu" not in parts:
            raise RuntimeError(f"backend {backend!r} has no CPU entry; numtorch runs on the "
                               "CPU: use backend='gloo' or 'mpi'")
        name = parts["cpu"]
    if name in (Backend.NCCL, Backend.UCC):
        raise RuntimeError(f"the {name} backend needs CUDA GPUs, which numtorch does not use; "
                           "use backend='gloo' or 'mpi' (both run on MPI on the CPU)")
    if name not in (Backend.GLOO, Backend.MPI):
        raise ValueError(f"Invalid backend: '{backend}'; numtorch offers 'gloo' and 'mpi'")
    return name


def _check_timeout(timeout):
    if timeout is None:
        return default_pg_timeout
    if not isinstance(timeout, datetime.timedelta):
        raise TypeError(f"Expected timeout argument to be of type datetime.timedelta, got "
                        f"{type(timeout).__name__}")
    return timeout


def _launch_hint(n):
    return (f"start {n} processes with: python -m numtorch.distributed.run --nproc {n} "
            "script.py (or numtorch run --nproc, or mpiexec -n)")


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1,
                       store=None, group_name="", pg_options=None, device_id=None):
    """Join the default process group. Rank and world size come from the MPI launcher
    (``numtorch run --nproc N``, ``mpiexec``); ``world_size``/``rank`` given here (or as the
    ``WORLD_SIZE``/``RANK`` variables of ``init_method="env://"``) are checked against it.
    ``init_method`` URLs and ``store`` are accepted for compatibility: MPI does the rendezvous.
    Without a launcher the program is a world of one process."""
    if _state["default"] is not None:
        raise ValueError("trying to initialize the default process group twice!")
    name = _parse_backend(backend)
    timeout = _check_timeout(timeout)
    if init_method is not None and not isinstance(init_method, str):
        raise TypeError(f"init_method must be a string, got {type(init_method).__name__}")
    if init_method is not None and "://" not in init_method:
        raise ValueError(f"Invalid init_method {init_method!r}: expected env://, tcp://... or "
                         "file://...")
    MPI = mpi()
    world = MPI.COMM_WORLD
    size, me = world.Get_size(), world.Get_rank()
    checks = [("world_size", world_size, size), ("rank", rank, me)]
    if init_method is None or init_method.startswith("env://"):
        for var, actual in (("WORLD_SIZE", size), ("RANK", me)):
            if os.environ.get(var, "").strip().isdigit():
                checks.append((f"the environment variable {var}", int(os.environ[var]),
                               actual))
    for what, given, actual in checks:
        if given is None or int(given) == -1 or int(given) == actual:
            continue
        if what.endswith("rank") or what.endswith("RANK"):
            raise ValueError(f"init_process_group: {what} is {given} but the MPI launcher made "
                             f"this process rank {actual} of {size}")
        raise ValueError(f"init_process_group: {what} is {given} but the MPI launcher started "
                         f"{size} process(es); {_launch_hint(given)}")
    pg = ProcessGroup(world, list(range(size)), name, timeout)
    try:
        comm, req = world.Idup()
        wait_requests([req], pg, "init_process_group")
    except (AttributeError, NotImplementedError):  # pragma: no cover - MPI without Idup
        comm = world.Dup()
    pg._comm = comm
    _state["default"] = pg
    _state["groups"] = [pg]


def destroy_process_group(group=None):
    """Leave ``group`` (default: all groups, after which ``init_process_group`` may be called
    again). MPI itself stays initialized until the process exits."""
    if group is None:
        if _state["default"] is None:
            raise ValueError(_NOT_INITIALIZED)
        for pg in _state["groups"]:
            _free(pg)
        _state["default"] = None
        _state["groups"] = []
        return
    if group == GroupMember.NON_GROUP_MEMBER:
        return
    _free(group)
    if group in _state["groups"]:
        _state["groups"].remove(group)
    if group is _state["default"]:
        _state["default"] = None


def _free(pg):
    if pg._comm is not None and pg._broken is None:
        pg._comm.Free()
    pg._comm = None


def _default():
    pg = _state["default"]
    if pg is None:
        raise ValueError(_NOT_INITIALIZED)
    return pg


def _group(group):
    """The ProcessGroup to use, or None on a rank outside ``group``."""
    if group is None:
        pg = _default()
    elif isinstance(group, ProcessGroup):
        pg = group
    elif group == GroupMember.NON_GROUP_MEMBER:
        return None
    else:
        raise TypeError(f"group must be a ProcessGroup, got {type(group).__name__}")
    if pg._comm is None:
        raise ValueError("the process group was destroyed (destroy_process_group)")
    if pg._broken is not None:
        raise DistBackendError(f"the process group cannot be used any more: {pg._broken}")
    return pg


def new_group(ranks=None, timeout=None, backend=None, pg_options=None,
              use_local_synchronization=False, group_desc=None, device_id=None,
              sort_ranks=True):
    """A group of some ranks (group rank i is ``ranks[i]``, sorted unless ``sort_ranks`` is
    False). Every rank of the default group calls it (unless ``use_local_synchronization``);
    ranks outside get ``GroupMember.NON_GROUP_MEMBER``."""
    world = _default()
    size = world.size()
    ranks = list(range(size)) if ranks is None else [int(r) for r in ranks]
    if sort_ranks:
        ranks = sorted(ranks)
    for r in ranks:
        if not 0 <= r < size:
            raise ValueError(f"new_group: rank {r} is out of range for a world of size {size}")
    if len(set(ranks)) != len(ranks):
        raise ValueError(f"new_group: duplicate ranks in {ranks}")
    name = world._backend if backend is None else _parse_backend(backend)
    timeout = world._timeout if timeout is None else _check_timeout(timeout)
    mpi_group = world._comm.Get_group().Incl(ranks)
    me = world.global_rank
    try:
        if use_local_synchronization:
            comm = world._comm.Create_group(mpi_group) if me in ranks else None
        else:
            comm = world._comm.Create(mpi_group)
    finally:
        mpi_group.Free()
    if me not in ranks:
        return GroupMember.NON_GROUP_MEMBER
    pg = ProcessGroup(comm, ranks, name, timeout)
    _state["groups"].append(pg)
    return pg


def get_rank(group=None):
    """This process's rank in ``group`` (-1 outside it)."""
    pg = _group(group)
    return -1 if pg is None else pg.rank()


def get_world_size(group=None):
    pg = _group(group)
    return -1 if pg is None else pg.size()


def get_backend(group=None):
    pg = _group(group)
    if pg is None:
        raise ValueError("Invalid process group specified")
    return pg._backend


def get_process_group_ranks(group):
    """The global ranks of ``group``, in group-rank order."""
    return list(_group(group)._ranks)


def get_group_rank(group, global_rank):
    pg = _group(group)
    if global_rank not in pg._ranks:
        raise ValueError(f"Global rank {global_rank} is not part of group {pg}")
    return pg._ranks.index(global_rank)


def get_global_rank(group, group_rank):
    pg = _group(group)
    if not 0 <= group_rank < pg.size():
        raise ValueError(f"Group rank {group_rank} is not part of group {pg}")
    return pg._ranks[group_rank]


def _root(pg, rank, group_rank, what):
    """The group rank of a root given as a global rank (``src``/``dst``) or a group rank."""
    if rank is not None and group_rank is not None:
        raise ValueError(f"Can not specify both {what} and group_{what}")
    if group_rank is not None:
        if not 0 <= group_rank < pg.size():
            raise ValueError(f"group_{what} {group_rank} is out of range for a group of size "
                             f"{pg.size()}")
        return int(group_rank)
    rank = 0 if rank is None else int(rank)
    if rank not in pg._ranks:
        raise ValueError(f"Global rank {rank} is not part of group {pg}")
    return pg._ranks.index(rank)


# ---------------------------------------------------------------------- checks
_CODES = ["", "all_reduce", "reduce", "broadcast", "all_gather", "all_gather_into_tensor",
          "gather", "scatter", "reduce_scatter", "reduce_scatter_tensor", "barrier",
          "all_gather_object", "broadcast_object_list", "gather_object", "scatter_object_list",
          "all_to_all", "all_to_all_single"]
_SIG = 16  # code, bad, root, op, payload, dtype, ndim, 8 dims, numel


def _describe(row):
    if row[6] < 0:
        return "no tensor"
    dt = np.dtype(_DTYPES[int(row[5])]).name if 0 <= row[5] < len(_DTYPES) else "?"
    dims = [int(d) for d in row[7:7 + min(int(row[6]), 8)]]
    more = ", ..." if row[6] > 8 else ""
    return f"{dt} [{', '.join(map(str, dims))}{more}]"


_DTYPES = [np.float32, np.float64, np.float16, np.int64, np.int32, np.int16, np.int8, np.uint8,
           np.bool_]
_DTYPE_INDEX = {np.dtype(d): i for i, d in enumerate(_DTYPES)}


def _agree(pg, what, arr=None, root=-1, op=-1, payload=0, error=None, timeout=None):
    """Collectively check that every rank of ``pg`` called ``what`` with the same root, op,
    tensor dtype and shape: one small allgather. Raises on every rank on a mismatch, and on
    every rank when one of them had bad arguments (``error``, raised there). Returns the
    (size, 16) table of all ranks' signatures."""
    sig = np.full(_SIG, -1, dtype=np.int64)
    sig[0] = _CODES.index(what)
    sig[1] = 1 if error is not None else 0
    sig[2], sig[3], sig[4] = root, op, payload
    if arr is not None:
        sig[5] = _DTYPE_INDEX.get(arr.dtype, 99)
        sig[6] = arr.ndim
        sig[7:7 + min(arr.ndim, 8)] = arr.shape[:8]
        sig[15] = arr.size
    table = np.empty((pg.size(), _SIG), dtype=np.int64)
    wait_requests([pg._comm.Iallgather(sig, table)], pg, what, timeout=timeout)
    if error is not None:
        raise error
    ranks = pg._ranks
    bad = [ranks[i] for i in np.nonzero(table[:, 1])[0]]
    if bad:
        raise RuntimeError(f"{what}: rank(s) {bad} passed invalid arguments (see the error "
                           "there); no data was exchanged")
    if (table[:, 0] != table[0, 0]).any():
        calls = ", ".join(f"rank {ranks[i]} {_CODES[int(c)]}" for i, c in enumerate(table[:, 0]))
        raise RuntimeError(f"the ranks called different collectives at the same time: {calls}")
    for col, name in ((2, "the root rank (src/dst)"), (3, "the reduce op")):
        if (table[:, col] != table[0, col]).any():
            vals = ", ".join(f"rank {ranks[i]}: {_root_or_op(col, v, ranks)}"
                             for i, v in enumerate(table[:, col]))
            raise RuntimeError(f"{what}: the ranks disagree on {name} ({vals})")
    if arr is not None and (table[:, 5:] != table[0, 5:]).any():
        shapes = ", ".join(f"rank {ranks[i]} has {_describe(row)}" for i, row in enumerate(table))
        raise RuntimeError(f"{what}: the tensors must have the same dtype and shape on every "
                           f"rank, but {shapes}")
    return table


def _root_or_op(col, v, ranks):
    if col == 2:
        return str(ranks[int(v)]) if 0 <= v < len(ranks) else str(int(v))
    return RedOpType(int(v)).name if 0 <= v <= 8 else str(int(v))


def _array(t, what, name="tensor"):
    from numtorch._tensor import Tensor

    if not isinstance(t, Tensor):
        raise TypeError(f"{what}: {name} must be a Tensor, got {type(t).__name__}")
    return t._data


def _store(tensor, buf, same):
    """Put the received ``buf`` into ``tensor`` (unless it already is its memory)."""
    if not same:
        tensor._data[...] = buf.reshape(tensor._data.shape)
    tensor._bump()


def _mpi_op(op, dtype):
    """(MPI op, error or None) for a ReduceOp on a dtype."""
    MPI = mpi()
    try:
        op = RedOpType(int(op))
    except (ValueError, TypeError):
        return None, ValueError(f"unknown reduce op {op!r}; use dist.ReduceOp.SUM/AVG/PRODUCT/"
                                "MIN/MAX/BAND/BOR/BXOR")
    if op == RedOpType.PREMUL_SUM:
        return None, ValueError("ReduceOp.PREMUL_SUM is not supported by the MPI backend")
    kind = np.dtype(dtype).kind
    if kind == "b":
        table = {RedOpType.SUM: MPI.MAX, RedOpType.MAX: MPI.MAX, RedOpType.BOR: MPI.MAX,
                 RedOpType.PRODUCT: MPI.MIN, RedOpType.MIN: MPI.MIN, RedOpType.BAND: MPI.MIN,
                 RedOpType.BXOR: MPI.BXOR}
        if op not in table:
            return None, RuntimeError(f"Cannot use ReduceOp.{op.name} with a bool tensor")
        return table[op], None
    if op in (RedOpType.BAND, RedOpType.BOR, RedOpType.BXOR) and kind == "f":
        return None, RuntimeError(f"Cannot use ReduceOp.{op.name} with a floating-point "
                                  f"tensor ({np.dtype(dtype).name})")
    if op == RedOpType.AVG and kind != "f":
        return None, RuntimeError(f"ReduceOp.AVG needs a floating-point tensor, got "
                                  f"{np.dtype(dtype).name}")
    return {RedOpType.SUM: MPI.SUM, RedOpType.AVG: MPI.SUM, RedOpType.PRODUCT: MPI.PROD,
            RedOpType.MIN: MPI.MIN, RedOpType.MAX: MPI.MAX, RedOpType.BAND: MPI.BAND,
            RedOpType.BOR: MPI.BOR, RedOpType.BXOR: MPI.BXOR}[op], None


def _run(pg, what, requests, finish, outputs, async_op):
    work = Work(requests, pg, what, finish, outputs)
    if async_op:
        return work
    work.wait()
    return None


def _check_list(what, name, tensors, n, like):
    """An error (or None) unless ``tensors`` is a list of ``n`` tensors shaped like ``like``."""
    from numtorch._tensor import Tensor

    if not isinstance(tensors, (list, tuple)) or len(tensors) != n:
        got = len(tensors) if isinstance(tensors, (list, tuple)) else type(tensors).__name__
        return ValueError(f"{what}: {name} must be a list of {n} tensors (one per rank), got "
                          f"{got}")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            return TypeError(f"{what}: {name}[{i}] must be a Tensor, got {type(t).__name__}")
        if t._data.shape != like.shape or t._data.dtype != like.dtype:
            return ValueError(f"{what}: {name}[{i}] is {t._data.dtype} {list(t._data.shape)} "
                              f"but the tensor is {like.dtype} {list(like.shape)}")
    return None
