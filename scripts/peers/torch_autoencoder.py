#!/usr/bin/python3
"""Peer reference, not a dependency: the seed autoencoder in PyTorch (Debian's
python3-torch) on the same Fashion-MNIST files, to compare hourglass's speed
and quality side by side on the same machine.

  /usr/bin/python3 scripts/peers/torch_autoencoder.py bench [--steps 20] [--batch 128] [--data random|real]
  /usr/bin/python3 scripts/peers/torch_autoencoder.py train [--epochs 5]

The architecture follows the same settings as hourglass's model section:
--input H,W,C (28,28,1), --filters 16,32,64 and --code N (0: the last map),
built by the same rules (3x3 "same" convolution + ReLU + 2x2 max pooling per
block; a linear code and a linear layer with ReLU back when --code > 0;
stride-2 transposed convolutions of 2 where a size doubles and 3 where it
becomes 2n+1), so the printed parameter count equals `hourglass model
summary`'s for the same keys.
"""
import argparse, gzip, os, struct, sys, time
import numpy as np
import torch
from torch import nn

DATA = os.environ.get("HOURGLASS_DATA", "/usr/share/datasets/fashion-mnist")


def idx(name):
    with gzip.open(os.path.join(DATA, name + ".gz"), "rb") as f:
        raw = f.read()
    nd = raw[3]
    dims = struct.unpack(">" + "I" * nd, raw[4:4 + 4 * nd])
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * nd).reshape(dims)


def model(inp=(28, 28, 1), filters=(16, 32, 64), code=0):
    """The encoder blocks, then the decoder; m[:n_encoder] is the encoder."""
    h, w, c = inp
    sizes = [(h, w)]
    enc, cin = [], c
    for f in filters:
        enc += [nn.Conv2d(cin, f, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
        cin = f
        sizes.append((sizes[-1][0] // 2, sizes[-1][1] // 2))
    mh, mw = sizes[-1]
    map_size = mh * mw * filters[-1]
    dec = []
    if code > 0:
        enc += [nn.Flatten(), nn.Linear(map_size, code)]
        dec += [nn.Linear(code, map_size), nn.ReLU(), nn.Unflatten(1, (filters[-1], mh, mw))]
    for lvl in range(len(filters), 0, -1):
        (fh, fw), (th, tw) = sizes[lvl], sizes[lvl - 1]
        cout = c if lvl == 1 else filters[lvl - 2]
        dec += [nn.ConvTranspose2d(filters[lvl - 1], cout, (th - 2 * fh + 2, tw - 2 * fw + 2), stride=2), nn.ReLU()]
    return nn.Sequential(*enc, *dec), len(enc)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["bench", "train"])
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--input", default="28,28,1", help="height,width,channels")
    ap.add_argument("--filters", default="16,32,64")
    ap.add_argument("--code", type=int, default=0)
    ap.add_argument("--data", choices=["random", "real"], default="random",
                    help="bench: uniform random images, or consecutive batches of Fashion-MNIST's training images")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    inp = tuple(int(v) for v in a.input.split(","))
    m, n_enc = model(inp, [int(v) for v in a.filters.split(",")], a.code)
    print("parameters", sum(p.numel() for p in m.parameters()))
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    loss_fn = nn.MSELoss()
    if a.mode == "bench":
        if a.data == "real":
            if inp != (28, 28, 1):
                sys.exit("--data real reads Fashion-MNIST as it is: 28x28 grey (--input 28,28,1)")
            imgs = torch.tensor(idx("train-images-idx3-ubyte"), dtype=torch.float32).unsqueeze(1) / 255
            nb = len(imgs) // a.batch
            batches = [imgs[(i % nb) * a.batch:(i % nb + 1) * a.batch] for i in range(a.steps + 2)]
        else:
            batches = [torch.rand(a.batch, inp[2], inp[0], inp[1])] * (a.steps + 2)
        x = batches[0]
        for i in range(a.steps + 2):
            if i == 2:
                t = time.time()
            xb = batches[i]
            opt.zero_grad(); l = loss_fn(m(xb), xb); l.backward(); opt.step()
        ms = (time.time() - t) / a.steps * 1000
        with torch.no_grad():
            t = time.time()
            for _ in range(10):
                m[:n_enc](x)
            enc = 10 * a.batch / (time.time() - t)
        print(f"torch batch {a.batch} ms/step {ms:.1f} train img/s {1000*a.batch/ms:.1f} encode img/s {enc:.1f} data {a.data}")
        return
    if inp != (28, 28, 1):
        sys.exit("train reads Fashion-MNIST as it is: 28x28 grey (--input 28,28,1)")
    train = torch.tensor(idx("train-images-idx3-ubyte")[:50000], dtype=torch.float32).unsqueeze(1) / 255
    val = torch.tensor(idx("train-images-idx3-ubyte")[50000:], dtype=torch.float32).unsqueeze(1) / 255
    test = torch.tensor(idx("t10k-images-idx3-ubyte"), dtype=torch.float32).unsqueeze(1) / 255
    g = torch.Generator().manual_seed(a.seed)
    t0 = time.time()
    for ep in range(a.epochs):
        m.train()
        perm = torch.randperm(len(train), generator=g)
        tot = 0.0
        for i in range(0, len(train), 128):
            x = train[perm[i:i + 128]]
            opt.zero_grad(); l = loss_fn(m(x), x); l.backward(); opt.step()
            tot += l.item() * len(x)
        m.eval()
        with torch.no_grad():
            v = sum(loss_fn(m(val[i:i + 1000]), val[i:i + 1000]).item() for i in range(0, len(val), 1000)) / 10
        print(f"epoch {ep+1} train {tot/len(train):.5f} val {v:.5f} time {time.time()-t0:.0f}s", flush=True)
    with torch.no_grad():
        te = sum(loss_fn(m(test[i:i + 1000]), test[i:i + 1000]).item() for i in range(0, len(test), 1000)) / 10
    print(f"test MSE {te:.5f}")


if __name__ == "__main__":
    sys.exit(main())
