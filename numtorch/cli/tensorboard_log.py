"""``numtorch train --tensorboard``: the run's TensorBoard logs in ``<run>/tensorboard/``.

Per epoch: ``Loss/train``, ``Loss/val``, ``Accuracy/train``, ``Accuracy/val``,
``LearningRate`` and a histogram of every parameter (``weights/<name>``); at the end, the test
confusion matrix as a figure (``ConfusionMatrix``), the test accuracy, and the configuration
as text. A resumed run purges the events after its checkpoint, so the curves continue cleanly.
View with ``tensorboard --logdir runs``.
"""

import dataclasses
import os

from numtorch.cli import plots
from numtorch.cli.config import ConfigError

__all__ = ["TrainLog", "open_log"]


def open_log(cfg, out_dir, start_epoch=0):
    """A ``TrainLog`` when ``--tensorboard`` is on, else None. ConfigError without the
    tensorboard package."""
    if not cfg.tensorboard:
        return None
    try:
        from numtorch.utils.tensorboard import SummaryWriter
    except ImportError:
        raise ConfigError('--tensorboard needs the tensorboard package: pip install '
                          '"numtorch[tensorboard]"') from None
    purge = start_epoch + 1 if start_epoch else None
    writer = SummaryWriter(os.path.join(out_dir, "tensorboard"), purge_step=purge)
    return TrainLog(writer, cfg)


class TrainLog:
    def __init__(self, writer, cfg):
        self.writer = writer
        if not cfg.resume:
            lines = [f"    {k} = {v!r}" for k, v in dataclasses.asdict(cfg).items()]
            writer.add_text("config", "\n".join(lines), 0)

    def epoch(self, row, model):
        """One finished epoch: its history row (losses, accuracies, lr) and the weights."""
        w, step = self.writer, row["epoch"]
        for name, key in (("Loss/train", "train_loss"), ("Loss/val", "val_loss"),
                          ("Accuracy/train", "train_acc"), ("Accuracy/val", "val_acc"),
                          ("LearningRate", "lr")):
            if row.get(key) is not None:
                w.add_scalar(name, row[key], step)
        for name, p in model.named_parameters():
            w.add_histogram("weights/" + name, p.detach(), step)
        w.flush()

    def finish(self, cm, classes, test_acc, step):
        """The test results of the kept weights."""
        if test_acc == test_acc:  # not NaN (an empty test split)
            self.writer.add_scalar("Accuracy/test", test_acc, step)
        if plots.have_matplotlib():
            self.writer.add_figure("ConfusionMatrix", plots.confusion_figure(cm, classes), step)
        self.writer.close()
