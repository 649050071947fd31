"""A variational autoencoder (after the vae example) on random 28x28 blobs: reparameterization
with randn_like, BCE + KL loss summed, samples written with torchvision.utils.save_image."""
import argparse
import os

import torch
import torch.utils.data
from torch import nn, optim
from torch.nn import functional as F
from torchvision.utils import save_image


class VAE(nn.Module):
    def __init__(self):
        super(VAE, self).__init__()
        self.fc1 = nn.Linear(784, 64)
        self.fc21 = nn.Linear(64, 8)
        self.fc22 = nn.Linear(64, 8)
        self.fc3 = nn.Linear(8, 64)
        self.fc4 = nn.Linear(64, 784)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 784))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction="sum")
    KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return BCE + KLD


def blobs(n, generator):
    ys, xs = torch.meshgrid(torch.arange(28.), torch.arange(28.), indexing="ij")
    centers = torch.randint(6, 22, (n, 2), generator=generator).float()
    d2 = (ys - centers[:, 0, None, None]) ** 2 + (xs - centers[:, 1, None, None]) ** 2
    return torch.exp(-d2 / 18.0).unsqueeze(1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="VAE MNIST Example")
    parser.add_argument("--out", required=True)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    torch.manual_seed(1)
    g = torch.Generator().manual_seed(0)
    train_set = torch.utils.data.TensorDataset(blobs(512, g), torch.zeros(512))
    train_loader = torch.utils.data.DataLoader(train_set, batch_size=64, shuffle=True)
    model = VAE()
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    for epoch in range(1, args.epochs + 1):
        model.train()
        train_loss = 0
        for batch_idx, (data, _) in enumerate(train_loader):
            optimizer.zero_grad()
            recon_batch, mu, logvar = model(data)
            loss = loss_function(recon_batch, data, mu, logvar)
            loss.backward()
            train_loss += loss.item()
            optimizer.step()
        print("====> Epoch: {} Average loss: {:.4f}".format(
            epoch, train_loss / len(train_loader.dataset)))
    with torch.no_grad():
        sample = torch.randn(16, 8)
        sample = model.decode(sample).cpu()
        os.makedirs(args.out, exist_ok=True)
        save_image(sample.view(16, 1, 28, 28), os.path.join(args.out, "sample.png"))
    print("saved", os.path.exists(os.path.join(args.out, "sample.png")))
