//! Tests of the worker protocol, the worker's message handling, and agreement between the
//! engine in wasm and natively. They run natively (`cargo test -p memristor-playground`) and
//! in headless Chromium (see `e2e/wasm-test.sh`).

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod agreement;
mod app;
mod fixtures;
mod kernels;
mod protocol;
#[cfg(not(target_arch = "wasm32"))]
mod recipe_paths;
mod validation;
mod worker;
