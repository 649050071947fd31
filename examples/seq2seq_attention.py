"""Sequence to sequence with attention: a GRU encoder and a GRU decoder learn to reverse (or
sort) strings of digits.

    python examples/seq2seq_attention.py [--task reverse|sort] [--attention additive|dot]
                                         [--steps 1500] [--hidden 128] [--plot attention.png]
                                         [--quick]

Data are made on the fly: digit strings of 3 to ``--max-len`` characters; the target is the
string reversed (or sorted). Strings are padded into batches and the encoder reads them as
packed sequences (``pack_padded_sequence`` with ``enforce_sorted=False``), so padding never
enters its states.

Model:
- encoder: Embedding -> bidirectional GRU; its two final states, concatenated and passed
  through Linear + tanh, start the decoder.
- decoder: Embedding -> GRU over the target shifted right (teacher forcing) -> attention over
  the encoder outputs from each decoder state -> Linear(tanh(Linear([state; context]))) to the
  vocabulary. Attention scores are additive (Bahdanau's score, v^T tanh(W_k h_j + W_q s_t)) or
  dot products s_t . (W_k h_j); padded source positions are masked out before the softmax.

The script prints the training loss, then greedy-decodes held-out strings (never seen in
training) and reports the exact-match accuracy: the fraction of outputs equal to the target,
end of sequence included. With matplotlib it saves the attention weights of one held-out
string as a heat map (``--plot``); reversal shows up as an anti-diagonal.
"""

import argparse
import time

import numpy as np

import numtorch
from numtorch import nn
from numtorch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

PAD, SOS, EOS = 0, 1, 2
VOCAB = 13  # PAD, SOS, EOS and the digits 0-9 (token = digit + 3)


# ====================================================================== data
def make_strings(rng, n, min_len, max_len, exclude=frozenset()):
    """``n`` distinct random digit strings (as tuples), none of them in ``exclude``."""
    out, seen = [], set(exclude)
    while len(out) < n:
        length = int(rng.integers(min_len, max_len + 1))
        s = tuple(int(d) for d in rng.integers(0, 10, length))
        if s not in seen:
            seen.add(s)
            out.append(s)
    return out


def target_of(s, task):
    return tuple(reversed(s)) if task == "reverse" else tuple(sorted(s))


def encode_batch(strings, task):
    """Padded token arrays: src (N, S), lengths (N,), decoder input and target (N, S + 1)."""
    n, width = len(strings), max(len(s) for s in strings)
    src = np.full((n, width), PAD, dtype=np.int64)
    dec_in = np.full((n, width + 1), PAD, dtype=np.int64)
    dec_out = np.full((n, width + 1), PAD, dtype=np.int64)
    lengths = np.array([len(s) for s in strings], dtype=np.int64)
    for i, s in enumerate(strings):  # building the batch, not computing with it
        t = [d + 3 for d in target_of(s, task)]
        src[i, :len(s)] = [d + 3 for d in s]
        dec_in[i, :len(t) + 1] = [SOS] + t
        dec_out[i, :len(t) + 1] = t + [EOS]
    return src, lengths, dec_in, dec_out


# ====================================================================== model
class Encoder(nn.Module):
    def __init__(self, emb, hidden):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, emb, padding_idx=PAD)
        self.gru = nn.GRU(emb, hidden, batch_first=True, bidirectional=True)
        self.bridge = nn.Linear(2 * hidden, hidden)

    def forward(self, src, lengths):
        packed = pack_padded_sequence(self.embed(src), lengths, batch_first=True,
                                      enforce_sorted=False)
        out, h = self.gru(packed)  # h: (2, N, H), forward and backward final states
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=src.shape[1])
        state = numtorch.tanh(self.bridge(numtorch.cat([h[0], h[1]], dim=-1)))  # (N, H)
        return out, state.unsqueeze(0)  # (N, S, 2H), (1, N, H)


class Attention(nn.Module):
    """Weights over source positions from each decoder state: additive or dot scores."""

    def __init__(self, hidden, kind):
        super().__init__()
        self.kind = kind
        self.key = nn.Linear(2 * hidden, hidden, bias=False)
        if kind == "additive":
            self.query = nn.Linear(hidden, hidden)
            self.v = nn.Linear(hidden, 1, bias=False)

    def forward(self, s, enc_out, mask):
        keys = self.key(enc_out)  # (N, S, H)
        if self.kind == "additive":
            q = self.query(s)  # (N, T, H)
            e = numtorch.tanh(q.unsqueeze(2) + keys.unsqueeze(1))  # (N, T, S, H)
            scores = self.v(e).squeeze(-1)  # (N, T, S)
        else:
            scores = s @ keys.transpose(1, 2)  # (N, T, H) @ (N, H, S) -> (N, T, S)
        scores = scores.masked_fill(~mask.unsqueeze(1), float("-inf"))
        weights = nn.functional.softmax(scores, dim=-1)  # (N, T, S)
        return weights @ enc_out, weights  # context (N, T, 2H)


class Decoder(nn.Module):
    def __init__(self, emb, hidden, attention):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, emb, padding_idx=PAD)
        self.gru = nn.GRU(emb, hidden, batch_first=True)
        self.attention = Attention(hidden, attention)
        self.combine = nn.Linear(3 * hidden, hidden)
        self.head = nn.Linear(hidden, VOCAB)

    def forward(self, tokens, state, enc_out, mask):
        s, state = self.gru(self.embed(tokens), state)  # (N, T, H)
        context, weights = self.attention(s, enc_out, mask)
        mixed = numtorch.tanh(self.combine(numtorch.cat([s, context], dim=-1)))  # (N, T, H)
        return self.head(mixed), state, weights  # logits (N, T, V)


class Seq2Seq(nn.Module):
    def __init__(self, emb=32, hidden=128, attention="additive"):
        super().__init__()
        self.encoder = Encoder(emb, hidden)
        self.decoder = Decoder(emb, hidden, attention)

    def forward(self, src, lengths, dec_in):
        enc_out, state = self.encoder(src, lengths)
        logits, _, _ = self.decoder(dec_in, state, enc_out, src != PAD)
        return logits

    def greedy(self, src, lengths, max_steps):
        """Decode one token at a time, feeding back the argmax; returns tokens (N, max_steps)
        and attention weights (N, max_steps, S)."""
        enc_out, state = self.encoder(src, lengths)
        mask = src != PAD
        token = numtorch.full((src.shape[0], 1), SOS, dtype=numtorch.int64)
        tokens, weights = [], []
        for _ in range(max_steps):
            logits, state, w = self.decoder(token, state, enc_out, mask)
            token = logits.argmax(-1)  # (N, 1)
            tokens.append(token)
            weights.append(w)
        return numtorch.cat(tokens, dim=1), numtorch.cat(weights, dim=1)


# ====================================================================== evaluation
def decode(tokens):
    """Digits up to the first EOS (None if there is no EOS)."""
    out = []
    for t in tokens:
        if t == EOS:
            return tuple(out)
        out.append(int(t) - 3 if t >= 3 else -1)
    return None


def exact_match(model, strings, task, batch=256):
    model.eval()
    correct, examples = 0, []
    with numtorch.no_grad():
        for k in range(0, len(strings), batch):
            chunk = strings[k:k + batch]
            src, lengths, _, _ = encode_batch(chunk, task)
            tokens, _ = model.greedy(numtorch.tensor(src), numtorch.tensor(lengths),
                                     src.shape[1] + 1)
            for s, row in zip(chunk, tokens.numpy()):
                pred = decode(row)
                correct += pred == target_of(s, task)
                if len(examples) < 5:
                    examples.append((s, pred))
    model.train()
    return correct / len(strings), examples


def plot_attention(model, s, task, path):
    """Save the attention weights of string ``s`` as a heat map; returns False without
    matplotlib."""
    try:
        import matplotlib
    except ImportError:
        return False
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    src, lengths, _, _ = encode_batch([s], task)
    model.eval()
    with numtorch.no_grad():
        tokens, weights = model.greedy(numtorch.tensor(src), numtorch.tensor(lengths),
                                       len(s) + 1)
    model.train()
    pred = [int(t) for t in tokens[0].numpy()]
    out_labels = [str(t - 3) if t >= 3 else ("<eos>" if t == EOS else "?") for t in pred]
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.imshow(weights[0].numpy(), cmap="viridis", vmin=0, vmax=1)
    ax.set_xticks(range(len(s)), [str(d) for d in s])
    ax.set_yticks(range(len(out_labels)), out_labels)
    ax.set_xlabel("source")
    ax.set_ylabel("output")
    ax.set_title(f"{task}: attention weights")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def fmt(digits):
    return "<no eos>" if digits is None else "".join(map(str, digits))


# ====================================================================== main
def main(argv=None):
    parser = argparse.ArgumentParser(description="GRU encoder-decoder with attention.")
    parser.add_argument("--task", choices=["reverse", "sort"], default="reverse")
    parser.add_argument("--attention", choices=["additive", "dot"], default="additive")
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--min-len", type=int, default=3)
    parser.add_argument("--max-len", type=int, default=10)
    parser.add_argument("--emb", type=int, default=32)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--test-size", type=int, default=1000)
    parser.add_argument("--log-every", type=int, default=250)
    parser.add_argument("--plot", default="attention.png", help="heat map PNG ('' for none)")
    parser.add_argument("--seed", type=int, default=0)
    # One BLAS thread by default: the per-step GEMMs are small, and thread hand-offs cost
    # more than they save, badly so on a machine shared with other jobs.
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads")
    parser.add_argument("--quick", action="store_true", help="a few steps of a small model")
    args = parser.parse_args(argv)
    if args.quick:
        args.steps, args.hidden, args.test_size, args.log_every = 40, 32, 100, 20
    previous_threads = numtorch.get_num_threads()
    numtorch.set_num_threads(args.threads)
    try:
        return run(args)
    finally:
        numtorch.set_num_threads(previous_threads)


def run(args):
    rng = np.random.default_rng(args.seed)
    test = make_strings(rng, args.test_size, args.min_len, args.max_len)
    held_out = frozenset(test)
    print(f"task: {args.task} digit strings of length {args.min_len}-{args.max_len}; "
          f"{args.attention} attention; {len(test)} held-out strings")

    numtorch.manual_seed(args.seed)
    model = Seq2Seq(args.emb, args.hidden, args.attention)
    optimizer = numtorch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.CrossEntropyLoss(ignore_index=PAD)
    running, t0 = 0.0, time.perf_counter()
    for step in range(1, args.steps + 1):
        strings = make_strings(rng, args.batch, args.min_len, args.max_len, held_out)
        src, lengths, dec_in, dec_out = encode_batch(strings, args.task)
        logits = model(numtorch.tensor(src), numtorch.tensor(lengths), numtorch.tensor(dec_in))
        loss = loss_fn(logits.reshape(-1, VOCAB), numtorch.tensor(dec_out).reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        running += loss.item()
        if step % args.log_every == 0 or step == args.steps:
            k = (step - 1) % args.log_every + 1
            print(f"step {step:5d}  loss {running / k:.4f}  ({time.perf_counter() - t0:.1f} s)")
            running = 0.0

    accuracy, examples = exact_match(model, test, args.task)
    for s, pred in examples:
        print(f"  {fmt(s):>12} -> {fmt(pred):<12} (target {fmt(target_of(s, args.task))})")
    print(f"held-out exact-match accuracy: {accuracy:.3f}")
    if args.plot:
        if plot_attention(model, test[0], args.task, args.plot):
            print(f"attention heat map saved to {args.plot}")
        else:
            print("matplotlib is not installed: no attention heat map")
    return accuracy


if __name__ == "__main__":
    main()
