"""DistributedDataParallel: data-parallel training over the ranks of a process group.

Every rank holds a replica of the module and runs forward and backward on its own batch. At
construction the parameters and buffers of rank 0 are broadcast, so that all replicas start
equal. The parameters are split into buckets (about ``bucket_cap_mb`` each, in reverse
registration order, roughly the order backward produces their gradients; rebuilt after the
first backward in the order the gradients really came). Each parameter's
post-accumulate-grad hook marks it ready; when a bucket is complete (and all buckets before it
were launched), its gradients are copied into one flat buffer, divided by the world size and
all-reduced with a nonblocking MPI ``Iallreduce``, while backward goes on with the remaining
layers. When the last bucket was launched, backward waits for all of them and writes the
averaged gradients back into ``.grad``: after ``loss.backward()`` every rank holds the same
gradients, so the same ``optimizer.step()`` keeps the replicas bitwise equal.
"""

import contextlib

import numpy as np

from numtorch.autograd import grad_mode
from numtorch.autograd.engine import AccumulateGrad
from numtorch.distributed import distributed_c10d as c10d
from numtorch.distributed import objects
from numtorch.distributed._mpi import mpi, wait_requests
from numtorch.nn.modules.module import Module

__all__ = ["DistributedDataParallel"]

_MiB = 1024 * 1024
_FIRST_BUCKET_BYTES = 1 * _MiB  # a small first bucket starts communication early


class _Bucket:
    """Parameters whose gradients travel in one flat buffer: ``flat[offsets[k]:...]`` is
    parameter ``indices[k]``'s gradient."""

    def __init__(self, indices, params):
        self.indices = list(indices)
        self.offsets = []
        n = 0
        for i in self.indices:
            self.offsets.append(n)
            n += params[i]._data.size
        self.flat = np.zeros(n, dtype=params[self.indices[0]]._data.dtype)
        # One fixed view per parameter (gradient_as_bucket_view hands it out as the .grad).
        self.views = [self.flat[start:start + params[i]._data.size].reshape(
            params[i]._data.shape) for start, i in zip(self.offsets, self.indices)]
        self.pending = 0
        self.request = None


class DistributedDataParallel(Module):
    """Averages gradients over the ranks of ``process_group`` (PyTorch's
    ``torch.nn.parallel.DistributedDataParallel``, on CPU: ``device_ids`` and
    ``output_device`` must be None). The wrapped module is ``.module``; the state dict's keys
    start with ``module.``."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0,
                 broadcast_buffers=True, init_sync=True, process_group=None, bucket_cap_mb=None,
                 find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False,
                 delay_all_reduce_named_params=None, param_to_hook_all_reduce=None,
                 mixed_precision=None, device_mesh=None, skip_all_reduce_unused_params=False):
        super().__init__()
        if device_ids or output_device is not None:
            raise ValueError(
                f"DistributedDataParallel device_ids and output_device arguments only work with "
                f"GPU modules; numtorch modules are on the CPU, but got device_ids {device_ids}"
                f", output_device {output_device}. Leave both None.")
        if mixed_precision is not None or device_mesh is not None:
            raise ValueError("DistributedDataParallel: mixed_precision and device_mesh are not "
                             "supported on the CPU")
        if bucket_cap_mb is not None and bucket_cap_mb <= 0:
            raise ValueError(f"bucket_cap_mb must be positive, got {bucket_cap_mb}")
        pg = c10d._group(process_group)
        if pg is None:
            raise ValueError("DistributedDataParallel: this rank is not part of process_group")
        named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        if not named:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't "
                               "have any parameter that requires a gradient.")
        self.module = module
        self.process_group = pg
        self.dim = dim
        self.device_ids = None
        self.output_device = None
        self.broadcast_buffers = bool(broadcast_buffers)
        self.find_unused_parameters = bool(find_unused_parameters)
        self.gradient_as_bucket_view = bool(gradient_as_bucket_view)
        self.static_graph = bool(static_graph)
        self.skip_all_reduce_unused_params = bool(skip_all_reduce_unused_params)
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self.bucket_bytes_cap = int((25 if bucket_cap_mb is None else bucket_cap_mb) * _MiB)
        # Plain attributes (not registered): DDP's own bookkeeping.
        object.__setattr__(self, "_names", [n for n, _ in named])
        object.__setattr__(self, "_params", [p for _, p in named])

        self._verify_same_model()
        if init_sync:
            self._broadcast_coalesced(list(module.parameters()) + list(module.buffers()))
        self._set_buckets(list(reversed(range(len(self._params)))))
        object.__setattr__(self, "_hooks", [p.register_post_accumulate_grad_hook(
            self._make_hook(i)) for i, p in enumerate(self._params)])
        self._ready_order = []  # the order of the first synchronized backward
        self._rebuild = "record"  # -> "pending" after that backward -> "done"
        self._reset_iteration(expect=False)
        self._static_unused = None

    # ------------------------------------------------------------------ construction
    def _verify_same_model(self):
        """Every rank must wrap the same architecture: compare names, shapes and dtypes."""
        mine = [(n, tuple(p._data.shape), str(p._data.dtype))
                for n, p in zip(self._names, self._params)]
        pg = self.process_group
        everyone = [None] * pg.size()
        objects.all_gather_object(everyone, mine, group=pg)
        for r, theirs in enumerate(everyone):
            if theirs == mine:
                continue
            if len(theirs) != len(mine):
                raise RuntimeError(
                    f"DDP expects same model across all ranks, but rank {pg.global_rank} has "
                    f"{len(mine)} params, while rank {pg._ranks[r]} has inconsistent "
                    f"{len(theirs)} params.")
            for a, b in zip(mine, theirs):
                if a != b:
                    raise RuntimeError(
                        f"DDP expects same model across all ranks, but rank {pg.global_rank} "
                        f"has parameter {a[0]} of shape {list(a[1])} ({a[2]}) while rank "
                        f"{pg._ranks[r]} has {b[0]} of shape {list(b[1])} ({b[2]}).")

    def _broadcast_coalesced(self, tensors):
        """Copy group rank 0's tensors to every rank: one broadcast per dtype."""
        by_dtype = {}
        for t in tensors:
            by_dtype.setdefault(t._data.dtype, []).append(t)
        pg = self.process_group
        for group in by_dtype.values():
            flat = np.concatenate([t._data.ravel() for t in group])
            buf = flat.view(np.uint8) if flat.dtype == np.bool_ else flat
            wait_requests([pg._comm.Ibcast(buf, 0)], pg, "DistributedDataParallel broadcast")
            if pg.rank() != 0:
                start = 0
                for t in group:
                    n = t._data.size
                    t._data[...] = flat[start:start + n].reshape(t._data.shape)
                    t._bump()
                    start += n

    def _set_buckets(self, order):
        """Buckets of the parameters taken in ``order``, one dtype each, the first up to 1 MiB
        and the others up to ``bucket_cap_mb``."""
        params = self._params
        buckets, current, size = [], [], 0
        cap = min(_FIRST_BUCKET_BYTES, self.bucket_bytes_cap)
        for i in order:
            nbytes = params[i]._data.nbytes
            if current and (size + nbytes > cap
                            or params[i]._data.dtype != params[current[0]]._data.dtype):
                buckets.append(_Bucket(current, params))
                current, size = [], 0
                cap = self.bucket_bytes_cap
            current.append(i)
            size += nbytes
        if current:
            buckets.append(_Bucket(current, params))
        bucket_of = {}
        for b, bucket in enumerate(buckets):
            for k, i in enumerate(bucket.indices):
                bucket_of[i] = (b, k)
        object.__setattr__(self, "_buckets", buckets)
        object.__setattr__(self, "_bucket_of", bucket_of)

    def _rebuild_buckets(self):
        """After the first backward, PyTorch's DDP rebuilds the buckets in the order the
        gradients actually became ready (the order of ``parameters()`` can differ from the
        order of the computation). Rank 0's order is used on every rank, so that all ranks
        keep the same buckets."""
        order = [list(self._ready_order)]
        objects.broadcast_object_list(order, src=self.process_group._ranks[0],
                                      group=self.process_group)
        order = order[0]
        if sorted(order) == list(range(len(self._params))):
            self._set_buckets(order)
        self._rebuild = "done"

    # ------------------------------------------------------------------ forward
    def forward(self, *inputs, **kwargs):
        if self._rebuild == "pending" and grad_mode.is_grad_enabled():
            self._rebuild_buckets()
        if self._started and not self._finalized:
            missing = [self._names[i] for i in range(len(self._params)) if not self._ready[i]]
            raise RuntimeError(
                "Expected to have finished reduction in the prior iteration before starting a "
                "new one. This error indicates that your module has parameters that were not "
                "used in producing loss. You can enable unused parameter detection by passing "
                "the keyword argument `find_unused_parameters=True` to "
                "`torch.nn.parallel.DistributedDataParallel`, and by making sure all `forward` "
                "function outputs participate in calculating loss. Parameters that did not "
                f"receive a gradient on rank {self.process_group.global_rank}: "
                f"{', '.join(missing)}")
        if self.broadcast_buffers and self.require_forward_param_sync and self.module.training:
            buffers = list(self.module.buffers())
            if buffers:
                self._broadcast_coalesced(buffers)
        out = self.module(*inputs, **kwargs)
        sync = grad_mode.is_grad_enabled() and self.require_backward_grad_sync
        self._reset_iteration(expect=sync)
        if sync:
            unused = ()
            if self.static_graph and self._static_unused is not None:
                unused = self._static_unused
            elif self.find_unused_parameters or self.static_graph:
                unused = self._find_unused(out)
                if self.static_graph:
                    self._static_unused = unused
            self._unused = unused
        return out

    def _find_unused(self, out):
        """Indices of the parameters the autograd graph of ``out`` does not reach."""
        roots = []
        stack = [out]
        while stack:  # the tensors inside the output structure
            obj = stack.pop()
            if isinstance(obj, (list, tuple)):
                stack.extend(obj)
            elif isinstance(obj, dict):
                stack.extend(obj.values())
            elif getattr(obj, "grad_fn", None) is not None:
                roots.append(obj.grad_fn)
        seen = set()
        reached = set()
        while roots:
            node = roots.pop()
            if node in seen:
                continue
            seen.add(node)
            if type(node) is AccumulateGrad:
                reached.add(id(node.variable))
            for child, _ in node.next_functions:
                if child is not None and child not in seen:
                    roots.append(child)
        return tuple(i for i, p in enumerate(self._params) if id(p) not in reached)

    # ------------------------------------------------------------------ backward
    def _reset_iteration(self, expect):
        self._expect = expect
        self._started = False
        self._finalized = False
        self._ready = [False] * len(self._params)
        self._unused = ()
        self._next_bucket = 0
        for bucket in self._buckets:
            bucket.pending = len(bucket.indices)
            bucket.request = None

    def _make_hook(self, index):
        def hook(param):
            if self._expect and not self._finalized:
                self._mark_ready(index)
        return hook

    def _mark_ready(self, index):
        if not self._started:
            self._started = True
            for i in self._unused:  # unused parameters are ready from the start
                self._set_ready(i)
        if self._ready[index]:
            raise RuntimeError(
                f"Expected to mark a variable ready only once. Parameter {self._names[index]} "
                "received its gradient twice in one backward pass (reentrant backward or a "
                "parameter used in several forward calls); use no_sync() or static_graph")
        self._set_ready(index)
        MPI = mpi()
        launched = [b.request for b in self._buckets[:self._next_bucket]]
        if launched:
            MPI.Request.Testall(launched)  # lets MPI progress the running all-reduces
        if self._next_bucket == len(self._buckets):
            self._finalize()

    def _set_ready(self, index):
        self._ready[index] = True
        if self._rebuild == "record":
            self._ready_order.append(index)
        b, _ = self._bucket_of[index]
        self._buckets[b].pending -= 1
        # Launch in bucket order, so that every rank starts the same all-reduces in the
        # same order whatever order its hooks fire in.
        while (self._next_bucket < len(self._buckets)
               and self._buckets[self._next_bucket].pending == 0):
            self._launch(self._buckets[self._next_bucket])
            self._next_bucket += 1

    def _launch(self, bucket):
        unused = set(self._unused)
        for k, i in enumerate(bucket.indices):
            p = self._params[i]
            view = bucket.views[k]
            if i in unused or p.grad is None:
                view[...] = 0
            elif p.grad._data is not view:
                view[...] = p.grad._data
        # Divide first (PyTorch does too): the sum of averages cannot overflow half types.
        bucket.flat *= bucket.flat.dtype.type(1.0 / self.process_group.size())
        MPI = mpi()
        bucket.request = self.process_group._comm.Iallreduce(MPI.IN_PLACE, bucket.flat, MPI.SUM)

    def _finalize(self):
        """Wait for every bucket and write the averaged gradients into ``.grad``."""
        from numtorch._tensor import _wrap

        pg = self.process_group
        MPI = mpi()
        requests = [b.request for b in self._buckets]
        used = None
        if self._unused and not self.skip_all_reduce_unused_params:
            # Which parameters some rank used: those get the average even where unused.
            used = np.ones(len(self._params), dtype=np.uint8)
            used[list(self._unused)] = 0
            requests.append(pg._comm.Iallreduce(MPI.IN_PLACE, used, MPI.MAX))
        wait_requests(requests, pg, "DistributedDataParallel gradient all_reduce")
        unused = set(self._unused)
        for bucket in self._buckets:
            for k, i in enumerate(bucket.indices):
                if i in unused and (used is None or not used[i]):
                    continue  # no rank used it: its .grad stays as it was
                p = self._params[i]
                view = bucket.views[k]
                if self.gradient_as_bucket_view:
                    if p.grad is None or p.grad._data is not view:
                        p.grad = _wrap(view)
                    else:
                        p.grad._bump()
                elif p.grad is None:
                    p.grad = _wrap(view.copy())
                else:
                    p.grad._data[...] = view
                    p.grad._bump()
        self._finalized = True
        self._expect = False
        if self._rebuild == "record":
            self._rebuild = "pending"

    # ------------------------------------------------------------------ public helpers
    @contextlib.contextmanager
    def no_sync(self):
        """Inside, backward accumulates gradients locally without communication; the first
        synchronized backward after it averages the accumulated gradients."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    def _get_bucket_sizes(self):
        """The number of parameters in each bucket, in all-reduce order."""
        return [len(b.indices) for b in self._buckets]

    def extra_repr(self):
        return f"world_size={self.process_group.size()}, buckets={len(self._buckets)}"
