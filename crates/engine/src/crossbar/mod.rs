//! Memristive crossbar simulation, following MemTorch 1.1.6 as configured in its tutorial
//! (see `docs/crossbar.md`): double-column mapping of every Linear and Conv2d layer onto
//! 1T1R crossbars of R_on / R_off devices, tiles, input voltages (MemTorch's batch-dependent
//! scaling or a calibrated range), a per-tile ADC, least-squares tuning, digital biases, then
//! stuck-at faults and other non-idealities; plus the weights a faulty crossbar realises, for
//! fault-aware training.

pub mod adc;
pub mod config;
pub mod fault_aware;
pub mod faults;
pub mod input;
pub mod layer;
pub mod mapping;
pub mod network;
pub mod nonideal;
pub mod probabilities;
pub mod tiles;
pub mod tuning;
pub mod unfold;

pub use config::{CrossbarConfig, DriftConfig, FaultConfig, InputScaling};
pub use fault_aware::faulty_weights;
pub use faults::Stuck;
pub use layer::{CrossbarLayer, LayerState};
pub use network::{crossbar_accuracy, Crossbar, CrossbarAccuracy};
pub use tiles::TileGrid;
pub use tuning::Tuning;

/// Random streams of the crossbar simulation, apart from [`crate::rng::stream`]'s
/// (faults use `stream::FAULTS`).
pub mod streams {
    /// Tuning inputs U(-1, 1).
    pub const TUNING: u64 = 0x4342_0001;
    /// Device-to-device variation of R_on / R_off.
    pub const VARIATION: u64 = 0x4342_0002;
    /// Drift exponents.
    pub const DRIFT: u64 = 0x4342_0003;
    /// Read noise.
    pub const READ_NOISE: u64 = 0x4342_0004;
}
