//! The Explore panel's state: the slider and its readout, the crossbar settings and theirs,
//! the curves of every compared model, and which evaluator jobs have been asked for.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use engine::crossbar::CrossbarConfig;
use engine::stats::Spread;

use super::curve_knob::CurveKnob;
use super::readout::{first_draws, Readout};
use crate::protocol::{EvalOutput, EvalTask};

/// Test images in the fast estimate.
pub const ESTIMATE_IMAGES: usize = 1000;
/// Noise strengths on the curve's x axis (0 to 2 in steps of 0.1: the report's 1.0 and 1.5 are points).
pub const CURVE_POINTS: usize = 21;
pub const CURVE_MAX_STD: f32 = 2.0;

/// The ADC drop-down's resolutions in bits (besides "ideal"), and the tile drop-down's sizes.
pub const ADC_BITS: [u32; 4] = [4, 6, 8, 10];
pub const TILES: [usize; 4] = [32, 64, 128, 256];

/// Finished draws of a curve: per point index, per draw index, the accuracy.
pub type Curve = BTreeMap<usize, BTreeMap<usize, f64>>;

/// Per curve key and model: the (point, draw) pairs whose evaluation failed; they count as
/// done, so a curve's pending count reaches zero.
pub type CurveFailures = BTreeMap<String, BTreeMap<u64, BTreeSet<(usize, usize)>>>;

/// One edit of the crossbar controls: the control and the value it now shows. Applied to the
/// settings as the reducer finds them, so two edits before a render both count.
#[derive(Clone, Debug, PartialEq)]
pub enum CrossbarField {
    Enabled(bool),
    Lrs(String),
    Hrs(String),
    Adc(String),
    Tile(String),
    ROn(String),
    ROff(String),
    Scaling(String),
    /// Finite conductance levels: "continuous" or a count.
    Levels(String),
    /// Device-to-device variation (relative sd of R_on / R_off).
    Variation(String),
    /// Read noise (sd as a share of G_on - G_off).
    ReadNoise(String),
    /// Drift on or off, and the time since programming as log10 of seconds.
    Drift(bool),
    DriftTime(String),
    /// What the second crossbar curve runs along ([`CurveKnob::key`]).
    Knob(String),
}

/// The finite-levels drop-down's counts.
pub const LEVELS: [u32; 7] = [2, 4, 8, 16, 32, 64, 256];
/// The variation and read-noise sliders' ranges.
pub const MAX_VARIATION: f64 = 0.3;
pub const MAX_READ_NOISE: f64 = 0.1;
/// The drift time slider spans 1 s to 10 years (log10 of seconds).
pub const DRIFT_LOG10_MIN: f64 = 0.0;
pub const DRIFT_LOG10_MAX: f64 = 8.5;
/// The drift curve's times: 1 s, 1 min, 1 h, 1 day, 1 week, 1 month, 1 year, 10 years.
pub const DRIFT_TIMES: [f64; 8] = [1.0, 60.0, 3600.0, 86_400.0, 604_800.0, 2_629_800.0, 31_557_600.0, 315_576_000.0];

/// The drift a time since programming gives: the engine's drift model (aihwkit's PCM-like
/// power law, ν = 0.05, t0 = 20 s), where the programmed values hold until t0 (earlier times
/// read as t0).
pub fn drift_at(seconds: f64) -> engine::crossbar::DriftConfig {
    let d = engine::crossbar::DriftConfig::default();
    engine::crossbar::DriftConfig { time: seconds.max(d.t0), ..d }
}

/// Which point of the drift curve a drift is, if it is one.
pub fn drift_index(d: &engine::crossbar::DriftConfig) -> Option<usize> {
    DRIFT_TIMES.iter().position(|&t| (drift_at(t).time - d.time).abs() <= 1e-6 * d.time.max(1.0))
}

/// The crossbar settings apart from the drift time, as a key: a drift curve's points.
pub fn drift_key(config: &CrossbarConfig) -> String {
    let mut c = config.clone();
    if let Some(d) = c.drift.as_mut() {
        d.time = 0.0;
    }
    serde_json::to_string(&c).unwrap_or_default()
}

/// "1 s", "3.2 h", "10 years": a time for the drift slider's readout.
pub fn human_time(seconds: f64) -> String {
    let units = [
        (31_557_600.0, "years"),
        (2_629_800.0, "months"),
        (86_400.0, "days"),
        (3600.0, "h"),
        (60.0, "min"),
        (1.0, "s"),
    ];
    let (div, name) = units.iter().copied().find(|(d, _)| seconds >= *d).unwrap_or((1.0, "s"));
    let v = seconds / div;
    if v >= 10.0 {
        format!("{v:.0} {name}")
    } else {
        format!("{v:.1} {name}")
    }
}

/// A finite number, or `None` (NaN passes `clamp`).
fn finite(v: &str) -> Option<f64> {
    v.trim().parse::<f64>().ok().filter(|x| x.is_finite())
}

impl CrossbarUi {
    /// Applies an edit; a value the control should not give leaves the setting as it was
    /// (the settings' own validation reports out-of-range ones).
    pub fn apply(&mut self, field: CrossbarField) {
        let c = &mut self.config;
        match field {
            CrossbarField::Enabled(on) => self.enabled = on,
            CrossbarField::Lrs(v) => c.faults.lrs = finite(&v).map_or(c.faults.lrs, |x| x.clamp(0.0, 0.5)),
            CrossbarField::Hrs(v) => c.faults.hrs = finite(&v).map_or(c.faults.hrs, |x| x.clamp(0.0, 0.5)),
            CrossbarField::Adc(v) => c.adc_bits = v.parse().ok(),
            CrossbarField::Tile(v) => c.tile = v.parse().unwrap_or(c.tile),
            CrossbarField::ROn(v) => c.r_on = finite(&v).unwrap_or(c.r_on),
            CrossbarField::ROff(v) => c.r_off = finite(&v).unwrap_or(c.r_off),
            CrossbarField::Levels(v) => {
                c.levels =
                    if v == "continuous" { None } else { v.parse().ok().filter(|n| LEVELS.contains(n)).or(c.levels) }
            }
            CrossbarField::Variation(v) => {
                c.variation = finite(&v).map_or(c.variation, |x| x.clamp(0.0, MAX_VARIATION))
            }
            CrossbarField::ReadNoise(v) => {
                c.read_noise = finite(&v).map_or(c.read_noise, |x| x.clamp(0.0, MAX_READ_NOISE))
            }
            CrossbarField::Drift(on) => {
                let t = self.drift_seconds;
                c.drift = on.then(|| drift_at(t));
                // drift turned on shows its curve unless another knob's curve was chosen
                if on && self.knob == CurveKnob::Faults {
                    self.knob = CurveKnob::DriftTime;
                }
            }
            CrossbarField::Knob(v) => self.knob = CurveKnob::from_key(&v).unwrap_or(self.knob),
            CrossbarField::DriftTime(v) => {
                if let Some(x) = finite(&v) {
                    // three significant digits: links stay short and readable (drift=79400)
                    let t = 10f64.powf(x.clamp(DRIFT_LOG10_MIN, DRIFT_LOG10_MAX));
                    let unit = 10f64.powi(t.log10().floor() as i32 - 2);
                    self.drift_seconds = (t / unit).round() * unit;
                    if c.drift.is_some() {
                        c.drift = Some(drift_at(self.drift_seconds));
                    }
                }
            }
            CrossbarField::Scaling(v) => {
                c.input_scaling = if v == "calibrated" {
                    engine::crossbar::InputScaling::Calibrated
                } else {
                    engine::crossbar::InputScaling::Memtorch
                }
            }
        }
    }
}

/// The crossbar controls of the Explore panel: the report's Part 2 setting (MemTorch's
/// tutorial crossbar), off at first.
#[derive(Clone, Debug, PartialEq)]
pub struct CrossbarUi {
    /// Off until the user turns the simulation on (it is much slower than digital noise).
    pub enabled: bool,
    pub config: CrossbarConfig,
    /// The drift slider's time since programming, in seconds (kept while drift is off).
    pub drift_seconds: f64,
    /// What the second crossbar curve runs along (besides the fault curve, always drawn).
    pub knob: CurveKnob,
}

impl Default for CrossbarUi {
    fn default() -> Self {
        CrossbarUi { enabled: false, config: CrossbarConfig::default(), drift_seconds: 3600.0, knob: CurveKnob::Faults }
    }
}

impl CrossbarUi {
    /// The knob curve to compute and draw, if the chosen knob has one of this module's
    /// ([`CurveKnob::tasks`]) and the simulation is on: its curve key.
    pub fn knob_key(&self) -> Option<String> {
        (self.enabled && super::curve_knob::SWEPT.contains(&self.knob)).then(|| self.knob.curve_key(&self.config))
    }

    /// Whether the drift curve is the one to compute and draw.
    pub fn drift_curve_on(&self) -> bool {
        self.enabled && self.knob == CurveKnob::DriftTime && self.config.drift.is_some()
    }
}

/// The Explore panel.
#[derive(Clone, Debug, PartialEq)]
pub struct Explore {
    pub model: Option<u64>,
    pub std: f32,
    pub draws: usize,
    pub seed: u64,
    pub readout: Readout,
    /// Per model: per curve point index, the finished draws.
    pub curves: BTreeMap<u64, Curve>,
    /// Models overlaid on the curve.
    pub compare: Vec<u64>,
    pub clean_predictions: Option<(u64, Vec<u8>)>,
    pub noisy_predictions: Option<(u64, f32, Vec<u8>)>,
    pub histogram: Option<(u64, f32, EvalOutput)>,
    pub crossbar: CrossbarUi,
    /// The crossbar readout for the current model and crossbar settings.
    pub xbar: Readout,
    /// Per crossbar settings apart from the fault rates ([`Explore::xbar_key`]), per model, per
    /// fault-curve point: the finished draws. Kept for every settings seen, because the jobs for
    /// a settings are sent once: switching back must find their results.
    pub xbar_curves: BTreeMap<String, BTreeMap<u64, Curve>>,
    /// The first crossbar tile of the current model and settings (`EvalOutput::Tile`).
    pub xbar_tile: Option<(u64, CrossbarConfig, Rc<EvalOutput>)>,
    /// Per model: the (point, draw) pairs of the noise curve whose evaluation failed; they
    /// count as done, so the pending count reaches zero.
    pub curve_failures: BTreeMap<u64, BTreeSet<(usize, usize)>>,
    /// Per crossbar settings key and model: failed fault-curve (point, draw) pairs.
    pub xbar_curve_failures: CurveFailures,
    /// Failed drift-curve evaluations, keyed as `drift_curves`: (point, draw) per model.
    pub drift_curve_failures: CurveFailures,
    /// Failed knob-curve evaluations, keyed as `knob_curves`: (point, draw) per model.
    pub knob_curve_failures: CurveFailures,
    /// When the slider (or the crossbar settings) last moved, for the timing readout.
    pub moved_ms: f64,
    pub xbar_moved_ms: f64,
    /// What the slider's and the crossbar's current jobs were sent for: a readout is cleared
    /// exactly when new jobs are sent, so it cannot wait for jobs nobody sent.
    pub slider_sent: Option<SliderKey>,
    pub xbar_sent: Option<XbarKey>,
    /// (model, draws) whose noise curve was sent, and (model, draws, settings key) whose
    /// fault curve was; cleared with the data (a dataset switch).
    pub curves_sent: BTreeSet<(u64, usize)>,
    pub xbar_curves_sent: BTreeSet<(u64, usize, String)>,
    /// Per drift key ([`drift_key`]), per model, per drift-curve point: the finished draws.
    pub drift_curves: BTreeMap<String, BTreeMap<u64, Curve>>,
    pub drift_curves_sent: BTreeSet<(u64, usize, String)>,
    /// Per knob curve key ([`CurveKnob::curve_key`]), per model, per point: the finished
    /// draws of the curves against levels, variation and read noise.
    pub knob_curves: BTreeMap<String, BTreeMap<u64, Curve>>,
    pub knob_curves_sent: BTreeSet<(u64, usize, String)>,
    /// The crossbar settings (fault-curve key, drift key, knob-curve key) whose curves the
    /// evaluators were last asked for: when they change, the old settings' queued curve jobs
    /// are dropped (and sent again if the user comes back to them).
    pub curves_for: Option<(String, Option<String>, Option<String>)>,
    /// Report rows' models whose figures were asked for: (model, draws, "") for the noise
    /// figures, (model, draws, crossbar settings) for the crossbar ones.
    pub report_sent: BTreeSet<(u64, usize, String)>,
}

/// Everything the slider's jobs depend on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SliderKey {
    pub model: u64,
    pub std_centi: i64,
    pub draws: usize,
    pub seed: u64,
    pub data: u64,
}

/// Everything the crossbar readout's jobs depend on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XbarKey {
    pub model: u64,
    pub config: String,
    pub draws: usize,
    pub data: u64,
}

impl Default for Explore {
    fn default() -> Self {
        Self {
            model: None,
            std: 0.0,
            draws: engine::experiments::defaults::DRAWS,
            seed: engine::experiments::defaults::NOISE_SEED,
            readout: Readout::default(),
            curves: BTreeMap::new(),
            compare: Vec::new(),
            clean_predictions: None,
            noisy_predictions: None,
            histogram: None,
            crossbar: CrossbarUi::default(),
            xbar: Readout::default(),
            xbar_curves: BTreeMap::new(),
            xbar_tile: None,
            curve_failures: BTreeMap::new(),
            xbar_curve_failures: BTreeMap::new(),
            drift_curve_failures: BTreeMap::new(),
            knob_curve_failures: BTreeMap::new(),
            moved_ms: 0.0,
            xbar_moved_ms: 0.0,
            slider_sent: None,
            xbar_sent: None,
            curves_sent: BTreeSet::new(),
            xbar_curves_sent: BTreeSet::new(),
            drift_curves: BTreeMap::new(),
            drift_curves_sent: BTreeSet::new(),
            knob_curves: BTreeMap::new(),
            knob_curves_sent: BTreeSet::new(),
            curves_for: None,
            report_sent: BTreeSet::new(),
        }
    }
}

impl Explore {
    /// The exact figure once every draw is in.
    pub fn exact(&self) -> Option<Spread> {
        first_draws(&self.readout.draws, self.slider_draws())
    }

    /// How many draws the slider's exact figure averages.
    pub fn slider_draws(&self) -> usize {
        if self.std == 0.0 {
            1
        } else {
            self.draws
        }
    }

    /// The slider's jobs for the current position: a fast estimate, then the exact draws.
    pub fn slider_tasks(&self) -> Vec<EvalTask> {
        let n = self.slider_draws();
        let mut tasks = vec![EvalTask::Noise {
            std: self.std,
            seed: self.seed,
            draw: 0,
            subset: Some(ESTIMATE_IMAGES),
            predictions: false,
        }];
        tasks.extend((0..n).map(|k| EvalTask::Noise {
            std: self.std,
            seed: self.seed,
            draw: k,
            subset: None,
            predictions: k == 0,
        }));
        if self.std > 0.0 {
            tasks.push(EvalTask::Histogram { std: self.std, seed: self.seed, bins: 60 });
        }
        tasks
    }

    /// Draws the crossbar figure needs (one when nothing in the configuration is random).
    pub fn xbar_draws(&self) -> usize {
        if self.crossbar.config.is_stochastic() {
            self.draws
        } else {
            1
        }
    }

    /// The crossbar figure once every draw is in.
    /// Shows `id` in the readouts (which the scheduler then clears, as it sends their jobs).
    pub fn focus(&mut self, id: Option<u64>) {
        self.model = id;
    }

    /// Drops every figure computed on the data (a dataset switch): readouts, curves,
    /// predictions, histogram, tile, failures and the record of what was sent.
    pub fn forget_results(&mut self) {
        let keep = Explore {
            model: self.model,
            std: self.std,
            draws: self.draws,
            seed: self.seed,
            compare: std::mem::take(&mut self.compare),
            crossbar: self.crossbar.clone(),
            ..Explore::default()
        };
        *self = keep;
    }

    pub fn xbar_exact(&self) -> Option<Spread> {
        first_draws(&self.xbar.draws, self.xbar_draws())
    }

    /// The crossbar's jobs: an estimate on a subset, then every draw on the full test set.
    pub fn xbar_tasks(&self) -> Vec<EvalTask> {
        if !self.crossbar.enabled || self.crossbar.config.validate().is_err() {
            return vec![];
        }
        let config = self.crossbar.config.clone();
        let mut tasks = vec![
            EvalTask::Crossbar { config: config.clone(), draw: 0, subset: Some(ESTIMATE_IMAGES) },
            EvalTask::Tile { config: config.clone(), draw: 0 },
        ];
        tasks.extend((0..self.xbar_draws()).map(|k| EvalTask::Crossbar {
            config: config.clone(),
            draw: k,
            subset: None,
        }));
        tasks
    }

    /// The crossbar settings without the fault rates, as a key for the fault curve.
    /// A model's fault curve for the current crossbar settings.
    pub fn xbar_curve(&self, model: u64) -> Option<&Curve> {
        self.xbar_curves.get(&self.xbar_key())?.get(&model)
    }

    pub fn xbar_key(&self) -> String {
        settings_key(&self.crossbar.config)
    }

    /// A model's drift curve for the current crossbar settings.
    pub fn drift_curve(&self, model: u64) -> Option<&Curve> {
        self.drift_curves.get(&drift_key(&self.crossbar.config))?.get(&model)
    }

    /// A model's curve against the chosen knob, under the current settings.
    pub fn knob_curve(&self, model: u64) -> Option<&Curve> {
        self.knob_curves.get(&self.crossbar.knob_key()?)?.get(&model)
    }

    /// The chosen knob's curve jobs for the current settings (none for faults and drift).
    pub fn knob_curve_tasks(&self) -> Vec<EvalTask> {
        if self.crossbar.knob_key().is_none() {
            return vec![];
        }
        self.crossbar.knob.tasks(&self.crossbar.config, self.draws)
    }

    /// The drift curve's jobs for the current settings: accuracy at each of [`DRIFT_TIMES`].
    pub fn drift_curve_tasks(&self) -> Vec<EvalTask> {
        if !self.crossbar.enabled || self.crossbar.config.drift.is_none() || self.crossbar.config.validate().is_err() {
            return vec![];
        }
        DRIFT_TIMES
            .into_iter()
            .flat_map(|t| {
                let mut config = self.crossbar.config.clone();
                config.drift = Some(drift_at(t));
                let n = if config.is_stochastic() { self.draws } else { 1 };
                (0..n).map(move |k| EvalTask::Crossbar { config: config.clone(), draw: k, subset: None })
            })
            .collect()
    }

    /// The fault curve's jobs for the current crossbar settings: p = LRS = HRS rate.
    pub fn xbar_curve_tasks(&self) -> Vec<EvalTask> {
        if !self.crossbar.enabled || self.crossbar.config.validate().is_err() {
            return vec![];
        }
        fault_rates()
            .into_iter()
            .flat_map(|p| {
                let mut config = self.crossbar.config.clone();
                config.faults = engine::crossbar::FaultConfig { lrs: p, hrs: p };
                let n = if config.is_stochastic() { self.draws } else { 1 };
                (0..n).map(move |k| EvalTask::Crossbar { config: config.clone(), draw: k, subset: None })
            })
            .collect()
    }

    /// What the Reproduce panel's row of a model needs and nothing more: the noise curve's
    /// points at σ 1.0 and 1.5 and, with the crossbar on, the fault curve's points without
    /// faults and at 0.1 / 0.1, every draw. The full curves are 10 times the work, and computed
    /// for every trained row they kept the evaluators busy long after the trainings.
    pub fn report_noise_tasks(&self) -> Vec<EvalTask> {
        let stds = curve_stds();
        let seed = self.seed;
        [1.0f32, 1.5]
            .into_iter()
            .filter_map(|s| curve_index(s).map(|i| stds[i]))
            .flat_map(|std| {
                (0..self.draws).map(move |k| EvalTask::Noise { std, seed, draw: k, subset: None, predictions: false })
            })
            .collect()
    }

    /// The crossbar half of [`Explore::report_noise_tasks`]'s row figures (none when it is off).
    pub fn report_xbar_tasks(&self) -> Vec<EvalTask> {
        let points = [fault_rates()[0], fault_rates()[2]];
        self.xbar_curve_tasks()
            .into_iter()
            .filter(|t| match t {
                EvalTask::Crossbar { config, .. } => points.iter().any(|&p| (config.faults.lrs - p).abs() < 1e-9),
                _ => false,
            })
            .collect()
    }

    /// The curve's jobs: every point, every draw, full test set.
    pub fn curve_tasks(&self) -> Vec<EvalTask> {
        curve_stds()
            .into_iter()
            .flat_map(|std| {
                let n = if std == 0.0 { 1 } else { self.draws };
                let seed = self.seed;
                (0..n).map(move |k| EvalTask::Noise { std, seed, draw: k, subset: None, predictions: std == 0.0 })
            })
            .collect()
    }
}

/// The noise strengths of the curve.
pub fn curve_stds() -> Vec<f32> {
    engine::stats::linspace(0.0, CURVE_MAX_STD, CURVE_POINTS)
}

/// Stuck-at rates of the fault curve (each of LRS and HRS).
pub fn fault_rates() -> Vec<f64> {
    (0..=5).map(|i| i as f64 * 0.05).collect()
}

/// Which point of the fault curve `p` is, if it is one.
pub fn fault_index(p: f64) -> Option<usize> {
    fault_rates().iter().position(|&r| (r - p).abs() < 1e-9)
}

/// The crossbar settings apart from the fault rates, as a key: results under one key share a
/// deployment and a fault curve.
pub fn settings_key(config: &CrossbarConfig) -> String {
    serde_json::to_string(&config.without_faults()).unwrap_or_default()
}

/// Which point of the curve `std` is, if it is one.
pub fn curve_index(std: f32) -> Option<usize> {
    curve_stds().iter().position(|&s| (s - std).abs() < 1e-4)
}
