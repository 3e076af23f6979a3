# Sourced by the scripts that build or test the browser app: installs, only where missing and
# only through rustup, cargo and apt, the pinned tools trunk needs (it must never download them
# itself): the wasm target, trunk 0.21.14, wasm-bindgen-cli 0.2.130 (equal to the
# wasm-bindgen crate), and, with MPG_BROWSER=1, Debian's Chromium and ChromeDriver.
TRUNK_VERSION=0.21.14
WASM_BINDGEN_VERSION=0.2.130
export PATH="$HOME/.cargo/bin:$PATH"

rustup target add wasm32-unknown-unknown >/dev/null
if ! trunk --version 2>/dev/null | grep -q " $TRUNK_VERSION"; then
  echo "installing trunk $TRUNK_VERSION (about 15 minutes on 2 cores, once)"
  cargo install trunk --locked --version "$TRUNK_VERSION"
fi
if ! wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION"; then
  echo "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi
if [ "${MPG_BROWSER:-0}" = 1 ] && ! { [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; }; then
  apt-get update && apt-get install -y chromium chromium-driver
fi
