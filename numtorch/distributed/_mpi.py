"""The MPI transport under ``numtorch.distributed``: the lazy ``mpi4py`` import, buffers MPI can
send, waiting on nonblocking requests against a deadline, and the ``Work`` handle.

Every collective is started as an MPI nonblocking operation (``Iallreduce``, ``Ibcast``, ...)
and completed by polling ``Testall`` until a deadline (the group's ``timeout``). A rank that
died or hung therefore makes the others raise ``DistBackendError`` naming the collective and the
timeout instead of blocking forever; the group is then marked broken and the whole MPI job is
aborted when the process exits (``MPI_Finalize`` would wait for the missing rank).
"""

import atexit
import sys
import time

import numpy as np

__all__ = ["mpi", "DistError", "DistBackendError", "Work", "wait_requests", "as_buffer",
           "abort_on_exit"]

_MPI = []


class DistError(RuntimeError):
    """Base class of the errors of numtorch.distributed (PyTorch's ``DistError``)."""

    __module__ = "numtorch.distributed"


class DistBackendError(DistError):
    """A collective failed in the transport: a timeout, or a rank that left (PyTorch's
    ``DistBackendError``)."""

    __module__ = "numtorch.distributed"


def mpi():
    """The ``mpi4py.MPI`` module (importing it initializes MPI), or a clear ImportError."""
    if not _MPI:
        try:
            from mpi4py import MPI
        except ImportError as exc:
            raise ImportError(
                "numtorch.distributed needs mpi4py and an MPI library: "
                'pip install "numtorch[distributed]" (mpi4py and the mpich wheel)') from exc
        _MPI.append(MPI)
    return _MPI[0]


# ---------------------------------------------------------------------- abort at exit
_abort_reason = []


def _abort_if_broken():
    if _abort_reason:
        print(f"numtorch.distributed: aborting the MPI job ({_abort_reason[0]})",
              file=sys.stderr, flush=True)
        mpi().COMM_WORLD.Abort(1)


def abort_on_exit(reason):
    """Abort the whole MPI job when this process exits (instead of finalizing, which would
    wait forever for a rank that is gone)."""
    if not _abort_reason:
        atexit.register(_abort_if_broken)
    _abort_reason.append(reason)


# ---------------------------------------------------------------------- buffers
def as_buffer(arr):
    """A C-contiguous array of a type MPI reduces natively, and whether it is ``arr`` itself.

    float16 travels as float32 (MPI has no standard half type); bool as uint8 (0/1), so that
    MAX is a logical or and MIN a logical and."""
    if arr.dtype == np.float16:
        return arr.astype(np.float32), False
    same = arr.flags.c_contiguous and arr.flags.writeable
    buf = arr if same else np.array(arr, order="C")
    if buf.dtype == np.bool_:
        buf = buf.view(np.uint8)
    return buf, same


# ---------------------------------------------------------------------- waiting
def wait_requests(requests, group, what, statuses=None, timeout=None):
    """Complete ``requests`` (mpi4py Requests) by polling until the deadline: ``timeout`` (a
    timedelta) when given, else the group's.

    Polling spins for the first millisecond (most collectives finish there), then sleeps with
    a delay growing to 1 ms, so a long wait costs little CPU and adds at most ~1 ms latency."""
    MPI = mpi()
    if not requests:
        return
    start = time.monotonic()
    seconds = group.timeout_seconds if timeout is None else timeout.total_seconds()
    deadline = start + seconds
    delay = 0.0
    while True:
        try:
            if MPI.Request.Testall(requests, statuses):
                return
        except MPI.Exception as exc:
            group._broken = f"{what} failed: {exc}"
            abort_on_exit(group._broken)
            raise DistBackendError(
                f"{what} failed on rank {group.global_rank}: {exc.Get_error_string()} (a rank "
                "of the group probably died)") from None
        now = time.monotonic()
        if now > deadline:
            group._broken = f"{what} timed out after {seconds:g} s"
            abort_on_exit(group._broken)
            raise DistBackendError(
                f"{what} timed out after {seconds:g} s on rank {group.global_rank} (group of "
                f"{group.size()} ranks): another rank did not join it in time - it died, hangs, "
                "or called a different collective. The process group cannot be used any "
                "more; the MPI job is aborted when this process exits. (timeout= of "
                "init_process_group / new_group sets the limit.)")
        if now - start > 1e-3:
            delay = min(1e-3, delay + 2e-5)
            time.sleep(delay)


class Work:
    """The handle of an asynchronous operation (PyTorch's ``Work``): ``wait()`` blocks until it
    is done (and applies its results to the output tensors), ``is_completed()`` polls."""

    def __init__(self, requests, group, what, finish=None, result=None, statuses=None):
        self._requests = list(requests)
        self._statuses = statuses
        self._group = group
        self._what = what
        self._finish = finish
        self._result = result
        self._done = False
        self._source = None

    def _complete(self):
        self._done = True
        if self._finish is not None:
            finish, self._finish = self._finish, None
            out = finish()
            if out is not None:
                self._source = out

    def wait(self, timeout=None):
        """Block until the operation completed (at most ``timeout``, a timedelta; default:
        the group's); returns True."""
        if not self._done:
            wait_requests(self._requests, self._group, self._what, self._statuses, timeout)
            self._complete()
        return True

    def is_completed(self):
        """True once the operation finished (progresses it without blocking)."""
        if not self._done and mpi().Request.Testall(self._requests, self._statuses):
            self._complete()
        return self._done

    def is_success(self):
        return self.is_completed()

    def exception(self):
        return None

    def result(self):
        """The output tensors of the operation (after ``wait``)."""
        self.wait()
        return list(self._result or [])

    def source_rank(self):
        """The rank a ``irecv`` received from (after ``wait``)."""
        self.wait()
        return self._source

    def __repr__(self):
        state = "completed" if self._done else "pending"
        return f"<Work {self._what} {state}>"
