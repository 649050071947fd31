"""``einsum``: any contraction, in one primitive whose backward is itself an einsum (so every
order of derivative comes for free), with PyTorch's equation and sublist forms."""

import numpy as np

from numtorch.autograd.function import Primitive
from numtorch.ops.matmul import _check_bmm_dtype, _no_bool

__all__ = ["einsum"]


class Einsum(Primitive):
    """``out[o] = sum over the other letters of prod_k A_k[s_k]``.

    d out / d A_k: the gradient of operand ``k`` is the einsum of the output gradient with every
    other operand, written to ``A_k``'s subscripts ``s_k``. Two cases make that einsum more
    general than NumPy's: a letter repeated in ``s_k`` (``'ii->'``: the gradient lives on the
    diagonal, zeros elsewhere) and a letter of ``s_k`` seen nowhere else (``'ij->i'``: the
    gradient is broadcast along it). ``forward`` handles both, so ``backward`` is one ``Einsum``
    per operand and double backward needs nothing more. Size-1 dimensions broadcast against the
    letter's size (the engine sums the gradient back).
    """

    @staticmethod
    def forward(ctx, *arrays, in_subs, out_sub, sizes):
        ctx.save_for_backward(*arrays)
        ctx.in_subs, ctx.out_sub, ctx.sizes = in_subs, out_sub, sizes
        return _einsum_arrays(in_subs, out_sub, arrays, sizes)

    @staticmethod
    def backward(ctx, grad_output):
        arrays = ctx.saved_tensors
        in_subs, sizes = ctx.in_subs, ctx.sizes
        grads = []
        for k, need in enumerate(ctx.needs_input_grad):
            if not need:
                grads.append(None)
                continue
            subs = (ctx.out_sub,) + in_subs[:k] + in_subs[k + 1:]
            ops = (grad_output,) + arrays[:k] + arrays[k + 1:]
            grads.append(Einsum.apply(*ops, in_subs=subs, out_sub=in_subs[k], sizes=sizes))
        return tuple(grads)


def _einsum_arrays(in_subs, out_sub, arrays, sizes):
    ops = []
    for s, a in zip(in_subs, arrays):
        shape = tuple(sizes[c] for c in s)
        ops.append(a if a.shape == shape else np.broadcast_to(a, shape))
    present = set("".join(in_subs))
    uniq = "".join(dict.fromkeys(out_sub))
    core = "".join(c for c in uniq if c in present)
    spec = ",".join(in_subs) + "->" + core
    if len(ops) == 1 and in_subs[0] == core:
        res = ops[0]
    else:
        res = np.einsum(spec, *ops, optimize=len(ops) > 1)
    if core == out_sub:
        return np.asarray(res)
    # Letters absent from the inputs broadcast; repeated letters index a diagonal.
    uniq_shape = tuple(sizes[c] for c in uniq)
    res = np.broadcast_to(np.reshape(res, tuple(sizes[c] if c in present else 1 for c in uniq)),
                          uniq_shape)
    if uniq == out_sub:
        return res
    out = np.zeros(tuple(sizes[c] for c in out_sub), dtype=res.dtype)
    strides = [sum(st for c2, st in zip(out_sub, out.strides) if c2 == c) for c in uniq]
    np.copyto(np.lib.stride_tricks.as_strided(out, uniq_shape, strides), res)
    return out


_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _sublist_to_str(sub):
    out = []
    for s in sub:
        if s is Ellipsis:
            out.append("...")
        else:
            if not 0 <= s < 52:
                raise ValueError(f"einsum(): expected subscript to be within the range [0, 52), "
                                 f"but got {s}")
            out.append(_LETTERS[s])
    return "".join(out)


def _einsum_args(args):
    """``einsum(eq, *ops)``, ``einsum(eq, [ops])`` or the sublist form ``einsum(op, [0, 1],
    op, [1, 2], [0, 2])`` -> (equation, operands)."""
    if isinstance(args[0], str):
        ops = args[1:]
        if len(ops) == 1 and isinstance(ops[0], (list, tuple)):
            ops = tuple(ops[0])
        return args[0], list(ops)
    ops = list(args[0::2][:len(args) // 2])
    subs = [_sublist_to_str(s) for s in args[1::2]]
    eq = ",".join(subs[:len(ops)])
    if len(args) % 2:
        eq += "->" + _sublist_to_str(args[-1])
    return eq, ops


def _parse_einsum(equation, shapes):
    """Resolve ellipses to letters and check the equation: (in_subs, out_sub, sizes)."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) > len(shapes):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the "
                           "equation")
    if len(terms) < len(shapes):
        raise RuntimeError("einsum(): more operands were provided than specified in the "
                           "equation")
    for i, ch in enumerate(eq):
        if ch not in _LETTERS and ch not in ".,->":
            raise RuntimeError(f"einsum(): invalid subscript given at index {i} in the equation "
                               f"string, subscripts must be in [a-zA-Z]")
    used = set(eq)
    spare = [c for c in _LETTERS if c not in used]
    ell_ndims = []
    for k, (t, shape) in enumerate(zip(terms, shapes)):
        n = len(t.replace("...", ""))
        if "..." in t:
            if n > len(shape):
                raise RuntimeError(f"einsum(): the number of subscripts in the equation ({n}) is "
                                   f"more than the number of dimensions ({len(shape)}) for "
                                   f"operand {k}")
            ell_ndims.append(len(shape) - n)
        else:
            if n != len(shape):
                raise RuntimeError(f"einsum(): the number of subscripts in the equation ({n}) "
                                   f"does not match the number of dimensions ({len(shape)}) for "
                                   f"operand {k} and no ellipsis was given")
            ell_ndims.append(0)
    n_ell = max(ell_ndims, default=0)
    ell = "".join(spare[:n_ell])
    sizes = {}
    ell_sizes = [1] * n_ell
    in_subs = []
    for k, (t, shape, e) in enumerate(zip(terms, shapes, ell_ndims)):
        sub = t.replace("...", ell[n_ell - e:]) if "..." in t else t
        for j, c in enumerate(sub):
            d = shape[j]
            if c in ell:
                pos = ell.index(c)
                if ell_sizes[pos] != 1 and d != 1 and d != ell_sizes[pos]:
                    raise RuntimeError(
                        f"einsum(): dimension {pos} covered by ellipsis in operand {k}has size "
                        f"{d} which does not broadcast with previously seen ellipsis with size "
                        f"{ell_sizes[pos]} for the respective dimension")
                ell_sizes[pos] = max(ell_sizes[pos], d) if d != 0 else 0
            first = sub.index(c)
            if first != j and shape[first] != d:
                raise RuntimeError(f"einsum(): subscript {c} is repeated for operand {k} but the "
                                   f"sizes don't match, {d} != {shape[first]}")
            prev = sizes.get(c)
            if prev is None or prev == 1:
                sizes[c] = d
            elif d != 1 and d != prev:
                raise RuntimeError(f"einsum(): subscript {c} has size {d} for operand {k} which "
                                   f"does not broadcast with previously seen size {prev}")
        in_subs.append(sub)
    if arrow:
        out_sub = rhs.replace("...", ell)
        for c in out_sub:
            if out_sub.count(c) > 1:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in "
                                   f"the output")
            if c not in sizes:
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the "
                                   f"equation for any input operand")
    else:
        counts = {}
        for c in "".join(in_subs):
            counts[c] = counts.get(c, 0) + 1
        out_sub = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    return tuple(in_subs), out_sub, sizes


def einsum(*args):
    """``torch.einsum``: sums of products over the letters of an equation, e.g.
    ``einsum('bij,bjk->bik', a, b)``. Supports repeated letters (diagonals), ``...``
    (broadcast batch dims), an omitted output (the letters seen once, sorted) and PyTorch's
    sublist form. Operands must share a dtype. Computed with ``numpy.einsum`` (with path
    optimization, which hands contractions to BLAS)."""
    equation, ops = _einsum_args(args)
    if not ops:
        raise RuntimeError("einsum(): must provide at least one operand")
    for t in ops[1:]:
        _check_bmm_dtype(ops[0], t)
    _no_bool(ops[0], "bmm")
    in_subs, out_sub, sizes = _parse_einsum(equation, [t._data.shape for t in ops])
    return Einsum.apply(*ops, in_subs=in_subs, out_sub=out_sub, sizes=sizes)
