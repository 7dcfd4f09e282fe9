#!/usr/bin/env python3
"""Makes the int8 image encoder the app indexes with, and records how close it stays to fp32.

Static int8 quantisation (onnxruntime.quantization, QOperator format, per-channel int8 weights, uint8
activations, MinMax ranges) of models/efficientnet-lite0.onnx, calibrated on real product photos. The stem
convolution and block 0 stay fp32: quantising them costs most of the accuracy (cosine to fp32 median 0.986,
minimum 0.93 with them; 0.994 and 0.977 without) for little of the speed.

The cosine of every evaluation photo's int8 embedding to its fp32 embedding (same PIL preprocessing as
export_models.py) is written into models/manifest.json beside the int8 file's checksum, and the fp32 file
stays in models/ as the reference it was measured against.

    python3 -m venv /tmp/quant-venv && /tmp/quant-venv/bin/pip install -r tools/requirements-quantize.txt
    /tmp/quant-venv/bin/python tools/quantize_image_model.py \
        --calibration ../shared/data/mango-outfits/images --evaluation ../shared/data/hm-kids/images

Calibration uses 200 photos drawn with a fixed seed (adult MANGO photos); the cosine is measured on other
photos (256 H&M children's photos), so the figure is not the calibration set's. Rerunning gives the same
file. Only activation ranges come from the photos: no photo is stored in the model.
"""

import argparse
import hashlib
import json
import random
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnxruntime as ort
from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType, quantize_static
from onnxruntime.quantization.shape_inference import quant_pre_process

sys.path.insert(0, str(Path(__file__).resolve().parent))
from export_models import load_image_pixels, sha256_file  # noqa: E402  (the one preprocessing the app mirrors)

REPO = Path(__file__).resolve().parent.parent
FP32 = "efficientnet-lite0.onnx"
INT8 = "efficientnet-lite0-int8.onnx"
KEEP_FP32 = ["/_conv_stem/Conv", "/_blocks.0/_depthwise_conv/Conv", "/_blocks.0/_project_conv/Conv"]
CALIBRATION_PHOTOS = 200
EVALUATION_PHOTOS = 256
SEED = 0


def photos(folder, n, seed):
    files = sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png", ".webp"))
    if len(files) < n:
        sys.exit(f"{folder} has {len(files)} photos, {n} are needed")
    random.Random(seed).shuffle(files)
    return files[:n]


class Photos(CalibrationDataReader):
    def __init__(self, files):
        self.batches = iter([{"pixel_values": load_image_pixels(f)[None]} for f in files])

    def get_next(self):
        return next(self.batches, None)


def embeddings(model, files, threads):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    s = ort.InferenceSession(str(model), opts, providers=["CPUExecutionProvider"])
    x = np.stack([load_image_pixels(f) for f in files])
    return np.concatenate([s.run(["embedding"], {"pixel_values": x[i : i + 32]})[0] for i in range(0, len(x), 32)])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--calibration", required=True, help="folder of product photos to take activation ranges from")
    ap.add_argument("--evaluation", required=True, help="other photos to measure the cosine to fp32 on")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    models = REPO / "models"
    with tempfile.TemporaryDirectory() as tmp:
        pre = Path(tmp) / "pre.onnx"
        quant_pre_process(str(models / FP32), str(pre), skip_symbolic_shape=True)
        quantize_static(
            str(pre),
            str(models / INT8),
            Photos(photos(a.calibration, CALIBRATION_PHOTOS, SEED)),
            quant_format=QuantFormat.QOperator,
            per_channel=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            calibrate_method=CalibrationMethod.MinMax,
            nodes_to_exclude=KEEP_FP32,
        )
    evaluation = photos(a.evaluation, EVALUATION_PHOTOS, SEED + 1)
    ref = embeddings(models / FP32, evaluation, a.threads)
    q = embeddings(models / INT8, evaluation, a.threads)
    cos = (ref * q).sum(1) / np.linalg.norm(ref, axis=1) / np.linalg.norm(q, axis=1)
    stats = {
        "photos": len(evaluation),
        "set": Path(a.evaluation).parent.name,
        "median": round(float(np.median(cos)), 4),
        "p1": round(float(np.percentile(cos, 1)), 4),
        "min": round(float(cos.min()), 4),
    }

    path = models / "manifest.json"
    manifest = json.loads(path.read_text())
    image = manifest["image"]
    reference = image.get("reference", {"file": image["file"], "sha256": image["sha256"], "precision": image["precision"]})
    if reference["file"] != FP32:
        sys.exit(f"manifest's fp32 reference is {reference['file']}, expected {FP32}")
    image.update(
        file=INT8,
        sha256=sha256_file(models / INT8),
        precision="int8",
        reference=reference,
        quantisation={
            "tool": "tools/quantize_image_model.py (onnxruntime.quantization.quantize_static)",
            "format": "QOperator, per-channel int8 weights, uint8 activations, MinMax ranges",
            "calibration": f"{CALIBRATION_PHOTOS} photos of {Path(a.calibration).parent.name}, seed {SEED}",
            "kept_fp32": KEEP_FP32,
        },
        cosine_to_fp32=stats,
    )
    path.write_text(json.dumps(manifest, indent=2) + "\n")
    print(json.dumps({"file": INT8, "sha256": image["sha256"], "cosine_to_fp32": stats}, indent=2))


if __name__ == "__main__":
    main()
