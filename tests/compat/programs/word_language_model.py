"""Word-level language modelling (after word_language_model): batchify, truncated BPTT with
repackaged hidden states, gradient clipping and a hand-written SGD step through p.data; an
LSTM and a Transformer variant. The model and corpus come from the local package wordlm."""
import argparse
import math
import os

import torch
import torch.nn as nn
import wordlm


def batchify(data, bsz):
    nbatch = data.size(0) // bsz
    data = data.narrow(0, 0, nbatch * bsz)
    data = data.view(bsz, -1).t().contiguous()
    return data


def repackage_hidden(h):
    """Wraps hidden states in new Tensors, to detach them from their history."""
    if isinstance(h, torch.Tensor):
        return h.detach()
    return tuple(repackage_hidden(v) for v in h)


def get_batch(source, i, bptt):
    seq_len = min(bptt, len(source) - 1 - i)
    data = source[i:i + seq_len]
    target = source[i + 1:i + 1 + seq_len].view(-1)
    return data, target


def evaluate(model, data_source, args, ntokens, criterion):
    model.eval()
    total_loss = 0.
    if args.model != "Transformer":
        hidden = model.init_hidden(args.batch_size)
    with torch.no_grad():
        for i in range(0, data_source.size(0) - 1, args.bptt):
            data, targets = get_batch(data_source, i, args.bptt)
            if args.model == "Transformer":
                output = model(data)
                output = output.view(-1, ntokens)
            else:
                output, hidden = model(data, hidden)
                hidden = repackage_hidden(hidden)
            total_loss += len(data) * criterion(output, targets).item()
    return total_loss / (len(data_source) - 1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", type=str, default="LSTM")
    parser.add_argument("--emsize", type=int, default=32)
    parser.add_argument("--nhid", type=int, default=32)
    parser.add_argument("--nlayers", type=int, default=2)
    parser.add_argument("--lr", type=float, default=5)
    parser.add_argument("--clip", type=float, default=0.25)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch_size", type=int, default=10)
    parser.add_argument("--bptt", type=int, default=12)
    parser.add_argument("--dropout", type=float, default=0.1)
    parser.add_argument("--tied", action="store_true")
    parser.add_argument("--nhead", type=int, default=2)
    parser.add_argument("--save", type=str, required=True)
    args = parser.parse_args()
    torch.manual_seed(1111)
    corpus = wordlm.Corpus(400, seed=0)
    train_data = batchify(corpus.train, args.batch_size)
    ntokens = len(corpus.dictionary)
    if args.model == "Transformer":
        model = wordlm.TransformerModel(ntokens, args.emsize, args.nhead, args.nhid,
                                        args.nlayers, args.dropout)
    else:
        model = wordlm.RNNModel(args.model, ntokens, args.emsize, args.nhid, args.nlayers,
                                args.dropout, args.tied)
    criterion = nn.NLLLoss()
    lr = args.lr
    first = None
    for epoch in range(1, args.epochs + 1):
        model.train()
        if args.model != "Transformer":
            hidden = model.init_hidden(args.batch_size)
        for batch, i in enumerate(range(0, train_data.size(0) - 1, args.bptt)):
            data, targets = get_batch(train_data, i, args.bptt)
            model.zero_grad()
            if args.model == "Transformer":
                output = model(data)
                output = output.view(-1, ntokens)
            else:
                hidden = repackage_hidden(hidden)
                output, hidden = model(data, hidden)
            loss = criterion(output, targets)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
            for p in model.parameters():
                p.data.add_(p.grad, alpha=-lr)
        val_loss = evaluate(model, train_data, args, ntokens, criterion)
        first = val_loss if first is None else first
        print("| end of epoch {:3d} | valid loss {:5.2f} | valid ppl {:8.2f}".format(
            epoch, val_loss, math.exp(val_loss)))
    with open(args.save, "wb") as f:
        torch.save(model.state_dict(), f)
    print("saved:", os.path.getsize(args.save) > 0)
    print("perplexity first {:.2f} last {:.2f} vocabulary {}".format(
        math.exp(first), math.exp(val_loss), ntokens))


if __name__ == "__main__":
    main()
