"""The training configuration: one dataclass with commented defaults drives the command line
(``numtorch train --epochs 5``) and TOML files (``--config run.toml``, command line wins)."""

import argparse
import dataclasses
import sys
from dataclasses import dataclass, fields

__all__ = ["TrainConfig", "load_toml", "dump_toml", "ConfigError", "DEFAULT_LR"]

# The learning rate used when --lr is not given, per optimizer.
DEFAULT_LR = {"sgd": 0.05, "adam": 1e-3, "adamw": 1e-3, "rmsprop": 1e-3, "adagrad": 1e-2}


class ConfigError(ValueError):
    """Bad user input: the command prints it as one line and exits with status 2."""


@dataclass
class TrainConfig:
    # data: digits | mnist | fashion-mnist | kmnist | cifar10 | cifar100 | folder:PATH |
    # toy:xor | toy:moons | toy:circles | toy:blobs | toy:spirals
    data: str = "digits"
    root: str = "data"              # where data sets live (torchvision's layout)
    download: bool = False          # fetch missing data sets (needs network)
    # model: perceptron | logreg | mlp | cnn | lenet5 | vgg11 | vgg16 | resnet18 | resnet34 |
    # cifar_resnet20 (and other zoo names) | path/to/file.py:ClassName
    model: str = "cnn"
    hidden: str = "256,128"         # hidden layer sizes of the mlp
    epochs: int = 10
    batch_size: int = 32
    optimizer: str = "sgd"          # sgd | adam | adamw | rmsprop | adagrad
    lr: float = 0.0                 # 0 = the optimizer's default (see DEFAULT_LR)
    momentum: float = 0.9           # SGD and RMSprop momentum
    weight_decay: float = 0.0
    # scheduler: none | step | exponential | inverse | cosine | plateau | onecycle
    scheduler: str = "none"
    augment: bool = False           # random crop + horizontal flip for colour image data
    val_fraction: float = 0.1       # share of the training split held out for validation
    early_stopping: int = 0         # stop after this many epochs without a better val loss
    label_smoothing: float = 0.0
    seed: int = 0
    workers: int = 0                # DataLoader worker processes
    # BLAS threads; 0 = automatic: 1 for small models (< 1 M parameters, whose matrix products
    # are too small to gain from threads and slow down badly when another process takes a
    # core), all cores otherwise
    threads: int = 0
    out: str = ""                   # run folder; default runs/<date>-<data>-<model>
    resume: str = ""                # a run folder to continue
    quiet: bool = False             # plain log lines instead of progress bars
    tensorboard: bool = False       # TensorBoard logs in <run>/tensorboard (numtorch[tensorboard])
    # data-parallel processes (numtorch.distributed on MPI); --batch-size stays the global
    # batch, split evenly across them
    nproc: int = 1
    hostfile: str = ""              # MPI hostfile for processes on several machines

    def resolved_lr(self):
        return self.lr if self.lr > 0 else DEFAULT_LR[self.optimizer]

    def hidden_sizes(self):
        try:
            return tuple(int(h) for h in str(self.hidden).split(",") if h.strip())
        except ValueError:
            raise ConfigError(f"--hidden must be comma-separated integers, got "
                              f"{self.hidden!r}") from None

    def validate(self):
        if self.optimizer not in DEFAULT_LR:
            raise ConfigError(f"unknown optimizer {self.optimizer!r}; choose from "
                              f"{', '.join(DEFAULT_LR)}")
        schedulers = ("none", "step", "exponential", "inverse", "cosine", "plateau",
                      "onecycle")
        if self.scheduler not in schedulers:
            raise ConfigError(f"unknown scheduler {self.scheduler!r}; choose from "
                              f"{', '.join(schedulers)}")
        if self.nproc < 1:
            raise ConfigError(f"--nproc must be at least 1, got {self.nproc}")
        if self.batch_size % self.nproc:
            raise ConfigError(f"--batch-size {self.batch_size} must be divisible by --nproc "
                              f"{self.nproc} (it is the global batch, split across the "
                              "processes)")
        if self.threads < 0 or self.workers < 0:
            raise ConfigError("--threads and --workers must not be negative")
        if self.epochs < 1 or self.batch_size < 1:
            raise ConfigError("--epochs and --batch-size must be at least 1")
        if not 0.0 <= self.val_fraction < 1.0:
            raise ConfigError(f"--val-fraction must be in [0, 1), got {self.val_fraction}")
        if self.lr < 0 or self.weight_decay < 0 or self.momentum < 0:
            raise ConfigError("--lr, --weight-decay and --momentum must not be negative")
        if not 0.0 <= self.label_smoothing <= 1.0:
            raise ConfigError(f"--label-smoothing must be in [0, 1], got "
                              f"{self.label_smoothing}")
        self.hidden_sizes()
        if self.tensorboard:
            import importlib.util

            if importlib.util.find_spec("tensorboard") is None:
                raise ConfigError('--tensorboard needs the tensorboard package: pip install '
                                  '"numtorch[tensorboard]"')


def _bool(text):
    if isinstance(text, bool):
        return text
    low = str(text).lower()
    if low in ("1", "true", "yes", "on"):
        return True
    if low in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def add_arguments(parser):
    """One ``--option`` per field (``batch_size`` -> ``--batch-size``), defaulting to None so
    that only what the user typed overrides the TOML file."""
    for f in fields(TrainConfig):
        if f.name in ("resume",):
            continue
        flag = "--" + f.name.replace("_", "-")
        if f.type in (bool, "bool"):
            parser.add_argument(flag, nargs="?", const=True, default=None, type=_bool,
                                help=f"(default: {f.default})")
        else:
            kind = {"int": int, "float": float, "str": str}.get(
                f.type if isinstance(f.type, str) else f.type.__name__, str)
            parser.add_argument(flag, type=kind, default=None, help=f"(default: {f.default})")
    parser.add_argument("--resume", default=None, metavar="DIR",
                        help="continue the run in DIR from its last checkpoint")
    parser.add_argument("--config", default=None, metavar="FILE.toml",
                        help="read options from a TOML file (command line overrides it)")


def load_toml(path):
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        try:
            import tomli as tomllib
        except ImportError:
            raise ConfigError("reading --config on Python 3.10 needs tomli: pip install "
                              "tomli") from None
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    data = data.get("train", data)
    known = {f.name for f in fields(TrainConfig)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"config file {path}: unknown option(s) {', '.join(unknown)}")
    return data


def from_sources(args):
    """TrainConfig from defaults, then the TOML file, then the command line."""
    values = {}
    if getattr(args, "config", None):
        values.update(load_toml(args.config))
    for f in fields(TrainConfig):
        v = getattr(args, f.name, None)
        if v is not None:
            values[f.name] = v
    try:
        cfg = TrainConfig(**values)
    except TypeError as exc:
        raise ConfigError(str(exc)) from None
    for f in fields(cfg):  # TOML values of the wrong type
        v = getattr(cfg, f.name)
        want = f.type if not isinstance(f.type, str) else {"int": int, "float": float,
                                                           "str": str, "bool": bool}[f.type]
        if want is float and isinstance(v, int) and not isinstance(v, bool):
            setattr(cfg, f.name, float(v))
        elif not isinstance(v, want):
            raise ConfigError(f"option {f.name} must be {want.__name__}, got {v!r}")
    cfg.validate()
    return cfg


def dump_toml(cfg, extra=None):
    """The resolved configuration as TOML text (a [train] table, plus [resolved] facts)."""
    def fmt(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(fmt(x) for x in v) + "]"
        return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = ["[train]"]
    for k, v in dataclasses.asdict(cfg).items():
        lines.append(f"{k} = {fmt(v)}")
    if extra:
        lines.append("")
        lines.append("[resolved]")
        for k, v in extra.items():
            lines.append(f"{k} = {fmt(v)}")
    return "\n".join(lines) + "\n"
