//! Stuck-at device faults (MemTorch `bh/nonideality/DeviceFaults.py`): on each crossbar
//! independently, over all of its cells including the tile padding, exactly floor(N * hrs)
//! distinct cells are chosen uniformly and stuck at HRS (G_off); then, in an independent
//! draw, floor(N * lrs) distinct cells are stuck at LRS (G_on), overwriting on overlap.
//! Faults come after tuning and do not trigger re-tuning.

use rand::seq::index::sample;
use serde::{Deserialize, Serialize};

use crate::rng::EngineRng;

/// The state of one device.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Stuck {
    /// Programmable: holds its mapped value.
    #[default]
    No,
    /// Stuck at the high-resistance state, conductance G_off.
    Hrs,
    /// Stuck at the low-resistance state, conductance G_on.
    Lrs,
}

/// floor(n * p), computed so that e.g. 0.1 * 16384 gives 1638 whatever the rounding of p.
pub fn fault_count(n: usize, p: f64) -> usize {
    ((n as f64 * p) + 1e-9).floor().min(n as f64) as usize
}

/// A fault pattern for `n` cells: HRS drawn first, then LRS (overwriting).
pub fn draw_pattern(n: usize, lrs: f64, hrs: f64, rng: &mut EngineRng) -> Vec<Stuck> {
    let mut s = vec![Stuck::No; n];
    let h = fault_count(n, hrs);
    if h > 0 {
        for i in sample(rng, n, h).into_iter() {
            s[i] = Stuck::Hrs;
        }
    }
    let l = fault_count(n, lrs);
    if l > 0 {
        for i in sample(rng, n, l).into_iter() {
            s[i] = Stuck::Lrs;
        }
    }
    s
}

/// Sets the stuck cells of `g` to their stuck conductance.
pub fn apply_pattern(g: &mut [f32], pattern: &[Stuck], g_on: f32, g_off: f32) {
    for (v, s) in g.iter_mut().zip(pattern) {
        match s {
            Stuck::No => {}
            Stuck::Hrs => *v = g_off,
            Stuck::Lrs => *v = g_on,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{rng, stream};

    #[test]
    fn exact_counts_and_values() {
        let mut r = rng(3, stream::FAULTS);
        let n = 1000;
        let p = draw_pattern(n, 0.25, 0.15, &mut r);
        let lrs = p.iter().filter(|s| **s == Stuck::Lrs).count();
        let hrs = p.iter().filter(|s| **s == Stuck::Hrs).count();
        assert_eq!(lrs, 250, "LRS is drawn last and overwrites: exactly floor(N p)");
        assert!((100..=150).contains(&hrs), "HRS loses only the cells LRS overwrote: {hrs}");
        let mut g = vec![0.5f32; n];
        apply_pattern(&mut g, &p, 2.0, 0.1);
        for (v, s) in g.iter().zip(&p) {
            let want = match s {
                Stuck::No => 0.5,
                Stuck::Hrs => 0.1,
                Stuck::Lrs => 2.0,
            };
            assert_eq!(*v, want);
        }
        assert_eq!(fault_count(16384, 0.1), 1638);
        assert_eq!(fault_count(7, 0.1), 0);
    }
}
