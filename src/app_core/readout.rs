//! A figure that arrives in pieces: a fast estimate, then exact draws; and the helpers that
//! turn finished draws into mean ± sd.

use std::collections::BTreeMap;

use engine::stats::Spread;

/// The accuracy readout for one setting (the slider's σ, or the crossbar's settings).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Readout {
    /// (accuracy, images) of the fast estimate.
    pub estimate: Option<(f64, usize)>,
    /// Finished exact draws, by draw index.
    pub draws: BTreeMap<usize, f64>,
    /// When the setting changed, and when the first and the exact figure arrived (ms, page clock).
    pub moved_ms: f64,
    pub first_ms: Option<f64>,
    pub exact_ms: Option<f64>,
    /// Why the figure will not come (an evaluator failed).
    pub error: Option<String>,
}

impl Readout {
    /// Records one result: a subset's is the estimate until the first exact draw arrives; the
    /// times of the first figure and of the exact one (all of draws 0..n) are noted once.
    pub fn record(&mut self, subset: bool, draw: usize, (accuracy, images): (f64, usize), n: usize, now_ms: f64) {
        if !subset {
            self.draws.insert(draw, accuracy);
        } else if self.draws.is_empty() {
            self.estimate = Some((accuracy, images));
        }
        self.first_ms.get_or_insert(now_ms);
        if self.exact_ms.is_none() && first_draws(&self.draws, n).is_some() {
            self.exact_ms = Some(now_ms);
        }
    }
}

/// Mean and sd over draws 0..n, once all of them are in.
pub fn first_draws(draws: &BTreeMap<usize, f64>, n: usize) -> Option<Spread> {
    let first: Vec<f64> = draws.range(..n).map(|(_, &a)| a).collect();
    (first.len() >= n).then(|| Spread::of(first))
}

/// How many of draws 0..n are in.
pub fn draws_in(draws: &BTreeMap<usize, f64>, n: usize) -> usize {
    draws.range(..n).count()
}
