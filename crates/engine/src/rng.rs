//! Seeded random numbers. Every draw in the engine (initialisation, shuffling, dropout masks,
//! noise, faults) comes from here, so a seed fixes a run bit for bit, natively and in wasm.
//! ChaCha8 is used because its output is specified and portable, unlike `StdRng`.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal, StandardUniform};

/// The engine's random generator.
pub type EngineRng = ChaCha8Rng;

/// A generator for `seed`, on stream `stream` so that independent purposes (init, shuffle,
/// noise...) never share draws even with the same seed.
pub fn rng(seed: u64, stream: u64) -> EngineRng {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    r.set_stream(stream);
    r
}

/// Named streams, so the purposes of draws cannot collide.
pub mod stream {
    pub const INIT: u64 = 1;
    pub const SHUFFLE: u64 = 2;
    pub const DROPOUT: u64 = 3;
    pub const TRAIN_NOISE: u64 = 4;
    pub const EVAL_NOISE: u64 = 5;
    pub const FAULTS: u64 = 6;
    pub const SUBSET: u64 = 7;
    pub const DIRECTIONS: u64 = 8;
}

/// `n` samples of N(0, std^2).
pub fn normal_vec(rng: &mut EngineRng, n: usize, std: f32) -> Vec<f32> {
    if std == 0.0 {
        return vec![0.0; n];
    }
    let d = Normal::new(0.0f32, std).expect("std is finite and non-negative");
    (0..n).map(|_| d.sample(rng)).collect()
}

/// `n` samples of U(lo, hi).
pub fn uniform_vec(rng: &mut EngineRng, n: usize, lo: f32, hi: f32) -> Vec<f32> {
    (0..n)
        .map(|_| {
            let u: f32 = StandardUniform.sample(rng);
            lo + (hi - lo) * u
        })
        .collect()
}

/// A keep-mask for inverted dropout: each entry is 0 with probability `p`, else 1/(1-p).
pub fn dropout_mask(rng: &mut EngineRng, n: usize, p: f32) -> Vec<f32> {
    let scale = 1.0 / (1.0 - p);
    (0..n).map(|_| if rng.random::<f32>() < p { 0.0 } else { scale }).collect()
}

/// The generator of draw number `k` of a repeated experiment (noise draws, fault draws):
/// the same stream, started 2^40 words apart, so draws never overlap and any one of them can
/// be reproduced (or computed on another worker) without generating the ones before it.
pub fn draw_rng(seed: u64, stream: u64, k: u64) -> EngineRng {
    let mut r = rng(seed, stream);
    r.set_word_pos((k as u128) << 40);
    r
}
