#!/usr/bin/env bash
# wasm-bindgen tests of the app crate in headless Chromium: the worker protocol, the worker's
# message handling, and wasm-vs-native agreement of the engine (src/tests/). Installs Debian's
# chromium + chromedriver and wasm-bindgen-cli 0.2.130 (the runner) if missing. Release
# profile: a debug build of candle is far too slow.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
if ! [ -x /usr/bin/chromedriver ]; then
  apt-get update && apt-get install -y chromium chromium-driver
fi
if ! wasm-bindgen-test-runner --version 2>/dev/null | grep -q " 0.2.130"; then
  cargo install wasm-bindgen-cli --version 0.2.130
fi
rustup target add wasm32-unknown-unknown >/dev/null
export CHROMEDRIVER=/usr/bin/chromedriver
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
export WASM_BINDGEN_TEST_TIMEOUT=300
cargo test --release --target wasm32-unknown-unknown -p memristor-playground --lib "$@"
