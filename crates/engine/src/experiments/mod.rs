//! Experiments: the report's reference numbers, sweeps, and the recipes behind its tables.

pub mod noise_tables;
pub mod report;
pub mod sweep;

pub use sweep::{linspace, noise_sweep, SweepPoint};
