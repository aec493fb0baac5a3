#!/usr/bin/python3
"""Peer reference, not a dependency: hourglass's VAE in PyTorch (Debian's
python3-torch) on the same Fashion-MNIST files, to compare the test
negative ELBO side by side.

  /usr/bin/python3 scripts/peers/torch_vae.py [--epochs 10] [--latent 16]
      [--beta 1] [--seed 1] [--threads 2]

The model and protocol are hourglass's pretrain.model: vae: the paper's
three convolution blocks (3x3 same, ReLU, 2x2 max pooling; 16, 32, 64
filters), flattened channel-major to 576, a linear layer to the mean and
log-variance of `latent` dimensions; the decoder a linear layer to 576
with ReLU, reshaped to 64x3x3, transposed convolutions 3x3/2 to 32, 2x2/2
to 16 (ReLU after each) and 2x2/2 to 1 (logits). Loss per image: Bernoulli
cross-entropy of the sigmoid of the logits summed over the 784 pixels plus
beta times the closed-form KL divergence to N(0, I), averaged over the
batch; Adam with PyTorch's defaults, batch 128, the first 50,000 training
images reshuffled every epoch. Prints the test negative ELBO in nats per
image (one posterior sample per image) and its two parts.
"""
import argparse, gzip, os, struct, time
import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

DATA = os.environ.get("HOURGLASS_DATA", "/usr/share/datasets/fashion-mnist")


def idx(name):
    with gzip.open(os.path.join(DATA, name + ".gz"), "rb") as f:
        raw = f.read()
    nd = raw[3]
    dims = struct.unpack(">" + "I" * nd, raw[4:4 + 4 * nd])
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * nd).reshape(dims)


class VAE(nn.Module):
    def __init__(self, latent):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten())
        self.gaussian = nn.Linear(576, 2 * latent)
        self.dense = nn.Linear(latent, 576)
        self.up = nn.Sequential(
            nn.ConvTranspose2d(64, 32, 3, stride=2), nn.ReLU(),
            nn.ConvTranspose2d(32, 16, 2, stride=2), nn.ReLU(),
            nn.ConvTranspose2d(16, 1, 2, stride=2))
        self.latent = latent

    def forward(self, x):
        h = self.gaussian(self.features(x))
        mean, logvar = h[:, :self.latent], h[:, self.latent:]
        z = mean + torch.exp(0.5 * logvar) * torch.randn_like(mean)
        logits = self.up(F.relu(self.dense(z)).view(-1, 64, 3, 3))
        return logits, mean, logvar


def parts(model, x):
    logits, mean, logvar = model(x)
    nll = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum((1, 2, 3))
    kl = -0.5 * (1 + logvar - mean.pow(2) - logvar.exp()).sum(1)
    return nll, kl


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--latent", type=int, default=16)
    ap.add_argument("--beta", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    xtr = torch.from_numpy(idx("train-images-idx3-ubyte")[:50000].astype(np.float32) / 255).reshape(-1, 1, 28, 28)
    xte = torch.from_numpy(idx("t10k-images-idx3-ubyte").astype(np.float32) / 255).reshape(-1, 1, 28, 28)
    model = VAE(a.latent)
    opt = torch.optim.Adam(model.parameters())
    start = time.time()
    for epoch in range(1, a.epochs + 1):
        model.train()
        perm = torch.randperm(len(xtr))
        total, n = 0.0, 0
        for i in range(0, len(perm), 128):
            x = xtr[perm[i:i + 128]]
            nll, kl = parts(model, x)
            loss = (nll + a.beta * kl).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(x)
            n += len(x)
        print(f"epoch {epoch}/{a.epochs}: train loss {total / n:.2f} ({time.time() - start:.0f}s)", flush=True)
    model.eval()
    torch.manual_seed(a.seed)
    with torch.no_grad():
        nll, kl = [], []
        for i in range(0, len(xte), 1000):
            a_, b_ = parts(model, xte[i:i + 1000])
            nll.append(a_)
            kl.append(b_)
        nll, kl = torch.cat(nll).mean().item(), torch.cat(kl).mean().item()
    print(f"test negative ELBO {nll + kl:.2f} nats per image (reconstruction {nll:.2f} + KL {kl:.2f}), "
          f"{a.epochs} epochs in {time.time() - start:.0f}s")


if __name__ == "__main__":
    main()
