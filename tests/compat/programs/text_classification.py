"""Text classification (after the torchtext tutorial): an EmbeddingBag over variable-length
token lists joined with offsets in a collate_fn, SGD with StepLR, gradient clipping, and
random_split into train and validation sets."""
import time

import torch
from torch import nn
from torch.utils.data import DataLoader
from torch.utils.data.dataset import random_split

torch.manual_seed(0)
TOPICS = {0: ["goal", "match", "team", "score"], 1: ["vote", "law", "party", "minister"],
          2: ["chip", "code", "robot", "cloud"], 3: ["stock", "bank", "price", "market"]}
COMMON = ["the", "a", "of", "and", "in", "new", "today"]
vocab = {w: i for i, w in enumerate(COMMON + sum(TOPICS.values(), []))}


def make_example(g):
    label = int(torch.randint(0, 4, (1,), generator=g))
    length = int(torch.randint(4, 12, (1,), generator=g))
    words = []
    for _ in range(length):
        if torch.rand(1, generator=g).item() < 0.4:
            words.append(TOPICS[label][int(torch.randint(0, 4, (1,), generator=g))])
        else:
            words.append(COMMON[int(torch.randint(0, len(COMMON), (1,), generator=g))])
    return label, " ".join(words)


g = torch.Generator().manual_seed(1)
dataset = [make_example(g) for _ in range(800)]
text_pipeline = lambda x: [vocab[token] for token in x.split()]  # noqa: E731


def collate_batch(batch):
    label_list, text_list, offsets = [], [], [0]
    for _label, _text in batch:
        label_list.append(_label)
        processed_text = torch.tensor(text_pipeline(_text), dtype=torch.int64)
        text_list.append(processed_text)
        offsets.append(processed_text.size(0))
    label_list = torch.tensor(label_list, dtype=torch.int64)
    offsets = torch.tensor(offsets[:-1]).cumsum(dim=0)
    text_list = torch.cat(text_list)
    return label_list, text_list, offsets


class TextClassificationModel(nn.Module):
    def __init__(self, vocab_size, embed_dim, num_class):
        super(TextClassificationModel, self).__init__()
        self.embedding = nn.EmbeddingBag(vocab_size, embed_dim, sparse=False)
        self.fc = nn.Linear(embed_dim, num_class)
        self.init_weights()

    def init_weights(self):
        initrange = 0.5
        self.embedding.weight.data.uniform_(-initrange, initrange)
        self.fc.weight.data.uniform_(-initrange, initrange)
        self.fc.bias.data.zero_()

    def forward(self, text, offsets):
        embedded = self.embedding(text, offsets)
        return self.fc(embedded)


model = TextClassificationModel(len(vocab), 16, 4)
criterion = torch.nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=5)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1.0, gamma=0.1)
num_train = int(len(dataset) * 0.75)
split_train_, split_valid_ = random_split(dataset, [num_train, len(dataset) - num_train])
train_dataloader = DataLoader(split_train_, batch_size=32, shuffle=True,
                              collate_fn=collate_batch)
valid_dataloader = DataLoader(split_valid_, batch_size=32, shuffle=True,
                              collate_fn=collate_batch)


def train(dataloader):
    model.train()
    for idx, (label, text, offsets) in enumerate(dataloader):
        optimizer.zero_grad()
        predicted_label = model(text, offsets)
        loss = criterion(predicted_label, label)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.1)
        optimizer.step()


def evaluate(dataloader):
    model.eval()
    total_acc, total_count = 0, 0
    with torch.no_grad():
        for idx, (label, text, offsets) in enumerate(dataloader):
            predicted_label = model(text, offsets)
            total_acc += (predicted_label.argmax(1) == label).sum().item()
            total_count += label.size(0)
    return total_acc / total_count


total_accu = None
for epoch in range(1, 6):
    epoch_start_time = time.time()
    train(train_dataloader)
    accu_val = evaluate(valid_dataloader)
    if total_accu is not None and total_accu > accu_val:
        scheduler.step()
    else:
        total_accu = accu_val
    print("| end of epoch {:3d} | valid accuracy {:8.3f} ".format(epoch, accu_val))
ex_text_str = "the goal of the team and the match"
with torch.no_grad():
    text = torch.tensor(text_pipeline(ex_text_str))
    output = model(text, torch.tensor([0]))
print("This is a %d news" % output.argmax(1).item())
print("sizes", len(split_train_), len(split_valid_))
