//! Small statistics shared by every experiment: the spread of repeated measurements and evenly
//! spaced axes. It sits at the bottom of the engine (it depends on nothing) so that noise,
//! crossbars, landscapes and experiments can all summarise draws the same way.

use serde::{Deserialize, Serialize};

/// Arithmetic mean; 0 for no values (so an empty row renders as 0 rather than NaN).
pub fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / (values.len() as f64).max(1.0)
}

/// Sample standard deviation (n - 1 in the denominator); 0 for fewer than two values, where
/// the spread is unknown rather than infinite.
pub fn sample_sd(values: &[f64]) -> f64 {
    if values.len() < 2 {
        return 0.0;
    }
    let m = mean(values);
    (values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (values.len() as f64 - 1.0)).sqrt()
}

/// Mean, sample standard deviation and every value of repeated measurements (accuracy in percent).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    pub mean: f64,
    /// Sample standard deviation (n - 1); 0 for a single draw.
    pub sd: f64,
    pub draws: Vec<f64>,
}

impl Spread {
    pub fn of(draws: Vec<f64>) -> Self {
        Self { mean: mean(&draws), sd: sample_sd(&draws), draws }
    }
}

/// `count` evenly spaced values from `from` to `to` inclusive.
pub fn linspace(from: f32, to: f32, count: usize) -> Vec<f32> {
    match count {
        0 => vec![],
        1 => vec![from],
        // in f64, so that e.g. -0.4 comes out as the f32 nearest -0.4, not -0.39999998
        _ => (0..count)
            .map(|i| (from as f64 + (to as f64 - from as f64) * i as f64 / (count - 1) as f64) as f32)
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_is_mean_and_sample_sd() {
        let s = Spread::of(vec![1.0, 2.0, 3.0, 4.0]);
        assert_eq!(s.mean, 2.5);
        // sum of squared deviations 5, over n - 1 = 3
        assert_eq!(s.sd, (5.0f64 / 3.0).sqrt());
        assert_eq!(Spread::of(vec![7.0]).sd, 0.0);
        assert_eq!(Spread::of(vec![]).mean, 0.0);
    }

    #[test]
    fn linspace_hits_both_ends_and_exact_decimals() {
        assert_eq!(linspace(0.0, 2.0, 5), vec![0.0, 0.5, 1.0, 1.5, 2.0]);
        assert_eq!(linspace(-1.0, 1.0, 11)[3], -0.4);
        assert_eq!(linspace(3.0, 9.0, 1), vec![3.0]);
        assert!(linspace(0.0, 1.0, 0).is_empty());
    }
}
