"""The ``numtorch`` command: ``train``, ``evaluate``, ``predict``, ``export``, ``info``, ``run``.

Bad input (unknown data set or model, a missing model class, an empty folder, an incompatible
``--resume`` folder...) prints one line saying what is wrong and what to do, and exits with
status 2, without a traceback.
"""

import argparse
import sys

from numtorch.cli.config import ConfigError, add_arguments, from_sources
from numtorch.cli.run import add_arguments as add_run_arguments

__all__ = ["main", "build_parser"]


def build_parser():
    parser = argparse.ArgumentParser(
        prog="numtorch", description="Train and evaluate models with numtorch.")
    sub = parser.add_subparsers(dest="command", metavar="{train,evaluate,predict,export,info,run}")
    p_train = sub.add_parser("train", help="train a model (default: the course CNN on the "
                                           "bundled Digits data)")
    add_arguments(p_train)
    p_eval = sub.add_parser("evaluate", help="accuracy, report and confusion matrix of a run")
    p_eval.add_argument("run", metavar="RUN_OR_WEIGHTS")
    p_eval.add_argument("--data", default=None, help="data set (default: the run's)")
    p_eval.add_argument("--root", default=None, help="data folder (default: the run's)")
    p_eval.add_argument("--out", default=None, help="where to write the report")
    p_pred = sub.add_parser("predict", help="top-k classes of image files")
    p_pred.add_argument("run", metavar="RUN_OR_WEIGHTS")
    p_pred.add_argument("images", nargs="*", metavar="IMAGE")
    p_pred.add_argument("--topk", type=int, default=3)
    p_pred.add_argument("--onnx", default=None, metavar="MODEL.onnx",
                        help="run this exported model in onnxruntime (then every positional "
                             "argument is an image)")
    p_export = sub.add_parser("export", help="export a run's model to ONNX")
    p_export.add_argument("run", metavar="RUN_OR_WEIGHTS")
    p_export.add_argument("out", metavar="MODEL.onnx")
    p_export.add_argument("--opset", type=int, default=None, help="ONNX opset (default 17)")
    p_info = sub.add_parser("info", help="versions, BLAS, threads, data sets present")
    p_info.add_argument("--root", default="data")
    p_run = sub.add_parser("run", help="run a PyTorch program (`import torch`) on numtorch")
    add_run_arguments(p_run)
    return parser


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv = ["train"] + argv  # `numtorch` alone trains the default model
    args = build_parser().parse_args(argv)
    command = args.command
    if command == "run":
        from numtorch.cli.run import run_command

        return run_command(args)
    try:
        if command == "train":
            from numtorch.cli.train import train

            cfg = from_sources(args)
            fields = set(vars(cfg))
            given = {k for k, v in vars(args).items() if v is not None and k in fields}
            train(cfg, given)
        elif command == "evaluate":
            from numtorch.cli.evaluate import evaluate

            evaluate(args.run, data=args.data, root=args.root, out=args.out)
        elif command == "predict" and args.onnx:
            from numtorch.cli.export import predict_onnx

            predict_onnx(args.onnx, [args.run] + args.images, args.topk)
        elif command == "predict":
            from numtorch.cli.evaluate import predict

            if not args.images:
                raise ConfigError("give at least one image after the run")
            predict(args.run, args.images, args.topk)
        elif command == "export":
            from numtorch.cli.export import export_run

            export_run(args.run, args.out, opset_version=args.opset)
        else:
            from numtorch.cli.info import info

            info(args.root)
    except ConfigError as exc:
        print(f"numtorch {command}: error: {exc}", file=sys.stderr)
        return 2
    return 0


def run():
    """Console-script entry point."""
    sys.exit(main())
