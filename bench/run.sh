#!/usr/bin/env bash
# The native benchmark: candle (`mpg bench`) against the PyTorch CPU reference
# (bench/pytorch_reference.py), the same work timed on both sides, at 1 and at 2 threads, for
# the report's MLP 784-256-128-10, MLP 784-512-512-10 and LeNet: training (batch 64) and noisy
# evaluation. Interleaved pairs (candle run, PyTorch run) x3 per (threads, network, phase),
# every run in its own process (max RSS per training / evaluation). Raw output goes to
# bench/results/<UTC date>-<short commit>/ (runs.jsonl, logs/, meta.json); summarise with
#   python3 bench/summarise.py bench/results/<folder>
# Extra arguments go to bench/native.py, e.g. `--pairs 1 --mlp-steps 20 --cnn-steps 5` for a
# smoke run, or `--threads 2`. Set MPG_BENCH_OUT to choose the folder.
set -euo pipefail
cd "$(dirname "$0")/.."
data="${MPG_DATA_DIR:-$(cd .. && pwd)/shared/data}"
out="${MPG_BENCH_OUT:-bench/results/$(date -u +%Y-%m-%d)-$(git rev-parse --short HEAD)}"
nice_cargo=${NICE_CARGO:-nice}
$nice_cargo cargo build --release -p mpg
python3 -c "import torch" 2>/dev/null || python3 -m pip install torch
mkdir -p "$out"
echo "writing $out; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 bench/native.py --out "$out" --data "$data" --mpg target/release/mpg "$@"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 bench/summarise.py "$out"
