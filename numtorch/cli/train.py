"""``numtorch train``: data, model, optimizer, loop, evaluate, save — top to bottom.

A run folder holds everything a run produced: ``config.toml`` (the resolved configuration),
``metrics.csv`` (one row per epoch), ``model.safetensors`` (the weights of the best validation
epoch), ``checkpoint/state.safetensors`` (model, optimizer, scheduler, epoch, RNG states and the
history, rewritten atomically after every epoch), ``report.txt`` and the pictures.
"""

import csv
import math
import os
import sys
import time

import numpy as np

import numtorch
from numtorch import nn
from numtorch.cli import parallel, plots
from numtorch.cli.config import ConfigError, TrainConfig, dump_toml
from numtorch.cli.data import load_data, make_loader, normalize
from numtorch.cli.models import build_model
from numtorch.cli.tensorboard_log import open_log

__all__ = ["train", "evaluate_model", "write_report", "Logger"]

CHECKPOINT = os.path.join("checkpoint", "state.safetensors")


class Logger:
    """Progress bars (tqdm) on a terminal, plain lines otherwise or with ``--quiet``."""

    def __init__(self, quiet=False):
        self.bars = not quiet and sys.stderr.isatty()
        if self.bars:
            try:
                import tqdm  # noqa: F401
            except ImportError:
                self.bars = False

    def progress(self, iterable, total, desc):
        if not self.bars:
            return iterable
        from tqdm import tqdm

        return tqdm(iterable, total=total, desc=desc, leave=False, dynamic_ncols=True,
                    file=sys.stderr)

    @staticmethod
    def line(text):
        print(text, flush=True)


# ---------------------------------------------------------------------- optimizer, schedule
def make_optimizer(cfg, params):
    lr = cfg.resolved_lr()
    wd = cfg.weight_decay
    if cfg.optimizer == "sgd":
        return numtorch.optim.SGD(params, lr=lr, momentum=cfg.momentum, weight_decay=wd)
    if cfg.optimizer == "adam":
        return numtorch.optim.Adam(params, lr=lr, weight_decay=wd)
    if cfg.optimizer == "adamw":
        return numtorch.optim.AdamW(params, lr=lr, weight_decay=wd or 1e-2)
    if cfg.optimizer == "rmsprop":
        return numtorch.optim.RMSprop(params, lr=lr, momentum=cfg.momentum, weight_decay=wd)
    return numtorch.optim.Adagrad(params, lr=lr, weight_decay=wd)


def make_scheduler(cfg, optimizer, steps_per_epoch):
    """The schedule and whether it steps per batch (OneCycle) rather than per epoch."""
    s = numtorch.optim.lr_scheduler
    if cfg.scheduler == "step":
        return s.StepLR(optimizer, step_size=max(1, cfg.epochs // 3), gamma=0.1), False
    if cfg.scheduler == "exponential":
        return s.ExponentialLR(optimizer, gamma=0.9), False
    if cfg.scheduler == "inverse":  # the course's lr_t = lr_0 / (1 + r t), r = 0.1 per epoch
        return s.LambdaLR(optimizer, lambda t: 1.0 / (1.0 + 0.1 * t)), False
    if cfg.scheduler == "cosine":
        return s.CosineAnnealingLR(optimizer, T_max=cfg.epochs), False
    if cfg.scheduler == "plateau":
        return s.ReduceLROnPlateau(optimizer, factor=0.5, patience=2), False
    if cfg.scheduler == "onecycle":
        return s.OneCycleLR(optimizer, max_lr=cfg.resolved_lr(),
                            total_steps=cfg.epochs * steps_per_epoch), True
    return None, False


# ---------------------------------------------------------------------- evaluation
def predict_logits(model, x, bundle, batch_size=256):
    """Logits for uint8 images / raw points ``x`` (normalized like the training data)."""
    model.eval()
    outs = []
    with numtorch.no_grad():
        for i in range(0, len(x), batch_size):
            xb = numtorch.from_numpy(normalize(x[i:i + batch_size], bundle.mean, bundle.std))
            outs.append(model(xb).numpy())
    return np.concatenate(outs) if outs else np.zeros((0, bundle.num_classes), np.float32)


def evaluate_model(model, loader, criterion):
    """Mean loss and accuracy over a loader, in eval mode without a graph."""
    model.eval()
    total, correct, loss_sum = 0, 0, 0.0
    with numtorch.no_grad():
        for xb, yb in loader:
            out = model(xb)
            loss_sum += criterion(out, yb).item() * len(yb)
            correct += int((out.argmax(1) == yb).sum().item())
            total += len(yb)
    if total == 0:
        return None, None
    return loss_sum / total, correct / total


def write_report(out_dir, title, y_true, y_pred, classes, extra_lines=()):
    """Accuracy, scikit-learn's classification report and the confusion matrix, printed and
    written to report.txt; returns the confusion matrix."""
    from numtorch import metrics

    acc = float(np.mean(y_true == y_pred)) if len(y_true) else float("nan")
    cm = metrics.confusion_matrix(y_pred, y_true, num_classes=len(classes)).numpy()
    names = [str(c) for c in classes]
    try:
        report = metrics.classification_report(y_true, y_pred, target_names=names, digits=4,
                                               zero_division=0)
    except ImportError as exc:
        report = f"(classification report unavailable: {exc})"
    width = max(len(n) for n in names)
    cm_lines = [" " * (width + 2) + " ".join(f"{i:>5}" for i in range(len(names)))]
    for i, row in enumerate(cm):
        cm_lines.append(f"{names[i]:>{width}} |" + " ".join(f"{v:>5}" for v in row))
    text = "\n".join([title, f"test accuracy: {acc:.4f} ({int(np.sum(y_true == y_pred))}/"
                             f"{len(y_true)})", *extra_lines, "", "classification report:",
                      report, "confusion matrix (rows: true class, columns: predicted):",
                      *cm_lines, ""])
    print(text)
    if out_dir:
        with open(os.path.join(out_dir, "report.txt"), "w") as f:
            f.write(text)
    return cm


# ---------------------------------------------------------------------- run folder
def _run_dir(cfg):
    if cfg.out:
        return cfg.out
    stamp = time.strftime("%Y%m%d-%H%M%S")
    data = cfg.data.replace(":", "-").replace("/", "_").replace(os.sep, "_")[:40]
    model = os.path.basename(cfg.model).replace(":", "-").replace(".py", "")[:40]
    return os.path.join("runs", f"{stamp}-{data}-{model}")


def _write_atomic_text(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _write_metrics(path, history):
    fields = ["epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr", "seconds"]
    tmp = path + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        for row in history:
            w.writerow({k: row.get(k) for k in fields})
    os.replace(tmp, path)


def _save_checkpoint(out_dir, model, optimizer, scheduler, epoch, shuffle_gen, history, best):
    state = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict() if scheduler is not None else {},
        "epoch": epoch,
        "rng": {"default": numtorch.get_rng_state(), "shuffle": shuffle_gen.get_state()},
        "history": history,
        "best": best,
    }
    os.makedirs(os.path.join(out_dir, "checkpoint"), exist_ok=True)
    numtorch.save(state, os.path.join(out_dir, CHECKPOINT))


def _load_resume(cfg_cli, resume_dir, given):
    """The saved configuration of ``resume_dir`` (with --epochs/--quiet/--workers allowed to
    change) and its checkpoint; ConfigError when the folder cannot be resumed."""
    from numtorch.cli.config import load_toml

    cfg_path = os.path.join(resume_dir, "config.toml")
    ckpt_path = os.path.join(resume_dir, CHECKPOINT)
    if not os.path.isfile(cfg_path) or not os.path.isfile(ckpt_path):
        raise ConfigError(f"cannot resume {resume_dir}: it has no config.toml and {CHECKPOINT}"
                          " (is it a run folder written by numtorch train?)")
    saved = TrainConfig(**load_toml(cfg_path))
    changeable = {"epochs", "quiet", "workers", "threads", "resume", "out", "config", "download",
                  "root", "tensorboard", "nproc", "hostfile"}
    for name in given:
        if name in changeable:
            continue
        if getattr(cfg_cli, name) != getattr(saved, name):
            raise ConfigError(f"incompatible --resume folder: {resume_dir} was trained with "
                              f"--{name.replace('_', '-')} {getattr(saved, name)}, not "
                              f"{getattr(cfg_cli, name)}; resume it without that option or "
                              "start a new run")
    for name in ("epochs", "quiet", "workers", "threads", "tensorboard", "nproc", "hostfile"):
        if name in given:
            setattr(saved, name, getattr(cfg_cli, name))
    saved.out = resume_dir
    saved.resume = resume_dir
    try:
        state = numtorch.load(ckpt_path)
    except (RuntimeError, ValueError, OSError) as exc:
        raise ConfigError(f"cannot resume {resume_dir}: {exc}") from None
    return saved, state


# ---------------------------------------------------------------------- the command
def train(cfg, given=()):
    """Run a training as configured; returns the run folder."""
    log = Logger(cfg.quiet)
    # Training allocates and frees the same large arrays every step: keep freed memory for
    # reuse instead of page-faulting fresh memory each time (see numtorch/_allocator.py).
    numtorch.backends.cpu.reuse_freed_memory()
    resume_state = None
    if cfg.resume:
        cfg, resume_state = _load_resume(cfg, cfg.resume, given)
    rank, nproc = 0, 1
    launched = parallel.launched_world_size()
    if cfg.nproc == 1 and launched > 1:  # started by mpiexec -n N directly
        cfg.nproc = launched
        cfg.validate()
    if cfg.nproc > 1:
        if cfg.model == "perceptron":
            raise ConfigError("--nproc needs a gradient-trained model; the perceptron trains in "
                              "one process")
        if not parallel.inside_launcher():
            cfg.out = cfg.out or _run_dir(cfg)  # one run folder for all ranks
            return parallel.launch_processes(cfg, given)
        rank, nproc = parallel.join_process_group(cfg)
        if rank != 0:
            log = parallel.SilentLogger()

    # ---- data
    numtorch.manual_seed(cfg.seed)
    bundle = load_data(cfg.data, cfg.root, cfg.val_fraction, cfg.seed, cfg.download)
    if cfg.model == "perceptron":
        return _train_perceptron(cfg, bundle, log)

    # ---- model
    model = build_model(cfg, bundle.input_shape, bundle.num_classes)
    out_dir = _run_dir(cfg)
    if rank == 0:
        os.makedirs(out_dir, exist_ok=True)
    n_params = sum(p.numel() for p in model.parameters())
    cores = max(1, (os.cpu_count() or 1) // nproc)
    numtorch.set_num_threads(cfg.threads or (1 if n_params < 1_000_000 else cores))

    # ---- optimizer and schedule
    shuffle_gen = numtorch.Generator().manual_seed(cfg.seed)
    sampler = None
    net = model  # what runs the training steps: the model, or its DistributedDataParallel
    if nproc > 1:
        # Each rank reads every nproc-th sample of one shuffled order, in batches of
        # batch_size / nproc: together the ranks' batches are the global batch.
        from numtorch.nn.parallel import DistributedDataParallel
        from numtorch.utils.data import DistributedSampler

        sampler = DistributedSampler(range(len(bundle.y_train)), nproc, rank, shuffle=True,
                                     seed=cfg.seed)
        net = DistributedDataParallel(model)
    train_loader = make_loader(bundle, "train", cfg.batch_size // nproc,
                               shuffle=sampler is None, generator=shuffle_gen,
                               workers=cfg.workers, augment=cfg.augment, sampler=sampler)
    val_loader = make_loader(bundle, "val", 256)
    optimizer = make_optimizer(cfg, model.parameters())
    scheduler, per_batch = make_scheduler(cfg, optimizer, len(train_loader))
    criterion = nn.CrossEntropyLoss(label_smoothing=cfg.label_smoothing)

    history, start = [], 0
    best = {"val_acc": -1.0, "val_loss": math.inf, "epoch": 0, "bad_epochs": 0}
    if resume_state is not None:
        model.load_state_dict(resume_state["model"])
        optimizer.load_state_dict(resume_state["optimizer"])
        if scheduler is not None:
            scheduler.load_state_dict(resume_state["scheduler"])
        numtorch.set_rng_state(resume_state["rng"]["default"])
        shuffle_gen.set_state(resume_state["rng"]["shuffle"])
        history = list(resume_state["history"])
        best = dict(resume_state["best"])
        start = int(resume_state["epoch"])
        log.line(f"resuming {out_dir} after epoch {start}")
    elif rank == 0:
        _write_atomic_text(os.path.join(out_dir, "config.toml"), dump_toml(cfg, {
            "lr": cfg.resolved_lr(), "input_shape": list(bundle.input_shape),
            "classes": [str(c) for c in bundle.classes], "mean": bundle.mean,
            "std": bundle.std, "parameters": n_params}))
        _save_checkpoint(out_dir, model, optimizer, scheduler, 0, shuffle_gen, history, best)
    procs = f" on {nproc} processes" if nproc > 1 else ""
    log.line(f"numtorch train: {cfg.model} ({n_params:,} parameters) on {cfg.data} "
             f"({len(bundle.y_train)} train / {len(bundle.y_val)} val / {len(bundle.y_test)} "
             f"test), {cfg.optimizer} lr {cfg.resolved_lr()}, {cfg.epochs} epochs{procs} -> "
             f"{out_dir}")
    tb = open_log(cfg, out_dir, start) if rank == 0 else None  # None without --tensorboard

    # ---- loop
    epoch = start
    try:
        for epoch in range(start + 1, cfg.epochs + 1):
            t0 = time.perf_counter()
            model.train()
            if sampler is not None:
                sampler.set_epoch(epoch)
            seen = correct = 0
            loss_sum = 0.0
            bar = log.progress(train_loader, len(train_loader), f"epoch {epoch}/{cfg.epochs}")
            for xb, yb in bar:
                out = net(xb)
                loss = criterion(out, yb)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                if per_batch:
                    scheduler.step()
                n = len(yb)
                seen += n
                loss_sum += loss.item() * n
                correct += int((out.argmax(1) == yb).sum().item())
                if log.bars:
                    bar.set_postfix(loss=f"{loss_sum / seen:.4f}", acc=f"{correct / seen:.4f}")
            if nproc > 1:  # every rank gets the totals over all ranks
                loss_sum, correct, seen = parallel.sum_over_ranks(loss_sum, correct, seen)
                val_loss, val_acc = parallel.evaluate_sharded(model, bundle, criterion, rank,
                                                              nproc)
            else:
                val_loss, val_acc = evaluate_model(model, val_loader, criterion)
            train_loss, train_acc = loss_sum / seen, correct / seen
            lr = optimizer.param_groups[0]["lr"]
            if scheduler is not None and not per_batch:
                if isinstance(scheduler, numtorch.optim.lr_scheduler.ReduceLROnPlateau):
                    scheduler.step(val_loss if val_loss is not None else train_loss)
                else:
                    scheduler.step()
            seconds = time.perf_counter() - t0
            history.append({"epoch": epoch, "train_loss": train_loss, "train_acc": train_acc,
                            "val_loss": val_loss, "val_acc": val_acc, "lr": lr,
                            "seconds": seconds})
            val_text = "" if val_loss is None else f"  val loss {val_loss:.4f} acc {val_acc:.4f}"
            log.line(f"epoch {epoch:>3}/{cfg.epochs}  train loss {train_loss:.4f} acc "
                     f"{train_acc:.4f}{val_text}  lr {lr:.3g}  {seconds:.1f}s")
            if tb is not None:
                tb.epoch(history[-1], model)

            # Best weights by validation accuracy (ties: lower loss); without a validation
            # split, the last epoch's.
            score_acc = val_acc if val_acc is not None else train_acc
            score_loss = val_loss if val_loss is not None else train_loss
            if score_acc > best["val_acc"] or (score_acc == best["val_acc"]
                                               and score_loss < best["val_loss"]):
                best.update(val_acc=score_acc, val_loss=score_loss, epoch=epoch)
                if rank == 0:
                    numtorch.save(model.state_dict(), os.path.join(out_dir,
                                                                   "model.safetensors"))
            if score_loss < best.get("min_loss", math.inf):
                best["min_loss"] = score_loss
                best["bad_epochs"] = 0
            else:
                best["bad_epochs"] = best.get("bad_epochs", 0) + 1
            if rank == 0:
                _write_metrics(os.path.join(out_dir, "metrics.csv"), history)
                _save_checkpoint(out_dir, model, optimizer, scheduler, epoch, shuffle_gen,
                                 history, best)
            if cfg.early_stopping and best["bad_epochs"] >= cfg.early_stopping:
                log.line(f"early stopping: no better validation loss for "
                         f"{cfg.early_stopping} epochs")
                break
    except KeyboardInterrupt:
        done = history[-1]["epoch"] if history else start
        print(f"\ninterrupted: the checkpoint after epoch {done} is in "
              f"{os.path.join(out_dir, 'checkpoint')}; continue with: numtorch train --resume "
              f"{out_dir}", file=sys.stderr, flush=True)
        raise SystemExit(130) from None

    if nproc > 1:
        from numtorch import distributed as dist

        dist.barrier()
        dist.destroy_process_group()
        if rank != 0:
            return out_dir

    # ---- evaluate the best weights on the test split
    if os.path.isfile(os.path.join(out_dir, "model.safetensors")):
        model.load_state_dict(numtorch.load(os.path.join(out_dir, "model.safetensors")))
    logits = predict_logits(model, bundle.x_test, bundle)
    pred = logits.argmax(1) if len(logits) else np.zeros(0, np.int64)
    total = sum(h["seconds"] for h in history)
    cm = write_report(out_dir, f"{cfg.model} on {cfg.data}: best validation epoch "
                      f"{best['epoch']}", bundle.y_test, pred, bundle.classes,
                      [f"training time: {total:.1f}s over {len(history)} epochs"])
    if tb is not None:
        test_acc = float(np.mean(pred == bundle.y_test)) if len(pred) else math.nan
        tb.finish(cm, bundle.classes, test_acc, history[-1]["epoch"] if history else start)
    _pictures(out_dir, history, cm, bundle, pred,
              lambda pts: predict_logits(model, pts, bundle).argmax(1))
    log.line(f"run folder: {out_dir}")
    return out_dir


def _pictures(out_dir, history, cm, bundle, pred, predict_points):
    if not plots.have_matplotlib():
        print("(pictures skipped: pip install matplotlib)")
        return
    if history:
        plots.plot_curves(history, os.path.join(out_dir, "curves.png"))
    plots.plot_confusion(cm, bundle.classes, os.path.join(out_dir, "confusion_matrix.png"))
    if bundle.is_image:
        plots.plot_misclassified(bundle.x_test, bundle.y_test, pred, bundle.classes,
                                 os.path.join(out_dir, "misclassified.png"))
    else:
        x = np.concatenate([bundle.x_train, bundle.x_test])
        y = np.concatenate([bundle.y_train, bundle.y_test])
        plots.plot_decision_boundary(predict_points, x, y,
                                     os.path.join(out_dir, "decision_boundary.png"),
                                     title=f"decision boundary ({bundle.name})")


def _train_perceptron(cfg, bundle, log):
    """The classic perceptron (pure NumPy, one-vs-rest for more than two classes)."""
    from numtorch.classic import Perceptron

    out_dir = _run_dir(cfg)
    os.makedirs(out_dir, exist_ok=True)
    _write_atomic_text(os.path.join(out_dir, "config.toml"), dump_toml(cfg, {
        "input_shape": list(bundle.input_shape), "classes": [str(c) for c in bundle.classes],
        "mean": bundle.mean, "std": bundle.std}))

    def features(x):
        return normalize(x, bundle.mean, bundle.std).reshape(len(x), -1)

    t0 = time.perf_counter()
    p = Perceptron()
    p.fit(features(bundle.x_train), bundle.y_train, epochs=cfg.epochs,
          lr=cfg.lr if cfg.lr > 0 else 1.0, seed=cfg.seed)
    seconds = time.perf_counter() - t0
    history = []
    mistakes = getattr(p, "mistakes_", [])
    for e, m in enumerate(mistakes, 1):
        history.append({"epoch": e, "train_loss": float(m), "train_acc": None,
                        "val_loss": None, "val_acc": None, "lr": cfg.lr or 1.0,
                        "seconds": seconds / max(1, len(mistakes))})
    _write_metrics(os.path.join(out_dir, "metrics.csv"), history)
    if len(bundle.y_val):
        val_acc = float(np.mean(p.predict(features(bundle.x_val)) == bundle.y_val))
        log.line(f"perceptron: {len(mistakes)} epochs, validation accuracy {val_acc:.4f}")
    weights = {k: numtorch.tensor(np.asarray(v)) for k, v in p.state_dict().items()} \
        if hasattr(p, "state_dict") else {}
    if weights:
        numtorch.save(weights, os.path.join(out_dir, "model.safetensors"))
    pred = np.asarray(p.predict(features(bundle.x_test)))
    cm = write_report(out_dir, f"perceptron on {cfg.data}", bundle.y_test, pred,
                      bundle.classes, [f"training time: {seconds:.2f}s"])
    if plots.have_matplotlib():
        plots.plot_confusion(cm, bundle.classes, os.path.join(out_dir, "confusion_matrix.png"))
        if not bundle.is_image:
            x = np.concatenate([bundle.x_train, bundle.x_test])
            y = np.concatenate([bundle.y_train, bundle.y_test])
            plots.plot_decision_boundary(lambda pts: p.predict(features(pts)), x, y,
                                         os.path.join(out_dir, "decision_boundary.png"),
                                         title=f"perceptron decision boundary ({bundle.name})")
        else:
            plots.plot_misclassified(bundle.x_test, bundle.y_test, pred, bundle.classes,
                                     os.path.join(out_dir, "misclassified.png"))
    log.line(f"run folder: {out_dir}")
    return out_dir
