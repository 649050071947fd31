"""``numtorch.utils.tensorboard``: PyTorch's ``torch.utils.tensorboard.SummaryWriter``.

Event files are written by the ``tensorboard`` package (its event writer and protos), so
TensorBoard reads them as it reads PyTorch's. Open them with ``tensorboard --logdir runs``.
Needs the optional extra: ``pip install "numtorch[tensorboard]"``.
"""

try:
    import tensorboard  # noqa: F401
except ImportError:
    raise ImportError('numtorch.utils.tensorboard needs the tensorboard package: '
                      'pip install "numtorch[tensorboard]"') from None

from numtorch.utils.tensorboard.writer import FileWriter, SummaryWriter

__all__ = ["SummaryWriter", "FileWriter"]
