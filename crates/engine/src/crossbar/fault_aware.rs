//! The weights a faulty crossbar pair realises, as a differentiable function of the clean
//! weights: what fault-aware training uses on every forward pass. For one weight w with
//! positive part max(w, 0) and negative part max(-w, 0) on two crossbars (w_max = max |W| of
//! the layer): a device stuck at LRS puts its side at w_max, one stuck at HRS zeroes its side.
//! Each side's pattern is drawn as on the crossbars (exactly floor(N p) cells, HRS then LRS),
//! over the weights themselves (the deployment also draws over tile padding; the expected
//! proportion of real cells hit is the same).
//!
//! Gradients reach the clean weights through every position whose realised value still
//! equals w (no fault, or an HRS fault on the side that was at zero anyway); elsewhere the
//! realised value is a constant.

use candle_core::Tensor;

use super::config::FaultConfig;
use super::faults::{draw_pattern, Stuck};
use super::mapping::w_max;
use crate::error::Result;
use crate::rng::EngineRng;

/// `w` as a crossbar with a fresh fault draw would realise it (same shape), with the
/// layer's w_max taken from `w` itself.
pub fn faulty_weights(w: &Tensor, faults: FaultConfig, rng: &mut EngineRng) -> Result<Tensor> {
    let values = w.detach().flatten_all()?.to_vec1::<f32>()?;
    faulty_weights_scaled(w, w_max(&values), faults, rng)
}

/// As [`faulty_weights`] with the mapping scale `wm` given: when `w` is already a noisy
/// copy, the crossbar was mapped from the clean weights, so a stuck-LRS device stands for the
/// clean w_max (a noisy maximum can be many times larger and would blow training up).
pub fn faulty_weights_scaled(w: &Tensor, wm: f32, faults: FaultConfig, rng: &mut EngineRng) -> Result<Tensor> {
    faults.validate()?;
    let n = w.elem_count();
    let values = w.detach().flatten_all()?.to_vec1::<f32>()?;
    let pos = draw_pattern(n, faults.lrs, faults.hrs, rng);
    let neg = draw_pattern(n, faults.lrs, faults.hrs, rng);
    let mut keep = vec![1.0f32; n];
    let mut fixed = vec![0.0f32; n];
    for i in 0..n {
        let v = values[i];
        let (p, q) = (v.max(0.0), (-v).max(0.0));
        let side = |s: Stuck, part: f32| match s {
            Stuck::No => part,
            Stuck::Hrs => 0.0,
            Stuck::Lrs => wm,
        };
        let (p2, q2) = (side(pos[i], p), side(neg[i], q));
        let unaffected = (pos[i] == Stuck::No || (pos[i] == Stuck::Hrs && p == 0.0))
            && (neg[i] == Stuck::No || (neg[i] == Stuck::Hrs && q == 0.0));
        if !unaffected {
            keep[i] = 0.0;
            fixed[i] = p2 - q2;
        }
    }
    let keep = Tensor::from_vec(keep, w.shape(), w.device())?;
    let fixed = Tensor::from_vec(fixed, w.shape(), w.device())?;
    Ok(((w * keep)? + fixed)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::rng;
    use candle_core::{Device, Var};

    #[test]
    fn stuck_values_and_gradients_through_unaffected_positions_only() {
        let n = 1000;
        let vals: Vec<f32> = (0..n).map(|i| ((i as f32) * 0.37).sin()).collect();
        let wm = vals.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let var = Var::from_vec(vals.clone(), (10, 100), &Device::Cpu).unwrap();
        let out = faulty_weights(var.as_tensor(), FaultConfig { lrs: 0.1, hrs: 0.1 }, &mut rng(5, 1)).unwrap();
        let got = out.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        let grads = out.sum_all().unwrap().backward().unwrap();
        let g = grads.get(var.as_tensor()).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
        let (mut changed, mut full) = (0, 0);
        for i in 0..n {
            // Every realised value is the clean one or a difference of {0, |w|, w_max} parts.
            if got[i] == vals[i] {
                assert_eq!(g[i], 1.0, "unaffected weight {i} must get its gradient");
            } else {
                changed += 1;
                assert_eq!(g[i], 0.0, "a stuck weight is a constant");
                if got[i].abs() == wm {
                    full += 1;
                }
            }
        }
        // LRS on 10% of each side changes ~19% of weights (~10% land exactly on +-w_max: the
        // other side was at zero); HRS changes about half of the 10% it hits.
        assert!(changed > 150 && changed < 350, "{changed} changed");
        assert!(full > 60, "{full} at +-w_max");
    }
}
