//! Per-layer tuning (MemTorch `naive_tune`): after mapping, the crossbar path of the layer
//! (bias removed) is driven with random inputs U(-1, 1) and one scalar slope and intercept
//! are fitted by ordinary least squares from its outputs to the digital outputs, over every
//! (sample, output) pair. The layer then returns slope * z + intercept (+ digital bias).
//! Tuning happens once, on the ideal mapping: faults and other non-idealities do not re-tune.

use serde::{Deserialize, Serialize};

/// The fitted read-out transform of one layer.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tuning {
    pub slope: f64,
    pub intercept: f64,
}

impl Tuning {
    /// No transform.
    pub const IDENTITY: Tuning = Tuning { slope: 1.0, intercept: 0.0 };

    /// Ordinary least squares of `target` on `z` (same length, at least 2 points). A
    /// constant `z` (nothing to fit a slope to) gives slope 0 and the target mean.
    pub fn fit(z: &[f32], target: &[f32]) -> Tuning {
        let n = z.len().min(target.len()) as f64;
        let (mut sz, mut st) = (0.0f64, 0.0f64);
        for (&a, &b) in z.iter().zip(target) {
            sz += a as f64;
            st += b as f64;
        }
        let (mz, mt) = (sz / n, st / n);
        let (mut szz, mut szt) = (0.0f64, 0.0f64);
        for (&a, &b) in z.iter().zip(target) {
            let da = a as f64 - mz;
            szz += da * da;
            szt += da * (b as f64 - mt);
        }
        if szz == 0.0 {
            return Tuning { slope: 0.0, intercept: mt };
        }
        let slope = szt / szz;
        Tuning { slope, intercept: mt - slope * mz }
    }

    /// slope * z + intercept, in place.
    pub fn apply(&self, z: &mut [f32]) {
        let (a, b) = (self.slope as f32, self.intercept as f32);
        z.iter_mut().for_each(|v| *v = a * *v + b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_an_exact_line() {
        let z = [0.0f32, 1.0, 2.0, 3.0];
        let t: Vec<f32> = z.iter().map(|v| 2.5 * v - 1.0).collect();
        let f = Tuning::fit(&z, &t);
        assert!((f.slope - 2.5).abs() < 1e-12 && (f.intercept + 1.0).abs() < 1e-12, "{f:?}");
        // Least squares through (0,0), (1,1), (2,1): slope 0.5, intercept 2/3 - 0.5 = 1/6.
        let f = Tuning::fit(&[0.0, 1.0, 2.0], &[0.0, 1.0, 1.0]);
        assert!((f.slope - 0.5).abs() < 1e-12 && (f.intercept - 1.0 / 6.0).abs() < 1e-12, "{f:?}");
    }
}
