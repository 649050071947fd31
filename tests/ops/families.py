"""The op family modules whose public functions the generated op-table tests sweep."""

from numtorch.ops import (
    activation,
    conv,
    elementwise,
    indexing,
    join,
    linalg,
    loss,
    normalization,
    padding,
    pooling,
    reduction,
    shape,
    sorting,
    statistics,
)

FAMILIES = [elementwise, activation, reduction, shape, join, padding, indexing, sorting, linalg,
            conv, pooling, normalization, loss, statistics]
# the top-level creation functions shaped like their input
LIKE = ["zeros_like", "ones_like", "empty_like", "full_like", "rand_like", "randn_like"]
