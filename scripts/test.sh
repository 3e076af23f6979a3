#!/usr/bin/env bash
# The README's test command: every test of the project, on a fresh machine with only Rust.
# Needs MNIST: $MPG_DATA_DIR, or ../shared/data beside the project (as CI has it).
set -euo pipefail
cd "$(dirname "$0")/.."
export MPG_DATA_DIR="${MPG_DATA_DIR:-$(cd .. && pwd)/shared/data}"
if [ ! -f "$MPG_DATA_DIR/mnist/t10k-labels-idx1-ubyte.gz" ] && [ ! -f "$MPG_DATA_DIR/mnist/t10k-labels-idx1-ubyte" ]; then
  echo "MNIST not found under $MPG_DATA_DIR/mnist: set MPG_DATA_DIR, or run: cargo run --release -p mpg -- data fetch --dir data && MPG_DATA_DIR=\$PWD/data $0" >&2
  exit 1
fi

echo "== native tests: engine, charts and CLI on real MNIST (release build: training in debug is far too slow)"
cargo test --release -p engine -p charts -p mpg

echo "== the engine builds for the browser (wasm32-unknown-unknown)"
rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || true
cargo build --release --target wasm32-unknown-unknown -p engine

echo "== browser: wasm tests and the end-to-end test in headless Chromium"
bash scripts/test-web.sh
