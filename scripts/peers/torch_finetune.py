#!/usr/bin/python3
"""Peer reference, not a dependency: hourglass's finetune protocol in
PyTorch (Debian's python3-torch), on the very same labelled subsets and the
same pretrained encoder, to compare test accuracy side by side.

  /usr/bin/python3 scripts/peers/torch_finetune.py RUN_DIR
      [--methods frozen,scratch,unfrozen] [--labels 10,100,1000] [--seeds 5]
      [--epochs E] [--patience P] [--skip method/labels/seed,...] [--json OUT] [--threads 2]

RUN_DIR is an hourglass output folder after `hourglass finetune`: the
subsets come from RUN_DIR/finetune/subsets.json (indices into the training
split), the encoder's weights from the checkpoint in RUN_DIR/pretrain, the
settings (head, dropout, learning rate, batch, epochs, patience, held-out
share, encoder step scale) from RUN_DIR/finetune/config.yaml unless given.
The protocol, as hourglass's: head 576-128-10 with ReLU and dropout 0.2
(PyTorch's default initialisation), Adam (lr 1e-3, PyTorch's betas and eps),
minibatches of 64 reshuffled every epoch, held-out accuracy after every
epoch, a new best only when strictly higher, stop after `patience` epochs
without one, the best epoch's weights restored, accuracy on the 10,000 test
images. frozen: the pretrained encoder fixed; scratch: the same network from
PyTorch's initialisation; unfrozen: the pretrained encoder trained too at
encoder_step_scale of the head's learning rate.
"""
import argparse, glob, gzip, json, math, os, struct, sys, time
import numpy as np
import torch
from torch import nn

DATA = os.environ.get("HOURGLASS_DATA", "/usr/share/datasets/fashion-mnist")


def idx(name):
    path = os.path.join(DATA, name + ".gz")
    opener = gzip.open if os.path.exists(path) else open
    with opener(path if os.path.exists(path) else os.path.join(DATA, name), "rb") as f:
        raw = f.read()
    nd = raw[3]
    dims = struct.unpack(">" + "I" * nd, raw[4:4 + 4 * nd])
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * nd).reshape(dims)


def encoder():
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten())  # NCHW flatten: channel-major, as hourglass's codes


def head(hidden, dropout):
    layers, width = [], 576
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU(), nn.Dropout(dropout)]
        width = h
    layers.append(nn.Linear(width, 10))
    return nn.Sequential(*layers)


def checkpoint_weights(run):
    """The encoder's weights from hourglass's GoMLX checkpoint: a JSON index
    and a little-endian binary blob (behind a "gomlx_checkpoints" header, a
    length byte and "gzip", gzip'd; uncompressed without the header)."""
    ckpt = os.path.join(run, "pretrain", "checkpoint-last")
    meta = sorted(glob.glob(os.path.join(ckpt, "checkpoint-*.json")))[-1]
    blob = open(meta[:-5] + ".bin", "rb").read()
    magic = b"gomlx_checkpoints"
    if blob.startswith(magic):
        n = blob[len(magic)]
        kind = blob[len(magic) + 1:len(magic) + 1 + n]
        if kind != b"gzip":
            sys.exit(f"checkpoint {meta}: compression {kind!r} is not supported")
        blob = gzip.decompress(blob[len(magic) + 1 + n:])
    out = {}
    for v in json.load(open(meta))["Variables"]:
        name = v["ParameterName"]
        if not name.startswith("var:/encoder/conv") or v["DType"] != "Float32":
            continue
        a = np.frombuffer(blob, "<f4", count=v["Length"] // 4, offset=v["Pos"]).reshape(v["Dimensions"]).copy()
        layer, kind = name.split("/")[2], name.split("/")[3]
        out[(layer, kind)] = a
    return out


def load_encoder(enc, w):
    convs = [m for m in enc if isinstance(m, nn.Conv2d)]
    for i, conv in enumerate(convs):
        k = w[(f"conv{i+1}", "weights")]  # [kh, kw, cin, cout] -> [cout, cin, kh, kw]
        conv.weight.data = torch.from_numpy(np.ascontiguousarray(k.transpose(3, 2, 0, 1)))
        conv.bias.data = torch.from_numpy(np.ascontiguousarray(w[(f"conv{i+1}", "biases")]))


def accuracy(model, x, y, batch=1000):
    model.eval()
    ok = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            ok += (model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum().item()
    return ok / len(x)


def run_one(method, sub, xtr, ytr, xte, yte, w, s, seed):
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    enc = encoder()
    if method != "scratch":
        load_encoder(enc, w)
    hd = head(s["head"], s["dropout"])
    if method == "frozen":
        for p in enc.parameters():
            p.requires_grad = False
        enc.eval()
        with torch.no_grad():  # codes once: the encoder never changes
            codes = lambda x: torch.cat([enc(x[i:i + 1000]) for i in range(0, len(x), 1000)])
            train_x, held_x, test_x = codes(xtr[sub["train"]]), codes(xtr[sub["held_out"]]), codes(xte)
        model = hd
        opt = torch.optim.Adam(hd.parameters(), lr=s["learning_rate"])
    else:
        train_x, held_x, test_x = xtr[sub["train"]], xtr[sub["held_out"]], xte
        model = nn.Sequential(enc, hd)
        groups = [{"params": hd.parameters()}]
        scale = s["encoder_step_scale"] if method == "unfrozen" else 1.0
        groups.append({"params": enc.parameters(), "lr": s["learning_rate"] * scale})
        opt = torch.optim.Adam(groups, lr=s["learning_rate"])
    train_y, held_y = ytr[sub["train"]], ytr[sub["held_out"]]
    loss_fn = nn.CrossEntropyLoss()
    best, best_epoch, best_state, epochs = -1.0, 0, None, 0
    for epoch in range(1, s["epochs"] + 1):
        model.train()
        perm = torch.randperm(len(train_x), generator=g)
        for i in range(0, len(perm), s["batch_size"]):
            b = perm[i:i + s["batch_size"]]
            opt.zero_grad()
            loss_fn(model(train_x[b]), train_y[b]).backward()
            opt.step()
        epochs = epoch
        acc = accuracy(model, held_x, held_y)
        if acc > best:
            best, best_epoch = acc, epoch
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        elif s["patience"] > 0 and epoch - best_epoch >= s["patience"]:
            break
    model.load_state_dict(best_state)
    return {"method": method, "labels_per_class": sub["labels_per_class"], "seed": sub["seed"],
            "test_accuracy": accuracy(model, test_x, yte), "held_out_accuracy": best, "epochs": epochs, "best_epoch": best_epoch}


def t975(df):
    # Student's t 0.975 quantile (table for small df, normal beyond).
    table = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228,
             15: 2.131, 20: 2.086, 30: 2.042}
    return table.get(df, 1.96 if df > 30 else table[max(k for k in table if k <= df)])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("run")
    ap.add_argument("--methods", default="frozen,scratch,unfrozen")
    ap.add_argument("--labels", default="")
    ap.add_argument("--seeds", type=int, default=0)
    ap.add_argument("--skip", default="", help="method/labels/seed triples already run, e.g. frozen/1000/1000,scratch/1000/1000")
    ap.add_argument("--epochs", type=int, default=0)
    ap.add_argument("--patience", type=int, default=-1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", default="")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    import yaml
    cfg = yaml.safe_load(open(os.path.join(a.run, "finetune", "config.yaml")))
    if cfg["data"].get("train_subset", 0):
        sys.exit("data.train_subset is set: its sample is drawn by hourglass's generator; run with the whole training split")
    s = cfg["finetune"]
    if a.epochs:
        s["epochs"] = a.epochs
    if a.patience >= 0:
        s["patience"] = a.patience
    validation = cfg["data"]["validation"]
    xall = torch.from_numpy(idx("train-images-idx3-ubyte").astype(np.float32) / 255).reshape(-1, 1, 28, 28)
    yall = torch.from_numpy(idx("train-labels-idx1-ubyte").astype(np.int64))
    xtr, ytr = xall[: len(xall) - validation], yall[: len(yall) - validation]
    xte = torch.from_numpy(idx("t10k-images-idx3-ubyte").astype(np.float32) / 255).reshape(-1, 1, 28, 28)
    yte = torch.from_numpy(idx("t10k-labels-idx1-ubyte").astype(np.int64))
    w = checkpoint_weights(a.run)
    subsets = json.load(open(os.path.join(a.run, "finetune", "subsets.json")))
    labels = [x for x in a.labels.split(",") if x]
    rows = []
    for key, sub in subsets.items():
        n, seed_ = key.split("/")
        if labels and n not in labels:
            continue
        if a.seeds and int(seed_) - cfg["seed"] * 1000 >= a.seeds:
            continue
        for method in a.methods.split(","):
            if f"{method}/{n}/{seed_}" in a.skip.split(","):
                continue
            t = time.time()
            r = run_one(method, sub, xtr, ytr, xte, yte, w, s, int(seed_))
            r["seconds"] = time.time() - t
            rows.append(r)
            print(f"{method:8s} {n:>5s} labels/class seed {seed_}: test accuracy {100*r['test_accuracy']:.2f}% "
                  f"({r['epochs']} epochs, best {r['best_epoch']}, {r['seconds']:.0f}s)", flush=True)
    print("\nmethod   labels  runs  mean ± std          95% interval")
    groups = {}
    for r in rows:
        groups.setdefault((r["method"], r["labels_per_class"]), []).append(r["test_accuracy"])
    for (m, n), accs in groups.items():
        x = np.array(accs) * 100
        sd = x.std(ddof=1) if len(x) > 1 else 0.0
        h = t975(len(x) - 1) * sd / math.sqrt(len(x)) if len(x) > 1 else float("nan")
        print(f"{m:8s} {str(n):>6s} {len(x):5d}  {x.mean():6.2f} ± {sd:5.2f}   [{x.mean()-h:6.2f}, {x.mean()+h:6.2f}]")
    if a.json:
        json.dump(rows, open(a.json, "w"), indent=1)


if __name__ == "__main__":
    main()
