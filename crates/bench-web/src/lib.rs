//! Nothing here: the browser benchmark is the wasm-bindgen test in `tests/browser.rs`, run by
//! `bench/web.sh` in headless Chromium. `build.rs` prepares the embedded MNIST subset.
