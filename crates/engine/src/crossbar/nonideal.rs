//! Non-idealities beyond stuck-at faults, each usable on its own or together. They act on
//! the programmed conductances after tuning (as MemTorch's `apply_nonidealities` does after
//! `patch_model`), in this order: finite states, device-to-device variation, faults, drift;
//! read noise is drawn afresh at every layer call.

use rand_distr::{Distribution, Normal};

use super::config::DriftConfig;
use super::faults::Stuck;
use crate::rng::EngineRng;

/// Finite conductance states (MemTorch `NonIdeality.FiniteConductanceStates`): every
/// conductance snaps to the nearest of `levels` evenly spaced values in [G_off, G_on].
pub fn snap_to_levels(g: &mut [f32], levels: u32, g_on: f32, g_off: f32) {
    let step = (g_on - g_off) / (levels - 1) as f32;
    let top = (levels - 1) as f32;
    for v in g.iter_mut() {
        let k = ((*v - g_off) / step).round().clamp(0.0, top);
        *v = g_off + k * step;
    }
}

/// Device-to-device variation (MemTorch's stochastic `r_on` / `r_off` device parameters):
/// each device gets its own R_on ~ N(r_on, (rel_sd r_on)^2) and R_off ~ N(r_off, (rel_sd r_off)^2)
/// (kept positive and R_on < R_off), and its conductance is clamped to its own
/// [1/R_off, 1/R_on]: the programmer aims at nominal values, the device cannot go beyond its range.
pub fn apply_variation(g: &mut [f32], rel_sd: f64, r_on: f64, r_off: f64, rng: &mut EngineRng) {
    let on = Normal::new(r_on, rel_sd * r_on).expect("finite sd");
    let off = Normal::new(r_off, rel_sd * r_off).expect("finite sd");
    for v in g.iter_mut() {
        let ron = on.sample(rng).max(r_on * 1e-3);
        let roff = off.sample(rng).max(ron * (1.0 + 1e-6));
        *v = v.clamp((1.0 / roff) as f32, (1.0 / ron) as f32);
    }
}

/// Power-law drift toward G_off: G(t) = G_off + (G_0 - G_off) (t / t0)^(-nu), nu per device
/// from N(nu, nu_sd^2) clamped at 0. Stuck devices do not drift.
pub fn apply_drift(g: &mut [f32], stuck: &[Stuck], d: &DriftConfig, g_off: f32, rng: &mut EngineRng) {
    let ratio = d.time / d.t0;
    if d.nu_sd == 0.0 {
        let f = ratio.powf(-d.nu) as f32;
        for (v, s) in g.iter_mut().zip(stuck) {
            if *s == Stuck::No {
                *v = g_off + (*v - g_off) * f;
            }
        }
        return;
    }
    let nu = Normal::new(d.nu, d.nu_sd).expect("finite sd");
    for (v, s) in g.iter_mut().zip(stuck) {
        let f = ratio.powf(-nu.sample(rng).max(0.0)) as f32;
        if *s == Stuck::No {
            *v = g_off + (*v - g_off) * f;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::rng;

    #[test]
    fn levels_snap_to_the_nearest_state() {
        // 3 levels in [1, 3]: 1, 2, 3.
        let mut g = [1.0f32, 1.4, 1.6, 2.9, 3.0];
        snap_to_levels(&mut g, 3, 3.0, 1.0);
        assert_eq!(g, [1.0, 1.0, 2.0, 3.0, 3.0]);
    }

    #[test]
    fn variation_keeps_each_device_inside_its_own_range_and_drift_decays_toward_g_off() {
        let mut g = vec![0.02f32; 1000];
        apply_variation(&mut g, 0.1, 50.0, 1000.0, &mut rng(1, 99));
        assert!(g.iter().all(|&v| v <= 0.02 && v > 0.012), "G_on devices clamp to their own 1/R_on");
        assert!(g.iter().any(|&v| v < 0.0199), "some devices have R_on above nominal");
        let mut h = [0.02f32, 0.001, 0.0105];
        let d = DriftConfig { time: 200.0, t0: 20.0, nu: 0.1, nu_sd: 0.0 };
        apply_drift(&mut h, &[Stuck::No, Stuck::No, Stuck::Lrs], &d, 0.001, &mut rng(1, 98));
        let f = 10f32.powf(-0.1);
        assert!((h[0] - (0.001 + 0.019 * f)).abs() < 1e-7);
        assert_eq!(h[1], 0.001);
        assert_eq!(h[2], 0.0105, "stuck devices do not drift");
    }
}
