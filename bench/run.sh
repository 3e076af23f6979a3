#!/usr/bin/env bash
# Runs the native benchmarks behind BENCHMARKS.md: candle (mpg bench) and the PyTorch CPU
# reference, same networks, batch 64, 2 threads, median of 5 runs each. Writes bench/out/*.json.
set -euo pipefail
cd "$(dirname "$0")/.."
data="${MPG_DATA_DIR:-$(cd .. && pwd)/shared/data}"
mkdir -p bench/out
cargo build --release -p mpg
python3 -c "import torch" 2>/dev/null || pip install torch
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
RAYON_NUM_THREADS=2 target/release/mpg bench --data "$data" --runs 5 --json > bench/out/candle.json
python3 bench/pytorch_reference.py --data "$data/mnist" --threads 2 --runs 5 | sed -n '/^{/,$p' > bench/out/pytorch.json
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
cat bench/out/candle.json bench/out/pytorch.json
