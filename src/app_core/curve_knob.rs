//! Which device setting the Explore panel's second crossbar curve runs along: the stuck-at
//! rate (the fault curve, always drawn), the conductance levels, the device-to-device
//! variation, the read noise, or the time since programming (the drift curve). One such curve
//! at a time keeps the evaluators' work bounded; every other setting is held at its current
//! value. Each point is an ordinary crossbar evaluation, filed by the settings it ran with, so
//! a result counts for every curve it lies on.

use engine::crossbar::CrossbarConfig;

use super::explore::{LEVELS, MAX_READ_NOISE, MAX_VARIATION};
use crate::protocol::EvalTask;

/// The x axis of the second crossbar curve.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum CurveKnob {
    /// Only the fault curve (which is drawn whatever the choice).
    #[default]
    Faults,
    Levels,
    Variation,
    ReadNoise,
    /// The drift curve (drift must be on).
    DriftTime,
}

/// The knobs whose curves this module computes (faults and drift have their own).
pub const SWEPT: [CurveKnob; 3] = [CurveKnob::Levels, CurveKnob::Variation, CurveKnob::ReadNoise];

/// Device-to-device variation points: 0 to the slider's maximum, 30 %.
pub const VARIATION_POINTS: [f64; 7] = [0.0, 0.05, 0.1, 0.15, 0.2, 0.25, MAX_VARIATION];
/// Read-noise points: 0 to the slider's maximum, 10 % of G_on − G_off.
pub const READ_NOISE_POINTS: [f64; 6] = [0.0, 0.02, 0.04, 0.06, 0.08, MAX_READ_NOISE];

impl CurveKnob {
    pub const ALL: [CurveKnob; 5] =
        [CurveKnob::Faults, CurveKnob::Levels, CurveKnob::Variation, CurveKnob::ReadNoise, CurveKnob::DriftTime];

    /// The URL's and the drop-down's value.
    pub fn key(self) -> &'static str {
        match self {
            CurveKnob::Faults => "faults",
            CurveKnob::Levels => "levels",
            CurveKnob::Variation => "variation",
            CurveKnob::ReadNoise => "read-noise",
            CurveKnob::DriftTime => "drift",
        }
    }

    pub fn from_key(v: &str) -> Option<CurveKnob> {
        CurveKnob::ALL.into_iter().find(|k| k.key() == v.trim())
    }

    /// The drop-down's words (short: the control sits beside its label).
    pub fn label(self) -> &'static str {
        match self {
            CurveKnob::Faults => "faults",
            CurveKnob::Levels => "levels",
            CurveKnob::Variation => "variation",
            CurveKnob::ReadNoise => "read noise",
            CurveKnob::DriftTime => "drift time",
        }
    }

    /// The knob's full name, for the chart's caption.
    pub fn name(self) -> &'static str {
        match self {
            CurveKnob::Faults => "stuck-at rate",
            CurveKnob::Levels => "conductance levels",
            CurveKnob::Variation => "device-to-device variation",
            CurveKnob::ReadNoise => "read noise",
            CurveKnob::DriftTime => "time since programming",
        }
    }

    /// The curve's x values (levels as counts, shares as fractions); empty for the knobs with
    /// curves of their own.
    pub fn points(self) -> Vec<f64> {
        match self {
            CurveKnob::Levels => LEVELS.iter().map(|&n| f64::from(n)).collect(),
            CurveKnob::Variation => VARIATION_POINTS.to_vec(),
            CurveKnob::ReadNoise => READ_NOISE_POINTS.to_vec(),
            CurveKnob::Faults | CurveKnob::DriftTime => vec![],
        }
    }

    /// `config` with the knob at `x`.
    pub fn set(self, config: &CrossbarConfig, x: f64) -> CrossbarConfig {
        let mut c = config.clone();
        match self {
            CurveKnob::Levels => c.levels = Some(x as u32),
            CurveKnob::Variation => c.variation = x,
            CurveKnob::ReadNoise => c.read_noise = x,
            CurveKnob::Faults | CurveKnob::DriftTime => {}
        }
        c
    }

    /// Which point of the curve `config` is, if its knob sits on one.
    pub fn index(self, config: &CrossbarConfig) -> Option<usize> {
        let x = match self {
            CurveKnob::Levels => f64::from(config.levels?),
            CurveKnob::Variation => config.variation,
            CurveKnob::ReadNoise => config.read_noise,
            CurveKnob::Faults | CurveKnob::DriftTime => return None,
        };
        self.points().iter().position(|&p| (p - x).abs() < 1e-9)
    }

    /// The settings apart from this knob, as a key: results under one key lie on one curve.
    pub fn curve_key(self, config: &CrossbarConfig) -> String {
        let mut c = config.clone();
        match self {
            CurveKnob::Levels => c.levels = None,
            CurveKnob::Variation => c.variation = 0.0,
            CurveKnob::ReadNoise => c.read_noise = 0.0,
            CurveKnob::Faults | CurveKnob::DriftTime => {}
        }
        format!("{}:{}", self.key(), serde_json::to_string(&c).unwrap_or_default())
    }

    /// The curve's jobs under `config`: every point, every draw (one where nothing is random).
    pub fn tasks(self, config: &CrossbarConfig, draws: usize) -> Vec<EvalTask> {
        if config.validate().is_err() {
            return vec![];
        }
        self.points()
            .into_iter()
            .flat_map(|x| {
                let config = self.set(config, x);
                let n = if config.is_stochastic() { draws } else { 1 };
                (0..n).map(move |k| EvalTask::Crossbar { config: config.clone(), draw: k, subset: None })
            })
            .collect()
    }
}
