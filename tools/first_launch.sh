#!/usr/bin/env bash
# Times a first launch: the app on a fresh data directory and cache under Xvfb (software rendering), from process
# start to its first frame and to the end of the first-launch demo import ("job done": the demo is usable), with
# the stage times the import job logs. README "Measured" has the figures.
#
#   tools/first_launch.sh [BINARY]      (default: target/release/outfit-studio, or $CARGO_TARGET_DIR's)
#
# Needs Xvfb; ONNX Runtime is taken from the usual lookup (copied into the fresh cache if it came from there).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-${CARGO_TARGET_DIR:-target}/release/outfit-studio}"
[ -x "$bin" ] || { echo "first_launch.sh: no binary at $bin (cargo build --release)" >&2; exit 1; }
tmp="$(mktemp -d)"
app="" ; xvfb=""
trap 'kill -TERM $app $xvfb 2>/dev/null || true; rm -rf "$tmp"' EXIT
# The ONNX Runtime the developer already has, so the launch does not time a pip fetch.
lib="$( ("$bin" doctor 2>/dev/null || true) | sed -n 's/^ONNX Runtime: \(.*\) (from.*/\1/p')"
mkdir -p "$tmp/cache/onnxruntime-1.31.1" "$tmp/xdg"
[ -n "$lib" ] && cp "$lib" "$tmp/cache/onnxruntime-1.31.1/libonnxruntime.so.1.31.1"
chmod 700 "$tmp/xdg"
display=":$((50 + RANDOM % 50))"
Xvfb "$display" -screen 0 1600x1000x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
sleep 1
log="$tmp/app.log"
start=$(date +%s.%N)
env -u WAYLAND_DISPLAY DISPLAY="$display" XDG_RUNTIME_DIR="$tmp/xdg" OUTFIT_STUDIO_DATA="$tmp/data" \
  OUTFIT_STUDIO_CACHE="$tmp/cache" OUTFIT_STUDIO_LOG=info "$bin" >"$log" 2>&1 &
app=$!
first="" ; done_at=""
for _ in $(seq 1 1500); do
  sleep 0.1
  [ -z "$first" ] && grep -q "first frame drawn" "$log" && first=$(echo "$(date +%s.%N) - $start" | bc)
  [ -z "$done_at" ] && grep -q "job done" "$log" && done_at=$(echo "$(date +%s.%N) - $start" | bc)
  { [ -n "$first" ] && [ -n "$done_at" ]; } && break
  kill -0 $app 2>/dev/null || break
done
grep -E "imported in|precomputed features|indexed .* items in|job done|job failed" "$log" | sed 's/^.*INFO [^ ]* //'
[ -n "$first" ] && [ -n "$done_at" ] || { echo "first_launch.sh: no first frame or no finished import; log:" >&2; tail -20 "$log" >&2; exit 1; }
printf 'first frame %.2f s, demo usable %.2f s after process start (load average %s)\n' "$first" "$done_at" "$(cut -d' ' -f1-3 /proc/loadavg)"
