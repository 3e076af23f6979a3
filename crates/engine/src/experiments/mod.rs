//! Experiments: the report's reference numbers, sweeps, and the recipes behind its tables.

pub mod noise_tables;
pub mod report;
pub mod sweep;

pub use sweep::{noise_sweep, SweepPoint};

/// Old path of [`crate::stats::linspace`], kept for the app.
pub use crate::stats::linspace;
