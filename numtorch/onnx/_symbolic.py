"""From traced ops to ONNX nodes: one small function per primitive.

``SYMBOLICS`` maps a traced op's kind (the primitive's class name, or ``GetItem``/``MaxDim``)
to a function ``f(em, op)`` that appends ONNX nodes through the ``Emitter`` and returns the
ONNX names of the op's outputs (None for an output it does not produce). A kind that is not
in the table, or attributes a function cannot express, raise ``UnsupportedOperatorError``
naming the op and the module it ran in.

Shapes: with dynamic axes, a reshape target is not written as the constants seen while
tracing, because the graph must run at any size of those axes. The export compares two traces
(``_export._reshape_hints``): dims that kept their size are constants, dims that changed are
read from the input at run time (``Shape`` -> ``Gather`` -> ``Concat``) or inferred (-1).
Without a second trace, ``Emitter.shape_of`` reads the dims the target shares with the input
(a leading run and a trailing run, as ``view(x.size(0), -1)``, ``flatten(1)`` and the head
split of attention leave them), makes one remaining dim -1 and the others constants.

The table and the ``Emitter`` are in ``_emitter.py``; the symbolic functions, by family, in
``_symbolic_math.py``, ``_symbolic_shape.py`` and ``_symbolic_layers.py`` (importing them
fills the table).
"""

from numtorch.onnx import _symbolic_layers, _symbolic_math, _symbolic_shape  # noqa: F401
from numtorch.onnx._emitter import SYMBOLICS, Emitter

__all__ = ["Emitter", "SYMBOLICS"]
