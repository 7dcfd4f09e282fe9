#!/usr/bin/env bash
# Regenerates assets/demo/features.safetensors, the demo's precomputed encoder features that the binary embeds
# (crates/demo, crates/encode/src/prebuilt.rs): run it after changing the demo catalogue, the encoders in models/
# or the text template. tests/package.rs fails while the file was made with other encoders than models/'s.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --release --locked -- demo-features --out assets/demo/features.safetensors
