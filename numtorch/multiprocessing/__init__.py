"""``numtorch.multiprocessing``: Python's ``multiprocessing`` plus tensors in shared memory.

Everything of ``multiprocessing`` is here under the same names (``Process``, ``Queue``,
``set_start_method``, ``get_context``...). A tensor (or a module, ``Module.share_memory()``)
moved into shared memory with ``share_memory_()`` is sent to other processes by reference, so
updates by one process are seen by all: Hogwild-style training works as in PyTorch.
``spawn(fn, args, nprocs)`` starts ``fn(i, *args)`` in ``nprocs`` processes and re-raises a
child's exception in the parent, as ``torch.multiprocessing.spawn`` does.

Sharing uses files in ``/dev/shm`` (PyTorch's ``"file_system"`` strategy), the only strategy.
"""

import multiprocessing
import multiprocessing.connection
import signal
import traceback
from multiprocessing import (
    Array,
    AuthenticationError,
    Barrier,
    BoundedSemaphore,
    BufferTooShort,
    Condition,
    Event,
    JoinableQueue,
    Lock,
    Manager,
    Pipe,
    Pool,
    Process,
    ProcessError,
    Queue,
    RawArray,
    RawValue,
    RLock,
    Semaphore,
    SimpleQueue,
    TimeoutError,
    Value,
    active_children,
    cpu_count,
    current_process,
    freeze_support,
    get_all_start_methods,
    get_context,
    get_logger,
    get_start_method,
    log_to_stderr,
    parent_process,
    set_executable,
    set_forkserver_preload,
    set_start_method,
)

from numtorch._shared_memory import register_reductions

__all__ = [
    "Array", "AuthenticationError", "Barrier", "BoundedSemaphore", "BufferTooShort",
    "Condition", "Event", "JoinableQueue", "Lock", "Manager", "Pipe", "Pool", "Process",
    "ProcessError", "Queue", "RawArray", "RawValue", "RLock", "Semaphore", "SimpleQueue",
    "TimeoutError", "Value", "active_children", "cpu_count", "current_process",
    "freeze_support", "get_all_start_methods", "get_context", "get_logger", "get_start_method",
    "log_to_stderr", "parent_process", "set_executable", "set_forkserver_preload",
    "set_start_method", "get_sharing_strategy", "set_sharing_strategy",
    "get_all_sharing_strategies", "init_reductions", "spawn", "start_processes",
    "ProcessContext", "ProcessException", "ProcessRaisedException", "ProcessExitedException",
]

_STRATEGIES = {"file_system"}


def init_reductions():
    """Register the pickling that sends shared tensors by reference (done on import)."""
    register_reductions()


def get_all_sharing_strategies():
    return set(_STRATEGIES)


def get_sharing_strategy():
    return "file_system"


def set_sharing_strategy(new_strategy):
    """Only ``"file_system"`` exists here (``"file_descriptor"`` raises ValueError)."""
    if new_strategy not in _STRATEGIES:
        raise ValueError(f"sharing strategy {new_strategy!r} is not supported by numtorch; "
                         f"the strategies are {sorted(_STRATEGIES)}")


class ProcessException(Exception):
    def __init__(self, msg, error_index, pid):
        super().__init__(msg)
        self.msg = msg
        self.error_index = error_index
        self.pid = pid

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.pid)


class ProcessRaisedException(ProcessException):
    """A process started by ``spawn`` raised; the message holds its traceback."""


class ProcessExitedException(ProcessException):
    """A process started by ``spawn`` exited with a non-zero status or a signal."""

    def __init__(self, msg, error_index, pid, exit_code, signal_name=None):
        super().__init__(msg, error_index, pid)
        self.exit_code = exit_code
        self.signal_name = signal_name

    def __reduce__(self):
        return (type(self), (self.msg, self.error_index, self.pid, self.exit_code,
                             self.signal_name))


def _wrap(fn, i, args, error_queue):
    try:
        fn(i, *args)
    except KeyboardInterrupt:
        pass
    except Exception:
        error_queue.put(traceback.format_exc())
        raise SystemExit(1) from None


class ProcessContext:
    """The processes started by ``start_processes``; ``join()`` waits for them."""

    def __init__(self, processes, error_queues):
        self.processes = processes
        self.error_queues = error_queues
        self.sentinels = {p.sentinel: i for i, p in enumerate(processes)}

    def pids(self):
        return [p.pid for p in self.processes]

    def join(self, timeout=None):
        """Wait for the processes. Returns True when all ended well, False on timeout; if one
        fails, the others are terminated and its error is raised here."""
        if not self.sentinels:
            return True
        ready = multiprocessing.connection.wait(list(self.sentinels), timeout=timeout)
        failed = None
        for sentinel in ready:
            i = self.sentinels.pop(sentinel)
            self.processes[i].join()
            if self.processes[i].exitcode != 0 and failed is None:
                failed = i
        if failed is None:
            return not self.sentinels
        for p in self.processes:
            if p.is_alive():
                p.terminate()
            p.join()
        self.sentinels.clear()
        process = self.processes[failed]
        queue = self.error_queues[failed]
        if not queue.empty():
            tb = queue.get()
            raise ProcessRaisedException(f"\n\n-- Process {failed} terminated with the following "
                                         f"error:\n{tb}", failed, process.pid)
        code = process.exitcode
        if code < 0:
            name = signal.Signals(-code).name
            raise ProcessExitedException(f"process {failed} terminated with signal {name}",
                                         failed, process.pid, code, name)
        raise ProcessExitedException(f"process {failed} terminated with exit code {code}",
                                     failed, process.pid, code)


def start_processes(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    """Start ``fn(i, *args)`` for ``i`` in ``range(nprocs)`` with ``start_method``; with
    ``join`` wait for all (re-raising a failure), else return the ``ProcessContext``."""
    ctx = get_context(start_method)
    processes, queues = [], []
    for i in range(nprocs):
        queue = ctx.SimpleQueue()
        process = ctx.Process(target=_wrap, args=(fn, i, args, queue), daemon=daemon)
        process.start()
        processes.append(process)
        queues.append(queue)
    context = ProcessContext(processes, queues)
    if not join:
        return context
    while not context.join():
        pass
    return None


def spawn(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    """``start_processes`` with the ``spawn`` start method (PyTorch's default here too)."""
    return start_processes(fn, args, nprocs, join, daemon, start_method)


init_reductions()
