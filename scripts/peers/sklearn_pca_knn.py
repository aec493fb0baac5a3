#!/usr/bin/python3
"""Peer reference, not a dependency: scikit-learn's PCA and kNN (Debian's
python3-sklearn) on the same Fashion-MNIST files, to compare with
hourglass's reduce and compare stages side by side.

  /usr/bin/python3 scripts/peers/sklearn_pca_knn.py [--queries 10000] [--dims 64,16]
      [--k 5] [--weights uniform|distance] [--no-full-pca] [--save-pred DIR]

Prints each representation's kNN accuracy (correct count too) and time;
--save-pred writes the predictions as DIR/<representation>.npy to compare
query by query with hourglass (`hourglass bench knn --save-pred`).
"""
import argparse, gzip, os, struct, time
import numpy as np
from sklearn.decomposition import PCA
from sklearn.neighbors import KNeighborsClassifier

DATA = os.environ.get("HOURGLASS_DATA", "/usr/share/datasets/fashion-mnist")


def idx(name):
    with gzip.open(os.path.join(DATA, name + ".gz"), "rb") as f:
        raw = f.read()
    nd = raw[3]
    dims = struct.unpack(">" + "I" * nd, raw[4:4 + 4 * nd])
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * nd).reshape(dims)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--queries", type=int, default=10000)
    ap.add_argument("--dims", default="64,16")
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--weights", default="uniform")
    ap.add_argument("--no-full-pca", action="store_true", help="skip the all-components PCA fit")
    ap.add_argument("--save-pred", default="")
    a = ap.parse_args()
    xtr = idx("train-images-idx3-ubyte").reshape(60000, -1).astype(np.float64) / 255
    ytr = idx("train-labels-idx1-ubyte")
    xte = idx("t10k-images-idx3-ubyte").reshape(10000, -1).astype(np.float64)[: a.queries] / 255
    yte = idx("t10k-labels-idx1-ubyte")[: a.queries]
    if not a.no_full_pca:
        t = time.time()
        pca = PCA(n_components=784, svd_solver="full").fit(xtr)
        print(f"PCA fit 60000x784 (all components, full SVD): {time.time()-t:.2f}s")
        print("explained variance ratio[:5]", np.round(pca.explained_variance_ratio_[:5], 8).tolist())
    for d in [784] + [int(s) for s in a.dims.split(",") if s]:
        if d == 784:
            tr, te, name = xtr, xte, "pixels"
        else:
            p = PCA(n_components=d, svd_solver="full").fit(xtr)
            tr, te, name = p.transform(xtr), p.transform(xte), f"pca-{d}"
        t = time.time()
        knn = KNeighborsClassifier(n_neighbors=a.k, algorithm="brute", weights=a.weights).fit(tr, ytr)
        pred = knn.predict(te)
        secs = time.time() - t
        ok = int((pred == yte).sum())
        print(f"{name}: kNN accuracy {100*ok/len(yte):.2f}% ({ok} of {len(yte)} queries, k = {a.k}, {a.weights}) ({secs:.1f}s)")
        if a.save_pred:
            os.makedirs(a.save_pred, exist_ok=True)
            np.save(os.path.join(a.save_pred, name + ".npy"), pred.astype(np.int64))


if __name__ == "__main__":
    main()
