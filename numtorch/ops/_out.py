"""``accepts_out``: PyTorch's keyword-only ``out=`` added to a function in one way.

The result is computed as usual and copied into ``out`` by ``elementwise._out`` (resized when
its shape differs; refused under autograd and for casts PyTorch refuses). Functions returning
several tensors (``max(x, dim)``, ``sort``) take a tuple of tensors and return the same named
tuple of them, as PyTorch does.
"""

import functools
import inspect

__all__ = ["accepts_out"]


def accepts_out(fn):
    name = fn.__name__

    @functools.wraps(fn)
    def wrapper(*args, out=None, **kwargs):
        res = fn(*args, **kwargs)
        if out is None:
            return res
        from numtorch.ops.elementwise import _out

        if isinstance(out, (tuple, list)):
            if not isinstance(res, tuple) or len(out) != len(res):
                raise TypeError(f"{name}(): argument 'out' must be a tensor, not a sequence of "
                                f"{len(out)}")
            done = [_out(r, o, name) for r, o in zip(res, out)]
            return type(res)(done) if type(res) is not tuple else tuple(done)
        if isinstance(res, tuple):
            raise TypeError(f"{name}(): argument 'out' must be a tuple of {len(res)} Tensors, "
                            f"not {type(out).__name__}")
        return _out(res, out, name)

    params = list(inspect.signature(fn).parameters.values())
    kw = inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY, default=None)
    if params and params[-1].kind == inspect.Parameter.VAR_KEYWORD:
        params.insert(len(params) - 1, kw)
    else:
        params.append(kw)
    wrapper.__signature__ = inspect.signature(fn).replace(parameters=params)
    return wrapper
