#!/usr/bin/env bash
# Fetches the ONNX Runtime library that the package ships, at package time: the one shared library and its licence
# files from the pinned PyPI wheel onnxruntime==1.31.1 (the same wheel the app's developer fallback fetches; see
# crates/encode/src/runtime.rs). The wheel's sha256 is pinned, so a package never ships a different build.
#
#   tools/fetch_onnxruntime.sh [DEST]     (default: dist/onnxruntime-1.31.1)
#
# Needs Python's pip (apt-get install python3-pip) and access to PyPI; the package built from it needs neither.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=1.31.1
WHEEL=onnxruntime-1.31.1-cp311-cp311-manylinux_2_28_x86_64.whl
SHA256=5752bd508126ae7c49894d3b9d2e83f0c3d487319246d04c444b393308d7ad7f
DEST="${1:-dist/onnxruntime-$VERSION}"

if [ "$(uname -m)" != x86_64 ]; then
  echo "fetch_onnxruntime.sh: only the x86_64 wheel is pinned (this is $(uname -m))" >&2
  exit 1
fi
if [ -f "$DEST/libonnxruntime.so.$VERSION" ] && [ -f "$DEST/LICENSE" ] && [ -f "$DEST/ThirdPartyNotices.txt" ]; then
  echo "ONNX Runtime $VERSION already in $DEST"
  exit 0
fi
python3 -m pip --version >/dev/null 2>&1 || { echo "fetch_onnxruntime.sh: needs Python's pip (apt-get install python3-pip)" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
  --platform manylinux_2_28_x86_64 "onnxruntime==$VERSION" -d "$tmp"
echo "$SHA256  $tmp/$WHEEL" | sha256sum --check --quiet
mkdir -p "$DEST"
python3 - "$tmp/$WHEEL" "$DEST" "$VERSION" <<'PY'
import sys, zipfile, pathlib
wheel, dest, version = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3]
with zipfile.ZipFile(wheel) as z:
    for member, name in [(f"onnxruntime/capi/libonnxruntime.so.{version}", f"libonnxruntime.so.{version}"),
                         ("onnxruntime/LICENSE", "LICENSE"),
                         ("onnxruntime/ThirdPartyNotices.txt", "ThirdPartyNotices.txt")]:
        (dest / name).write_bytes(z.read(member))
PY
chmod 644 "$DEST"/*
echo "ONNX Runtime $VERSION (libonnxruntime.so.$VERSION, LICENSE, ThirdPartyNotices.txt) in $DEST"
