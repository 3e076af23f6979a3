//! Crossbar settings: one struct with documented defaults and validation, shared by the CLI
//! flags, the app's controls and saved results. Defaults are MemTorch 1.1.6's tutorial as the
//! report used it (VTEAM device, 128x128 tiles, 0.3 V, 8-bit ADC), with no faults.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How layer inputs become voltages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum InputScaling {
    /// MemTorch's `naive_scale`: r = max |x| over whatever one call of the layer receives (a
    /// Linear layer: the whole evaluation batch; a Conv2d layer: each image); if r > vmax the
    /// input is mapped linearly from [-r, r] to [-vmax, vmax]. The tuning was fitted at r = 1,
    /// so the layer's output shrinks by 1/r while the digital bias does not: results depend on
    /// the evaluation batch.
    #[default]
    Memtorch,
    /// The project's fix: a fixed per-layer range r_l, measured once (max |x| over training
    /// images in the digital network); x / r_l is clipped to [-1, 1], driven at x / r_l * vmax,
    /// and the tuned output is multiplied back by r_l. Independent of the batch.
    Calibrated,
}

impl std::fmt::Display for InputScaling {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            InputScaling::Memtorch => "memtorch",
            InputScaling::Calibrated => "calibrated",
        })
    }
}

/// Stuck-at device faults (MemTorch `NonIdeality.DeviceFaults`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct FaultConfig {
    /// Proportion of the devices of each crossbar stuck at the low-resistance state (G_on).
    pub lrs: f64,
    /// Proportion of the devices of each crossbar stuck at the high-resistance state (G_off).
    pub hrs: f64,
}

impl FaultConfig {
    pub fn is_none(&self) -> bool {
        self.lrs == 0.0 && self.hrs == 0.0
    }

    pub fn validate(&self) -> Result<()> {
        for (name, p) in [("lrs proportion", self.lrs), ("hrs proportion", self.hrs)] {
            if !(p.is_finite() && (0.0..=1.0).contains(&p)) {
                return Err(Error::invalid(name, p, "a proportion of devices must be in [0, 1]"));
            }
        }
        if self.lrs + self.hrs > 1.0 {
            return Err(Error::invalid(
                "lrs + hrs proportions",
                self.lrs + self.hrs,
                "more than all devices cannot be stuck: the two proportions must sum to at most 1",
            ));
        }
        Ok(())
    }
}

/// Conductance drift after programming, a power law toward the high-resistance bound:
/// G(t) = G_off + (G_0 - G_off) * (t / t0)^(-nu), with nu drawn per device from
/// N(nu, nu_sd^2) (clamped at 0). The form of aihwkit's PCM drift model (`PCMLikeNoiseModel`,
/// t0 = 20 s there) and of MemTorch's retention non-ideality; nu = 0.05 is a typical PCM value.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct DriftConfig {
    /// Time since programming, seconds (>= t0).
    pub time: f64,
    /// Reference time at which the programmed values hold, seconds.
    pub t0: f64,
    /// Mean drift exponent.
    pub nu: f64,
    /// Device-to-device standard deviation of the exponent.
    pub nu_sd: f64,
}

impl Default for DriftConfig {
    fn default() -> Self {
        Self { time: 3600.0, t0: 20.0, nu: 0.05, nu_sd: 0.0 }
    }
}

/// Smallest resistance accepted, ohm: a conductance of 10^6 S keeps f32 products finite.
pub const MIN_RESISTANCE: f64 = 1e-6;
/// Largest resistance accepted, ohm: a conductance of 10^-15 S is still a normal f32.
pub const MAX_RESISTANCE: f64 = 1e15;

/// Everything that defines a simulated crossbar deployment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CrossbarConfig {
    /// Low (on) resistance in ohm; default 50 (VTEAM).
    pub r_on: f64,
    /// High (off) resistance in ohm; default 1000 (VTEAM).
    pub r_off: f64,
    /// Maximum input voltage in volt; default 0.3.
    pub vmax: f64,
    /// Side of the square tiles; default 128.
    pub tile: usize,
    /// ADC resolution in bits (linear quantiser, overflow rate 0); `None` = ideal read-out.
    pub adc_bits: Option<u32>,
    pub input_scaling: InputScaling,
    /// Images per layer call in evaluation; it matters in `memtorch` scaling. Default 64.
    pub eval_batch: usize,
    /// Random inputs for the least-squares tuning of a Linear layer (MemTorch: 4098).
    pub tune_samples: usize,
    /// Training images used to measure the calibrated input ranges.
    pub calibration_images: usize,
    pub faults: FaultConfig,
    /// Finite conductance states: snap to this many evenly spaced levels in [G_off, G_on]
    /// (MemTorch `NonIdeality.FiniteConductanceStates`); `None` = continuous.
    pub levels: Option<u32>,
    /// Device-to-device variation: every device's R_on and R_off are drawn from normals with
    /// this relative standard deviation, and its programmed conductance is clamped to its own
    /// range (MemTorch's stochastic `r_on` / `r_off` parameters). 0 = none.
    pub variation: f64,
    /// Conductance drift; `None` = read right after programming.
    pub drift: Option<DriftConfig>,
    /// Read noise: additive Gaussian on every device's conductance, fresh for every layer call,
    /// with standard deviation `read_noise * (G_on - G_off)` (aihwkit `IOParameters.w_noise`
    /// with `WeightNoiseType.ADDITIVE_CONSTANT`). 0 = none.
    pub read_noise: f64,
    /// Seeds tuning inputs, faults, variation, drift exponents and read noise.
    pub seed: u64,
}

impl Default for CrossbarConfig {
    fn default() -> Self {
        Self {
            r_on: 50.0,
            r_off: 1000.0,
            vmax: 0.3,
            tile: 128,
            adc_bits: Some(8),
            input_scaling: InputScaling::Memtorch,
            eval_batch: 64,
            tune_samples: 4098,
            calibration_images: 10_000,
            faults: FaultConfig::default(),
            levels: None,
            variation: 0.0,
            drift: None,
            read_noise: 0.0,
            seed: 1234,
        }
    }
}

impl CrossbarConfig {
    /// On conductance 1 / R_on, siemens.
    pub fn g_on(&self) -> f32 {
        (1.0 / self.r_on) as f32
    }

    /// Off conductance 1 / R_off, siemens.
    pub fn g_off(&self) -> f32 {
        (1.0 / self.r_off) as f32
    }

    /// Whether two evaluations with different draws can differ (faults, variation, drift
    /// spread, read noise); if not, one evaluation says everything.
    pub fn is_stochastic(&self) -> bool {
        !self.faults.is_none()
            || self.variation > 0.0
            || self.read_noise > 0.0
            || self.drift.is_some_and(|d| d.nu_sd > 0.0)
    }

    /// The same settings without stuck-at faults: what an ideal deployment is mapped and tuned
    /// with (faults only act when a draw is realised), so one deployment serves every fault rate.
    pub fn without_faults(&self) -> CrossbarConfig {
        CrossbarConfig { faults: FaultConfig::default(), ..self.clone() }
    }

    /// Rejects settings that cannot describe a crossbar, with a message saying why.
    pub fn validate(&self) -> Result<()> {
        if !(self.r_on.is_finite() && self.r_on > 0.0) {
            return Err(Error::invalid("r_on", self.r_on, "resistances must be positive (ohm)"));
        }
        if !(self.r_off.is_finite() && self.r_off > 0.0) {
            return Err(Error::invalid("r_off", self.r_off, "resistances must be positive (ohm)"));
        }
        // Conductances are simulated in f32: 1/R must stay far from f32's overflow and underflow
        // once multiplied by voltages, weights and column sums.
        for (name, r) in [("r_on", self.r_on), ("r_off", self.r_off)] {
            if !(MIN_RESISTANCE..=MAX_RESISTANCE).contains(&r) {
                return Err(Error::invalid(
                    name,
                    r,
                    format!(
                        "resistances must be between {MIN_RESISTANCE:e} and {MAX_RESISTANCE:e} ohm: the conductance 1/R = {:e} S is simulated in f32 and would overflow or vanish",
                        1.0 / r
                    ),
                ));
            }
        }
        if self.r_on >= self.r_off {
            return Err(Error::invalid(
                "r_on",
                self.r_on,
                format!("R_on must be below R_off ({} ohm): the on state conducts more", self.r_off),
            ));
        }
        if !(self.vmax.is_finite() && self.vmax > 0.0) {
            return Err(Error::invalid("vmax", self.vmax, "the maximum input voltage must be positive (volt)"));
        }
        if self.tile == 0 || self.tile > 4096 {
            return Err(Error::invalid("tile", self.tile, "the tile size must be between 1 and 4096"));
        }
        if let Some(bits) = self.adc_bits {
            if bits == 0 {
                return Err(Error::invalid(
                    "adc_bits",
                    bits,
                    "an ADC needs at least 1 bit; use `none` for an ideal read-out",
                ));
            }
            if bits > 24 {
                return Err(Error::invalid(
                    "adc_bits",
                    bits,
                    "at most 24 bits (f32 precision); use `none` for an ideal read-out",
                ));
            }
        }
        if self.eval_batch == 0 {
            return Err(Error::invalid("eval_batch", 0, "the evaluation batch must hold at least 1 image"));
        }
        if self.tune_samples < 2 {
            return Err(Error::invalid(
                "tune_samples",
                self.tune_samples,
                "a least-squares fit needs at least 2 samples",
            ));
        }
        if self.input_scaling == InputScaling::Calibrated && self.calibration_images == 0 {
            return Err(Error::invalid("calibration_images", 0, "calibrated scaling needs at least 1 training image"));
        }
        self.faults.validate()?;
        if let Some(n) = self.levels {
            if n < 2 {
                return Err(Error::invalid(
                    "levels",
                    n,
                    "finite conductance states need at least 2 levels (G_off and G_on)",
                ));
            }
        }
        if !(self.variation.is_finite() && (0.0..1.0).contains(&self.variation)) {
            return Err(Error::invalid(
                "variation",
                self.variation,
                "the relative standard deviation must be in [0, 1)",
            ));
        }
        if let Some(d) = self.drift {
            if !(d.t0.is_finite() && d.t0 > 0.0) {
                return Err(Error::invalid("drift t0", d.t0, "the reference time must be positive (seconds)"));
            }
            if !(d.time.is_finite() && d.time >= d.t0) {
                return Err(Error::invalid("drift time", d.time, format!("must be at least t0 = {} s", d.t0)));
            }
            if !(d.nu.is_finite() && (0.0..=1.0).contains(&d.nu)) {
                return Err(Error::invalid("drift nu", d.nu, "the drift exponent must be in [0, 1]"));
            }
            if !(d.nu_sd.is_finite() && (0.0..=1.0).contains(&d.nu_sd)) {
                return Err(Error::invalid("drift nu sd", d.nu_sd, "must be in [0, 1]"));
            }
        }
        if !(self.read_noise.is_finite() && (0.0..=1.0).contains(&self.read_noise)) {
            return Err(Error::invalid("read_noise", self.read_noise, "relative to G_on - G_off, must be in [0, 1]"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejects(f: impl FnOnce(&mut CrossbarConfig), needle: &str) {
        let mut c = CrossbarConfig::default();
        f(&mut c);
        let e = c.validate().expect_err("should be rejected").to_string();
        assert!(e.contains(needle), "message `{e}` should mention `{needle}`");
    }

    #[test]
    fn defaults_are_valid_and_bad_settings_are_rejected_with_a_reason() {
        CrossbarConfig::default().validate().unwrap();
        rejects(|c| c.r_on = 0.0, "positive");
        rejects(|c| c.r_on = -5.0, "positive");
        rejects(|c| c.r_off = -1.0, "positive");
        rejects(|c| c.r_on = 1000.0, "below R_off");
        rejects(|c| c.r_on = 2000.0, "below R_off");
        rejects(|c| c.faults.lrs = 1.5, "[0, 1]");
        rejects(|c| c.faults.hrs = -0.1, "[0, 1]");
        rejects(|c| c.faults = FaultConfig { lrs: 0.6, hrs: 0.5 }, "sum to at most 1");
        rejects(|c| c.adc_bits = Some(0), "at least 1 bit");
        rejects(|c| c.tile = 0, "tile size");
        rejects(|c| c.vmax = 0.0, "voltage");
        rejects(|c| c.levels = Some(1), "2 levels");
        rejects(|c| c.eval_batch = 0, "at least 1 image");
    }
}
