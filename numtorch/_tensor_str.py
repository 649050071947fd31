"""PyTorch's tensor printing: ``tensor([[1., 0.]], requires_grad=True)``.

The rules are PyTorch's, character for character; the one difference is that dtypes print as
``numtorch.float64`` where PyTorch prints ``torch.float64``.

- Integers and bools print as Python does; every element is right-aligned to the widest.
- Floats are formatted from their nonzero finite values only: as integers with a trailing dot
  when every such value is whole (``1.``), in scientific notation (``1.0000e-05``) when the
  largest magnitude is over 1000x the smallest or over 1e8 (or, for non-whole values, the
  smallest is under 1e-4), else with ``precision`` (4) decimals.
- Tensors with more than ``threshold`` (1000) elements show ``edgeitems`` (3) items at each
  edge of every dimension, with ``...`` between; the format is chosen from the shown items.
- Rows wrap at ``linewidth`` (80) characters; suffixes (``dtype=``, ``grad_fn=``,
  ``requires_grad=True``, and ``size=`` for empty tensors) follow PyTorch's order and wrapping.
"""

import math

import numpy as np

__all__ = ["tensor_repr", "set_printoptions", "get_printoptions"]

_DEFAULTS = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80,
             "sci_mode": None}
_opts = dict(_DEFAULTS)


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """PyTorch's ``set_printoptions``: ``profile`` is 'default', 'short' or 'full'; the other
    arguments override it; ``sci_mode`` None lets the values decide."""
    if profile == "default":
        _opts.update(precision=4, threshold=1000, edgeitems=3, linewidth=80)
    elif profile == "short":
        _opts.update(precision=2, threshold=1000, edgeitems=2, linewidth=80)
    elif profile == "full":
        _opts.update(precision=4, threshold=math.inf, edgeitems=3, linewidth=80)
    for k, v in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                 ("linewidth", linewidth)):
        if v is not None:
            _opts[k] = v
    _opts["sci_mode"] = sci_mode


def get_printoptions():
    """The current print options as a dict."""
    return dict(_opts)


class _Formatter:
    """Chooses one format (and width) for all elements of a tensor, as PyTorch does."""

    def __init__(self, values):
        self.floating = values.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        prec = _opts["precision"]
        flat = values.ravel()
        if not self.floating:
            for v in flat.tolist():
                self.max_width = max(self.max_width, len(str(v)))
            return
        finite = flat[np.isfinite(flat) & (flat != 0)]
        if finite.size:
            absval = np.abs(finite).astype(np.float64)
            lo, hi = float(absval.min()), float(absval.max())
            vals = finite.tolist()
            self.int_mode = bool(np.all(finite == np.ceil(finite)))
            if self.int_mode:
                if hi / lo > 1000.0 or hi > 1.0e8:
                    self.sci_mode = True
                    strs = [f"{v:.{prec}e}" for v in vals]
                else:
                    strs = [f"{v:.0f}." for v in vals]
            elif hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4:
                self.sci_mode = True
                strs = [f"{v:.{prec}e}" for v in vals]
            else:
                strs = [f"{v:.{prec}f}" for v in vals]
            self.max_width = max(len(s) for s in strs)
        if _opts["sci_mode"] is not None:
            self.sci_mode = _opts["sci_mode"]

    def format(self, value):
        if self.floating:
            prec = _opts["precision"]
            if self.sci_mode:
                ret = f"{value:{self.max_width}.{prec}e}"
            elif self.int_mode:
                ret = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    ret += "."
            else:
                ret = f"{value:.{prec}f}"
        else:
            ret = str(value)
        return (self.max_width - len(ret)) * " " + ret


def _summarized(a, edge):
    """The elements that will be shown: ``edge`` items at both ends of every long dimension."""
    if a.ndim == 0:
        return a
    if a.shape[0] > 2 * edge:
        a = np.concatenate([a[:edge], a[-edge:]])
    if a.ndim == 1:
        return a
    return np.stack([_summarized(s, edge) for s in a])


def _vector_str(a, indent, summarize, fmt):
    edge = _opts["edgeitems"]
    per_line = max(1, int(math.floor((_opts["linewidth"] - indent) /
                                              (fmt.max_width + 2))))
    if summarize and a.shape[0] > 2 * edge:
        data = [fmt.format(v) for v in a[:edge].tolist()] + [" ..."] + \
            [fmt.format(v) for v in a[-edge:].tolist()]
    else:
        data = [fmt.format(v) for v in a.tolist()]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _tensor_str(a, indent, summarize, fmt):
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        return _vector_str(a, indent, summarize, fmt)
    edge = _opts["edgeitems"]
    n = a.shape[0]
    if summarize and n > 2 * edge:
        rows = [_tensor_str(a[i], indent + 1, summarize, fmt) for i in range(edge)] + \
            ["..."] + [_tensor_str(a[i], indent + 1, summarize, fmt)
                       for i in range(n - edge, n)]
    else:
        rows = [_tensor_str(a[i], indent + 1, summarize, fmt) for i in range(n)]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def _add_suffixes(body, suffixes, indent):
    parts = [body]
    last_line_len = len(body) - body.rfind("\n") + 1
    for suffix in suffixes:
        # Measured as PyTorch spells it ("torch.float64"), so lines break where PyTorch's do.
        n = len(suffix.replace("numtorch.", "torch."))
        if last_line_len + n + 2 > _opts["linewidth"]:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + n
        else:
            parts.append(", " + suffix)
            last_line_len += n + 2
    parts.append(")")
    return "".join(parts)


def tensor_repr(t, prefix="tensor("):
    """``repr(t)`` in PyTorch's format."""
    from numtorch import _dtype

    a = t._data
    indent = len(prefix)
    dt = t.dtype
    suffixes = []
    if a.size == 0:
        if a.ndim != 1:
            suffixes.append(f"size={tuple(a.shape)}")
        if dt is not _dtype.get_default_dtype():
            suffixes.append(f"dtype={dt!r}")
        body = "[]"
    else:
        if dt not in (_dtype.get_default_dtype(), _dtype.int64, _dtype.bool):
            suffixes.append(f"dtype={dt!r}")
        summarize = a.size > _opts["threshold"]
        if a.dtype == np.float16:
            a = a.astype(np.float32)  # formatted through float32, as PyTorch does
        fmt = _Formatter(_summarized(a, _opts["edgeitems"]) if summarize else a)
        body = _tensor_str(a, indent, summarize, fmt)
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
