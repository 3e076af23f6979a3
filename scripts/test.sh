#!/usr/bin/env bash
# The README's test command: every test of the project, on a fresh machine with only Rust.
# Needs MNIST: $MPG_DATA_DIR, else ../shared/data beside the project (as CI has it), else the
# data/ folder that scripts/serve.sh fills.
# It never modifies tracked files: it fails if `git status` changed while it ran.
set -euo pipefail
cd "$(dirname "$0")/.."

has_mnist() { [ -f "$1/mnist/t10k-labels-idx1-ubyte.gz" ] || [ -f "$1/mnist/t10k-labels-idx1-ubyte" ]; }
if [ -z "${MPG_DATA_DIR:-}" ]; then
  for d in "$(cd .. && pwd)/shared/data" "$PWD/data"; do
    if has_mnist "$d"; then MPG_DATA_DIR="$d"; break; fi
  done
fi
export MPG_DATA_DIR="${MPG_DATA_DIR:-$(cd .. && pwd)/shared/data}"
if ! has_mnist "$MPG_DATA_DIR"; then
  echo "MNIST not found under $MPG_DATA_DIR/mnist: set MPG_DATA_DIR, or run: cargo run --release -p mpg-fetch -- --all --dir data" >&2
  exit 1
fi
# scripts/serve.sh fetches MNIST only (what the page starts on); the tests also read Fashion-MNIST.
if ! [ -f "$MPG_DATA_DIR/fashion-mnist/t10k-labels-idx1-ubyte.gz" ] && ! [ -f "$MPG_DATA_DIR/fashion-mnist/t10k-labels-idx1-ubyte" ]; then
  cargo run --release -p mpg-fetch -- --dataset fashion-mnist --dir "$MPG_DATA_DIR"
fi
status_before="$(git status --porcelain 2>/dev/null || true)"

echo "== formatting (cargo fmt --check) and lints (clippy, warnings are errors)"
rustup component add rustfmt clippy >/dev/null 2>&1 || true
cargo fmt --all --check
cargo clippy --release --workspace --all-targets -- -D warnings

echo "== the engine's modules depend one way (no cycle)"
bash scripts/module-graph.sh

echo "== dependencies: licences, bans, sources (deny.toml; advisories need RustSec's database from GitHub)"
CARGO_DENY_VERSION=0.20.2
cargo deny --version 2>/dev/null | grep -q " $CARGO_DENY_VERSION" || cargo install cargo-deny --locked --version "$CARGO_DENY_VERSION"
cargo deny check licenses bans sources

echo "== native tests: engine, charts, CLI, the data fetcher, the app core on real MNIST (release: training in debug is far too slow), the fuzz targets' replay"
cargo test --release -p engine -p charts -p mpg -p mpg-fetch -p memristor-playground -p fuzz-targets

echo "== the engine builds for the browser (wasm32-unknown-unknown)"
rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || true
cargo build --release --target wasm32-unknown-unknown -p engine

echo "== browser: wasm tests and the end-to-end test in headless Chromium"
bash scripts/test-web.sh

if [ "$(git status --porcelain 2>/dev/null || true)" != "$status_before" ]; then
  echo "the tests changed files in the work tree:" >&2
  git status --short >&2
  exit 1
fi
echo "== all tests passed; the work tree is as it was"
