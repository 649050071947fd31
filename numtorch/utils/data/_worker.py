"""What runs inside a DataLoader worker process, and ``get_worker_info``."""

import queue
import random
import sys
import traceback
from dataclasses import dataclass

import numpy as np

from numtorch._random import manual_seed

__all__ = ["WorkerInfo", "get_worker_info", "worker_loop", "ExceptionWrapper",
           "IterableExhausted"]

_worker_info = None


@dataclass(frozen=True)
class WorkerInfo:
    """Inside a worker: ``id`` (0..num_workers-1), ``num_workers``, ``seed`` (the numtorch
    seed of this worker: base seed + id) and ``dataset`` (this worker's copy)."""

    id: int
    num_workers: int
    seed: int
    dataset: object


def get_worker_info():
    """``WorkerInfo`` in a worker process, ``None`` in the main process."""
    return _worker_info


class ExceptionWrapper:
    """An exception raised in a worker, carried to the main process with its traceback."""

    def __init__(self, exc_info, where):
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        msg = (f"Caught {self.exc_type.__name__} {self.where}.\nOriginal "
               f"{self.exc_msg}")
        if self.exc_type is KeyError:
            msg = KeyErrorMessage(msg)
        try:
            exc = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        raise exc


class KeyErrorMessage(str):
    """KeyError prints its argument with repr; this keeps the traceback readable."""

    def __repr__(self):
        return self


@dataclass(frozen=True)
class IterableExhausted:
    """Sent by a worker whose copy of an IterableDataset has no more items."""

    worker_id: int


def numpy_seed(base_seed, worker_id):
    """The NumPy seed of a worker: four 32-bit words mixed from the loader's base seed and the
    worker id (distinct for every worker, the same on every run)."""
    return np.random.SeedSequence([worker_id, base_seed & 0xFFFFFFFF,
                                   base_seed >> 32]).generate_state(4)


def worker_loop(dataset, index_queue, result_queue, done_event, auto_collation, collate_fn,
                drop_last, base_seed, init_fn, worker_id, num_workers, is_iterable):
    """Fetch the batches the main process asks for, until it sends ``None``.

    The worker seeds numtorch's default generator and Python's ``random`` with
    ``base_seed + worker_id``, and NumPy's global generator with a state derived from both (as
    PyTorch does), so random transforms are reproducible and no two workers replay one stream
    whatever the parent process's state; then it sets the worker info,
    runs ``worker_init_fn``, then answers ``(task_index, batch)`` for every
    ``(task_index, indices)`` it receives. Exceptions are sent back wrapped.
    """
    global _worker_info
    try:
        seed = base_seed + worker_id
        manual_seed(seed)
        random.seed(seed)
        np.random.seed(numpy_seed(base_seed, worker_id))
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed,
                                  dataset=dataset)
        init_error = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            iterator = iter(dataset) if is_iterable else None
        except Exception:
            init_error = ExceptionWrapper(sys.exc_info(),
                                          f"in DataLoader worker process {worker_id}")
        exhausted = False
        while True:
            try:
                task = index_queue.get(timeout=5.0)
            except queue.Empty:
                if done_event.is_set():
                    break
                continue
            if task is None:
                break
            idx, indices = task
            if init_error is not None:
                result_queue.put((idx, init_error))
                init_error = None
                continue
            if is_iterable and exhausted:
                result_queue.put((idx, IterableExhausted(worker_id)))
                continue
            try:
                if is_iterable:
                    items = []
                    count = len(indices) if auto_collation else 1
                    for _ in range(count):
                        try:
                            items.append(next(iterator))
                        except StopIteration:
                            exhausted = True
                            break
                    if not items or (auto_collation and drop_last and len(items) < count):
                        result_queue.put((idx, IterableExhausted(worker_id)))
                        continue
                    data = collate_fn(items) if auto_collation else collate_fn(items[0])
                elif auto_collation:
                    getitems = getattr(dataset, "__getitems__", None)
                    samples = getitems(indices) if callable(getitems) else \
                        [dataset[i] for i in indices]
                    data = collate_fn(samples)
                else:
                    data = collate_fn(dataset[indices])
            except Exception:
                data = ExceptionWrapper(sys.exc_info(),
                                        f"in DataLoader worker process {worker_id}")
            result_queue.put((idx, data))
            del data
    except KeyboardInterrupt:
        pass  # the main process handles Ctrl-C and shuts the workers down
    if done_event.is_set():
        result_queue.cancel_join_thread()
    result_queue.close()
