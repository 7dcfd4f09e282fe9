#!/usr/bin/env bash
# Builds the installable packages into dist/:
#   dist/outfit-studio_<version>-1_amd64.deb             (cargo-deb; `sudo apt install ./outfit-studio_*.deb`)
#   dist/outfit-studio-<version>-x86_64-linux.tar.gz     (portable: unpack anywhere, run bin/outfit-studio)
# Both hold the stripped release binary, ONNX Runtime from the pinned wheel (tools/fetch_onnxruntime.sh) with its
# licence, the models the package may ship (manifest, int8 image encoder, text encoder and tokenizer, zero-shot
# head), the desktop entry and the icon, in one layout: bin/ beside lib/outfit-studio/ (crates/paths/src/package.rs).
# The release build's debug info stays in target/release/outfit-studio.dwp and is not shipped.
#
# Needs: cargo-deb (`cargo install cargo-deb --locked`), Python's pip (first run, to fetch ONNX Runtime).
# OUTFIT_STUDIO_SKIP_BUILD=1 packages the existing release binary without running cargo build.
set -euo pipefail
cd "$(dirname "$0")/.."

version="$(cargo metadata --no-deps --format-version 1 --locked | python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"]=="outfit-studio"))')"
target="${CARGO_TARGET_DIR:-target}"
ort=dist/onnxruntime-1.31.1
mkdir -p dist

tools/fetch_onnxruntime.sh "$ort"
if [ "${OUTFIT_STUDIO_SKIP_BUILD:-0}" != 1 ]; then
  cargo build --release --locked --bin outfit-studio
fi
bin="$target/release/outfit-studio"

# The package's Depends promise libc6 >= 2.35: fail here if the binary or the library needs a newer glibc.
need="$( (objdump -T "$bin"; objdump -T "$ort/libonnxruntime.so.1.31.1") | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)"
if [ "$(printf '%s\n' "GLIBC_2.35" "$need" | sort -V | tail -1)" != GLIBC_2.35 ]; then
  echo "package.sh: the binary needs $need, newer than the libc6 (>= 2.35) in Cargo.toml's Depends" >&2
  exit 1
fi

# .deb: --strip, since cargo-deb keeps the debug info of a profile that has some (the .dwp stays in target/).
cargo deb --no-build --locked --strip --no-separate-debug-symbols --output dist/ >/dev/null
deb="$(ls -t dist/outfit-studio_"$version"-*_amd64.deb | head -1)"

# Portable tar.gz, laid out like the installed package under one folder.
name="outfit-studio-$version-x86_64-linux"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
root="$stage/$name"
mkdir -p "$root/bin" "$root/lib/outfit-studio/models" "$root/share/applications" \
  "$root/share/icons/hicolor/256x256/apps" "$root/share/doc/outfit-studio/onnxruntime"
objcopy --strip-debug --strip-unneeded "$bin" "$root/bin/outfit-studio"
cp "$ort/libonnxruntime.so.1.31.1" "$root/lib/outfit-studio/"
cp "$ort/LICENSE" "$ort/ThirdPartyNotices.txt" "$root/share/doc/outfit-studio/onnxruntime/"
cp models/manifest.json models/efficientnet-lite0-int8.onnx models/all-minilm-l6-v2.onnx \
  models/all-minilm-l6-v2.tokenizer.json models/head-zeroshot.safetensors models/head-zeroshot.json \
  "$root/lib/outfit-studio/models/"
cp assets/package/outfit-studio.desktop "$root/share/applications/"
cp assets/package/outfit-studio.png "$root/share/icons/hicolor/256x256/apps/"
cp README.md "$root/share/doc/outfit-studio/"
tar -C "$stage" -czf "dist/$name.tar.gz" --owner=0 --group=0 "$name"

size() { du -h --apparent-size "$1" | cut -f1; }
echo "release binary $(size "$bin") unstripped (debug info in $(basename "$bin").dwp, $( [ -f "$bin.dwp" ] && size "$bin.dwp" || echo 'n/a'), not shipped)"
echo "stripped binary $(size "$root/bin/outfit-studio")"
echo "$deb $(size "$deb")"
echo "dist/$name.tar.gz $(size "dist/$name.tar.gz")"
