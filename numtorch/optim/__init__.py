"""numtorch.optim: PyTorch's optimizers and learning-rate schedulers."""

from numtorch.optim import lr_scheduler
from numtorch.optim.adadelta import Adadelta
from numtorch.optim.adafactor import Adafactor
from numtorch.optim.adagrad import Adagrad
from numtorch.optim.adam import Adam
from numtorch.optim.adamax import Adamax
from numtorch.optim.adamw import AdamW
from numtorch.optim.asgd import ASGD
from numtorch.optim.lbfgs import LBFGS
from numtorch.optim.nadam import NAdam
from numtorch.optim.optimizer import Optimizer
from numtorch.optim.radam import RAdam
from numtorch.optim.rmsprop import RMSprop
from numtorch.optim.rprop import Rprop
from numtorch.optim.sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "Adagrad", "RMSprop", "Adadelta", "Adamax",
           "NAdam", "RAdam", "LBFGS", "Rprop", "ASGD", "Adafactor", "lr_scheduler"]
