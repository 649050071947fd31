"""Multi-tensor ("foreach" / "fused") updates: a whole parameter group in a few NumPy calls.

PyTorch's ``foreach=True`` and ``fused=True`` run one kernel over a list of tensors instead of
one per tensor. NumPy has no list kernels, so here the group's optimizer state lives in one flat
array per state key (``momentum_buffer``, ``exp_avg``, ...), and every state tensor of the group
is a view into it: the state dict holds the same per-parameter tensors, with the same values,
as with the per-parameter loop. Each step copies the gradients into one flat array, runs the
update's elementwise operations once over the flat arrays, then subtracts each parameter's slice
of the flat update from it (one NumPy call per parameter).

The operations are the per-parameter loop's, in the same order and on the same values, so the
results are bitwise identical (elementwise IEEE operations do not depend on how an array is laid
out). A group whose state is not yet complete (the first step), whose parameters are not all of
one floating dtype, or whose state tensors were replaced (``load_state_dict``, or a user writing
to ``optimizer.state``) is handled by the per-parameter loop or gets its flat arrays rebuilt.
"""

import numpy as np

__all__ = ["sgd_foreach", "adam_foreach", "use_flat"]

# Tensors of more elements than this stay on the per-parameter loop: their update is bound by
# memory traffic, which copying the gradient into a flat array only adds to, while for small
# tensors the per-call cost of a dozen NumPy calls each is what the flat arrays save.
SMALL = 1 << 15
# Fewer small tensors than this are not worth the flat path's fixed cost (measured: an MLP's
# four biases and small weights update faster in the loop; ResNet-20's 60 do not).
MIN_FLAT = 8


def use_flat(group):
    """Whether a group takes the flat path: ``foreach=True`` or ``fused=True``. By default
    (``None``) the loop runs, PyTorch's default on the CPU: the flat path wins only for groups
    of many small tensors (see docs/performance.md), and its results are the loop's anyway."""
    return bool(group.get("fused") or group.get("foreach"))


def _small_and_large(group):
    """The group's parameters that have a gradient, split into (small, large); all large when
    there are fewer than ``MIN_FLAT`` small ones."""
    small, large = [], []
    for p in group["params"]:
        if p.grad is not None:
            (small if p._data.size <= SMALL else large).append(p)
    if len(small) < MIN_FLAT:
        return [], small + large
    return small, large


class _Flat:
    """One group's flat state: ``params`` (in order), their offsets, and per state key the flat
    array plus the views handed to the state tensors (to detect that they were replaced)."""

    def __init__(self, params):
        self.params = params
        self.offsets = []
        total = 0
        for p in params:
            self.offsets.append((total, total + p._data.size))
            total += p._data.size
        self.size = total
        self.arrays = {}
        self.views = {}


def flat_group(opt, params, keys):
    """The flat state arrays (a dict key -> array) of ``params``, for state ``keys``, or None
    when the per-parameter loop must run: some parameter lacks one of ``keys`` in its state,
    or the parameters are not all of one floating dtype."""
    if not params:
        return None
    dtype = params[0]._data.dtype
    if dtype.kind != "f":
        return None
    states = []
    for p in params:
        if p._data.dtype != dtype:
            return None
        g = p.grad._data
        if g.dtype != dtype or g.shape != p._data.shape:
            return None
        s = opt.state.get(p, {})
        for k in keys:
            t = s.get(k)
            if t is None or t._data.dtype != dtype or t._data.shape != p._data.shape:
                return None
        states.append(s)
    cache = opt.__dict__.setdefault("_flat_cache", {})
    key = tuple(id(p) for p in params)
    flat = cache.get(key)
    if flat is not None and all(flat.params[i] is p for i, p in enumerate(params)):
        # The state tensors must still hold the views, and the views still be views of the flat
        # arrays (a deep copy of the optimizer copies each view into an array of its own).
        if (all(flat.views[k][0].base is flat.arrays[k] for k in keys)
                and all(states[i][k]._data is flat.views[k][i]
                        for k in keys for i in range(len(params)))):
            return flat.arrays
    flat = _Flat(params)
    for k in keys:
        arr = np.empty(flat.size, dtype=dtype)
        views = []
        for (a, b), p, s in zip(flat.offsets, params, states):
            t = s[k]
            view = arr[a:b].reshape(p._data.shape)
            view[...] = t._data
            t._data = view
            views.append(view)
        flat.arrays[k] = arr
        flat.views[k] = views
    if len(cache) >= len(opt.param_groups):
        cache.clear()  # about one layout per group: stale ones would pin memory
    cache[key] = flat
    return flat.arrays


def flat_grads(opt, params, maximize):
    """The gradients of ``params`` copied into one flat array (negated when maximizing)."""
    flat = opt._flat_cache[tuple(id(p) for p in params)]
    g = np.empty(flat.size, dtype=params[0]._data.dtype)
    for (a, b), p in zip(flat.offsets, params):
        g[a:b] = p.grad._data.reshape(-1)
    if maximize:
        np.negative(g, out=g)
    return g


def flat_params(opt, params):
    """The parameters' values copied into one flat array."""
    flat = opt._flat_cache[tuple(id(p) for p in params)]
    out = np.empty(flat.size, dtype=params[0]._data.dtype)
    for (a, b), p in zip(flat.offsets, params):
        out[a:b] = p._data.reshape(-1)
    return out


def apply_update(opt, params, delta, subtract):
    """``p -= delta[slice]`` (``subtract``) or ``p += delta[slice]`` for each parameter."""
    flat = opt._flat_cache[tuple(id(p) for p in params)]
    for (a, b), p in zip(flat.offsets, params):
        d = p._data
        part = delta[a:b].reshape(d.shape)
        if subtract:
            d -= part
        else:
            d += part
        p._bump()



def sgd_foreach(opt, group):
    """``SGD.step`` on the group's small parameters, on flat arrays (see ``SGD`` for the
    update). Returns the parameters left for the per-parameter loop: the large ones, or all of
    them when the flat path cannot run (see ``flat_group``)."""
    params, large = _small_and_large(group)
    momentum = group["momentum"]
    arrays = flat_group(opt, params, ("momentum_buffer",) if momentum != 0 else ())
    if arrays is None:
        return params + large
    g = flat_grads(opt, params, group["maximize"])
    weight_decay = group["weight_decay"]
    if weight_decay != 0:
        decay = flat_params(opt, params)
        decay *= weight_decay
        g += decay  # g + weight_decay * p
    if momentum != 0:
        buf = arrays["momentum_buffer"]
        buf *= momentum
        dampening = group["dampening"]
        buf += g if dampening == 0 else (1 - dampening) * g
        if group["nesterov"]:
            g += momentum * buf  # g + momentum * buf
        else:
            g[...] = buf
    g *= group["lr"]
    apply_update(opt, params, g, subtract=True)
    return large


def adam_foreach(opt, group, decoupled):
    """``Adam.step`` (``AdamW.step`` when ``decoupled``) on the group's small parameters, on
    flat arrays. Returns the parameters left for the per-parameter loop, as ``sgd_foreach``."""
    from numtorch.optim._functional import update_moments

    params, large = _small_and_large(group)
    amsgrad = group["amsgrad"]
    keys = ("exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if amsgrad else ())
    if any("step" not in opt.state.get(p, ()) for p in params):
        return params + large
    steps = {float(opt.state[p]["step"]._data) for p in params}
    arrays = flat_group(opt, params, keys) if len(steps) == 1 else None
    if arrays is None:
        return params + large
    lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
    wd = group["weight_decay"]
    g = flat_grads(opt, params, group["maximize"])
    if wd != 0:
        if decoupled:
            for p in params:
                p._data *= 1 - lr * wd
        else:
            decay = flat_params(opt, params)
            decay *= wd
            g += decay  # g + wd * p
    for p in params:
        s = opt.state[p]["step"]
        s._data += 1
    t = float(opt.state[params[0]]["step"]._data)
    state = {"exp_avg": _Array(arrays["exp_avg"]), "exp_avg_sq": _Array(arrays["exp_avg_sq"])}
    m, v, tmp = update_moments(state, g, beta1, beta2)
    bias_correction1 = 1 - beta1 ** t
    bias_correction2_sqrt = (1 - beta2 ** t) ** 0.5
    if amsgrad:
        vmax = arrays["max_exp_avg_sq"]
        np.maximum(vmax, v, out=vmax)
        np.sqrt(vmax, out=tmp)
    else:
        np.sqrt(v, out=tmp)
    tmp /= bias_correction2_sqrt
    tmp += eps
    np.divide(m, tmp, out=tmp)
    tmp *= -(lr / bias_correction1)
    apply_update(opt, params, tmp, subtract=False)
    return large


class _Array:
    """Stands for a state tensor in ``update_moments`` (which reads ``._data``)."""

    def __init__(self, data):
        self._data = data
