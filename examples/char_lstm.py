"""A character-level LSTM language model: train on a text, report perplexity, generate text.

    python examples/char_lstm.py [--text FILE] [--steps 600] [--seq-len 64] [--batch 32]
                                 [--hidden 256] [--layers 1] [--temperature 0.8] [--quick]

The model reads one character at a time and predicts the next: Embedding -> LSTM -> Linear to
the vocabulary, trained with cross-entropy and Adam by truncated backpropagation through time
(the text is cut into ``batch`` parallel streams; each step trains on the next ``seq-len``
characters of every stream and carries the LSTM state over, detached).

The default text is found offline: the docstrings of the numtorch package itself, about 200 KB
of English about tensors and gradients. ``--text FILE`` trains on any UTF-8 file instead (a
WikiText-2 split, a novel...). The last 10% of the text is held out; the script prints the
training loss and the held-out loss and perplexity (exp of the loss per character), then
samples text from the model with temperature ``--temperature`` (lower: more conservative).
"""

import argparse
import ast
import math
import os
import time

import numpy as np

import numtorch
from numtorch import nn


def package_docstrings():
    """Every module, class and function docstring of the numtorch package, in file order."""
    root = os.path.dirname(numtorch.__file__)
    parts = []
    for folder, _, files in sorted(os.walk(root)):
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                tree = ast.parse(f.read())
            for node in ast.walk(tree):
                if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)):
                    doc = ast.get_docstring(node)
                    if doc:
                        parts.append(doc)
    return "\n\n".join(parts)


class CharLSTM(nn.Module):
    """Embedding(V, emb) -> LSTM(emb, hidden, layers) -> Linear(hidden, V)."""

    def __init__(self, vocab, emb=64, hidden=256, layers=1, dropout=0.0):
        super().__init__()
        self.embed = nn.Embedding(vocab, emb)
        self.lstm = nn.LSTM(emb, hidden, num_layers=layers, dropout=dropout)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, x, state=None):
        out, state = self.lstm(self.embed(x), state)  # x (T, N) -> out (T, N, hidden)
        return self.head(out), state  # (T, N, V)


def batches(data, batch, seq_len):
    """Cut ``data`` into ``batch`` streams; yield (input, target) blocks of (seq_len, batch)
    that follow each other in every stream, forever."""
    n = (len(data) - 1) // batch
    streams = data[:n * batch + 1]
    x_all = streams[:-1][:n * batch].reshape(batch, n).T  # (n, batch)
    y_all = streams[1:][:n * batch].reshape(batch, n).T  # (n, batch)
    while True:
        for t in range(0, n - seq_len + 1, seq_len):
            yield x_all[t:t + seq_len], y_all[t:t + seq_len]


def evaluate(model, data, seq_len, batch=16):
    """Mean cross-entropy per character over ``data`` (state carried across blocks)."""
    model.eval()
    total, count, state = 0.0, 0, None
    n = (len(data) - 1) // batch
    x_all = data[:n * batch].reshape(batch, n).T  # (n, batch)
    y_all = data[1:n * batch + 1].reshape(batch, n).T
    with numtorch.no_grad():
        for t in range(0, n, seq_len):
            x = numtorch.tensor(x_all[t:t + seq_len])
            y = numtorch.tensor(y_all[t:t + seq_len])
            logits, state = model(x, state)
            loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                               y.reshape(-1), reduction="sum")
            total += loss.item()
            count += y.numel()
    model.train()
    return total / max(count, 1)


def generate(model, chars, prime, length, temperature, seed):
    """Sample ``length`` characters after ``prime`` with softmax(logits / temperature)."""
    index = {c: i for i, c in enumerate(chars)}
    prime = "".join(c for c in prime if c in index) or chars[0]
    gen = numtorch.Generator().manual_seed(seed)
    model.eval()
    out = list(prime)
    with numtorch.no_grad():
        x = numtorch.tensor([[index[c]] for c in prime])  # (T, 1)
        logits, state = model(x)
        for _ in range(length):
            probs = nn.functional.softmax(logits[-1, 0] / temperature, dim=-1)
            nxt = int(numtorch.multinomial(probs, 1, generator=gen).item())
            out.append(chars[nxt])
            logits, state = model(numtorch.tensor([[nxt]]), state)
    model.train()
    return "".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Character-level LSTM language model.")
    parser.add_argument("--text", help="UTF-8 text file (default: numtorch's docstrings)")
    parser.add_argument("--steps", type=int, default=600, help="training steps")
    parser.add_argument("--seq-len", type=int, default=64, help="characters per step (BPTT)")
    parser.add_argument("--batch", type=int, default=32, help="parallel streams")
    parser.add_argument("--emb", type=int, default=64)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--layers", type=int, default=1)
    parser.add_argument("--dropout", type=float, default=0.0, help="between LSTM layers")
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--clip", type=float, default=1.0, help="gradient norm clipping")
    parser.add_argument("--log-every", type=int, default=100)
    parser.add_argument("--temperature", type=float, default=0.8)
    parser.add_argument("--generate", type=int, default=300, help="characters to sample")
    parser.add_argument("--prime", default="The ")
    parser.add_argument("--seed", type=int, default=0)
    # One BLAS thread by default: each time step's GEMM is small (batch x hidden), and thread
    # hand-offs cost more than they save, badly so on a machine shared with other jobs.
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads")
    parser.add_argument("--quick", action="store_true", help="a few steps of a small model")
    args = parser.parse_args(argv)
    previous_threads = numtorch.get_num_threads()
    numtorch.set_num_threads(args.threads)
    try:
        return run(args)
    finally:
        numtorch.set_num_threads(previous_threads)


def run(args):
    if args.quick:
        args.steps, args.hidden, args.emb, args.seq_len = 30, 64, 16, 32
        args.log_every, args.generate = 10, 60

    # ---- data
    if args.text:
        with open(args.text, encoding="utf-8") as f:
            text = f.read()
        source = args.text
    else:
        text = package_docstrings()
        source = "numtorch's docstrings"
    if args.quick:
        text = text[:40000]
    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    data = np.array([index[c] for c in text], dtype=np.int64)
    split = int(len(data) * 0.9)
    train_data, valid_data = data[:split], data[split:]
    print(f"text: {source}, {len(text)} characters, vocabulary {len(chars)}; "
          f"train {len(train_data)}, held out {len(valid_data)}")

    # ---- model and optimizer
    numtorch.manual_seed(args.seed)
    model = CharLSTM(len(chars), args.emb, args.hidden, args.layers, args.dropout)
    print(model)
    optimizer = numtorch.optim.Adam(model.parameters(), lr=args.lr)
    print(f"uniform baseline: loss {math.log(len(chars)):.3f}, perplexity {len(chars)}")

    # ---- training loop
    stream = batches(train_data, args.batch, args.seq_len)
    state, running, t0 = None, 0.0, time.perf_counter()
    for step in range(1, args.steps + 1):
        xb, yb = next(stream)
        if state is not None:
            state = tuple(s.detach() for s in state)  # truncated BPTT: keep values, cut graph
        logits, state = model(numtorch.tensor(xb), state)
        loss = nn.functional.cross_entropy(logits.reshape(-1, len(chars)),
                                           numtorch.tensor(yb).reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        optimizer.step()
        running += loss.item()
        if step % args.log_every == 0 or step == args.steps:
            k = (step - 1) % args.log_every + 1
            print(f"step {step:5d}  train loss {running / k:.3f}  "
                  f"({time.perf_counter() - t0:.1f} s)")
            running = 0.0

    # ---- evaluate and sample
    valid_loss = evaluate(model, valid_data, args.seq_len)
    print(f"held-out loss {valid_loss:.3f}, perplexity {math.exp(valid_loss):.2f}")
    sample = generate(model, chars, args.prime, args.generate, args.temperature, args.seed)
    print(f"sample (temperature {args.temperature}):")
    print(sample)
    return valid_loss


if __name__ == "__main__":
    main()
