"""``DataLoader``: batches from a dataset, optionally shuffled, optionally in worker processes.

With ``num_workers=0`` batches are fetched in the main process. With ``num_workers > 0`` each
worker process gets batches of indices through its own queue, round-robin, and sends collated
batches back on a shared queue; the main process keeps ``prefetch_factor`` batches per worker in
flight and yields them in sampler order, so the batches are the same whatever ``num_workers``.
A worker that raises re-raises in the main process with the worker's traceback; a worker that
dies raises instead of hanging; on ``StopIteration``, an error, Ctrl-C or when the iterator is
deleted, workers are told to stop, joined, and terminated if they do not.
"""

import itertools
import multiprocessing
import os
import queue
import threading
import warnings

from numtorch.utils.data import _worker
from numtorch.utils.data.collate import default_collate, default_convert
from numtorch.utils.data.dataset import IterableDataset
from numtorch.utils.data.sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "get_worker_info"]

get_worker_info = _worker.get_worker_info

_SKIP = object()  # marks a task whose IterableDataset worker had nothing left
_POLL = 0.1  # seconds between checks that workers are alive while waiting for a batch


class _InfiniteConstantSampler(Sampler):
    def __iter__(self):
        while True:
            yield None


class DataLoader:
    """PyTorch's ``DataLoader(dataset, batch_size=1, shuffle=None, sampler=None,
    batch_sampler=None, num_workers=0, collate_fn=None, pin_memory=False, drop_last=False,
    timeout=0, worker_init_fn=None, multiprocessing_context=None, generator=None, *,
    prefetch_factor=None, persistent_workers=False)``.

    ``pin_memory`` is accepted and has no effect (no GPU). Worker processes use the platform's
    default start method (fork on Linux).
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device="",
                 in_order=True):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                             "disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in "
                             "multiprocessing.let num_workers > 0 to enable multiprocessing, "
                             "otherwise set prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        if prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.generator = generator
        self.persistent_workers = persistent_workers
        self._is_iterable = isinstance(dataset, IterableDataset)

        if self._is_iterable:
            if shuffle not in (None, False):
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"shuffle option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"sampler option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        if sampler is None:
            if self._is_iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self._iterator = None

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __len__(self):
        if self._is_iterable:
            n = len(self.dataset)
            if self.batch_size is not None:
                n = n // self.batch_size if self.drop_last else -(-n // self.batch_size)
            return n
        return len(self._index_sampler)

    def _base_seed(self):
        from numtorch._random import default_generator

        rng = (self.generator or default_generator).rng
        return int(rng.integers(0, 2 ** 62))

    def __iter__(self):
        if self.num_workers == 0:
            return _SingleProcessIter(self)
        if self.persistent_workers:
            if self._iterator is None:
                self._iterator = _MultiProcessIter(self)
            else:
                self._iterator._reset(self)
            return self._iterator
        return _MultiProcessIter(self)

    def __del__(self):
        it = getattr(self, "_iterator", None)
        if it is not None:
            it._shutdown()


class _SingleProcessIter:
    def __init__(self, loader):
        self._loader = loader
        self._dataset = loader.dataset
        self._collate = loader.collate_fn
        self._auto = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_iter = iter(loader._index_sampler)
        # Drawn as with workers (and as PyTorch does), so the shuffling stream is the same
        # whatever num_workers is.
        self._base_seed = loader._base_seed()
        self._data_iter = iter(loader.dataset) if loader._is_iterable else None
        self._num_yielded = 0

    def __iter__(self):
        return self

    def __len__(self):
        return len(self._loader)

    def __next__(self):
        indices = next(self._index_iter)
        if self._data_iter is not None:
            if self._auto:
                items = list(itertools.islice(self._data_iter, len(indices)))
                if not items or (self._drop_last and len(items) < len(indices)):
                    raise StopIteration
                data = self._collate(items)
            else:
                data = self._collate(next(self._data_iter))
        elif self._auto:
            getitems = getattr(self._dataset, "__getitems__", None)
            samples = getitems(indices) if callable(getitems) else \
                [self._dataset[i] for i in indices]
            data = self._collate(samples)
        else:
            data = self._collate(self._dataset[indices])
        self._num_yielded += 1
        return data


class _MultiProcessIter:
    """Batches from worker processes, in sampler order."""

    def __init__(self, loader):
        self._loader = loader
        self._num_workers = loader.num_workers
        self._prefetch = loader.prefetch_factor
        self._timeout = loader.timeout
        ctx = loader.multiprocessing_context
        if ctx is None:
            ctx = multiprocessing.get_context()
        elif isinstance(ctx, str):
            ctx = multiprocessing.get_context(ctx)
        self._ctx = ctx
        self._result_queue = ctx.Queue()
        self._done_event = ctx.Event()
        self._index_queues = []
        self._workers = []
        self._shutdown_done = False
        base_seed = loader._base_seed()
        for wid in range(self._num_workers):
            iq = ctx.Queue()
            iq.cancel_join_thread()
            w = ctx.Process(
                target=_worker.worker_loop,
                args=(loader.dataset, iq, self._result_queue, self._done_event,
                      loader._auto_collation, loader.collate_fn, loader.drop_last, base_seed,
                      loader.worker_init_fn, wid, self._num_workers, loader._is_iterable),
                daemon=True)
            w.start()
            self._index_queues.append(iq)
            self._workers.append(w)
        self._lock = threading.Lock()
        self._start_epoch()

    def _start_epoch(self):
        self._index_iter = iter(self._loader._index_sampler)
        self._send_idx = 0
        self._rcvd_idx = 0
        self._task_info = {}  # task index -> (worker id,) while pending, (worker id, data) done
        self._worker_cycle = itertools.cycle(range(self._num_workers))
        self._active = [True] * self._num_workers
        self._tasks_outstanding = 0
        for _ in range(self._prefetch * self._num_workers):
            self._try_put_index()

    def _reset(self, loader):
        # Persistent workers: drain what is left of the previous epoch, then start again.
        while self._tasks_outstanding > 0:
            self._get_data()
            self._tasks_outstanding -= 1
        self._loader = loader
        self._start_epoch()

    def __iter__(self):
        return self

    def __len__(self):
        return len(self._loader)

    def _try_put_index(self):
        try:
            indices = next(self._index_iter)
        except StopIteration:
            return
        for _ in range(self._num_workers):
            wid = next(self._worker_cycle)
            if self._active[wid]:
                break
        else:
            return
        self._index_queues[wid].put((self._send_idx, indices))
        self._task_info[self._send_idx] = (wid,)
        self._tasks_outstanding += 1
        self._send_idx += 1

    def _get_data(self):
        """The next ``(task index, data)`` from any worker; raises if a worker died or the
        ``timeout`` passed."""
        waited = 0.0
        while True:
            try:
                return self._result_queue.get(timeout=_POLL)
            except queue.Empty:
                waited += _POLL
                dead = [w.pid for w in self._workers if not w.is_alive()]
                if dead:
                    self._shutdown()
                    raise RuntimeError(f"DataLoader worker (pid(s) "
                                       f"{', '.join(map(str, dead))}) exited unexpectedly") \
                        from None
                if self._timeout > 0 and waited >= self._timeout:
                    self._shutdown()
                    raise RuntimeError(f"DataLoader timed out after {self._timeout} "
                                       "seconds") from None

    def __next__(self):
        try:
            while True:
                # Skip the tasks IterableDataset workers answered "exhausted".
                while self._rcvd_idx < self._send_idx:
                    info = self._task_info[self._rcvd_idx]
                    if len(info) == 1 or info[1] is not _SKIP:
                        break
                    del self._task_info[self._rcvd_idx]
                    self._rcvd_idx += 1
                if self._rcvd_idx >= self._send_idx:
                    if not self._loader.persistent_workers:
                        self._shutdown()
                    raise StopIteration
                info = self._task_info[self._rcvd_idx]
                if len(info) == 2:
                    del self._task_info[self._rcvd_idx]
                    self._rcvd_idx += 1
                    return self._process(info[1])
                idx, data = self._get_data()
                self._tasks_outstanding -= 1
                if isinstance(data, _worker.IterableExhausted):
                    self._active[data.worker_id] = False
                    self._task_info[idx] += (_SKIP,)
                    self._try_put_index()
                    continue
                if idx != self._rcvd_idx:
                    self._task_info[idx] += (data,)  # early: keep it until its turn
                    continue
                del self._task_info[idx]
                self._rcvd_idx += 1
                return self._process(data)
        except StopIteration:
            raise
        except BaseException:  # an error, or Ctrl-C: stop the workers before propagating
            self._shutdown()
            raise

    def _process(self, data):
        self._try_put_index()
        if isinstance(data, _worker.ExceptionWrapper):
            self._shutdown()
            data.reraise()
        return data

    def _shutdown(self):
        if self._shutdown_done:
            return
        self._shutdown_done = True
        try:
            self._done_event.set()
            for q in self._index_queues:
                try:
                    q.put(None)
                except (OSError, ValueError):
                    pass
            for w in self._workers:
                w.join(timeout=2.0)
            for w in self._workers:
                if w.is_alive():
                    w.terminate()
                    w.join(timeout=1.0)
            for q in self._index_queues:
                q.cancel_join_thread()
                q.close()
            self._result_queue.cancel_join_thread()
            self._result_queue.close()
        except Exception as exc:  # shutting down must never mask the real error
            warnings.warn(f"DataLoader shutdown: {exc}", RuntimeWarning, stacklevel=2)

    def __del__(self):
        if os is not None and not getattr(self, "_shutdown_done", True):
            self._shutdown()
