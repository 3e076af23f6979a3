//! The default seeds and draw counts of every experiment, one set for the CLI and the app, so
//! the same row reproduced in either starts from the same numbers. 1234 is the report's seed.

/// Seed of initialisation, shuffling, dropout masks and training noise.
pub const TRAIN_SEED: u64 = 1234;
/// Seed of the log-normal evaluation noise.
pub const NOISE_SEED: u64 = 1234;
/// Seed of the crossbar simulation (tuning inputs and fault draws).
pub const CROSSBAR_SEED: u64 = 1234;
/// Noise or fault draws per perturbed figure (the report's 5).
pub const DRAWS: usize = 5;
/// Images per crossbar layer call in evaluation (MemTorch scaling depends on it).
pub const CROSSBAR_EVAL_BATCH: usize = 64;
