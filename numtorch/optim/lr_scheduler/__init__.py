"""Learning-rate schedules, PyTorch's ``torch.optim.lr_scheduler``.

Call ``scheduler.step()`` once per epoch (or per batch for CyclicLR/OneCycleLR), *after*
``optimizer.step()``. Each scheduler computes the new lr of every parameter group from the
current one (the "chainable" form PyTorch uses, so schedulers can be combined) and, for
``step(epoch)``, from a closed form.

The course's decays:
    inverse time  lr_t = lr_0 / (1 + r t)  -> LambdaLR(opt, lambda t: 1 / (1 + r * t))
    exponential   lr_t = lr_0 gamma^t      -> ExponentialLR(opt, gamma)
    step          lr_t = lr_0 gamma^(t // s) -> StepLR(opt, step_size=s, gamma=gamma)
"""

from numtorch.optim.lr_scheduler.combined import ChainedScheduler, ReduceLROnPlateau, SequentialLR
from numtorch.optim.lr_scheduler.cyclic import (
    CosineAnnealingLR,
    CosineAnnealingWarmRestarts,
    CyclicLR,
    OneCycleLR,
)
from numtorch.optim.lr_scheduler.decay import (
    ConstantLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiplicativeLR,
    MultiStepLR,
    PolynomialLR,
    StepLR,
)
from numtorch.optim.lr_scheduler.scheduler import LRScheduler, _LRScheduler

__all__ = [
    "LRScheduler", "_LRScheduler", "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR",
    "ConstantLR", "LinearLR", "ExponentialLR", "PolynomialLR", "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts", "CyclicLR", "OneCycleLR", "SequentialLR", "ChainedScheduler",
    "ReduceLROnPlateau",
]

# The files are one family each; the classes answer to PyTorch's module path (reprs, pickles).
for _name in __all__:
    globals()[_name].__module__ = __name__
del _name
