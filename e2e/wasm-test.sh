#!/usr/bin/env bash
# wasm-bindgen tests of the app crate in headless Chromium: the worker protocol, the worker's
# message handling, and wasm-vs-native agreement of the engine (src/tests/). Installs Debian's
# chromium + chromedriver and wasm-bindgen-cli 0.2.130 (the runner) if missing. Release
# profile: a debug build of candle is far too slow.
set -euo pipefail
cd "$(dirname "$0")/.."
# The wasm target, wasm-bindgen-cli 0.2.130 (its test runner) and Debian's Chromium + ChromeDriver.
MPG_BROWSER=1 source scripts/web-tools.sh
export CHROMEDRIVER=/usr/bin/chromedriver
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
export WASM_BINDGEN_TEST_TIMEOUT=300
cargo test --release --target wasm32-unknown-unknown -p memristor-playground --lib "$@"
