"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` and their single-step cells ``RNNCell``,
``LSTMCell``, ``GRUCell``, with PyTorch's parameter names, layouts and initialization.

The layers run each layer and direction through one fused primitive
(``numtorch.ops.rnn.rnn_layer``: a Python loop over time steps, one GEMM per step, a backward
that reuses the saved activations). The cells are composites of ordinary differentiable ops, so
they can be differentiated twice.

Parameters of layer ``k`` (``_reverse`` suffix for the backward direction), G = 1 (RNN),
4 (LSTM: i, f, g, o) or 3 (GRU: r, z, n), P = ``proj_size`` or ``hidden_size``:
``weight_ih_lk`` (G*H, input of layer k), ``weight_hh_lk`` (G*H, P), ``bias_ih_lk`` and
``bias_hh_lk`` (G*H,), and for an LSTM with ``proj_size > 0`` ``weight_hr_lk`` (P, H). All are
initialized from U(-1/sqrt(H), 1/sqrt(H)).
"""

import math
import numbers
import warnings

from numtorch import _creation
from numtorch.nn import functional as F
from numtorch.nn import init
from numtorch.nn.modules.module import Module
from numtorch.nn.parameter import Parameter
from numtorch.nn.utils.rnn import PackedSequence
from numtorch.ops import elementwise as _ew
from numtorch.ops.join import cat, stack
from numtorch.ops.rnn import rnn_layer

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _factory(device, dtype):
    from numtorch._tensor import _check_device

    _check_device(device)
    return {"dtype": dtype}


def _type_name(dtype):
    return f"torch.{dtype.name}" if hasattr(dtype, "name") else str(dtype)


def _short_type(dtype):
    return {"float32": "Float", "float64": "Double", "float16": "Half"}.get(
        getattr(dtype, "name", str(dtype)), str(dtype))


class RNNBase(Module):
    """What ``RNN``, ``LSTM`` and ``GRU`` share: arguments, parameters, checks, and the loop over
    layers and directions. ``mode`` is "RNN_TANH", "RNN_RELU", "LSTM" or "GRU"."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, proj_size=0,
                 device=None, dtype=None):
        kw = _factory(device, dtype)
        super().__init__()
        if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool)
                or not 0 <= dropout <= 1):
            raise ValueError(f"dropout should be a number in range [0, 1] representing the "
                             f"probability of an element being zeroed, got {dropout!r}")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=2)
        for name, value in (("bias", bias), ("batch_first", batch_first)):
            if not isinstance(value, bool):
                raise TypeError(f"{name} should be of type bool, got: {type(value).__name__}")
        if not isinstance(input_size, int):
            raise TypeError(f"input_size should be of type int, got: {type(input_size).__name__}")
        if input_size <= 0:
            raise ValueError("input_size must be greater than zero")
        if not isinstance(hidden_size, int):
            raise TypeError("hidden_size should be of type int, got: "
                            f"{type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError(f"proj_size has to be smaller than hidden_size (proj_size="
                             f"{proj_size}, hidden_size={hidden_size})")
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + str(mode))
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        directions = 2 if bidirectional else 1
        gate_size = _GATES[mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for direction in range(directions):
                layer_input = input_size if layer == 0 else real_hidden * directions
                suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
                shapes = [("weight_ih", (gate_size, layer_input)),
                          ("weight_hh", (gate_size, real_hidden))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                names = []
                for base, shape in shapes:
                    setattr(self, base + suffix, Parameter(_creation.empty(shape, **kw)))
                    names.append(base + suffix)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def flatten_parameters(self):
        """A no-op: the weights are used where they are (there is no packed weight buffer)."""

    @property
    def _flat_weights(self):
        return [getattr(self, name, None) for name in self._flat_weights_names]

    @property
    def all_weights(self):
        """The parameters, one list per layer and direction."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # ------------------------------------------------------------------ checks
    def _check_input(self, input, packed):
        weight = self.weight_ih_l0
        if input.dtype != weight.dtype:
            raise ValueError(
                f"RNN input dtype ({_type_name(input.dtype)}) does not match weight dtype "
                f"({_type_name(weight.dtype)}). Convert input: input.to("
                f"{_type_name(weight.dtype)}), or convert model: model.to("
                f"{_type_name(input.dtype)})")
        expected_dim = 2 if packed else 3
        if input.dim() != expected_dim:
            raise RuntimeError(f"input must have {expected_dim} dimensions, got {input.dim()}")
        if input.size(-1) != self.input_size:
            raise RuntimeError("input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.size(-1)}")

    def _expected_hidden(self, mini_batch, cell=False):
        size = self.hidden_size if cell or self.proj_size == 0 else self.proj_size
        return (self.num_layers * (2 if self.bidirectional else 1), mini_batch, size)

    @staticmethod
    def _check_hidden(hx, expected, msg="Expected hidden size {}, got {}"):
        if tuple(hx.shape) != expected:
            raise RuntimeError(msg.format(expected, list(hx.shape)))

    # ------------------------------------------------------------------ forward
    def _unpack_input(self, input, hx):
        """``(x, batch_sizes, sorted_indices, unsorted_indices, batched, hx)`` with ``x``
        time-major (T, N, I) or packed rows (S, I); raises PyTorch's errors for bad shapes."""
        name = "RNN" if self.mode.startswith("RNN") else self.mode
        lstm = self.mode == "LSTM"
        if isinstance(input, PackedSequence):
            x, batch_sizes, sorted_indices, unsorted_indices = input
            return x, tuple(batch_sizes.tolist()), sorted_indices, unsorted_indices, True, hx
        if input.dim() not in (2, 3):
            word = " tensor" if name == "RNN" else ""
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D"
                             f"{word} instead")
        batched = input.dim() == 3
        if not batched:
            input = input.unsqueeze(0 if self.batch_first else 1)
        if hx is not None:
            if lstm:
                dims = (hx[0].dim(), hx[1].dim())
                want = 3 if batched else 2
                if dims != (want, want):
                    kind = "batched 3-D" if batched else "unbatched 2-D"
                    raise RuntimeError(f"For {kind} input, hx and cx should also be {want}-D "
                                       f"but got ({dims[0]}-D, {dims[1]}-D) tensors")
                if not batched:
                    hx = (hx[0].unsqueeze(1), hx[1].unsqueeze(1))
            elif batched and hx.dim() != 3:
                raise RuntimeError("For batched 3-D input, hx should also be 3-D but got "
                                   f"{hx.dim()}-D tensor")
            elif not batched:
                if hx.dim() != 2:
                    raise RuntimeError("For unbatched 2-D input, hx should also be 2-D but got "
                                       f"{hx.dim()}-D tensor")
                hx = hx.unsqueeze(1)
        return input, None, None, None, batched, hx

    def forward(self, input, hx=None):
        lstm = self.mode == "LSTM"
        packed = isinstance(input, PackedSequence)
        x, batch_sizes, sorted_indices, unsorted_indices, batched, hx = \
            self._unpack_input(input, hx)
        if not packed and self.batch_first:
            x = x.transpose(0, 1)  # (T, N, I)
        self._check_input(x, packed)
        mini_batch = batch_sizes[0] if packed else x.shape[1]
        expected = self._expected_hidden(mini_batch)
        if hx is None:
            h0 = _creation.zeros(expected, dtype=x.dtype)
            c0 = _creation.zeros(self._expected_hidden(mini_batch, cell=True), dtype=x.dtype) \
                if lstm else None
        elif lstm:
            h0, c0 = hx
            self._check_hidden(h0, expected, "Expected hidden[0] size {}, got {}")
            self._check_hidden(c0, self._expected_hidden(mini_batch, cell=True),
                               "Expected hidden[1] size {}, got {}")
        else:
            h0, c0 = hx, None
            self._check_hidden(h0, expected)
        for state in (h0, c0):
            if state is not None and state.dtype != x.dtype:
                raise RuntimeError(
                    "Input and hidden tensors are not the same dtype, found input tensor with "
                    f"{_short_type(x.dtype)} and hidden tensor with {_short_type(state.dtype)}")
        if sorted_indices is not None and hx is not None:
            # the caller's hidden state is in the caller's batch order
            h0 = h0.index_select(1, sorted_indices)
            c0 = c0.index_select(1, sorted_indices) if lstm else None

        output, h_n, c_n = self._run_layers(x, h0, c0, batch_sizes)

        if unsorted_indices is not None:
            h_n = h_n.index_select(1, unsorted_indices)
            c_n = c_n.index_select(1, unsorted_indices) if lstm else None
        if packed:
            output = PackedSequence(output, input.batch_sizes, sorted_indices, unsorted_indices)
        else:
            if self.batch_first:
                output = output.transpose(0, 1)  # (N, T, D*P)
            if not batched:
                output = output.squeeze(0 if self.batch_first else 1)
                h_n = h_n.squeeze(1)
                c_n = c_n.squeeze(1) if lstm else None
        return (output, (h_n, c_n)) if lstm else (output, h_n)

    def _run_layers(self, x, h0, c0, batch_sizes):
        """Each layer, each direction, through the fused primitive; dropout between layers."""
        directions = 2 if self.bidirectional else 1
        h0s = h0.unbind(0)
        c0s = c0.unbind(0) if c0 is not None else None
        h_n, c_n = [], []
        layer_input = x
        for layer in range(self.num_layers):
            outs = []
            for direction in range(directions):
                k = layer * directions + direction
                names = self._all_weights[k]
                w_ih, w_hh = getattr(self, names[0]), getattr(self, names[1])
                b_ih = getattr(self, names[2]) if self.bias else None
                b_hh = getattr(self, names[3]) if self.bias else None
                w_hr = getattr(self, names[-1]) if self.proj_size > 0 else None
                res = rnn_layer(layer_input, h0s[k], c0s[k] if c0s is not None else None,
                                w_ih, w_hh, b_ih, b_hh, w_hr, mode=self.mode,
                                reverse=direction == 1, batch_sizes=batch_sizes)
                outs.append(res[0])
                h_n.append(res[1])
                if c0s is not None:
                    c_n.append(res[2])
            layer_input = outs[0] if directions == 1 else cat(outs, -1)  # (..., D*P)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, True)
        return layer_input, stack(h_n), (stack(c_n) if c0s is not None else None)


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (``nonlinearity="relu"``
    for ReLU), stacked ``num_layers`` deep. ``forward(input, hx=None) -> (output, h_n)``.

    ``input`` is (T, N, H_in), (N, T, H_in) with ``batch_first``, (T, H_in) unbatched, or a
    ``PackedSequence``; ``hx`` is (num_layers * num_directions, N, H). ``output`` holds the last
    layer's h_t for every t (directions concatenated), ``h_n`` every layer's final state.
    """

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' "
                             "or 'relu'.")
        super().__init__(mode, *args, **kwargs)


class LSTM(RNNBase):
    """Long short-term memory, stacked ``num_layers`` deep (gate order i, f, g, o):
    i, f, o = sigmoid(.), g = tanh(.) of x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh;
    c_t = f * c_{t-1} + i * g; h_t = o * tanh(c_t), projected by ``weight_hr`` (h_t W_hr^T) when
    ``proj_size > 0``. ``forward(input, (h_0, c_0)=None) -> (output, (h_n, c_n))``."""

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """Gated recurrent unit, stacked ``num_layers`` deep (gate order r, z, n):
    r, z = sigmoid(x W_i{r,z}^T + b_i{r,z} + h W_h{r,z}^T + b_h{r,z});
    n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn)); h_t = (1 - z) * n + z * h_{t-1}.
    ``forward(input, hx=None) -> (output, h_n)``."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)


# ====================================================================== cells
class RNNCellBase(Module):
    """What the cells share: ``weight_ih`` (G*H, input_size), ``weight_hh`` (G*H, H),
    ``bias_ih``/``bias_hh`` (G*H,), all from U(-1/sqrt(H), 1/sqrt(H))."""

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        kw = _factory(device, dtype)
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(_creation.empty((num_chunks * hidden_size, input_size), **kw))
        self.weight_hh = Parameter(_creation.empty((num_chunks * hidden_size, hidden_size),
                                                   **kw))
        if bias:
            self.bias_ih = Parameter(_creation.empty(num_chunks * hidden_size, **kw))
            self.bias_hh = Parameter(_creation.empty(num_chunks * hidden_size, **kw))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        nonlinearity = getattr(self, "nonlinearity", "tanh")
        if nonlinearity != "tanh":
            s += f", nonlinearity={nonlinearity}"
        return s

    def _check(self, input, hiddens):
        """PyTorch's cell checks: the input width, then each hidden's batch and width."""
        if input.size(1) != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.size(1)} "
                               f"expected {self.input_size}")
        for k, h in enumerate(hiddens):
            if input.size(0) != h.size(0):
                raise RuntimeError(f"Input batch size {input.size(0)} doesn't match hidden{k} "
                                   f"batch size {h.size(0)}")
            if h.size(1) != self.hidden_size:
                raise RuntimeError(f"hidden{k} has inconsistent hidden_size: got {h.size(1)}, "
                                   f"expected {self.hidden_size}")

    def _batched(self, name, input, hiddens, labels):
        """Unsqueeze unbatched (1-D) input and hiddens; ``hiddens`` may hold None."""
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D "
                             "instead")
        for h, label in zip(hiddens, labels):
            if h is not None and h.dim() not in (1, 2):
                raise ValueError(f"{name}: Expected {label} to be 1D or 2D, got {h.dim()}D "
                                 "instead")
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
            hiddens = [None if h is None else h.unsqueeze(0) for h in hiddens]
        zeros = None
        out = []
        for h in hiddens:
            if h is None:
                if zeros is None:
                    zeros = _creation.zeros((input.size(0), self.hidden_size), dtype=input.dtype)
                h = zeros
            out.append(h)
        self._check(input, out)
        return input, out, batched


class RNNCell(RNNCellBase):
    """One step of an Elman RNN: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu).
    ``forward(input, hx=None) -> h'``; input (N, input_size) or (input_size,)."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device,
                         dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        input, (h,), batched = self._batched("RNNCell", input, [hx], ["hidden"])
        pre = F.linear(input, self.weight_ih, self.bias_ih) + \
            F.linear(h, self.weight_hh, self.bias_hh)
        if self.nonlinearity == "tanh":
            out = _ew.tanh(pre)
        elif self.nonlinearity == "relu":
            out = _ew.relu(pre)
        else:
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        return out if batched else out.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step (gates i, f, g, o): c' = sigmoid(f) * c + sigmoid(i) * tanh(g),
    h' = sigmoid(o) * tanh(c'). ``forward(input, (h, c)=None) -> (h', c')``."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device,
                         dtype=dtype)

    def forward(self, input, hx=None):
        hiddens = [None, None] if hx is None else list(hx)
        input, (h, c), batched = self._batched("LSTMCell", input, hiddens, ["hx[0]", "hx[1]"])
        gates = F.linear(input, self.weight_ih, self.bias_ih) + \
            F.linear(h, self.weight_hh, self.bias_hh)  # (N, 4H)
        i, f, g, o = gates.chunk(4, 1)
        c_new = _ew.sigmoid(f) * c + _ew.sigmoid(i) * _ew.tanh(g)
        h_new = _ew.sigmoid(o) * _ew.tanh(c_new)
        if not batched:
            return h_new.squeeze(0), c_new.squeeze(0)
        return h_new, c_new


class GRUCell(RNNCellBase):
    """One GRU step (gates r, z, n): r, z = sigmoid(x W_i^T + b_i + h W_h^T + b_h) per gate,
    n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn)), h' = (1 - z) * n + z * h.
    ``forward(input, hx=None) -> h'``."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device,
                         dtype=dtype)

    def forward(self, input, hx=None):
        input, (h,), batched = self._batched("GRUCell", input, [hx], ["hidden"])
        gi = F.linear(input, self.weight_ih, self.bias_ih)  # (N, 3H)
        gh = F.linear(h, self.weight_hh, self.bias_hh)  # (N, 3H)
        i_r, i_z, i_n = gi.chunk(3, 1)
        h_r, h_z, h_n = gh.chunk(3, 1)
        r = _ew.sigmoid(i_r + h_r)
        z = _ew.sigmoid(i_z + h_z)
        n = _ew.tanh(i_n + r * h_n)
        h_new = n + z * (h - n)  # (1 - z) * n + z * h
        return h_new if batched else h_new.squeeze(0)
