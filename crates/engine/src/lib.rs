//! Memristor Playground's simulation core: MNIST-format data, small networks in candle,
//! training (plain and hardened against noise), log-normal weight noise, and the report's
//! experiments. Pure computation: no threads, files or clocks on the library path (file
//! helpers are native-only), so the same code runs natively and in a browser worker.

pub mod crossbar;
pub mod data;
pub mod error;
pub mod eval;
pub mod experiments;
pub mod landscape;
pub mod model;
pub mod noise;
pub mod rng;
pub mod stats;
pub mod train;

pub use error::{Error, Result};
