//! Memristor Playground in the browser: a yew page over the engine, with the heavy work in web
//! workers. `protocol` is what page and workers say to each other, `worker_core` what a worker
//! does, `app_core` the page's state and logic (native, tested), `workers` the page's side of
//! the workers and `app` the page itself (both wasm only).

pub mod app_core;
pub mod protocol;
pub mod worker_core;

#[cfg(target_arch = "wasm32")]
pub mod app;
#[cfg(target_arch = "wasm32")]
pub mod workers;

#[cfg(test)]
mod tests;
