#!/usr/bin/env python3
"""Peers for `outfit-studio bench --peers`: numpy and FAISS (IndexFlatIP + an ID selector) on the very matrix,
filters and queries the Rust bench generated, timed warm and cold the same way.

Run by the bench with the venv from `tools/bench_peers_venv.sh`; by hand: `bench_peers.py DIR --threads 2`, where
DIR holds `meta.json`, `matrix.f32` (rows x dim, little-endian f32) and `mask.u8` (1 where the filter accepts the
row). Prints one JSON object: median milliseconds per peer and case, and each peer's top-k rows of the one-slot
query (the bench checks they are its own).
"""
import argparse
import json
import os
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("dir")
ap.add_argument("--threads", type=int, default=1)
args = ap.parse_args()
# Thread counts are fixed before numpy and FAISS load their BLAS and OpenMP runtimes.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(args.threads)

import faiss  # noqa: E402
import numpy as np  # noqa: E402

faiss.omp_set_num_threads(args.threads)
meta = json.load(open(os.path.join(args.dir, "meta.json")))
n, dim, k, reps = meta["rows"], meta["dim"], meta["k"], meta["reps"]
X = np.fromfile(os.path.join(args.dir, "matrix.f32"), dtype="<f4").reshape(n, dim)
mask = np.fromfile(os.path.join(args.dir, "mask.u8"), dtype=np.uint8).astype(bool)
# A buffer larger than the last-level cache, read between queries for the cold case (as the Rust bench does).
evict = np.ones(meta["evict_bytes"] // 8, dtype=np.float64)


def touch():
    evict.sum()


def case(name):
    """[(start, end, query vector)] of a case: "b" one slot, "c" every empty slot of the board."""
    return [(q["start"], q["end"], np.asarray(q["vector"], dtype=np.float32)) for q in meta["cases"][name]]


def numpy_topk(start, end, q):
    s = X[start:end] @ q
    s[~mask[start:end]] = -np.inf
    top = np.argpartition(-s, k)[:k]
    return start + top[np.argsort(-s[top], kind="stable")]


faiss_indexes = {}


def faiss_topk(start, end, q):
    # One flat index per slot range, built once (like the project's index, which keeps slots apart).
    if (start, end) not in faiss_indexes:
        index = faiss.IndexFlatIP(dim)
        index.add(np.ascontiguousarray(X[start:end]))
        sel = faiss.IDSelectorBatch(np.flatnonzero(mask[start:end]).astype(np.int64))
        faiss_indexes[(start, end)] = (index, faiss.SearchParameters(sel=sel), sel)
    index, params, _ = faiss_indexes[(start, end)]
    _, ids = index.search(q[None, :], k, params=params)
    return start + ids[0]


def median_ms(fn, queries, cold):
    for _ in range(3):
        for s, e, q in queries:
            fn(s, e, q)
    times = []
    for _ in range(reps):
        if cold:
            touch()
        t = time.perf_counter()
        for s, e, q in queries:
            fn(s, e, q)
        times.append((time.perf_counter() - t) * 1e3)
    times.sort()
    return times[len(times) // 2]


out = {"threads": args.threads, "numpy": np.__version__, "faiss": faiss.__version__, "python": sys.version.split()[0]}
for peer, fn in (("numpy", numpy_topk), ("faiss", faiss_topk)):
    b, c = case("b"), case("c")
    out[peer + "_rows_b"] = [int(r) for r in fn(*b[0])]
    for cname, queries in (("b", b), ("c", c)):
        for cold in (False, True):
            out[f"{peer}_{cname}_{'cold' if cold else 'warm'}_ms"] = median_ms(fn, queries, cold)
print(json.dumps(out))
