"""Named-tuple results of ops that return several tensors, as ``torch.return_types``.

``values, indices = numtorch.max(x, dim=1)`` unpacks like a tuple; ``r.values`` and
``r.indices`` name the parts; ``r[0]`` indexes. Each class is a ``tuple`` subclass built from a
sequence (``numtorch.return_types.max((values, indices))``), pickles, and prints as PyTorch
prints its structseqs::

    numtorch.return_types.max(
    values=tensor([3., 4.]),
    indices=tensor([1, 1]))
"""

import operator

__all__ = [
    "aminmax", "cummax", "cummin", "frexp", "geqrf", "histogram", "histogramdd", "kthvalue",
    "linalg_cholesky_ex", "linalg_eig", "linalg_eigh", "linalg_inv_ex", "linalg_ldl_factor",
    "linalg_ldl_factor_ex", "linalg_lstsq", "linalg_lu", "linalg_lu_factor",
    "linalg_lu_factor_ex", "linalg_qr", "linalg_slogdet", "linalg_solve_ex", "linalg_svd",
    "lu_unpack", "max", "median", "min", "mode", "nanmedian", "qr", "slogdet", "sort", "svd",
    "topk", "triangular_solve",
]


def _make(name, fields):
    """A tuple subclass named ``name`` whose items are also the attributes ``fields``."""

    def __new__(cls, sequence):
        items = tuple(sequence)
        if len(items) != len(fields):
            raise TypeError(f"numtorch.return_types.{name} takes a {len(fields)}-sequence "
                            f"({len(items)}-sequence given)")
        return tuple.__new__(cls, items)

    def __repr__(self):
        parts = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"numtorch.return_types.{name}(\n{parts})"

    def __reduce__(self):
        return (type(self), (tuple(self),))

    attrs = {
        "__slots__": (),
        "__new__": __new__,
        "__repr__": __repr__,
        "__reduce__": __reduce__,
        "__module__": __name__,
        "__doc__": f"``({', '.join(fields)})``, as ``torch.return_types.{name}``.",
        "_fields": tuple(fields),
        "n_fields": len(fields),
        "n_sequence_fields": len(fields),
        "n_unnamed_fields": 0,
    }
    for i, f in enumerate(fields):
        attrs[f] = property(operator.itemgetter(i), doc=f"Item {i} of the result.")
    cls = type(name, (tuple,), attrs)
    cls.__qualname__ = name
    return cls


_VI = ("values", "indices")

max = _make("max", _VI)  # noqa: A001 - torch.return_types.max
min = _make("min", _VI)  # noqa: A001 - torch.return_types.min
sort = _make("sort", _VI)
topk = _make("topk", _VI)
median = _make("median", _VI)
nanmedian = _make("nanmedian", _VI)
mode = _make("mode", _VI)
kthvalue = _make("kthvalue", _VI)
cummax = _make("cummax", _VI)
cummin = _make("cummin", _VI)
aminmax = _make("aminmax", ("min", "max"))
frexp = _make("frexp", ("mantissa", "exponent"))
histogram = _make("histogram", ("hist", "bin_edges"))
histogramdd = _make("histogramdd", ("hist", "bin_edges"))
geqrf = _make("geqrf", ("a", "tau"))
qr = _make("qr", ("Q", "R"))
svd = _make("svd", ("U", "S", "V"))
slogdet = _make("slogdet", ("sign", "logabsdet"))
triangular_solve = _make("triangular_solve", ("solution", "cloned_coefficient"))
lu_unpack = _make("lu_unpack", ("P", "L", "U"))
linalg_cholesky_ex = _make("linalg_cholesky_ex", ("L", "info"))
linalg_eig = _make("linalg_eig", ("eigenvalues", "eigenvectors"))
linalg_eigh = _make("linalg_eigh", ("eigenvalues", "eigenvectors"))
linalg_inv_ex = _make("linalg_inv_ex", ("inverse", "info"))
linalg_ldl_factor = _make("linalg_ldl_factor", ("LD", "pivots"))
linalg_ldl_factor_ex = _make("linalg_ldl_factor_ex", ("LD", "pivots", "info"))
linalg_lstsq = _make("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"))
linalg_lu = _make("linalg_lu", ("P", "L", "U"))
linalg_lu_factor = _make("linalg_lu_factor", ("LU", "pivots"))
linalg_lu_factor_ex = _make("linalg_lu_factor_ex", ("LU", "pivots", "info"))
linalg_qr = _make("linalg_qr", ("Q", "R"))
linalg_slogdet = _make("linalg_slogdet", ("sign", "logabsdet"))
linalg_solve_ex = _make("linalg_solve_ex", ("result", "info"))
linalg_svd = _make("linalg_svd", ("U", "S", "Vh"))
