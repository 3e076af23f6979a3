#!/usr/bin/env bash
# The browser half of the test command: wasm-bindgen tests in headless Chromium (worker
# protocol, wasm-vs-native agreement), then the end-to-end test against the site built with
# `trunk build --release` and served on localhost (screenshots to the ignored
# e2e/artifacts/screenshots/: the test command never touches the tracked docs/screenshots/).
set -euo pipefail
cd "$(dirname "$0")/.."
MPG_BROWSER=1 source scripts/web-tools.sh
export MPG_DATA_FROM="${MPG_DATA_FROM:-${MPG_DATA_DIR:-../shared/data}}"
bash e2e/wasm-test.sh
bash e2e/run.sh
