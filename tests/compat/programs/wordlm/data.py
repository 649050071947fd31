import torch


class Dictionary(object):
    def __init__(self):
        self.word2idx = {}
        self.idx2word = []

    def add_word(self, word):
        if word not in self.word2idx:
            self.idx2word.append(word)
            self.word2idx[word] = len(self.idx2word) - 1
        return self.word2idx[word]

    def __len__(self):
        return len(self.idx2word)


class Corpus(object):
    """A text made of a small grammar: 'the <animal> <verb> the <thing> <eos>'."""

    def __init__(self, n_sentences, seed):
        self.dictionary = Dictionary()
        g = torch.Generator().manual_seed(seed)
        animals = ["cat", "dog", "bird", "fox"]
        verbs = ["sees", "eats", "likes"]
        things = ["fish", "seed", "ball", "tree"]
        words = []
        for _ in range(n_sentences):
            a, v, t = (torch.randint(0, len(choices), (1,), generator=g).item()
                       for choices in (animals, verbs, things))
            words += ["the", animals[a], verbs[v], "the", things[t], "<eos>"]
        ids = [self.dictionary.add_word(w) for w in words]
        self.train = torch.tensor(ids, dtype=torch.int64)
