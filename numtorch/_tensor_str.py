"""PyTorch's tensor printing: ``tensor([[1., 0.]], requires_grad=True)``.

Floats print with 4 decimals, as integers with a trailing dot when every value is whole, or in
scientific notation when the magnitudes span more than 1000x (or exceed 1e8, or go below 1e-4).
Tensors with more than 1000 elements are summarized with ``...`` (3 items at each edge).
"""

import numpy as np

__all__ = ["tensor_repr", "set_printoptions"]

_opts = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """PyTorch's ``set_printoptions`` (profile 'default', 'short', 'full')."""
    if profile == "default":
        _opts.update(precision=4, threshold=1000, edgeitems=3, linewidth=80)
    elif profile == "short":
        _opts.update(precision=2, threshold=1000, edgeitems=2, linewidth=80)
    elif profile == "full":
        _opts.update(precision=4, threshold=float("inf"), edgeitems=3, linewidth=80)
    for k, v in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                 ("linewidth", linewidth)):
        if v is not None:
            _opts[k] = v
    _opts["sci_mode"] = sci_mode


class _Formatter:
    def __init__(self, values):
        self.kind = values.dtype.kind
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        prec = _opts["precision"]
        if self.kind == "b":
            self.width = max((len(str(bool(v))) for v in values.ravel()), default=1)
            return
        if self.kind in "iu":
            self.width = max((len(str(int(v))) for v in values.ravel()), default=1)
            return
        vals = values.astype(np.float64).ravel()
        finite = vals[np.isfinite(vals)]
        if finite.size == 0:
            self.width = max((len(str(v)) for v in vals), default=1)
            return
        nonzero = np.abs(finite[finite != 0])
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        if nonzero.size:
            lo, hi = nonzero.min(), nonzero.max()
        else:
            lo = hi = 0.0
        if self.int_mode:
            if nonzero.size and (hi / lo > 1000.0 or hi > 1.0e8):
                self.sci_mode = True
        elif nonzero.size and (hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4):
            self.sci_mode = True
        if _opts["sci_mode"] is not None:
            self.sci_mode = _opts["sci_mode"]
        self.prec = prec
        self.width = max(len(self._fmt(v)) for v in vals)

    def _fmt(self, v):
        if self.kind == "b":
            return str(bool(v))
        if self.kind in "iu":
            return str(int(v))
        v = float(v)
        if not np.isfinite(v):
            return "nan" if np.isnan(v) else ("inf" if v > 0 else "-inf")
        if self.sci_mode:
            return f"{v:.{self.prec}e}"
        if self.int_mode:
            return f"{v:.0f}."
        return f"{v:.{self.prec}f}"

    def format(self, v):
        return self._fmt(v).rjust(self.width)


def _summarize(a, edge):
    if a.ndim == 0:
        return a
    if a.shape[0] > 2 * edge:
        a = np.concatenate([a[:edge], a[-edge:]])
    return np.stack([_summarize(s, edge) for s in a]) if a.ndim > 1 else a


def _fmt_array(a, fmt, indent, summarize, edge):
    if a.ndim == 0:
        return fmt.format(a.item())
    n = a.shape[0]
    if a.ndim == 1:
        if summarize and n > 2 * edge:
            items = [fmt.format(v) for v in a[:edge]] + ["..."] + \
                [fmt.format(v) for v in a[-edge:]]
        else:
            items = [fmt.format(v) for v in a]
        per_line = max(1, (_opts["linewidth"] - indent) // (fmt.width + 2))
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    if summarize and n > 2 * edge:
        rows = [_fmt_array(a[i], fmt, indent + 1, summarize, edge) for i in range(edge)] + \
            ["..."] + [_fmt_array(a[i], fmt, indent + 1, summarize, edge)
                       for i in range(n - edge, n)]
    else:
        rows = [_fmt_array(a[i], fmt, indent + 1, summarize, edge) for i in range(n)]
    sep = "," + "\n" * (a.ndim - 1) + " " * (indent + 1)
    return "[" + sep.join(rows) + "]"


def tensor_repr(t, prefix="tensor("):
    from numtorch import _dtype

    a = t._data
    suffixes = []
    indent = len(prefix)
    dt = t.dtype
    default = dt in (_dtype.get_default_dtype(), _dtype.int64, _dtype.bool)
    if a.size == 0 and a.ndim != 1:
        body = "[]"
        suffixes.append(f"size={tuple(a.shape)}")
    elif a.size == 0:
        body = "[]"
    else:
        summarize = a.size > _opts["threshold"]
        edge = _opts["edgeitems"]
        shown = _summarize(a, edge) if summarize else a
        fmt = _Formatter(shown)
        body = _fmt_array(a, fmt, indent, summarize, edge)
    if not default:
        suffixes.append(f"dtype={dt!r}")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    tail = "".join(", " + s for s in suffixes)
    return f"{prefix}{body}{tail})"
