#!/usr/bin/env bash
# Makes the venv `tools/bench_peers.py` runs in (numpy and faiss-cpu from PyPI), apart from the other tools' venvs.
set -euo pipefail
cd "$(dirname "$0")"
python3 -m venv .venv-bench
.venv-bench/bin/python -m pip install --quiet --upgrade pip
.venv-bench/bin/python -m pip install --quiet -r requirements-bench.txt
.venv-bench/bin/python -c 'import numpy, faiss; print("numpy", numpy.__version__, "faiss", faiss.__version__)'
