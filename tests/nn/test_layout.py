"""Layout parity of every nn layer: the same module, built in numtorch and in torch with the same
arguments, on the same inputs (contiguous, and channels-last where the input is 4-D or 5-D),
must return outputs with torch's ``stride()``, ``is_contiguous()`` and
``is_contiguous(memory_format=...)`` and ``view`` behaviour, and leave input gradients in
torch's layout.

``ZOO`` lists every module class of ``numtorch.nn`` (a test checks none is missing): each entry
builds the module from ``lib`` and gives its inputs."""

import numpy as np
import pytest
from parity import requires_torch, torch

import numtorch

R = np.random.default_rng(0)


def f(*shape):
    return R.standard_normal(shape).astype(np.float32)


def pos(*shape):
    return R.uniform(0.1, 0.9, shape).astype(np.float32)


def sign(*shape):
    return np.where(R.random(shape) < 0.5, -1.0, 1.0).astype(np.float32)


def ints(high, *shape):
    return R.integers(0, high, shape)


def _unpool(nd):
    def run(lib, module, x):
        pool = getattr(lib.nn, f"MaxPool{nd}d")(2, return_indices=True)
        y, idx = pool(x)
        return module(y, idx)

    return run


def _enc(lib):
    return lib.nn.TransformerEncoderLayer(8, 2, 16, 0.0)


def _dec(lib):
    return lib.nn.TransformerDecoderLayer(8, 2, 16, 0.0)


# name -> list of (build(lib) -> module, inputs, run(lib, module, *inputs) or None)
ZOO = {
    "AdaptiveAvgPool1d": [(lambda L: L.nn.AdaptiveAvgPool1d(3), [f(2, 4, 8)])],
    "AdaptiveAvgPool2d": [(lambda L: L.nn.AdaptiveAvgPool2d((3, 2)), [f(2, 4, 7, 6)]),
                          (lambda L: L.nn.AdaptiveAvgPool2d(1), [f(2, 4, 6, 6)]),
                          (lambda L: L.nn.AdaptiveAvgPool2d(3), [f(2, 4, 6, 6)])],
    "AdaptiveAvgPool3d": [(lambda L: L.nn.AdaptiveAvgPool3d(2), [f(2, 3, 4, 5, 4)])],
    "AdaptiveMaxPool1d": [(lambda L: L.nn.AdaptiveMaxPool1d(3), [f(2, 4, 8)])],
    "AdaptiveMaxPool2d": [(lambda L: L.nn.AdaptiveMaxPool2d(3), [f(2, 4, 7, 7)]),
                          (lambda L: L.nn.AdaptiveMaxPool2d(2), [f(2, 4, 6, 6)])],
    "AlphaDropout": [(lambda L: L.nn.AlphaDropout(0.5), [f(2, 4, 5, 5)])],
    "AvgPool1d": [(lambda L: L.nn.AvgPool1d(2), [f(2, 4, 8)])],
    "AvgPool2d": [(lambda L: L.nn.AvgPool2d(2), [f(2, 4, 8, 8)]),
                  (lambda L: L.nn.AvgPool2d(3, stride=2, padding=1), [f(2, 4, 7, 7)])],
    "AvgPool3d": [(lambda L: L.nn.AvgPool3d(2), [f(2, 3, 4, 4, 4)])],
    "BCELoss": [(lambda L: L.nn.BCELoss(), [pos(2, 5), pos(2, 5)]),
                (lambda L: L.nn.BCELoss(reduction="none"), [pos(2, 3, 4, 4), pos(2, 3, 4, 4)])],
    "BCEWithLogitsLoss": [(lambda L: L.nn.BCEWithLogitsLoss(reduction="none"),
                           [f(2, 3, 4, 4), pos(2, 3, 4, 4)])],
    "BatchNorm1d": [(lambda L: L.nn.BatchNorm1d(4), [f(2, 4, 6)]),
                    (lambda L: L.nn.BatchNorm1d(4), [f(3, 4)])],
    "BatchNorm2d": [(lambda L: L.nn.BatchNorm2d(4), [f(2, 4, 5, 5)]),
                    (lambda L: L.nn.BatchNorm2d(4, affine=False), [f(2, 4, 5, 5)])],
    "BatchNorm3d": [(lambda L: L.nn.BatchNorm3d(3), [f(2, 3, 3, 4, 4)])],
    "Bilinear": [(lambda L: L.nn.Bilinear(3, 4, 5), [f(2, 3), f(2, 4)])],
    "CELU": [(lambda L: L.nn.CELU(), [f(2, 4, 5, 5)])],
    "Conv1d": [(lambda L: L.nn.Conv1d(3, 4, 3), [f(2, 3, 10)]),
               (lambda L: L.nn.Conv1d(8, 4, 3, padding=1), [f(2, 8, 10)])],
    "Conv2d": [(lambda L: L.nn.Conv2d(3, 4, 3, padding=1), [f(2, 3, 8, 8)]),  # few channels
               (lambda L: L.nn.Conv2d(8, 8, 3, padding=1), [f(2, 8, 16, 16)]),  # shifted
               (lambda L: L.nn.Conv2d(8, 4, 3, padding=1), [f(2, 8, 12, 12)]),  # im2col, NCHW
               (lambda L: L.nn.Conv2d(8, 4, 3, stride=2), [f(2, 8, 9, 9)]),  # im2col + copy
               (lambda L: L.nn.Conv2d(4, 6, 3, groups=2), [f(2, 4, 6, 6)]),
               (lambda L: L.nn.Conv2d(8, 4, 1), [f(2, 8, 5, 5)]),
               (lambda L: L.nn.Conv2d(6, 4, 3, dilation=2, padding="same"), [f(2, 6, 7, 7)]),
               (lambda L: L.nn.Conv2d(3, 4, 3, padding=1, padding_mode="reflect"),
                [f(2, 3, 6, 6)]),
               (lambda L: L.nn.Conv2d(3, 4, 3), [f(3, 6, 6)])],  # unbatched
    "Conv3d": [(lambda L: L.nn.Conv3d(2, 3, 3), [f(2, 2, 5, 5, 5)]),
               (lambda L: L.nn.Conv3d(6, 3, 2), [f(2, 6, 3, 4, 4)])],
    "ConvTranspose1d": [(lambda L: L.nn.ConvTranspose1d(3, 4, 3, stride=2), [f(2, 3, 5)])],
    "ConvTranspose2d": [(lambda L: L.nn.ConvTranspose2d(3, 4, 3, stride=2), [f(2, 3, 5, 5)]),
                        (lambda L: L.nn.ConvTranspose2d(8, 8, 3, padding=1),
                         [f(2, 8, 16, 16)])],
    "ConvTranspose3d": [(lambda L: L.nn.ConvTranspose3d(2, 3, 2), [f(2, 2, 3, 3, 3)])],
    "CosineEmbeddingLoss": [(lambda L: L.nn.CosineEmbeddingLoss(reduction="none"),
                             [f(3, 5), f(3, 5), sign(3)])],
    "CrossEntropyLoss": [(lambda L: L.nn.CrossEntropyLoss(), [f(3, 5), ints(5, 3)]),
                         (lambda L: L.nn.CrossEntropyLoss(reduction="none"),
                          [f(2, 5, 3, 4), ints(5, 2, 3, 4)])],
    "Dropout": [(lambda L: L.nn.Dropout(0.5), [f(2, 4, 5, 5)])],
    "Dropout1d": [(lambda L: L.nn.Dropout1d(0.5), [f(2, 4, 6)])],
    "Dropout2d": [(lambda L: L.nn.Dropout2d(0.5), [f(2, 4, 5, 5)])],
    "Dropout3d": [(lambda L: L.nn.Dropout3d(0.5), [f(2, 3, 2, 3, 3)])],
    "ELU": [(lambda L: L.nn.ELU(), [f(2, 4, 5, 5)])],
    "Embedding": [(lambda L: L.nn.Embedding(10, 4), [ints(10, 2, 3)])],
    "FeatureAlphaDropout": [(lambda L: L.nn.FeatureAlphaDropout(0.5), [f(2, 4, 5, 5)])],
    "Flatten": [(lambda L: L.nn.Flatten(), [f(2, 3, 4, 5)])],
    "Fold": [(lambda L: L.nn.Fold(output_size=(4, 5), kernel_size=2), [f(2, 12, 12)])],
    "GELU": [(lambda L: L.nn.GELU(), [f(2, 4, 5, 5)]),
             (lambda L: L.nn.GELU(approximate="tanh"), [f(2, 4, 5, 5)])],
    "GLU": [(lambda L: L.nn.GLU(dim=1), [f(2, 4, 5, 5)])],
    "GRU": [(lambda L: L.nn.GRU(4, 5), [f(3, 2, 4)]),
            (lambda L: L.nn.GRU(4, 5, batch_first=True, num_layers=2), [f(2, 3, 4)])],
    "GRUCell": [(lambda L: L.nn.GRUCell(4, 5), [f(2, 4)])],
    "GaussianNLLLoss": [(lambda L: L.nn.GaussianNLLLoss(reduction="none"),
                         [f(2, 5), f(2, 5), pos(2, 5)])],
    "GroupNorm": [(lambda L: L.nn.GroupNorm(2, 4), [f(2, 4, 5, 5)])],
    "Hardshrink": [(lambda L: L.nn.Hardshrink(), [f(2, 4, 5, 5)])],
    "Hardsigmoid": [(lambda L: L.nn.Hardsigmoid(), [f(2, 4, 5, 5)])],
    "Hardswish": [(lambda L: L.nn.Hardswish(), [f(2, 4, 5, 5)])],
    "Hardtanh": [(lambda L: L.nn.Hardtanh(), [f(2, 4, 5, 5)])],
    "HingeEmbeddingLoss": [(lambda L: L.nn.HingeEmbeddingLoss(reduction="none"),
                            [f(2, 5), sign(2, 5)])],
    "HuberLoss": [(lambda L: L.nn.HuberLoss(reduction="none"), [f(2, 3, 4, 4), f(2, 3, 4, 4)])],
    "Identity": [(lambda L: L.nn.Identity(), [f(2, 4, 5, 5)])],
    "InstanceNorm1d": [(lambda L: L.nn.InstanceNorm1d(4), [f(2, 4, 6)])],
    "InstanceNorm2d": [(lambda L: L.nn.InstanceNorm2d(4, affine=True), [f(2, 4, 5, 5)])],
    "InstanceNorm3d": [(lambda L: L.nn.InstanceNorm3d(3), [f(2, 3, 3, 3, 3)])],
    "KLDivLoss": [(lambda L: L.nn.KLDivLoss(reduction="batchmean"), [f(2, 5), pos(2, 5)])],
    "L1Loss": [(lambda L: L.nn.L1Loss(reduction="none"), [f(2, 3, 4, 4), f(2, 3, 4, 4)])],
    "LPPool1d": [(lambda L: L.nn.LPPool1d(2, 2), [f(2, 4, 8)])],
    "LPPool2d": [(lambda L: L.nn.LPPool2d(2, 2), [f(2, 4, 6, 6)])],
    "LSTM": [(lambda L: L.nn.LSTM(4, 5, batch_first=True), [f(2, 3, 4)]),
             (lambda L: L.nn.LSTM(4, 5, bidirectional=True), [f(3, 2, 4)])],
    "LSTMCell": [(lambda L: L.nn.LSTMCell(4, 5), [f(2, 4)])],
    "LayerNorm": [(lambda L: L.nn.LayerNorm(5), [f(2, 3, 5)]),
                  (lambda L: L.nn.LayerNorm((4, 5, 5)), [f(2, 4, 5, 5)])],
    "LazyConv1d": [(lambda L: L.nn.LazyConv1d(4, 3), [f(2, 3, 8)])],
    "LazyConv2d": [(lambda L: L.nn.LazyConv2d(4, 3), [f(2, 3, 6, 6)])],
    "LazyConv3d": [(lambda L: L.nn.LazyConv3d(2, 2), [f(2, 2, 3, 3, 3)])],
    "LazyLinear": [(lambda L: L.nn.LazyLinear(4), [f(2, 5)])],
    "LeakyReLU": [(lambda L: L.nn.LeakyReLU(0.1), [f(2, 4, 5, 5)])],
    "Linear": [(lambda L: L.nn.Linear(5, 3), [f(2, 5)]),
               (lambda L: L.nn.Linear(5, 3), [f(2, 4, 5)])],
    "LocalResponseNorm": [(lambda L: L.nn.LocalResponseNorm(2), [f(2, 4, 5, 5)])],
    "LogSigmoid": [(lambda L: L.nn.LogSigmoid(), [f(2, 4, 5, 5)])],
    "LogSoftmax": [(lambda L: L.nn.LogSoftmax(dim=1), [f(2, 4, 5, 5)])],
    "MSELoss": [(lambda L: L.nn.MSELoss(), [f(2, 5), f(2, 5)]),
                (lambda L: L.nn.MSELoss(reduction="none"), [f(2, 3, 4, 4), f(2, 3, 4, 4)])],
    "MarginRankingLoss": [(lambda L: L.nn.MarginRankingLoss(reduction="none"),
                           [f(5), f(5), sign(5)])],
    "MaxPool1d": [(lambda L: L.nn.MaxPool1d(2), [f(2, 4, 8)])],
    "MaxPool2d": [(lambda L: L.nn.MaxPool2d(2), [f(2, 4, 8, 8)]),
                  (lambda L: L.nn.MaxPool2d(3, 2, 1), [f(2, 4, 7, 7)]),
                  (lambda L: L.nn.MaxPool2d(2, return_indices=True), [f(2, 4, 6, 6)])],
    "MaxPool3d": [(lambda L: L.nn.MaxPool3d(2), [f(2, 3, 4, 4, 4)])],
    "MaxUnpool1d": [(lambda L: L.nn.MaxUnpool1d(2), [f(2, 4, 8)], _unpool(1))],
    "MaxUnpool2d": [(lambda L: L.nn.MaxUnpool2d(2), [f(2, 4, 6, 6)], _unpool(2))],
    "MaxUnpool3d": [(lambda L: L.nn.MaxUnpool3d(2), [f(2, 3, 4, 4, 4)], _unpool(3))],
    "Mish": [(lambda L: L.nn.Mish(), [f(2, 4, 5, 5)])],
    "MultiLabelSoftMarginLoss": [(lambda L: L.nn.MultiLabelSoftMarginLoss(reduction="none"),
                                  [f(2, 5), ints(2, 2, 5).astype(np.float32)])],
    "MultiMarginLoss": [(lambda L: L.nn.MultiMarginLoss(reduction="none"), [f(3, 5), ints(5, 3)])],
    "MultiheadAttention": [(lambda L: L.nn.MultiheadAttention(8, 2), [f(3, 2, 8)] * 3),
                           (lambda L: L.nn.MultiheadAttention(8, 2, batch_first=True),
                            [f(2, 3, 8), f(2, 4, 8), f(2, 4, 8)])],
    "NLLLoss": [(lambda L: L.nn.NLLLoss(reduction="none"), [f(3, 5), ints(5, 3)])],
    "PReLU": [(lambda L: L.nn.PReLU(), [f(2, 4, 5, 5)]),
              (lambda L: L.nn.PReLU(4), [f(2, 4, 5, 5)])],
    "PixelShuffle": [(lambda L: L.nn.PixelShuffle(2), [f(2, 8, 3, 3)])],
    "PixelUnshuffle": [(lambda L: L.nn.PixelUnshuffle(2), [f(2, 2, 4, 4)])],
    "PoissonNLLLoss": [(lambda L: L.nn.PoissonNLLLoss(reduction="none"), [f(2, 5), pos(2, 5)])],
    "RMSNorm": [(lambda L: L.nn.RMSNorm(5), [f(2, 3, 5)])],
    "RNN": [(lambda L: L.nn.RNN(4, 5), [f(3, 2, 4)])],
    "RNNCell": [(lambda L: L.nn.RNNCell(4, 5), [f(2, 4)])],
    "RReLU": [(lambda L: L.nn.RReLU(), [f(2, 4, 5, 5)])],
    "ReLU": [(lambda L: L.nn.ReLU(), [f(2, 4, 5, 5)])],
    "ReLU6": [(lambda L: L.nn.ReLU6(), [f(2, 4, 5, 5)])],
    "SELU": [(lambda L: L.nn.SELU(), [f(2, 4, 5, 5)])],
    "SiLU": [(lambda L: L.nn.SiLU(), [f(2, 4, 5, 5)])],
    "Sigmoid": [(lambda L: L.nn.Sigmoid(), [f(2, 4, 5, 5)])],
    "SmoothL1Loss": [(lambda L: L.nn.SmoothL1Loss(), [f(2, 5), f(2, 5)])],
    "SoftMarginLoss": [(lambda L: L.nn.SoftMarginLoss(reduction="none"), [f(2, 5), sign(2, 5)])],
    "Softmax": [(lambda L: L.nn.Softmax(dim=1), [f(2, 4, 5, 5)]),
                (lambda L: L.nn.Softmax(dim=-1), [f(2, 4, 5, 5)])],
    "Softmax2d": [(lambda L: L.nn.Softmax2d(), [f(2, 4, 5, 5)])],
    "Softmin": [(lambda L: L.nn.Softmin(dim=1), [f(2, 4, 5, 5)])],
    "Softplus": [(lambda L: L.nn.Softplus(), [f(2, 4, 5, 5)])],
    "Softshrink": [(lambda L: L.nn.Softshrink(), [f(2, 4, 5, 5)])],
    "Softsign": [(lambda L: L.nn.Softsign(), [f(2, 4, 5, 5)])],
    "Tanh": [(lambda L: L.nn.Tanh(), [f(2, 4, 5, 5)])],
    "Tanhshrink": [(lambda L: L.nn.Tanhshrink(), [f(2, 4, 5, 5)])],
    "Threshold": [(lambda L: L.nn.Threshold(0.1, 20.0), [f(2, 4, 5, 5)])],
    "Transformer": [(lambda L: L.nn.Transformer(8, 2, 1, 1, 16, 0.0), [f(3, 2, 8), f(4, 2, 8)])],
    "TransformerDecoder": [(lambda L: L.nn.TransformerDecoder(_dec(L), 1),
                            [f(4, 2, 8), f(3, 2, 8)])],
    "TransformerDecoderLayer": [(_dec, [f(4, 2, 8), f(3, 2, 8)])],
    "TransformerEncoder": [(lambda L: L.nn.TransformerEncoder(_enc(L), 1,
                                                              enable_nested_tensor=False),
                            [f(3, 2, 8)])],
    "TransformerEncoderLayer": [(_enc, [f(3, 2, 8)])],
    "TripletMarginLoss": [(lambda L: L.nn.TripletMarginLoss(reduction="none"),
                           [f(3, 5), f(3, 5), f(3, 5)])],
    "Unflatten": [(lambda L: L.nn.Unflatten(1, (2, 3)), [f(2, 6, 4)])],
    "Unfold": [(lambda L: L.nn.Unfold(kernel_size=2), [f(2, 3, 4, 5)])],
    "Upsample": [(lambda L: L.nn.Upsample(scale_factor=2), [f(2, 3, 4, 4)]),
                 (lambda L: L.nn.Upsample(scale_factor=2, mode="bilinear"), [f(2, 3, 4, 4)]),
                 (lambda L: L.nn.Upsample(size=5, mode="linear"), [f(2, 3, 4)])],
    "UpsamplingBilinear2d": [(lambda L: L.nn.UpsamplingBilinear2d(scale_factor=2),
                              [f(2, 3, 4, 4)])],
    "UpsamplingNearest2d": [(lambda L: L.nn.UpsamplingNearest2d(scale_factor=2),
                             [f(2, 3, 4, 4)])],
    # the padding layers, on a contiguous and (through the test's channels-last pass) an NHWC
    # input; EmbeddingBag on offsets; DataParallel just runs the module on the CPU
    "CircularPad1d": [(lambda L: L.nn.CircularPad1d(2), [f(2, 3, 5)])],
    "CircularPad2d": [(lambda L: L.nn.CircularPad2d((1, 2, 0, 1)), [f(2, 3, 4, 5)])],
    "CircularPad3d": [(lambda L: L.nn.CircularPad3d(1), [f(2, 3, 3, 4, 4)])],
    "ConstantPad1d": [(lambda L: L.nn.ConstantPad1d(2, 0.5), [f(2, 3, 5)])],
    "ConstantPad2d": [(lambda L: L.nn.ConstantPad2d((1, 2, 0, 1), 0.5), [f(2, 3, 4, 5)])],
    "ConstantPad3d": [(lambda L: L.nn.ConstantPad3d(1, 0.5), [f(2, 3, 3, 4, 4)])],
    "ReflectionPad1d": [(lambda L: L.nn.ReflectionPad1d(2), [f(2, 3, 5)])],
    "ReflectionPad2d": [(lambda L: L.nn.ReflectionPad2d((1, 2, 0, 1)), [f(2, 3, 4, 5)])],
    "ReflectionPad3d": [(lambda L: L.nn.ReflectionPad3d(1), [f(2, 3, 3, 4, 4)])],
    "ReplicationPad1d": [(lambda L: L.nn.ReplicationPad1d(2), [f(2, 3, 5)])],
    "ReplicationPad2d": [(lambda L: L.nn.ReplicationPad2d((1, 2, 0, 1)), [f(2, 3, 4, 5)])],
    "ReplicationPad3d": [(lambda L: L.nn.ReplicationPad3d(1), [f(2, 3, 3, 4, 4)])],
    "ZeroPad1d": [(lambda L: L.nn.ZeroPad1d(2), [f(2, 3, 5)])],
    "ZeroPad2d": [(lambda L: L.nn.ZeroPad2d((1, 2, 0, 1)), [f(2, 3, 4, 5)])],
    "ZeroPad3d": [(lambda L: L.nn.ZeroPad3d(1), [f(2, 3, 3, 4, 4)])],
    "EmbeddingBag": [(lambda L: L.nn.EmbeddingBag(10, 4, mode="mean"), [ints(10, 2, 3)])],
    "DataParallel": [(lambda L: L.nn.DataParallel(L.nn.Conv2d(3, 4, 3, padding=1)),
                      [f(2, 3, 5, 5)])],
    # distances, channel shuffle, 3-d adaptive max and lp pooling, the lazy norms and
    # transposed convolutions
    "CosineSimilarity": [(lambda L: L.nn.CosineSimilarity(), [f(2, 4, 3, 3), f(2, 4, 3, 3)])],
    "PairwiseDistance": [(lambda L: L.nn.PairwiseDistance(), [f(3, 5), f(3, 5)])],
    "ChannelShuffle": [(lambda L: L.nn.ChannelShuffle(2), [f(2, 6, 3, 3)]),
                       (lambda L: L.nn.ChannelShuffle(3), [f(2, 6, 4)])],
    "AdaptiveMaxPool3d": [(lambda L: L.nn.AdaptiveMaxPool3d(2), [f(2, 3, 4, 4, 4)]),
                          (lambda L: L.nn.AdaptiveMaxPool3d((2, 3, 2)), [f(2, 3, 5, 4, 3)])],
    "LPPool3d": [(lambda L: L.nn.LPPool3d(2, 2), [f(2, 3, 4, 4, 4)])],
    "LazyBatchNorm1d": [(lambda L: L.nn.LazyBatchNorm1d(), [f(2, 4, 6)])],
    "LazyBatchNorm2d": [(lambda L: L.nn.LazyBatchNorm2d(), [f(2, 4, 5, 5)])],
    "LazyBatchNorm3d": [(lambda L: L.nn.LazyBatchNorm3d(), [f(2, 3, 3, 4, 4)])],
    "LazyInstanceNorm1d": [(lambda L: L.nn.LazyInstanceNorm1d(), [f(2, 4, 6)])],
    "LazyInstanceNorm2d": [(lambda L: L.nn.LazyInstanceNorm2d(), [f(2, 4, 5, 5)])],
    "LazyInstanceNorm3d": [(lambda L: L.nn.LazyInstanceNorm3d(), [f(2, 3, 3, 3, 3)])],
    "LazyConvTranspose1d": [(lambda L: L.nn.LazyConvTranspose1d(4, 3, stride=2), [f(2, 3, 5)])],
    "LazyConvTranspose2d": [(lambda L: L.nn.LazyConvTranspose2d(4, 3), [f(2, 3, 5, 5)])],
    "LazyConvTranspose3d": [(lambda L: L.nn.LazyConvTranspose3d(2, 2), [f(2, 2, 3, 3, 3)])],
    "MultiLabelMarginLoss": [(lambda L: L.nn.MultiLabelMarginLoss(reduction="none"),
                              [f(3, 5), np.array([[1, 3, -1, 0, 0], [4, -1, 0, 0, 0],
                                                  [0, 1, 2, 3, 4]])])],
    "TripletMarginWithDistanceLoss": [(lambda L: L.nn.TripletMarginWithDistanceLoss(
        reduction="none"), [f(3, 5), f(3, 5), f(3, 5)])],
    "CTCLoss": [(lambda L: L.nn.CTCLoss(reduction="none"),
                 [f(6, 2, 4), R.integers(1, 4, (2, 3)), np.array([6, 5]), np.array([3, 2])],
                 lambda lib, m, x, t, il, tl: m(x.log_softmax(2), t, il, tl))],
    "FractionalMaxPool2d": [(lambda L: L.nn.FractionalMaxPool2d(
        2, output_size=(3, 4), _random_samples=L.tensor([[[0.2, 0.7]] * 3] * 2)),
        [f(2, 3, 7, 8)])],
    "FractionalMaxPool3d": [(lambda L: L.nn.FractionalMaxPool3d(
        2, output_size=(2, 3, 2), _random_samples=L.tensor([[[0.2, 0.7, 0.4]] * 3] * 2)),
        [f(2, 3, 5, 6, 5)])],
    "Sequential": [(lambda L: L.nn.Sequential(L.nn.Conv2d(3, 8, 3, padding=1), L.nn.ReLU(),
                                              L.nn.MaxPool2d(2), L.nn.Flatten()),
                    [f(2, 3, 8, 8)])],
}
# Not layers: abstract bases and containers of other modules (Sequential is in the zoo).
NOT_LAYERS = {"Module", "ModuleDict", "ModuleList", "ParameterDict", "ParameterList", "RNNBase",
              "RNNCellBase"}


def _module_classes():
    return {name for name, c in vars(numtorch.nn).items()
            if isinstance(c, type) and issubclass(c, numtorch.nn.Module)}


def test_zoo_lists_every_module_class():
    missing = _module_classes() - set(ZOO) - NOT_LAYERS
    assert not missing, f"layers without a layout test: {sorted(missing)}"


def _tensors(out):
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _tensors(o)]
    return [out] if out is not None and hasattr(out, "stride") else []


def layout(t):
    """What a user can see of a tensor's layout."""
    info = [tuple(t.shape), tuple(t.stride()), t.is_contiguous()]
    if t.dim() == 4:
        info.append(t.is_contiguous(memory_format=lib_of(t).channels_last))
    if t.dim() == 5:
        info.append(t.is_contiguous(memory_format=lib_of(t).channels_last_3d))
    return info


def lib_of(t):
    return numtorch if isinstance(t, numtorch.Tensor) else torch


def _format(lib, a):
    return {4: lib.channels_last, 5: lib.channels_last_3d}.get(a.ndim)


def run_layer(lib, build, arrays, run, channels_last, backward=True):
    """Outputs and input gradients of the layer on ``arrays`` (4-D/5-D float inputs made
    channels-last when asked)."""
    lib.manual_seed(0)
    module = build(lib)
    kind = type(module).__name__
    if channels_last and not kind.startswith("Lazy"):  # (a lazy module has no weights yet)
        module = module.to(memory_format=_format(lib, arrays[0]) or lib.contiguous_format)
    xs = []
    for i, a in enumerate(arrays):
        t = lib.tensor(a)
        fmt = _format(lib, a)
        if channels_last and fmt is not None:
            t = t.contiguous(memory_format=fmt)
        # every input of a layer, a loss's prediction (not its targets)
        if t.is_floating_point() and backward and (i == 0 or not kind.endswith("Loss")):
            t.requires_grad_(True)
        xs.append(t)
    out = run(lib, module, *xs) if run else module(*xs)
    outs = _tensors(out)
    grads = []
    if backward:
        loss = sum((o * 1.5).sum() for o in outs if o.is_floating_point() and o.requires_grad)
        if not isinstance(loss, int):
            loss.backward()
            grads = [x.grad for x in xs if x.requires_grad and x.grad is not None]
    return outs, grads


CASES = [(name, i, case) for name, cases in ZOO.items() for i, case in enumerate(cases)]


@requires_torch
@pytest.mark.parametrize("channels_last", [False, True], ids=["contiguous", "channels_last"])
@pytest.mark.parametrize("name,i,case", CASES, ids=[f"{n}-{i}" for n, i, _ in CASES])
def test_layer_layout(name, i, case, channels_last):
    build, arrays = case[0], case[1]
    run = case[2] if len(case) > 2 else None
    if channels_last and not any(a.ndim in (4, 5) for a in arrays):
        pytest.skip("no 4-D or 5-D input")
    t_outs, t_grads = run_layer(torch, build, arrays, run, channels_last)
    n_outs, n_grads = run_layer(numtorch, build, arrays, run, channels_last)
    assert [layout(t) for t in n_outs] == [layout(t) for t in t_outs]
    assert [layout(t) for t in n_grads] == [layout(t) for t in t_grads]
    # ``y.view(y.size(0), -1)`` and ``y.view(-1)`` work exactly when they work in PyTorch
    # (else both raise its error), with PyTorch's strides
    assert [_views(t) for t in n_outs] == [_views(t) for t in t_outs]


def _views(y):
    """What ``view`` does on ``y`` for the usual flattening calls: shapes, or the error."""
    out = []
    for shape in [(y.size(0), -1), (-1,)] if y.dim() else [(-1,)]:
        try:
            v = y.view(*shape)
            out.append((tuple(v.shape), tuple(v.stride())))
        except RuntimeError as e:
            out.append(str(e).split("(")[0])
    return out
