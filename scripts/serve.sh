#!/usr/bin/env bash
# Builds the browser app and serves it on http://127.0.0.1:8080 (pass trunk serve options after,
# e.g. `--port 9000`). From a fresh clone it installs what is missing, at pinned versions and only
# through rustup, cargo and npm: the wasm target, trunk 0.21.14, wasm-bindgen-cli 0.2.130 (must
# equal the wasm-bindgen crate), and optionally wasm-opt from npm binaryen@132 (MPG_WASM_OPT=1).
# Then it fetches MNIST into data/ with checksums (from MPG_DATA_FROM, default ../shared/data, if
# that folder exists, else from the public mirrors) and runs `trunk serve`.
set -euo pipefail
cd "$(dirname "$0")/.."

# The wasm target, trunk and wasm-bindgen-cli at their pinned versions (shared with the tests).
source scripts/web-tools.sh
if [ "${MPG_WASM_OPT:-0}" = 1 ]; then
  # Debian's binaryen is too old for these modules; npm's 132 works. Off by default: -O3 takes
  # minutes on the worker and changes speed by at most 5%.
  mkdir -p target/binaryen
  [ -x target/binaryen/node_modules/.bin/wasm-opt ] || npm install --prefix target/binaryen --no-audit --no-fund binaryen@132.0.0
  export PATH="$PWD/target/binaryen/node_modules/.bin:$PATH"
  export TRUNK_TOOLS_WASM_OPT=version_132
fi

have_data() {
  for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    [ -f "data/mnist/$f.gz" ] || [ -f "data/mnist/$f" ] || return 1
  done
}
if ! have_data; then
  from="${MPG_DATA_FROM:-../shared/data}"
  if [ -d "$from" ]; then
    cargo run --release -p mpg -- data fetch --from "$from" --dir data
  else
    cargo run --release -p mpg -- data fetch --dir data
  fi
fi

# Trunk.toml pins offline mode and the wasm-bindgen version; a post-build hook links data/ into dist/.
exec trunk serve --release "$@"
