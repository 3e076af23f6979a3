#!/usr/bin/env bash
# Regenerates the models the site ships, www/pretrained/ (served as /pretrained/...): the
# report's MLP (mlp-b64), the noise-trained MLP (mlp-noise1.0, sigma 1.0), the fault-aware MLP
# (mlp-faultaware) and LeNet (cnn-b64), each from its recipe in the engine (batch 64, 5 epochs,
# seed 1234) on one thread, f32, with its notes, plus manifest.json (recipe, seed, sha256, clean
# accuracy). The same build on the same platform writes the same bytes; `--check` retrains into
# a scratch folder and fails unless every file equals the committed one. About 10 minutes on
# 2 busy cores. MNIST from $MPG_DATA_DIR, else ../shared/data, else data/ (scripts/serve.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

has_mnist() { [ -f "$1/mnist/t10k-labels-idx1-ubyte.gz" ] || [ -f "$1/mnist/t10k-labels-idx1-ubyte" ]; }
data="${MPG_DATA_DIR:-}"
if [ -z "$data" ]; then
  for d in ../shared/data data; do
    if has_mnist "$d"; then data="$d"; break; fi
  done
fi
if [ -z "$data" ] || ! has_mnist "$data"; then
  echo "MNIST not found: set MPG_DATA_DIR, or run: cargo run --release -p mpg-fetch -- --dir data" >&2
  exit 1
fi

if [ "${1:-}" = "--check" ]; then
  out="$(mktemp -d)"
  trap 'rm -rf "$out"' EXIT
  cargo run --release -p mpg -- pretrained --data "$data" --out "$out"
  for f in "$out"/*; do
    if cmp -s "$f" "www/pretrained/$(basename "$f")"; then
      echo "identical: $(basename "$f")"
    else
      echo "DIFFERENT: $(basename "$f") (retrained $(sha256sum < "$f" | cut -c1-16)...)" >&2
      status=1
    fi
  done
  exit "${status:-0}"
fi
cargo run --release -p mpg -- pretrained --data "$data" --out www/pretrained
sha256sum www/pretrained/*.safetensors
