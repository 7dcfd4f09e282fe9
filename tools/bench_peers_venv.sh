#!/usr/bin/env bash
# Makes the venv that `tools/bench_peers.py` and `tools/bench_index_peer.py` run in (numpy, faiss-cpu, onnxruntime,
# pillow, tokenizers from PyPI), apart from the other tools' venvs.
set -euo pipefail
cd "$(dirname "$0")"
python3 -m venv .venv-bench
.venv-bench/bin/python -m pip install --quiet --upgrade pip
.venv-bench/bin/python -m pip install --quiet -r requirements-bench.txt
.venv-bench/bin/python -c "import numpy, faiss, onnxruntime, PIL, tokenizers; print('numpy', numpy.__version__, 'faiss', faiss.__version__, 'onnxruntime', onnxruntime.__version__)"
