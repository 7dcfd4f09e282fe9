#!/usr/bin/env python3
"""Python onnxruntime peer for `outfit-studio bench --index --peers`: indexes the same items the way a Python
indexer of the same encoders would, and prints JSON.

Reads the job file the bench writes (items: photo path or null, and the exact text the text encoder reads;
the ONNX files; batch; passes; threads). Per batch: photos decoded and preprocessed with the reference
preprocessing (tools/export_models.py's `load_image_pixels`, PIL) on a thread pool of `threads`, texts
tokenised with `tokenizers` (truncation at max_tokens, padding to the batch's longest), then the image and
text sessions (CPUExecutionProvider, `threads` intra-op threads, all graph optimisations). Timed twice, with
the fp32 image model and with the int8 one, passes interleaved; wall and process CPU medians.

Also reports the cosine between its int8 image embeddings and the bench's own (same photos), which shows
both sides did the same work.

    tools/.venv-bench/bin/python tools/bench_index_peer.py job.json    (venv: tools/bench_peers_venv.sh)
"""

import json
import platform
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import onnxruntime as ort
import tokenizers

sys.path.insert(0, str(Path(__file__).resolve().parent))
from export_models import load_image_pixels  # noqa: E402


def session(path, threads):
    o = ort.SessionOptions()
    o.intra_op_num_threads = threads
    o.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), o, providers=["CPUExecutionProvider"])


def index(items, batch, image, text, tok, pool):
    """One pass over the items; returns the image embeddings of the items with photos, in order."""
    names = [i.name for i in text.get_inputs()]
    out = []
    for start in range(0, len(items), batch):
        chunk = items[start : start + batch]
        photos = [it["image"] for it in chunk if it["image"]]
        if photos:
            pixels = np.stack(list(pool.map(load_image_pixels, photos)))
            out.append(image.run(["embedding"], {"pixel_values": pixels})[0])
        enc = tok.encode_batch([it["text"] for it in chunk])
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64)}
        feed["token_type_ids"] = np.zeros_like(ids)
        text.run(None, {k: v for k, v in feed.items() if k in names})
    return np.concatenate(out) if out else np.zeros((0, 0), np.float32)


def main():
    job = json.loads(Path(sys.argv[1]).read_text())
    threads, batch, items = job["threads"], job["batch"], job["items"]
    tok = tokenizers.Tokenizer.from_file(job["tokenizer"])
    tok.enable_truncation(job["max_tokens"])
    tok.enable_padding()
    text = session(job["text"], threads)
    images = {"fp32": session(job["image_fp32"], threads), "int8": session(job["image_int8"], threads)}
    times = {k: [] for k in images}
    embeddings = None
    with ThreadPoolExecutor(threads) as pool:
        for k, s in images.items():  # warm-up, as the bench does
            index(items[:batch], batch, s, text, tok, pool)
        for _ in range(job["reps"]):
            for k, s in images.items():
                t, c = time.perf_counter(), time.process_time()
                e = index(items, batch, s, text, tok, pool)
                times[k].append((time.perf_counter() - t, time.process_time() - c))
                if k == "int8":
                    embeddings = e
    ours = np.fromfile(job["ours_image"], dtype=np.float32).reshape(-1, job["image_dim"])
    if ours.shape != embeddings.shape:
        sys.exit(f"the bench encoded {ours.shape[0]} photos, this peer {embeddings.shape[0]}")
    cos = (ours * embeddings).sum(1) / (np.linalg.norm(ours, axis=1) * np.linalg.norm(embeddings, axis=1) + 1e-12)
    result = {
        "python": platform.python_version(),
        "onnxruntime": ort.__version__,
        "tokenizers": tokenizers.__version__,
        "cosine_median": float(np.median(cos)) if len(cos) else None,
        "cosine_min": float(cos.min()) if len(cos) else None,
        "cosine_photos": int(len(cos)),
    }
    for k, v in times.items():
        result[f"{k}_wall_s"] = float(np.median([w for w, _ in v]))
        result[f"{k}_cpu_s"] = float(np.median([c for _, c in v]))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
