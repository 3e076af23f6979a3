#!/usr/bin/env bash
# The end-to-end test: installs Debian's Chromium (apt) and playwright-core (npm ci) if missing,
# makes sure MNIST is in data/, builds the site with trunk (offline) and runs e2e/test.mjs against
# it on localhost. Screenshots go to e2e/artifacts/screenshots/ (ignored; scripts/screenshots.sh
# publishes them to docs/screenshots/), results to e2e/artifacts/results.json.
# E2E_EPOCHS=5 makes it the acceptance run (97% after 5 epochs); E2E_LENET=1 adds the LeNet
# benchmark; then e2e/heal.mjs (crashed workers, a refused IndexedDB write, unreadable stored
# entries: issue 11), then e2e/offline.mjs (the service worker: a reload with the server stopped
# still works; issue 12) and e2e/a11y.mjs (axe-core on every panel, no serious or critical
# violation; the charts' and tables' downloads). A few minutes with the defaults.
# `--full-report` instead times the whole report in one tab (e2e/full-report.mjs: "Train all"
# on a fresh profile until every row is complete).
set -euo pipefail
cd "$(dirname "$0")/.."
# Pinned trunk, wasm-bindgen-cli and the wasm target; Debian's Chromium (apt).
MPG_BROWSER=1 source scripts/web-tools.sh
# (again when a dependency the lock file pins is missing, e.g. axe-core after an update)
if ! [ -d e2e/node_modules/playwright-core ] || ! [ -d e2e/node_modules/axe-core ]; then
  (cd e2e && npm ci --no-audit --no-fund)
fi

have_data() {
  for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    [ -f "data/mnist/$f.gz" ] || return 1
  done
}
if ! have_data; then
  from="${MPG_DATA_FROM:-../shared/data}"
  if [ -d "$from" ]; then
    cargo run --release -p mpg-fetch -- --from "$from" --dir data
  else
    cargo run --release -p mpg-fetch -- --dir data
  fi
fi

trunk build --release
if [ "${1:-}" = "--full-report" ]; then
  node e2e/full-report.mjs
else
  # Both run; either failing fails the run.
  status=0
  node e2e/test.mjs || status=$?
  node e2e/heal.mjs || status=$?
  node e2e/offline.mjs || status=$?
  node e2e/a11y.mjs || status=$?
  exit "$status"
fi
