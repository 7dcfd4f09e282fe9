#!/usr/bin/env bash
# Installs the .deb in a clean Debian root and starts it offline, as a stylist's machine would:
#   1. a minimal Debian bookworm root made by mmdebstrap from Debian's mirror (no container registry), with only
#      Xvfb added (the test's display, not the app's dependency);
#   2. `apt-get install ./outfit-studio_*.deb` there, which installs the package's hand-written Depends;
#   3. every shared library the binary and libonnxruntime link must resolve (ldd);
#   4. with no network at all (`unshare -n`): `outfit-studio doctor` must find ONNX Runtime and the models in the
#      package, and the app under Xvfb must draw its first frame and finish its first-launch demo import (log lines
#      "first frame drawn" and "job done"), with a screenshot of the window written beside the log.
#
#   tools/package_check.sh [DEB]        (default: the newest dist/outfit-studio_*.deb; build it with tools/package.sh)
#
# Runs as root (chroot, mounts, unshare); needs mmdebstrap (apt-get install mmdebstrap) and Debian's mirror.
# OUTFIT_CHECK_BASE=FILE.tar reuses a base root made by an earlier run (kept in dist/package-check/). Results go to
# dist/package-check/: app.log, doctor.txt, screenshot.png.
set -euo pipefail
cd "$(dirname "$0")/.."

deb="${1:-$(ls -t dist/outfit-studio_*.deb 2>/dev/null | head -1)}"
[ -f "$deb" ] || { echo "package_check.sh: no .deb (run tools/package.sh first)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "package_check.sh: needs root (chroot, mount, unshare)" >&2; exit 1; }
command -v mmdebstrap >/dev/null || { echo "package_check.sh: needs mmdebstrap (apt-get install mmdebstrap)" >&2; exit 1; }

out=dist/package-check
mkdir -p "$out"
base="${OUTFIT_CHECK_BASE:-$out/bookworm-base.tar}"
if [ ! -f "$base" ]; then
  echo "== making a clean Debian bookworm root (mmdebstrap)"
  mmdebstrap --quiet --variant=apt --include=xvfb,xauth bookworm "$base" http://deb.debian.org/debian
fi

root="$(mktemp -d /tmp/outfit-package-check.XXXXXX)"
cleanup() {
  for m in dev/pts dev proc sys; do umount -l "$root/$m" 2>/dev/null || true; done
  rm -rf --one-file-system "$root"
}
trap cleanup EXIT
tar -C "$root" -xf "$base"
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --rbind /dev "$root/dev"
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/tmp/"
in_root() { chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }

echo "== installing $(basename "$deb") and its Depends"
in_root apt-get update -qq
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "/tmp/$(basename "$deb")" >/dev/null
in_root dpkg -s outfit-studio | grep -E '^(Version|Installed-Size):'

echo "== linked libraries resolve"
missing="$(in_root ldd /usr/bin/outfit-studio /usr/lib/outfit-studio/libonnxruntime.so.1.31.1 | grep 'not found' || true)"
[ -z "$missing" ] || { echo "unresolved: $missing" >&2; exit 1; }

offline() { unshare -n chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/bin:/bin LANG=C.UTF-8 XDG_RUNTIME_DIR=/tmp/xdg "$@"; }
mkdir -p "$root/tmp/xdg" && chmod 700 "$root/tmp/xdg"

echo "== outfit-studio doctor (no network)"
offline outfit-studio doctor | tee "$out/doctor.txt"
grep -q "from the installed package" "$out/doctor.txt" || { echo "doctor did not use the packaged ONNX Runtime" >&2; exit 1; }
grep -q "^models: /usr/lib/outfit-studio/models" "$out/doctor.txt" || { echo "doctor did not use the packaged models" >&2; exit 1; }

echo "== the app under Xvfb (no network), first launch"
log="$root/tmp/app.log"
start=$(date +%s.%N)
setsid unshare -n chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/bin:/bin LANG=C.UTF-8 XDG_RUNTIME_DIR=/tmp/xdg \
  OUTFIT_STUDIO_LOG=info sh -c 'Xvfb :7 -screen 0 1600x1000x24 -nolisten tcp >/tmp/xvfb.log 2>&1 & sleep 1; DISPLAY=:7 exec outfit-studio' \
  >"$log" 2>&1 &
app=$!
elapsed() { echo "$(date +%s.%N) - $start" | bc; }
first_frame="" ; usable=""
for _ in $(seq 1 600); do
  sleep 0.2
  [ -z "$first_frame" ] && grep -q "first frame drawn" "$log" && first_frame=$(elapsed)
  [ -z "$usable" ] && grep -q "job done" "$log" && usable=$(elapsed)
  if [ -n "$first_frame" ] && [ -n "$usable" ]; then break; fi
  kill -0 $app 2>/dev/null || break
done
# The screenshot tool comes only now: x11-apps pulls in X libraries that would hide a missing Depends.
if [ -n "$first_frame" ]; then
  in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends x11-apps >/dev/null 2>&1 &&
    unshare -n chroot "$root" /usr/bin/env -i PATH=/usr/bin:/bin DISPLAY=:7 xwd -root -silent -out /tmp/screenshot.xwd || true
fi
kill -TERM -- -$app 2>/dev/null || true
wait $app 2>/dev/null || true
cp "$log" "$out/app.log"
if [ -f "$root/tmp/screenshot.xwd" ]; then
  python3 tools/xwd_to_png.py "$root/tmp/screenshot.xwd" "$out/screenshot.png" || true
fi
if [ -z "$first_frame" ] || [ -z "$usable" ]; then
  echo "FAILED: the app did not draw a frame and finish the demo import; its log:" >&2
  tail -30 "$out/app.log" >&2
  exit 1
fi
grep "job done" "$out/app.log" | head -1
printf 'PASSED: first frame %.1f s, demo usable %.1f s after start (Xvfb, software rendering, no network)\n' "$first_frame" "$usable"
